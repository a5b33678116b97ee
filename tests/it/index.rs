//! The index of decisions (`.git/charter/index/`): `log`, `diff`,
//! `members --at`, `report` and `status` answer the same whether it is
//! absent, kept, extended after new acts, read anew after a history
//! rewrite, corrupted, forged or impossible to save.

use crate::common::*;

use serde_json::Value;

/// What the reading commands print, compared whole.
const READS: [&[&str]; 12] = [
    &["log"],
    &["log", "--json"],
    &["log", "--principle", "open-source"],
    &["diff", "2019-03-05", "2020-04-15", "--json"],
    &["diff", "2019"],
    &["diff", "2018-06-01", "--principle", "user-needs"],
    &["members", "--at", "2019-08-01"],
    &["members", "--at", "2020-03-15", "--json"],
    &["report", "2019", "--format", "json"],
    &["report", "2020"],
    &["status", "--json"],
    &["status", "--all"],
];

const OPEN_SOURCE_2019: &str = "2019-002-open-source";
const USER_NEEDS_2020: &str = "2020-001-user-needs";
const JP: &str = "2019-003-member-jp";
const ASSISTED_2020: &str = "2020-004-assisted-digital";

/// Founded 2018-01-10; in 2019 a review adopts an amendment of
/// open-source, jp is admitted, ee's amendment of connectivity is left to
/// expire, the review is closed; in 2020 user-needs is amended, nz leaves,
/// kr files an amendment and withdraws it, and il's is left open. Built
/// once per test process.
fn history() -> Group {
    Group::built_once("a history of decisions", || {
        let mut g = Group::d5_at("2018-01-10T10:00:00Z");
        g.at("2019-03-01T10:00:00Z");
        g.run_as("uk", &["review", "open", "2019"]);
        g.at("2019-03-04T10:00:00Z");
        let mut args = vec!["propose", "amend", "open-source", "--review", "2019"];
        let texts = g.texts("os", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
        args.extend(texts.iter().map(String::as_str));
        assert_eq!(g.run_as("uk", &args), OPEN_SOURCE_2019);
        g.second_and_accept_all("uk", "ee", OPEN_SOURCE_2019);
        g.at("2019-06-01T10:00:00Z");
        assert_eq!(g.admit("jp", "Japan"), JP);
        g.at("2019-07-01T10:00:00Z");
        // Left to expire.
        g.propose_amend("ee", "connectivity", CONNECTIVITY_EN, CONNECTIVITY_FR);
        g.at("2019-11-01T10:00:00Z");
        let close = g.run_as("ee", &["review", "close", "2019"]);
        g.second_and_accept_all("ee", "uk", &close);
        g.at("2020-02-01T10:00:00Z");
        let id = g.propose_amend("uk", "user-needs", USER_NEEDS_EN, USER_NEEDS_FR);
        assert_eq!(id, USER_NEEDS_2020);
        g.second_and_accept_all("uk", "ee", &id);
        g.at("2020-03-01T10:00:00Z");
        g.charter("nz").arg("leave").assert().success();
        g.at("2020-04-01T10:00:00Z");
        let id = g.propose_amend("kr", "connectivity", CONNECTIVITY_EN, CONNECTIVITY_FR);
        g.act("kr", "withdraw", &id);
        g.at("2020-04-15T10:00:00Z");
        // Left open.
        let id = g.propose_amend("il", "assisted-digital", ASSISTED_EN, ASSISTED_FR);
        assert_eq!(id, ASSISTED_2020);
        g.at("2020-05-01T10:00:00Z");
        g
    })
}

const USER_NEEDS_EN: &str = "# User needs\n\nStart with what people need, and ask them.\n";
const USER_NEEDS_FR: &str = "# Besoins des usagers\n\nPartir de leurs besoins, et les écouter.\n";
const OPEN_SOURCE_2020_EN: &str = "# Open source\n\nCode is open, and so is the data.\n";
const OPEN_SOURCE_2020_FR: &str = "# Logiciel libre\n\nLe code est ouvert, les données aussi.\n";
const ASSISTED_EN: &str = "# Assisted digital\n\nHelp is at hand.\n";
const ASSISTED_FR: &str = "# Accompagnement numérique\n\nOn vous aide.\n";
const CONNECTIVITY_EN: &str = "# Connectivity\n\nEveryone is connected.\n";
const CONNECTIVITY_FR: &str = "# Connectivité\n\nChacun est connecté.\n";

/// The (proposal, commit) pairs `log --json` lists.
fn logged(g: &Group) -> Vec<(String, String)> {
    let log = g.read_json(&["log", "--json"]);
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap().to_string();
            (field("id"), field("commit"))
        })
        .collect()
}

/// The ids `status --json` lists.
fn open(g: &Group) -> Vec<String> {
    let status = g.read_json(&["status", "--json"]);
    let list = status["proposals"].as_array().unwrap();
    list.iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// The first-parent commit whose subject is `finalize <id>: …`, by stock git.
fn finalized_by(g: &Group, id: &str) -> String {
    g.git_out(&[
        "log",
        "--first-parent",
        "--format=%H",
        &format!("--grep=^finalize {id}:"),
    ])
}

#[test]
fn reads_are_the_same_with_the_index_absent_kept_and_extended() {
    let mut g = history();
    g.drop_index();
    let absent = g.outputs(&READS);
    assert!(g.index_file().exists(), "a listing saves the index");
    // The log names what stock git names: each amendment's finalization.
    let expected: Vec<(String, String)> = [USER_NEEDS_2020, OPEN_SOURCE_2019]
        .iter()
        .map(|id| (id.to_string(), finalized_by(&g, id)))
        .collect();
    assert_eq!(logged(&g), expected);
    // Status lists the one open proposal, not the withdrawn or expired.
    assert_eq!(open(&g), [ASSISTED_2020]);
    let diffs = g.index_file().with_file_name("diffs-2019");
    assert!(diffs.exists(), "a report keeps its amendments' differences");
    g.assert_same_reads(&READS, &g.outputs(&READS), &absent, "kept");
    assert_eq!(open(&g), [ASSISTED_2020], "from what status learnt");

    // HEAD moves on: the index is extended to the new decision.
    g.at("2020-06-01T10:00:00Z");
    let id = g.propose_amend(
        "il",
        "open-source",
        OPEN_SOURCE_2020_EN,
        OPEN_SOURCE_2020_FR,
    );
    g.second_and_accept_all("il", "kr", &id);
    let extended = g.outputs(&READS);
    assert_eq!(logged(&g)[0], (id.clone(), finalized_by(&g, &id)));
    assert_ne!(extended, absent);
    let kept = std::fs::read(g.index_file()).unwrap();
    g.drop_index();
    g.assert_same_reads(&READS, &g.outputs(&READS), &extended, "rebuilt");
    assert_eq!(
        std::fs::read(g.index_file()).unwrap(),
        kept,
        "extending gives the index a rebuild gives"
    );
}

#[test]
fn a_rewritten_history_is_read_anew() {
    let mut g = history();
    g.outputs(&READS);
    // Back to before user-needs was proposed, then another story.
    let proposed = g.git_out(&[
        "log",
        "--first-parent",
        "--format=%H",
        &format!("--grep=^propose {USER_NEEDS_2020}:"),
    ]);
    g.git_out(&["reset", "-q", "--hard", &format!("{proposed}^")]);
    g.at("2020-02-15T10:00:00Z");
    let id = g.propose_amend("kr", "connectivity", CONNECTIVITY_EN, CONNECTIVITY_FR);
    g.second_and_accept_all("kr", "il", &id);
    let rewritten = g.outputs(&READS);
    let ids: Vec<String> = logged(&g).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [id.as_str(), OPEN_SOURCE_2019]);
    let kept = std::fs::read(g.index_file()).unwrap();
    g.drop_index();
    g.assert_same_reads(&READS, &g.outputs(&READS), &rewritten, "rebuilt");
    assert_eq!(std::fs::read(g.index_file()).unwrap(), kept);
}

/// A way to spoil the clone's index.
type Tamper<'a> = Box<dyn Fn(&Group) + 'a>;

#[test]
fn a_corrupt_or_forged_index_changes_nothing_read() {
    let g = history();
    let honest = g.outputs(&READS);
    let index = g.index_json();
    let decisions = index["decisions"].as_array().unwrap().clone();
    let commit_of = |i: usize| decisions[i]["commit"].as_str().unwrap().to_string();
    let id_of = |i: usize| decisions[i]["id"].as_str().unwrap().to_string();
    let foreign = "0123456789abcdef0123456789abcdef01234567";
    let tampered: Vec<(&str, Tamper<'_>)> = vec![
        (
            "garbage bytes",
            Box::new(|g| std::fs::write(g.index_file(), b"\x00\xffnot an index").unwrap()),
        ),
        (
            "a cut short file",
            Box::new(|g| {
                let bytes = std::fs::read(g.index_file()).unwrap();
                std::fs::write(g.index_file(), &bytes[..bytes.len() / 2]).unwrap();
            }),
        ),
        (
            "another proposal on a commit",
            Box::new(|g| g.edit_index(&id_of(0), &id_of(1))),
        ),
        (
            "a commit not in the history",
            Box::new(|g| g.edit_index(&commit_of(1), foreign)),
        ),
        (
            "another proposal on a commit, checksum and all",
            Box::new(|g| {
                g.forge_index(|v| {
                    let d = v["decisions"].as_array_mut().unwrap();
                    let (a, b) = (d[0]["id"].clone(), d[1]["id"].clone());
                    d[0]["id"] = b;
                    d[1]["id"] = a;
                })
            }),
        ),
        (
            "garbage in what status learnt of closed proposals",
            Box::new(|g| {
                let closed = g.index_file().with_file_name("closed");
                assert!(
                    closed.exists(),
                    "status learnt of the withdrawn and expired"
                );
                std::fs::write(closed, "garbage").unwrap();
            }),
        ),
        (
            "garbage in the differences a report kept",
            Box::new(|g| {
                let diffs = g.index_file().with_file_name("diffs-2019");
                assert!(diffs.exists(), "the report of 2019 kept its differences");
                std::fs::write(diffs, "garbage").unwrap();
            }),
        ),
        (
            "a tip not in the history, checksum and all",
            Box::new(|g| g.forge_index(|v| v["tip"] = Value::from(foreign))),
        ),
        (
            "another trust root, checksum and all",
            Box::new(|g| g.forge_index(|v| v["root"] = Value::from(foreign))),
        ),
    ];
    for (what, tamper) in tampered {
        // Control: the index is there, as the tampering expects.
        g.outputs(&READS[..1]);
        tamper(&g);
        g.assert_same_reads(&READS, &g.outputs(&READS), &honest, what);
        assert_eq!(g.index_json(), index, "{what}: the index is rebuilt");
    }
    // What is shown of a decision is read only when shown, and then from
    // HEAD if it does not read back: an acceptor that is no member id
    // (a terminal escape, say) is never printed.
    g.forge_index(|v| {
        for d in v["decisions"].as_array_mut().unwrap() {
            d["detail"]["acceptors"] = Value::from("uk \u{1b}[2J");
        }
    });
    g.assert_same_reads(&READS, &g.outputs(&READS), &honest, "a forged acceptor");
}

#[test]
fn a_clone_that_cannot_be_written_still_reads_from_history() {
    let g = history();
    let honest = g.outputs(&READS);
    g.drop_index();
    for args in READS {
        let out = g.run_read_only(args);
        assert!(out.status.success(), "charter {args:?}: {}", stderr(&out));
        let at = READS.iter().position(|r| *r == args).unwrap();
        assert_eq!(stdout(&out), honest[at], "charter {args:?}");
    }
    assert!(!g.index_file().exists(), "nothing could be saved");
}

/// A group founded on 2018-01-10, then `FILLERS` commits that change
/// nothing (as a merge of someone's unrelated work might), one a day from
/// 2018-02-01 but every 150th dated 2018-01-20, out of order; then an
/// amendment of open-source adopted on 2020-01-06.
fn long_line() -> Group {
    Group::built_once("a long first-parent line", || {
        let mut g = Group::d5_at("2018-01-10T10:00:00Z");
        let start = 1_517_443_200; // 2018-01-01T00:00:00Z
        let mut stream = String::new();
        for i in 0..FILLERS {
            let day = if i % 150 == 149 { 19 } else { 31 + i };
            let when = start + day * 86_400 + 3_600;
            let from = match i {
                0 => format!("from {}\n", g.head()),
                _ => String::new(),
            };
            let message = format!("filler {i}");
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter Someone <someone@example.org> {when} +0000\ndata {}\n{message}\n{from}\n",
                message.len()
            ));
        }
        g.git()
            .args(["fast-import", "--quiet"])
            .write_stdin(stream)
            .assert()
            .success();
        g.at("2020-01-06T10:00:00Z");
        g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
        g
    })
}

const FILLERS: i64 = 600;

/// The commit `diff DAY --json` starts from.
fn dated(g: &Group, day: &str) -> String {
    let v = g.read_json(&["diff", day, "--json"]);
    v["from"]["commit"].as_str().unwrap().to_string()
}

#[test]
fn a_day_is_found_through_the_stretches_of_a_long_line() {
    let g = long_line();
    for day in [
        "2018-01-15",
        "2018-01-25",
        "2018-03-01",
        "2018-11-30",
        "2019-06-01",
        "2019-12-31",
        "2020-02-01",
    ] {
        // Stock git's answer: the newest first-parent commit dated at or
        // before the end of that day.
        let git = g.git_out(&[
            "rev-list",
            "--first-parent",
            "-1",
            &format!("--before={day}T23:59:59Z"),
            "HEAD",
        ]);
        assert_eq!(dated(&g, day), git, "{day}");
    }
    let out = g.read().args(["diff", "2018-01-09"]).output().unwrap();
    assert_one_line_error(&out, 2, &["did not exist yet on 2018-01-09"]);
}

#[test]
fn a_rewrite_deep_in_a_long_line_reads_as_a_rebuild() {
    let mut g = long_line();
    g.outputs(&READS_LONG);
    assert_eq!(g.index_json()["checkpoints"].as_array().unwrap().len(), 2);
    // The amendment is dropped and another one made instead.
    let amended = finalized_by(&g, "2020-001-open-source");
    g.git_out(&["reset", "-q", "--hard", &format!("{amended}~6")]);
    g.at("2020-01-07T10:00:00Z");
    let id = g.adopt_amendment("user-needs", USER_NEEDS_EN, USER_NEEDS_FR);
    let rewritten = g.outputs(&READS_LONG);
    let ids: Vec<String> = logged(&g).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [id]);
    let kept = std::fs::read(g.index_file()).unwrap();
    g.drop_index();
    g.assert_same_reads(&READS_LONG, &g.outputs(&READS_LONG), &rewritten, "rebuilt");
    assert_eq!(std::fs::read(g.index_file()).unwrap(), kept);
}

const READS_LONG: [&[&str]; 4] = [
    &["log", "--json"],
    &["diff", "2018-01-25", "--json"],
    &["diff", "2019-06-01", "2020-01-31"],
    &["status", "--json"],
];

/// Found by the index's first-parent walk: the log used to list a decision
/// a merge brought twice, at the commit that made it on the other branch
/// and again at the merge.
#[test]
fn a_decision_a_merge_brings_is_logged_once_at_the_merge() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    g.act("il", "accept", &id);
    g.act("nz", "accept", &id);
    let before = g.head();
    g.act("kr", "accept", &id);
    let finalized = g.head();
    // Another line of work from before the last acceptance merges it in.
    g.git_out(&["checkout", "-q", "-b", "side", &before]);
    g.propose_amend("kr", "user-needs", USER_NEEDS_EN, USER_NEEDS_FR);
    g.git_out(&["merge", "-q", "--no-ff", "-m", "merge", &finalized]);
    g.assert_verify_passes();
    assert_eq!(logged(&g), [(id, g.head())]);
}
