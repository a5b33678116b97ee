//! Signing through a real `ssh-agent` (issue 13): members name only their
//! public key, the agent signs every kind of act and every commit, and
//! stock `ssh-keygen -Y verify` and `git verify-commit` accept the result.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::common::agent::SshAgent;
use crate::common::*;

const EVERYONE: [&str; 7] = ["uk", "ee", "il", "nz", "kr", "jp", "outsider"];

/// An agent holding the private keys `names` (fixtures copied with mode
/// 0600, as ssh-add requires).
fn agent_with(env: &Env, names: &[&str]) -> SshAgent {
    let agent = SshAgent::start();
    for name in names {
        agent.add(&env.key(name), None);
    }
    agent
}

/// The D5 founded through the agent: `init` names uk's public key only.
fn found_through(agent: &SshAgent) -> Group {
    let mut env = Env::new();
    env.agent = Some(agent.socket.clone());
    let repo = env.path().join("d5");
    let mut cmd = env.charter_in(env.path());
    cmd.env("SSH_AUTH_SOCK", &agent.socket).args([
        "init",
        "d5",
        "--template",
        "d5",
        "--name",
        "Digital 5",
    ]);
    for id in FOUNDERS {
        cmd.arg("--member")
            .arg(format!("{id}={}", env.public_key(id).display()));
    }
    cmd.arg("--key").arg(env.public_key("uk"));
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "init through the agent: {}",
        stderr(&out)
    );
    Group { env, repo }
}

fn ok(g: &Group, who: &str, args: &[&str]) -> String {
    let out = g.charter(who).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{who} {args:?} through the agent: {}",
        stderr(&out)
    );
    stdout(&out).trim().to_string()
}

/// Checks every `.sig` with `ssh-keygen -Y verify` (the signer's key at
/// the record's date; for an `apply` or `confirm-key` record, the key its
/// proposal registers) and every commit with `git verify-commit`. Returns
/// the acts seen, as `signer.act`.
fn stock_tools_accept_everything(g: &Group) -> Vec<String> {
    let mut acts = Vec::new();
    let scratch = g.env.path().join("registered_signers");
    for sig in files_ending(&g.repo.join("proposals"), ".sig") {
        let msg = PathBuf::from(sig.to_string_lossy().replace(".sig", ".msg"));
        let text = std::fs::read_to_string(&msg).unwrap();
        let field = |f: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{f} ")))
                .unwrap()
                .to_string()
        };
        let (signer, act, date) = (field("signer"), field("act"), field("date"));
        let signers = if act == "apply" || act == "confirm-key" {
            let proposal = sig
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .join("proposal.toml");
            let toml = std::fs::read_to_string(proposal).unwrap();
            let key = toml
                .lines()
                .find_map(|l| l.strip_prefix("key = "))
                .unwrap()
                .trim_matches('"');
            std::fs::write(&scratch, format!("{signer} {key}\n")).unwrap();
            scratch.clone()
        } else {
            g.repo.join("keys/allowed_signers")
        };
        let time: String = date.chars().filter(|c| c.is_ascii_digit()).collect();
        let out = StdCommand::new("ssh-keygen")
            .env("HOME", g.env.path())
            .args(["-Y", "verify", "-n", "charter", "-I", &signer, "-f"])
            .arg(&signers)
            .arg(format!("-Overify-time={time}Z"))
            .arg("-s")
            .arg(&sig)
            .stdin(std::fs::File::open(&msg).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen -Y verify {}: {}",
            sig.display(),
            stderr(&out)
        );
        acts.push(format!("{signer}.{act}"));
    }
    for c in g.git_out(&["rev-list", "HEAD"]).lines() {
        let out = g
            .git()
            .args(["-c", "gpg.ssh.allowedSignersFile=keys/allowed_signers"])
            .args(["verify-commit", c])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git verify-commit {c}: {}",
            stderr(&out)
        );
    }
    acts.sort();
    acts
}

#[test]
fn every_kind_of_act_is_signed_through_a_real_ssh_agent_and_stock_tools_accept_it() {
    let env = Env::new();
    let agent = agent_with(&env, &EVERYONE);
    assert_eq!(agent.listed().lines().count(), EVERYONE.len());
    let g = found_through(&agent);
    // An amendment: propose, second, object and withdraw the objection,
    // accept; the last acceptance finalizes.
    let p1 = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    ok(&g, "ee", &["second", &p1]);
    ok(&g, "kr", &["object", &p1, "--reason", "the French text"]);
    ok(&g, "kr", &["object", &p1, "--withdraw"]);
    for who in ["il", "nz", "kr"] {
        ok(&g, who, &["accept", &p1]);
    }
    assert!(g
        .repo
        .join(proposal_dir(&p1))
        .join("decision.toml")
        .exists());
    // A proposal withdrawn by its author.
    let p2 = ok(&g, "nz", &["propose", "retire", "open-markets"]);
    ok(&g, "nz", &["withdraw", &p2]);
    // The join process (the candidate's application too), then a departure.
    g.admit("jp", "Japan");
    ok(&g, "jp", &["leave"]);
    // A rotation signed by the old key and the new, both in the agent.
    let new_key = g.env.public_key("outsider");
    ok(
        &g,
        "kr",
        &["key", "rotate", "--new-key", new_key.to_str().unwrap()],
    );
    // The annual review, opened and closed.
    ok(
        &g,
        "uk",
        &["review", "open", "2026", "--deadline", "2026-11-30"],
    );
    let close = ok(&g, "uk", &["review", "close", "2026"]);
    ok(&g, "ee", &["second", &close]);
    for who in ["il", "nz"] {
        ok(&g, who, &["accept", &close]);
    }
    ok(&g, "outsider", &["accept", &close]);
    g.assert_verify_passes();
    assert_eq!(
        g.git_out(&["tag", "--list", "charter-*"]),
        "charter-2026",
        "the review closed"
    );

    let acts = stock_tools_accept_everything(&g);
    // Every kind of record: propose (an amendment, a retirement, a
    // membership, a departure, a rotation, a review), second, accept,
    // object and its withdrawal, withdraw, apply, confirm-key.
    for act in [
        "uk.propose",
        "ee.second",
        "il.accept",
        "kr.object",
        "kr.withdraw-objection",
        "nz.propose",
        "nz.withdraw",
        "jp.apply",
        "jp.propose",
        "kr.propose",
        "kr.confirm-key",
    ] {
        assert!(acts.iter().any(|a| a == act), "no {act} among {acts:?}");
    }
}

/// `ssh-add -c`: the agent asks `SSH_ASKPASS` to confirm each use; with
/// `false` as that program, every use is denied.
fn agent_denying(env: &Env, name: &str) -> SshAgent {
    let agent = SshAgent::start_with(&[("SSH_ASKPASS", "/bin/false"), ("DISPLAY", ":0")]);
    agent.add_confirmed(&env.key(name));
    agent
}

#[test]
fn a_key_the_agent_does_not_hold_is_refused_with_the_ssh_add_hint_and_nothing_changes() {
    let env = Env::new();
    let agent = agent_with(&env, &FOUNDERS);
    let g = found_through(&agent);
    let before = g.head();
    // An agent holding everyone but uk; the control is the same act by ee.
    let other = agent_with(&g.env, &["ee"]);
    let out = g
        .charter("uk")
        .env("SSH_AUTH_SOCK", &other.socket)
        .args(["propose", "retire", "open-markets"])
        .output()
        .unwrap();
    let err = assert_one_line_error(
        &out,
        2,
        &[
            "uk.pub",
            "the ssh-agent does not hold the key SHA256:",
            "ssh-add",
        ],
    );
    let fingerprint = g.member_fingerprint("uk");
    assert!(err.contains(&fingerprint), "{err}");
    assert_eq!(g.head(), before, "nothing was committed");
    assert_eq!(g.git_out(&["status", "--porcelain"]), "");
    let out = g
        .charter("ee")
        .env("SSH_AUTH_SOCK", &other.socket)
        .args(["propose", "retire", "open-markets"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_public_key_without_an_agent_names_ssh_auth_sock() {
    let env = Env::new();
    let agent = agent_with(&env, &FOUNDERS);
    let g = found_through(&agent);
    let before = g.head();
    let out = g
        .charter("uk")
        .env_remove("SSH_AUTH_SOCK")
        .args(["propose", "retire", "open-markets"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["uk.pub", "SSH_AUTH_SOCK is not set", "ssh-add"]);
    assert_eq!(g.head(), before);
    // A socket nobody listens on says so.
    let out = g
        .charter("uk")
        .env("SSH_AUTH_SOCK", g.env.path().join("no-agent.sock"))
        .args(["propose", "retire", "open-markets"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["cannot reach the ssh-agent at", "no-agent.sock"]);
    assert_eq!(g.head(), before);
}

#[test]
fn a_signature_the_agent_refuses_to_make_is_an_error_and_nothing_changes() {
    let env = Env::new();
    let agent = agent_with(&env, &FOUNDERS);
    let g = found_through(&agent);
    let before = g.head();
    let denying = agent_denying(&g.env, "uk");
    let out = g
        .charter("uk")
        .env("SSH_AUTH_SOCK", &denying.socket)
        .args(["propose", "retire", "open-markets"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["the ssh-agent refused to sign with SHA256:"]);
    assert_eq!(g.head(), before, "nothing was committed");
    assert_eq!(
        g.git_out(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}

#[test]
fn an_encrypted_key_the_agent_holds_signs_without_asking_its_passphrase() {
    let env = Env::new();
    let agent = agent_with(&env, &FOUNDERS);
    agent.add(&env.key("encrypted"), Some("test passphrase"));
    let g = found_through(&agent);
    let new_key = g.env.public_key("encrypted");
    ok(
        &g,
        "kr",
        &["key", "rotate", "--new-key", new_key.to_str().unwrap()],
    );
    // kr now names its encrypted private key file; the askpass program
    // fails, so a passphrase asked for is an error.
    let act = |socket: Option<&Path>| {
        let mut cmd = g.env.charter_in(&g.repo);
        cmd.arg("--key")
            .arg(g.env.key("encrypted"))
            .env("CHARTER_ASKPASS", "/bin/false")
            .args(["propose", "retire", "open-markets"]);
        if let Some(s) = socket {
            cmd.env("SSH_AUTH_SOCK", s);
        }
        cmd.output().unwrap()
    };
    // The control: without the agent, the passphrase is asked for.
    let out = act(None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("passphrase"), "{}", stderr(&out));
    let out = act(Some(&agent.socket));
    assert!(out.status.success(), "{}", stderr(&out));
    g.assert_verify_passes();
}

#[test]
fn git_user_signingkey_names_the_key_as_git_reads_it() {
    let env = Env::new();
    let agent = agent_with(&env, &FOUNDERS);
    let g = found_through(&agent);
    let uk = std::fs::read_to_string(g.env.public_key("uk")).unwrap();
    let act = || {
        g.env
            .charter_in(&g.repo)
            .env("SSH_AUTH_SOCK", &agent.socket)
            .args(["key", "show", "--json"])
            .output()
            .unwrap()
    };
    // Without gpg.format=ssh, git would not use the key for SSH: neither
    // does charter.
    g.git_out(&["config", "user.signingkey", &format!("key::{}", uk.trim())]);
    assert_one_line_error(&act(), 2, &["no key given"]);
    g.git_out(&["config", "gpg.format", "ssh"]);
    for value in [
        format!("key::{}", uk.trim()),
        uk.trim().to_string(),
        g.env.public_key("uk").display().to_string(),
    ] {
        g.git_out(&["config", "user.signingkey", &value]);
        let out = act();
        assert!(out.status.success(), "{value}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["fingerprint"], g.member_fingerprint("uk"), "{value}");
    }
    // charter.key comes first.
    g.git_out(&[
        "config",
        "charter.key",
        g.env.public_key("ee").to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&act().stdout).unwrap();
    assert_eq!(v["fingerprint"], g.member_fingerprint("ee"));
}
