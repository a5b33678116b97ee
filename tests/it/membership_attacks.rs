//! Attacks on the membership process (DESIGN.md §3–§5), each made with plain
//! git (file edits, `git rm`, `git commit`) and stock OpenSSH (`ssh-keygen -Y
//! sign -n charter`) on top of a real repository made through the binary.
//! Each test first checks that the history it builds on verifies, then that
//! `charter verify` fails with exit status 1 on the attacker's commit (HEAD),
//! naming the rule broken and the exact path that broke it. Controls show
//! that what the attacks do by hand verifies when it is done honestly, so an
//! attack is refused for what it breaks, not for how it was made.

use crate::common::*;

/// jp's application, when it is a group's first proposal.
const APPLICATION: &str = "2026-001-member-jp";
const REASON: &str = "No longer takes part in the group's work";

/// A fixture's public key as the tool registers it: `ssh-ed25519 AAAA...`.
fn public_key(name: &str) -> String {
    let text = std::fs::read_to_string(fixture_key(&format!("{name}.pub"))).unwrap();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `charter apply --template` with every section filled, except the
/// sections whose heading contains `omit`, which are left out entirely.
fn statement(g: &Group, omit: Option<&str>) -> String {
    let out = g.read().args(["apply", "--template"]).output().unwrap();
    assert!(out.status.success(), "apply --template: {}", stderr(&out));
    let template = stdout(&out);
    let mut text = String::new();
    let mut skipping = false;
    for line in template.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            skipping = omit.is_some_and(|o| heading.contains(o));
            if !skipping {
                text.push_str(&format!("{line}\n\nWhat we do: {heading}.\n"));
            }
            continue;
        }
        if !skipping {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// jp applies through the binary, signing with its own key; returns the id.
fn apply(g: &Group) -> String {
    let file = g.env.path().join("statement.md");
    std::fs::write(&file, statement(g, None)).unwrap();
    let out = g
        .charter("jp")
        .args(["apply", "--id", "jp", "--name", "Japan", "--statement"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "apply: {}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert!(id.ends_with("-member-jp"), "{id}");
    id
}

/// jp applies, uk proposes it, ee seconds, and each of `acceptors` accepts,
/// all through the binary; returns the application's id.
fn admission(g: &Group, acceptors: &[&str]) -> String {
    let id = apply(g);
    g.charter("uk")
        .args(["propose", "member", "jp"])
        .assert()
        .success();
    g.act("ee", "second", &id);
    for who in acceptors {
        g.act(who, "accept", &id);
    }
    id
}

/// jp admitted by all five founders: the last acceptance finalizes it.
fn admit(g: &Group) -> String {
    let id = admission(g, &["il", "nz", "kr"]);
    assert!(
        g.repo
            .join(proposal_dir(&id))
            .join("decision.toml")
            .exists(),
        "the last acceptance should finalize the admission"
    );
    id
}

/// uk proposes to remove `who`; returns the proposal id.
fn propose_removal(g: &Group, who: &str) -> String {
    let out = g
        .charter("uk")
        .args(["propose", "remove-member", who, "--reason", REASON])
        .output()
        .unwrap();
    assert!(out.status.success(), "remove-member: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// uk proposes to remove nz, ee seconds, each of `acceptors` accepts.
fn removal(g: &Group, acceptors: &[&str]) -> String {
    let id = propose_removal(g, "nz");
    g.act("ee", "second", &id);
    for who in acceptors {
        g.act(who, "accept", &id);
    }
    id
}

/// What HEAD's commit did, path by path: its new content, or `None` for a
/// deletion. Used to copy a real finalization made in another group.
fn head_files(g: &Group) -> Vec<(String, Option<String>)> {
    g.git_out(&["diff-tree", "-r", "--name-status", "HEAD~1", "HEAD"])
        .lines()
        .map(|line| {
            let (status, path) = line.split_once('\t').unwrap();
            let text = (status != "D").then(|| g.read_file(path));
            (path.to_string(), text)
        })
        .collect()
}

/// The canonical message of an act on proposal `id` as the work tree holds it.
fn message(g: &Group, id: &str, act: &str, signer: &str, date: &str) -> String {
    format!(
        "charter signature v1\nrepository {}\nproposal {id}\ndigest {}\nact {act}\nsigner {signer}\ndate {date}\n",
        g.genesis(),
        g.coreutils_digest(id)
    )
}

/// Writes the record `<signer>.<act>.msg/.sig` on proposal `id`, signed by
/// hand with fixture key `key`; returns the path of the `.msg`.
fn sign_record(g: &Group, id: &str, signer: &str, act: &str, key: &str, date: &str) -> String {
    let msg = message(g, id, act, signer, date);
    let base = format!("{}/signatures/{signer}.{act}", proposal_dir(id));
    g.write(&format!("{base}.msg"), &msg);
    g.write(&format!("{base}.sig"), &g.ssh_sign(key, &msg));
    format!("{base}.msg")
}

/// Checks a record in the work tree with stock OpenSSH against fixture
/// `key`'s public key alone, as identity `who`; true if it verifies.
fn ssh_verifies_with(g: &Group, who: &str, key: &str, msg_rel: &str) -> bool {
    let signers = g.env.path().join("by-hand").join("one_signer");
    std::fs::create_dir_all(signers.parent().unwrap()).unwrap();
    std::fs::write(
        &signers,
        format!("{who} namespaces=\"charter\" {}\n", public_key(key)),
    )
    .unwrap();
    std::process::Command::new("ssh-keygen")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", g.env.path())
        .args(["-Y", "verify", "-n", "charter", "-I", who, "-f"])
        .arg(&signers)
        .arg("-s")
        .arg(g.repo.join(sig_path(msg_rel)))
        .stdin(std::fs::File::open(g.repo.join(msg_rel)).unwrap())
        .output()
        .unwrap()
        .status
        .success()
}

/// An application by jp made by hand: proposal.toml naming jp's key, the
/// statement (missing the section `omit` names, if any), and the `apply`
/// record signed with fixture key `key`. Returns the `.msg` path.
fn hand_made_application(g: &Group, omit: Option<&str>, key: &str) -> String {
    let dir = proposal_dir(APPLICATION);
    g.write(
        &format!("{dir}/proposal.toml"),
        &format!(
            "kind = \"member\"\ntitle = \"Admit Japan (jp)\"\ncreated = \"{NOW}\"\n\
             member = \"jp\"\nname = \"Japan\"\nkey = \"{}\"\n\n[base]\n",
            public_key("jp")
        ),
    );
    g.write(&format!("{dir}/statement.md"), &statement(g, omit));
    sign_record(g, APPLICATION, "jp", "apply", key, NOW)
}

/// `proposal.toml` of uk's rotation to outsider's key, as the tool writes it.
fn rotation_file() -> String {
    format!(
        "kind = \"rotate-key\"\ntitle = \"uk (uk) rotates its key\"\nproposer = \"uk\"\n\
         created = \"{NOW}\"\nmember = \"uk\"\nkey = \"{}\"\n\n[base]\n",
        public_key("outsider")
    )
}

/// The finalization files of a real rotation of uk's key to outsider's,
/// made through the binary in another group.
fn real_rotation_files() -> Vec<(String, Option<String>)> {
    let other = Group::d5();
    other
        .charter("uk")
        .arg("key")
        .arg("rotate")
        .arg("--new-key")
        .arg(other.env.key("outsider"))
        .assert()
        .success();
    other.assert_verify_passes();
    head_files(&other)
}

/// A rotation of uk's key to outsider's made by hand in one commit: the
/// proposal, its `uk.propose` record signed with fixture key `propose_key`,
/// its `uk.confirm-key` record signed with the new key, and the
/// finalization copied from a real rotation. Returns the propose `.msg` path.
fn hand_made_rotation(g: &Group, propose_key: &str) -> String {
    let id = "2026-001-rotate-key-uk";
    let files = real_rotation_files();
    let decision = format!("{}/decision.toml", proposal_dir(id));
    assert!(files.iter().any(|(p, _)| *p == decision), "{files:?}");
    g.write(
        &format!("{}/proposal.toml", proposal_dir(id)),
        &rotation_file(),
    );
    let propose = sign_record(g, id, "uk", "propose", propose_key, NOW);
    sign_record(g, id, "uk", "confirm-key", "outsider", NOW);
    put_files(g, &files);
    propose
}

// ---------------------------------------------------------------------------
// Controls.
// ---------------------------------------------------------------------------

/// The digest and message computed by hand are the tool's.
#[test]
fn control_hand_computed_message_is_the_tools() {
    let g = Group::d5();
    let id = apply(&g);
    let msg = format!("{}/signatures/jp.apply.msg", proposal_dir(&id));
    assert_eq!(message(&g, &id, "apply", "jp", NOW), g.read_file(&msg));
}

/// A hand-made finalization of an admission every member accepted, copied
/// from a real one made in another group, verifies.
#[test]
fn control_hand_made_admission_verifies() {
    let other = Group::d5();
    admit(&other);
    let files = head_files(&other);
    let g = Group::d5();
    admit(&g);
    // Drop the tool's finalization: every acceptance is there, none applied.
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    put_files(&g, &files);
    g.git_commit_all("admit Japan by hand");
    g.assert_verify_passes();
}

/// An application filed by hand, complete and signed by the candidate,
/// verifies.
#[test]
fn control_hand_made_application_verifies() {
    let g = Group::d5();
    let msg = hand_made_application(&g, None, "jp");
    assert!(ssh_verifies_with(&g, "jp", "jp", &msg));
    g.git_commit_all("jp applies, by hand");
    g.assert_verify_passes();
}

/// A rotation made by hand, signed by the old key and confirmed by the new
/// one, and finalized at once, verifies.
#[test]
fn control_hand_made_rotation_verifies() {
    let g = Group::d5();
    g.assert_verify_passes();
    hand_made_rotation(&g, "uk");
    g.git_commit_all("uk rotates its key, by hand");
    g.assert_verify_passes();
}

/// A hand-made finalization of a removal all the other members accepted,
/// copied from a real one, verifies.
#[test]
fn control_hand_made_removal_verifies() {
    let other = Group::d5();
    removal(&other, &["il", "kr"]);
    let files = head_files(&other);
    assert!(files
        .iter()
        .any(|(p, t)| p == "keys/nz.toml" && t.is_none()));
    let g = Group::d5();
    removal(&g, &["il", "kr"]);
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    put_files(&g, &files);
    g.git_commit_all("remove nz by hand");
    g.assert_verify_passes();
}

// ---------------------------------------------------------------------------
// The attacks.
// ---------------------------------------------------------------------------

/// Attack 1: jp's admission finalized by hand while kr has not accepted;
/// the decision and key files are copied from a real admission.
#[test]
fn admission_finalized_without_one_acceptance() {
    let other = Group::d5();
    admit(&other);
    let files = head_files(&other);
    let g = Group::d5();
    let id = admission(&g, &["il", "nz"]);
    g.assert_verify_passes();
    put_files(&g, &files);
    g.git_commit_all("admit Japan without kr");
    let f = g.assert_head_violates(
        "finalization",
        &format!("{}/decision.toml", proposal_dir(&id)),
    );
    // Names kr.
    insta::assert_snapshot!(f.message, @"2026-001-member-jp still needs the acceptance of kr");
}

/// Attack 2: jp's key file and allowed_signers line, exactly as a real
/// admission writes them, added by hand with no proposal at all.
#[test]
fn key_file_added_without_a_proposal() {
    let other = Group::d5();
    admit(&other);
    let files = head_files(&other);
    let g = Group::d5();
    g.assert_verify_passes();
    for path in ["keys/jp.toml", "keys/allowed_signers"] {
        g.write(path, &content_of(&files, path));
    }
    g.git_commit_all("welcome Japan");
    g.assert_head_violates("governed-change", "keys/allowed_signers");
}

/// Attack 3: uk's registered key swapped for outsider's, in keys/uk.toml and
/// allowed_signers alike.
#[test]
fn key_swapped_by_hand() {
    let g = Group::d5();
    g.assert_verify_passes();
    let (uk, outsider) = (public_key("uk"), public_key("outsider"));
    for path in ["keys/uk.toml", "keys/allowed_signers"] {
        let text = g.read_file(path);
        assert!(text.contains(&uk), "{path}: {text}");
        g.write(path, &text.replace(&uk, &outsider));
    }
    g.git_commit_all("uk's new key");
    g.assert_head_violates("governed-change", "keys/allowed_signers");
}

/// Attack 4: an application whose proposal.toml names jp's key, but whose
/// `apply` record is signed with outsider's key.
#[test]
fn application_signed_by_another_key() {
    let g = Group::d5();
    g.assert_verify_passes();
    let msg = hand_made_application(&g, None, "outsider");
    assert!(!ssh_verifies_with(&g, "jp", "jp", &msg));
    g.git_commit_all("jp applies (signed by outsider)");
    let f = g.assert_head_violates("signature", &sig_path(&msg));
    insta::assert_snapshot!(f.message, @"signature by jp made with another key than the signer's");
}

/// Attack 4b: the tool's own application, its `.sig` replaced (in the very
/// commit that files it) by outsider's signature over the same message.
#[test]
fn application_signature_replaced() {
    let g = Group::d5();
    let id = apply(&g);
    let dir = proposal_dir(&id);
    let msg = format!("{dir}/signatures/jp.apply.msg");
    let text = g.read_file(&msg);
    let others: Vec<(String, String)> = [
        format!("{dir}/proposal.toml"),
        format!("{dir}/statement.md"),
    ]
    .into_iter()
    .map(|p| {
        let t = g.read_file(&p);
        (p, t)
    })
    .collect();
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    for (p, t) in &others {
        g.write(p, t);
    }
    g.write(&msg, &text);
    g.write(&sig_path(&msg), &g.ssh_sign("outsider", &text));
    g.git_commit_all("jp applies (signature replaced)");
    g.assert_head_violates("signature", &sig_path(&msg));
}

/// Attack 5: nz, removed from the group, still signs: a valid signature by
/// nz's own key, accepting a proposal that was open when nz was a member.
#[test]
fn removed_member_still_signs() {
    let g = Group::d5();
    let open = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &open);
    let id = removal(&g, &["il", "kr"]);
    assert!(g
        .repo
        .join(proposal_dir(&id))
        .join("decision.toml")
        .exists());
    assert!(g.repo.join("keys/former/nz.toml").exists());
    g.assert_verify_passes();
    let msg = sign_record(&g, &open, "nz", "accept", "nz", LATER);
    g.git_commit_all("nz accepts");
    let f = g.assert_head_violates("signature", &msg);
    insta::assert_snapshot!(f.message, @"nz is not a member");
}

/// Attack 5b: nz left the group (its own signed departure), then signs.
#[test]
fn departed_member_still_signs() {
    let g = Group::d5();
    let open = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &open);
    g.charter("nz").arg("leave").assert().success();
    assert!(g.repo.join("keys/former/nz.toml").exists());
    g.assert_verify_passes();
    let msg = sign_record(&g, &open, "nz", "accept", "nz", LATER);
    g.git_commit_all("nz accepts");
    let f = g.assert_head_violates("signature", &msg);
    insta::assert_snapshot!(f.message, @"nz is not a member");
}

/// Attack 6: a rotation of uk's key whose `uk.propose` record is signed by
/// the new key: only the new key signed. Filed and finalized in one commit.
#[test]
fn rotation_signed_by_the_new_key_only() {
    let g = Group::d5();
    g.assert_verify_passes();
    let propose = hand_made_rotation(&g, "outsider");
    g.git_commit_all("uk rotates its key (new key only)");
    let f = g.assert_head_violates("signature", &sig_path(&propose));
    insta::assert_snapshot!(f.message, @"signature by uk made with another key than the signer's");
}

/// Attack 6b: uk rotated its key through the binary; its old key, no longer
/// registered, still signs an acceptance as uk.
#[test]
fn rotated_out_key_still_signs() {
    let g = Group::d5();
    let open = g.propose_amend("ee", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("il", "second", &open);
    g.charter("uk")
        .arg("key")
        .arg("rotate")
        .arg("--new-key")
        .arg(g.env.key("outsider"))
        .assert()
        .success();
    assert!(g
        .read_file("keys/uk.toml")
        .contains(&public_key("outsider")));
    g.assert_verify_passes();
    let msg = sign_record(&g, &open, "uk", "accept", "uk", LATER);
    g.git_commit_all("uk accepts, with its old key");
    let f = g.assert_head_violates("signature", &sig_path(&msg));
    insta::assert_snapshot!(f.message, @"signature by uk made with another key than the signer's");
}

/// Attack 7: nz's removal finalized by hand while kr, one of the other
/// members, has not accepted.
#[test]
fn removal_finalized_without_all_other_members() {
    let other = Group::d5();
    removal(&other, &["il", "kr"]);
    let files = head_files(&other);
    let g = Group::d5();
    let id = removal(&g, &["il"]);
    g.assert_verify_passes();
    put_files(&g, &files);
    g.git_commit_all("remove nz without kr");
    let f = g.assert_head_violates(
        "finalization",
        &format!("{}/decision.toml", proposal_dir(&id)),
    );
    // Names kr.
    insta::assert_snapshot!(f.message, @"2026-001-remove-member-nz still needs the acceptance of kr");
}

/// Attack 7b: nz votes on its own removal, standing in for kr: nz's valid
/// acceptance and the finalization in one commit.
#[test]
fn removed_member_votes_on_its_own_removal() {
    let other = Group::d5();
    removal(&other, &["il", "kr"]);
    let files = head_files(&other);
    let g = Group::d5();
    let id = removal(&g, &["il"]);
    g.assert_verify_passes();
    let msg = sign_record(&g, &id, "nz", "accept", "nz", NOW);
    put_files(&g, &files);
    g.git_commit_all("remove nz, with nz's own vote");
    let f = g.assert_head_violates("process", &msg);
    insta::assert_snapshot!(f.message, @"nz is concerned by 2026-001-remove-member-nz and does not take part in the decision");
}

/// Attack 7c: every other member accepted nz's removal, but the decision
/// records nz in the electorate: nz counted as a voter on its own removal.
#[test]
fn removal_decision_counts_the_removed_member() {
    let g = Group::d5();
    let id = removal(&g, &["il", "kr"]);
    let mut files = head_files(&g);
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    let decision = format!("{}/decision.toml", proposal_dir(&id));
    let real = content_of(&files, &decision);
    let wrong = "electorate = [\"ee\", \"il\", \"kr\", \"nz\", \"uk\"]";
    let forged = real.replace("electorate = [\"ee\", \"il\", \"kr\", \"uk\"]", wrong);
    assert!(forged.contains(wrong), "{real}");
    for (p, t) in &mut files {
        if *p == decision {
            *t = Some(forged.clone());
        }
    }
    put_files(&g, &files);
    g.git_commit_all("remove nz, nz voting");
    let f = g.assert_head_violates("finalization", &decision);
    insta::assert_snapshot!(f.message, @"the electorate recorded is not the members in force");
}

/// Attack 8: an application whose statement has no section on open source,
/// filed by hand (the tool refuses it) and properly signed by jp.
#[test]
fn application_statement_lacks_a_principle() {
    let g = Group::d5();
    g.assert_verify_passes();
    hand_made_application(&g, Some("(open-source)"), "jp");
    g.git_commit_all("jp applies, without open source");
    let path = format!("{}/statement.md", proposal_dir(APPLICATION));
    let f = g.assert_head_violates("process", &path);
    insta::assert_snapshot!(f.message, @"the statement of interest lacks: Open source (open-source)");
}

/// Attack 9: every member accepted jp's application, but the finalization
/// registers outsider's key for jp (in keys/jp.toml and allowed_signers
/// alike) instead of the key jp applied and signed with.
#[test]
fn admission_registers_another_key() {
    let g = Group::d5();
    admit(&g);
    let files = head_files(&g);
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    let (jp, outsider) = (public_key("jp"), public_key("outsider"));
    for (path, text) in &files {
        let text = text.as_deref().unwrap();
        if path.starts_with("keys/") {
            assert!(text.contains(&jp), "{path}: {text}");
        }
        g.write(path, &text.replace(&jp, &outsider));
    }
    assert!(files.iter().any(|(p, _)| p.ends_with("decision.toml")));
    g.git_commit_all("admit Japan, with another key");
    g.assert_head_violates("applied-exactly", "keys/jp.toml");
}

/// Attack 9b: as 9, but allowed_signers left as the admission makes it: only
/// keys/jp.toml registers outsider's key.
#[test]
fn admission_registers_another_key_in_the_member_file() {
    let g = Group::d5();
    admit(&g);
    let files = head_files(&g);
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    put_files(&g, &files);
    let (jp, outsider) = (public_key("jp"), public_key("outsider"));
    g.write(
        "keys/jp.toml",
        &g.read_file("keys/jp.toml").replace(&jp, &outsider),
    );
    g.git_commit_all("admit Japan, with another key in keys/jp.toml");
    g.assert_head_violates("applied-exactly", "keys/jp.toml");
}

/// Attack 10: jp joined while an amendment was open; the amendment is
/// finalized by hand with the acceptance of the five founders only, as if the
/// electorate were still the members of the day it was proposed.
#[test]
fn finalization_ignores_a_member_who_joined_meanwhile() {
    let g = Group::d5();
    let open = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(open, "2026-001-open-source");
    g.act("ee", "second", &open);
    let id = admit(&g);
    assert_eq!(id, "2026-002-member-jp");
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &open);
    }
    let dir = proposal_dir(&open);
    assert!(
        !g.repo.join(&dir).join("decision.toml").exists(),
        "the tool must wait for jp"
    );
    g.assert_verify_passes();
    g.write(
        &format!("{dir}/decision.toml"),
        &format!(
            "outcome = \"adopted\"\ndate = \"{NOW}\"\n\
             electorate = [\"ee\", \"il\", \"kr\", \"nz\", \"uk\"]\n"
        ),
    );
    for lang in ["en", "fr"] {
        let rel = format!("charter/open-source.{lang}.md");
        g.write(&rel, &g.read_file(&format!("{dir}/change/{rel}")));
    }
    g.git_commit_all("adopt open source without jp");
    let f = g.assert_head_violates("finalization", &format!("{dir}/decision.toml"));
    // Names jp.
    insta::assert_snapshot!(f.message, @"2026-001-open-source still needs the acceptance of jp");
}
