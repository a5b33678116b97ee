//! Federation scale (issue 11): every figure of the targets, at a few sizes,
//! next to its yardstick, with the ratio and the growth from one size to
//! the next.
//!
//! ```sh
//! cargo bench --bench scale -- [--sizes 100x250,100x500,100x1000,100x2000] [--work DIR] [--runs N]
//! ```
//!
//! Each size's figures are printed as soon as they are measured, and the
//! whole table at the end. `cargo test` runs it too, as a smoke test: one
//! tiny size, once, in a temporary directory, so that the benchmark cannot
//! rot between the runs that matter.
//!
//! Each size `MxP` (members × proposals) is generated once with
//! `cargo run --release --example federation` into `--work` (default
//! `target/federation`) and reused; the figures are taken on a copy with the
//! real binary. The yardstick of `verify --full` is the bare cost of
//! batch-verifying the same signatures on every core (ed25519
//! `verify_batch`, 64 at a time); the others are the targets themselves.
//! Read ratios, not seconds: the machine may be busy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use charter::model::proposal::{self, Proposal};
use charter::store::repo::Repo;

const CHARTER: &str = env!("CARGO_BIN_EXE_charter");

type Error = Box<dyn std::error::Error>;

/// One signature as verification sees it: key, signature, bytes signed.
type Sig = (
    ed25519_dalek::VerifyingKey,
    ed25519_dalek::Signature,
    Vec<u8>,
);

struct Figure {
    name: String,
    /// Seconds, or MiB for memory.
    value: f64,
    /// What the target compares it with, in the same unit.
    yardstick: f64,
    /// The target on `value / yardstick`.
    limit: f64,
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let smoke = !args.iter().any(|a| a == "--bench");
    let scratch_work = tempfile::tempdir()?;
    let (default_sizes, default_runs, default_work) = match smoke {
        true => ("4x12", 1, scratch_work.path().to_path_buf()),
        false => (
            "100x250,100x500,100x1000,100x2000",
            7,
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/federation")),
        ),
    };
    let sizes = opt("--sizes").unwrap_or_else(|| default_sizes.into());
    let work = opt("--work").map_or(default_work, PathBuf::from);
    let runs: usize = opt("--runs")
        .and_then(|r| r.parse().ok())
        .unwrap_or(default_runs);
    let mut table: Vec<(String, Vec<Figure>)> = Vec::new();
    for size in sizes.split(',') {
        let (m, p) = size.split_once('x').ok_or("a size is MEMBERSxPROPOSALS")?;
        let (repo, keys) = generated(&work, m, p, smoke)?;
        let scratch = tempfile::tempdir()?;
        let copy = scratch.path().join("group");
        run(Command::new("cp").arg("-a").arg(&repo).arg(&copy))?;
        eprintln!("== {size}: measuring");
        let figures = measure(&copy, &keys, runs)?;
        print_size(size, &figures, table.last().map(|(_, f)| f.as_slice()));
        table.push((size.to_string(), figures));
    }
    print(&table);
    Ok(())
}

/// The generator: the example `cargo test` builds beside this binary
/// (`target/<profile>/deps/scale-*` → `target/<profile>/examples/`), or
/// `cargo run --release --example federation` under `cargo bench`, which
/// builds no examples.
fn generator(smoke: bool) -> Result<Command, Error> {
    if smoke {
        let exe = std::env::current_exe()?;
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .ok_or("target/<profile>")?;
        return Ok(Command::new(profile.join("examples").join("federation")));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "run",
        "--quiet",
        "--release",
        "--example",
        "federation",
        "--",
    ]);
    Ok(cmd)
}

/// The history of `m` members and `p` proposals, generated once.
fn generated(work: &Path, m: &str, p: &str, smoke: bool) -> Result<(PathBuf, PathBuf), Error> {
    let repo = work.join(format!("{m}x{p}"));
    let keys = work.join(format!("{m}x{p}-keys"));
    if !repo.join(".git").exists() {
        let _ = std::fs::remove_dir_all(&repo);
        let _ = std::fs::remove_dir_all(&keys);
        std::fs::create_dir_all(work)?;
        eprintln!("== {m}x{p}: generating into {}", repo.display());
        run(generator(smoke)?
            .args(["--members", m, "--proposals", p, "--out"])
            .arg(&repo)
            .arg("--keys")
            .arg(&keys))?;
    } else if !repo.join(".git/info/sparse-checkout").exists() {
        // Made by a generator before its clones were sparse: made so once,
        // as a large group's clone is kept (acts are timed on it).
        eprintln!("== {m}x{p}: making {} sparse", repo.display());
        run(Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(charter::store::journal::SPARSE_CHECKOUT))?;
    }
    Ok((repo, keys))
}

fn measure(repo: &Path, keys: &Path, runs: usize) -> Result<Vec<Figure>, Error> {
    let mut out = Vec::new();
    let (batch, strict, count) = yardsticks(repo)?;
    eprintln!("   {count} signatures: batch {batch:.2?}, strict {strict:.2?} on every core");
    let (full, peak) = verify_full(repo)?;
    out.push(Figure {
        name: format!("verify --full ({count} signatures)"),
        value: full,
        yardstick: batch.as_secs_f64(),
        limit: 2.0,
    });
    out.push(Figure {
        name: "  strict checks alone, every core".into(),
        value: strict.as_secs_f64(),
        yardstick: batch.as_secs_f64(),
        limit: f64::NAN,
    });
    out.push(Figure {
        name: "  git log --raw alone, one core".into(),
        value: git_reading(repo)?.as_secs_f64(),
        yardstick: batch.as_secs_f64(),
        limit: f64::NAN,
    });
    out.push(Figure {
        name: "verify --full, peak memory (MiB)".into(),
        value: peak,
        yardstick: 256.0,
        limit: 1.0,
    });
    let timed = |name: &str, limit_ms: f64, value: Duration| Figure {
        name: name.to_string(),
        value: value.as_secs_f64(),
        yardstick: limit_ms / 1000.0,
        limit: 1.0,
    };
    let charter = |args: &[&str]| {
        let mut cmd = Command::new(CHARTER);
        cmd.arg("-C").arg(repo).args(args);
        cmd
    };
    out.push(timed(
        "verify, nothing new",
        100.0,
        median(runs, || run(&mut charter(&["verify"])))?,
    ));

    // Acts, on proposals of their own, after the last commit.
    let members: serde_json::Value =
        serde_json::from_str(&run(&mut charter(&["members", "--json"]))?)?;
    let ids: Vec<String> = members["members"]
        .as_array()
        .ok_or("members --json")?
        .iter()
        .filter_map(|m| m["id"].as_str().map(String::from))
        .collect();
    let principles: serde_json::Value =
        serde_json::from_str(&run(&mut charter(&["principles", "--json"]))?)?;
    let principles = principles.as_array().ok_or("principles --json")?;
    let mut now = head_time(repo)? + 3600;
    let mut acts: [Vec<Duration>; 4] = Default::default();
    let mut one_new = Vec::new();
    let mut first_id = String::new();
    // What the clone recorded of its last verification: the verified tip
    // and the tags judged there, which go together.
    let states = [
        repo.join(".git/charter/verified"),
        repo.join(".git/charter/verified-tags"),
    ];
    let read_states = || -> Result<Vec<Option<Vec<u8>>>, Error> {
        Ok(states.iter().map(|s| std::fs::read(s).ok()).collect())
    };
    let write_states = |saved: &[Option<Vec<u8>>]| -> Result<(), Error> {
        for (path, bytes) in states.iter().zip(saved) {
            match bytes {
                Some(b) => std::fs::write(path, b)?,
                None => {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        Ok(())
    };
    for (round, principle) in principles
        .iter()
        .take(runs.min(principles.len()))
        .enumerate()
    {
        let pid = principle["id"].as_str().ok_or("principle id")?;
        let mut texts = Vec::new();
        for lang in principle["title"].as_object().ok_or("titles")?.keys() {
            let file = repo.join(format!("../{pid}.{lang}.md"));
            std::fs::write(
                &file,
                format!("# Bench {round}\n\nText {round} in {lang}.\n"),
            )?;
            texts.push(format!("{lang}={}", file.display()));
        }
        let who = |i: usize| keys.join(&ids[(round * 4 + i) % ids.len()]);
        let mut act = |i: usize, args: &[&str]| -> Result<(String, Duration), Error> {
            now += 60;
            let mut cmd = charter(&[]);
            cmd.arg("--key").arg(who(i)).args(args);
            cmd.env("CHARTER_NOW", timestamp(now));
            let start = Instant::now();
            let text = run(&mut cmd)?;
            Ok((text, start.elapsed()))
        };
        let mut propose = vec!["propose", "amend", pid, "--json"];
        for t in &texts {
            propose.extend(["--text", t.as_str()]);
        }
        let (json, took) = act(0, &propose)?;
        acts[0].push(took);
        let v: serde_json::Value = serde_json::from_str(&json)?;
        let id = v["id"].as_str().ok_or("propose --json")?.to_string();
        if first_id.is_empty() {
            first_id = id.clone();
        }
        acts[1].push(act(1, &["second", &id])?.1);
        acts[2].push(act(2, &["accept", &id])?.1);
        // Verified up to the acceptance, so the objection is the one new act.
        run(&mut charter(&["verify"]))?;
        let verified = read_states()?;
        acts[3].push(act(3, &["object", &id, "--reason", "bench"])?.1);
        // The clone as it was before the objection was verified.
        let verified_after = read_states()?;
        write_states(&verified)?;
        let start = Instant::now();
        run(&mut charter(&["verify"]))?;
        one_new.push(start.elapsed());
        write_states(&verified_after)?;
    }
    for (name, times) in ["propose", "second", "accept", "object"].iter().zip(acts) {
        out.push(timed(name, 100.0, middle(times)));
    }
    out.push(timed("verify, one new act", 100.0, middle(one_new)));

    // Reading.
    let (first_year, last_year) = years(repo)?;
    let mid = (first_year + last_year) / 2;
    let principle = principles
        .first()
        .and_then(|p| p["id"].as_str())
        .ok_or("no principle")?
        .to_string();
    let at = format!("{mid}-06-30");
    let (from, to) = (format!("{}-12-31", mid - 5), format!("{mid}-12-31"));
    let year = (mid).to_string();
    let reads: Vec<(&str, Vec<&str>)> = vec![
        ("status", vec!["status"]),
        ("show", vec!["show", &first_id]),
        ("text", vec!["text"]),
        ("principles", vec!["principles"]),
        ("members", vec!["members"]),
        ("members --at", vec!["members", "--at", &at]),
        ("log", vec!["log"]),
        ("log --principle", vec!["log", "--principle", &principle]),
        ("diff FROM TO", vec!["diff", &from, &to]),
        ("report YEAR", vec!["report", &year]),
    ];
    for (name, args) in reads {
        out.push(timed(
            name,
            50.0,
            median(runs, || run(&mut charter(&args)))?,
        ));
    }
    Ok(out)
}

/// The bare cost of the history's signatures: batch-verified, and checked
/// strictly one by one, each on every core; and how many there are.
fn yardsticks(repo: &Path) -> Result<(Duration, Duration, usize), Error> {
    let git = Repo::open(repo)?;
    let head = git.head()?.ok_or("no HEAD")?;
    let snap = git.snapshot(head)?;
    let mut sigs = Vec::new();
    for id in proposal::list(&snap)? {
        for record in Proposal::load(&snap, &id)?.records {
            let sig = charter::crypto::sshsig::parse(record.act.signature.as_bytes())?;
            let data = ssh_key::SshSig::signed_data(
                "charter",
                sig.hash_alg,
                record.act.message.text().as_bytes(),
            )?;
            sigs.push((
                ed25519_dalek::VerifyingKey::from_bytes(&sig.public_key)?,
                ed25519_dalek::Signature::from_bytes(&sig.signature),
                data,
            ));
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = sigs.len().div_ceil(threads).max(1);
    let on_every_core = |each: &(dyn Fn(&[Sig]) -> bool + Sync)| {
        let start = Instant::now();
        let ok = std::thread::scope(|s| {
            let handles: Vec<_> = sigs
                .chunks(part)
                .map(|c| s.spawn(move || each(c)))
                .collect();
            handles.into_iter().all(|h| h.join().unwrap_or(false))
        });
        (start.elapsed(), ok)
    };
    let (batch, ok) = on_every_core(&|part| {
        part.chunks(64).all(|c| {
            let msgs: Vec<&[u8]> = c.iter().map(|(_, _, d)| d.as_slice()).collect();
            let sigs: Vec<_> = c.iter().map(|(_, s, _)| *s).collect();
            let keys: Vec<_> = c.iter().map(|(k, _, _)| *k).collect();
            ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok()
        })
    });
    if !ok {
        return Err("a batch of the history's signatures does not verify".into());
    }
    let (strict, ok) =
        on_every_core(&|part| part.iter().all(|(k, s, d)| k.verify_strict(d, s).is_ok()));
    if !ok {
        return Err("a signature of the history does not verify".into());
    }
    Ok((batch, strict, sigs.len()))
}

/// Stock git reading the same history as the walk does, each commit's
/// tree difference with the commit before (no record parsed, no signature
/// checked): a floor for any verifier that reads the history from git.
fn git_reading(repo: &Path) -> Result<Duration, Error> {
    let start = Instant::now();
    run(Command::new("git").arg("-C").arg(repo).args([
        "log",
        "--raw",
        "-r",
        "--no-renames",
        "--first-parent",
        "--format=%H",
    ]))?;
    Ok(start.elapsed())
}

/// `verify --full`: seconds, and peak memory in MiB (GNU time).
fn verify_full(repo: &Path) -> Result<(f64, f64), Error> {
    let report = repo.join("../time.txt");
    let start = Instant::now();
    run(Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(CHARTER)
        .arg("-C")
        .arg(repo)
        .args(["verify", "--full"]))?;
    let took = start.elapsed().as_secs_f64();
    let kib: f64 = std::fs::read_to_string(&report)?.trim().parse()?;
    Ok((took, kib / 1024.0))
}

fn median(runs: usize, mut f: impl FnMut() -> Result<String, Error>) -> Result<Duration, Error> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    Ok(middle(times))
}

fn middle(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Runs a command that must succeed; its stdout.
fn run(cmd: &mut Command) -> Result<String, Error> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr).trim()).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn git_out(repo: &Path, args: &[&str]) -> Result<String, Error> {
    Ok(run(Command::new("git").arg("-C").arg(repo).args(args))?
        .trim()
        .to_string())
}

fn head_time(repo: &Path) -> Result<i64, Error> {
    Ok(git_out(repo, &["log", "-1", "--format=%ct"])?.parse()?)
}

/// The years of the first and the last commit.
fn years(repo: &Path) -> Result<(i32, i32), Error> {
    let first = git_out(
        repo,
        &["log", "--reverse", "--format=%cs", "--max-parents=0"],
    )?;
    let last = git_out(repo, &["log", "-1", "--format=%cs"])?;
    let year = |d: &str| -> Result<i32, Error> { Ok(d.get(..4).ok_or("date")?.parse()?) };
    Ok((year(&first)?, year(&last)?))
}

fn timestamp(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// One cell: value / yardstick = ratio, marked against the target.
fn cell(f: &Figure) -> String {
    let ratio = f.value / f.yardstick;
    let mark = if f.limit.is_nan() {
        ' '
    } else if ratio <= f.limit {
        '✓'
    } else {
        '✗'
    };
    let shown = if f.name.contains("MiB") {
        format!("{:.0} MiB", f.value)
    } else {
        format!("{:.3} s", f.value)
    };
    format!("{shown:>10} / {:>7.3} = {ratio:>5.2}{mark}", f.yardstick)
}

/// One size's figures as soon as they are measured, with the growth over
/// the size before.
fn print_size(size: &str, figures: &[Figure], previous: Option<&[Figure]>) {
    println!(
        "{size}: {}",
        figures.first().map_or("", |f| f.name.as_str())
    );
    for (row, f) in figures.iter().enumerate() {
        let growth = previous
            .and_then(|p| p.get(row))
            .map(|p| format!(" | growth {:.2}", f.value / p.value))
            .unwrap_or_default();
        println!(
            "  {:<36} | {}{growth}",
            f.name.split(" (").next().unwrap_or_default(),
            cell(f)
        );
    }
    println!();
}

fn print(table: &[(String, Vec<Figure>)]) {
    let Some((_, first)) = table.first() else {
        return;
    };
    print!("{:<38}", "figure");
    for (size, _) in table {
        print!(" | {size:>26}");
    }
    println!(" | growth");
    for (row, figure) in first.iter().enumerate() {
        print!("{:<38}", figure.name.split(" (").next().unwrap_or_default());
        for (_, figures) in table {
            print!(" | {}", cell(&figures[row]));
        }
        let growth: Vec<String> = table
            .windows(2)
            .map(|w| format!("{:.2}", w[1].1[row].value / w[0].1[row].value))
            .collect();
        println!(" | {}", growth.join(", "));
    }
    println!();
    println!(
        "Each cell: value / yardstick = ratio (✓ within the target: verify --full ≤ 2× batch,"
    );
    println!("memory ≤ 256 MiB, verify and acts ≤ 100 ms, reading ≤ 50 ms). Growth: each size's");
    println!("value over the previous size's.");
    for (size, figures) in table {
        if let Some(f) = figures.first() {
            println!("{size}: {}", f.name);
        }
    }
}
