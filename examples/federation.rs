//! The federation history generator (issue 11): a governance repository in
//! the real format, as the `charter` binary would have written it, of M
//! members over Y years with P proposals, at a scale the process layer
//! (one verified, fsynced act at a time) cannot reach in reasonable time.
//!
//! ```sh
//! cargo run --release --example federation -- --members 100 --proposals 2000 \
//!     --out DIR --keys KEYDIR [--years 20] [--seed 1]
//! ```
//!
//! How: the genesis is made by the library's `init`; the history is then
//! drafted on an in-memory tree by the library's own builders and rules
//! (`ledger`, `sim`), the acts are signed on every core, and the objects
//! are written into one pack (`write`, `pack`). The work tree is checked
//! out sparse (the charter, keys and reviews, as the README advises for a
//! large group), and the clone records its trust root, its verified tip
//! and tags, as `charter init` and `charter verify` leave them.

// The crate root of an example resolves modules beside it, not under
// its name: each is named by path.
#[path = "federation/keys.rs"]
mod keys;
#[path = "federation/ledger.rs"]
mod ledger;
#[path = "federation/pack.rs"]
mod pack;
#[path = "federation/sim.rs"]
mod sim;
#[path = "federation/text.rs"]
mod text;
#[path = "federation/tree.rs"]
mod tree;
#[path = "federation/write.rs"]
mod write;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use charter::crypto::key::PublicKey;

use charter::process::group::{init, Founder, InitOptions};
use charter::store::repo::Repo;

use ledger::{Identity, Ledger, Res};

const USAGE: &str =
    "usage: federation --members M --proposals P --out DIR --keys KEYDIR [--years Y] [--seed S]";

struct Args {
    opts: sim::Options,
    out: PathBuf,
    keys: PathBuf,
}

/// Reads the arguments; an error is one line, for exit status 2.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut members, mut proposals, mut out, mut keys) = (None, None, None, None);
    let (mut years, mut seed) = (20u32, 1u64);
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))
        };
        let number = |v: String| -> Result<u64, String> {
            v.parse()
                .map_err(|_| format!("{flag}: '{v}' is not a whole number"))
        };
        match flag.as_str() {
            "--members" => members = Some(number(value()?)?),
            "--proposals" => proposals = Some(number(value()?)?),
            "--years" => {
                years = number(value()?)?
                    .try_into()
                    .map_err(|_| "--years: too large")?
            }
            "--seed" => seed = number(value()?)?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--keys" => keys = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument '{other}'; {USAGE}")),
        }
    }
    let need = |name: &str| format!("missing {name}; {USAGE}");
    let members = members.ok_or_else(|| need("--members"))?;
    let proposals = proposals.ok_or_else(|| need("--proposals"))?;
    let out = out.ok_or_else(|| need("--out"))?;
    let keys = keys.ok_or_else(|| need("--keys"))?;
    if !(3..=999).contains(&members) {
        return Err(format!("--members {members}: give 3 to 999 (a proposal needs a proposer, a seconder and a group left after a departure)"));
    }
    if !(1..=100_000).contains(&proposals) {
        return Err(format!("--proposals {proposals}: give 1 to 100000"));
    }
    if !(1..=25).contains(&years) {
        return Err(format!(
            "--years {years}: give 1 to 25 (the history ends by 2025)"
        ));
    }
    for (flag, dir) in [("--out", &out), ("--keys", &keys)] {
        if dir.exists()
            && std::fs::read_dir(dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(true)
        {
            return Err(format!(
                "{flag} {}: not empty; give a new or empty folder",
                dir.display()
            ));
        }
    }
    Ok(Args {
        opts: sim::Options {
            members: members as usize,
            proposals: proposals as usize,
            years,
            seed,
        },
        out,
        keys,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

fn run(args: &Args) -> Res<()> {
    let started = Instant::now();
    let lap = |what: &str, since: &mut Instant| {
        eprintln!("{what}: {:.1?}", since.elapsed());
        *since = Instant::now();
    };
    let mut since = Instant::now();
    std::fs::create_dir_all(&args.keys)?;
    let opts = &args.opts;
    let first_year = 2025 - opts.years as i32 + 1;
    let mut keys = keys::Keys::new(&args.keys);
    let mut founders = Vec::new();
    let mut identities = Vec::new();
    for n in 1..=opts.members {
        let id = format!("n{n:03}");
        let key = keys.generate(&id)?;
        let name = format!("Nation {n}");
        founders.push(Founder {
            id: id.parse()?,
            name: Some(name.clone()),
            key: PublicKey::clone(keys.get(key).public()),
            attestation: None,
        });
        identities.push((id, Identity { name, key }));
    }
    let genesis_time =
        charter::model::clock::parse_timestamp(&format!("{first_year}-01-01T09:00:00Z"))?;
    let root = init(
        &args.out,
        InitOptions {
            template: &charter::model::template::D5,
            attestation_roots: Vec::new(),
            name: "Digital Federation".into(),
            founders,
            key: keys.get(0),
            now: genesis_time,
        },
    )?;
    let git = git2::Repository::open(&args.out)?;
    let mut tree = tree::MemTree::default();
    read_genesis(&git, &git.find_commit(root)?.tree()?, "", &mut tree)?;
    let mut ledger = Ledger::new(tree, root.to_string(), keys)?;
    for (id, identity) in identities {
        ledger.identities.insert(id.parse()?, identity);
    }
    lap("keys and genesis", &mut since);

    let mut sim = sim::Sim::new(&mut ledger, opts, first_year, opts.members);
    sim.run()?;
    let counts = std::mem::take(&mut sim.counts);
    drop(sim);
    lap(
        &format!(
            "planned {} commits, {} acts",
            ledger.commits.len(),
            ledger.acts.len()
        ),
        &mut since,
    );

    let signed = write::sign_acts(&ledger.acts, &ledger.keys)?;
    lap("signed the acts", &mut since);
    let written = write::write(&git, root, &ledger.commits, &signed, &ledger.keys)?;
    drop(signed);
    lap(&format!("wrote {}", written.pack.display()), &mut since);

    // A fresh handle sees the new pack.
    let git = git2::Repository::open(&args.out)?;
    git.reference("refs/heads/main", written.tip, true, "federation")?;
    for (tag, commit) in &written.tags {
        git.reference(&format!("refs/tags/{tag}"), *commit, true, "federation")?;
    }
    check_out(&args.out)?;
    lap("checked out the work tree", &mut since);

    // As `charter verify` leaves a clone it has verified: the trust root
    // (recorded by init) and the tip, with the counts it reports.
    let repo = Repo::open(&args.out)?;
    let commits = ledger.commits.len() + 1;
    repo.record_verified(
        root,
        written.tip,
        [commits, ledger.acts.len(), ledger.finalizations],
    )?;
    repo.record_verified_tags(root, written.tip, &written.tags)?;
    let proposals = ledger.tree_proposals();
    println!(
        "{}: {} members over {} years: {} commits, {} signed acts, {} proposals, {} finalizations, {} members at the end",
        args.out.display(),
        opts.members,
        opts.years,
        commits,
        ledger.acts.len(),
        proposals,
        ledger.finalizations,
        ledger.members.len()
    );
    println!(
        "amendments {} (added {}, retired {}), joins {} (refused {}), departures {}, rotations {}, objected {} (withdrawn {}), withdrawn {}, expired {}, review proposals {}",
        counts.amendments,
        counts.additions,
        counts.retirements,
        counts.joins,
        counts.joins_refused,
        counts.departures,
        counts.rotations,
        counts.objected,
        counts.objections_withdrawn,
        counts.withdrawn,
        counts.expired,
        counts.reviews
    );
    eprintln!("total: {:.1?}", started.elapsed());
    Ok(())
}

/// The genesis's files, into the planner's tree.
fn read_genesis(
    git: &git2::Repository,
    tree: &git2::Tree<'_>,
    prefix: &str,
    out: &mut tree::MemTree,
) -> Res<()> {
    for e in tree.iter() {
        let name = e.name().ok_or("genesis: a name is not UTF-8")?;
        let path = charter::model::tree::join(prefix, name);
        if e.kind() == Some(git2::ObjectType::Tree) {
            read_genesis(git, &git.find_tree(e.id())?, &path, out)?;
        } else {
            let text = String::from_utf8(git.find_blob(e.id())?.content().to_vec())?;
            out.put(&path, text.into());
        }
    }
    Ok(())
}

/// Brings the work tree and index to HEAD with the system git, as a large
/// group's member keeps a clone (see the README's "Performance"): a sparse
/// checkout of the charter, keys and reviews, with git's sparse index, so
/// that the record's 400,000 files stay in git's objects and an act costs
/// the same at any size of history.
fn check_out(dir: &Path) -> Res<()> {
    let git = |args: &[&str]| -> Res<()> {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "core.fsync=none"])
            .args(args)
            .status()?;
        if !status.success() {
            return Err(format!("git {} in {}: {status}", args.join(" "), dir.display()).into());
        }
        Ok(())
    };
    git(&charter::store::journal::SPARSE_CHECKOUT)?;
    git(&["reset", "--hard", "-q", "HEAD"])
}
