//! Every input the fuzzers keep runs here through the same harness the fuzz
//! targets call (`fuzz/src/lib.rs`, included below): the committed seed
//! corpus (`fuzz/corpus/<target>/`) and every crash the fuzzers found
//! (`tests/fuzz_regressions/<target>/`). A saved crash is named after what
//! broke and ends in `.accepted` or `.refused`, the verdict the library
//! must now give it. See `scripts/fuzz` and the README's "Fuzzing".

use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/lib.rs"]
pub mod harness;

use harness::Verdict;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The saved inputs of one target: (file, bytes), crashes first.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in [
        root().join("tests/fuzz_regressions").join(target),
        root().join("fuzz/corpus").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            out.push((f, bytes));
        }
    }
    out
}

/// The verdict a saved crash's name asks for, if any.
fn expected(file: &Path) -> Option<Verdict> {
    match file.extension()?.to_str()? {
        "accepted" => Some(Verdict::Accepted),
        "refused" => Some(Verdict::Refused),
        _ => None,
    }
}

fn replay(target: &str, run: impl Fn(&[u8]) -> Verdict) {
    let inputs = inputs(target);
    assert!(
        !inputs.is_empty(),
        "no seed corpus for {target} in fuzz/corpus/{target}"
    );
    let mut accepted = 0;
    for (file, bytes) in &inputs {
        let got = run(bytes);
        if let Some(want) = expected(file) {
            assert_eq!(got, want, "{}", file.display());
        }
        accepted += usize::from(got == Verdict::Accepted);
    }
    // A seed corpus made of real files holds some the library accepts.
    assert!(accepted > 0, "{target}: no saved input is accepted");
}

macro_rules! replay_targets {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                replay(stringify!($target), harness::$target);
            }
        )*
    };
}

replay_targets!(
    message,
    sshsig,
    public_key,
    attestation,
    private_key,
    governance,
    member,
    proposal,
    decision,
    review,
    charter_index,
    principle_text,
    statement,
    ids,
    dates,
);

#[test]
fn repository() {
    let fixture = harness::Fixture::new(&root().join("tests/fixtures/keys"));
    assert!(!fixture.is_empty());
    for i in 0..fixture.len() {
        assert_eq!(fixture.verify_step(i), Verdict::Accepted, "commit {i}");
    }
    // A commit rewritten with its own files is the same commit: it holds.
    let seeds = fixture.seeds();
    for seed in &seeds {
        assert_eq!(harness::repository(&fixture, seed), Verdict::Accepted);
    }
    // Dropping a file a commit changed (proposal.toml of the first
    // proposal, the amended text of its finalization) is judged.
    for (commit, op) in [(1u8, 2u8), (5, 2 + 4)] {
        assert_eq!(
            harness::repository(&fixture, &[commit, op]),
            Verdict::Refused
        );
    }
    // `CHARTER_FUZZ_SEEDS=DIR cargo test fuzz_regressions::repository`
    // writes them as a seed corpus.
    if let Ok(dir) = std::env::var("CHARTER_FUZZ_SEEDS") {
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(Path::new(&dir).join(format!("seed-{i:03}")), seed).unwrap();
        }
    }
    replay("repository", |bytes| harness::repository(&fixture, bytes));
}

/// The harness's own canonical writer of an SSHSIG, against a signature
/// the library made.
#[test]
fn armor_writes_what_the_library_signs() {
    let key = charter::crypto::key::SigningKey::load(
        &root().join("tests/fixtures/keys/uk"),
        &|p: &Path| {
            Err(charter::crypto::key::KeyError::key(
                p.display().to_string(),
                "none",
            ))
        },
    )
    .unwrap();
    let signed = key.sign("charter", b"hello\n").unwrap();
    let parsed = charter::crypto::sshsig::parse(signed.as_bytes()).unwrap();
    assert_eq!(harness::armor(&parsed), signed);
}
