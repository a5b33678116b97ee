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
