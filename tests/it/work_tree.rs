//! Issue 11, acts at scale: an act brings the work tree and index along as
//! `git checkout` would, through stock git, so that a clone may keep only
//! the charter in its work tree (git's sparse checkout and sparse index),
//! and what the user staged or changed by hand is never lost.

use crate::common::*;

/// The shape a large group's clone takes: the charter, keys and reviews
/// in the work tree, the record of proposals only in git's objects.
fn make_sparse(g: &Group) {
    g.git_out(&charter::store::journal::SPARSE_CHECKOUT);
    assert!(!g.repo.join("proposals").exists());
}

/// Whether git's sparse index holds `proposals/` as one entry.
fn index_keeps_proposals_whole(g: &Group) -> bool {
    g.git_out(&["ls-files", "--sparse"])
        .lines()
        .any(|l| l == "proposals/")
}

#[test]
fn a_whole_amendment_in_a_sparse_clone_keeps_it_sparse_and_clean() {
    let g = Group::d5();
    make_sparse(&g);
    let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(g.tree_state(), (String::new(), g.head()), "clean");
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert!(!g.repo.join("proposals").exists(), "the record stays out");
    assert!(index_keeps_proposals_whole(&g), "the index stays sparse");
    // The record is in HEAD's tree all the same.
    let decision = format!("HEAD:{}/decision.toml", proposal_dir(&id));
    assert!(g
        .git_out(&["cat-file", "-p", &decision])
        .contains("adopted"));
    g.assert_verify_passes();
    // A join changes keys/, in the work tree too.
    g.admit("jp", "Japan");
    assert!(g.read_file("keys/allowed_signers").contains("jp "));
    assert_eq!(g.tree_state().0, "", "clean after a join");
    assert!(index_keeps_proposals_whole(&g));
}

/// The control of the same shape: a full clone has the record on disk.
#[test]
fn a_whole_amendment_in_a_full_clone_writes_the_record_to_disk() {
    let g = Group::d5();
    let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(g.tree_state(), (String::new(), g.head()), "clean");
    assert!(g
        .read_file(&format!("{}/decision.toml", proposal_dir(&id)))
        .contains("adopted"));
    assert!(!index_keeps_proposals_whole(&g));
}

#[test]
fn a_crash_after_the_branch_moved_in_a_sparse_clone_is_completed() {
    let g = Group::d5();
    make_sparse(&g);
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    for who in ["il", "nz"] {
        g.act(who, "accept", &id);
    }
    let before = g.head();
    g.act("kr", "accept", &id);
    let after = g.head();
    // Branch moved, work tree half written, index as before.
    g.git_out(&["reset", "-q", "--hard", &before]);
    g.git_out(&["update-ref", "refs/heads/main", &after]);
    g.write("charter/open-source.en.md", OPEN_SOURCE_EN);
    std::fs::write(
        g.repo.join(".git/charter/journal"),
        format!("old {before}\nnew {after}\nmessage accept {id}\n"),
    )
    .unwrap();

    let out = g.read().arg("status").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("an interrupted command"));
    assert_eq!(g.tree_state(), (String::new(), after), "completed");
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert!(index_keeps_proposals_whole(&g));
    g.assert_verify_passes();
}

#[test]
fn an_act_that_would_overwrite_a_staged_change_is_refused_before_anything() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    for who in ["il", "nz"] {
        g.act(who, "accept", &id);
    }
    // Staged, then the file on disk put back: only the index differs.
    let original = g.read_file("charter/open-source.en.md");
    g.write("charter/open-source.en.md", "my own draft\n");
    g.git_out(&["add", "charter/open-source.en.md"]);
    g.write("charter/open-source.en.md", &original);
    g.assert_refused(
        g.charter("kr").args(["accept", &id]),
        &["local changes", "charter/open-source.en.md"],
    );
    let staged = g.git_out(&["diff", "--cached", "--name-only"]);
    assert_eq!(staged.trim(), "charter/open-source.en.md", "still staged");
    // Control: unstaged, the act goes through.
    g.git_out(&["reset", "-q"]);
    g.act("kr", "accept", &id);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert_eq!(g.tree_state().0, "");
}

#[test]
fn what_the_user_staged_or_changed_elsewhere_survives_an_act() {
    for sparse in [false, true] {
        let g = Group::d5();
        if sparse {
            make_sparse(&g);
        }
        g.write("notes.md", "staged notes\n");
        g.git_out(&["add", "notes.md"]);
        g.write("notes.md", "staged notes, then edited\n");
        let signers = format!("{}# a local comment\n", g.read_file("keys/allowed_signers"));
        g.write("keys/allowed_signers", &signers);
        let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
        assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
        assert_eq!(
            g.git_out(&["status", "--porcelain"]),
            "M keys/allowed_signers\nAM notes.md",
            "sparse: {sparse}"
        );
        assert_eq!(g.git_out(&["show", ":notes.md"]), "staged notes");
        assert_eq!(g.read_file("keys/allowed_signers"), signers);
        let decision = format!("{}/decision.toml", proposal_dir(&id));
        assert_eq!(exists(&g, &decision), !sparse);
        g.assert_verify_passes();
    }
}
