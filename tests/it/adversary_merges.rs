//! Decisions from an old branch, merged later (DESIGN.md §5, "One order").
//!
//! History is judged as one sequence of records in the first-parent order of
//! the verified branch; a merge brings the records its second parent adds,
//! placed at the merge, and every act and decision it brings is judged there
//! by the rules in force there: the members and keys of the first parent,
//! the electorate at the merge, standing objections, withdrawal, deadline. A
//! merge carries every signed record of both parents unchanged, and the
//! governed files at the merge are the first parent's plus the effects of
//! the decisions it brings. A violation a merge brings is reported at the
//! merge commit.
//!
//! Every attack here is built the way an attacker (or a careless merger)
//! would: a side branch started with `git checkout -b` from an old commit,
//! acts on it made with the real binary (which acts on the checked-out
//! branch) or signed by hand with `ssh-keygen -Y sign`, and a plain
//! `git merge`. Each side verifies on its own: only the merge is wrong. Each
//! attack sits beside an honest control of the same shape that verifies.

use crate::common::remote::{Peer, Remote};
use crate::common::*;

/// When main moves on, after the fork.
const T1: &str = "2026-11-24T10:00:00Z";
/// When the side branch acts: later still.
const T2: &str = "2026-11-25T10:00:00Z";
/// Later again, on main.
const T3: &str = "2026-11-26T10:00:00Z";
/// After the first proposals (at [`NOW`]) and before [`T1`]: the date of
/// events before the fork in some controls, and of backdated acts.
const EARLY: &str = "2026-11-23T12:00:00Z";

/// The branch every test forks.
const SIDE: &str = "side";

/// Another text for the open-source principle than [`OPEN_SOURCE_EN`].
const OTHER_OPEN_SOURCE_EN: &str =
    "# Open source\n\nGovernment code is open source when we like.\n";
const OTHER_OPEN_SOURCE_FR: &str =
    "# Logiciel libre\n\nLe code public est libre quand cela nous plaît.\n";

// ---------------------------------------------------------------------------
// Helpers: one to fork and act on both sides, one to merge.
// ---------------------------------------------------------------------------

/// `<proposal dir>/decision.toml`.
fn decision_of(id: &str) -> String {
    format!("{}/decision.toml", proposal_dir(id))
}

/// The history forks at HEAD (on main): `on_main` happens on main at clock
/// [`T1`]; then `on_side` on branch [`SIDE`], started from the fork point
/// with `git checkout -b`, at clock [`T2`]. Each side must verify on its own.
/// Leaves main checked out, not yet merged.
fn fork_and_act(g: &mut Group, on_main: impl FnOnce(&mut Group), on_side: impl FnOnce(&mut Group)) {
    assert_eq!(g.git_out(&["branch", "--show-current"]), "main");
    let fork_point = g.head();
    g.at(T1);
    on_main(g);
    assert_eq!(g.git_out(&["branch", "--show-current"]), "main");
    g.assert_verify_passes();
    g.git_out(&["checkout", "-q", "-b", SIDE, &fork_point]);
    g.at(T2);
    on_side(g);
    assert_eq!(
        g.git_out(&["branch", "--show-current"]),
        SIDE,
        "the charter CLI acts on the checked-out branch"
    );
    assert_side_verifies(g);
    g.git_out(&["checkout", "-q", "main"]);
}

/// The side branch verifies on its own (`verify --full` with the side
/// checked out), without moving this clone's record of what it verified.
fn assert_side_verifies(g: &Group) {
    let state = g.repo.join(".git/charter/verified");
    let saved = std::fs::read(&state).ok();
    let branch = g.git_out(&["branch", "--show-current"]);
    g.git_out(&["checkout", "-q", SIDE]);
    let out = g.read().args(["verify", "--full"]).output().unwrap();
    assert!(
        out.status.success(),
        "the side branch alone must verify: {}",
        stderr(&out)
    );
    g.git_out(&["checkout", "-q", &branch]);
    match saved {
        Some(bytes) => std::fs::write(&state, bytes).unwrap(),
        None => {
            let _ = std::fs::remove_file(&state);
        }
    }
}

/// `git merge --no-ff side` into main, as `git pull --no-rebase` makes it
/// (a clean merge, no hand edits); returns the merge commit.
fn merge_side(g: &Group) -> String {
    g.git_out(&["checkout", "-q", "main"]);
    g.git_merge(SIDE);
    assert_is_merge_of_side(g)
}

/// Merges the side into main with `--no-commit` (conflicts allowed), lets
/// `resolve` shape the merge's work tree by hand, and commits it with plain
/// git; returns the merge commit.
fn merge_side_by_hand(g: &Group, resolve: impl FnOnce(&Group)) -> String {
    g.git_out(&["checkout", "-q", "main"]);
    // Exits 1 when there are conflicts: that is for `resolve` to settle.
    let _ = g
        .git()
        .args(["merge", "-q", "--no-ff", "--no-commit", SIDE])
        .output()
        .unwrap();
    resolve(g);
    g.git_out(&["add", "-A"]);
    assert_eq!(
        g.git_out(&["diff", "--name-only", "--diff-filter=U"]),
        "",
        "every conflict resolved"
    );
    g.git_out(&[
        "commit",
        "-q",
        "--no-gpg-sign",
        "-m",
        "Merge branch 'side' (resolved by hand)",
    ]);
    assert_is_merge_of_side(g)
}

/// HEAD is a merge whose parents are main's previous tip and the side.
fn assert_is_merge_of_side(g: &Group) -> String {
    let line = g.git_out(&["rev-list", "--parents", "-n", "1", "HEAD"]);
    let ids: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(ids.len(), 3, "a merge of two histories: {line}");
    assert_eq!(ids[2], g.git_out(&["rev-parse", SIDE]), "second parent");
    ids[0].to_string()
}

/// `charter verify` and `verify --full` both hold.
fn assert_verifies(g: &Group) {
    g.assert_verify_passes();
    let out = g.read().args(["verify", "--full"]).output().unwrap();
    assert!(
        out.status.success(),
        "verify --full should pass: {}",
        stderr(&out)
    );
}

/// `charter verify` (incremental: main's tip before the merge was verified)
/// and `verify --full` both fail AT THE MERGE, under one of `rules`, at a
/// path `path_ok` accepts (`expected` describes it). Returns the full run's
/// violation.
fn assert_merge_refused(
    g: &Group,
    merge: &str,
    rules: &[&str],
    expected: &str,
    path_ok: impl Fn(&str) -> bool,
) -> Failed {
    assert_eq!(g.head(), merge);
    let mut last = None;
    for args in [&[][..], &["--full"][..]] {
        let f = g.verify_failure_with(args);
        assert_eq!(
            f.commit,
            merge[..12],
            "verify {args:?}: the violation belongs to the merge commit: {}",
            f.stderr
        );
        assert!(
            rules.contains(&f.rule.as_str()),
            "verify {args:?}: expected rule {rules:?}: {}",
            f.stderr
        );
        assert!(
            path_ok(&f.path),
            "verify {args:?}: expected path {expected}: {}",
            f.stderr
        );
        last = Some(f);
    }
    last.unwrap()
}

/// A signed act made by hand, as anyone can with stock OpenSSH: the
/// canonical message of `act` by `signer` on proposal `id`, dated `date`
/// (with `reason` for an objection), signed with `ssh-keygen -Y sign` using
/// key `key`, written in the work tree and committed with plain git on the
/// checked-out branch. Returns the `.msg` path.
fn sign_by_hand(
    g: &Group,
    id: &str,
    act: &str,
    signer: &str,
    key: &str,
    date: &str,
    reason: Option<&str>,
) -> String {
    let mut msg = g.message(id, act, signer, date);
    if let Some(reason) = reason {
        msg.push_str(&format!("reason {reason}\n"));
    }
    let stem = format!("{}/signatures/{signer}.{act}", proposal_dir(id));
    g.write(&format!("{stem}.msg"), &msg);
    g.write(&format!("{stem}.sig"), &g.ssh_sign(key, &msg));
    g.git_commit_all(&format!("{signer} {act}s {id} (signed with ssh-keygen)"));
    format!("{stem}.msg")
}

/// Is `path` the `.msg` or the `.sig` of the record `msg`?
fn is_record(path: &str, msg: &str) -> bool {
    path == msg || path == format!("{}.sig", msg.trim_end_matches(".msg"))
}

/// il, nz and kr accept `id` (seconded by ee, proposed by uk): the last
/// acceptance finalizes it.
fn adopt(g: &Group, id: &str) {
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", id);
    }
    assert!(exists(g, &decision_of(id)), "{id} finalized");
}

/// uk proposes the open-standards amendment and ee seconds it: an
/// unrelated open proposal. Returns its id.
fn unrelated_amendment(g: &Group) -> String {
    let id = g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    g.act("ee", "second", &id);
    id
}

/// The removal of kr: uk proposes, ee seconds, il and nz accept (kr does
/// not vote on its own removal); finalized.
fn remove_kr(g: &Group) {
    let rm = g.run_as(
        "uk",
        &[
            "propose",
            "remove-member",
            "kr",
            "--reason",
            "Korea no longer meets the charter",
        ],
    );
    g.act("ee", "second", &rm);
    g.act("il", "accept", &rm);
    g.act("nz", "accept", &rm);
    assert!(!exists(g, "keys/kr.toml"), "kr removed");
    assert!(exists(g, "keys/former/kr.toml"), "kr removed");
}

/// il rotates its key to a new one, `il2` (so `g.charter("il2")` and
/// `g.ssh_sign("il2", ..)` use it).
fn rotate_il(g: &Group) {
    let new = g.new_key("il2");
    let out = g
        .charter("il")
        .args(["key", "rotate", "--new-key"])
        .arg(&new)
        .output()
        .unwrap();
    assert!(out.status.success(), "il rotates: {}", stderr(&out));
    let new_pub = std::fs::read_to_string(format!("{}.pub", new.display())).unwrap();
    let new_pub: Vec<&str> = new_pub.split_whitespace().take(2).collect();
    assert!(
        g.read_file("keys/il.toml")
            .contains(&format!("key = \"{}\"", new_pub.join(" "))),
        "il's key in force is the new one"
    );
}

// ---------------------------------------------------------------------------
// (a) A decision finalized on a branch forked before a member joined.
// ---------------------------------------------------------------------------

/// jp joins on main; on a branch forked before, the five founders adopt the
/// amendment (later, without asking jp); the branch is merged. At the merge
/// the electorate is six and jp never accepted.
#[test]
fn decision_from_a_branch_forked_before_an_admission_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| {
            g.admit("jp", "Japan");
        },
        |g| adopt(g, &id),
    );
    let merge = merge_side(&g);
    assert!(exists(&g, "keys/jp.toml"), "jp is a member at the merge");
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let decision = decision_of(&id);
    let f = assert_merge_refused(&g, &merge, &["finalization"], &decision, |p| p == decision);
    // Names jp's missing acceptance or the electorate.
    insta::assert_snapshot!(f.message, @"2026-001-open-source still needs the acceptance of jp");
}

/// The same attack, where the clone verified the side branch (a pull
/// request, say) before merging it: the incremental verify after the merge
/// still judges the decision at the merge.
#[test]
fn decision_from_before_an_admission_is_refused_even_after_verifying_the_side_branch() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| {
            g.admit("jp", "Japan");
        },
        |g| adopt(g, &id),
    );
    g.git_out(&["checkout", "-q", SIDE]);
    g.assert_verify_passes();
    let merge = merge_side(&g);
    let decision = decision_of(&id);
    assert_merge_refused(&g, &merge, &["finalization"], &decision, |p| p == decision);
}

/// Control: the same shape, while main does something that does not change
/// the electorate (another amendment is proposed and seconded): verifies.
#[test]
fn control_decision_from_a_branch_merged_while_main_did_something_unrelated_verifies() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut other = String::new();
    fork_and_act(
        &mut g,
        |g| other = unrelated_amendment(g),
        |g| adopt(g, &id),
    );
    let merge = merge_side(&g);
    assert_eq!(g.head(), merge);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert!(exists(
        &g,
        &format!("{}/signatures/ee.second.msg", proposal_dir(&other))
    ));
    assert_verifies(&g);
}

/// Control: the same shape, where the side's decision is merged while jp's
/// admission is still open on main (il and nz accepted, kr not yet), and jp
/// is admitted after the merge: verifies.
#[test]
fn control_decision_merged_before_the_admission_completes_verifies() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut admission = String::new();
    fork_and_act(
        &mut g,
        |g| {
            admission = g.apply("jp", "jp", "Japan");
            g.run_as("uk", &["propose", "member", "jp"]);
            g.act("ee", "second", &admission);
            g.act("il", "accept", &admission);
            g.act("nz", "accept", &admission);
            assert!(!exists(g, "keys/jp.toml"));
        },
        |g| adopt(g, &id),
    );
    merge_side(&g);
    assert_verifies(&g);
    g.at(T3);
    g.act("kr", "accept", &admission);
    assert!(exists(&g, "keys/jp.toml"), "jp admitted after the merge");
    assert_verifies(&g);
}

// ---------------------------------------------------------------------------
// (b) Acts by a member removed on main, on a branch forked before.
// ---------------------------------------------------------------------------

/// kr is removed on main; on a branch forked before, kr's own key signs an
/// objection (dated after the removal); merged: kr is no member at the merge.
#[test]
fn objection_by_a_member_removed_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut record = String::new();
    fork_and_act(&mut g, remove_kr_at, |g| {
        record = sign_by_hand(g, &id, "object", "kr", "kr", T2, Some("Not like this"));
    });
    let merge = merge_side(&g);
    let f = assert_merge_refused(&g, &merge, &["signature"], &record, |p| {
        is_record(p, &record)
    });
    insta::assert_snapshot!(f.message, @"kr is not a member");
}

/// As above, with an acceptance.
#[test]
fn acceptance_by_a_member_removed_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut record = String::new();
    fork_and_act(&mut g, remove_kr_at, |g| {
        record = sign_by_hand(g, &id, "accept", "kr", "kr", T2, None);
    });
    let merge = merge_side(&g);
    let f = assert_merge_refused(&g, &merge, &["signature"], &record, |p| {
        is_record(p, &record)
    });
    insta::assert_snapshot!(f.message, @"kr is not a member");
}

/// As above, the acceptance backdated to before the removal: the date is
/// the signer's word; at the merge, in the one order, kr is no member.
#[test]
fn backdated_acceptance_by_a_member_removed_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut record = String::new();
    fork_and_act(&mut g, remove_kr_at, |g| {
        record = sign_by_hand(g, &id, "accept", "kr", "kr", EARLY, None);
    });
    let merge = merge_side(&g);
    assert_merge_refused(&g, &merge, &["signature"], &record, |p| {
        is_record(p, &record)
    });
}

/// `remove_kr`, as an `on_main` step.
fn remove_kr_at(g: &mut Group) {
    remove_kr(g);
}

/// Control: the same acts (an objection, an acceptance, signed by hand) by
/// il, a member still in force at the merge: verifies.
#[test]
fn control_acts_by_a_member_still_in_force_merged_after_a_removal_verify() {
    for act in ["object", "accept"] {
        let mut g = Group::d5();
        let id = open_amendment(&g);
        let reason = (act == "object").then_some("Not like this");
        let mut record = String::new();
        fork_and_act(&mut g, remove_kr_at, |g| {
            record = sign_by_hand(g, &id, act, "il", "il", T2, reason);
        });
        merge_side(&g);
        assert!(exists(&g, &record), "{act}");
        assert_verifies(&g);
    }
}

// ---------------------------------------------------------------------------
// (c) An acceptance by a key rotated away on main.
// ---------------------------------------------------------------------------

/// il rotates its key on main; on a branch forked before, il's OLD key
/// (lost or stolen, say) signs il's acceptance, dated after the rotation;
/// merged: il's key in force at the merge is the new one.
#[test]
fn acceptance_by_a_key_rotated_away_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut record = String::new();
    fork_and_act(
        &mut g,
        |g| rotate_il(g),
        |g| record = sign_by_hand(g, &id, "accept", "il", "il", T2, None),
    );
    let merge = merge_side(&g);
    let f = assert_merge_refused(&g, &merge, &["signature"], &record, |p| {
        is_record(p, &record)
    });
    insta::assert_snapshot!(f.message, @"signature by il made with another key than the signer's");
}

/// As above, the old key's acceptance backdated to before the rotation.
#[test]
fn backdated_acceptance_by_a_key_rotated_away_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut record = String::new();
    fork_and_act(
        &mut g,
        |g| rotate_il(g),
        |g| record = sign_by_hand(g, &id, "accept", "il", "il", EARLY, None),
    );
    let merge = merge_side(&g);
    assert_merge_refused(&g, &merge, &["signature"], &record, |p| {
        is_record(p, &record)
    });
}

/// Control: il rotates, then the history forks; on the side il's NEW key
/// signs the acceptance while nz accepts on main: verifies.
#[test]
fn control_acceptance_by_the_new_key_on_a_branch_forked_after_the_rotation_verifies() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    g.at(EARLY);
    rotate_il(&g);
    let mut record = String::new();
    fork_and_act(
        &mut g,
        |g| g.act("nz", "accept", &id),
        |g| record = sign_by_hand(g, &id, "accept", "il", "il2", T2, None),
    );
    merge_side(&g);
    assert!(exists(&g, &record));
    assert_verifies(&g);
}

// ---------------------------------------------------------------------------
// (d) One proposal id filed on two branches with different contents.
// ---------------------------------------------------------------------------

/// From the genesis: on main uk files 2026-001-open-source with one text;
/// on the side nz files the same id with another text, ee seconds it and il
/// accepts it. Returns the id.
fn same_id_on_two_branches(g: &mut Group) -> String {
    let mut main_id = String::new();
    let mut side_id = String::new();
    fork_and_act(
        g,
        |g| main_id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR),
        |g| {
            side_id = g.propose_amend(
                "nz",
                "open-source",
                OTHER_OPEN_SOURCE_EN,
                OTHER_OPEN_SOURCE_FR,
            );
            g.act("ee", "second", &side_id);
            g.act("il", "accept", &side_id);
        },
    );
    assert_eq!(main_id, side_id, "one id, filed twice");
    let dir = proposal_dir(&main_id);
    for file in ["proposal.toml", "change/charter/open-source.en.md"] {
        assert_ne!(
            g.git_out(&["rev-parse", &format!("main:{dir}/{file}")]),
            g.git_out(&["rev-parse", &format!("{SIDE}:{dir}/{file}")]),
            "{file} differs between the branches"
        );
    }
    main_id
}

/// The merge keeps main's proposal (proposal.toml, change/) and brings the
/// side's signatures, which were made over the other text. Every record of
/// the first parent is carried unchanged.
#[test]
fn same_id_merged_with_one_sides_text_and_the_others_signatures_is_refused() {
    let mut g = Group::d5();
    let id = same_id_on_two_branches(&mut g);
    let dir = proposal_dir(&id);
    let merge = merge_side_by_hand(&g, |g| {
        g.git_out(&[
            "checkout",
            "main",
            "--",
            &format!("{dir}/proposal.toml"),
            &format!("{dir}/change"),
        ]);
    });
    // What the attack made: main's text, main's records untouched, and the
    // side's records beside them.
    assert_eq!(
        g.git_out(&["diff", "--name-status", "HEAD^1", "HEAD"]),
        ["ee.second", "il.accept", "nz.propose"]
            .iter()
            .flat_map(|r| ["msg", "sig"].map(|e| format!("A\t{dir}/signatures/{r}.{e}")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_merge_refused(
        &g,
        &merge,
        &["append-only", "signed-content"],
        &format!("under {dir}"),
        |p| p.starts_with(&format!("{dir}/")),
    );
}

/// The merge keeps the side's proposal folder whole and drops main's
/// (uk's propose record, main's text).
#[test]
fn same_id_merged_keeping_the_side_and_dropping_mains_records_is_refused() {
    let mut g = Group::d5();
    let id = same_id_on_two_branches(&mut g);
    let dir = proposal_dir(&id);
    let merge = merge_side_by_hand(&g, |g| {
        g.git_out(&["rm", "-r", "-q", "-f", &dir]);
        g.git_out(&["checkout", SIDE, "--", &dir]);
    });
    assert!(!exists(&g, &format!("{dir}/signatures/uk.propose.msg")));
    assert_merge_refused(&g, &merge, &["append-only"], &format!("under {dir}"), |p| {
        p.starts_with(&format!("{dir}/"))
    });
}

/// The merge keeps main whole (`git merge -s ours`) and drops the side's
/// records.
#[test]
fn same_id_merged_keeping_main_and_dropping_the_sides_records_is_refused() {
    let mut g = Group::d5();
    let id = same_id_on_two_branches(&mut g);
    let dir = proposal_dir(&id);
    g.git_out(&[
        "merge",
        "-q",
        "-s",
        "ours",
        "--no-ff",
        "--no-gpg-sign",
        "-m",
        "Merge branch 'side', keeping ours",
        SIDE,
    ]);
    let merge = assert_is_merge_of_side(&g);
    assert!(!exists(&g, &format!("{dir}/signatures/il.accept.msg")));
    assert_merge_refused(&g, &merge, &["append-only"], &format!("under {dir}"), |p| {
        p.starts_with(&format!("{dir}/"))
    });
}

/// Control: the same shape, but the side files another principle's
/// amendment (2026-001-open-standards beside 2026-001-open-source): the
/// merge is clean and verifies.
#[test]
fn control_two_proposals_filed_on_two_branches_merge_and_verify() {
    let mut g = Group::d5();
    let mut ids = (String::new(), String::new());
    fork_and_act(
        &mut g,
        |g| ids.0 = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR),
        |g| {
            ids.1 = g.propose_amend("nz", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
            g.act("ee", "second", &ids.1);
            g.act("il", "accept", &ids.1);
        },
    );
    assert_ne!(ids.0, ids.1);
    merge_side(&g);
    assert_verifies(&g);
}

// ---------------------------------------------------------------------------
// (e) A proposal adopted on a side branch although withdrawn, or objected
// to, on main.
// ---------------------------------------------------------------------------

/// uk withdraws the amendment on main; on a branch forked before, il, nz
/// and kr accept it (after the withdrawal) and it is finalized there;
/// merged: at the merge it is withdrawn.
#[test]
fn adoption_on_a_branch_of_a_proposal_withdrawn_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(&mut g, |g| g.act("uk", "withdraw", &id), |g| adopt(g, &id));
    let merge = merge_side(&g);
    let dir = proposal_dir(&id);
    assert_merge_refused(
        &g,
        &merge,
        &["process", "finalization"],
        &format!("under {dir}"),
        |p| p.starts_with(&format!("{dir}/")),
    );
}

/// ee objects on main; on a branch forked before, il, nz and kr accept and
/// it is finalized there; merged: ee's objection stands at the merge.
#[test]
fn adoption_on_a_branch_despite_an_objection_standing_on_main_is_refused_at_the_merge() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| {
            g.charter("ee")
                .args(["object", &id, "--reason", "The French text needs work"])
                .assert()
                .success();
        },
        |g| adopt(g, &id),
    );
    let merge = merge_side(&g);
    let decision = decision_of(&id);
    let f = assert_merge_refused(&g, &merge, &["finalization"], &decision, |p| p == decision);
    insta::assert_snapshot!(f.message, @"2026-001-open-source is blocked by the objection of ee");
}

/// Control: the same shape, where ee's objection on main is withdrawn
/// before the merge: verifies.
#[test]
fn control_adoption_on_a_branch_after_an_objection_withdrawn_on_main_verifies() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| {
            g.charter("ee")
                .args(["object", &id, "--reason", "The French text needs work"])
                .assert()
                .success();
            g.charter("ee")
                .args(["object", &id, "--withdraw"])
                .assert()
                .success();
        },
        |g| adopt(g, &id),
    );
    merge_side(&g);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert_verifies(&g);
}

// ---------------------------------------------------------------------------
// (f) Honest concurrency, and merges that make changes of their own.
// ---------------------------------------------------------------------------

/// Two members act on different proposals in their own clones; one
/// publishes with plain git, the other `git pull --no-rebase`s it (a
/// merge), publishes that, and the first takes it with `charter sync`.
#[test]
fn control_concurrent_acts_in_two_clones_merged_by_git_pull_verify() {
    let g = Group::d5();
    let genesis = g.genesis();
    let p1 = open_amendment(&g);
    let p2 = unrelated_amendment(&g);
    let remote = Remote::serve(&g);
    let il = remote.clone_for("il", &genesis);
    let nz = remote.clone_for("nz", &genesis);
    il.act("accept", &p1);
    nz.act("accept", &p2);
    nz.g.git_out(&["push", "-q", "origin", "main"]);
    let merge = pull_no_rebase(&il);
    assert_verifies(&il.g);
    il.g.git_out(&["push", "-q", "origin", "main"]);
    nz.sync_ok();
    assert_eq!(nz.g.head(), merge);
    assert_verifies(&nz.g);
}

/// As above, where the pulled history finalizes a proposal (kr's clone
/// gives the last acceptance) that still holds at the merge.
#[test]
fn control_a_finalization_pulled_in_that_still_holds_at_the_merge_verifies() {
    let g = Group::d5();
    let genesis = g.genesis();
    let p1 = open_amendment(&g);
    g.act("il", "accept", &p1);
    g.act("nz", "accept", &p1);
    let p2 = unrelated_amendment(&g);
    let remote = Remote::serve(&g);
    let kr = remote.clone_for("kr", &genesis);
    let il = remote.clone_for("il", &genesis);
    kr.act("accept", &p1);
    assert!(exists(&kr.g, &decision_of(&p1)), "kr's act finalizes");
    il.act("accept", &p2);
    kr.g.git_out(&["push", "-q", "origin", "main"]);
    pull_no_rebase(&il);
    assert!(exists(&il.g, &decision_of(&p1)));
    assert_eq!(il.g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert_verifies(&il.g);
    il.g.git_out(&["push", "-q", "origin", "main"]);
    kr.sync_ok();
    assert_verifies(&kr.g);
}

/// `git pull --no-rebase --no-edit origin main` in the clone, which must
/// make a merge commit; returns it.
fn pull_no_rebase(peer: &Peer) -> String {
    peer.g
        .git_out(&["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"]);
    let line = peer
        .g
        .git_out(&["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(line.split_whitespace().count(), 3, "a merge commit: {line}");
    peer.g.head()
}

/// The shape of the evil merges: the side adopts the open-source amendment
/// while main files an unrelated one. The honest merge of it is
/// [`control_decision_from_a_branch_merged_while_main_did_something_unrelated_verifies`].
fn side_adopts_while_main_proposes(g: &mut Group) -> String {
    let id = open_amendment(g);
    fork_and_act(
        g,
        |g| {
            unrelated_amendment(g);
        },
        |g| adopt(g, &id),
    );
    id
}

/// The merge also edits a charter file neither side changed.
#[test]
fn evil_merge_editing_a_charter_file_is_refused() {
    let mut g = Group::d5();
    side_adopts_while_main_proposes(&mut g);
    let path = "charter/open-markets.en.md";
    let merge = merge_side_by_hand(&g, |g| {
        g.write(path, "# Open markets\n\nWe buy from our friends.\n");
    });
    assert_merge_refused(
        &g,
        &merge,
        &["governed-change", "applied-exactly"],
        path,
        |p| p == path,
    );
}

/// The merge brings the side's decision but alters the text it applied.
#[test]
fn evil_merge_altering_the_text_a_decision_applied_is_refused() {
    let mut g = Group::d5();
    side_adopts_while_main_proposes(&mut g);
    let path = "charter/open-source.en.md";
    let merge = merge_side_by_hand(&g, |g| {
        g.write(
            path,
            "# Open source\n\nGovernment code is open source where convenient.\n",
        );
    });
    assert_merge_refused(
        &g,
        &merge,
        &["governed-change", "applied-exactly"],
        path,
        |p| p == path,
    );
}

/// The merge brings the side's decision but keeps main's old charter text:
/// the decision's effect is dropped.
#[test]
fn evil_merge_dropping_the_effect_of_the_decision_it_brings_is_refused() {
    let mut g = Group::d5();
    let id = side_adopts_while_main_proposes(&mut g);
    let merge = merge_side_by_hand(&g, |g| {
        g.git_out(&[
            "checkout",
            "main",
            "--",
            "charter/open-source.en.md",
            "charter/open-source.fr.md",
        ]);
    });
    assert!(exists(&g, &decision_of(&id)), "the decision is brought");
    assert_merge_refused(
        &g,
        &merge,
        &["governed-change", "applied-exactly"],
        "charter/open-source.*",
        |p| p.starts_with("charter/open-source."),
    );
}

/// The merge slips in a member: jp's key file and allowed_signers line.
#[test]
fn evil_merge_adding_a_member_is_refused() {
    let mut g = Group::d5();
    side_adopts_while_main_proposes(&mut g);
    let merge = merge_side_by_hand(&g, |g| {
        let key = openssh_key(&fixture_key("jp.pub"));
        g.write(
            "keys/jp.toml",
            &format!("id = \"jp\"\nname = \"Japan\"\njoined = \"{T2}\"\nkey = \"{key}\"\n"),
        );
        let signers = g.read_file("keys/allowed_signers");
        g.write(
            "keys/allowed_signers",
            &format!("{signers}jp namespaces=\"charter,git\" {key}\n"),
        );
    });
    assert_merge_refused(
        &g,
        &merge,
        &["governed-change", "applied-exactly"],
        "keys/...",
        |p| p.starts_with("keys/"),
    );
}

// ---------------------------------------------------------------------------
// (g) sync refuses a remote holding such a merge.
// ---------------------------------------------------------------------------

/// ee's clone holds the honest prefix; the remote is given the merged
/// history `build` makes in the origin (with main checked out, returning
/// the merge). `charter sync` must refuse it: exit 1, one line naming the
/// merge commit and one of `rules`, and ee's clone as it was.
fn assert_sync_refuses(
    g: &mut Group,
    remote: &Remote,
    ee: &Peer,
    rules: &[&str],
    build: impl FnOnce(&mut Group) -> String,
) {
    let good = remote.tip();
    let merge = build(g);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    assert_eq!(remote.tip(), merge);
    let before = ee.g.tree_state();
    let refs = ee.refs();
    let recorded = ee.state_file("remote-origin");
    let out = ee.sync();
    let err = assert_one_line_error(&out, 1, &[&merge[..12]]);
    assert!(
        rules.iter().any(|r| err.contains(&format!("[{r}]"))),
        "expected one of {rules:?}: {err}"
    );
    assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
    assert_eq!(ee.refs(), refs, "no branch or tag moved");
    assert_eq!(ee.state_file("remote-origin"), recorded);
    let taken =
        ee.g.git()
            .args(["merge-base", "--is-ancestor", &merge, "HEAD"])
            .output()
            .unwrap();
    assert!(!taken.status.success(), "the merge is not taken");
    assert_eq!(ee.g.head(), good);
    assert_eq!(remote.tip(), merge, "nothing was pushed");
}

/// (a) through sync: the decision from before jp's admission.
#[test]
fn sync_refuses_a_remote_with_a_decision_merged_from_before_an_admission() {
    let mut g = Group::d5();
    let genesis = g.genesis();
    let id = open_amendment(&g);
    let remote = Remote::serve(&g);
    let mut ee = remote.clone_for("ee", &genesis);
    // ee syncs after the last act of either branch.
    ee.g.at(T3);
    ee.sync_ok();
    assert_sync_refuses(&mut g, &remote, &ee, &["finalization"], |g| {
        fork_and_act(
            g,
            |g| {
                g.admit("jp", "Japan");
            },
            |g| adopt(g, &id),
        );
        merge_side(g)
    });
}

/// (d) through sync: one proposal id, main's text and the side's signatures.
#[test]
fn sync_refuses_a_remote_with_one_id_merged_from_two_contents() {
    let mut g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let ee = remote.clone_for("ee", &genesis);
    ee.sync_ok();
    assert_sync_refuses(
        &mut g,
        &remote,
        &ee,
        &["append-only", "signed-content"],
        |g| {
            let id = same_id_on_two_branches(g);
            let dir = proposal_dir(&id);
            merge_side_by_hand(g, |g| {
                g.git_out(&[
                    "checkout",
                    "main",
                    "--",
                    &format!("{dir}/proposal.toml"),
                    &format!("{dir}/change"),
                ]);
            })
        },
    );
}

// ---------------------------------------------------------------------------
// Swapped parents: the old branch made first parent, main merged into it.
// ---------------------------------------------------------------------------

/// Merges main into the side (the side is the first parent) and moves main
/// to that merge, as a member who pushes it would: the order of history is
/// now the side's. Returns the merge commit.
fn merge_main_into_side_and_fast_forward(g: &Group) -> String {
    g.git_out(&["checkout", "-q", SIDE]);
    g.git_out(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-gpg-sign",
        "-m",
        "Merge branch 'main' into side",
        "main",
    ]);
    let merge = g.head();
    g.git_out(&["checkout", "-q", "main"]);
    g.git_out(&["merge", "-q", "--ff-only", SIDE]);
    assert_eq!(g.head(), merge);
    merge
}

/// The decision of (a), dated after jp joined, put first by swapping the
/// parents so that jp's admission comes after it in the first-parent order:
/// the admission is then dated before a decision already recorded, and a
/// clone that had verified jp as a member is not fooled.
#[test]
fn admission_placed_after_a_later_decision_by_swapping_parents_is_refused() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut admission = String::new();
    fork_and_act(
        &mut g,
        |g| admission = g.admit("jp", "Japan"),
        |g| adopt(g, &id),
    );
    g.assert_verify_passes();
    let merge = merge_main_into_side_and_fast_forward(&g);
    let decision = decision_of(&admission);
    let f = assert_merge_refused(&g, &merge, &["date"], &decision, |p| p == decision);
    // Names the decision.
    insta::assert_snapshot!(f.message.replace(&id, "[ID]"), @"the admission 2026-002-member-jp is dated 2026-11-24T10:00:00Z, before the decision on [ID], already recorded (2026-11-25T10:00:00Z)");
}

/// Control of the same shape: main only files an unrelated amendment while
/// the side adopts; the swapped merge verifies.
#[test]
fn control_swapped_parents_without_a_membership_change_verify() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| {
            unrelated_amendment(g);
        },
        |g| adopt(g, &id),
    );
    merge_main_into_side_and_fast_forward(&g);
    assert_verifies(&g);
}

/// A merge that adds a valid record of its own (signed while resolving the
/// merge) brings something neither history holds: refused.
#[test]
fn record_added_by_the_merge_itself_is_refused() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| {
            g.act("il", "accept", &id);
        },
        |g| {
            unrelated_amendment(g);
        },
    );
    let stem = format!("{}/signatures/nz.accept", proposal_dir(&id));
    let merge = merge_side_by_hand(&g, |g| {
        let msg = g.message(&id, "accept", "nz", T3);
        g.write(&format!("{stem}.msg"), &msg);
        g.write(&format!("{stem}.sig"), &g.ssh_sign("nz", &msg));
    });
    let msg = format!("{stem}.msg");
    assert_merge_refused(&g, &merge, &["append-only"], &msg, |p| is_record(p, &msg));
}

/// A thief of il's old key, on a branch forked before il's rotation, signs
/// il's acceptance backdated to before the rotation; the others adopt the
/// amendment there; main (where il rotated) is merged INTO that branch and
/// pushed, so the backdated act comes first in the new order and the
/// history is consistent for a newcomer. A clone that had verified the
/// rotation refuses it: the merge must hold in the order it verified.
#[test]
fn swapped_merge_placing_a_stolen_key_act_before_its_rotation_is_refused_where_the_rotation_was_verified(
) {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    let mut record = String::new();
    fork_and_act(
        &mut g,
        |g| rotate_il(g),
        |g| {
            record = sign_by_hand(g, &id, "accept", "il", "il", EARLY, None);
            g.act("nz", "accept", &id);
            g.act("kr", "accept", &id);
            assert!(exists(g, &decision_of(&id)));
        },
    );
    // This clone verified main, with the rotation.
    g.assert_verify_passes();
    let merge = merge_main_into_side_and_fast_forward(&g);
    let f = g.verify_failure_once(&[]);
    assert_eq!(f.commit, merge[..12], "{}", f.stderr);
    assert_eq!(f.rule, "signature", "{}", f.stderr);
    assert!(is_record(&f.path, &record), "{}", f.stderr);
    insta::assert_snapshot!(parents_named(&g, &merge, &f.message), @"signature by il made with another key than the signer's (judged after [PARENT 2], verified here before: a merge cannot reorder a history already verified)");
    // A newcomer without that record judges the order it is given: the
    // history is consistent (the limit THREAT_MODEL.md names).
    let out = g.read().args(["verify", "--full"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Control: the same swap where the side only brings an act still valid in
/// either order: the clone that verified main accepts it.
#[test]
fn control_swapped_merge_of_acts_valid_in_either_order_is_accepted_where_main_was_verified() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    fork_and_act(
        &mut g,
        |g| rotate_il(g),
        |g| {
            g.act("nz", "accept", &id);
        },
    );
    g.assert_verify_passes();
    merge_main_into_side_and_fast_forward(&g);
    g.assert_verify_passes();
}

/// The stolen-key swap through sync: ee's clone took main with il's
/// rotation; the remote then holds the swapped merge. sync refuses it and
/// leaves the clone as it was.
#[test]
fn sync_refuses_a_swapped_merge_that_reorders_what_it_verified() {
    let mut g = Group::d5();
    let genesis = g.genesis();
    let id = open_amendment(&g);
    let remote = Remote::serve(&g);
    let mut ee = remote.clone_for("ee", &genesis);
    // ee syncs after the last act of either branch.
    ee.g.at(T3);
    fork_and_act(
        &mut g,
        |g| rotate_il(g),
        |g| {
            sign_by_hand(g, &id, "accept", "il", "il", EARLY, None);
            g.act("nz", "accept", &id);
            g.act("kr", "accept", &id);
        },
    );
    g.git_out(&["push", "-q", &remote.url, "main"]);
    ee.sync_ok();
    let seen = ee.g.head();
    let merge = merge_main_into_side_and_fast_forward(&g);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    let before = ee.g.tree_state();
    let out = ee.sync();
    let err = assert_one_line_error(&out, 1, &[&merge[..12], "[signature]", "reorder"]);
    insta::assert_snapshot!(parents_named(&g, &merge, &err.replace(&merge[..12], "[MERGE]")), @"error: verification failed: origin fails verification: commit [MERGE]: proposals/2026/2026-001-open-source/signatures/il.accept.sig: signature by il made with another key than the signer's (judged after [PARENT 2], verified here before: a merge cannot reorder a history already verified) [signature]");
    assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
    assert_eq!(ee.g.head(), seen);
}

/// `text` with `merge`'s parents' short ids replaced by `[PARENT 1]` and
/// `[PARENT 2]`, for a snapshot: they change from run to run when a side
/// holds il's rotation to a key generated afresh.
fn parents_named(g: &Group, merge: &str, text: &str) -> String {
    let mut text = text.to_string();
    for n in 1..=2 {
        let parent = g.git_out(&["rev-parse", &format!("{merge}^{n}")]);
        text = text.replace(&parent[..12], &format!("[PARENT {n}]"));
    }
    text
}

// ---------------------------------------------------------------------------
// A group left unable to act (issue 13, point 14).
// ---------------------------------------------------------------------------

/// `who` leaves the group, with the real binary.
fn leave(g: &Group, who: &str) {
    g.charter(who).arg("leave").assert().success();
}

/// Two departures on two branches, each leaving two members on its own:
/// merged, they would leave one, who could never propose and be seconded
/// again. Refused at the merge.
#[test]
fn departures_on_two_branches_that_together_leave_one_member_are_refused_at_the_merge() {
    let mut g = Group::d5();
    leave(&g, "kr");
    leave(&g, "nz");
    g.assert_verify_passes();
    // ee and uk are apart in allowed_signers (il between): git merges cleanly.
    fork_and_act(&mut g, |g| leave(g, "ee"), |g| leave(g, "uk"));
    let merge = merge_side(&g);
    let f = assert_merge_refused(
        &g,
        &merge,
        &["process", "finalization"],
        "a departure",
        |p| p.contains("leave-uk"),
    );
    assert!(
        f.message.contains("would leave the group 1 member"),
        "{}",
        f.stderr
    );
}

/// The control: the same two departures from a group of five leave three.
#[test]
fn control_departures_on_two_branches_that_leave_enough_members_verify() {
    let mut g = Group::d5();
    fork_and_act(&mut g, |g| leave(g, "ee"), |g| leave(g, "uk"));
    merge_side(&g);
    assert_verifies(&g);
}
