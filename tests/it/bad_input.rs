//! Malformed and hostile input (DESIGN.md §8): every case is refused with
//! exit status 2 and one line `error: ...` naming the file or id and the
//! problem, and leaves the repository exactly as it was.

use crate::common::*;

use std::path::PathBuf;

/// Writes a text file outside the repository; returns its path.
fn text_file(g: &Group, name: &str, bytes: &[u8]) -> PathBuf {
    let dir = g.env.path().join("texts");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn text_arg(lang: &str, path: &std::path::Path) -> [String; 2] {
    ["--text".to_string(), format!("{lang}={}", path.display())]
}

/// `propose amend open-source` by uk with these `--text` arguments.
fn propose_with(g: &Group, texts: &[[String; 2]]) -> assert_cmd::Command {
    let mut cmd = g.charter("uk");
    cmd.args(["propose", "amend", "open-source"]);
    for t in texts {
        cmd.args(t);
    }
    cmd
}

fn good_fr(g: &Group) -> [String; 2] {
    text_arg("fr", &text_file(g, "good.fr.md", OPEN_SOURCE_FR.as_bytes()))
}

fn propose(g: &Group) -> String {
    g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR)
}

#[test]
fn a_text_file_that_is_not_utf8() {
    let g = Group::d5();
    let bad = text_file(
        &g,
        "latin1.en.md",
        b"# Open source\n\nCode ouvert \xe0 tous \xff.\n",
    );
    g.assert_refused(
        &mut propose_with(&g, &[text_arg("en", &bad), good_fr(&g)]),
        &[&bad.display().to_string(), "UTF-8"],
    );
}

#[test]
fn a_text_file_without_its_title_line() {
    let g = Group::d5();
    let bad = text_file(&g, "untitled.en.md", b"Open source\n\nShare the code.\n");
    g.assert_refused(
        &mut propose_with(&g, &[text_arg("en", &bad), good_fr(&g)]),
        &[&bad.display().to_string(), "title"],
    );
}

#[test]
fn a_missing_language() {
    let g = Group::d5();
    let en = text_file(&g, "only.en.md", OPEN_SOURCE_EN.as_bytes());
    g.assert_refused(
        &mut propose_with(&g, &[text_arg("en", &en)]),
        &["'fr'", "missing"],
    );
}

#[test]
fn an_unknown_language() {
    let g = Group::d5();
    let en = text_file(&g, "ok.en.md", OPEN_SOURCE_EN.as_bytes());
    let de = text_file(&g, "ok.de.md", b"# Open Source\n\nQuelloffen.\n");
    g.assert_refused(
        &mut propose_with(&g, &[text_arg("en", &en), good_fr(&g), text_arg("de", &de)]),
        &["'de'", "not a language"],
    );
    g.assert_refused(
        &mut propose_with(&g, &[text_arg("de", &de)]),
        &["'de'", "not a language"],
    );
}

#[test]
fn path_tricks_in_a_principle_id() {
    let g = Group::d5();
    let texts = g.texts("x", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    for id in ["../open-source", "charter/open-source", "/etc/passwd", ".."] {
        g.assert_refused(
            g.charter("uk").args(["propose", "amend", id]).args(&texts),
            &[&format!("'{id}'"), "invalid principle id"],
        );
        g.assert_refused(
            g.read().args(["text", id]),
            &[&format!("'{id}'"), "invalid principle id"],
        );
    }
}

#[test]
fn path_tricks_in_a_proposal_id() {
    let g = Group::d5();
    let id = propose(&g);
    let mut said = String::new();
    for bad in [
        format!("../{id}"),
        format!("2026/{id}"),
        format!("{id}/../../governance.toml"),
        format!("/proposals/2026/{id}"),
        "/".to_string(),
    ] {
        for (who, act) in [(Some("ee"), "second"), (None, "show")] {
            let mut cmd = match who {
                Some(w) => g.charter(w),
                None => g.read(),
            };
            let err = g.assert_refused(cmd.args([act, &bad]), &[&format!("'{bad}'")]);
            said.push_str(&format!("{act} {bad}\n  {err}"));
        }
    }
    // Each refusal says the problem: none of these has the shape of a
    // proposal's name (its year and number first).
    insta::assert_snapshot!(said, @"
    second ../2026-001-open-source
      error: '../2026-001-open-source' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    show ../2026-001-open-source
      error: '../2026-001-open-source' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    second 2026/2026-001-open-source
      error: '2026/2026-001-open-source' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    show 2026/2026-001-open-source
      error: '2026/2026-001-open-source' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    second 2026-001-open-source/../../governance.toml
      error: '2026-001-open-source/../../governance.toml' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    show 2026-001-open-source/../../governance.toml
      error: '2026-001-open-source/../../governance.toml' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    second /proposals/2026/2026-001-open-source
      error: '/proposals/2026/2026-001-open-source' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    show /proposals/2026/2026-001-open-source
      error: '/proposals/2026/2026-001-open-source' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    second /
      error: '/' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    show /
      error: '/' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    ");
}

#[test]
fn an_unknown_proposal_id() {
    let g = Group::d5();
    propose(&g);
    g.assert_refused(
        g.charter("ee").args(["accept", "2026-999-nothing"]),
        &["'2026-999-nothing'", "no proposal matches"],
    );
    g.assert_refused(
        g.read().args(["show", "2027-001"]),
        &["'2027-001'", "no proposal matches"],
    );
    // The number is taken whole: 2026-0010 is not 2026-001.
    g.assert_refused(
        g.read().args(["show", "2026-0010"]),
        &["'2026-0010'", "no proposal matches"],
    );
}

#[test]
fn a_proposal_is_named_by_its_year_and_number_at_least() {
    // With one proposal open, a name too short to say which (nothing, the
    // year, part of the number) used to act on it; it is refused.
    let g = Group::d5();
    let id = propose(&g);
    for short in ["", "2026", "2026-", "2026-0", "2026-00", "open-source"] {
        let err = g.assert_refused(
            g.charter("ee").args(["second", short]),
            &[&format!("'{short}'"), "does not name a proposal"],
        );
        assert!(err.contains("year and number"), "{err}");
        g.assert_refused(
            g.read().args(["show", short]),
            &[&format!("'{short}'"), "does not name a proposal"],
        );
    }
    // The control: the year and number, with or without the beginning of
    // the words, name it.
    for name in ["2026-001", "2026-001-open"] {
        assert!(g.read_out(&["show", name]).starts_with(&id), "{name}");
    }
    g.act("ee", "second", "2026-001-open");
    assert!(exists(
        &g,
        &format!("{}/signatures/ee.second.msg", proposal_dir(&id))
    ));
}

#[test]
fn an_ambiguous_prefix() {
    // Two proposals with one year and number exist only in a history
    // merged by hand: the words tell them apart.
    let g = Group::d5();
    let a = propose(&g);
    assert_eq!(a, "2026-001-open-source");
    let b = "2026-001-open-standards";
    copy_dir(
        &g.repo.join(proposal_dir(&a)),
        &g.repo.join(proposal_dir(b)),
    );
    g.git_commit_all("a second 2026-001, by hand");
    // Made by hand, it does not verify: an act is refused for that first.
    g.assert_refused_unverified(
        g.charter("il").args(["accept", "2026-001"]),
        &["[signed-content]"],
    );
    g.assert_refused_after_warning(
        g.read().args(["show", "2026-001"]),
        &["'2026-001'", "several", &a, b],
    );
    g.assert_refused_after_warning(
        g.read().args(["show", "2026-001-open-s"]),
        &["'2026-001-open-s'", "several", &a, b],
    );
    // The control: enough of the words name one.
    let out = g
        .read()
        .args(["show", "2026-001-open-so"])
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with(&a), "{}", stderr(&out));
}

/// Copies the folder `from` to `to`, files only.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn governance_toml_that_is_not_toml() {
    let g = Group::d5();
    let text = g.read_file("governance.toml");
    g.write(
        "governance.toml",
        &text.replace("name = \"Digital 5\"", "name = \"Digital 5"),
    );
    g.git_commit_all("break governance.toml by hand");
    g.assert_refused(g.read().arg("status"), &["governance.toml"]);
    g.assert_refused(
        g.charter("ee").args(["propose", "retire", "open-markets"]),
        &["governance.toml"],
    );
}

#[test]
fn governance_toml_with_an_unknown_field() {
    let g = Group::d5();
    let text = g.read_file("governance.toml");
    g.write("governance.toml", &format!("{text}colour = \"red\"\n"));
    g.git_commit_all("add a field to governance.toml by hand");
    g.assert_refused(
        g.read().arg("status"),
        &["governance.toml", "unknown field", "colour"],
    );
}

#[test]
fn a_symlink_committed_into_the_charter() {
    let g = Group::d5();
    std::os::unix::fs::symlink("../governance.toml", g.repo.join("charter/evil.en.md")).unwrap();
    g.git_commit_all("add a symlink by hand");
    assert_eq!(
        g.git_out(&["ls-tree", "HEAD", "charter/evil.en.md"])
            .split_whitespace()
            .next(),
        Some("120000"),
        "git should have recorded a symlink"
    );
    // A listing warns that HEAD does not verify, then refuses the file.
    let out = g.read().arg("text").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("warning: ") && lines[0].contains("[governed-change]"));
    assert!(lines[1].contains("charter/evil.en.md") && lines[1].contains("symbolic link"));
    // An act on it is refused before anything is read or signed.
    let id = "2026-001";
    g.assert_refused_unverified(
        g.charter("uk").args(["accept", id]),
        &["charter/evil.en.md", "[governed-change]"],
    );
}

#[test]
fn an_rsa_key_cannot_act() {
    let g = Group::d5();
    let id = propose(&g);
    let rsa = g.env.key("rsa");
    g.assert_refused(
        g.read().arg("--key").arg(&rsa).args(["accept", &id]),
        &[&rsa.display().to_string(), "ssh-ed25519"],
    );
}

#[test]
fn an_rsa_public_key_cannot_be_a_founder() {
    let g = Group::d5();
    g.env.key("rsa");
    let target = g.env.path().join("other");
    g.assert_refused(
        g.env
            .charter_in(g.env.path())
            .args(["init", "other", "--name", "Other"])
            .args(["--member", "uk=keys/uk.pub", "--member", "xx=keys/rsa.pub"])
            .arg("--key")
            .arg(g.env.key("uk")),
        &["rsa.pub", "ssh-ed25519"],
    );
    assert!(
        !target.exists(),
        "a refused init created {}",
        target.display()
    );
}

#[test]
fn a_signature_truncated_in_place_by_hand() {
    let g = Group::d5();
    let id = propose(&g);
    g.act("ee", "second", &id);
    let rel = format!("proposals/2026/{id}/signatures/ee.second.sig");
    let sig = g.read_file(&rel);
    g.write(&rel, &sig[..sig.len() / 2]);
    g.git_commit_all("truncate a signature by hand");

    // `show` still reads the proposal and marks the signature bad ...
    insta::assert_snapshot!(g.shown(&["show", &id]), @r#"
    2026-001-open-source  Amend "Open source"  [open]
      proposed by  uk on 2026-11-23T10:00:00Z
      deadline     2027-02-21T10:00:00Z
      seconded by  ee
      accepted by  ee, uk
      waiting for  il, kr, nz
      digest       sha256:9477b43564f5fde30c261270d43d43a09bb3572373be22ba76a0f946a69846b8

    Change

    charter/open-source.en.md
        # Open source
        
        [-Open source: future government systems, tools and services will be made-]{+Government code is+} open source [-and shareable between members where appropriate-]{+by default+}.

    charter/open-source.fr.md
        # Logiciel libre
        
        [-Logiciel libre : les futurs systèmes, outils et services de l’administration seront rendus libres (open source) et partageables entre les membres, lorsque cela-]{+Le code public+} est [-approprié-]{+libre par défaut+}.

    Signatures
      uk  propose  2026-11-23T10:00:00Z  good
      ee  second   2026-11-23T10:00:00Z  BAD
    "#);

    // ... and `verify` fails, naming the file.
    let before = g.tree_state();
    let out = g.verify();
    assert_one_line_error(&out, 1, &[&rel]);
    assert_eq!(g.tree_state(), before);
}

#[test]
fn a_new_record_with_a_truncated_signature_committed_by_hand() {
    let g = Group::d5();
    let id = propose(&g);
    g.act("ee", "second", &id);
    let dir = format!("proposals/2026/{id}/signatures");
    let msg = g
        .read_file(&format!("{dir}/ee.second.msg"))
        .replace("act second", "act accept")
        .replace("signer ee", "signer il");
    let sig = g.read_file(&format!("{dir}/ee.second.sig"));
    g.write(&format!("{dir}/il.accept.msg"), &msg);
    g.write(&format!("{dir}/il.accept.sig"), &sig[..sig.len() / 2]);
    g.git_commit_all("add a truncated signature by hand");

    let before = g.tree_state();
    let out = g.verify();
    assert_one_line_error(&out, 1, &[&format!("{dir}/il.accept.sig"), "truncated"]);
    assert_eq!(g.tree_state(), before);
}

#[test]
fn an_oversized_text_file() {
    let g = Group::d5();
    let big = format!("# Open source\n\n{}\n", "Open code. ".repeat(7000));
    assert!(big.len() > 64 * 1024);
    let bad = text_file(&g, "big.en.md", big.as_bytes());
    g.assert_refused(
        &mut propose_with(&g, &[text_arg("en", &bad), good_fr(&g)]),
        &[&bad.display().to_string(), "larger than"],
    );
}

#[test]
fn a_key_that_is_not_a_members_acting() {
    let g = Group::d5();
    let id = propose(&g);
    let fingerprint = {
        let jp = g.env.key("jp");
        let out = std::process::Command::new("ssh-keygen")
            .arg("-l")
            .arg("-f")
            .arg(format!("{}.pub", jp.display()))
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    let err = g.assert_refused(g.charter("jp").args(["accept", &id]), &[&fingerprint]);
    // Says jp's key is not a member's.
    insta::assert_snapshot!(g.env.hide_root(&err).replace(&fingerprint, "[JP FINGERPRINT]"), @"error: key [JP FINGERPRINT] is not the key of any member of Digital 5");
    let err = g.assert_refused(
        g.charter("outsider")
            .args(["propose", "retire", "open-markets"]),
        &[],
    );
    insta::assert_snapshot!(g.env.hide_root(&err), @"error: key SHA256:d+c09vSuTCZz18zhiKzkRoOo+3y9xawdDTc3HXPt/PA is not the key of any member of Digital 5");
}

#[test]
fn a_member_seconding_its_own_proposal() {
    let g = Group::d5();
    let id = propose(&g);
    g.assert_refused(
        g.charter("uk").args(["second", &id]),
        &[&id, "uk", "cannot second"],
    );
}

#[test]
fn the_same_member_accepting_twice() {
    let g = Group::d5();
    let id = propose(&g);
    g.act("ee", "second", &id);
    g.act("il", "accept", &id);
    g.assert_refused(
        g.charter("il").args(["accept", &id]),
        &[&id, "il", "already"],
    );
    // Seconding counted as accepting.
    g.assert_refused(
        g.charter("ee").args(["accept", &id]),
        &[&id, "ee", "already"],
    );
}

#[test]
fn acting_on_a_withdrawn_proposal() {
    let g = Group::d5();
    let id = propose(&g);
    g.act("uk", "withdraw", &id);
    g.assert_refused(g.charter("ee").args(["second", &id]), &[&id, "withdrawn"]);
    g.assert_refused(
        g.charter("kr")
            .args(["object", &id, "--reason", "Too late anyway"]),
        &[&id, "withdrawn"],
    );
}

#[test]
fn acting_past_the_deadline() {
    let mut g = Group::d5();
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let out = g
        .charter("uk")
        .args([
            "propose",
            "amend",
            "open-source",
            "--deadline",
            "2026-11-30",
        ])
        .args(&texts)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    g.act("ee", "second", &id);
    g.at("2026-12-05T00:00:00Z");
    g.assert_refused(g.charter("il").args(["accept", &id]), &[&id, "expired"]);
}

#[test]
fn an_objection_reason_with_a_newline() {
    let g = Group::d5();
    let id = propose(&g);
    g.assert_refused(
        g.charter("ee")
            .args(["object", &id, "--reason", "Too vague.\nsigner uk"]),
        &["reason", "one line"],
    );
}

/// An error line made of a value the user gave: one line, the value's
/// control characters escaped and the value cut short.
fn assert_echoed_safely(g: &Group, cmd: &mut assert_cmd::Command, needles: &[&str]) -> String {
    let err = g.assert_refused(cmd, needles);
    assert!(err.chars().count() < 400, "{} characters: {err}", err.len());
    assert!(!err.contains('\u{1b}'), "{err:?}");
    err
}

#[test]
fn values_with_newlines_or_of_any_length_are_echoed_escaped_and_short() {
    let g = Group::d5();
    propose(&g);
    let long = "2026-001-".to_string() + &"x".repeat(100_000);
    let mut said = String::new();
    for value in ["2026\n001", "a\u{1b}[31mred", "2026-001\nsigner uk"] {
        let err = assert_echoed_safely(&g, g.read().args(["show", value]), &[]);
        said.push_str(&err);
    }
    for (who, act) in [(None, "show"), (Some("ee"), "second")] {
        let mut cmd = match who {
            Some(w) => g.charter(w),
            None => g.read(),
        };
        let err = assert_echoed_safely(&g, cmd.args([act, &long]), &["…"]);
        said.push_str(&err);
    }
    // Refused by the command line's own parser (a member id), and by the
    // commands (a --text, a --member and a --deadline spec, the clock).
    let err = assert_echoed_safely(
        &g,
        g.charter("jp").args([
            "apply",
            "--id",
            &"y".repeat(100_000),
            "--name",
            "x",
            "--statement",
            "s",
        ]),
        &["invalid member id", "…"],
    );
    said.push_str(&err);
    let err = assert_echoed_safely(
        &g,
        g.charter("jp")
            .args(["apply", "--id", "j\np", "--name", "x", "--statement", "s"]),
        &["invalid member id"],
    );
    said.push_str(&err);
    let err = assert_echoed_safely(
        &g,
        g.charter("uk")
            .args(["propose", "amend", "open-source", "--text", "en\nfr"]),
        &["--text"],
    );
    said.push_str(&err);
    let err = assert_echoed_safely(
        &g,
        g.env
            .charter_in(g.env.path())
            .args([
                "init",
                "other",
                "--name",
                "Other",
                "--member",
                &"z\n".repeat(50_000),
            ])
            .arg("--key")
            .arg(g.env.key("uk")),
        &["--member", "…"],
    );
    said.push_str(&err);
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let err = assert_echoed_safely(
        &g,
        g.charter("uk")
            .args([
                "propose",
                "amend",
                "open-source",
                "--deadline",
                "2027\n01-01",
            ])
            .args(&texts),
        &["--deadline"],
    );
    said.push_str(&err);
    let err = assert_echoed_safely(
        &g,
        g.charter("ee")
            .args(["second", "2026-001"])
            .env("CHARTER_NOW", "2026-11-23T10:00:00Z\nsigner uk"),
        &["CHARTER_NOW"],
    );
    said.push_str(&err);
    let err = assert_echoed_safely(
        &g,
        g.read()
            .args(["verify", "--root", &format!("HEAD\n{long}")]),
        &["--root", "…"],
    );
    said.push_str(&err);
    insta::assert_snapshot!(said, @r"
    error: '2026\n001' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    error: 'a\u{1b}[31mred' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    error: '2026-001\nsigner uk' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    error: '2026-001-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    error: '2026-001-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)
    error: invalid value 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…' for '--id <ID>': invalid member id 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…': it is longer than 64 characters
    error: invalid value 'j\np' for '--id <ID>': invalid member id 'j\np': use only lower-case letters, digits and '-'
    error: --text 'en\nfr': expected LANG=FILE
    error: --member 'z\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz\nz…': expected ID=PUBKEY_FILE
    error: --deadline '2027\n01-01': expected YYYY-MM-DD or an RFC 3339 date-time, from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z
    error: CHARTER_NOW must be an RFC 3339 date-time from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z: '2026-11-23T10:00:00Z\nsigner uk'
    error: --root 'HEAD\n2026-001-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…': no such commit
    ");
}

#[test]
fn charter_now_outside_the_range_is_refused() {
    // Year 0 wrote a record its own parser then refused; 1969 was taken.
    let g = Group::d5();
    let id = propose(&g);
    for now in [
        "0000-01-01T00:00:00Z",
        "1969-07-20T20:17:00Z",
        "1999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
    ] {
        let err = g.assert_refused(
            g.charter("ee")
                .args(["second", &id])
                .env("CHARTER_NOW", now),
            &[
                "CHARTER_NOW",
                now,
                "from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z",
            ],
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // So is a deadline outside it.
    let texts = g.texts("open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    g.assert_refused(
        g.charter("ee")
            .args([
                "propose",
                "amend",
                "open-standards",
                "--deadline",
                "10000-01-01",
            ])
            .args(&texts),
        &["--deadline", "10000-01-01"],
    );
}

#[test]
fn the_edges_of_the_range_are_written_and_read_back() {
    // The control of the range: a group founded at its first second, and
    // one acting near its last (the proposal's default deadline, 90 days
    // on, ends at the range's last second), verify.
    for (founded, acting, deadline) in [
        (
            "2000-01-01T00:00:00Z",
            "2000-01-01T00:00:00Z",
            "2000-03-31T00:00:00Z",
        ),
        (NOW, "9999-12-30T00:00:00Z", "9999-12-31T23:59:59Z"),
    ] {
        let mut g = Group::found_d5(founded);
        g.at(acting);
        let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
        let msg = format!("{}/signatures/uk.propose.msg", proposal_dir(&id));
        assert_eq!(g.message_field(&msg, "date"), acting);
        let toml = g.read_file(&format!("{}/proposal.toml", proposal_dir(&id)));
        assert!(
            toml.contains(&format!("deadline = \"{deadline}\"")),
            "{toml}"
        );
        g.assert_verify_passes();
    }
}
