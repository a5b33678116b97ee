//! Issue 11: the verifier reads each open proposal once and then only what
//! each commit adds to it, and checks signatures on other cores while it
//! reads on. Neither may change a verdict: the first violation in history
//! order is the one named, whatever the signatures queued before it, and a
//! record added to a proposal read earlier gets every check a full read of
//! the proposal makes. Each attack sits beside an honest control of the
//! same shape.

use crate::common::*;

/// uk proposes, ee seconds: an open proposal the walk has read.
fn open_proposal(g: &Group) -> (String, String) {
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    let dir = proposal_dir(&id);
    (id, dir)
}

/// `who`'s signature over `msg` with one byte of the signature itself
/// changed: it names `who`'s key and reads as a signature, and only the
/// curve arithmetic, the part checked on other cores, refuses it.
fn corrupted(g: &Group, who: &str, msg: &str) -> String {
    corrupt_signature(&g.ssh_sign(who, msg))
}

/// il's acceptance of `id`, committed by hand, its signature corrupted or
/// not; the commit.
fn hand_accept(g: &Group, id: &str, corrupt: bool) -> String {
    let dir = proposal_dir(id);
    let msg = g.message(id, "accept", "il", NOW);
    let sig = if corrupt {
        corrupted(g, "il", &msg)
    } else {
        g.ssh_sign("il", &msg)
    };
    g.write(&format!("{dir}/signatures/il.accept.msg"), &msg);
    g.write(&format!("{dir}/signatures/il.accept.sig"), &sig);
    g.git_commit_all("il accepts, by hand");
    assert_eq!(
        g.ssh_verifies("il", &format!("{dir}/signatures/il.accept.msg")),
        !corrupt
    );
    g.head()
}

#[test]
fn a_bad_signature_is_named_before_a_later_violation() {
    for bad in [false, true] {
        let g = Group::d5();
        let (id, dir) = open_proposal(&g);
        let accepted = hand_accept(&g, &id, bad);
        // A later commit breaks another rule.
        g.write("notes.txt", "not governed\n");
        g.git_commit_all("a stray file");
        for args in [&[][..], &["--full"][..]] {
            let f = g.verify_failure_with(args);
            if bad {
                assert_eq!(f.commit, accepted[..12], "{}", f.stderr);
                assert_eq!(f.rule, "signature", "{}", f.stderr);
                assert_eq!(f.path, format!("{dir}/signatures/il.accept.sig"));
            } else {
                // Control: the same history with il's own signature fails
                // only at the stray file.
                assert_eq!(f.commit, g.head()[..12], "{}", f.stderr);
                assert_eq!(f.rule, "unknown-path", "{}", f.stderr);
            }
        }
    }
}

#[test]
fn a_bad_signature_among_good_ones_in_one_commit_is_named() {
    let g = Group::d5();
    let (id, dir) = open_proposal(&g);
    // Three acceptances in one commit, the middle one (by file name order
    // and by time) corrupted, the last with a bad signature too.
    for (who, date) in [
        ("il", "2026-11-23T10:00:01Z"),
        ("kr", "2026-11-23T10:00:02Z"),
        ("nz", "2026-11-23T10:00:03Z"),
    ] {
        let msg = g.message(&id, "accept", who, date);
        let sig = match who {
            "il" => g.ssh_sign("il", &msg),
            _ => corrupted(&g, who, &msg),
        };
        g.write(&format!("{dir}/signatures/{who}.accept.msg"), &msg);
        g.write(&format!("{dir}/signatures/{who}.accept.sig"), &sig);
    }
    g.git_commit_all("three acceptances");
    g.assert_head_violates("signature", &format!("{dir}/signatures/kr.accept.sig"));
}

/// Files added to a proposal the walk has already read, each judged as a
/// full read of the proposal judges it.
#[test]
fn records_added_to_an_open_proposal_get_every_check() {
    // What is added, the files (name, content), where the error is, what it says.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 5] = [
        // A .msg without its .sig.
        (
            "a record without its signature",
            &[("il.accept.msg", "MSG")],
            "il.accept.sig",
            "missing: every .msg needs its .sig",
        ),
        // A .sig without its .msg.
        (
            "a signature without its record",
            &[("il.accept.sig", "SIG")],
            "il.accept.sig",
            "missing its .msg",
        ),
        // A file that is not a record.
        (
            "a stray file among the records",
            &[("notes.txt", "x\n")],
            "notes.txt",
            "not a signed record",
        ),
        // A record filed under another member's name.
        (
            "a record under another name",
            &[("kr.accept.msg", "MSG"), ("kr.accept.sig", "SIG")],
            "kr.accept.msg",
            "does not match the signer and act inside",
        ),
        // A record that is not in canonical form.
        (
            "a record not in canonical form",
            &[("il.accept.msg", "MSG "), ("il.accept.sig", "SIG")],
            "il.accept.msg",
            "",
        ),
    ];
    for (what, files, at, needle) in cases {
        let g = Group::d5();
        let (id, dir) = open_proposal(&g);
        g.assert_verify_passes();
        let msg = g.message(&id, "accept", "il", NOW);
        let sig = g.ssh_sign("il", &msg);
        for (name, content) in files {
            let content = match *content {
                "MSG" => msg.clone(),
                "MSG " => msg.replace("act accept", "act  accept"),
                "SIG" => sig.clone(),
                other => other.to_string(),
            };
            g.write(&format!("{dir}/signatures/{name}"), &content);
        }
        g.git_commit_all(what);
        for args in [&[][..], &["--full"][..]] {
            let f = g.verify_failure_with(args);
            assert_eq!(f.rule, "malformed", "{what}: {}", f.stderr);
            assert_eq!(
                f.path,
                format!("{dir}/signatures/{at}"),
                "{what}: {}",
                f.stderr
            );
            assert!(f.message.contains(needle), "{what}: {}", f.stderr);
            assert_eq!(f.commit, g.head()[..12], "{what}");
        }
    }
    // Control: the honest record, added the same way, verifies.
    let g = Group::d5();
    let (id, _) = open_proposal(&g);
    hand_accept(&g, &id, false);
    g.assert_verify_passes();
    g.assert_verify_passes_full();
}
