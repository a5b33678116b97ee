//! Membership through the built binary: applying, admission by all,
//! removal, leaving, key rotation and replacement, and who was a member
//! when (DESIGN.md §2–§5).

use crate::common::*;

use std::path::Path;

use serde_json::Value;

const OPEN_DATA_EN: &str = "# Open data\n\nGovernment data is open by default.\n";
const OPEN_DATA_FR: &str = "# Données ouvertes\n\nLes données publiques sont ouvertes.\n";
const OPEN_MARKETS_EN: &str = "# Open markets\n\nSmall firms compete for public work.\n";
const OPEN_MARKETS_FR: &str = "# Marchés ouverts\n\nLes PME concourent aux marchés publics.\n";

/// The headings `charter apply --template` prints for the D5 charter.
const D5_SECTIONS: [&str; 10] = [
    "## 1. User needs (user-needs)",
    "## 2. Open standards (open-standards)",
    "## 3. Open source (open-source)",
    "## 4. Open markets (open-markets)",
    "## 5. Open government (transparency) (open-government)",
    "## 6. Connectivity (connectivity)",
    "## 7. Teaching children to code (teach-children-to-code)",
    "## 8. Assisted digital (assisted-digital)",
    "## 9. Commitment to share and learn (commitment-to-share-and-learn)",
    "## Record of excellence",
];

/// `charter show <id> --json`.
fn show(g: &Group, id: &str) -> Value {
    json(&g.read().args(["show", id, "--json"]).output().unwrap())
}

/// `charter members --json [--at AT]`: the entry of `id`, if listed.
fn member_entry(g: &Group, at: Option<&str>, id: &str) -> Option<Value> {
    let mut cmd = g.read();
    cmd.args(["members", "--json"]);
    if let Some(at) = at {
        cmd.args(["--at", at]);
    }
    let v = json(&cmd.output().unwrap());
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
}

/// A member's act that must be adopted by this very act: stdout names the
/// proposal, stderr names the finalization commit (HEAD).
fn act_finalizes(g: &Group, who: &str, act: &str, id: &str) {
    let out = g.charter(who).args([act, id]).output().unwrap();
    assert!(out.status.success(), "{who} {act}: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("{id}\n"));
    // One line: who did what, that it is adopted, and the commit.
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("{who} ")), "{err}");
    assert!(err.contains(&format!(" {id}; adopted: ")), "{err}");
    assert!(
        err.contains(&format!("(commit {}", &g.head()[..12])),
        "{err}"
    );
}

/// A member's act that must be recorded without finalizing anything.
fn act_does_not_finalize(g: &Group, who: &str, act: &str, id: &str) {
    let out = g.charter(who).args([act, id]).output().unwrap();
    assert!(out.status.success(), "{who} {act}: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("{id}\n"));
    // One line: who did what, and whose signatures it still waits for.
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("{who} ")), "{err}");
    assert!(
        !err.contains("adopted"),
        "{who}'s {act} must not finalize {id}: {err}"
    );
}

/// `keys/allowed_signers`' line for one key.
fn signer_line(id: &str, after: &str, before: Option<&str>, key: &str) -> String {
    match before {
        Some(b) => format!(
            "{id} namespaces=\"charter,git\",valid-after=\"{after}\",valid-before=\"{b}\" {key}"
        ),
        None => format!("{id} namespaces=\"charter,git\",valid-after=\"{after}\" {key}"),
    }
}

fn fixture_pub(name: &str) -> std::path::PathBuf {
    fixture_key(&format!("{name}.pub"))
}

/// The `Charter-Signer` trailer of a commit.
fn commit_signer(g: &Group, commit: &str) -> String {
    g.git_out(&["log", "-1", "--format=%B", commit])
        .lines()
        .find_map(|l| l.strip_prefix("Charter-Signer: "))
        .unwrap_or_else(|| panic!("{commit} has no Charter-Signer trailer"))
        .to_string()
}

/// Every commit from genesis to HEAD shows a good git SSH signature by the
/// member its trailer names, judged by git against `keys/allowed_signers`
/// at the commit's time.
fn assert_every_commit_verifies_with_git(g: &Group) {
    let signers = g.repo.join("keys/allowed_signers");
    let signers = format!("gpg.ssh.allowedSignersFile={}", signers.display());
    for commit in g.git_out(&["rev-list", "HEAD"]).lines() {
        let out = g
            .git()
            .args(["-c", &signers, "verify-commit", commit])
            .output()
            .unwrap();
        let who = commit_signer(g, commit);
        assert!(
            out.status.success(),
            "git verify-commit {commit} (by {who}): {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(&format!(
                "Good \"git\" signature for {who} with ED25519 key"
            )),
            "{commit}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_candidate_is_admitted_by_all_and_then_takes_part_in_every_decision() {
    let mut g = Group::d5();
    let jp_key = openssh_key(&fixture_pub("jp"));

    // The candidate applies with its own key.
    g.at("2026-11-24T09:00:00Z");
    let template = g.statement_template();
    let statement = fill_statement(&template);
    let file = g.statement_file("jp", &statement);
    let out = g
        .charter("jp")
        .args(["apply", "--id", "jp", "--name", "Japan", "--statement"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "apply: {}", stderr(&out));
    assert_eq!(stdout(&out), "2026-001-member-jp\n");
    let id = "2026-001-member-jp";
    let dir = proposal_dir(id);
    assert_eq!(g.read_file(&format!("{dir}/statement.md")), statement);
    let apply = format!("{dir}/signatures/jp.apply.msg");
    assert_eq!(g.message_field(&apply, "act"), "apply");
    assert_eq!(g.message_field(&apply, "signer"), "jp");
    assert_eq!(g.message_field(&apply, "date"), "2026-11-24T09:00:00Z");
    assert!(exists(&g, &format!("{dir}/signatures/jp.apply.sig")));
    assert!(
        !exists(&g, "keys/jp.toml"),
        "an application registers nothing"
    );
    assert_eq!(show(&g, id)["key"], jp_key);

    // uk proposes, ee seconds, the others accept; the last acceptance admits.
    g.at("2026-11-24T10:00:00Z");
    let out = g
        .charter("uk")
        .args(["propose", "member", "jp"])
        .output()
        .unwrap();
    assert!(out.status.success(), "propose member: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("{id}\n"));
    act_does_not_finalize(&g, "ee", "second", id);
    act_does_not_finalize(&g, "il", "accept", id);
    act_does_not_finalize(&g, "nz", "accept", id);
    assert!(!exists(&g, "keys/jp.toml"));
    assert_eq!(show(&g, id)["missing"], serde_json::json!(["kr"]));
    g.at("2026-11-24T11:00:00Z");
    act_finalizes(&g, "kr", "accept", id);

    assert_eq!(
        g.read_file("keys/jp.toml"),
        format!("id = \"jp\"\nname = \"Japan\"\njoined = \"2026-11-24T11:00:00Z\"\nkey = \"{jp_key}\"\nkey_since = \"2026-11-24T09:00:00Z\"\n")
    );
    let signers = g.read_file("keys/allowed_signers");
    assert!(
        signers
            .lines()
            .any(|l| l == signer_line("jp", "20261124090000Z", None, &jp_key)),
        "{signers}"
    );
    let jp = member_entry(&g, None, "jp").expect("jp is listed");
    assert_eq!(jp["name"], "Japan");
    assert_eq!(jp["joined"], "2026-11-24T11:00:00Z");
    assert_eq!(jp["left"], Value::Null);
    assert_eq!(jp["key"], jp_key);
    assert_eq!(jp["fingerprint"], ssh_fingerprint(&fixture_pub("jp")));
    assert_eq!(
        g.member_ids(None),
        ["ee", "il", "jp", "kr", "nz", "uk"].map(String::from)
    );
    insta::assert_snapshot!(g.shown(&["members"]), @"
    ee  ee     since 2026-11-23T10:00:00Z  SHA256:ylFfYb2FZNy+hfpHyVL3Nba2pSUcJV90yHO8vF07Tqk
    il  il     since 2026-11-23T10:00:00Z  SHA256:F5L7/E6l4EQeoq0u5QWdtX8/eEdDPh7AqvO26nNZpfg
    jp  Japan  since 2026-11-24T11:00:00Z  SHA256:0OzncgLwlHEowx2KY6dbzUJu7bba+bRRXqh/fg4O7XY
    kr  kr     since 2026-11-23T10:00:00Z  SHA256:A4ozCE1HNZXLaqDxwWC7xSdqFR1q6Kw5AgQymYsQ61s
    nz  nz     since 2026-11-23T10:00:00Z  SHA256:AuzkpNuILl8nLNXNvF7ueCtrgWxDE2qAe4/AbQKp5lo
    uk  uk     since 2026-11-23T10:00:00Z  SHA256:Y6ip1Bqod8BvD5IQFWI5lqG2C/yzTliNWQV1rs5+ZvI
    ");
    assert_eq!(g.git_out(&["status", "--porcelain"]), "");

    // jp now counts: the five founders are not enough for a new amendment.
    g.at("2026-11-25T10:00:00Z");
    let am = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(am, "2026-002-open-source");
    act_does_not_finalize(&g, "ee", "second", &am);
    for who in ["il", "nz", "kr"] {
        act_does_not_finalize(&g, who, "accept", &am);
    }
    assert_ne!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let p = show(&g, &am);
    assert_eq!(p["status"], "open");
    assert_eq!(p["missing"], serde_json::json!(["jp"]));
    g.assert_refused(
        g.charter("uk").args(["finalize", &am]),
        &["2026-002-open-source still needs the acceptance of jp"],
    );

    g.at("2026-11-25T11:00:00Z");
    act_finalizes(&g, "jp", "accept", &am);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let am_dir = proposal_dir(&am);
    assert!(
        g.read_file(&format!("{am_dir}/decision.toml"))
            .contains(r#"electorate = ["ee", "il", "jp", "kr", "nz", "uk"]"#),
        "{}",
        g.read_file(&format!("{am_dir}/decision.toml"))
    );
    let accept = format!("{am_dir}/signatures/jp.accept.msg");
    assert!(g.ssh_verifies_at("jp", &accept, "20261125110000Z"));

    g.assert_verify_passes();
    let out = g.verify();
    insta::assert_snapshot!(stdout(&out), @"verified: 15 commits from trust root 7746aafd78a1 to a55820b7196f (0 new): 12 signatures, 2 proposals, 2 finalizations; 6 members, 9 principles");
}

#[test]
fn a_member_who_joins_while_a_proposal_is_open_must_accept_it_too() {
    let mut g = Group::d5();
    g.at("2026-11-24T10:00:00Z");
    let am = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(am, "2026-001-open-source");
    act_does_not_finalize(&g, "ee", "second", &am);
    act_does_not_finalize(&g, "il", "accept", &am);
    act_does_not_finalize(&g, "nz", "accept", &am);

    g.at("2026-11-25T10:00:00Z");
    let member = g.admit("jp", "Japan");
    assert_eq!(member, "2026-002-member-jp");

    // kr's acceptance completes the founders' unanimity, not the electorate's.
    g.at("2026-11-26T10:00:00Z");
    act_does_not_finalize(&g, "kr", "accept", &am);
    assert_ne!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert!(!exists(&g, &format!("{}/decision.toml", proposal_dir(&am))));
    let p = show(&g, &am);
    assert_eq!(p["status"], "open");
    assert_eq!(p["missing"], serde_json::json!(["jp"]));
    g.assert_refused(
        g.charter("kr").args(["finalize", &am]),
        &["2026-001-open-source still needs the acceptance of jp"],
    );

    g.at("2026-11-27T10:00:00Z");
    act_finalizes(&g, "jp", "accept", &am);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert_eq!(g.read_file("charter/open-source.fr.md"), OPEN_SOURCE_FR);
    let decision = g.read_file(&format!("{}/decision.toml", proposal_dir(&am)));
    assert!(
        decision.contains(r#"electorate = ["ee", "il", "jp", "kr", "nz", "uk"]"#),
        "{decision}"
    );
    assert!(decision.contains("2026-11-27T10:00:00Z"), "{decision}");
    g.assert_verify_passes();
}

#[test]
fn the_template_has_a_section_per_principle_and_an_incomplete_statement_is_refused() {
    let g = Group::d5();
    let template = g.statement_template();
    let headings: Vec<&str> = template.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings, D5_SECTIONS);
    assert!(template.starts_with("# Statement of interest in joining Digital 5\n"));

    let apply = |g: &Group, name: &str, text: &str| {
        let file = g.statement_file(name, text);
        let mut cmd = g.charter("jp");
        cmd.args(["apply", "--id", "jp", "--name", "Japan", "--statement"])
            .arg(file);
        cmd
    };

    // No "Open source" section at all, and the record left as the template has it.
    let mut text = String::new();
    let mut skipping = false;
    for line in template.lines() {
        if line.starts_with("## ") {
            skipping = line == "## 3. Open source (open-source)";
            if skipping {
                continue;
            }
            text.push_str(line);
            text.push('\n');
            if line != "## Record of excellence" {
                text.push_str("We do this.\n");
            }
        } else if !skipping {
            text.push_str(line);
            text.push('\n');
        }
    }
    assert!(!text.contains("open-source"));
    let err = g.assert_refused(&mut apply(&g, "incomplete", &text), &[]);
    assert_eq!(
        err,
        "error: the statement of interest lacks a filled section for: Open source (open-source); Record of excellence\n"
    );
    assert!(!exists(&g, "proposals"), "nothing may be written");

    // The template as printed lacks everything.
    let err = g.assert_refused(&mut apply(&g, "template", &template), &[]);
    let listed = err
        .trim_end()
        .strip_prefix("error: the statement of interest lacks a filled section for: ")
        .unwrap_or_else(|| panic!("{err}"));
    let expected: Vec<&str> = D5_SECTIONS
        .iter()
        .map(|h| {
            h.trim_start_matches("## ")
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        })
        .collect();
    assert_eq!(listed.split("; ").collect::<Vec<_>>(), expected);

    // Filled, it is accepted, and the refusals used up no proposal number.
    let out = apply(&g, "filled", &fill_statement(&template))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "2026-001-member-jp\n");
}

#[test]
fn the_candidate_cannot_act_on_its_own_application_and_ids_and_keys_register_once() {
    let g = Group::d5();
    let id = g.apply("jp", "jp", "Japan");
    assert_eq!(id, "2026-001-member-jp");
    let jp_fp = ssh_fingerprint(&fixture_pub("jp"));
    let not_member = format!("error: key {jp_fp} is not the key of any member of Digital 5\n");

    // Beyond its application, the candidate is not a member and has no say.
    for act in ["accept", "second", "object"] {
        let mut cmd = g.charter("jp");
        cmd.args([act, &id]);
        if act == "object" {
            cmd.args(["--reason", "no"]);
        }
        let err = g.assert_refused(&mut cmd, &[]);
        assert_eq!(err, not_member, "{act}");
    }
    let err = g.assert_refused(g.charter("jp").args(["propose", "member", "jp"]), &[]);
    assert_eq!(err, not_member);
    g.charter("uk")
        .args(["propose", "member", "jp"])
        .assert()
        .success();
    let err = g.assert_refused(g.charter("jp").args(["accept", &id]), &[]);
    assert_eq!(err, not_member);

    let statement = g.statement_file("any", &fill_statement(&g.statement_template()));
    let apply = |key: &str, member: &str| {
        let mut cmd = g.charter(key);
        cmd.args(["apply", "--id", member, "--name", "Someone", "--statement"])
            .arg(&statement);
        cmd
    };
    // An id in force, a key in force, an id with an open application.
    let err = g.assert_refused(&mut apply("outsider", "uk"), &[]);
    assert_eq!(err, "error: the id 'uk' is already registered\n");
    let err = g.assert_refused(&mut apply("ee", "xx"), &[]);
    assert_eq!(err, "error: this key is already registered for 'ee'\n");
    let err = g.assert_refused(&mut apply("outsider", "jp"), &[]);
    assert_eq!(err, "error: jp has already applied: 2026-001-member-jp\n");

    g.act("ee", "second", &id);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &id);
    }
    assert!(exists(&g, "keys/jp.toml"));
    // Once admitted, neither jp's id nor jp's key can be registered again.
    let err = g.assert_refused(&mut apply("jp", "jp2"), &[]);
    assert_eq!(err, "error: this key is already registered for 'jp'\n");
    let err = g.assert_refused(&mut apply("outsider", "jp"), &[]);
    assert_eq!(err, "error: the id 'jp' is already registered\n");
    g.assert_verify_passes();
}

#[test]
fn a_member_removed_by_the_others_can_no_longer_act_but_its_past_signatures_hold() {
    let mut g = Group::d5();
    let jp_key = openssh_key(&fixture_pub("jp"));
    g.at("2026-11-24T10:00:00Z");
    g.admit("jp", "Japan");

    // jp takes part in a decision.
    g.at("2026-11-25T10:00:00Z");
    let am = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &am);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &am);
    }
    g.at("2026-11-25T11:00:00Z");
    act_finalizes(&g, "jp", "accept", &am);
    let jp_accept = format!("{}/signatures/jp.accept.msg", proposal_dir(&am));
    assert_eq!(g.message_field(&jp_accept, "date"), "2026-11-25T11:00:00Z");

    // uk proposes the removal; jp has no part in it.
    g.at("2026-12-01T10:00:00Z");
    let out = g
        .charter("uk")
        .args([
            "propose",
            "remove-member",
            "jp",
            "--reason",
            "Japan no longer meets the charter",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rm = stdout(&out).trim().to_string();
    assert_eq!(rm, "2026-003-remove-member-jp");
    let concerned =
        "error: jp is concerned by 2026-003-remove-member-jp and does not take part in the decision\n";
    for act in ["accept", "second"] {
        let err = g.assert_refused(g.charter("jp").args([act, &rm]), &[]);
        assert_eq!(err, concerned, "{act}");
    }
    let err = g.assert_refused(
        g.charter("jp").args(["object", &rm, "--reason", "unfair"]),
        &[],
    );
    assert_eq!(err, concerned);
    act_does_not_finalize(&g, "ee", "second", &rm);
    act_does_not_finalize(&g, "il", "accept", &rm);
    act_does_not_finalize(&g, "nz", "accept", &rm);
    assert_eq!(show(&g, &rm)["missing"], serde_json::json!(["kr"]));
    g.at("2026-12-02T10:00:00Z");
    act_finalizes(&g, "kr", "accept", &rm);

    assert!(!exists(&g, "keys/jp.toml"));
    assert_eq!(
        g.read_file("keys/former/jp.toml"),
        format!(
            "id = \"jp\"\nname = \"Japan\"\njoined = \"2026-11-24T10:00:00Z\"\nleft = \"2026-12-02T10:00:00Z\"\nkey = \"{jp_key}\"\n"
        )
    );
    let signers = g.read_file("keys/allowed_signers");
    assert!(
        signers
            .lines()
            .any(|l| l == signer_line("jp", "20261124100000Z", Some("20261202100000Z"), &jp_key)),
        "{signers}"
    );
    let decision = g.read_file(&format!("{}/decision.toml", proposal_dir(&rm)));
    assert!(
        decision.contains(r#"electorate = ["ee", "il", "kr", "nz", "uk"]"#),
        "{decision}"
    );

    // jp can no longer act.
    g.at("2026-12-03T10:00:00Z");
    let jp_fp = ssh_fingerprint(&fixture_pub("jp"));
    // jp is told whose key it was and why it no longer acts.
    let not_member = format!(
        "error: key {jp_fp} was jp's until 2026-12-02T10:00:00Z; jp is no longer a member\n"
    );
    let texts = g.texts("open-markets", OPEN_MARKETS_EN, OPEN_MARKETS_FR);
    let err = g.assert_refused(
        g.charter("jp")
            .args(["propose", "amend", "open-markets"])
            .args(&texts),
        &[],
    );
    assert_eq!(err, not_member);
    let open = g.propose_amend("uk", "open-markets", OPEN_MARKETS_EN, OPEN_MARKETS_FR);
    let err = g.assert_refused(g.charter("jp").args(["accept", &open]), &[]);
    assert_eq!(err, not_member);
    assert_eq!(
        show(&g, &open)["missing"],
        serde_json::json!(["ee", "il", "kr", "nz"])
    );

    // Who was a member when.
    assert_eq!(
        g.member_ids(None),
        ["ee", "il", "kr", "nz", "uk"].map(String::from)
    );
    let then = member_entry(&g, Some("2026-11-30"), "jp").expect("jp was a member then");
    assert_eq!(then["joined"], "2026-11-24T10:00:00Z");
    assert_eq!(then["left"], "2026-12-02T10:00:00Z");
    assert_eq!(then["fingerprint"], jp_fp);
    assert!(member_entry(&g, Some("2026-11-23"), "jp").is_none());
    assert!(member_entry(&g, Some("2026-12-02T10:00:00Z"), "jp").is_none());
    insta::assert_snapshot!(g.shown(&["members", "--at", "2026-11-30"]), @"
    ee  ee     since 2026-11-23T10:00:00Z                             SHA256:ylFfYb2FZNy+hfpHyVL3Nba2pSUcJV90yHO8vF07Tqk
    il  il     since 2026-11-23T10:00:00Z                             SHA256:F5L7/E6l4EQeoq0u5QWdtX8/eEdDPh7AqvO26nNZpfg
    jp  Japan  since 2026-11-24T10:00:00Z, left 2026-12-02T10:00:00Z  SHA256:0OzncgLwlHEowx2KY6dbzUJu7bba+bRRXqh/fg4O7XY
    kr  kr     since 2026-11-23T10:00:00Z                             SHA256:A4ozCE1HNZXLaqDxwWC7xSdqFR1q6Kw5AgQymYsQ61s
    nz  nz     since 2026-11-23T10:00:00Z                             SHA256:AuzkpNuILl8nLNXNvF7ueCtrgWxDE2qAe4/AbQKp5lo
    uk  uk     since 2026-11-23T10:00:00Z                             SHA256:Y6ip1Bqod8BvD5IQFWI5lqG2C/yzTliNWQV1rs5+ZvI
    ");

    // Neither the id nor the key can ever come back.
    let statement = g.statement_file("again", &fill_statement(&g.statement_template()));
    let err = g.assert_refused(
        g.charter("outsider")
            .args(["apply", "--id", "jp", "--name", "Japan", "--statement"])
            .arg(&statement),
        &[],
    );
    assert_eq!(err, "error: the id 'jp' is already registered\n");
    let err = g.assert_refused(
        g.charter("jp")
            .args(["apply", "--id", "jp2", "--name", "Japan", "--statement"])
            .arg(&statement),
        &[],
    );
    assert_eq!(err, "error: this key is already registered for 'jp'\n");

    g.assert_verify_passes();
    // jp's signature still verifies with OpenSSH at the time it was made,
    // and not at a time after jp left.
    assert!(g.ssh_verifies_at("jp", &jp_accept, "20261125110000Z"));
    assert!(!g.ssh_verifies_at("jp", &jp_accept, "20261203100000Z"));
    assert_every_commit_verifies_with_git(&g);
}

#[test]
fn a_member_who_leaves_is_gone_at_once_and_listed_for_the_time_it_was_a_member() {
    let mut g = Group::d5();
    let nz_key = openssh_key(&fixture_pub("nz"));
    g.at("2026-11-25T10:00:00Z");
    let out = g.charter("nz").arg("leave").output().unwrap();
    assert!(out.status.success(), "leave: {}", stderr(&out));
    assert_eq!(stdout(&out), "2026-001-leave-nz\n");
    let record = format!(
        "{}/signatures/nz.propose.msg",
        proposal_dir("2026-001-leave-nz")
    );
    assert_eq!(g.message_field(&record, "signer"), "nz");
    assert!(g.ssh_verifies_at("nz", &record, "20261125100000Z"));

    assert!(!exists(&g, "keys/nz.toml"));
    assert_eq!(
        g.read_file("keys/former/nz.toml"),
        format!(
            "id = \"nz\"\nname = \"nz\"\njoined = \"2026-11-23T10:00:00Z\"\nleft = \"2026-11-25T10:00:00Z\"\nkey = \"{nz_key}\"\n"
        )
    );
    assert_eq!(g.git_out(&["status", "--porcelain"]), "");
    assert_eq!(
        g.member_ids(None),
        ["ee", "il", "kr", "uk"].map(String::from)
    );
    insta::assert_snapshot!(g.shown(&["members"]), @"
    ee  ee  since 2026-11-23T10:00:00Z  SHA256:ylFfYb2FZNy+hfpHyVL3Nba2pSUcJV90yHO8vF07Tqk
    il  il  since 2026-11-23T10:00:00Z  SHA256:F5L7/E6l4EQeoq0u5QWdtX8/eEdDPh7AqvO26nNZpfg
    kr  kr  since 2026-11-23T10:00:00Z  SHA256:A4ozCE1HNZXLaqDxwWC7xSdqFR1q6Kw5AgQymYsQ61s
    uk  uk  since 2026-11-23T10:00:00Z  SHA256:Y6ip1Bqod8BvD5IQFWI5lqG2C/yzTliNWQV1rs5+ZvI
    ");
    // The listing's order is not part of the contract: former members may
    // come after those still in force.
    let mut then = g.member_ids(Some("2026-11-24"));
    then.sort();
    assert_eq!(then, ["ee", "il", "kr", "nz", "uk"].map(String::from));
    let then = member_entry(&g, Some("2026-11-24"), "nz").unwrap();
    assert_eq!(then["left"], "2026-11-25T10:00:00Z");

    // nz can no longer act, and the four decide alone.
    g.at("2026-11-26T10:00:00Z");
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let err = g.assert_refused(
        g.charter("nz")
            .args(["propose", "amend", "open-source"])
            .args(&texts),
        &[],
    );
    assert_eq!(
        err,
        format!(
            "error: key {} was nz's until 2026-11-25T10:00:00Z; nz is no longer a member\n",
            ssh_fingerprint(&fixture_pub("nz"))
        )
    );
    let am = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    act_does_not_finalize(&g, "ee", "second", &am);
    act_does_not_finalize(&g, "il", "accept", &am);
    act_finalizes(&g, "kr", "accept", &am);
    g.assert_verify_passes();
    assert_every_commit_verifies_with_git(&g);
}

#[test]
fn a_rotated_key_replaces_the_old_one_at_once_and_history_still_verifies() {
    let mut g = Group::d5();
    let old_key = openssh_key(&fixture_pub("uk"));

    // uk acts with its first key.
    g.at("2026-11-24T10:00:00Z");
    let am = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &am);

    g.at("2026-11-25T10:00:00Z");
    let new = g.new_key("uk2");
    let new_pub = Path::new(&format!("{}.pub", new.display())).to_path_buf();
    let new_key = openssh_key(&new_pub);
    // Another member's key, or its own, is no new key.
    for (taken, owner) in [("ee", "ee"), ("uk", "uk")] {
        let err = g.assert_refused(
            g.charter("uk")
                .args(["key", "rotate", "--new-key"])
                .arg(g.env.key(taken)),
            &[],
        );
        assert_eq!(
            err,
            format!("error: this key is already registered for '{owner}'; an id or a key is registered only once\n")
        );
    }
    let out = g
        .charter("uk")
        .args(["key", "rotate", "--new-key"])
        .arg(&new)
        .output()
        .unwrap();
    assert!(out.status.success(), "rotate: {}", stderr(&out));
    let rot = stdout(&out).trim().to_string();
    assert_eq!(rot, "2026-002-rotate-key-uk");
    let rot_dir = proposal_dir(&rot);
    // Signed by both keys, both valid at that moment.
    assert!(g.ssh_verifies_at(
        "uk",
        &format!("{rot_dir}/signatures/uk.propose.msg"),
        "20261125100000Z"
    ));
    assert!(g.ssh_verifies_at(
        "uk",
        &format!("{rot_dir}/signatures/uk.confirm-key.msg"),
        "20261125100000Z"
    ));

    let file = g.read_file("keys/uk.toml");
    for line in [
        format!("key = \"{new_key}\""),
        "key_since = \"2026-11-25T10:00:00Z\"".to_string(),
        "[[previous_keys]]".to_string(),
        format!("key = \"{old_key}\""),
        "from = \"2026-11-23T10:00:00Z\"".to_string(),
        "until = \"2026-11-25T10:00:00Z\"".to_string(),
    ] {
        assert!(file.lines().any(|l| l == line), "no {line:?} in:\n{file}");
    }
    let signers = g.read_file("keys/allowed_signers");
    let uk_lines: Vec<&str> = signers.lines().filter(|l| l.starts_with("uk ")).collect();
    let mut expected = vec![
        signer_line("uk", "20261123100000Z", Some("20261125100000Z"), &old_key),
        signer_line("uk", "20261125100000Z", None, &new_key),
    ];
    expected.sort();
    assert_eq!(uk_lines, expected);
    let uk = member_entry(&g, None, "uk").unwrap();
    assert_eq!(uk["key"], new_key);
    assert_eq!(uk["fingerprint"], ssh_fingerprint(&new_pub));
    let before = member_entry(&g, Some("2026-11-24"), "uk").unwrap();
    assert_eq!(before["key"], old_key);

    // The old key is refused, the new one acts.
    g.at("2026-11-26T10:00:00Z");
    let old_fp = ssh_fingerprint(&fixture_pub("uk"));
    let texts = g.texts("open-markets", OPEN_MARKETS_EN, OPEN_MARKETS_FR);
    let err = g.assert_refused(
        g.charter("uk")
            .args(["propose", "amend", "open-markets"])
            .args(&texts),
        &[],
    );
    let new_fp = ssh_fingerprint(&new_pub);
    assert_eq!(
        err,
        format!(
            "error: key {old_fp} was uk's until 2026-11-25T10:00:00Z; uk now signs with {new_fp}\n"
        )
    );
    let err = g.assert_refused(
        g.charter("uk")
            .args(["object", &am, "--reason", "changed my mind"]),
        &[],
    );
    assert_eq!(
        err,
        format!(
            "error: key {old_fp} was uk's until 2026-11-25T10:00:00Z; uk now signs with {new_fp}\n"
        )
    );
    let next = g.propose_amend("uk2", "open-markets", OPEN_MARKETS_EN, OPEN_MARKETS_FR);
    assert_eq!(next, "2026-003-open-markets");
    let record = format!("{}/signatures/uk.propose.msg", proposal_dir(&next));
    assert_eq!(g.message_field(&record, "signer"), "uk");
    assert!(g.ssh_verifies_at("uk", &record, "20261126100000Z"));

    // uk's acceptance, made with the old key before the rotation, still counts.
    act_does_not_finalize(&g, "il", "accept", &am);
    act_does_not_finalize(&g, "nz", "accept", &am);
    act_finalizes(&g, "kr", "accept", &am);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);

    g.assert_verify_passes();
    assert_every_commit_verifies_with_git(&g);
}

#[test]
fn the_others_replace_the_key_a_member_lost() {
    let mut g = Group::d5();
    let old_key = openssh_key(&fixture_pub("kr"));
    // kr's new key, made with stock OpenSSH.
    let new = g.env.path().join("keys/kr2");
    std::fs::create_dir_all(new.parent().unwrap()).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "kr new", "-f"])
        .arg(&new)
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    let new_pub = g.env.path().join("keys/kr2.pub");
    let new_key = openssh_key(&new_pub);

    g.at("2026-11-25T10:00:00Z");
    let out = g
        .charter("ee")
        .args(["propose", "replace-key", "kr", "--pubkey"])
        .arg(&new_pub)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert_eq!(id, "2026-001-replace-key-kr");
    assert_eq!(show(&g, &id)["key"], new_key);

    // kr has no vote, with either key.
    let concerned =
        format!("error: kr is concerned by {id} and does not take part in the decision\n");
    for act in ["accept", "second"] {
        let err = g.assert_refused(g.charter("kr").args([act, &id]), &[]);
        assert_eq!(err, concerned, "{act}");
    }
    let err = g.assert_refused(g.charter("kr2").args(["accept", &id]), &[]);
    assert_eq!(
        err,
        format!(
            "error: key {} is not the key of any member of Digital 5\n",
            ssh_fingerprint(&new_pub)
        )
    );

    act_does_not_finalize(&g, "uk", "second", &id);
    act_does_not_finalize(&g, "il", "accept", &id);
    assert_eq!(show(&g, &id)["missing"], serde_json::json!(["nz"]));
    g.at("2026-11-26T10:00:00Z");
    act_finalizes(&g, "nz", "accept", &id);
    let decision = g.read_file(&format!("{}/decision.toml", proposal_dir(&id)));
    assert!(
        decision.contains(r#"electorate = ["ee", "il", "nz", "uk"]"#),
        "{decision}"
    );

    let file = g.read_file("keys/kr.toml");
    assert!(
        file.lines().any(|l| l == format!("key = \"{new_key}\"")),
        "{file}"
    );
    assert!(
        file.lines().any(|l| l == format!("key = \"{old_key}\"")),
        "{file}"
    );
    let signers = g.read_file("keys/allowed_signers");
    let kr_lines: Vec<&str> = signers.lines().filter(|l| l.starts_with("kr ")).collect();
    let mut expected = vec![
        signer_line("kr", "20261123100000Z", Some("20261126100000Z"), &old_key),
        signer_line("kr", "20261126100000Z", None, &new_key),
    ];
    expected.sort();
    assert_eq!(kr_lines, expected);

    // The new key acts; the lost one no longer does.
    g.at("2026-11-27T10:00:00Z");
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let err = g.assert_refused(
        g.charter("kr")
            .args(["propose", "amend", "open-source"])
            .args(&texts),
        &[],
    );
    assert_eq!(
        err,
        format!(
            "error: key {} was kr's until 2026-11-26T10:00:00Z; kr now signs with {}\n",
            ssh_fingerprint(&fixture_pub("kr")),
            ssh_fingerprint(&new_pub)
        )
    );
    let am = g.propose_amend("kr2", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let record = format!("{}/signatures/kr.propose.msg", proposal_dir(&am));
    assert!(g.ssh_verifies_at("kr", &record, "20261127100000Z"));
    act_does_not_finalize(&g, "uk", "second", &am);
    for who in ["ee", "il"] {
        act_does_not_finalize(&g, who, "accept", &am);
    }
    act_finalizes(&g, "nz", "accept", &am);
    g.assert_verify_passes();
    assert_every_commit_verifies_with_git(&g);
}

#[test]
fn a_key_already_registered_cannot_be_proposed_as_a_replacement() {
    let g = Group::d5();
    // uk's key for kr: refused at once, as `apply` and `key rotate` refuse it.
    let err = g.assert_refused(
        g.charter("ee")
            .args(["propose", "replace-key", "kr", "--pubkey"])
            .arg(fixture_pub("uk")),
        &["already registered for 'uk'"],
    );
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn an_acceptance_that_cannot_take_effect_leaves_the_repository_as_it_was() {
    // The outsider applies twice, under two ids, with one key. Once xx is
    // admitted, yy can never be: every later step either works without
    // registering yy, or is refused leaving the repository as it was
    // (DESIGN.md §8: a command completes its commit or changes nothing).
    let g = Group::d5();
    g.apply("outsider", "xx", "Ruritania");
    let statement = g.statement_file("yy", &fill_statement(&g.statement_template()));
    let step = |cmd: &mut assert_cmd::Command, what: &str| -> bool {
        let before = g.tree_state();
        let out = cmd.output().unwrap();
        if out.status.success() {
            return true;
        }
        assert_one_line_error(&out, 2, &[]);
        assert_eq!(
            g.tree_state(),
            before,
            "{what} failed ({}) but changed the repository",
            stderr(&out).trim()
        );
        false
    };
    let applied = step(
        g.charter("outsider")
            .args(["apply", "--id", "yy", "--name", "Ruritania", "--statement"])
            .arg(&statement),
        "the second application",
    );
    g.charter("uk")
        .args(["propose", "member", "xx"])
        .assert()
        .success();
    g.act("ee", "second", "2026-001-member-xx");
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", "2026-001-member-xx");
    }
    assert!(exists(&g, "keys/xx.toml"));
    if applied {
        let yy = "2026-002-member-yy";
        let mut steps: Vec<(&str, &str)> = vec![("uk", "propose"), ("ee", "second")];
        steps.extend(["il", "nz", "kr", "xx"].map(|w| (w, "accept")));
        for (who, act) in steps {
            let mut cmd = g.charter(if who == "xx" { "outsider" } else { who });
            if act == "propose" {
                cmd.args(["propose", "member", "yy"]);
            } else {
                cmd.args([act, yy]);
            }
            if !step(&mut cmd, &format!("{who}'s {act} of {yy}")) {
                break;
            }
        }
    }
    assert!(!exists(&g, "keys/yy.toml"));
    assert_eq!(
        g.member_ids(None),
        ["ee", "il", "kr", "nz", "uk", "xx"].map(String::from)
    );
    g.assert_verify_passes();
}

#[test]
fn show_warns_when_the_charter_gains_a_principle_the_open_statement_does_not_cover() {
    let mut g = Group::d5();
    g.at("2026-11-24T10:00:00Z");
    let app = g.apply("jp", "jp", "Japan");
    assert_eq!(show(&g, &app)["statement_gaps"], serde_json::json!([]));
    insta::assert_snapshot!("application_shown", g.shown(&["show", &app]));

    // The charter gains "Open data" while the application is open.
    g.at("2026-11-25T10:00:00Z");
    let texts = g.texts("open-data", OPEN_DATA_EN, OPEN_DATA_FR);
    let out = g
        .charter("uk")
        .args(["propose", "add", "open-data"])
        .args(&texts)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let add = stdout(&out).trim().to_string();
    g.act("ee", "second", &add);
    g.act("il", "accept", &add);
    g.act("nz", "accept", &add);
    act_finalizes(&g, "kr", "accept", &add);
    assert_eq!(g.read_file("charter/open-data.en.md"), OPEN_DATA_EN);

    insta::assert_snapshot!(
        "application_shown_after_open_data_was_added",
        g.shown(&["show", &app])
    );
    let v = show(&g, &app);
    assert_eq!(
        v["statement_gaps"],
        serde_json::json!(["Open data (open-data)"])
    );
    assert_eq!(v["status"], "open");
    // A new candidate's template asks for it.
    assert!(g
        .statement_template()
        .lines()
        .any(|l| l == "## 10. Open data (open-data)"));
    g.assert_verify_passes();
}

// ---- A group is never left unable to act (issue 13, point 14) ----

/// A group of two made with `charter init`: uk and ee.
pub(crate) fn pair() -> Group {
    let env = Env::new();
    let mut cmd = env.charter_in(env.path());
    cmd.args(["init", "pair", "--template", "d5", "--name", "Pair"]);
    for id in ["uk", "ee"] {
        env.key(id);
        cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
    }
    cmd.arg("--key").arg(env.key("uk")).assert().success();
    let repo = env.path().join("pair");
    Group { env, repo }
}

#[test]
fn a_departure_or_removal_that_leaves_one_member_is_refused() {
    let g = pair();
    g.assert_verify_passes();
    let before = g.tree_state();
    let out = g.charter("ee").arg("leave").output().unwrap();
    assert_one_line_error(&out, 2, &["ee's departure", "1 member", "at least 2"]);
    let out = g
        .charter("uk")
        .args(["propose", "remove-member", "ee", "--reason", "gone quiet"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["removing ee", "1 member"]);
    assert_eq!(g.tree_state(), before, "nothing changed");
}

#[test]
fn init_with_one_founder_is_refused() {
    let env = Env::new();
    env.key("uk");
    let out = env
        .charter_in(env.path())
        .args(["init", "solo", "--template", "d5", "--name", "Solo"])
        .args(["--member", "uk=keys/uk.pub", "--key"])
        .arg(env.key("uk"))
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["at least 2 founding members"]);
    assert!(!env.path().join("solo").exists());
}

/// A genesis made by hand with plain git, naming one member: refused; the
/// same files naming two verify (the control).
#[test]
fn a_genesis_of_one_member_made_by_hand_is_refused() {
    let made = pair();
    for (name, drop_ee) in [("control", false), ("solo", true)] {
        let g = genesis_by_hand(&made, name, |rel, text| match (rel, drop_ee) {
            ("keys/ee.toml", true) => None,
            ("keys/allowed_signers", true) => Some(
                text.lines()
                    .filter(|l| !l.starts_with("ee "))
                    .map(|l| format!("{l}\n"))
                    .collect(),
            ),
            _ => Some(text),
        });
        if drop_ee {
            let f = g.verify_failure_with(&[]);
            assert_eq!(f.rule, "process", "{}", f.stderr);
            assert_eq!(f.path, "keys", "{}", f.stderr);
            assert!(f.message.contains("names 1 member"), "{}", f.stderr);
        } else {
            g.assert_verify_passes();
        }
    }
}

/// A genesis made by hand with plain git in folder `name`: `made`'s
/// founding files, each passed through `edit` (`None` leaves it out).
pub(crate) fn genesis_by_hand(
    made: &Group,
    name: &str,
    edit: impl Fn(&str, String) -> Option<String>,
) -> Group {
    let repo = made.env.path().join(name);
    let git = |args: &[&str]| {
        let out = made.env.git_in(&repo).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    std::fs::create_dir_all(&repo).unwrap();
    git(&["init", "-q", "-b", "main"]);
    for rel in [
        "governance.toml",
        "keys/uk.toml",
        "keys/ee.toml",
        "keys/allowed_signers",
    ] {
        let Some(text) = edit(rel, made.read_file(rel)) else {
            continue;
        };
        let path = repo.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    copy_dir(&made.repo.join("charter"), &repo.join("charter"));
    git(&["add", "-A"]);
    git(&["commit", "-q", "--no-gpg-sign", "-m", "genesis by hand"]);
    Group {
        env: Env::new(),
        repo,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A genesis made by hand in which two founders share one key (one
/// person, two votes): refused, as `init` refuses it; also when the second
/// holds it as a security key (the same ed25519 point). The honest
/// genesis of the same shape is the control of the test above.
#[test]
fn a_genesis_whose_founders_share_a_key_is_refused() {
    let made = pair();
    let uk_key = made
        .read_file("keys/uk.toml")
        .lines()
        .find_map(|l| l.strip_prefix("key = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let ee_key = made
        .read_file("keys/ee.toml")
        .lines()
        .find_map(|l| l.strip_prefix("key = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let point = ssh_key::PublicKey::from_openssh(&uk_key).unwrap();
    let ssh_key::public::KeyData::Ed25519(ed) = point.key_data() else {
        panic!("{uk_key}")
    };
    let as_security_key = ssh_key::PublicKey::new(
        ssh_key::public::KeyData::SkEd25519(ssh_key::public::SkEd25519::new(*ed, "ssh:")),
        "",
    )
    .to_openssh()
    .unwrap();
    for (name, shared) in [("plain", uk_key.clone()), ("sk", as_security_key)] {
        let g = genesis_by_hand(&made, name, |rel, text| {
            Some(if rel == "keys/uk.toml" {
                text
            } else {
                text.replace(&ee_key, &shared)
            })
        });
        let f = g.verify_failure_with(&[]);
        assert_eq!(f.rule, "malformed", "{name}: {}", f.stderr);
        assert!(f.path.starts_with("keys/"), "{name}: {}", f.stderr);
        assert!(
            f.message.contains("is also registered for"),
            "{name}: {}",
            f.stderr
        );
    }
}
