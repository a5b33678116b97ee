//! A listing asked for something that does not exist says so, naming it,
//! rather than succeeding with nothing; every listing has `--json`.

use crate::common::*;

#[test]
fn a_principle_no_version_had_is_an_error_not_an_empty_log() {
    let g = Group::d5();
    let out = g
        .read()
        .args(["log", "--principle", "nope"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["'nope'", "charter principles"]);
    // A principle of the charter that never changed: an empty log.
    let out = g
        .read()
        .args(["log", "--principle", "open-markets"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn members_before_the_group_existed_is_an_error() {
    let g = Group::d5();
    let out = g
        .read()
        .args(["members", "--at", "2020-01-01"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["2020-01-01", "did not exist yet", "2026"]);
    let out = g
        .read()
        .args(["members", "--at", "2026-11-23"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("uk"), "{}", stdout(&out));
}

#[test]
fn a_report_before_the_group_existed_is_an_error() {
    let g = Group::d5();
    let out = g.read().args(["report", "2019"]).output().unwrap();
    assert_one_line_error(&out, 2, &["2019", "founded in 2026"]);
    let json = g
        .read()
        .args(["report", "2026", "--json"])
        .output()
        .unwrap();
    let format = g
        .read()
        .args(["report", "2026", "--format", "json"])
        .output()
        .unwrap();
    assert!(json.status.success(), "{}", stderr(&json));
    assert_eq!(stdout(&json), stdout(&format));
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["year"], 2026);
}

#[test]
fn key_show_has_json() {
    let g = Group::d5();
    let out = g
        .charter("kr")
        .args(["key", "show", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let public = g.env.key("kr").with_extension("pub");
    assert_eq!(v["fingerprint"], ssh_fingerprint(&public));
    assert!(openssh_key(&public).starts_with(v["key"].as_str().unwrap()));
}

/// Everyone but the proposer accepted before anyone seconded: the proposal
/// is blocked for want of a second, and `todo` asks each member who
/// accepted (not the proposer) for it; one second adopts it.
#[test]
fn todo_asks_for_the_second_an_amendment_everyone_accepted_still_needs() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    for who in ["ee", "il", "nz", "kr"] {
        g.act(who, "accept", &id);
    }
    let status = g.read_out(&["status", "--json"]);
    assert!(status.contains("not been seconded"), "{status}");
    let todo = |who: &str| g.run_as(who, &["todo"]);
    insta::assert_snapshot!(todo("ee"), @r#"charter second 2026-001-open-source  # Amend "Open source"  (deadline 2027-02-21T10:00:00Z)"#);
    assert_eq!(todo("uk"), "", "the proposer cannot second");
    assert_eq!(todo("kr"), todo("ee"));
    g.act("ee", "second", &id);
    assert!(exists(&g, &format!("{}/decision.toml", proposal_dir(&id))));
    assert_eq!(todo("kr"), "");
}

/// An amendment made against a text another amendment then replaced can
/// no longer take effect, and acting refuses to second or accept it:
/// `todo` stops asking for either once the other is adopted.
#[test]
fn todo_asks_for_no_vote_on_an_amendment_that_can_no_longer_take_effect() {
    let g = Group::d5();
    let stale = g.propose_amend("ee", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("il", "accept", &stale);
    let asked = |who: &str| g.run_as(who, &["todo"]).contains(&stale);
    // The control: before the other amendment is adopted, both are asked.
    assert!(asked("kr") && asked("uk"));
    g.adopt_amendment(
        "open-source",
        "# Open source\n\nAll government code is open source.\n",
        "# Logiciel libre\n\nTout le code public est libre.\n",
    );
    for (who, act) in [("kr", "second"), ("uk", "accept")] {
        assert!(!asked(who), "{who} is still asked to {act} {stale}");
        let err = g.assert_refused(
            g.charter(who).args([act, &stale]),
            &["no longer take effect"],
        );
        assert!(err.contains(&stale), "{err}");
    }
}

/// `todo` lists, for the acting member, every act still expected of it:
/// a second, an acceptance, withdrawing its own objection, proposing an
/// application no member has proposed; and nothing once it has acted.
#[test]
fn todo_lists_what_the_acting_member_must_still_sign() {
    let g = Group::d5();
    let amend = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let standards = g.propose_amend("ee", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    g.act("uk", "second", &standards);
    g.run_as("il", &["object", &standards, "--reason", "not yet"]);
    let application = g.apply("jp", "jp", "Japan");
    let todo = |who: &str| {
        let out = g.charter(who).args(["todo"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        (stdout(&out), stderr(&out))
    };
    let (kr, _) = todo("kr");
    insta::assert_snapshot!(kr, @r#"
    charter second 2026-001-open-source  # Amend "Open source"  (deadline 2027-02-21T10:00:00Z)
    charter accept 2026-002-open-standards  # Amend "Open standards"  (deadline 2027-02-21T10:00:00Z)
    charter propose member jp  # Admit Japan (jp)  (deadline 2027-02-21T10:00:00Z)
    "#);
    let (il, _) = todo("il");
    assert!(
        il.contains(&format!("charter object {standards} --withdraw")),
        "{il}"
    );
    let v: serde_json::Value = serde_json::from_str(&g.run_as("kr", &["todo", "--json"])).unwrap();
    let acts: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["act"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        acts,
        [
            (amend.clone(), "second".to_string()),
            (standards.clone(), "accept".to_string()),
            (application.clone(), "propose".to_string()),
        ]
    );
    assert_eq!(v["member"], "kr");
    // Once kr has seconded and accepted, only the application is left.
    g.act("kr", "second", &amend);
    g.act("kr", "accept", &standards);
    let (kr, _) = todo("kr");
    assert_eq!(kr.lines().count(), 1, "{kr}");
    assert!(kr.starts_with("charter propose member jp  # "), "{kr}");
    // A member with nothing to sign is told so on stderr, stdout empty.
    g.run_as("uk", &["propose", "member", "jp"]);
    let (uk, said) = todo("uk");
    assert_eq!(uk, "", "{said}");
    assert_eq!(said, "nothing for uk to sign\n");
}

/// Each act's JSON carries the line on what happens next.
#[test]
fn an_act_says_what_happens_next() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let out = g.charter("ee").args(["second", &id]).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(stderr(&out), @"ee seconded 2026-001-open-source; waiting for il, kr, nz (deadline 2027-02-21T10:00:00Z)");
    let v: serde_json::Value =
        serde_json::from_str(&g.run_as("il", &["accept", &id, "--json"])).unwrap();
    let next = v["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "il accepted {id}; waiting for kr, nz (deadline 20"
        )),
        "{next}"
    );
}

/// `show` judges each old signature by the key its signer held when it
/// signed, as `verify` does: after kr rotates its key and nz leaves, every
/// act they made before stays good.
#[test]
fn show_keeps_old_signatures_good_after_a_rotation_and_a_departure() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.second_and_accept_all("uk", "ee", &id);
    let new_key = g.new_key("kr-2027");
    g.run_as(
        "kr",
        &["key", "rotate", "--new-key", new_key.to_str().unwrap()],
    );
    g.run_as("nz", &["leave"]);
    let shown = g.read_json(&["show", &id, "--json"]);
    let signatures = shown["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 5, "{shown}");
    for s in signatures {
        assert_eq!(s["valid"], serde_json::json!(true), "{s}");
    }
    let text = g.read_out(&["show", &id]);
    assert!(!text.contains("BAD"), "{text}");
    g.assert_verify_passes();
}
