mod common;
#[path = "common/remote.rs"]
#[allow(dead_code)]
mod remote;

// Bounded, seeded property tests over random histories (DESIGN.md §3–5
// and §7).
//
// Property 1: honest concurrent work verifies. Seven clones of one remote
// served by a real `git daemon` (the five D5 founders, and the candidates
// jp and outsider) act at random, each only as its own identity and only
// by acts valid in its own clone's state (read from `status --json`,
// `members --json` and the work tree): propose, second, accept, object,
// withdraw an objection, withdraw, finalize, apply, propose a member,
// propose a removal, rotate a key, leave. They exchange work at random by
// `charter sync` and by plain git (`git pull --no-rebase`, then `git
// push`). After every exchange, `charter verify --full` holds in every
// clone; at the end every clone syncs until all agree, verification holds
// everywhere and stock OpenSSH accepts every record.
//
// Property 2: a single mutation is valid by the rules or detected. From a
// final honest history, in a scratch clone, each of ten mutations made with
// plain git (and `ssh-keygen -Y sign` where a record is re-signed by its
// real signer) either is certainly a violation, and `charter verify
// --full` exits 1 with one line naming a new commit, a path and a rule, or
// may be valid, and verify exits 0 (then OpenSSH agrees on every record)
// or 1, never anything else.
//
// Settings (environment): `CHARTER_PROPTEST_CASES` seeds per property
// (default 4); `CHARTER_PROPTEST_OPS` operations per history (default 40);
// `CHARTER_PROPTEST_BUDGET` seconds after which no new seed starts
// (default 70); `CHARTER_PROPTEST_SEED=<n>` replays one seed;
// `CHARTER_PROPTEST_SKIP` leaves out kinds of acts (see `skipped`);
// `CHARTER_PROPTEST_TRACE=1` prints the operations of passing seeds too (a
// failing seed always prints its seed and every operation made). Lost work
// that verification cannot see (a departure or rotation that sync replayed
// without its finalization) is a failure too.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::rc::Rc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

use common::*;
use remote::Remote;

/// Everyone who acts, each in a clone of its own: the five founders and
/// two candidates.
const IDS: [&str; 7] = ["uk", "ee", "il", "nz", "kr", "jp", "outsider"];
const CANDIDATES: [&str; 2] = ["jp", "outsider"];

/// The rule names `verify` may report.
const RULES: [&str; 14] = [
    "process",
    "signature",
    "signed-content",
    "finalization",
    "applied-exactly",
    "append-only",
    "governed-change",
    "unknown-path",
    "malformed",
    "repository",
    "trust-root",
    "tag",
    "date",
    "kind-paths",
];

/// A new seed starts only within this time (a debug build on 2 cores),
/// unless `CHARTER_PROPTEST_BUDGET` (seconds) says otherwise.
fn budget() -> Duration {
    Duration::from_secs(setting("CHARTER_PROPTEST_BUDGET", 70, 24 * 3600))
}

fn display_name(id: &str) -> &'static str {
    match id {
        "jp" => "Japan",
        "outsider" => "Outsider",
        "ca" => "Canada",
        _ => "Someone",
    }
}

/// The principles each identity amends in property 1. Disjoint on purpose:
/// a proposal's number is taken in the proposer's clone, so two clones
/// amending one principle at once could file the same id with different
/// contents, which `sync` refuses by design (one proposal id, one content).
fn own_principles(who: &str) -> &'static [&'static str] {
    match who {
        "uk" => &["user-needs", "open-standards"],
        "ee" => &["open-source", "open-markets"],
        "il" => &["open-government"],
        "nz" => &["connectivity", "teach-children-to-code"],
        "kr" => &["assisted-digital"],
        "jp" => &["commitment-to-share-and-learn"],
        _ => &[],
    }
}

/// The one member who may propose the removal of `member` in property 1,
/// for the same reason (a removal's id is `<year>-<n>-remove-member-<id>`).
fn remover_of(member: &str) -> &'static str {
    let i = IDS.iter().position(|m| *m == member).unwrap_or(0);
    IDS[(i + 1) % IDS.len()]
}

// ---- Seeds, randomness, time ----

/// SplitMix64: small, deterministic, good enough to pick acts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        (self.next() % n as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }

    /// One of `options`, with probability proportional to its weight.
    fn weighted<T: Clone>(&mut self, options: &[(u32, T)]) -> Option<T> {
        let total: u32 = options.iter().map(|(w, _)| w).sum();
        if total == 0 {
            return None;
        }
        let mut x = self.below(total as usize) as u32;
        for (w, t) in options {
            if x < *w {
                return Some(t.clone());
            }
            x -= w;
        }
        None
    }
}

fn setting(name: &str, default: u64, max: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
        .clamp(1, max)
}

fn parse_seed(s: &str) -> u64 {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .expect("CHARTER_PROPTEST_SEED: a number (decimal or 0x...)")
}

/// The seeds to run: `CHARTER_PROPTEST_SEED`, else
/// `CHARTER_PROPTEST_CASES` fixed ones.
fn seeds() -> Vec<u64> {
    match std::env::var("CHARTER_PROPTEST_SEED") {
        Ok(s) => vec![parse_seed(&s)],
        Err(_) => {
            let n = setting("CHARTER_PROPTEST_CASES", 4, 500);
            (1..=n).map(|i| 0xC4A7_0000 + i * 0x101).collect()
        }
    }
}

/// `NOW` (the genesis) plus `step` minutes.
fn clock(step: usize) -> String {
    let genesis = chrono::DateTime::parse_from_rfc3339(NOW).expect("NOW");
    (genesis + chrono::TimeDelta::minutes(step as i64))
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An RFC 3339 date moved back by `minutes`, in the records' form.
fn minutes_before(date: &str, minutes: i64) -> String {
    let d = chrono::DateTime::parse_from_rfc3339(date)
        .unwrap_or_else(|e| panic!("a date: {date}: {e}"));
    (d - chrono::TimeDelta::minutes(minutes))
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn panic_message(e: &(dyn Any + Send)) -> String {
    if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = e.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "a panic without a message".to_string()
    }
}

// ---- Processes ----

/// Stock git in `g`'s clone, hermetic, its commits dated by `g`'s clock.
fn git(g: &Group, args: &[&str]) -> Output {
    g.env
        .git_in(&g.repo)
        .env("GIT_AUTHOR_DATE", &g.env.now)
        .env("GIT_COMMITTER_DATE", &g.env.now)
        .args(args)
        .output()
        .unwrap()
}

/// Like [`git`], which must succeed; its trimmed stdout.
fn git_ok(g: &Group, args: &[&str]) -> String {
    let out = git(g, args);
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}{}",
        g.repo.display(),
        stdout(&out),
        stderr(&out)
    );
    stdout(&out).trim().to_string()
}

fn git_stdin(g: &Group, args: &[&str], input: Vec<u8>) -> String {
    let out = g
        .env
        .git_in(&g.repo)
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        g.repo.display(),
        stderr(&out)
    );
    stdout(&out).trim().to_string()
}

fn is_ancestor(g: &Group, a: &str, b: &str) -> bool {
    git(g, &["merge-base", "--is-ancestor", a, b])
        .status
        .success()
}

fn head(g: &Group) -> String {
    git_ok(g, &["rev-parse", "HEAD"])
}

/// `charter` with the key at `key`, in `g`'s clone.
fn charter_as(g: &Group, key: &Path) -> Command {
    let mut cmd = g.env.charter_in(&g.repo);
    cmd.arg("--key").arg(key);
    cmd
}

fn one_line(text: &str) -> String {
    text.trim().replace('\n', " | ")
}

// ---- Keys ----

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The key blob of an OpenSSH public key line (`ssh-ed25519 AAAA... c`).
fn pub_blob(line: &str) -> Vec<u8> {
    base64_decode(line.split_whitespace().nth(1).unwrap_or_default()).unwrap_or_default()
}

/// The key blob an armored SSHSIG signature names.
fn sig_blob(armored: &str) -> Option<Vec<u8>> {
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let raw = base64_decode(&body)?;
    if raw.len() < 14 || &raw[..6] != b"SSHSIG" {
        return None;
    }
    let len = u32::from_be_bytes(raw[10..14].try_into().ok()?) as usize;
    raw.get(14..14 + len).map(<[u8]>::to_vec)
}

/// A new ed25519 key pair from the seeded generator, written as OpenSSH
/// files `dir/name` (0600) and `dir/name.pub`.
fn make_key(rng: &mut Rng, dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    let mut key = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&seed));
    key.set_comment(name);
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    std::fs::write(
        &path,
        key.to_openssh(ssh_key::LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(
        dir.join(format!("{name}.pub")),
        format!("{}\n", key.public_key().to_openssh().unwrap()),
    )
    .unwrap();
    path
}

fn ssh_keygen(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home);
    cmd
}

// ---- Reading a clone ----

/// `key = "value"` in a TOML file, read naively (the files are simple).
fn toml_str(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let v = l.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
        Some(v.trim_matches('"').to_string())
    })
}

/// `<field> <value>` in a signed message.
fn msg_field(text: &str, field: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field} ")))
        .map(str::to_string)
}

fn with_field(text: &str, field: &str, value: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with(&format!("{field} ")) {
                format!("{field} {value}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// `proposals/<year>/<id>/...` → the id.
fn proposal_of(path: &str) -> Option<String> {
    let mut parts = path.strip_prefix("proposals/")?.split('/');
    parts.next()?;
    parts.next().map(str::to_string)
}

/// An open proposal as `status --json` shows it.
#[derive(Debug, Clone)]
struct Open {
    id: String,
    kind: String,
    proposer: Option<String>,
    member: Option<String>,
    seconded: Vec<String>,
    accepted: Vec<String>,
    missing: Vec<String>,
    objections: Vec<String>,
    blocked: bool,
}

/// What a clone shows: the members in force and the open proposals.
#[derive(Debug, Clone)]
struct View {
    members: Vec<String>,
    open: Vec<Open>,
}

fn view(g: &Group) -> View {
    let status = g.read_json(&["status", "--json"]);
    let members = g.read_json(&["members", "--json"]);
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let opt = |v: &Value| v.as_str().map(str::to_string);
    View {
        members: members["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["id"].as_str().expect("an id").to_string())
            .collect(),
        open: status["proposals"]
            .as_array()
            .expect("proposals")
            .iter()
            .map(|p| Open {
                id: p["id"].as_str().expect("an id").to_string(),
                kind: p["kind"].as_str().unwrap_or_default().to_string(),
                proposer: opt(&p["proposer"]),
                member: opt(&p["member"]),
                seconded: list(&p["seconded_by"]),
                accepted: list(&p["accepted_by"]),
                missing: list(&p["missing"]),
                objections: p["objections"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o["member"].as_str().map(str::to_string))
                    .collect(),
                blocked: !p["blocked"].is_null(),
            })
            .collect(),
    }
}

fn registered(repo: &Path, who: &str) -> bool {
    repo.join(format!("keys/{who}.toml")).exists()
        || repo.join(format!("keys/former/{who}.toml")).exists()
}

/// One act a member or candidate may make.
#[derive(Debug, Clone)]
enum Act {
    Amend(String),
    Second(String),
    Accept(String),
    Object(String),
    WithdrawObjection(String),
    Withdraw(String),
    Finalize(String),
    ProposeMember(String),
    Remove(String),
    /// To the new key at this path (filled in once chosen).
    Rotate(PathBuf),
    Leave,
    Apply,
}

impl Act {
    /// An act that moves an open proposal towards its decision.
    fn is_response(&self) -> bool {
        matches!(
            self,
            Act::Second(_)
                | Act::Accept(_)
                | Act::WithdrawObjection(_)
                | Act::Finalize(_)
                | Act::ProposeMember(_)
        )
    }

    fn describe(&self) -> String {
        match self {
            Act::Amend(p) => format!("propose amend {p}"),
            Act::Second(id) => format!("second {id}"),
            Act::Accept(id) => format!("accept {id}"),
            Act::Object(id) => format!("object {id} --reason ..."),
            Act::WithdrawObjection(id) => format!("object {id} --withdraw"),
            Act::Withdraw(id) => format!("withdraw {id}"),
            Act::Finalize(id) => format!("finalize {id}"),
            Act::ProposeMember(c) => format!("propose member {c}"),
            Act::Remove(m) => format!("propose remove-member {m}"),
            Act::Rotate(p) => format!(
                "key rotate --new-key {}",
                p.file_name().unwrap_or_default().to_string_lossy()
            ),
            Act::Leave => "leave".to_string(),
            Act::Apply => "apply --statement ...".to_string(),
        }
    }
}

/// The acts `who` may make in the clone at `repo` by the rules, as its
/// `view` shows them, with weights that favour finishing what is open.
/// `remover` restricts who may propose a removal (property 1), as
/// `principles` restricts what `who` amends.
fn choices(
    who: &str,
    v: &View,
    repo: &Path,
    principles: &[&str],
    remover: Option<fn(&str) -> &'static str>,
) -> Vec<(u32, Act)> {
    let signed = |id: &str, act: &str| {
        repo.join(proposal_dir(id))
            .join(format!("signatures/{who}.{act}.msg"))
            .exists()
    };
    let mut out = Vec::new();
    if v.members.iter().any(|m| m == who) {
        for p in &v.open {
            if matches!(p.kind.as_str(), "leave" | "rotate-key") {
                // Normally finalized with its act; open only if a sync
                // replayed it without its finalization. Anyone may finish it.
                if p.missing.is_empty() && !p.blocked {
                    out.push((200, Act::Finalize(p.id.clone())));
                }
                continue;
            }
            if !matches!(p.kind.as_str(), "amend" | "member" | "remove-member") {
                continue;
            }
            let Some(proposer) = &p.proposer else {
                if p.kind == "member" {
                    if let Some(c) = &p.member {
                        out.push((200, Act::ProposeMember(c.clone())));
                    }
                }
                continue;
            };
            let mine = proposer == who;
            let concerned = p.kind == "remove-member" && p.member.as_deref() == Some(who);
            if !concerned {
                // A second counts as an acceptance: one is enough, more are
                // rare.
                if !mine && !signed(&p.id, "second") {
                    let w = if p.seconded.is_empty() { 200 } else { 3 };
                    out.push((w, Act::Second(p.id.clone())));
                }
                let could_second = !mine && p.seconded.is_empty();
                if !could_second && !p.accepted.iter().any(|m| m == who) {
                    let w = 100 + 50 * p.accepted.len() as u32;
                    out.push((w, Act::Accept(p.id.clone())));
                }
                if !mine && !signed(&p.id, "object") && p.objections.is_empty() {
                    out.push((4, Act::Object(p.id.clone())));
                }
                if p.objections.iter().any(|m| m == who) {
                    out.push((250, Act::WithdrawObjection(p.id.clone())));
                }
            }
            if mine {
                out.push((2, Act::Withdraw(p.id.clone())));
            }
            if p.missing.is_empty() && !p.blocked && !p.seconded.is_empty() {
                out.push((200, Act::Finalize(p.id.clone())));
            }
        }
        // One open proposal of one's own, a few in all: finish first.
        let own = v
            .open
            .iter()
            .filter(|p| p.proposer.as_deref() == Some(who))
            .count();
        if own == 0 && v.open.len() < 4 {
            for pr in principles {
                out.push((30, Act::Amend(pr.to_string())));
            }
        }
        if v.members.len() > 3 {
            for m in &v.members {
                let pending = v
                    .open
                    .iter()
                    .any(|p| p.kind == "remove-member" && p.member.as_ref() == Some(m));
                if m != who && !pending && remover.is_none_or(|r| r(m) == who) {
                    out.push((2, Act::Remove(m.clone())));
                }
            }
            out.push((2, Act::Leave));
        }
        out.push((3, Act::Rotate(PathBuf::new())));
    } else if CANDIDATES.contains(&who)
        && !registered(repo, who)
        && !v
            .open
            .iter()
            .any(|p| p.kind == "member" && p.member.as_deref() == Some(who))
    {
        out.push((40, Act::Apply));
    }
    out.retain(|(_, a)| !skipped(a));
    out
}

/// Whether `CHARTER_PROPTEST_SKIP` (a comma-separated list of act names:
/// amend, second, accept, object, withdraw-objection, withdraw, finalize,
/// propose-member, remove-member, rotate, leave, apply) excludes `act`.
fn skipped(act: &Act) -> bool {
    let Ok(list) = std::env::var("CHARTER_PROPTEST_SKIP") else {
        return false;
    };
    let name = match act {
        Act::Amend(_) => "amend",
        Act::Second(_) => "second",
        Act::Accept(_) => "accept",
        Act::Object(_) => "object",
        Act::WithdrawObjection(_) => "withdraw-objection",
        Act::Withdraw(_) => "withdraw",
        Act::Finalize(_) => "finalize",
        Act::ProposeMember(_) => "propose-member",
        Act::Remove(_) => "remove-member",
        Act::Rotate(_) => "rotate",
        Act::Leave => "leave",
        Act::Apply => "apply",
    };
    list.split(',').any(|s| s.trim() == name)
}

/// Runs one act as `who` with `key` in `g`'s clone; `tag` makes its texts
/// unique.
fn run_act(g: &Group, who: &str, key: &Path, act: &Act, tag: &str) -> Output {
    let mut cmd = charter_as(g, key);
    match act {
        Act::Amend(p) => {
            let title = |lang: &str| {
                std::fs::read_to_string(g.repo.join(format!("charter/{p}.{lang}.md")))
                    .unwrap_or_else(|e| panic!("charter/{p}.{lang}.md: {e}"))
                    .lines()
                    .next()
                    .unwrap_or("# Untitled")
                    .to_string()
            };
            let en = format!(
                "{}\n\n{who} proposes this text for {p} ({tag}).\n",
                title("en")
            );
            let fr = format!(
                "{}\n\n{who} propose ce texte pour {p} ({tag}).\n",
                title("fr")
            );
            let texts = g.texts(&format!("{p}-{tag}"), &en, &fr);
            cmd.args(["propose", "amend", p]).args(&texts);
        }
        Act::Second(id) => {
            cmd.args(["second", id]);
        }
        Act::Accept(id) => {
            cmd.args(["accept", id]);
        }
        Act::Object(id) => {
            cmd.args(["object", id, "--reason"])
                .arg(format!("{who} needs more time to read it ({tag})"));
        }
        Act::WithdrawObjection(id) => {
            cmd.args(["object", id, "--withdraw"]);
        }
        Act::Withdraw(id) => {
            cmd.args(["withdraw", id]);
        }
        Act::Finalize(id) => {
            cmd.args(["finalize", id]);
        }
        Act::ProposeMember(c) => {
            cmd.args(["propose", "member", c]);
        }
        Act::Remove(m) => {
            cmd.args(["propose", "remove-member", m, "--reason"])
                .arg(format!("{who} asks for it ({tag})"));
        }
        Act::Rotate(new) => {
            cmd.args(["key", "rotate", "--new-key"]).arg(new);
        }
        Act::Leave => {
            cmd.arg("leave");
        }
        Act::Apply => {
            let statement = g.statement_file(
                &format!("{who}-{tag}"),
                &fill_statement(&g.statement_template()),
            );
            cmd.args([
                "apply",
                "--id",
                who,
                "--name",
                display_name(who),
                "--statement",
            ])
            .arg(statement);
        }
    }
    cmd.output().unwrap()
}

/// What the commits of one side of a merge (base..tip) changed.
#[derive(Debug, Default)]
struct Side {
    paths: BTreeSet<String>,
    /// Proposals with a new file: whether this side decided or withdrew
    /// them, and whether it proposed them (a `propose` record).
    proposals: BTreeMap<String, (bool, bool)>,
    charter: BTreeSet<String>,
}

fn side(g: &Group, base: &str, tip: &str) -> Side {
    let range = format!("{base}..{tip}");
    let mut s = Side::default();
    for p in git_ok(
        g,
        &["log", "--format=", "--name-only", "--no-renames", &range],
    )
    .lines()
    .filter(|l| !l.is_empty())
    {
        if let Some(id) = proposal_of(p) {
            let closed = p.ends_with("/decision.toml") || p.ends_with(".withdraw.msg");
            let proposed = p.ends_with(".propose.msg");
            let e = s.proposals.entry(id).or_default();
            e.0 |= closed;
            e.1 |= proposed;
        }
        if p.starts_with("charter/") {
            s.charter.insert(p.to_string());
        }
        s.paths.insert(p.to_string());
    }
    s
}

/// Whether a plain `git pull --no-rebase` of origin/main into `g`'s clone
/// makes a merge that must verify, or why not.
///
/// Under the one-order rule the remote's records are judged at the merge,
/// by the rules in force there (after this clone's own commits). Plain
/// merges are used only where that cannot change their judgement:
/// - either side is an ancestor of the other (a fast-forward, or nothing to
///   merge: both tips verified already), or
/// - since the common base, neither side changed `keys/` or
///   `governance.toml` (no admission, removal, departure or rotation: the
///   members, keys and electorate are the same on both sides and at the
///   merge), AND no proposal that has new records on both sides is decided
///   or withdrawn on either (acts on it stay acts on an open proposal, a
///   decision counts only acts of its own side) or proposed on either (an
///   application is proposed by one member only; an amendment's other
///   records cannot predate it), AND the two sides did not both change a
///   file of `charter/`.
///
/// Otherwise (or when git reports a conflict) the clone uses `charter sync`.
fn plain_merge_allowed(g: &Group) -> Result<&'static str, String> {
    let ours = head(g);
    let theirs = git_ok(g, &["rev-parse", "origin/main"]);
    if is_ancestor(g, &theirs, &ours) {
        return Ok("up to date");
    }
    if is_ancestor(g, &ours, &theirs) {
        return Ok("fast-forward");
    }
    let base = git_ok(g, &["merge-base", &ours, &theirs]);
    let mine = side(g, &base, &ours);
    let other = side(g, &base, &theirs);
    for (name, s) in [("this clone", &mine), ("the remote", &other)] {
        if let Some(p) = s
            .paths
            .iter()
            .find(|p| p.starts_with("keys/") || *p == "governance.toml")
        {
            return Err(format!("{name} changed {p} since the common base"));
        }
    }
    for (id, (closed, proposed)) in &mine.proposals {
        if let Some((other_closed, other_proposed)) = other.proposals.get(id) {
            if *closed || *other_closed {
                return Err(format!(
                    "{id} has records on both sides and is decided or withdrawn on one"
                ));
            }
            if *proposed || *other_proposed {
                return Err(format!(
                    "{id} has records on both sides and is proposed on one"
                ));
            }
        }
    }
    if let Some(p) = mine.charter.intersection(&other.charter).next() {
        return Err(format!("both sides changed {p}"));
    }
    Ok("merge")
}

/// Every `.msg`/`.sig` in HEAD's tree checked with stock OpenSSH at the
/// time of its act: `ssh-keygen -Y verify -f keys/allowed_signers -I
/// <signer> -n charter -Overify-time=<date>`, or, for a candidate's `apply`
/// and a rotation's `confirm-key`, against the key its proposal registers.
/// Returns how many records were checked.
fn ssh_agreement(g: &Group) -> Result<usize, String> {
    let files = git_ok(g, &["ls-files", "proposals"]);
    let dir = g.env.path().join("ssh-agreement");
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    for msg in files
        .lines()
        .filter(|f| f.ends_with(".msg") && f.contains("/signatures/"))
    {
        let text = std::fs::read_to_string(g.repo.join(msg)).unwrap();
        let field = |f: &str| msg_field(&text, f).ok_or(format!("{msg}: no '{f}' line"));
        let (signer, act, date) = (field("signer")?, field("act")?, field("date")?);
        let allowed = if act == "apply" || act == "confirm-key" {
            let dir_of = msg.rsplit_once("/signatures/").unwrap().0;
            let toml = std::fs::read_to_string(g.repo.join(dir_of).join("proposal.toml")).unwrap();
            let key = toml_str(&toml, "key").ok_or(format!("{dir_of}: no key"))?;
            let file = dir.join(format!("allowed-{n}"));
            std::fs::write(&file, format!("{signer} {key}\n")).unwrap();
            file
        } else {
            g.repo.join("keys/allowed_signers")
        };
        let time: String = date
            .chars()
            .filter(|c| c.is_ascii_digit())
            .chain(['Z'])
            .collect();
        let sig = format!("{}.sig", msg.trim_end_matches(".msg"));
        let out = ssh_keygen(g.env.path())
            .current_dir(&g.repo)
            .args(["-Y", "verify", "-n", "charter", "-f"])
            .arg(&allowed)
            .args(["-I", &signer, "-s", &sig])
            .arg(format!("-Overify-time={time}"))
            .stdin(std::fs::File::open(g.repo.join(msg)).unwrap())
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(format!(
                "charter verify accepts {msg}, stock OpenSSH does not (-I {signer} -Overify-time={time}): {}{}",
                one_line(&stdout(&out)),
                one_line(&stderr(&out))
            ));
        }
        n += 1;
    }
    Ok(n)
}

/// One `error: verification failed: commit <id>: <path>: <message>
/// [<rule>]` line, taken apart: (commit, path, message, rule).
fn parse_violation(err: &str) -> Result<(String, String, String, String), String> {
    let lines: Vec<&str> = err.lines().collect();
    if lines.len() != 1 {
        return Err(format!("stderr must be one line: {err:?}"));
    }
    let bad = || {
        format!(
            "not 'error: verification failed: commit <id>: <path>: <message> [<rule>]': {err:?}"
        )
    };
    let rest = lines[0]
        .strip_prefix("error: verification failed: commit ")
        .ok_or_else(bad)?;
    let (commit, rest) = rest.split_once(": ").ok_or_else(bad)?;
    let (path, rest) = rest.split_once(": ").ok_or_else(bad)?;
    let (message, rule) = rest.rsplit_once(" [").ok_or_else(bad)?;
    let rule = rule.strip_suffix(']').ok_or_else(bad)?;
    if commit.len() != 12 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    if !RULES.contains(&rule) {
        return Err(format!("unknown rule [{rule}]: {err:?}"));
    }
    Ok((
        commit.to_string(),
        path.to_string(),
        message.to_string(),
        rule.to_string(),
    ))
}

// ---- Property 1: honest histories ----

/// One identity's clone and the key it acts with now.
struct Actor {
    who: &'static str,
    g: Group,
    key: PathBuf,
    /// The HEAD last verified in full here.
    verified: Option<String>,
}

#[derive(Debug, Default)]
struct Stats {
    acts: usize,
    refused: usize,
    syncs: usize,
    merges: usize,
    fallbacks: usize,
    conflicts: usize,
}

/// A random history in the making: a remote, the clones, the seeded
/// choices, the log of everything done.
struct History {
    seed: u64,
    rng: Rng,
    plain_merges: bool,
    /// A member syncs right after rotating its key (property 2 only: today
    /// `charter sync` replays a rotation's finalization after the acts made
    /// with the new key, which property 1 reports).
    ops: usize,
    trace: Rc<RefCell<Vec<String>>>,
    step: usize,
    genesis: String,
    actors: Vec<Actor>,
    /// Every private key used (fixture, rotated, made for property 2), by
    /// its public key blob.
    keys: Vec<(Vec<u8>, PathBuf)>,
    stats: Stats,
    /// Successful departures and rotations: (who, what), checked at the end.
    unilateral: Vec<(String, Act)>,
    notes: Vec<String>,
    remote: Remote,
    _origin: Group,
}

impl History {
    fn new(seed: u64, plain_merges: bool, ops: usize, trace: Rc<RefCell<Vec<String>>>) -> Self {
        let origin = Group::d5();
        let genesis = origin.genesis();
        let remote = Remote::serve(&origin);
        let mut actors = Vec::new();
        let mut keys = Vec::new();
        for who in IDS {
            let peer = remote.clone_for(who, &genesis);
            let g = peer.g;
            let key = g.env.key(who);
            let public = std::fs::read_to_string(format!("{}.pub", key.display())).unwrap();
            keys.push((pub_blob(&public), key.clone()));
            actors.push(Actor {
                who,
                g,
                key,
                verified: None,
            });
        }
        Self {
            seed,
            rng: Rng(seed),
            plain_merges,
            ops,
            trace,
            step: 0,
            genesis,
            actors,
            keys,
            stats: Stats::default(),
            unilateral: Vec::new(),
            notes: Vec::new(),
            remote,
            _origin: origin,
        }
    }

    /// The clock moves one minute; every clone follows.
    fn tick(&mut self) -> String {
        self.step += 1;
        let now = clock(self.step);
        for a in &mut self.actors {
            a.g.at(&now);
        }
        now
    }

    fn log(&self, who: &str, what: String) {
        let now = clock(self.step);
        self.trace.borrow_mut().push(format!(
            "{:>3} {} {:<8} {what}",
            self.step,
            &now[11..16],
            who
        ));
    }

    fn tag(&self) -> String {
        format!("{:x}-{}", self.seed, self.step)
    }

    /// A new key for `who`, in its own key folder, remembered.
    fn new_key(&mut self, dir: &Path, name: &str) -> PathBuf {
        let path = make_key(&mut self.rng, dir, name);
        let public = std::fs::read_to_string(format!("{}.pub", path.display())).unwrap();
        self.keys.push((pub_blob(&public), path.clone()));
        path
    }

    /// The private key registered for `who` in `g`'s work tree, if known.
    fn member_key(&self, g: &Group, who: &str) -> Option<PathBuf> {
        let text = std::fs::read_to_string(g.repo.join(format!("keys/{who}.toml"))).ok()?;
        let blob = pub_blob(&toml_str(&text, "key")?);
        self.keys
            .iter()
            .find(|(b, _)| *b == blob)
            .map(|(_, p)| p.clone())
    }

    /// The private key that made an armored signature, if known.
    fn signing_key(&self, armored: &str) -> Option<PathBuf> {
        let blob = sig_blob(armored)?;
        self.keys
            .iter()
            .find(|(b, _)| *b == blob)
            .map(|(_, p)| p.clone())
    }

    /// Logs an act's outcome: true if made; false if refused (exit 2);
    /// panics on anything else.
    fn outcome(&mut self, who: &str, what: &str, out: &Output) -> bool {
        match out.status.code() {
            Some(0) => {
                self.stats.acts += 1;
                self.log(who, format!("{what} -> ok {}", one_line(&stdout(out))));
                true
            }
            Some(2) => {
                self.stats.refused += 1;
                self.log(
                    who,
                    format!("{what} -> refused: {}", one_line(&stderr(out))),
                );
                false
            }
            code => {
                self.log(who, format!("{what} -> exit {code:?}"));
                panic!(
                    "{who}: {what}: exit {code:?} (an act may only succeed, or be refused with 2): {}{}",
                    stdout(out),
                    stderr(out)
                )
            }
        }
    }

    fn run(&mut self) {
        for _ in 0..self.ops {
            self.tick();
            let weights = [3u32, 3, 3, 3, 3, 2, 1];
            let options: Vec<(u32, usize)> = weights.iter().copied().zip(0..).collect();
            let i = self.rng.weighted(&options).expect("an actor");
            if self.act(i) {
                continue;
            }
            self.exchange(i);
        }
        self.settle();
    }

    /// One to five acts valid in actor `i`'s clone, one at a time (each
    /// chosen on the state the previous left); false if it chose none.
    fn act(&mut self, i: usize) -> bool {
        let who = self.actors[i].who;
        let mut made = 0;
        while made < 5 {
            if made > 0 && self.rng.one_in(3) {
                break;
            }
            let v = view(&self.actors[i].g);
            let options = choices(
                who,
                &v,
                &self.actors[i].g.repo,
                own_principles(who),
                Some(remover_of),
            );
            // Sometimes a member has nothing it wants to do but exchange
            // (fewer new proposals, more of them decided); after a first
            // act, it only catches up on what is open.
            let mut options: Vec<(u32, Option<Act>)> = options
                .into_iter()
                .filter(|(_, a)| made == 0 || a.is_response())
                .map(|(w, a)| (w, Some(a)))
                .collect();
            options.push((25, None));
            let Some(Some(mut act)) = self.rng.weighted(&options) else {
                break;
            };
            if made > 0 {
                self.tick();
            }
            if let Act::Rotate(p) = &mut act {
                let dir = self.actors[i].g.env.path().join("keys");
                *p = self.new_key(&dir, &format!("{who}-{}", self.step));
            }
            let tag = self.tag();
            let out = run_act(&self.actors[i].g, who, &self.actors[i].key, &act, &tag);
            made += 1;
            if self.outcome(who, &act.describe(), &out) {
                match &act {
                    Act::Rotate(p) => {
                        self.actors[i].key = p.clone();
                        self.unilateral.push((who.to_string(), act.clone()));
                    }
                    Act::Leave => self.unilateral.push((who.to_string(), act.clone())),
                    _ => {}
                }
            }
        }
        made > 0
    }

    /// `charter sync` or plain git, then verification everywhere.
    fn exchange(&mut self, i: usize) {
        let who = self.actors[i].who;
        let what = if self.plain_merges && self.rng.one_in(2) {
            self.plain_pull(i)
        } else {
            self.sync(i);
            "charter sync"
        };
        self.verify_all(&format!("after {what} in {who}'s clone"));
    }

    fn sync(&mut self, i: usize) {
        let who = self.actors[i].who;
        self.stats.syncs += 1;
        let a = &self.actors[i];
        let out = charter_as(&a.g, &a.key)
            .args(["sync", "--json"])
            .output()
            .unwrap();
        if !out.status.success() {
            self.log(who, format!("sync -> exit {:?}", out.status.code()));
            panic!(
                "{who}: charter sync: exit {:?}: {}{}",
                out.status.code(),
                stdout(&out),
                stderr(&out)
            );
        }
        let v: Value = serde_json::from_slice(&out.stdout).expect("sync --json");
        let mut what = format!("sync -> ok, replayed {}", v["replayed"]);
        for (k, label) in [("dropped", "dropped"), ("finalized", "finalized")] {
            if v[k].as_array().is_some_and(|a| !a.is_empty()) {
                what.push_str(&format!(", {label} {}", v[k]));
            }
        }
        if v["pushed"] == true {
            what.push_str(", pushed");
        }
        self.log(who, what);
        // A departure or rotation is finalized with its own act: one that
        // sync replayed but did not finalize anew is lost work.
        let repo = &self.actors[i].g.repo;
        for d in v["dropped"].as_array().into_iter().flatten() {
            let Some(id) = d
                .as_str()
                .and_then(|d| d.strip_prefix("finalization of "))
                .and_then(|d| d.split_whitespace().next())
            else {
                continue;
            };
            let unilateral = id.contains("-leave-") || id.contains("-rotate-key-");
            let dir = repo.join(proposal_dir(id));
            if unilateral && dir.exists() && !dir.join("decision.toml").exists() {
                self.notes.push(format!(
                    "step {}: charter sync in {who}'s clone replayed {id} but dropped its finalization and did not make it anew",
                    self.step
                ));
            }
        }
    }

    /// `git pull --no-rebase` and `git push` where that must verify (see
    /// [`plain_merge_allowed`]), else `charter sync`.
    fn plain_pull(&mut self, i: usize) -> &'static str {
        let who = self.actors[i].who;
        git_ok(&self.actors[i].g, &["fetch", "-q", "origin"]);
        let kind = match plain_merge_allowed(&self.actors[i].g) {
            Ok(kind) => kind,
            Err(why) => {
                self.stats.fallbacks += 1;
                self.log(who, format!("git pull? no: {why}; charter sync instead"));
                self.sync(i);
                return "charter sync (instead of git pull)";
            }
        };
        let no_ff = kind != "up to date" && self.rng.one_in(3);
        let mut args = vec!["pull", "-q", "--no-rebase", "--no-edit"];
        if no_ff {
            args.push("--no-ff");
        }
        args.extend(["origin", "main"]);
        let g = &self.actors[i].g;
        let before = head(g);
        let out = git(g, &args);
        if !out.status.success() {
            let abort = git(g, &["merge", "--abort"]);
            assert!(
                abort.status.success(),
                "{who}: git pull failed with no merge to abort: {}{}",
                stdout(&out),
                stderr(&out)
            );
            self.stats.conflicts += 1;
            self.log(
                who,
                format!(
                    "git pull --no-rebase: conflict, git merge --abort; charter sync instead ({})",
                    one_line(&stdout(&out))
                ),
            );
            self.sync(i);
            return "charter sync (after a conflicting git pull)";
        }
        git_ok(g, &["push", "-q", "origin", "main"]);
        let parents = git_ok(g, &["rev-list", "--parents", "-n", "1", "HEAD"]);
        let merged = parents.split_whitespace().count() > 2 && !parents.starts_with(&before);
        if merged {
            self.stats.merges += 1;
        }
        self.log(
            who,
            format!(
                "git pull --no-rebase{} ({kind}{}) + git push -> {}",
                if no_ff { " --no-ff" } else { "" },
                if merged { ", merge commit" } else { "" },
                &parents[..12]
            ),
        );
        "git pull --no-rebase + git push"
    }

    /// `charter verify --full` holds in every clone (each HEAD is checked
    /// once: verification depends on nothing else).
    fn verify_all(&mut self, context: &str) {
        for a in &mut self.actors {
            let head = head(&a.g);
            if a.verified.as_deref() == Some(head.as_str()) {
                continue;
            }
            let out = a.g.read().args(["verify", "--full"]).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{context}: charter verify --full in {}'s clone at {}: {}{}",
                a.who,
                &head[..12],
                stdout(&out),
                stderr(&out)
            );
            a.verified = Some(head);
        }
    }

    /// Everyone syncs until every clone is at the remote's tip; then
    /// verification holds everywhere and OpenSSH agrees.
    fn settle(&mut self) {
        for round in 1..=6 {
            for i in 0..self.actors.len() {
                self.tick();
                self.sync(i);
                let who = self.actors[i].who;
                self.verify_all(&format!(
                    "settling, round {round}: after charter sync in {who}'s clone"
                ));
            }
            let tip = self.remote.tip();
            if self.actors.iter().all(|a| head(&a.g) == tip) {
                break;
            }
        }
        let tip = self.remote.tip();
        for a in &self.actors {
            assert_eq!(
                head(&a.g),
                tip,
                "{}'s clone did not settle on the remote's tip",
                a.who
            );
        }
        let g = &self.actors[0].g;
        if let Err(e) = ssh_agreement(g) {
            panic!("the settled history: {e}");
        }
        // A departure or rotation that was made should be in force at the
        // end; say so when it is not (not a verification failure).
        for (who, act) in &self.unilateral {
            let file = g.repo.join(format!("keys/{who}.toml"));
            match act {
                Act::Leave if file.exists() => self.notes.push(format!(
                    "{who} left (exit 0) but is a member in the settled history"
                )),
                Act::Rotate(p) if file.exists() => {
                    let registered = toml_str(&std::fs::read_to_string(&file).unwrap(), "key")
                        .map(|k| pub_blob(&k))
                        .unwrap_or_default();
                    let public = std::fs::read_to_string(format!("{}.pub", p.display())).unwrap();
                    let later = self
                        .unilateral
                        .iter()
                        .skip_while(|(w, a)| !(w == who && matches!(a, Act::Rotate(q) if q == p)))
                        .skip(1)
                        .any(|(w, a)| w == who && matches!(a, Act::Rotate(_)));
                    if !later && registered != pub_blob(&public) {
                        self.notes.push(format!(
                            "{who} rotated to {} (exit 0) but another key is in force in the settled history",
                            p.file_name().unwrap_or_default().to_string_lossy()
                        ));
                    }
                }
                _ => {}
            }
        }
    }

    fn summary(&self, started: Instant) -> String {
        let g = &self.actors[0].g;
        let commits = git_ok(g, &["rev-list", "--count", "HEAD"]);
        let files = git_ok(g, &["ls-files", "proposals"]);
        let decisions = files
            .lines()
            .filter(|f| f.ends_with("/decision.toml"))
            .count();
        let proposals = files
            .lines()
            .filter(|f| f.ends_with("/proposal.toml"))
            .count();
        let s = &self.stats;
        let mut out = format!(
            "{} ops, {} steps in {:?}: {} acts, {} refused, {} syncs, {} plain merge commits, {} plain pulls turned to sync, {} conflicts; {commits} commits, {proposals} proposals, {decisions} decisions, members {:?}",
            self.ops,
            self.step,
            started.elapsed(),
            s.acts,
            s.refused,
            s.syncs,
            s.merges,
            s.fallbacks,
            s.conflicts,
            view(g).members,
        );
        for n in &self.notes {
            out.push_str(&format!("\n    note: {n}"));
        }
        assert!(self.notes.is_empty(), "work was lost:{out}");
        out
    }
}

// ---- Property 2: mutations ----

#[derive(Debug, Clone, Copy)]
enum Mutation {
    DropTip,
    DropCommit,
    DuplicateElsewhere,
    DuplicateAsOtherAct,
    MoveRecord,
    RedateBeforeProposal,
    RedateBeforeGenesis,
    Repoint,
    StaleActs,
    StaleDecision,
}

const MUTATIONS: [Mutation; 10] = [
    Mutation::DropTip,
    Mutation::DropCommit,
    Mutation::DuplicateElsewhere,
    Mutation::DuplicateAsOtherAct,
    Mutation::MoveRecord,
    Mutation::RedateBeforeProposal,
    Mutation::RedateBeforeGenesis,
    Mutation::Repoint,
    Mutation::StaleActs,
    Mutation::StaleDecision,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Valid by the rules: verify exits 0.
    Holds,
    /// Certainly a violation: exit 1, one line.
    Violation,
    /// Either, never anything else.
    Either,
}

/// A mutation made: what it did, what verify must say, and whether the
/// violation must be reported at HEAD (the one new commit, or the merge).
struct Made {
    what: String,
    expect: Expect,
    at_head: bool,
}

/// A signed record of the scratch clone's HEAD.
#[derive(Debug, Clone)]
struct Record {
    msg: String,
    sig: String,
    id: String,
    dir: String,
    /// `<signer>.<act>`
    name: String,
    signer: String,
    date: String,
    text: String,
    armored: String,
}

fn records(s: &Group) -> Vec<Record> {
    git_ok(s, &["ls-files", "proposals"])
        .lines()
        .filter(|f| f.ends_with(".msg") && f.contains("/signatures/"))
        .map(|msg| {
            let text = std::fs::read_to_string(s.repo.join(msg)).unwrap();
            let sig = format!("{}.sig", msg.trim_end_matches(".msg"));
            let (dir, file) = msg.rsplit_once("/signatures/").unwrap();
            Record {
                msg: msg.to_string(),
                armored: std::fs::read_to_string(s.repo.join(&sig)).unwrap(),
                sig,
                id: proposal_of(msg).unwrap(),
                dir: dir.to_string(),
                name: file.trim_end_matches(".msg").to_string(),
                signer: msg_field(&text, "signer").unwrap_or_default(),
                date: msg_field(&text, "date").unwrap_or_default(),
                text,
            }
        })
        .collect()
}

/// (id, folder) of every proposal at HEAD.
fn proposal_dirs(s: &Group) -> Vec<(String, String)> {
    git_ok(s, &["ls-files", "proposals"])
        .lines()
        .filter_map(|f| f.strip_suffix("/proposal.toml"))
        .map(|d| (proposal_of(d).unwrap(), d.to_string()))
        .collect()
}

/// One commit of a `git fast-export` stream.
#[derive(Debug, Clone)]
struct Exported {
    refname: String,
    mark: String,
    original: String,
    headers: Vec<String>,
    message: Vec<u8>,
    from: Option<String>,
    merges: Vec<String>,
    files: Vec<String>,
}

#[derive(Debug, Clone)]
enum Item {
    Commit(Exported),
    Line(String),
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek_line(&self) -> Option<String> {
        if self.pos >= self.b.len() {
            return None;
        }
        let end = self.b[self.pos..]
            .iter()
            .position(|c| *c == b'\n')
            .map_or(self.b.len(), |i| self.pos + i);
        Some(String::from_utf8_lossy(&self.b[self.pos..end]).to_string())
    }

    fn line(&mut self) -> Option<String> {
        let l = self.peek_line()?;
        self.pos = (self.pos + l.len() + 1).min(self.b.len());
        Some(l)
    }
}

/// A `git fast-export --no-data --show-original-ids` stream, parsed.
fn parse_export(b: &[u8]) -> Vec<Item> {
    let mut cur = Cursor { b, pos: 0 };
    let mut items = Vec::new();
    while let Some(line) = cur.line() {
        let Some(refname) = line.strip_prefix("commit ") else {
            items.push(Item::Line(line));
            continue;
        };
        let mut c = Exported {
            refname: refname.to_string(),
            mark: String::new(),
            original: String::new(),
            headers: Vec::new(),
            message: Vec::new(),
            from: None,
            merges: Vec::new(),
            files: Vec::new(),
        };
        while let Some(l) = cur.line() {
            if let Some(n) = l.strip_prefix("data ") {
                let n: usize = n.parse().expect("data length");
                c.message = cur.b[cur.pos..cur.pos + n].to_vec();
                cur.pos += n;
                if !c.message.ends_with(b"\n") && cur.b.get(cur.pos) == Some(&b'\n') {
                    cur.pos += 1;
                }
                break;
            } else if let Some(m) = l.strip_prefix("mark ") {
                c.mark = m.to_string();
            } else if let Some(o) = l.strip_prefix("original-oid ") {
                c.original = o.to_string();
            } else {
                c.headers.push(l);
            }
        }
        while let Some(l) = cur.peek_line() {
            if l.is_empty() {
                cur.line();
                break;
            } else if let Some(f) = l.strip_prefix("from ") {
                c.from = Some(f.to_string());
            } else if let Some(m) = l.strip_prefix("merge ") {
                c.merges.push(m.to_string());
            } else if l.starts_with("M ")
                || l.starts_with("D ")
                || l.starts_with("C ")
                || l.starts_with("R ")
                || l == "deleteall"
            {
                c.files.push(l);
            } else {
                break;
            }
            cur.line();
        }
        items.push(Item::Commit(c));
    }
    items
}

fn write_export(items: &[Item], refname: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let rename = |r: &str| {
        if r == "refs/heads/main" {
            refname.to_string()
        } else {
            r.to_string()
        }
    };
    for item in items {
        match item {
            Item::Line(l) => {
                let l = match l.strip_prefix("reset ") {
                    Some(r) => format!("reset {}", rename(r)),
                    None => l.clone(),
                };
                out.extend_from_slice(l.as_bytes());
                out.push(b'\n');
            }
            Item::Commit(c) => {
                let mut head = format!("commit {}\nmark {}\n", rename(&c.refname), c.mark);
                if !c.original.is_empty() {
                    head.push_str(&format!("original-oid {}\n", c.original));
                }
                for h in &c.headers {
                    head.push_str(h);
                    head.push('\n');
                }
                head.push_str(&format!("data {}\n", c.message.len()));
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(&c.message);
                if !c.message.ends_with(b"\n") {
                    out.push(b'\n');
                }
                let mut tail = String::new();
                if let Some(f) = &c.from {
                    tail.push_str(&format!("from {f}\n"));
                }
                for m in &c.merges {
                    tail.push_str(&format!("merge {m}\n"));
                }
                for f in &c.files {
                    tail.push_str(f);
                    tail.push('\n');
                }
                tail.push('\n');
                out.extend_from_slice(tail.as_bytes());
            }
        }
    }
    out
}

fn commits_mut(items: &mut [Item]) -> impl Iterator<Item = &mut Exported> {
    items.iter_mut().filter_map(|i| match i {
        Item::Commit(c) => Some(c),
        Item::Line(_) => None,
    })
}

/// Drops the commit `oid`: its children continue from its first parent,
/// and nothing it changed is kept.
fn drop_commit(items: &mut Vec<Item>, oid: &str) {
    let at = items
        .iter()
        .position(|i| matches!(i, Item::Commit(c) if c.original == oid))
        .expect("the dropped commit is exported");
    let Item::Commit(gone) = items.remove(at) else {
        unreachable!()
    };
    let parent = gone.from.expect("a dropped commit has a parent");
    for c in commits_mut(items) {
        if c.from.as_deref() == Some(gone.mark.as_str()) {
            c.from = Some(parent.clone());
        }
        for m in &mut c.merges {
            if *m == gone.mark {
                *m = parent.clone();
            }
        }
        let from = c.from.clone();
        let mut seen = BTreeSet::new();
        c.merges
            .retain(|m| Some(m) != from.as_ref() && seen.insert(m.clone()));
    }
}

/// `M <mode> <blob> <path>` lines for `path` with blob `old` take `new`.
fn replace_blob(items: &mut [Item], path: &str, old: &str, new: &str) {
    for c in commits_mut(items) {
        for f in &mut c.files {
            let parts: Vec<&str> = f.splitn(4, ' ').collect();
            if parts.len() == 4 && parts[0] == "M" && parts[2] == old && parts[3] == path {
                *f = format!("M {} {new} {path}", parts[1]);
            }
        }
    }
}

/// Every `M`/`D` line of `from` is about `to` instead.
fn rename_path(items: &mut [Item], from: &str, to: &str) {
    for c in commits_mut(items) {
        for f in &mut c.files {
            let parts: Vec<&str> = f.splitn(4, ' ').collect();
            if parts.len() == 4 && parts[0] == "M" && parts[3] == from {
                *f = format!("M {} {} {to}", parts[1], parts[2]);
            } else if f.strip_prefix("D ") == Some(from) {
                *f = format!("D {to}");
            }
        }
    }
}

/// Rewrites `main` with plain git: `git fast-export` of every commit not
/// reachable from `excluded`, `edit`ed, `git fast-import`ed, and the branch
/// reset to the new tip. Commits before the edit keep their ids (and the
/// trust root its own); rewritten ones lose their git signatures, which no
/// rule reads.
fn rewrite(s: &Group, excluded: &[String], edit: impl FnOnce(&mut Vec<Item>)) -> String {
    let tip = head(s);
    let mut args = vec![
        "fast-export".to_string(),
        "--no-data".to_string(),
        "--show-original-ids".to_string(),
        "--reference-excluded-parents".to_string(),
        "main".to_string(),
    ];
    args.extend(excluded.iter().map(|e| format!("^{e}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = git(s, &args);
    assert!(out.status.success(), "fast-export: {}", stderr(&out));
    let mut items = parse_export(&out.stdout);
    edit(&mut items);
    let tip_mark = items
        .iter()
        .find_map(|i| match i {
            Item::Commit(c) if c.original == tip => Some(c.mark.clone()),
            _ => None,
        })
        .expect("the tip is exported");
    let mut stream = write_export(&items, "refs/heads/mutated");
    stream.extend_from_slice(format!("reset refs/heads/mutated\nfrom {tip_mark}\n\n").as_bytes());
    git_stdin(s, &["fast-import", "--quiet", "--force"], stream);
    let new = git_ok(s, &["rev-parse", "refs/heads/mutated"]);
    git_ok(s, &["reset", "-q", "--hard", &new]);
    git_ok(s, &["update-ref", "-d", "refs/heads/mutated"]);
    new
}

/// The parents of every commit that added `path`: rewriting from there
/// keeps every older commit as it is.
fn parents_of_adders(s: &Group, path: &str) -> Vec<String> {
    let adders = git_ok(
        s,
        &[
            "log",
            "--full-history",
            "--diff-filter=A",
            "--format=%H",
            "HEAD",
            "--",
            path,
        ],
    );
    adders
        .lines()
        .flat_map(|c| {
            git_ok(s, &["rev-parse", &format!("{c}^@")])
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn first_parent_chain(s: &Group) -> Vec<String> {
    git_ok(s, &["rev-list", "--first-parent", "--reverse", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn describe_commit(s: &Group, c: &str) -> String {
    git_ok(s, &["log", "-1", "--format=%h %s", c])
}

impl History {
    /// A fresh clone of the settled remote, trust root pinned.
    fn scratch(&self) -> Group {
        let env = Env::new();
        let out = env
            .git_in(env.path())
            .args(["clone", "-q", &self.remote.url, "d5"])
            .output()
            .unwrap();
        assert!(out.status.success(), "git clone: {}", stderr(&out));
        let mut g = Group {
            repo: env.path().join("d5"),
            env,
        };
        g.at(&clock(self.step));
        let out = g
            .read()
            .args(["verify", "--full", "--root", &self.genesis])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "verify in the scratch clone: {}",
            stderr(&out)
        );
        g
    }

    fn reset(s: &Group, tip: &str) {
        let _ = git(s, &["merge", "--abort"]);
        git_ok(s, &["checkout", "-q", "-f", "main"]);
        git_ok(s, &["reset", "-q", "--hard", tip]);
        git_ok(s, &["clean", "-qfdx"]);
        let _ = git(s, &["branch", "-q", "-D", "stale"]);
        let _ = git(s, &["update-ref", "-d", "refs/heads/mutated"]);
    }

    /// Every mutation once, from the settled history, in a seeded order;
    /// panics listing every mutation verify judged wrongly.
    fn mutations(&mut self) -> String {
        let mut s = self.scratch();
        let tip = head(&s);
        let mut kinds = MUTATIONS.to_vec();
        self.rng.shuffle(&mut kinds);
        let mut results = Vec::new();
        let mut failures = Vec::new();
        for m in kinds {
            Self::reset(&s, &tip);
            let r = catch_unwind(AssertUnwindSafe(|| self.mutation(&mut s, &tip, m)));
            let r = r.unwrap_or_else(|p| Err(format!("{m:?}: panicked: {}", panic_message(&*p))));
            match &r {
                Ok(line) => self.log("P2", format!("-> {line}")),
                Err(e) => self.log("P2", format!("-> FAILED {e}")),
            }
            match r {
                Ok(line) => results.push(line),
                Err(e) => failures.push(e),
            }
        }
        Self::reset(&s, &tip);
        assert!(
            failures.is_empty(),
            "{} of {} mutations judged wrongly:\n  {}",
            failures.len(),
            MUTATIONS.len(),
            failures.join("\n  ")
        );
        format!("\n    {}", results.join("\n    "))
    }

    fn mutation(&mut self, s: &mut Group, tip: &str, m: Mutation) -> Result<String, String> {
        let now = self.tick();
        s.at(&now);
        let made = match self.mutate(s, m)? {
            Some(made) => made,
            None => return Ok(format!("{m:?}: not applicable to this history")),
        };
        self.log("P2", format!("{m:?}: {}", made.what));
        let verdict = self
            .judge(s, tip, &made)
            .map_err(|e| format!("{m:?} ({}): {e}", made.what))?;
        Ok(format!("{m:?} ({}): {verdict}", made.what))
    }

    /// Runs `charter verify --full` on the mutated history and checks it
    /// against what the mutation must give.
    fn judge(&self, s: &Group, tip: &str, made: &Made) -> Result<String, String> {
        let now_head = head(s);
        let out = s.read().args(["verify", "--full"]).output().unwrap();
        let err = stderr(&out);
        match out.status.code() {
            Some(0) => {
                if made.expect == Expect::Violation {
                    return Err(format!(
                        "a certain violation, yet charter verify --full exits 0: {}",
                        one_line(&stdout(&out))
                    ));
                }
                let n = ssh_agreement(s)?;
                Ok(format!("holds, and OpenSSH agrees on all {n} records"))
            }
            Some(1) => {
                if made.expect == Expect::Holds {
                    return Err(format!(
                        "valid by the rules, yet charter verify --full exits 1: {}",
                        one_line(&err)
                    ));
                }
                let (commit, path, message, rule) = parse_violation(&err)?;
                let full = git(
                    s,
                    &["rev-parse", "--verify", &format!("{commit}^{{commit}}")],
                );
                if !full.status.success() {
                    return Err(format!("names commit {commit}, which is not here: {err}"));
                }
                let full = stdout(&full).trim().to_string();
                if is_ancestor(s, &full, tip) {
                    return Err(format!(
                        "blames {commit}, a commit of the unchanged (verified) history: {}",
                        one_line(&err)
                    ));
                }
                if made.at_head && full != now_head {
                    return Err(format!(
                        "blames {commit}, not HEAD {} where the violation is: {}",
                        &now_head[..12],
                        one_line(&err)
                    ));
                }
                Ok(format!("detected: {path}: {message} [{rule}]"))
            }
            code => Err(format!(
                "charter verify --full exits {code:?} (only 0 or 1 may happen): {}{err}",
                stdout(&out)
            )),
        }
    }

    /// Makes mutation `m` in the scratch clone; `None` if this history
    /// offers nothing to make it on.
    fn mutate(&mut self, s: &mut Group, m: Mutation) -> Result<Option<Made>, String> {
        let recs = records(s);
        let dirs = proposal_dirs(s);
        let pick_record = |rng: &mut Rng| recs.get(rng.below(recs.len().max(1))).cloned();
        match m {
            Mutation::DropTip => {
                let tip = head(s);
                git_ok(s, &["reset", "-q", "--hard", "HEAD^1"]);
                Ok(Some(Made {
                    // A first-parent prefix of a valid history: every act in
                    // it was judged at its place, nothing after it counts.
                    what: format!("drop the last commit {}", describe_commit(s, &tip)),
                    expect: Expect::Holds,
                    at_head: false,
                }))
            }
            Mutation::DropCommit => {
                let chain = first_parent_chain(s);
                if chain.len() < 3 {
                    return Ok(None);
                }
                let c = chain[1 + self.rng.below(chain.len() - 2)].clone();
                let what = format!(
                    "drop commit {} (first-parent #{} of {}) and rebuild the rest",
                    describe_commit(s, &c),
                    chain.iter().position(|x| *x == c).unwrap(),
                    chain.len()
                );
                let parent = git_ok(s, &["rev-parse", &format!("{c}^1")]);
                rewrite(s, &[parent], |items| drop_commit(items, &c));
                Ok(Some(Made {
                    what,
                    expect: Expect::Either,
                    at_head: false,
                }))
            }
            Mutation::DuplicateElsewhere => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let targets: Vec<&(String, String)> = dirs
                    .iter()
                    .filter(|(id, d)| {
                        *id != r.id
                            && !s
                                .repo
                                .join(format!("{d}/signatures/{}.msg", r.name))
                                .exists()
                    })
                    .collect();
                if targets.is_empty() {
                    return Ok(None);
                }
                let (qid, qdir) = targets[self.rng.below(targets.len())].clone();
                for (from, ext) in [(&r.msg, "msg"), (&r.sig, "sig")] {
                    s.write(
                        &format!("{qdir}/signatures/{}.{ext}", r.name),
                        &s.read_file(from),
                    );
                }
                git_ok(s, &["add", "-A"]);
                git_ok(s, &["commit", "-q", "--no-gpg-sign", "-m", "copy a record"]);
                Ok(Some(Made {
                    what: format!("copy {} into {qid}'s signatures/", r.msg),
                    expect: Expect::Violation,
                    at_head: true,
                }))
            }
            Mutation::DuplicateAsOtherAct => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let acts: Vec<&str> = [
                    "propose",
                    "second",
                    "accept",
                    "object",
                    "withdraw-objection",
                    "withdraw",
                ]
                .into_iter()
                .filter(|a| {
                    let name = format!("{}.{a}", r.signer);
                    name != r.name
                        && !s
                            .repo
                            .join(format!("{}/signatures/{name}.msg", r.dir))
                            .exists()
                })
                .collect();
                if acts.is_empty() {
                    return Ok(None);
                }
                let act = acts[self.rng.below(acts.len())];
                let name = format!("{}.{act}", r.signer);
                for (from, ext) in [(&r.msg, "msg"), (&r.sig, "sig")] {
                    s.write(
                        &format!("{}/signatures/{name}.{ext}", r.dir),
                        &s.read_file(from),
                    );
                }
                git_ok(s, &["add", "-A"]);
                git_ok(s, &["commit", "-q", "--no-gpg-sign", "-m", "copy a record"]);
                Ok(Some(Made {
                    what: format!("copy {} as {name} in the same proposal", r.msg),
                    expect: Expect::Violation,
                    at_head: true,
                }))
            }
            Mutation::MoveRecord => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let targets: Vec<&(String, String)> = dirs
                    .iter()
                    .filter(|(id, d)| {
                        *id != r.id
                            && !s
                                .repo
                                .join(format!("{d}/signatures/{}.msg", r.name))
                                .exists()
                    })
                    .collect();
                if targets.is_empty() {
                    return Ok(None);
                }
                let (qid, qdir) = targets[self.rng.below(targets.len())].clone();
                let new_msg = format!("{qdir}/signatures/{}.msg", r.name);
                let new_sig = format!("{qdir}/signatures/{}.sig", r.name);
                let excluded = parents_of_adders(s, &r.msg);
                if excluded.is_empty() {
                    return Ok(None);
                }
                rewrite(s, &excluded, |items| {
                    rename_path(items, &r.msg, &new_msg);
                    rename_path(items, &r.sig, &new_sig);
                });
                Ok(Some(Made {
                    what: format!("move {} to {qid} from the commit that added it on", r.msg),
                    expect: Expect::Violation,
                    at_head: false,
                }))
            }
            Mutation::RedateBeforeProposal | Mutation::RedateBeforeGenesis | Mutation::Repoint => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let Some(key) = self.signing_key(&r.armored) else {
                    return Err(format!("{}: no known private key made it", r.sig));
                };
                let (text, what) = match m {
                    Mutation::RedateBeforeProposal => {
                        let toml = s.read_file(&format!("{}/proposal.toml", r.dir));
                        let created = toml_str(&toml, "created").ok_or("no created date")?;
                        let date = minutes_before(&created, 1);
                        (
                            with_field(&r.text, "date", &date),
                            format!(
                                "redate {} from {} to {date}, before its proposal (created {created}), re-signed by its signer",
                                r.msg, r.date
                            ),
                        )
                    }
                    Mutation::RedateBeforeGenesis => {
                        let genesis = git_ok(s, &["show", "-s", "--format=%cI", &self.genesis]);
                        let date = minutes_before(&genesis, 24 * 60);
                        (
                            with_field(&r.text, "date", &date),
                            format!(
                                "redate {} from {} to {date}, before the genesis ({genesis}), re-signed by its signer",
                                r.msg, r.date
                            ),
                        )
                    }
                    _ => {
                        let others: Vec<&(String, String)> =
                            dirs.iter().filter(|(id, _)| *id != r.id).collect();
                        if others.is_empty() {
                            return Ok(None);
                        }
                        let (qid, _) = others[self.rng.below(others.len())];
                        (
                            with_field(&r.text, "proposal", qid),
                            format!(
                                "re-point {} at proposal {qid} (its proposal line), re-signed by its signer",
                                r.msg
                            ),
                        )
                    }
                };
                let armored = self.ssh_sign(s, &key, &text);
                let old_msg = git_ok(s, &["rev-parse", &format!("HEAD:{}", r.msg)]);
                let old_sig = git_ok(s, &["rev-parse", &format!("HEAD:{}", r.sig)]);
                let new_msg = git_stdin(s, &["hash-object", "-w", "--stdin"], text.into_bytes());
                let new_sig = git_stdin(s, &["hash-object", "-w", "--stdin"], armored.into_bytes());
                let excluded = parents_of_adders(s, &r.msg);
                if excluded.is_empty() {
                    return Ok(None);
                }
                rewrite(s, &excluded, |items| {
                    replace_blob(items, &r.msg, &old_msg, &new_msg);
                    replace_blob(items, &r.sig, &old_sig, &new_sig);
                });
                Ok(Some(Made {
                    what,
                    expect: Expect::Violation,
                    at_head: false,
                }))
            }
            Mutation::StaleActs => self.stale_acts(s),
            Mutation::StaleDecision => self.stale_decision(s),
        }
    }

    /// `ssh-keygen -Y sign -n charter -f <key>` over `text`.
    fn ssh_sign(&self, s: &Group, key: &Path, text: &str) -> String {
        let dir = s.env.path().join("resign");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("message");
        let sig = dir.join("message.sig");
        std::fs::write(&file, text).unwrap();
        let _ = std::fs::remove_file(&sig);
        let out = ssh_keygen(s.env.path())
            .args(["-q", "-Y", "sign", "-n", "charter", "-f"])
            .arg(key)
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "ssh-keygen -Y sign: {}", stderr(&out));
        std::fs::read_to_string(&sig).unwrap()
    }

    /// One act that must be made, in the scratch clone.
    fn must(&mut self, s: &mut Group, who: &str, act: Act) -> Result<String, String> {
        let now = self.tick();
        s.at(&now);
        let key = if who == "ca" {
            s.env.path().join("keys/ca")
        } else {
            self.member_key(s, who)
                .ok_or(format!("no known key for {who}"))?
        };
        let out = run_act(s, who, &key, &act, &self.tag());
        self.log(
            "P2",
            format!("{who}: {} -> exit {:?}", act.describe(), out.status.code()),
        );
        if !out.status.success() {
            return Err(format!(
                "setting up: {who} {}: exit {:?}: {}",
                act.describe(),
                out.status.code(),
                one_line(&stderr(&out))
            ));
        }
        Ok(stdout(&out).trim().to_string())
    }

    /// A branch from an old first-parent commit, one to three acts valid
    /// there, merged with `git merge --no-ff`: valid or not by the rules.
    fn stale_acts(&mut self, s: &mut Group) -> Result<Option<Made>, String> {
        // Up to three branches: a merge that conflicts is not a history.
        for _ in 0..3 {
            if let Some(made) = self.stale_branch(s)? {
                return Ok(Some(made));
            }
            git_ok(s, &["branch", "-q", "-D", "stale"]);
        }
        Ok(None)
    }

    fn stale_branch(&mut self, s: &mut Group) -> Result<Option<Made>, String> {
        let chain = first_parent_chain(s);
        if chain.len() < 2 {
            return Ok(None);
        }
        let at = self.rng.below(chain.len() - 1);
        let old = chain[at].clone();
        git_ok(s, &["checkout", "-q", "-b", "stale", &old]);
        let mut made = Vec::new();
        for _ in 0..1 + self.rng.below(3) {
            let now = self.tick();
            s.at(&now);
            let v = view(s);
            let mut who: Vec<String> = v.members.clone();
            who.extend(
                CANDIDATES
                    .iter()
                    .filter(|c| !registered(&s.repo, c))
                    .map(|c| c.to_string()),
            );
            let who = who[self.rng.below(who.len())].clone();
            let key = if v.members.contains(&who) {
                self.member_key(s, &who)
            } else {
                self.actors
                    .iter()
                    .find(|a| a.who == who)
                    .map(|a| a.g.env.key(a.who))
            };
            let Some(key) = key else {
                return Err(format!("no known key for {who}"));
            };
            let options = choices(&who, &v, &s.repo, &D5_PRINCIPLES, None);
            let Some(mut act) = self.rng.weighted(&options) else {
                continue;
            };
            if let Act::Rotate(p) = &mut act {
                let dir = s.env.path().join("keys");
                *p = self.new_key(&dir, &format!("{who}-{}", self.step));
            }
            let out = run_act(s, &who, &key, &act, &self.tag());
            let what = format!("{who} {}", act.describe());
            self.log(
                "P2",
                format!("stale: {what} -> exit {:?}", out.status.code()),
            );
            match out.status.code() {
                Some(0) => made.push(what),
                Some(2) => {}
                code => {
                    return Err(format!(
                        "on the stale branch, {what}: exit {code:?}: {}",
                        stderr(&out)
                    ))
                }
            }
        }
        git_ok(s, &["checkout", "-q", "main"]);
        let out = git(s, &["merge", "--no-ff", "--no-edit", "stale"]);
        let what = format!(
            "branch at {} (first-parent #{at} of {}) with {made:?}, merged with git merge --no-ff",
            describe_commit(s, &old),
            chain.len()
        );
        if !out.status.success() {
            let _ = git(s, &["merge", "--abort"]);
            self.log("P2", format!("StaleActs: {what}: conflict, merge aborted"));
            return Ok(None);
        }
        Ok(Some(Made {
            what,
            expect: Expect::Either,
            at_head: false,
        }))
    }

    /// A proposal filed at the tip; on main a candidate is admitted; on a
    /// branch from before the admission everyone then in force accepts the
    /// proposal, which is finalized there; the branch is merged with `git
    /// merge --no-ff`. At the merge the decision misses the new member: a
    /// violation, reported at the merge.
    fn stale_decision(&mut self, s: &mut Group) -> Result<Option<Made>, String> {
        let mut members = view(s).members;
        if members.len() < 2 {
            return Ok(None);
        }
        self.rng.shuffle(&mut members);
        let (p, sec, rest) = (
            members[0].clone(),
            members[1].clone(),
            members[2..].to_vec(),
        );
        let principle = D5_PRINCIPLES[self.rng.below(D5_PRINCIPLES.len())];
        let id = self.must(s, &p, Act::Amend(principle.to_string()))?;
        let fork = head(s);
        let dir = s.env.path().join("keys");
        self.new_key(&dir, "ca");
        let app = self.must(s, "ca", Act::Apply)?;
        self.must(s, &p, Act::ProposeMember("ca".into()))?;
        self.must(s, &sec, Act::Second(app.clone()))?;
        for m in &rest {
            self.must(s, m, Act::Accept(app.clone()))?;
        }
        if !s.repo.join("keys/ca.toml").exists() {
            return Err(format!("setting up: ca was not admitted by {app}"));
        }
        git_ok(s, &["checkout", "-q", "-b", "stale", &fork]);
        self.must(s, &sec, Act::Second(id.clone()))?;
        for m in &rest {
            self.must(s, m, Act::Accept(id.clone()))?;
        }
        if !s
            .repo
            .join(format!("{}/decision.toml", proposal_dir(&id)))
            .exists()
        {
            return Err(format!("setting up: {id} was not finalized on the branch"));
        }
        git_ok(s, &["checkout", "-q", "main"]);
        git_ok(s, &["merge", "--no-ff", "--no-edit", "stale"]);
        Ok(Some(Made {
            what: format!(
                "{p} proposes {id}; on main ca is admitted ({app}); a branch from before the admission has {sec} second and {rest:?} accept {id} (finalized there by the members of then); merged with git merge --no-ff"
            ),
            expect: Expect::Violation,
            at_head: true,
        }))
    }
}

// ---- The properties ----

/// Runs `body` on a fresh history for every seed (within [`budget`]);
/// panics listing every failing seed with its operations.
fn for_each_seed(name: &str, plain_merges: bool, body: fn(&mut History, Instant) -> String) {
    let started = Instant::now();
    let seeds = seeds();
    let ops = setting("CHARTER_PROPTEST_OPS", 40, 400) as usize;
    let mut failures = Vec::new();
    let mut ran = 0;
    for &seed in &seeds {
        if started.elapsed() > budget() {
            eprintln!("{name}: time budget spent; seeds left unrun");
            break;
        }
        let t = Instant::now();
        let trace = Rc::new(RefCell::new(Vec::new()));
        let phase = std::cell::Cell::new("making the history");
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut h = History::new(seed, plain_merges, ops, trace.clone());
            h.run();
            phase.set("after the history");
            body(&mut h, t)
        }));
        ran += 1;
        match result {
            Ok(summary) => {
                eprintln!("{name}, seed {seed:#x}: holds; {summary}");
                if std::env::var_os("CHARTER_PROPTEST_TRACE").is_some() {
                    eprintln!("  operations:\n    {}", trace.borrow().join("\n    "));
                }
            }
            Err(e) => {
                let f = format!(
                    "{name}, seed {seed:#x} (replay: CHARTER_PROPTEST_SEED={seed:#x} CHARTER_PROPTEST_OPS={ops}) failed after {:?}, {}:\n{}\n  operations:\n    {}",
                    t.elapsed(),
                    phase.get(),
                    panic_message(&*e),
                    trace.borrow().join("\n    ")
                );
                eprintln!("{f}\n");
                failures.push(f);
            }
        }
    }
    eprintln!(
        "{name}: {ran}/{} seeds in {:?}, {} failed",
        seeds.len(),
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} seeds failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        ran >= seeds.len().min(2),
        "only {ran} seeds ran in the time budget"
    );
}

/// Property 1: members acting concurrently by the rules, exchanging work by
/// `charter sync` and by plain `git pull --no-rebase` + `git push` where
/// that must verify: `charter verify --full` holds in every clone after
/// every exchange and at the end.
#[test]
fn honest_concurrent_work_verifies() {
    for_each_seed("property 1", true, |h, t| h.summary(t));
}

/// Property 2: from a settled honest history (exchanged by `charter sync`
/// only, and with a sync right after each key rotation, so that property 2
/// does not depend on what property 1 finds in merges and sync), each
/// single mutation is either valid by the rules (and then stock OpenSSH
/// agrees on every record) or detected with exit 1 and one line naming a
/// new commit, a path and a rule; certain violations are always detected.
#[test]
fn single_mutations_are_valid_or_detected() {
    for_each_seed("property 2", false, |h, t| {
        let history = h.summary(t);
        let mutations = h.mutations();
        format!("{history}{mutations}")
    });
}
