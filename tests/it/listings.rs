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
