//! Issue 10, point 1–3 and 6: a command interrupted at any point leaves the
//! clone as it was or with the act done, the next command of any kind
//! finishes or drops it and says so, re-runs converge, acts stand on a
//! history that verifies, and a read-only clone still verifies. Each state
//! an interruption can leave is built here by hand, beside its control;
//! `scripts/crash-test` kills the real binary at every write point.

use crate::common::remote::Remote;
use crate::common::*;

/// The open amendment, accepted by all but kr: kr's accept is the last.
fn all_but_the_last_accept(g: &Group) -> String {
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    for who in ["il", "nz"] {
        g.act(who, "accept", &id);
    }
    id
}

fn journal(g: &Group, old: &str, new: &str, message: &str) {
    std::fs::write(
        g.repo.join(".git/charter/journal"),
        format!("old {old}\nnew {new}\nmessage {message}\n"),
    )
    .unwrap();
}

fn status_stderr(g: &Group) -> String {
    let out = g.read().arg("status").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

#[test]
fn a_crash_after_the_branch_moved_is_completed_by_the_next_command() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    let before = g.head();
    g.act("kr", "accept", &id);
    let after = g.head();
    // The state a kill between the branch move and the work tree update
    // leaves: branch at the act, work tree and index as before, git's own
    // index lock left behind.
    g.git_out(&["reset", "-q", "--hard", &before]);
    g.git_out(&["update-ref", "refs/heads/main", &after]);
    std::fs::write(g.repo.join(".git/index.lock"), "").unwrap();
    journal(&g, &before, &after, &format!("accept {id}"));
    assert_ne!(g.tree_state().0, "", "the work tree is behind the branch");

    let err = status_stderr(&g);
    assert!(
        err.starts_with("note: an interrupted command had recorded 'accept"),
        "{err}"
    );
    assert_eq!(g.tree_state(), (String::new(), after), "work tree complete");
    assert!(!g.repo.join(".git/index.lock").exists());
    assert!(!g.repo.join(".git/charter/journal").exists());
    assert_eq!(status_stderr(&g), "", "said once");
    g.assert_verify_passes();
}

#[test]
fn a_crash_before_the_branch_moved_is_undone_by_the_next_command() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    let before = g.head();
    g.act("kr", "accept", &id);
    let after = g.head();
    // The act's objects were written, the branch never moved, git's ref
    // lock is left behind.
    g.git_out(&["reset", "-q", "--hard", &before]);
    std::fs::write(g.repo.join(".git/refs/heads/main.lock"), &after).unwrap();
    journal(&g, &before, &after, &format!("accept {id}"));

    let err = status_stderr(&g);
    assert!(err.contains("had recorded nothing"), "{err}");
    assert_eq!(g.tree_state(), (String::new(), before));
    assert!(!g.repo.join(".git/refs/heads/main.lock").exists());
    // And the act can be made again, as if never tried.
    g.act("kr", "accept", &id);
    assert!(g
        .read_file(&format!("{}/decision.toml", proposal_dir(&id)))
        .contains("adopted"));
}

#[test]
fn the_last_acceptance_and_its_finalization_move_the_branch_once() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    let before = g.head();
    g.act("kr", "accept", &id);
    let parent = g.git_out(&["rev-parse", "HEAD~2"]);
    assert_eq!(
        parent.trim(),
        before,
        "two commits: the act, its finalization"
    );
    // The branch's reflog: the move before this one left it at `before`.
    let previous = g.git_out(&["rev-parse", "main@{1}"]);
    assert_eq!(previous.trim(), before, "one move for both commits");
}

#[test]
fn rerunning_an_acceptance_left_unfinalized_finalizes_it() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    g.act("kr", "accept", &id);
    // What a crash between act and finalization left in older versions.
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    let decision = format!("{}/decision.toml", proposal_dir(&id));
    assert!(!g.repo.join(&decision).exists());

    let out = g.charter("kr").args(["accept", &id]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("kr accepted {id}; adopted: ")),
        "{}",
        stderr(&out)
    );
    assert!(g.repo.join(&decision).exists());
    g.assert_verify_passes();
    // Control: an acceptance already made on an open proposal stays refused.
    let open = g.propose_amend("ee", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    g.act("uk", "second", &open);
    g.assert_refused(g.charter("uk").args(["second", &open]), &["already made"]);
}

#[test]
fn proposing_the_same_again_finds_the_open_proposal() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let head = g.head();
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let out = g
        .charter("uk")
        .args(["propose", "amend", "open-source"])
        .args(&texts)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), id, "the same id");
    assert!(
        stderr(&out).contains("already filed and open as"),
        "{}",
        stderr(&out)
    );
    assert_eq!(g.head(), head, "nothing new was filed");
    // Controls: another member, or other words, file a new proposal.
    let other = g.propose_amend("ee", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_ne!(other, id);
    let en = OPEN_SOURCE_EN.replace("default", "design");
    let third = g.propose_amend("uk", "open-source", &en, OPEN_SOURCE_FR);
    assert_ne!(third, id);
    // Once withdrawn, the same may be filed anew.
    g.act("uk", "withdraw", &id);
    let again = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_ne!(again, id);
}

#[test]
fn an_act_that_would_overwrite_a_hand_edit_is_refused_before_anything() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    g.write("charter/open-source.en.md", "my own draft\n");
    g.assert_refused(
        g.charter("kr").args(["accept", &id]),
        &["local changes", "charter/open-source.en.md"],
    );
    assert_eq!(g.read_file("charter/open-source.en.md"), "my own draft\n");
    // Control: restored, the act goes through.
    g.git_out(&["checkout", "--", "charter/open-source.en.md"]);
    g.act("kr", "accept", &id);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
}

#[test]
fn an_act_on_a_head_with_a_forged_signature_is_refused() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    // il's acceptance, copied by hand as kr's: a record kr never signed.
    let dir = proposal_dir(&id);
    let msg = g.read_file(&format!("{dir}/signatures/il.accept.msg"));
    g.write(
        &format!("{dir}/signatures/kr.accept.msg"),
        &msg.replace("signer: il", "signer: kr").replace("il", "kr"),
    );
    let sig = g.read_file(&format!("{dir}/signatures/il.accept.sig"));
    g.write(&format!("{dir}/signatures/kr.accept.sig"), &sig);
    g.git_commit_all("kr accepts (forged)");
    let head = g.head();
    // status still lists, after a warning; an act refuses, with verify's words.
    let out = g.read().arg("status").output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).starts_with("warning: this clone's history does not verify"));
    g.assert_refused_unverified(g.charter("uk").args(["finalize", &id]), &["kr.accept"]);
    g.assert_refused_unverified(g.charter("nz").args(["accept", &id]), &["kr.accept"]);
    assert_eq!(g.head(), head, "nothing finalized on its strength");
}

#[test]
fn an_interrupted_init_is_started_afresh() {
    let env = Env::new();
    let dir = env.path().join("d5");
    std::fs::create_dir_all(dir.join(".git/charter")).unwrap();
    std::fs::write(dir.join(".git/charter/initializing"), "").unwrap();
    std::fs::write(dir.join("governance.toml"), "half written").unwrap();
    let members: Vec<String> = FOUNDERS
        .iter()
        .map(|m| {
            env.key(m);
            format!("{m}=keys/{m}.pub")
        })
        .collect();
    let mut init = env.charter_in(env.path());
    init.arg("--key").arg(env.key("uk")).args([
        "init",
        "d5",
        "--template",
        "d5",
        "--name",
        "Digital 5",
    ]);
    for m in &members {
        init.args(["--member", m]);
    }
    let out = init.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.join(".git/charter/initializing").exists());
    let out = env.charter_in(&dir).arg("verify").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Control: a folder with someone else's files is still refused.
    let other = env.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let out = env
        .charter_in(env.path())
        .arg("--key")
        .arg(env.key("uk"))
        .args(["init", "other", "--template", "d5", "--name", "X"])
        .args(["--member", &members[0]])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(other.join("notes.txt").exists());
}

#[test]
fn sync_finalizes_what_is_fully_accepted_and_unfinalized() {
    let g = Group::d5();
    let id = all_but_the_last_accept(&g);
    g.act("kr", "accept", &id);
    // The remote holds the acceptance without its finalization, as a crash
    // in an older version left it.
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    let remote = Remote::serve(&g);
    let unfinalized = remote.tip();
    let decision = format!("{}/decision.toml", proposal_dir(&id));
    let ee = remote.clone_for("ee", &g.genesis());
    // Control: without a key there is nothing to sign with; sync takes the
    // history as it is.
    let out = ee.g.read().arg("sync").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(remote.tip(), unfinalized);
    ee.sync_ok();
    assert!(ee.g.repo.join(&decision).exists(), "finalized in the clone");
    assert_ne!(remote.tip(), unfinalized, "and pushed");
    assert!(remote.files().contains(&decision));
    ee.g.assert_verify_passes();
    // Converged: another sync changes nothing.
    let tip = remote.tip();
    ee.sync_ok();
    assert_eq!(remote.tip(), tip);
}

#[test]
fn a_read_only_clone_verifies_and_says_it_could_not_save_its_cache() {
    let g = Group::d5();
    g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    std::fs::remove_file(g.repo.join(".git/charter/verified")).unwrap();
    let run = |args: &[&str]| g.run_read_only(args);
    let out = run(&["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("verified: "), "{}", stdout(&out));
    assert!(
        stderr(&out).starts_with("note: could not save the verification cache"),
        "{}",
        stderr(&out)
    );
    let out = run(&["status"]);
    assert!(out.status.success(), "listings work too: {}", stderr(&out));
    assert!(!g.repo.join(".git/charter/verified").exists());
    // Control: the owner's verify saves it.
    g.assert_verify_passes();
    assert!(g.repo.join(".git/charter/verified").exists());
}

#[test]
fn sync_runs_no_git_maintenance_that_a_kill_could_leave_locked() {
    let g = Group::d5();
    let remote = Remote::serve(&g);
    let ee = remote.clone_for("ee", &g.genesis());
    g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    let trace = ee.g.env.path().join("trace2.json");
    let maintenance_started = || {
        std::fs::read_to_string(&trace)
            .unwrap_or_default()
            .lines()
            .any(|l| l.contains("\"child_start\"") && l.contains("\"maintenance\""))
    };
    // Control: a plain `git fetch` in the same clone starts `git maintenance
    // run --auto`, which a kill leaves holding `.git/objects/maintenance.lock`.
    let out =
        ee.g.env
            .git_in(&ee.g.repo)
            .env("GIT_TRACE2_EVENT", &trace)
            .args(["fetch", "-q", "origin"])
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(maintenance_started(), "the control must start maintenance");
    std::fs::remove_file(&trace).unwrap();
    let out =
        ee.g.charter(ee.who)
            .env("GIT_TRACE2_EVENT", &trace)
            .arg("sync")
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(trace.exists(), "git ran under the trace");
    assert!(!maintenance_started());
}
