//! What both properties share: seeded randomness and time, stock git and
//! OpenSSH processes, keys, reading a clone, and checking a history with
//! OpenSSH and a violation line.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use super::RULES;
use crate::common::*;

// ---- Seeds, randomness, time ----

/// `NOW` (the genesis) plus `step` minutes.
pub(crate) fn clock(step: usize) -> String {
    let genesis = chrono::DateTime::parse_from_rfc3339(NOW).expect("NOW");
    (genesis + chrono::TimeDelta::minutes(step as i64))
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An RFC 3339 date moved back by `minutes`, in the records' form.
pub(crate) fn minutes_before(date: &str, minutes: i64) -> String {
    let d = chrono::DateTime::parse_from_rfc3339(date)
        .unwrap_or_else(|e| panic!("a date: {date}: {e}"));
    (d - chrono::TimeDelta::minutes(minutes))
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub(crate) fn panic_message(e: &(dyn Any + Send)) -> String {
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
pub(crate) fn git(g: &Group, args: &[&str]) -> Output {
    g.env
        .git_in(&g.repo)
        .env("GIT_AUTHOR_DATE", &g.env.now)
        .env("GIT_COMMITTER_DATE", &g.env.now)
        .args(args)
        .output()
        .unwrap()
}

/// Like [`git`], which must succeed; its trimmed stdout.
pub(crate) fn git_ok(g: &Group, args: &[&str]) -> String {
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

pub(crate) fn git_stdin(g: &Group, args: &[&str], input: Vec<u8>) -> String {
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

pub(crate) fn is_ancestor(g: &Group, a: &str, b: &str) -> bool {
    git(g, &["merge-base", "--is-ancestor", a, b])
        .status
        .success()
}

pub(crate) fn head(g: &Group) -> String {
    git_ok(g, &["rev-parse", "HEAD"])
}

/// `charter` with the key at `key`, in `g`'s clone.
pub(crate) fn charter_as(g: &Group, key: &Path) -> Command {
    let mut cmd = g.env.charter_in(&g.repo);
    cmd.arg("--key").arg(key);
    cmd
}

pub(crate) fn one_line(text: &str) -> String {
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
pub(crate) fn pub_blob(line: &str) -> Vec<u8> {
    base64_decode(line.split_whitespace().nth(1).unwrap_or_default()).unwrap_or_default()
}

/// The key blob an armored SSHSIG signature names.
pub(crate) fn sig_blob(armored: &str) -> Option<Vec<u8>> {
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
pub(crate) fn make_key(rng: &mut Rng, dir: &Path, name: &str) -> PathBuf {
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

pub(crate) fn ssh_keygen(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home);
    cmd
}

// ---- Reading a clone ----

/// `key = "value"` in a TOML file, read naively (the files are simple).
pub(crate) fn toml_str(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let v = l.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
        Some(v.trim_matches('"').to_string())
    })
}

/// `<field> <value>` in a signed message.
pub(crate) fn msg_field(text: &str, field: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field} ")))
        .map(str::to_string)
}

pub(crate) fn with_field(text: &str, field: &str, value: &str) -> String {
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
pub(crate) fn proposal_of(path: &str) -> Option<String> {
    let mut parts = path.strip_prefix("proposals/")?.split('/');
    parts.next()?;
    parts.next().map(str::to_string)
}

/// An open proposal as `status --json` shows it.
#[derive(Debug, Clone)]
pub(crate) struct Open {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) proposer: Option<String>,
    pub(crate) member: Option<String>,
    pub(crate) seconded: Vec<String>,
    pub(crate) accepted: Vec<String>,
    pub(crate) missing: Vec<String>,
    pub(crate) objections: Vec<String>,
    pub(crate) blocked: bool,
}

/// What a clone shows: the members in force and the open proposals.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub(crate) members: Vec<String>,
    pub(crate) open: Vec<Open>,
}

pub(crate) fn view(g: &Group) -> View {
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

pub(crate) fn registered(repo: &Path, who: &str) -> bool {
    repo.join(format!("keys/{who}.toml")).exists()
        || repo.join(format!("keys/former/{who}.toml")).exists()
}

/// Every `.msg`/`.sig` in HEAD's tree checked with stock OpenSSH at the
/// time of its act: `ssh-keygen -Y verify -f keys/allowed_signers -I
/// <signer> -n charter -Overify-time=<date>`, or, for a candidate's `apply`
/// and a rotation's `confirm-key`, against the key its proposal registers.
/// Returns how many records were checked.
pub(crate) fn ssh_agreement(g: &Group) -> Result<usize, String> {
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
pub(crate) fn parse_violation(err: &str) -> Result<(String, String, String, String), String> {
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
