//! The federation history generator (`examples/federation.rs`, issue 11):
//! what it builds must be a governance repository like any `charter`
//! writes, which the real binary verifies and acts on, and which stock git
//! and OpenSSH check.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{assert_one_line_error, hermetic_env, stderr, stdout, Env, Group};

/// The example `cargo test` builds beside this test binary
/// (`target/<profile>/deps/it-*` → `target/<profile>/examples/federation`).
fn generator() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = profile.join("examples").join("federation");
    assert!(
        path.is_file(),
        "{} is missing: `cargo test` builds it (or: cargo build --example federation)",
        path.display()
    );
    path
}

pub fn generate(env: &Env, args: &[&str]) -> Output {
    Command::new(generator())
        .env_clear()
        .envs(hermetic_env(env.path(), &env.now))
        .current_dir(env.path())
        .args(args)
        .output()
        .expect("run the generator")
}

/// `git ls-tree` names under `proposals/` at HEAD.
fn files(g: &Group) -> Vec<String> {
    g.git_out(&["ls-tree", "-r", "--name-only", "HEAD", "proposals"])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_generated_federation_verifies_and_takes_new_acts() {
    let env = Env::new();
    let out = generate(
        &env,
        &[
            "--members",
            "6",
            "--proposals",
            "30",
            "--years",
            "3",
            "--seed",
            "7",
            "--out",
            "fed",
            "--keys",
            "fed-keys",
        ],
    );
    assert!(out.status.success(), "generator: {}", stderr(&out));
    let repo = env.path().join("fed");
    let keys = env.path().join("fed-keys");
    let g = Group { env, repo };

    // The clone is left verified (its tip recorded); a full check from the
    // trust root agrees, with the same counts.
    let quick = g.read().arg("verify").output().unwrap();
    assert!(quick.status.success(), "verify: {}", stderr(&quick));
    let full = g.read().args(["verify", "--full"]).output().unwrap();
    assert!(full.status.success(), "verify --full: {}", stderr(&full));
    assert!(stdout(&quick).contains(" (0 new): "), "{}", stdout(&quick));
    assert_eq!(
        stdout(&quick).replace(" (0 new)", ""),
        stdout(&full),
        "the counts recorded are those a full check finds"
    );
    let commits = g.git_out(&["rev-list", "--count", "HEAD"]);
    assert!(
        stdout(&full).starts_with(&format!("verified: {commits} commits ")),
        "{}",
        stdout(&full)
    );
    assert!(stdout(&full).contains(" 30 proposals"), "{}", stdout(&full));

    // Every kind of story is there: joins, departures, rotations,
    // objections that stand (no decision) and reviews with their tags.
    let files = files(&g);
    let has = |needle: &str| files.iter().any(|f| f.contains(needle));
    for needle in [
        "-member-",
        "-leave-",
        "-rotate-key-",
        ".object.msg",
        ".withdraw-objection.msg",
        "-close-review-",
    ] {
        assert!(has(needle), "no {needle} in the history");
    }
    let decided = |dir: &str| files.iter().any(|f| f == &format!("{dir}/decision.toml"));
    let rejected = files
        .iter()
        .filter_map(|f| {
            f.split_once("/signatures/")
                .filter(|(_, n)| n.ends_with(".object.msg"))
        })
        .any(|(dir, _)| {
            !decided(dir)
                && !files
                    .iter()
                    .any(|f| f.starts_with(dir) && f.ends_with(".withdraw-objection.msg"))
        });
    assert!(rejected, "no proposal left blocked by an objection");
    let admitted = files
        .iter()
        .filter_map(|f| f.strip_suffix("/proposal.toml"))
        .any(|dir| dir.contains("-member-") && decided(dir));
    assert!(admitted, "no admission");
    assert!(!g.git_out(&["tag", "--list", "charter-*"]).is_empty());
    let acts = files.iter().filter(|f| f.ends_with(".msg")).count();
    assert!(
        (90..=240).contains(&acts),
        "about 30 × 6 acts, found {acts}"
    );

    // Every object is whole and every delta resolves (the generator
    // writes its own pack); stock git accepts the commit signatures, and
    // OpenSSH an act's.
    g.git_out(&["fsck", "--full", "--strict"]);
    let verified = g
        .git()
        .args([
            "-c",
            "gpg.ssh.allowedSignersFile=keys/allowed_signers",
            "verify-commit",
            "HEAD",
        ])
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "git verify-commit: {}",
        stderr(&verified)
    );
    assert!(
        stderr(&verified).contains("Good \"git\" signature"),
        "{}",
        stderr(&verified)
    );
    let accept = files
        .iter()
        .rev()
        .find(|f| f.ends_with(".accept.msg"))
        .expect("an acceptance");
    let signer = accept
        .rsplit('/')
        .next()
        .and_then(|n| n.split('.').next())
        .expect("a signer");
    // The clone is sparse: the record is read from HEAD, as a third party
    // reads it from a clone's work tree.
    for rel in [accept.clone(), accept.replace(".msg", ".sig")] {
        let blob = g
            .git()
            .args(["show", &format!("HEAD:{rel}")])
            .output()
            .unwrap();
        assert!(blob.status.success(), "git show HEAD:{rel}");
        let file = g.env.path().join(rel.rsplit('/').next().unwrap());
        std::fs::write(file, blob.stdout).unwrap();
    }
    let name = accept.rsplit('/').next().unwrap();
    let checked = Command::new("ssh-keygen")
        .current_dir(g.env.path())
        .arg("-Y")
        .arg("verify")
        .arg("-f")
        .arg(g.repo.join("keys/allowed_signers"))
        .args(["-n", "charter", "-I", signer, "-s"])
        .arg(name.replace(".msg", ".sig"))
        .stdin(std::fs::File::open(g.env.path().join(name)).unwrap())
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "ssh-keygen -Y verify {accept}: {}",
        stderr(&checked)
    );

    // The keys left in KEYDIR act through the real binary.
    let members = g.member_ids(None);
    let (a, b) = (&members[0], &members[1]);
    let index = g.read_file("charter/index.toml");
    let principle = index
        .lines()
        .find_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\","))
        .expect("a principle");
    let texts = g.texts(
        "new",
        "# New title\n\nA text no one wrote.\n",
        "# Nouveau\n\nUn texte.\n",
    );
    let proposed = g
        .env
        .charter_in(&g.repo)
        .arg("--key")
        .arg(keys.join(a))
        .args(["propose", "amend", principle])
        .args(&texts)
        .output()
        .unwrap();
    assert!(proposed.status.success(), "propose: {}", stderr(&proposed));
    let id = stdout(&proposed).trim().to_string();
    g.env
        .charter_in(&g.repo)
        .arg("--key")
        .arg(keys.join(b))
        .args(["second", &id])
        .assert()
        .success();
    g.assert_verify_passes();
    // The clone is sparse, as a large group's should be: the charter in
    // the work tree, the record in git's objects, and both kept so by acts.
    assert!(!g.repo.join("proposals").exists());
    assert!(g.repo.join("charter/index.toml").exists());
    assert_eq!(g.tree_state().0, "", "clean");
    assert!(g
        .git_out(&["ls-files", "--sparse"])
        .lines()
        .any(|l| l == "proposals/"));
}

/// Small groups over few years once livelocked: a review's closing, put
/// off a day at a time for proposals that never got a turn to end. Every
/// seed must finish (the generator takes a fraction of a second here).
#[test]
fn a_small_federation_is_generated_for_every_seed() {
    use wait_timeout::ChildExt;
    for seed in ["1", "2", "3", "4"] {
        let env = Env::new();
        let args = ["--members", "6", "--proposals", "30", "--years", "3"];
        let mut child = Command::new(generator())
            .env_clear()
            .envs(hermetic_env(env.path(), &env.now))
            .current_dir(env.path())
            .args(args)
            .args(["--seed", seed, "--out", "fed", "--keys", "fed-keys"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let status = child
            .wait_timeout(std::time::Duration::from_secs(120))
            .unwrap();
        if status.is_none() {
            let _ = child.kill();
        }
        assert!(
            status.is_some_and(|s| s.success()),
            "seed {seed}: {status:?}"
        );
    }
}

#[test]
fn bad_arguments_are_refused_in_one_line() {
    let env = Env::new();
    std::fs::create_dir_all(env.path().join("full")).unwrap();
    std::fs::write(env.path().join("full/x"), "x").unwrap();
    let base = ["--members", "6", "--proposals", "30", "--keys", "k"];
    let cases: [(Vec<&str>, &str); 4] = [
        (base.to_vec(), "--out"),
        (
            [&base[..], &["--out", "o", "--members", "0"]].concat(),
            "--members",
        ),
        ([&base[..], &["--out", "full"]].concat(), "not empty"),
        (
            [&base[..], &["--out", "o", "--years", "many"]].concat(),
            "--years",
        ),
    ];
    for (args, needle) in cases {
        let out = generate(&env, &args);
        assert_one_line_error(&out, 2, &[needle]);
        assert!(!env.path().join("o").exists(), "{args:?} wrote something");
    }
}
