//! Attacks on a governance repository's history, each made with plain git
//! (and stock OpenSSH where a signature is forged) on top of a real
//! repository made through the binary. For each, `charter verify` must fail
//! with exit status 1, naming the rule broken and the path that broke it
//! (DESIGN.md §3 and §5). Each test first checks that the history it builds
//! on verifies, so that it fails for the reason it names.

use crate::common::*;

/// uk proposes the open-source amendment and ee seconds it: an open
/// proposal; returns its id.
fn open_proposal(g: &Group) -> String {
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(id, "2026-001-open-source");
    g.act("ee", "second", &id);
    id
}

/// Copies every `change/<path>` of proposal `id` to `<path>` in the work tree.
fn apply_by_hand(g: &Group, id: &str) {
    let dir = proposal_dir(id);
    for lang in ["en", "fr"] {
        let rel = format!("charter/open-source.{lang}.md");
        g.write(&rel, &g.read_file(&format!("{dir}/change/{rel}")));
    }
}

// ---------------------------------------------------------------------------
// Controls: what the attacks do by hand is accepted when done honestly, so an
// attack is refused for what it breaks, not for how it was made.
// ---------------------------------------------------------------------------

#[test]
fn control_hand_signed_acceptance_by_a_member_verifies() {
    let g = Group::d5();
    let id = open_proposal(&g);
    let dir = proposal_dir(&id);
    let msg = g.message(&id, "accept", "il", NOW);
    g.write(&format!("{dir}/signatures/il.accept.msg"), &msg);
    g.write(
        &format!("{dir}/signatures/il.accept.sig"),
        &g.ssh_sign("il", &msg),
    );
    assert!(g.ssh_verifies("il", &format!("{dir}/signatures/il.accept.msg")));
    g.git_commit_all("il accepts, signed with ssh-keygen");
    g.assert_verify_passes();
}

#[test]
fn control_hand_made_finalization_of_an_accepted_proposal_verifies() {
    let g = Group::d5();
    let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let dir = proposal_dir(&id);
    let written = g.git_out(&["show", &format!("HEAD:{dir}/decision.toml")]);
    assert_eq!(format!("{written}\n"), decision(NOW));
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    apply_by_hand(&g, &id);
    g.git_commit_all("finalize by hand");
    g.assert_verify_passes();
}

// ---------------------------------------------------------------------------
// The attacks.
// ---------------------------------------------------------------------------

/// Attack 1: The charter edited and committed with no proposal at all.
#[test]
fn governed_change_without_a_proposal() {
    let g = Group::d5();
    g.assert_verify_passes();
    g.write("charter/open-source.en.md", OPEN_SOURCE_EN);
    g.git_commit_all("Open source by default");
    g.assert_head_violates("governed-change", "charter/open-source.en.md");
}

/// Attack 1b: A member added by hand: its key file and an allowed_signers line.
#[test]
fn member_added_without_a_proposal() {
    let g = Group::d5();
    g.assert_verify_passes();
    let key = std::fs::read_to_string(fixture_key("jp.pub")).unwrap();
    let key = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    g.write(
        "keys/jp.toml",
        &format!("id = \"jp\"\nname = \"Japan\"\njoined = \"{NOW}\"\nkey = \"{key}\"\n"),
    );
    let signers = g.read_file("keys/allowed_signers");
    g.write(
        "keys/allowed_signers",
        &format!("{signers}jp namespaces=\"charter,git\" {key}\n"),
    );
    g.git_commit_all("welcome Japan");
    g.assert_head_violates("governed-change", "keys/allowed_signers");
}

/// Attack 2: A finalization made by hand while kr has not accepted.
#[test]
fn finalization_missing_one_acceptance() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.act("il", "accept", &id);
    g.act("nz", "accept", &id);
    g.assert_verify_passes();
    let dir = proposal_dir(&id);
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    apply_by_hand(&g, &id);
    g.git_commit_all("finalize without kr");
    let f = g.assert_head_violates("finalization", &format!("{dir}/decision.toml"));
    // Names kr.
    insta::assert_snapshot!(f.message, @"2026-001-open-source still needs the acceptance of kr");
}

/// Attack 3: Everyone accepted, but the finalization applies another text.
#[test]
fn applied_text_differs_from_the_accepted_one() {
    let g = Group::d5();
    let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let dir = proposal_dir(&id);
    // Drop the tool's finalization: every acceptance is there, none applied.
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    apply_by_hand(&g, &id);
    g.write(
        "charter/open-source.en.md",
        "# Open source\n\nGovernment code is open source where convenient.\n",
    );
    g.git_commit_all("finalize, with a small edit");
    g.assert_head_violates("applied-exactly", "charter/open-source.en.md");
}

/// Attack 4: An acceptance by il whose signature was made with another key (a
/// valid SSHSIG over the very same message, by an outsider).
#[test]
fn forged_signature_by_another_key() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.assert_verify_passes();
    let dir = proposal_dir(&id);
    let msg_path = format!("{dir}/signatures/il.accept.msg");
    let msg = g.message(&id, "accept", "il", NOW);
    g.write(&msg_path, &msg);
    g.write(
        &format!("{dir}/signatures/il.accept.sig"),
        &g.ssh_sign("outsider", &msg),
    );
    assert!(!g.ssh_verifies("il", &msg_path));
    g.git_commit_all("il accepts (forged)");
    let f = g.assert_head_violates("signature", &msg_path.replace(".msg", ".sig"));
    insta::assert_snapshot!(f.message, @"signature by il made with another key than the signer's");
}

/// Attack 4b: One member signs another member's acceptance with its own key.
#[test]
fn forged_signature_by_another_member() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.assert_verify_passes();
    let dir = proposal_dir(&id);
    let msg_path = format!("{dir}/signatures/il.accept.msg");
    let msg = g.message(&id, "accept", "il", NOW);
    g.write(&msg_path, &msg);
    g.write(
        &format!("{dir}/signatures/il.accept.sig"),
        &g.ssh_sign("nz", &msg),
    );
    assert!(!g.ssh_verifies("il", &msg_path));
    g.git_commit_all("il accepts (signed by nz)");
    g.assert_head_violates("signature", &msg_path.replace(".msg", ".sig"));
}

/// Attack 4c: A genuine signature by il whose bytes were altered.
#[test]
fn forged_signature_with_corrupted_bytes() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.assert_verify_passes();
    let dir = proposal_dir(&id);
    let msg_path = format!("{dir}/signatures/il.accept.msg");
    let msg = g.message(&id, "accept", "il", NOW);
    let sig = g.ssh_sign("il", &msg);
    let corrupted = corrupt_signature(&sig);
    assert_ne!(corrupted, sig);
    g.write(&msg_path, &msg);
    g.write(&format!("{dir}/signatures/il.accept.sig"), &corrupted);
    assert!(!g.ssh_verifies("il", &msg_path));
    g.git_commit_all("il accepts (corrupted)");
    g.assert_head_violates("signature", &msg_path.replace(".msg", ".sig"));
}

/// Attack 5: An acceptance by jp, who is not a member, validly signed with jp's key.
#[test]
fn signature_by_a_non_member() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.assert_verify_passes();
    let dir = proposal_dir(&id);
    let msg_path = format!("{dir}/signatures/jp.accept.msg");
    let msg = g.message(&id, "accept", "jp", NOW);
    g.write(&msg_path, &msg);
    g.write(
        &format!("{dir}/signatures/jp.accept.sig"),
        &g.ssh_sign("jp", &msg),
    );
    g.git_commit_all("jp accepts");
    let f = g.assert_head_violates("signature", &msg_path);
    insta::assert_snapshot!(f.message, @"jp is not a member");
}

/// Attack 6: il's genuine acceptance of proposal A copied into proposal B.
#[test]
fn signature_copied_from_another_proposal() {
    let g = Group::d5();
    let a = open_proposal(&g);
    g.act("il", "accept", &a);
    let b = g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    assert_ne!(a, b);
    g.act("ee", "second", &b);
    g.assert_verify_passes();
    let (da, db) = (proposal_dir(&a), proposal_dir(&b));
    for ext in ["msg", "sig"] {
        let text = g.read_file(&format!("{da}/signatures/il.accept.{ext}"));
        g.write(&format!("{db}/signatures/il.accept.{ext}"), &text);
    }
    let msg_path = format!("{db}/signatures/il.accept.msg");
    assert!(
        g.ssh_verifies("il", &msg_path),
        "the copy is a genuine signature"
    );
    g.git_commit_all("il accepts B (copied from A)");
    g.assert_head_violates("signed-content", &msg_path);
}

/// Attack 7: il's genuine acceptance of the same proposal (same id, same content) in
/// another group's repository, copied in: only the repository line differs.
#[test]
fn signature_from_another_repository() {
    let g = Group::d5();
    let other = Group::d5_at("2026-11-20T08:00:00Z");
    assert_ne!(g.genesis(), other.genesis());
    let id = open_proposal(&g);
    assert_eq!(open_proposal(&other), id);
    other.act("il", "accept", &id);
    other.assert_verify_passes();
    g.assert_verify_passes();
    let dir = proposal_dir(&id);
    // The setup is right: the two repositories' records of the same act
    // differ only in the repository line.
    let here = g.read_file(&format!("{dir}/signatures/ee.second.msg"));
    let there = other.read_file(&format!("{dir}/signatures/ee.second.msg"));
    let differing: Vec<_> = here
        .lines()
        .zip(there.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(differing, ["repository"], "{here}\n{there}");
    for ext in ["msg", "sig"] {
        let text = other.read_file(&format!("{dir}/signatures/il.accept.{ext}"));
        g.write(&format!("{dir}/signatures/il.accept.{ext}"), &text);
    }
    let msg_path = format!("{dir}/signatures/il.accept.msg");
    assert!(
        g.ssh_verifies("il", &msg_path),
        "the copy is a genuine signature"
    );
    g.git_commit_all("il accepts (signed in another repository)");
    let f = g.assert_head_violates("repository", &msg_path);
    // Names the other repository's genesis.
    insta::assert_snapshot!(f.message.replace(&other.genesis(), "[OTHER GENESIS]"), @"signed for another repository ([OTHER GENESIS])");
}

/// Attack 8: The proposed text of an open, signed proposal edited in place.
#[test]
fn proposal_edited_after_it_was_signed() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.act("il", "accept", &id);
    g.assert_verify_passes();
    let path = format!("{}/change/charter/open-source.en.md", proposal_dir(&id));
    g.write(
        &path,
        "# Open source\n\nGovernment code is open source where convenient.\n",
    );
    g.git_commit_all("tweak the proposal");
    g.assert_head_violates("append-only", &path);
}

/// Attack 8b: Content added to a filed proposal (a statement it did not have).
#[test]
fn content_added_to_a_filed_proposal() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.assert_verify_passes();
    let path = format!("{}/statement.md", proposal_dir(&id));
    g.write(&path, "# Why\n\nAn afterthought nobody signed.\n");
    g.git_commit_all("add a statement");
    g.assert_head_violates("append-only", &path);
}

/// Attack 9: kr's objection deleted to unblock the proposal.
#[test]
fn deleted_objection() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.charter("kr")
        .args(["object", &id, "--reason", "Not before the annual review"])
        .assert()
        .success();
    let dir = proposal_dir(&id);
    assert!(g
        .repo
        .join(format!("{dir}/signatures/kr.object.msg"))
        .exists());
    g.assert_verify_passes();
    g.git_out(&["rm", "-q", &format!("{dir}/signatures/kr.object.msg")]);
    g.git_out(&["rm", "-q", &format!("{dir}/signatures/kr.object.sig")]);
    g.git_out(&["commit", "-q", "--no-gpg-sign", "-m", "drop kr's objection"]);
    let f = g.assert_head_violates("append-only", &format!("{dir}/signatures/kr.object.msg"));
    insta::assert_snapshot!(f.message, @"signed record deleted: proposals are append-only");
}

/// Attack 10: A signed record rewritten: il's acceptance re-signed by il, with
/// another date, over the old one.
#[test]
fn signed_record_rewritten() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.act("il", "accept", &id);
    g.assert_verify_passes();
    let msg_path = format!("{}/signatures/il.accept.msg", proposal_dir(&id));
    let old = g.read_file(&msg_path);
    let new = old.replace(&format!("date {NOW}\n"), &format!("date {LATER}\n"));
    assert_ne!(old, new);
    g.write(&msg_path, &new);
    g.write(
        &format!("{}/signatures/il.accept.sig", proposal_dir(&id)),
        &g.ssh_sign("il", &new),
    );
    assert!(g.ssh_verifies("il", &msg_path), "a genuine signature by il");
    g.git_commit_all("il re-dates its acceptance");
    g.assert_head_violates("append-only", &msg_path);
}

/// Attack 11: A file nothing governs, at the top of the tree.
#[test]
fn unknown_path() {
    let g = Group::d5();
    g.assert_verify_passes();
    g.write("README.md", "# Digital 5\n");
    g.git_commit_all("add a readme");
    g.assert_head_violates("unknown-path", "README.md");
}

/// Attack 12: Verifying against a trust root that is not where the history
/// starts: another group's genesis, given out of band, refuses this history.
#[test]
fn trust_root_given_is_not_the_genesis() {
    let g = Group::d5();
    g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.assert_verify_passes();
    let genesis = g.genesis();
    let other = Group::d5_at("2026-11-20T08:00:00Z");
    let pinned = other.genesis();
    g.git_out(&["fetch", "-q", other.repo.to_str().unwrap(), "HEAD"]);
    let f = g.verify_failure_with(&["--root", &pinned]);
    assert_eq!(f.rule, "trust-root", "{}", f.stderr);
    assert_eq!(f.path, ".", "{}", f.stderr);
    assert_eq!(f.commit, genesis[..12], "{}", f.stderr);
    // Names the pinned root.
    insta::assert_snapshot!(f.message.replace(&pinned, "[PINNED]"), @"history starts at another root commit than the trust root [PINNED]");
}

/// A commit with a parent is no trust root: `--root` refuses it as input
/// and records nothing, so the next `verify` still holds.
#[test]
fn a_commit_with_a_parent_is_refused_as_trust_root() {
    let g = Group::d5();
    g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.assert_verify_passes();
    let recorded = g.read_file(".git/charter/root");
    let pinned = g.git_out(&["rev-parse", "HEAD~1"]);
    let out = g
        .read()
        .args(["verify", "--root", "HEAD~1"])
        .output()
        .unwrap();
    let line = assert_one_line_error(
        &out,
        2,
        &["--root 'HEAD~1'", "not a root commit", "nothing recorded"],
    );
    assert!(line.contains(&pinned), "{line}");
    assert_eq!(g.read_file(".git/charter/root"), recorded);
    g.assert_verify_passes();
}

/// Attack 12b: The clone's history replaced by another group's history (another
/// genesis): the trust root recorded in the clone refuses it.
#[test]
fn history_from_another_trust_root() {
    let g = Group::d5();
    let genesis = g.genesis();
    g.assert_verify_passes();
    let other = Group::d5_at("2026-11-20T08:00:00Z");
    other.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    other.assert_verify_passes();
    let foreign = other.genesis();
    assert_ne!(genesis, foreign);
    g.git_out(&["fetch", "-q", other.repo.to_str().unwrap(), "HEAD"]);
    g.git_out(&["reset", "-q", "--hard", "FETCH_HEAD"]);
    let f = g.verify_failure_with(&[]);
    assert_eq!(f.rule, "trust-root", "{}", f.stderr);
    assert_eq!(f.path, ".", "{}", f.stderr);
    assert_eq!(f.commit, foreign[..12], "{}", f.stderr);
    // Names the genesis.
    insta::assert_snapshot!(f.message.replace(&genesis, "[GENESIS]"), @"history starts at another root commit than the trust root [GENESIS]");
}

// ---------------------------------------------------------------------------
// More of the same kind.
// ---------------------------------------------------------------------------

/// A finalization that applies the accepted text and slips in another
/// charter file nobody proposed.
#[test]
fn finalization_smuggles_another_governed_file() {
    let g = Group::d5();
    let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let dir = proposal_dir(&id);
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    apply_by_hand(&g, &id);
    g.write(
        "charter/open-markets.en.md",
        "# Open markets\n\nWe buy from our friends.\n",
    );
    g.git_commit_all("finalize, and one more thing");
    g.assert_head_violates("applied-exactly", "charter/open-markets.en.md");
}

/// A finalization made by hand while an objection stands, though every
/// member has accepted.
#[test]
fn finalization_despite_a_standing_objection() {
    let g = Group::d5();
    let id = open_proposal(&g);
    g.act("il", "accept", &id);
    g.act("nz", "accept", &id);
    g.charter("il")
        .args(["object", &id, "--reason", "Second thoughts"])
        .assert()
        .success();
    g.act("kr", "accept", &id);
    let dir = proposal_dir(&id);
    assert!(
        !g.repo.join(format!("{dir}/decision.toml")).exists(),
        "the tool must not finalize over an objection"
    );
    g.assert_verify_passes();
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    apply_by_hand(&g, &id);
    g.git_commit_all("finalize over il's objection");
    let f = g.assert_head_violates("finalization", &format!("{dir}/decision.toml"));
    insta::assert_snapshot!(f.message, @"2026-001-open-source is blocked by the objection of il");
}

/// A genuine signature for an act the process does not allow: the proposer
/// seconding its own proposal.
#[test]
fn proposer_seconds_its_own_proposal() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.assert_verify_passes();
    let msg_path = format!("{}/signatures/uk.second.msg", proposal_dir(&id));
    let msg = g.message(&id, "second", "uk", NOW);
    g.write(&msg_path, &msg);
    g.write(
        &format!("{}/signatures/uk.second.sig", proposal_dir(&id)),
        &g.ssh_sign("uk", &msg),
    );
    assert!(g.ssh_verifies("uk", &msg_path), "a genuine signature by uk");
    g.git_commit_all("uk seconds its own proposal");
    g.assert_head_violates("process", &msg_path);
}

/// A shallow clone's oldest commit is not the genesis: verifying there would
/// record the shallow boundary as the trust root and refuse the honest
/// history once it is whole. It is refused, and nothing is recorded.
#[test]
fn shallow_clone_is_refused_until_the_history_is_whole() {
    let g = Group::d5();
    g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let clone = g.env.path().join("shallow");
    let url = format!("file://{}", g.repo.display());
    g.git()
        .args(["clone", "-q", "--depth", "2", &url])
        .arg(&clone)
        .assert()
        .success();
    let state = clone.join(".git/charter");
    for args in [&["verify"][..], &["verify", "--full"]] {
        let out = g.env.charter_in(&clone).args(args).output().unwrap();
        let err = assert_one_line_error(&out, 2, &["shallow", "git fetch --unshallow"]);
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            !state.join("root").exists(),
            "{args:?} recorded a trust root"
        );
        assert!(!state.join("verified").exists());
    }
    let key = g.env.key("ee");
    let out = g
        .env
        .charter_in(&clone)
        .arg("--key")
        .arg(&key)
        .arg("sync")
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["shallow"]);
    assert!(!state.join("root").exists(), "sync recorded a trust root");
    g.env
        .git_in(&clone)
        .args(["fetch", "-q", "--unshallow"])
        .assert()
        .success();
    let out = g.env.charter_in(&clone).arg("verify").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(state.join("root")).unwrap().trim(),
        g.genesis()
    );
}

/// A group of uk and ee whose charter has two principles, open-source and
/// open-markets: a genesis made by hand, which verifies.
fn two_principles() -> Group {
    let made = crate::membership::pair();
    let hand = crate::membership::genesis_by_hand(&made, "two", |_, text| Some(text));
    // The repository lives in `made`'s folder, with its keys.
    let g = Group {
        env: made.env,
        repo: hand.repo,
    };
    for entry in std::fs::read_dir(g.repo.join("charter")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !(name.starts_with("open-source.") || name.starts_with("open-markets.")) {
            g.git_out(&["rm", "-q", &format!("charter/{name}")]);
        }
    }
    g.write(
        "charter/index.toml",
        "principles = [\n  \"open-source\",\n  \"open-markets\",\n]\n",
    );
    g.git_out(&["add", "-A"]);
    g.git_out(&[
        "commit",
        "-q",
        "--amend",
        "--no-gpg-sign",
        "-m",
        "genesis by hand",
    ]);
    g.assert_verify_passes();
    g
}

/// Retires `principle` with plain git and ssh-keygen, as the binary would:
/// uk's proposal (the index left with `remaining`), ee's second, and the
/// finalization that applies it. Returns the proposal's id.
fn retire_by_hand(g: &Group, n: u32, principle: &str, remaining: &[&str]) -> String {
    let id = format!("2026-00{n}-{principle}");
    let dir = proposal_dir(&id);
    let blob = |rel: &str| {
        g.git_out(&["rev-parse", &format!("HEAD:{rel}")])
            .trim()
            .to_string()
    };
    let texts = ["en", "fr"].map(|l| format!("charter/{principle}.{l}.md"));
    g.write(
        &format!("{dir}/proposal.toml"),
        &format!(
            "kind = \"retire\"\ntitle = 'Retire \"{principle}\"'\nproposer = \"uk\"\ncreated = \"{NOW}\"\n\
             deadline = \"2027-02-21T10:00:00Z\"\nprinciple = \"{principle}\"\n\
             removes = [\"{}\", \"{}\"]\n\n[base]\n\"charter/index.toml\" = \"{}\"\n\"{}\" = \"{}\"\n\"{}\" = \"{}\"\n",
            texts[0],
            texts[1],
            blob("charter/index.toml"),
            texts[0],
            blob(&texts[0]),
            texts[1],
            blob(&texts[1]),
        ),
    );
    let mut index = String::from("principles = [\n");
    for p in remaining {
        index.push_str(&format!("  \"{p}\",\n"));
    }
    index.push_str("]\n");
    g.write(&format!("{dir}/change/charter/index.toml"), &index);
    let sum = std::process::Command::new("sh")
        .arg("-c")
        .arg("find proposal.toml change -type f | LC_ALL=C sort | xargs sha256sum | sha256sum")
        .current_dir(g.repo.join(&dir))
        .output()
        .unwrap();
    let digest = String::from_utf8(sum.stdout).unwrap()[..64].to_string();
    for (who, act) in [("uk", "propose"), ("ee", "second")] {
        let msg = format!(
            "charter signature v1\nrepository {}\nproposal {id}\ndigest sha256:{digest}\nact {act}\nsigner {who}\ndate {NOW}\n",
            g.genesis()
        );
        g.write(&format!("{dir}/signatures/{who}.{act}.msg"), &msg);
        g.write(
            &format!("{dir}/signatures/{who}.{act}.sig"),
            &g.ssh_sign(who, &msg),
        );
        g.git_commit_all(&format!("{who} {act}s {id}, by hand"));
    }
    g.write(
        &format!("{dir}/decision.toml"),
        &format!("outcome = \"adopted\"\ndate = \"{NOW}\"\nelectorate = [\"ee\", \"uk\"]\n"),
    );
    g.write("charter/index.toml", &index);
    for t in &texts {
        g.git_out(&["rm", "-q", t]);
    }
    g.git_commit_all(&format!("finalize {id}, by hand"));
    id
}

/// Attack: every member signs the retirement of the charter's last
/// principle, made by hand since `propose retire` refuses it: an empty
/// charter. The control retires the other principle the same way and
/// verifies.
#[test]
fn the_last_principle_retired_by_hand() {
    let g = two_principles();
    retire_by_hand(&g, 1, "open-markets", &["open-source"]);
    g.assert_verify_passes();
    let err = g.assert_refused(
        g.charter("uk").args(["propose", "retire", "open-source"]),
        &[],
    );
    assert_eq!(
        err,
        "error: the last principle of a charter cannot be retired\n"
    );
    retire_by_hand(&g, 2, "open-source", &[]);
    let f = g.assert_head_violates("malformed", "charter/index.toml");
    assert!(f.message.contains("no principle"), "{}", f.stderr);
}
