//! The annual review and the auditable history, through the built binary:
//! `review open/close/status`, the `charter-YEAR` tags, `log`, `diff`,
//! `report`, the overdue and translation warnings of `status` and `show`,
//! `propose add-language` and the dn2021 template.

use crate::common::*;

use serde_json::{json, Value};

// ---- The story of four years: founded 2018, reviews 2019, 2020, 2021 ----

const FOUNDED: &str = "2018-01-10T10:00:00Z";

const OPEN_2019: &str = "2019-001-open-review-2019";
const AMEND_2019: &str = "2019-002-open-source";
const CLOSE_2019: &str = "2019-003-close-review-2019";
const OPEN_2020: &str = "2020-001-open-review-2020";
const CLOSE_2020: &str = "2020-002-close-review-2020";
const OPEN_2021: &str = "2021-001-open-review-2021";
const ADD_2021: &str = "2021-002-digital-inclusion";
const RETIRE_2021: &str = "2021-003-open-markets";
const CLOSE_2021: &str = "2021-004-close-review-2021";

/// The d5 template's texts the story touches.
const OS_D5_EN: &str = "# Open source\n\nOpen source: future government systems, tools and services will be made open source and shareable between members where appropriate.\n";
const OS_D5_FR: &str = "# Logiciel libre\n\nLogiciel libre : les futurs systèmes, outils et services de l’administration seront rendus libres (open source) et partageables entre les membres, lorsque cela est approprié.\n";
const OM_D5_EN_BODY: &str = "Open markets: in government procurement, create true competition for companies regardless of size. Encourage and support a start-up culture and promote growth through open markets.";
const OM_D5_FR_BODY: &str = "Marchés ouverts : dans la commande publique, instaurer une véritable concurrence entre les entreprises, quelle que soit leur taille. Encourager et soutenir une culture favorable aux jeunes pousses (start-up) et favoriser la croissance par des marchés ouverts.";

/// The 2019 amendment of open-source: "by default" rather than "where appropriate".
const OS_2019_EN: &str = "# Open source\n\nOpen source: future government systems, tools and services will be made open source and shareable between members by default.\n";
const OS_2019_FR: &str = "# Logiciel libre\n\nLogiciel libre : les futurs systèmes, outils et services de l’administration seront rendus libres (open source) et partageables entre les membres, par défaut.\n";

/// The principle added in 2021.
const DI_EN: &str =
    "# Digital inclusion\n\nEveryone can use digital public services, whatever their abilities.\n";
const DI_FR: &str = "# Inclusion numérique\n\nChacun peut utiliser les services publics numériques, quelles que soient ses capacités.\n";
const DI_EN_BODY: &str = "Everyone can use digital public services, whatever their abilities.";
const DI_FR_BODY: &str =
    "Chacun peut utiliser les services publics numériques, quelles que soient ses capacités.";

/// The charter after the review of 2021: open-markets retired,
/// digital-inclusion added last.
const IDS_2021: [&str; 9] = [
    "user-needs",
    "open-standards",
    "open-source",
    "open-government",
    "connectivity",
    "teach-children-to-code",
    "assisted-digital",
    "commitment-to-share-and-learn",
    "digital-inclusion",
];

/// The group is founded on 2018-01-10. The review of 2019 adopts an
/// amendment of open-source; the review of 2020 changes nothing; the review
/// of 2021 adds digital-inclusion and retires open-markets. The clock is
/// left at 2021-12-01. Built once per test process.
fn four_years() -> Group {
    Group::built_once("four years of reviews", build_four_years)
}

fn build_four_years() -> Group {
    let mut g = Group::d5_at(FOUNDED);

    // 2019: uk opens the review; uk's amendment of open-source is adopted.
    g.at("2019-03-01T10:00:00Z");
    assert_eq!(g.run_as("uk", &["review", "open", "2019"]), OPEN_2019);
    g.at("2019-03-04T10:00:00Z");
    let texts = g.texts("open-source-2019", OS_2019_EN, OS_2019_FR);
    // An amendment cannot name a review that is not open.
    g.assert_refused(
        g.charter("uk")
            .args(["propose", "amend", "open-source", "--review", "2020"])
            .args(&texts),
        &["the review of 2020 is not open"],
    );
    let mut args = vec!["propose", "amend", "open-source", "--review", "2019"];
    args.extend(texts.iter().map(String::as_str));
    assert_eq!(g.run_as("uk", &args), AMEND_2019);
    g.at("2019-03-05T10:00:00Z");
    g.act("ee", "second", AMEND_2019);
    g.at("2019-03-06T10:00:00Z");
    g.act("il", "accept", AMEND_2019);
    g.act("nz", "accept", AMEND_2019);
    g.at("2019-03-07T10:00:00Z");
    g.act("kr", "accept", AMEND_2019);
    // ee proposes to close it; everyone re-affirms the charter.
    g.at("2019-11-01T10:00:00Z");
    assert_eq!(g.run_as("ee", &["review", "close", "2019"]), CLOSE_2019);
    g.act("uk", "second", CLOSE_2019);
    g.at("2019-11-05T10:00:00Z");
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", CLOSE_2019);
    }

    // 2020: a review that changes nothing.
    g.at("2020-10-01T10:00:00Z");
    assert_eq!(g.run_as("il", &["review", "open", "2020"]), OPEN_2020);
    g.at("2020-11-02T10:00:00Z");
    assert_eq!(g.run_as("il", &["review", "close", "2020"]), CLOSE_2020);
    g.second_and_accept_all("il", "nz", CLOSE_2020);

    // 2021: digital-inclusion added, open-markets retired.
    g.at("2021-02-01T10:00:00Z");
    assert_eq!(g.run_as("kr", &["review", "open", "2021"]), OPEN_2021);
    g.at("2021-03-01T10:00:00Z");
    let texts = g.texts("digital-inclusion", DI_EN, DI_FR);
    let mut args = vec!["propose", "add", "digital-inclusion", "--review", "2021"];
    args.extend(texts.iter().map(String::as_str));
    assert_eq!(g.run_as("uk", &args), ADD_2021);
    g.act("ee", "second", ADD_2021);
    g.at("2021-03-02T10:00:00Z");
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", ADD_2021);
    }
    g.at("2021-04-01T10:00:00Z");
    assert_eq!(
        g.run_as(
            "nz",
            &["propose", "retire", "open-markets", "--review", "2021"]
        ),
        RETIRE_2021
    );
    g.act("il", "second", RETIRE_2021);
    g.at("2021-04-02T10:00:00Z");
    for who in ["uk", "ee", "kr"] {
        g.act(who, "accept", RETIRE_2021);
    }
    g.at("2021-11-15T10:00:00Z");
    assert_eq!(g.run_as("uk", &["review", "close", "2021"]), CLOSE_2021);
    g.second_and_accept_all("uk", "ee", CLOSE_2021);

    g.at("2021-12-01T10:00:00Z");
    g
}

/// The finalization commit of proposal `id` (the commit whose subject is
/// `finalize <id>: ...`).
fn finalization_of(g: &Group, id: &str) -> String {
    let found = g.git_out(&[
        "log",
        "--format=%H",
        "--fixed-strings",
        &format!("--grep=finalize {id}:"),
    ]);
    let lines: Vec<&str> = found.lines().collect();
    assert_eq!(lines.len(), 1, "one finalization of {id}: {found}");
    lines[0].to_string()
}

fn short(commit: &str) -> &str {
    &commit[..12]
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

fn is_commit(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Asserts that the JSON object `v` has every one of `keys`.
fn assert_fields(v: &Value, keys: &[&str], what: &str) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for k in keys {
        assert!(obj.contains_key(*k), "{what} has no field '{k}': {v}");
    }
}

/// (member, act, date) of every signature of a report decision, sorted.
fn signatures(decision: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = decision["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| {
            (
                s["member"].as_str().unwrap().to_string(),
                s["act"].as_str().unwrap().to_string(),
                s["date"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn sig(member: &str, act: &str, date: &str) -> (String, String, String) {
    (member.to_string(), act.to_string(), date.to_string())
}

#[test]
fn four_years_of_reviews_are_tagged_diffed_logged_and_reported() {
    let g = four_years();
    g.assert_verify_passes();

    // Every closed review is tagged on the commit that finalized its closing.
    assert_eq!(
        g.git_out(&["tag", "--list", "charter-*"]),
        "charter-2019\ncharter-2020\ncharter-2021"
    );
    let tag_2019 = g.tag_commit("charter-2019").unwrap();
    let tag_2020 = g.tag_commit("charter-2020").unwrap();
    let tag_2021 = g.tag_commit("charter-2021").unwrap();
    assert_eq!(tag_2019, finalization_of(&g, CLOSE_2019));
    assert_eq!(tag_2020, finalization_of(&g, CLOSE_2020));
    assert_eq!(tag_2021, finalization_of(&g, CLOSE_2021));
    assert_eq!(tag_2021, g.head());
    assert_eq!(
        g.read_file("reviews/2019.toml"),
        format!(
            "year = 2019\nopened = \"2019-03-01T10:00:00Z\"\nopened_by = \"uk\"\nopening = \"{OPEN_2019}\"\nclosed = \"2019-11-05T10:00:00Z\"\nclosing = \"{CLOSE_2019}\"\n"
        )
    );

    // --- review status ---
    let retained = |id: &str| json!({"id": id, "fate": "retained", "proposals": []});
    let status_2021 = g.read_json(&["review", "status", "2021", "--json"]);
    let mut expected: Vec<Value> = IDS_2021[..8].iter().map(|id| retained(id)).collect();
    expected.push(json!({"id": "digital-inclusion", "fate": "added", "proposals": [{"id": ADD_2021, "status": "adopted"}]}));
    expected.push(json!({"id": "open-markets", "fate": "retired", "proposals": [{"id": RETIRE_2021, "status": "adopted"}]}));
    assert_eq!(
        status_2021,
        json!({
            "year": 2021,
            "opened": "2021-02-01T10:00:00Z",
            "opened_by": "kr",
            "closed": "2021-11-15T10:00:00Z",
            "closing": CLOSE_2021,
            "principles": expected,
        })
    );
    // Without a year: the newest review.
    assert_eq!(g.read_json(&["review", "status", "--json"]), status_2021);

    // --- diff between two reviews ---
    let header = |from: &str, from_c: &str, to: &str, to_c: &str, lang: &str| {
        format!(
            "charter {from} ({}) → {to} ({}), {lang}\n",
            short(from_c),
            short(to_c)
        )
    };
    let expected_en = format!(
        "{}\n9. Digital inclusion (digital-inclusion): added\n    {{+{DI_EN_BODY}+}}\n\n4. Open markets (open-markets): retired\n    [-{OM_D5_EN_BODY}-]\n",
        header("2019", &tag_2019, "2021", &tag_2021, "en")
    );
    assert_eq!(g.read_out(&["diff", "2019", "2021"]), expected_en);
    // A tag name is the same version as its year.
    assert_eq!(
        g.read_out(&["diff", "charter-2019", "charter-2021"]),
        expected_en
            .replace("2019 (", "charter-2019 (")
            .replace("→ 2021", "→ charter-2021")
    );
    // French works like English.
    assert_eq!(
        g.read_out(&["diff", "2019", "2021", "--lang", "fr"]),
        format!(
            "{}\n9. Inclusion numérique (digital-inclusion): added\n    {{+{DI_FR_BODY}+}}\n\n4. Marchés ouverts (open-markets): retired\n    [-{OM_D5_FR_BODY}-]\n",
            header("2019", &tag_2019, "2021", &tag_2021, "fr")
        )
    );
    // --all also lists the unchanged ones, without a diff.
    insta::assert_snapshot!(g.shown(&["diff", "2019", "2021", "--all"]), @"
    charter 2019 (bdac3d2ab0f1) → 2021 (f21ef16cc3f1), en

    1. User needs (user-needs): unchanged

    2. Open standards (open-standards): unchanged

    3. Open source (open-source): unchanged

    4. Open government (transparency) (open-government): unchanged

    5. Connectivity (connectivity): unchanged

    6. Teaching children to code (teach-children-to-code): unchanged

    7. Assisted digital (assisted-digital): unchanged

    8. Commitment to share and learn (commitment-to-share-and-learn): unchanged

    9. Digital inclusion (digital-inclusion): added
        {+Everyone can use digital public services, whatever their abilities.+}

    4. Open markets (open-markets): retired
        [-Open markets: in government procurement, create true competition for companies regardless of size. Encourage and support a start-up culture and promote growth through open markets.-]
    ");
    // 2020 changed nothing.
    assert_eq!(
        g.read_out(&["diff", "2019", "2020"]),
        format!(
            "{}\nno changes\n",
            header("2019", &tag_2019, "2020", &tag_2020, "en")
        )
    );
    // Default: the last closed review against now.
    assert_eq!(
        g.read_out(&["diff"]),
        format!(
            "{}\nno changes\n",
            header("charter-2021", &tag_2021, "now", &g.head(), "en")
        )
    );

    // --- diff from a day to a review, one principle, word by word ---
    let genesis = g.genesis();
    assert_eq!(
        g.read_out(&["diff", "2018-06-01", "2019", "--principle", "open-source"]),
        format!(
            "{}\n3. Open source (open-source): amended\n    Open source: future government systems, tools and services will be made open source and shareable between members [-where appropriate-]{{+by default+}}.\n",
            header("2018-06-01", &genesis, "2019", &tag_2019, "en")
        )
    );
    assert_eq!(
        g.read_out(&[
            "diff",
            "2018-06-01",
            "2019",
            "--principle",
            "open-source",
            "--lang",
            "fr"
        ]),
        format!(
            "{}\n3. Logiciel libre (open-source): amended\n    Logiciel libre : les futurs systèmes, outils et services de l’administration seront rendus libres (open source) et partageables entre les membres, [-lorsque cela est approprié-]{{+par défaut+}}.\n",
            header("2018-06-01", &genesis, "2019", &tag_2019, "fr")
        )
    );
    // A commit works as a version too.
    let by_commit = g.read_out(&["diff", &genesis, &tag_2019, "--principle", "open-source"]);
    assert!(
        by_commit.ends_with("[-where appropriate-]{+by default+}.\n"),
        "{by_commit}"
    );
    // The word diff is the same in JSON.
    let d = g.read_json(&[
        "diff",
        "2018-06-01",
        "2019",
        "--principle",
        "open-source",
        "--json",
    ]);
    assert_eq!(
        d["principles"][0]["diff"],
        json!([
            {"op": "same", "text": "Open source: future government systems, tools and services will be made open source and shareable between members "},
            {"op": "removed", "text": "where appropriate"},
            {"op": "added", "text": "by default"},
            {"op": "same", "text": "."},
        ])
    );

    // --- log ---
    let log = g.read_json(&["log", "--principle", "open-source", "--json"]);
    let amend_commit = finalization_of(&g, AMEND_2019);
    assert_eq!(
        log,
        json!([{
            "date": "2019-03-07T10:00:00Z",
            "id": AMEND_2019,
            "title": "Amend \"Open source\"",
            "kind": "amend",
            "principle": "open-source",
            "language": null,
            "proposer": "uk",
            "seconders": ["ee"],
            "acceptors": ["ee", "il", "kr", "nz", "uk"],
            "commit": amend_commit,
            "review": 2019,
        }])
    );
    // The commit is a real one, and it is the one that changed the text.
    let stat = g.git_out(&["show", "--stat", "--format=%s", &amend_commit]);
    assert!(
        stat.starts_with(&format!("finalize {AMEND_2019}: Amend \"Open source\"")),
        "{stat}"
    );
    assert!(stat.contains("charter/open-source.en.md"), "{stat}");
    assert!(stat.contains("charter/open-source.fr.md"), "{stat}");
    assert_eq!(
        g.git_out(&["show", &format!("{amend_commit}:charter/open-source.en.md")]),
        OS_2019_EN.trim_end()
    );
    assert_eq!(
        g.git_out(&[
            "show",
            &format!("{amend_commit}~1:charter/open-source.en.md")
        ]),
        OS_D5_EN.trim_end()
    );
    // Every change, newest first; reviews change no text and are not listed.
    let all = g.read_json(&["log", "--json"]);
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [RETIRE_2021, ADD_2021, AMEND_2019]);
    assert_eq!(all[2], log[0]);
    // The human log says the same.
    let text = g.read_out(&["log", "--principle", "open-source"]);
    assert_eq!(
        text,
        format!(
            "{} {AMEND_2019}  Amend \"Open source\"\n  2019-03-07T10:00:00Z amend, review 2019\n  proposed by uk, seconded by ee\n  accepted by ee, il, kr, nz, uk\n\n",
            short(&amend_commit)
        )
    );

    // --- members on a day ---
    assert_eq!(
        g.member_ids(Some("2020-06-01")),
        ["ee", "il", "kr", "nz", "uk"]
    );

    // --- report 2021 ---
    let r = g.read_json(&["report", "2021", "--format", "json"]);
    assert_eq!(r["year"], json!(2021));
    assert_eq!(r["group"], json!("Digital 5"));
    assert_eq!(r["charter"]["tag"], json!("charter-2021"));
    assert_eq!(r["charter"]["commit"], json!(tag_2021));
    assert_eq!(r["charter"]["reaffirmed_on"], json!("2021-11-15T10:00:00Z"));
    let principles = r["charter"]["principles"].as_array().unwrap();
    let ids: Vec<&str> = principles
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, IDS_2021);
    for (i, p) in principles.iter().enumerate() {
        assert_eq!(p["number"], json!(i + 1));
    }
    assert_eq!(
        principles[8]["texts"],
        json!([
            {"lang": "en", "title": "Digital inclusion", "text": DI_EN_BODY},
            {"lang": "fr", "title": "Inclusion numérique", "text": DI_FR_BODY},
        ])
    );
    assert_eq!(
        principles[2]["texts"][0],
        json!({"lang": "en", "title": "Open source", "text": "Open source: future government systems, tools and services will be made open source and shareable between members by default."})
    );

    let amendments = r["amendments"].as_array().unwrap();
    assert_eq!(amendments.len(), 2, "{amendments:?}");
    let (add, retire) = (&amendments[0], &amendments[1]);
    assert_eq!(add["id"], json!(ADD_2021));
    assert_eq!(add["title"], json!("Add \"Digital inclusion\""));
    assert_eq!(add["kind"], json!("add"));
    assert_eq!(add["principle"], json!("digital-inclusion"));
    assert_eq!(add["adopted"], json!("2021-03-02T10:00:00Z"));
    assert_eq!(add["commit"], json!(finalization_of(&g, ADD_2021)));
    let changes = add["changes"].as_array().unwrap();
    let paths: Vec<&str> = changes
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "charter/digital-inclusion.en.md",
            "charter/digital-inclusion.fr.md",
            "charter/index.toml"
        ]
    );
    assert_eq!(changes[0]["diff"], json!([{"op": "added", "text": DI_EN}]));
    assert_eq!(changes[1]["diff"], json!([{"op": "added", "text": DI_FR}]));
    assert_eq!(
        changes[2]["diff"][1],
        json!({"op": "added", "text": "  \"digital-inclusion\",\n"})
    );
    assert_eq!(retire["id"], json!(RETIRE_2021));
    assert_eq!(retire["title"], json!("Retire \"Open markets\""));
    assert_eq!(retire["kind"], json!("retire"));
    assert_eq!(retire["principle"], json!("open-markets"));
    assert_eq!(retire["adopted"], json!("2021-04-02T10:00:00Z"));
    assert_eq!(retire["commit"], json!(finalization_of(&g, RETIRE_2021)));
    let changes = retire["changes"].as_array().unwrap();
    let by_path = |p: &str| {
        changes
            .iter()
            .find(|c| c["path"] == json!(p))
            .unwrap_or_else(|| panic!("no change of {p}: {changes:?}"))
            .clone()
    };
    assert_eq!(
        by_path("charter/open-markets.en.md")["diff"],
        json!([{"op": "removed", "text": format!("# Open markets\n\n{OM_D5_EN_BODY}\n")}])
    );
    assert_eq!(
        by_path("charter/open-markets.fr.md")["diff"],
        json!([{"op": "removed", "text": format!("# Marchés ouverts\n\n{OM_D5_FR_BODY}\n")}])
    );
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(by_path("charter/index.toml")["diff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["op"] == json!("removed")));

    assert_eq!(r["joined"], json!([]));
    assert_eq!(r["left"], json!([]));

    let decisions = r["decisions"].as_array().unwrap();
    let ids: Vec<&str> = decisions
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [OPEN_2021, ADD_2021, RETIRE_2021, CLOSE_2021]);
    let everyone = ["ee", "il", "kr", "nz", "uk"];
    let open = &decisions[0];
    assert_eq!(open["kind"], json!("review-open"));
    assert_eq!(open["title"], json!("Open the review of 2021"));
    assert_eq!(open["adopted"], json!("2021-02-01T10:00:00Z"));
    assert_eq!(open["proposer"], json!("kr"));
    assert_eq!(open["seconders"], json!([]));
    assert_eq!(
        signatures(open),
        [sig("kr", "propose", "2021-02-01T10:00:00Z")]
    );
    let add = &decisions[1];
    assert_eq!(add["kind"], json!("add"));
    assert_eq!(add["proposer"], json!("uk"));
    assert_eq!(add["seconders"], json!(["ee"]));
    assert_eq!(add["acceptors"], json!(everyone));
    assert_eq!(add["commit"], json!(finalization_of(&g, ADD_2021)));
    assert_eq!(
        signatures(add),
        [
            sig("ee", "second", "2021-03-01T10:00:00Z"),
            sig("il", "accept", "2021-03-02T10:00:00Z"),
            sig("kr", "accept", "2021-03-02T10:00:00Z"),
            sig("nz", "accept", "2021-03-02T10:00:00Z"),
            sig("uk", "propose", "2021-03-01T10:00:00Z"),
        ]
    );
    let retire = &decisions[2];
    assert_eq!(retire["proposer"], json!("nz"));
    assert_eq!(retire["seconders"], json!(["il"]));
    assert_eq!(retire["acceptors"], json!(everyone));
    assert_eq!(
        signatures(retire),
        [
            sig("ee", "accept", "2021-04-02T10:00:00Z"),
            sig("il", "second", "2021-04-01T10:00:00Z"),
            sig("kr", "accept", "2021-04-02T10:00:00Z"),
            sig("nz", "propose", "2021-04-01T10:00:00Z"),
            sig("uk", "accept", "2021-04-02T10:00:00Z"),
        ]
    );
    let close = &decisions[3];
    assert_eq!(close["kind"], json!("review-close"));
    assert_eq!(
        close["title"],
        json!("Close the review of 2021: re-affirm the charter")
    );
    assert_eq!(close["adopted"], json!("2021-11-15T10:00:00Z"));
    assert_eq!(close["commit"], json!(tag_2021));
    assert_eq!(close["proposer"], json!("uk"));
    assert_eq!(close["seconders"], json!(["ee"]));
    assert_eq!(close["acceptors"], json!(everyone));
    assert_eq!(
        signatures(close),
        [
            sig("ee", "second", "2021-11-15T10:00:00Z"),
            sig("il", "accept", "2021-11-15T10:00:00Z"),
            sig("kr", "accept", "2021-11-15T10:00:00Z"),
            sig("nz", "accept", "2021-11-15T10:00:00Z"),
            sig("uk", "propose", "2021-11-15T10:00:00Z"),
        ]
    );

    assert_eq!(r["verification"]["holds"], json!(true));
    assert_eq!(r["verification"]["violation"], Value::Null);
    let summary = &r["verification"]["summary"];
    assert_eq!(summary["root"], json!(genesis));
    assert_eq!(summary["head"], json!(g.head()));
    assert_eq!(summary["principles"], json!(9));
    assert_eq!(summary["members"], json!(5));
    assert_eq!(summary["finalizations"], json!(9));

    // --- the same report in Markdown ---
    insta::assert_snapshot!("report_2021", g.shown(&["report", "2021"]));

    // The founding year's report: the five founders joined.
    let r2018 = g.read_json(&["report", "2018", "--format", "json"]);
    let joined: Vec<Value> = ["ee", "il", "kr", "nz", "uk"]
        .iter()
        .map(|id| json!({"id": id, "name": id, "date": FOUNDED}))
        .collect();
    assert_eq!(r2018["joined"], json!(joined));
    assert_eq!(r2018["charter"]["tag"], Value::Null);
    assert_eq!(r2018["decisions"], json!([]));
}

/// `review status` of a past review: the principles of the charter that
/// review re-affirmed, not those of the charter as it stands now.
#[test]
fn the_status_of_a_past_review_lists_the_principles_it_reviewed() {
    let g = four_years();
    let retained = |id: &str| json!({"id": id, "fate": "retained", "proposals": []});
    let status_2019 = g.read_json(&["review", "status", "2019", "--json"]);
    let expected: Vec<Value> = D5_PRINCIPLES
        .iter()
        .map(|id| match *id {
            "open-source" => json!({"id": id, "fate": "amended", "proposals": [{"id": AMEND_2019, "status": "adopted"}]}),
            _ => retained(id),
        })
        .collect();
    assert_eq!(
        status_2019["principles"],
        json!(expected),
        "the review of 2019 re-affirmed charter-2019: open-markets was retained, digital-inclusion did not exist"
    );
    assert_eq!(status_2019["closing"], json!(CLOSE_2019));
    let status_2020 = g.read_json(&["review", "status", "2020", "--json"]);
    let expected: Vec<Value> = D5_PRINCIPLES.iter().map(|id| retained(id)).collect();
    assert_eq!(
        status_2020["principles"],
        json!(expected),
        "the review of 2020 re-affirmed charter-2020, the nine d5 principles"
    );
}

// ---- Closing a review while one of its proposals is open ----

const OS_NEW_EN: &str = "# Open source\n\nAll government code is open source.\n";
const OS_NEW_FR: &str = "# Logiciel libre\n\nTout le code public est libre.\n";

/// A group (founded at NOW, 2026-11-23) whose review of 2026 is open, with
/// an amendment of that review still open, and a close of the review that
/// every member has accepted. Returns (amendment, close).
fn close_while_amendment_open(g: &Group) -> (String, String) {
    assert_eq!(
        g.run_as("uk", &["review", "open", "2026"]),
        "2026-001-open-review-2026"
    );
    // The close is proposed first (a close is refused while an amendment
    // of the review is open), then an amendment is filed for the review.
    let close = g.run_as("ee", &["review", "close", "2026"]);
    assert_eq!(close, "2026-002-close-review-2026");
    let texts = g.texts("open-source", OS_NEW_EN, OS_NEW_FR);
    let mut args = vec!["propose", "amend", "open-source", "--review", "2026"];
    args.extend(texts.iter().map(String::as_str));
    let amendment = g.run_as("uk", &args);
    assert_eq!(amendment, "2026-003-open-source");
    g.act("uk", "second", &close);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &close);
    }
    (amendment, close)
}

/// The last acceptance of the close did not finalize it.
fn assert_close_not_finalized(g: &Group, close: &str) {
    assert_eq!(g.tag_commit("charter-2026"), None);
    assert!(
        !g.repo
            .join(format!("{}/decision.toml", proposal_dir(close)))
            .exists(),
        "the close was finalized"
    );
    assert!(!g.read_file("reviews/2026.toml").contains("closed"));
    let review = g.read_json(&["review", "status", "2026", "--json"]);
    assert_eq!(review["closed"], Value::Null);
    assert_eq!(review["closing"], Value::Null);
    let shown = g.read_json(&["show", close, "--json"]);
    assert_eq!(shown["status"], json!("open"));
    assert_eq!(shown["missing"], json!([]));
    assert_eq!(shown["accepted_by"], json!(["ee", "il", "kr", "nz", "uk"]));
}

/// Proposing to close a review while one of its amendments is open is
/// refused before anything is signed, naming it; once it is withdrawn,
/// the same command files the close (the control).
#[test]
fn a_review_close_is_refused_while_an_amendment_of_the_review_is_open() {
    let g = Group::d5();
    g.run_as("uk", &["review", "open", "2026"]);
    let texts = g.texts("open-source", OS_NEW_EN, OS_NEW_FR);
    let mut args = vec!["propose", "amend", "open-source", "--review", "2026"];
    args.extend(texts.iter().map(String::as_str));
    let amendment = g.run_as("uk", &args);
    let head = g.head();
    let err = g.assert_refused(
        g.charter("ee").args(["review", "close", "2026"]),
        &["the review of 2026 cannot close while", &amendment],
    );
    insta::assert_snapshot!(err, @"error: the review of 2026 cannot close while 2026-002-open-source is open: accept, withdraw or let them expire first");
    assert_eq!(g.head(), head);
    g.act("uk", "withdraw", &amendment);
    assert_eq!(
        g.run_as("ee", &["review", "close", "2026"]),
        "2026-003-close-review-2026"
    );
}

#[test]
fn a_review_does_not_close_while_its_amendment_is_open_until_it_is_withdrawn() {
    let g = Group::d5();
    let (amendment, close) = close_while_amendment_open(&g);
    let head = g.head();
    assert_close_not_finalized(&g, &close);
    assert_eq!(
        g.git_out(&["log", "-1", "--format=%s"]),
        format!("accept {close}: Close the review of 2026: re-affirm the charter")
    );

    // finalize is refused, naming the open proposal.
    let err = g.assert_refused(
        g.charter("il").args(["finalize", &close]),
        &[
            "the review of 2026 cannot close while",
            &amendment,
            "is open",
        ],
    );
    // Only the blocking proposal.
    insta::assert_snapshot!(err, @"error: the review of 2026 cannot close while 2026-003-open-source is open: accept, withdraw or let them expire first");
    assert_eq!(g.head(), head);

    // The amendment is withdrawn: now the close can be finalized.
    g.act("uk", "withdraw", &amendment);
    g.charter("il")
        .args(["finalize", &close])
        .assert()
        .success();
    let head = g.head();
    assert_eq!(g.tag_commit("charter-2026"), Some(head.clone()));
    assert_eq!(
        g.git_out(&["log", "-1", "--format=%s"]),
        format!("finalize {close}: Close the review of 2026: re-affirm the charter")
    );
    let review = g.read_json(&["review", "status", "2026", "--json"]);
    assert_eq!(review["closed"], json!(NOW));
    assert_eq!(review["closing"], json!(close));
    let os = review["principles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == json!("open-source"))
        .unwrap()
        .clone();
    assert_eq!(
        os,
        json!({"id": "open-source", "fate": "retained", "proposals": [{"id": amendment, "status": "withdrawn"}]})
    );
    // The charter re-affirmed is the template's.
    assert_eq!(g.read_file("charter/open-source.en.md"), OS_D5_EN);
    assert_eq!(g.read_file("charter/open-source.fr.md"), OS_D5_FR);
    g.assert_verify_passes();
}

#[test]
fn a_review_whose_amendment_is_adopted_after_the_close_was_proposed_closes_on_a_new_close() {
    let g = Group::d5();
    let (amendment, close) = close_while_amendment_open(&g);
    assert_close_not_finalized(&g, &close);

    // The amendment is adopted; the review is still not closed.
    g.second_and_accept_all("uk", "ee", &amendment);
    assert_eq!(g.read_file("charter/open-source.en.md"), OS_NEW_EN);
    assert_close_not_finalized(&g, &close);

    // The close re-affirmed the charter as it stood before the amendment:
    // it is refused now, and must be proposed anew.
    g.assert_refused(
        g.charter("il").args(["finalize", &close]),
        &[&close, "charter/open-source", "propose anew"],
    );
    g.act("ee", "withdraw", &close);
    let again = g.run_as("uk", &["review", "close", "2026"]);
    assert_eq!(again, "2026-004-close-review-2026");
    g.second_and_accept_all("uk", "ee", &again);
    assert_eq!(g.tag_commit("charter-2026"), Some(g.head()));
    let review = g.read_json(&["review", "status", "2026", "--json"]);
    assert_eq!(review["closing"], json!(again));
    let os = review["principles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == json!("open-source"))
        .unwrap()
        .clone();
    assert_eq!(
        os,
        json!({"id": "open-source", "fate": "amended", "proposals": [{"id": amendment, "status": "adopted"}]})
    );
    // The tagged charter is the amended one.
    assert_eq!(
        g.git_out(&["show", "charter-2026:charter/open-source.en.md"]),
        OS_NEW_EN.trim_end()
    );
    g.assert_verify_passes();
}

// ---- Tags made or moved by hand ----

/// A group (founded at NOW) whose review of 2026 is closed, tagged
/// charter-2026. Built once per test process.
fn closed_2026() -> Group {
    Group::built_once("review of 2026 closed", || {
        let g = Group::d5();
        g.run_as("uk", &["review", "open", "2026"]);
        let close = g.run_as("uk", &["review", "close", "2026"]);
        g.second_and_accept_all("uk", "ee", &close);
        assert_eq!(g.tag_commit("charter-2026"), Some(g.head()));
        g.assert_verify_passes();
        g
    })
}

#[test]
fn a_charter_tag_made_by_hand_fails_verify() {
    let g = closed_2026();
    g.git_out(&["tag", "charter-2030", "HEAD"]);
    let f = g.assert_head_violates("tag", "refs/tags/charter-2030");
    insta::assert_snapshot!(f.message, @"the review of 2030 is not closed there");
    // The report says the history does not hold, and why.
    let r = g.read_json(&["report", "2026", "--format", "json"]);
    assert_eq!(r["verification"]["holds"], json!(false));
    assert_eq!(r["verification"]["summary"], Value::Null);
    assert_eq!(r["verification"]["violation"]["rule"], json!("tag"));
    assert_eq!(
        r["verification"]["violation"]["path"],
        json!("refs/tags/charter-2030")
    );
    insta::assert_snapshot!(
        "report_2026_with_a_tag_made_by_hand",
        g.shown(&["report", "2026"])
    );

    // Removed, the history holds again.
    g.git_out(&["tag", "-d", "charter-2030"]);
    g.assert_verify_passes();
}

#[test]
fn a_charter_tag_moved_by_hand_fails_verify() {
    let g = closed_2026();
    let closing = g.head();
    let before = g.git_out(&["rev-parse", "HEAD~1"]);
    g.git_out(&["tag", "-f", "charter-2026", "HEAD~1"]);
    let f = g.verify_failure_with(&[]);
    assert_eq!(f.rule, "tag", "{}", f.stderr);
    assert_eq!(f.path, "refs/tags/charter-2026", "{}", f.stderr);
    assert_eq!(f.commit, short(&before), "{}", f.stderr);
    insta::assert_snapshot!(f.message, @"the review of 2026 is not closed there");

    // Moved forward onto a later commit, it fails as well.
    g.git_out(&["tag", "-f", "charter-2026", &closing]);
    g.assert_verify_passes();
    g.run_as("uk", &["review", "open", "2027"]);
    g.git_out(&["tag", "-f", "charter-2026", "HEAD"]);
    let f = g.assert_head_violates("tag", "refs/tags/charter-2026");
    insta::assert_snapshot!(f.message, @"not the commit that closed the review of 2026 (2026-002-close-review-2026)");

    // Back where it belongs, the history holds.
    g.git_out(&["tag", "-f", "charter-2026", &closing]);
    g.assert_verify_passes();
}

// ---- JSON of log, diff and report ----

#[test]
fn json_of_log_diff_and_report_carries_every_field() {
    let g = four_years();

    let log = g.read_json(&["log", "--json"]);
    let entries = log.as_array().expect("a list");
    assert_eq!(entries.len(), 3);
    for e in entries {
        assert_fields(
            e,
            &[
                "date",
                "id",
                "title",
                "kind",
                "principle",
                "proposer",
                "seconders",
                "acceptors",
                "commit",
                "review",
            ],
            "a log entry",
        );
        assert!(e["date"].as_str().is_some_and(|d| d.ends_with('Z')), "{e}");
        assert!(e["title"].is_string() && e["kind"].is_string(), "{e}");
        assert!(e["proposer"].is_string(), "{e}");
        assert!(!strings(&e["seconders"]).is_empty(), "{e}");
        assert_eq!(strings(&e["acceptors"]), ["ee", "il", "kr", "nz", "uk"]);
        assert!(is_commit(&e["commit"]), "{e}");
    }
    let fields = |e: &Value| {
        (
            e["id"].as_str().unwrap().to_string(),
            e["kind"].as_str().unwrap().to_string(),
            e["principle"].as_str().unwrap().to_string(),
            e["review"].as_i64().unwrap(),
            e["date"].as_str().unwrap().to_string(),
        )
    };
    let got: Vec<_> = entries.iter().map(fields).collect();
    assert_eq!(
        got,
        [
            (
                RETIRE_2021.to_string(),
                "retire".to_string(),
                "open-markets".to_string(),
                2021,
                "2021-04-02T10:00:00Z".to_string()
            ),
            (
                ADD_2021.to_string(),
                "add".to_string(),
                "digital-inclusion".to_string(),
                2021,
                "2021-03-02T10:00:00Z".to_string()
            ),
            (
                AMEND_2019.to_string(),
                "amend".to_string(),
                "open-source".to_string(),
                2019,
                "2019-03-07T10:00:00Z".to_string()
            ),
        ]
    );
    assert_eq!(
        entries[0]["commit"],
        json!(finalization_of(&g, RETIRE_2021))
    );
    assert_eq!(entries[0]["proposer"], json!("nz"));
    assert_eq!(entries[0]["seconders"], json!(["il"]));

    let diff = g.read_json(&["diff", "2019", "2021", "--all", "--json"]);
    assert_fields(&diff, &["from", "to", "lang", "principles"], "a diff");
    assert_eq!(
        diff["from"],
        json!({"name": "2019", "commit": g.tag_commit("charter-2019").unwrap()})
    );
    assert_eq!(
        diff["to"],
        json!({"name": "2021", "commit": g.tag_commit("charter-2021").unwrap()})
    );
    assert_eq!(diff["lang"], json!("en"));
    let principles = diff["principles"].as_array().unwrap();
    assert_eq!(principles.len(), 10);
    for p in principles {
        assert_fields(
            p,
            &[
                "id",
                "fate",
                "from_number",
                "to_number",
                "title_from",
                "title_to",
                "renamed",
                "reordered",
                "diff",
            ],
            "a diff principle",
        );
        for piece in p["diff"].as_array().unwrap() {
            assert_fields(piece, &["op", "text"], "a diff piece");
        }
    }
    let ids: Vec<&str> = principles
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let mut expected_ids = IDS_2021.to_vec();
    expected_ids.push("open-markets");
    assert_eq!(ids, expected_ids);
    assert_eq!(
        principles[8],
        json!({
            "id": "digital-inclusion",
            "fate": "added",
            "from_number": null,
            "to_number": 9,
            "title_from": null,
            "title_to": "Digital inclusion",
            "renamed": false,
            "reordered": false,
            "diff": [{"op": "added", "text": DI_EN_BODY}],
        })
    );
    assert_eq!(
        principles[9],
        json!({
            "id": "open-markets",
            "fate": "retired",
            "from_number": 4,
            "to_number": null,
            "title_from": "Open markets",
            "title_to": null,
            "renamed": false,
            "reordered": false,
            "diff": [{"op": "removed", "text": OM_D5_EN_BODY}],
        })
    );
    // open-government went from 5th to 4th because open-markets left: a
    // renumbering, not a reordering.
    assert_eq!(
        principles[3],
        json!({
            "id": "open-government",
            "fate": "unchanged",
            "from_number": 5,
            "to_number": 4,
            "title_from": "Open government (transparency)",
            "title_to": "Open government (transparency)",
            "renamed": false,
            "reordered": false,
            "diff": [{"op": "same", "text": "Open government (transparency): be a member of the Open Government Partnership and use open licences to produce and consume open data."}],
        })
    );

    let report = g.read_json(&["report", "2021", "--format", "json"]);
    assert_fields(
        &report,
        &[
            "year",
            "charter",
            "amendments",
            "joined",
            "left",
            "decisions",
            "verification",
        ],
        "a report",
    );
    assert_fields(
        &report["charter"],
        &["tag", "commit", "reaffirmed_on", "principles"],
        "the report's charter",
    );
    for p in report["charter"]["principles"].as_array().unwrap() {
        assert_fields(p, &["number", "id", "texts"], "a report principle");
        let texts = p["texts"].as_array().unwrap();
        assert_eq!(texts.len(), 2, "{p}");
        for t in texts {
            assert_fields(t, &["lang", "title", "text"], "a report text");
        }
    }
    for a in report["amendments"].as_array().unwrap() {
        assert_fields(
            a,
            &[
                "id",
                "title",
                "kind",
                "principle",
                "adopted",
                "commit",
                "changes",
            ],
            "a report amendment",
        );
        assert!(is_commit(&a["commit"]), "{a}");
        for c in a["changes"].as_array().unwrap() {
            assert_fields(c, &["path", "diff"], "an amendment's change");
        }
    }
    for d in report["decisions"].as_array().unwrap() {
        assert_fields(
            d,
            &[
                "id",
                "title",
                "kind",
                "adopted",
                "commit",
                "proposer",
                "seconders",
                "acceptors",
                "signatures",
            ],
            "a report decision",
        );
        assert!(is_commit(&d["commit"]), "{d}");
        for s in d["signatures"].as_array().unwrap() {
            assert_fields(s, &["member", "act", "date"], "a signatory");
        }
    }
    assert_fields(
        &report["verification"],
        &["holds", "summary", "violation"],
        "the report's verification",
    );

    // joined and left carry id, name and date: kr leaves in 2021.
    let mut g = g;
    g.at("2021-12-10T10:00:00Z");
    let leave = g.run_as("kr", &["leave"]);
    let report = g.read_json(&["report", "2021", "--format", "json"]);
    assert_eq!(
        report["left"],
        json!([{"id": "kr", "name": "kr", "date": "2021-12-10T10:00:00Z"}])
    );
    assert_eq!(report["joined"], json!([]));
    let last = report["decisions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["id"], json!(leave));
    assert_eq!(last["kind"], json!("leave"));
    assert_eq!(
        signatures(&last),
        [sig("kr", "propose", "2021-12-10T10:00:00Z")]
    );
    assert_eq!(report["verification"]["holds"], json!(true));
    // A departure is no change of the charter: the log is as it was.
    assert_eq!(g.read_json(&["log", "--json"]), log);
}

// ---- The overdue review ----

#[test]
fn status_warns_when_the_annual_review_is_overdue_and_not_once_it_is_closed() {
    let mut g = Group::d5_at(FOUNDED);
    let quiet = "Digital 5: 5 members, no open proposals\n";
    let overdue_2018 = "the annual review of 2018 is overdue (due by the end of December 2018): charter review open 2018";

    // Not due before the end of December 2018.
    g.at("2018-12-31T10:00:00Z");
    assert_eq!(g.read_out(&["status"]), quiet);
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        Vec::<String>::new()
    );

    // On 2019-02-01 nobody has closed a review of 2018.
    g.at("2019-02-01T10:00:00Z");
    assert_eq!(
        g.read_out(&["status"]),
        format!("{quiet}\nwarning: {overdue_2018}\n")
    );
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        [overdue_2018]
    );

    // Opened, it is still overdue: it is not closed.
    g.run_as("uk", &["review", "open", "2018"]);
    let warnings = warnings_of(&g.read_json(&["status", "--json"]));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("the annual review of 2018 is overdue"),
        "{warnings:?}"
    );

    // Closed: no warning.
    let close = g.run_as("uk", &["review", "close", "2018"]);
    g.second_and_accept_all("uk", "ee", &close);
    assert_eq!(g.tag_commit("charter-2018"), Some(g.head()));
    assert_eq!(g.read_out(&["status"]), quiet);
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        Vec::<String>::new()
    );
    g.at("2019-12-31T23:00:00Z");
    assert_eq!(g.read_out(&["status"]), quiet);

    // A year later, the review of 2019 is due.
    g.at("2020-01-01T00:00:00Z");
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        ["the annual review of 2019 is overdue (due by the end of December 2019): charter review open 2019"]
    );
    g.assert_verify_passes();
}

#[test]
fn the_overdue_warning_of_an_open_review_does_not_say_to_open_it() {
    let mut g = Group::d5_at(FOUNDED);
    g.at("2019-02-01T10:00:00Z");
    g.run_as("uk", &["review", "open", "2018"]);
    // Opening it again is refused...
    g.assert_refused(
        g.charter("ee").args(["review", "open", "2018"]),
        &["the review of 2018 is already opened"],
    );
    // ...so the warning must not tell the members to do so: what is missing
    // is the close.
    let warnings = warnings_of(&g.read_json(&["status", "--json"]));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    // The review of 2018 is open already; the hint should be 'charter review
    // close 2018', not 'charter review open 2018'.
    insta::assert_snapshot!(warnings[0], @"the annual review of 2018 is overdue (due by the end of December 2018): charter review close 2018");
}

// ---- Languages an amendment leaves as they were ----

#[test]
fn status_and_show_flag_a_language_an_amendment_left_unchanged() {
    let mut g = Group::d5();
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        Vec::<String>::new()
    );

    // Declared unchanged on purpose.
    let en = g.text_file("os-1.en.md", OPEN_SOURCE_EN);
    let fr_given = g.text_file("os-1.fr.md", OPEN_SOURCE_FR);
    g.assert_refused(
        g.charter("uk").args([
            "propose",
            "amend",
            "open-source",
            "--text",
            &format!("en={en}"),
            "--text",
            &format!("fr={fr_given}"),
            "--unchanged",
            "fr",
        ]),
        &["'fr' is given a text and declared unchanged"],
    );
    let first = g.run_as(
        "uk",
        &[
            "propose",
            "amend",
            "open-source",
            "--text",
            &format!("en={en}"),
            "--unchanged",
            "fr",
        ],
    );
    assert_eq!(first, "2026-001-open-source");
    let on_purpose = format!(
        "the 'fr' text of open-source was not changed by {first} (declared unchanged on purpose)"
    );
    insta::assert_snapshot!(g.shown(&["show", &first]), @r#"
    2026-001-open-source  Amend "Open source"  [open]
      proposed by  uk on 2026-11-23T10:00:00Z
      deadline     2027-02-21T10:00:00Z
      seconded by  nobody yet
      accepted by  uk
      waiting for  ee, il, kr, nz
      digest       sha256:ab7eb859f662a1e9d1b2d80995a2df647b3ade52d5740054214b9e49449ee088

    Change

    charter/open-source.en.md
        # Open source
        
        [-Open source: future government systems, tools and services will be made-]{+Government code is+} open source [-and shareable between members where appropriate-]{+by default+}.

    warning: the 'fr' text of open-source was not changed by 2026-001-open-source (declared unchanged on purpose)

    Signatures
      uk  propose  2026-11-23T10:00:00Z  good
    "#);
    assert_eq!(
        g.read_json(&["show", &first, "--json"])["untouched_languages"],
        json!([{"principle": "open-source", "proposal": first, "lang": "fr", "on_purpose": true}])
    );
    g.second_and_accept_all("uk", "ee", &first);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert_eq!(g.read_file("charter/open-source.fr.md"), OS_D5_FR);
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        [on_purpose.as_str()]
    );
    assert_eq!(
        g.read_out(&["status"]),
        format!("Digital 5: 5 members, no open proposals\n\nwarning: {on_purpose}\n")
    );
    g.assert_verify_passes();

    // The French text given again as it is, without saying so.
    g.at("2026-11-24T10:00:00Z");
    let second = g.run_as(
        "uk",
        &[
            "propose",
            "amend",
            "open-source",
            "--text",
            &format!(
                "en={}",
                g.text_file(
                    "os-2.en.md",
                    "# Open source\n\nGovernment code is open source by default, always.\n"
                )
            ),
            "--text",
            &format!("fr={}", g.text_file("os-2.fr.md", OS_D5_FR)),
        ],
    );
    assert_eq!(second, "2026-002-open-source");
    let forgotten = format!(
        "the 'fr' text of open-source was not changed by {second} (not declared unchanged: check the translation)"
    );
    insta::assert_snapshot!(g.shown(&["show", &second]), @r#"
    2026-002-open-source  Amend "Open source"  [open]
      proposed by  uk on 2026-11-24T10:00:00Z
      deadline     2027-02-22T10:00:00Z
      seconded by  nobody yet
      accepted by  uk
      waiting for  ee, il, kr, nz
      digest       sha256:0cdd8a2d926ac46e6f21931fa5401d5e2b6590c709f749c114b0d222d57a02aa

    Change

    charter/open-source.en.md
        # Open source
        
        Government code is open source by default{+, always+}.

    charter/open-source.fr.md
        # Logiciel libre
        
        Logiciel libre : les futurs systèmes, outils et services de l’administration seront rendus libres (open source) et partageables entre les membres, lorsque cela est approprié.

    warning: the 'fr' text of open-source was not changed by 2026-002-open-source (not declared unchanged: check the translation)

    Signatures
      uk  propose  2026-11-24T10:00:00Z  good
    "#);
    assert_eq!(
        g.read_json(&["show", &second, "--json"])["untouched_languages"],
        json!([{"principle": "open-source", "proposal": second, "lang": "fr", "on_purpose": false}])
    );
    g.second_and_accept_all("uk", "ee", &second);
    // Only the last amendment of a principle counts.
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        [forgotten]
    );

    // Both languages changed: nothing to flag.
    g.at("2026-11-25T10:00:00Z");
    let third = g.adopt_amendment(
        "open-source",
        "# Open source\n\nCode is open.\n",
        "# Logiciel libre\n\nLe code est libre.\n",
    );
    assert_eq!(
        g.read_json(&["show", &third, "--json"])["untouched_languages"],
        json!([])
    );
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        Vec::<String>::new()
    );
    assert_eq!(
        g.read_out(&["status"]),
        "Digital 5: 5 members, no open proposals\n"
    );
    g.assert_verify_passes();
}

// ---- A new language ----

const DE_TITLES: [(&str, &str); 9] = [
    ("user-needs", "Nutzerbedürfnisse"),
    ("open-standards", "Offene Standards"),
    ("open-source", "Quelloffene Software"),
    ("open-markets", "Offene Märkte"),
    ("open-government", "Offenes Regierungshandeln"),
    ("connectivity", "Konnektivität"),
    (
        "teach-children-to-code",
        "Kindern das Programmieren beibringen",
    ),
    ("assisted-digital", "Digitale Unterstützung"),
    (
        "commitment-to-share-and-learn",
        "Verpflichtung zum Teilen und Lernen",
    ),
];

/// A folder with the German text of every principle but `skip`.
fn german_dir(g: &Group, name: &str, skip: Option<&str>) -> String {
    let dir = g.env.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (id, title) in DE_TITLES {
        if Some(id) != skip {
            std::fs::write(
                dir.join(format!("{id}.md")),
                format!("# {title}\n\n{title}: der Grundsatz auf Deutsch.\n"),
            )
            .unwrap();
        }
    }
    dir.display().to_string()
}

#[test]
fn a_language_is_added_by_all_members() {
    let g = Group::d5();

    // A folder missing one principle is refused; nothing is written.
    let incomplete = german_dir(&g, "de-incomplete", Some("open-markets"));
    g.assert_refused(
        g.charter("uk")
            .args(["propose", "add-language", "de", "--dir", &incomplete]),
        &["missing the 'de' text of principle 'open-markets'"],
    );

    let dir = german_dir(&g, "de", None);
    let id = g.run_as("uk", &["propose", "add-language", "de", "--dir", &dir]);
    assert_eq!(id, "2026-001-language-de");
    // Not in force before everyone accepted.
    g.assert_refused(
        g.read().args(["text", "--lang", "de"]),
        &["'de' is not a language of this charter"],
    );
    g.second_and_accept_all("uk", "ee", &id);

    assert_eq!(
        g.git_out(&["show", "HEAD:governance.toml"])
            .lines()
            .find(|l| l.starts_with("languages"))
            .unwrap(),
        "languages = [\"en\", \"fr\", \"de\"]"
    );
    assert_eq!(
        g.read_out(&["text", "open-source", "--lang", "de"]),
        "## 3. Quelloffene Software\n\nQuelloffene Software: der Grundsatz auf Deutsch.\n\n"
    );
    insta::assert_snapshot!(g.shown(&["text", "--lang", "de"]), @"
    # Digital 5

    ## 1. Nutzerbedürfnisse

    Nutzerbedürfnisse: der Grundsatz auf Deutsch.

    ## 2. Offene Standards

    Offene Standards: der Grundsatz auf Deutsch.

    ## 3. Quelloffene Software

    Quelloffene Software: der Grundsatz auf Deutsch.

    ## 4. Offene Märkte

    Offene Märkte: der Grundsatz auf Deutsch.

    ## 5. Offenes Regierungshandeln

    Offenes Regierungshandeln: der Grundsatz auf Deutsch.

    ## 6. Konnektivität

    Konnektivität: der Grundsatz auf Deutsch.

    ## 7. Kindern das Programmieren beibringen

    Kindern das Programmieren beibringen: der Grundsatz auf Deutsch.

    ## 8. Digitale Unterstützung

    Digitale Unterstützung: der Grundsatz auf Deutsch.

    ## 9. Verpflichtung zum Teilen und Lernen

    Verpflichtung zum Teilen und Lernen: der Grundsatz auf Deutsch.
    ");
    let principles = g.read_json(&["principles", "--json"]);
    let list = principles.as_array().unwrap();
    assert_eq!(list.len(), 9);
    for (p, (id, title)) in list.iter().zip(DE_TITLES) {
        assert_eq!(p["id"], json!(id));
        assert_eq!(p["title"]["de"], json!(title), "{p}");
        assert!(p["title"]["en"].is_string() && p["title"]["fr"].is_string());
    }
    assert_eq!(list[2]["title"]["en"], json!("Open source"));
    assert_eq!(list[2]["title"]["fr"], json!("Logiciel libre"));
    // The English and French texts are as they were.
    assert_eq!(g.read_file("charter/open-source.en.md"), OS_D5_EN);
    assert_eq!(g.read_file("charter/open-source.fr.md"), OS_D5_FR);
    // The log lists the new language.
    let log = g.read_json(&["log", "--json"]);
    assert_eq!(log[0]["id"], json!(id));
    assert_eq!(log[0]["kind"], json!("add-language"));
    assert_eq!(log[0]["language"], json!("de"));
    // Asking for it again is refused.
    g.assert_refused(
        g.charter("ee")
            .args(["propose", "add-language", "de", "--dir", &dir]),
        &["'de' is already a language of the charter"],
    );
    // An amendment now needs the German text too.
    let texts = g.texts("os-de", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.assert_refused(
        g.charter("uk")
            .args(["propose", "amend", "open-source"])
            .args(&texts),
        &["missing the 'de' text"],
    );
    g.assert_verify_passes();
}

#[test]
fn a_language_added_after_an_amendment_is_not_flagged_as_left_unchanged_by_it() {
    let mut g = Group::d5();
    // An amendment that changes every language there is.
    g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        Vec::<String>::new()
    );

    // German is added afterwards, translating the amended text.
    g.at("2026-11-24T10:00:00Z");
    let dir = german_dir(&g, "de", None);
    let id = g.run_as("uk", &["propose", "add-language", "de", "--dir", &dir]);
    g.second_and_accept_all("uk", "ee", &id);
    g.assert_verify_passes();

    // The amendment could not have changed a language the charter did not
    // have: no translation needs checking.
    assert_eq!(
        warnings_of(&g.read_json(&["status", "--json"])),
        Vec::<String>::new()
    );
}

// ---- The Digital Nations charter of 2021 ----

#[test]
fn init_with_the_dn2021_template_gives_its_ten_principles_and_verifies() {
    let env = Env::new();
    env.key("uk");
    env.key("ee");
    env.charter_in(env.path())
        .args([
            "init",
            "dn",
            "--template",
            "dn2021",
            "--name",
            "Digital Nations",
            "--member",
            "uk=keys/uk.pub",
            "--member",
            "ee=keys/ee.pub",
            "--key",
        ])
        .arg(env.key("uk"))
        .assert()
        .success();
    let g = Group {
        repo: env.path().join("dn"),
        env,
    };

    let template = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("charter/dn2021");
    let index: toml::Value =
        toml::from_str(&std::fs::read_to_string(template.join("index.toml")).unwrap()).unwrap();
    let ids: Vec<&str> = index["principles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 10);
    assert_eq!(
        ids,
        [
            "user-needs",
            "necessary-safeguards",
            "open-standards",
            "open-source",
            "open-markets",
            "open-government",
            "digital-inclusion-and-accessibility",
            "digital-skills-and-training",
            "co-creation-and-experimentation",
            "sustainability",
        ]
    );

    let principles = g.read_json(&["principles", "--json"]);
    let got: Vec<&str> = principles
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids);
    for (i, p) in principles.as_array().unwrap().iter().enumerate() {
        assert_eq!(p["number"], json!(i + 1));
    }
    // Every file of the charter is the template's, in English and French.
    assert_eq!(
        g.read_file("charter/index.toml"),
        std::fs::read_to_string(template.join("index.toml")).unwrap()
    );
    for id in &ids {
        for lang in ["en", "fr"] {
            let name = format!("{id}.{lang}.md");
            let want = std::fs::read_to_string(template.join(&name)).unwrap();
            assert_eq!(g.read_file(&format!("charter/{name}")), want, "{name}");
            let title = want.lines().next().unwrap().strip_prefix("# ").unwrap();
            let p = principles
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == json!(id))
                .unwrap();
            assert_eq!(p["title"][lang], json!(title), "{id} {lang}");
        }
    }
    assert_eq!(
        g.git_out(&["ls-files", "charter"]).lines().count(),
        21,
        "index.toml and 10 principles × 2 languages"
    );
    assert_eq!(
        g.git_out(&["show", "HEAD:governance.toml"])
            .lines()
            .find(|l| l.starts_with("languages"))
            .unwrap(),
        "languages = [\"en\", \"fr\"]"
    );
    g.assert_verify_passes();
    insta::assert_snapshot!(g.shown(&["verify"]), @"verified: 1 commit from trust root 74b9fcee90cc to 74b9fcee90cc (0 new): 0 signatures, 0 proposals, 0 finalizations; 2 members, 10 principles");
}
