//! FIDO security keys (`sk-ssh-ed25519@openssh.com`, issue 13): a member
//! may register one; its signatures verify with `charter` and with stock
//! `ssh-keygen`, and `charter` alone refuses one made without the
//! user-presence flag (OpenSSH's allowed_signers has no option that asks
//! for it). The signatures come from a software authenticator
//! ([`crate::common::softsk`]); a device is needed only to sign through
//! `charter` itself (see the README).

use crate::common::softsk::{SoftSk, USER_PRESENT};
use crate::common::*;

/// The D5 with kr's key on a security key; uk acts for the founding.
fn group_with_security_key(sk: &SoftSk) -> Group {
    let env = Env::new();
    let repo = env.path().join("d5");
    let kr = env.path().join("kr-sk.pub");
    std::fs::write(&kr, format!("{}\n", sk.public_line("kr"))).unwrap();
    let mut cmd = env.charter_in(env.path());
    cmd.args(["init", "d5", "--template", "d5", "--name", "Digital 5"]);
    for id in ["uk", "ee", "il", "nz"] {
        cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
        env.key(id);
    }
    cmd.arg("--member").arg(format!("kr={}", kr.display()));
    cmd.arg("--key").arg(env.key("uk"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "init: {}", stderr(&out));
    Group { env, repo }
}

/// kr's acceptance of `id`, signed on the security key with `flags` and
/// committed by hand. Returns the `.msg` path.
fn accept_on_security_key(g: &Group, sk: &SoftSk, id: &str, flags: u8) -> String {
    let msg = g.message(id, "accept", "kr", NOW);
    let path = format!("{}/signatures/kr.accept.msg", proposal_dir(id));
    g.write(&path, &msg);
    g.write(&sig_path(&path), &sk.sign("charter", msg.as_bytes(), flags));
    g.git_commit_all(&format!("accept {id}"));
    path
}

/// An amendment every member but kr has accepted.
fn awaiting_kr(g: &Group) -> String {
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    g.act("il", "accept", &id);
    g.act("nz", "accept", &id);
    id
}

#[test]
fn a_security_key_is_registered_as_openssh_writes_it() {
    let sk = SoftSk::new(7);
    let g = group_with_security_key(&sk);
    let signers = g.read_file("keys/allowed_signers");
    let line = signers.lines().find(|l| l.starts_with("kr ")).unwrap();
    let blob = sk.public_line("");
    assert!(line.ends_with(blob.trim()), "{line}");
    assert!(line.contains(" sk-ssh-ed25519@openssh.com "), "{line}");
    let shown = g.read_json(&["members", "--json"]);
    assert!(
        shown.to_string().contains("sk-ssh-ed25519@openssh.com"),
        "{shown}"
    );
    g.assert_verify_passes();
}

#[test]
fn a_touched_security_key_signature_counts_and_stock_openssh_agrees() {
    let sk = SoftSk::new(7);
    let g = group_with_security_key(&sk);
    let id = awaiting_kr(&g);
    let msg = accept_on_security_key(&g, &sk, &id, USER_PRESENT);
    assert!(
        g.ssh_verifies("kr", &msg),
        "ssh-keygen -Y verify accepts it"
    );
    g.assert_verify_passes();
    // The acceptance counts: the proposal can be finalized.
    let out = g.charter("uk").args(["finalize", &id]).output().unwrap();
    assert!(out.status.success(), "finalize: {}", stderr(&out));
    assert!(g
        .repo
        .join(proposal_dir(&id))
        .join("decision.toml")
        .exists());
    g.assert_verify_passes();
}

#[test]
fn a_security_key_signature_without_user_presence_is_refused_though_openssh_accepts_it() {
    let sk = SoftSk::new(7);
    let g = group_with_security_key(&sk);
    let id = awaiting_kr(&g);
    let msg = accept_on_security_key(&g, &sk, &id, 0);
    // Stock OpenSSH accepts it: allowed_signers cannot ask for the flag.
    assert!(g.ssh_verifies("kr", &msg));
    let f = g.verify_failure_with(&[]);
    assert!(f.path.ends_with("kr.accept.sig"), "{}", f.stderr);
    assert!(f.message.contains("user-presence"), "{}", f.stderr);
    // Nor does it count when acting: finalize is refused, on the
    // verification's own word.
    let out = g.charter("uk").args(["finalize", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("user-presence"), "{}", stderr(&out));
    assert!(!g
        .repo
        .join(proposal_dir(&id))
        .join("decision.toml")
        .exists());
}

#[test]
fn user_presence_set_after_signing_breaks_the_signature() {
    let sk = SoftSk::new(7);
    let g = group_with_security_key(&sk);
    let id = awaiting_kr(&g);
    let msg = g.message(&id, "accept", "kr", NOW);
    let path = format!("{}/signatures/kr.accept.msg", proposal_dir(&id));
    // Signed without the flag, then the flag byte set in the file: the
    // flags are signed, so neither tool accepts it.
    let armored = sk.sign("charter", msg.as_bytes(), 0);
    let forged = set_flags_byte(&armored, USER_PRESENT);
    g.write(&path, &msg);
    g.write(&sig_path(&path), &forged);
    g.git_commit_all("accept");
    assert!(!g.ssh_verifies("kr", &path));
    let f = g.verify_failure_with(&[]);
    assert!(f.message.contains("does not verify"), "{}", f.stderr);
}

/// The armored signature with its flags byte (the 5th byte from the end
/// of the blob: flags, then the 4-byte counter) replaced.
fn set_flags_byte(armored: &str, flags: u8) -> String {
    let sig = ssh_key::SshSig::from_pem(armored).unwrap();
    let mut blob = sig.signature().as_bytes().to_vec();
    let at = blob.len() - 5;
    blob[at] = flags;
    let signature = ssh_key::Signature::new(ssh_key::Algorithm::SkEd25519, blob).unwrap();
    ssh_key::SshSig::new(
        sig.public_key().clone(),
        sig.namespace(),
        sig.hash_alg(),
        signature,
    )
    .unwrap()
    .to_pem(ssh_key::LineEnding::LF)
    .unwrap()
}

/// The TEST-ONLY software authenticator that OpenSSH loads as its
/// security-key provider (`tests/sk-provider`), built once.
pub(crate) fn provider() -> &'static std::path::Path {
    static LIB: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sk-provider");
        let out = std::process::Command::new(script).output().unwrap();
        assert!(
            out.status.success(),
            "scripts/sk-provider: {}",
            stderr(&out)
        );
        std::path::PathBuf::from(stdout(&out).trim())
    })
}

/// `ssh-keygen -t ed25519-sk` through the provider: the handle file
/// `name` and `name.pub` in the scratch folder.
fn enroll(env: &Env, name: &str, touch: bool) -> std::path::PathBuf {
    let path = env.path().join(name);
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.args(["-q", "-t", "ed25519-sk", "-N", "", "-C", name, "-w"])
        .arg(provider())
        .arg("-f")
        .arg(&path);
    if !touch {
        cmd.args(["-O", "no-touch-required"]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "ssh-keygen -t ed25519-sk: {}",
        stderr(&out)
    );
    path
}

/// The D5 with kr's key the security key whose handle is `handle`.
fn group_with_handle(env: Env, handle: &std::path::Path) -> Group {
    let repo = env.path().join("d5");
    let mut cmd = env.charter_in(env.path());
    cmd.args(["init", "d5", "--template", "d5", "--name", "Digital 5"]);
    for id in ["uk", "ee", "il", "nz"] {
        cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
        env.key(id);
    }
    cmd.arg("--member")
        .arg(format!("kr={}.pub", handle.display()));
    cmd.arg("--key").arg(env.key("uk"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "init: {}", stderr(&out));
    Group { env, repo }
}

/// kr acts with the security key: given its handle file (`ssh-keygen -Y
/// sign` asks the provider, as git does), or its public key with an
/// agent that holds it.
fn kr_acts(
    g: &Group,
    key: &std::path::Path,
    agent: Option<&std::path::Path>,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = g.env.charter_in(&g.repo);
    cmd.env("SSH_SK_PROVIDER", provider())
        .arg("--key")
        .arg(key)
        .args(args);
    if let Some(socket) = agent {
        cmd.env("SSH_AUTH_SOCK", socket);
    }
    cmd.output().unwrap()
}

#[test]
fn a_security_key_signs_through_ssh_keygen_and_through_an_agent_and_stock_tools_agree() {
    let env = Env::new();
    let handle = enroll(&env, "kr-sk", true);
    let g = group_with_handle(env, &handle);
    // Through ssh-keygen, given the handle: the acceptance completes the
    // amendment, so kr's key signs the record and both commits.
    let id = awaiting_kr(&g);
    let out = kr_acts(&g, &handle, None, &["accept", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("touch your security key to sign (SHA256:"),
        "{}",
        stderr(&out)
    );
    assert!(g
        .repo
        .join(proposal_dir(&id))
        .join("decision.toml")
        .exists());
    let msg = format!("{}/signatures/kr.accept.msg", proposal_dir(&id));
    assert!(g.ssh_verifies("kr", &msg));
    for commit in ["HEAD", "HEAD^"] {
        let out = g
            .git()
            .args(["-c", "gpg.ssh.allowedSignersFile=keys/allowed_signers"])
            .args(["verify-commit", commit])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git verify-commit {commit}: {}",
            stderr(&out)
        );
    }
    // Through a real agent that holds it (`ssh-add -S provider`), given
    // the public key only.
    let agent = crate::common::agent::SshAgent::start_with(&[]);
    agent.add_security_key(&handle, provider());
    let out = kr_acts(
        &g,
        &handle.with_extension("pub"),
        Some(&agent.socket),
        &["propose", "retire", "open-markets"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let retire = stdout(&out).trim().to_string();
    let msg = format!("{}/signatures/kr.propose.msg", proposal_dir(&retire));
    assert!(g.ssh_verifies("kr", &msg));
    g.assert_verify_passes();
}

#[test]
fn a_security_key_enrolled_without_touch_cannot_act_and_nothing_changes() {
    let env = Env::new();
    let handle = enroll(&env, "kr-sk", false);
    let g = group_with_handle(env, &handle);
    let id = awaiting_kr(&g);
    let head = g.head();
    let out = kr_acts(&g, &handle, None, &["accept", &id]);
    assert_one_line_error_after_prompt(&out, &["kr-sk", "user-presence"]);
    assert_eq!(g.head(), head);
    let agent = crate::common::agent::SshAgent::start_with(&[]);
    agent.add_security_key(&handle, provider());
    let out = kr_acts(
        &g,
        &handle.with_extension("pub"),
        Some(&agent.socket),
        &["accept", &id],
    );
    assert_one_line_error_after_prompt(&out, &["kr-sk.pub", "user-presence"]);
    assert_eq!(g.head(), head);
    assert_eq!(
        g.git_out(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}

#[test]
fn a_security_key_not_touched_in_time_is_an_error_and_nothing_changes() {
    let env = Env::new();
    let handle = enroll(&env, "kr-sk", true);
    let g = group_with_handle(env, &handle);
    let id = awaiting_kr(&g);
    let head = g.head();
    let mut cmd = g.env.charter_in(&g.repo);
    let out = cmd
        .env("SSH_SK_PROVIDER", provider())
        .env("CHARTER_SK_PROVIDER_DENY", "1")
        .arg("--key")
        .arg(&handle)
        .args(["accept", &id])
        .output()
        .unwrap();
    assert_one_line_error_after_prompt(&out, &["kr-sk", "ssh-keygen -Y sign"]);
    assert_eq!(g.head(), head);
    let agent = crate::common::agent::SshAgent::start_with(&[("CHARTER_SK_PROVIDER_DENY", "1")]);
    agent.add_security_key(&handle, provider());
    let out = kr_acts(
        &g,
        &handle.with_extension("pub"),
        Some(&agent.socket),
        &["accept", &id],
    );
    assert_one_line_error_after_prompt(&out, &["the ssh-agent refused to sign"]);
    assert_eq!(g.head(), head);
}

/// Exit 2; stderr is the touch prompt, then one `error: ...` line with
/// every needle.
fn assert_one_line_error_after_prompt(out: &std::process::Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("touch your security key"), "{err}");
    assert!(lines[1].starts_with("error: "), "{err}");
    for n in needles {
        assert!(lines[1].contains(n), "{n}: {err}");
    }
}
