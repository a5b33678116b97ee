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
    // Each refusal says the problem.
    insta::assert_snapshot!(said, @"
    second ../2026-001-open-source
      error: no proposal matches '../2026-001-open-source' (see charter status)
    show ../2026-001-open-source
      error: no proposal matches '../2026-001-open-source' (see charter status)
    second 2026/2026-001-open-source
      error: no proposal matches '2026/2026-001-open-source' (see charter status)
    show 2026/2026-001-open-source
      error: no proposal matches '2026/2026-001-open-source' (see charter status)
    second 2026-001-open-source/../../governance.toml
      error: no proposal matches '2026-001-open-source/../../governance.toml' (see charter status)
    show 2026-001-open-source/../../governance.toml
      error: no proposal matches '2026-001-open-source/../../governance.toml' (see charter status)
    second /proposals/2026/2026-001-open-source
      error: no proposal matches '/proposals/2026/2026-001-open-source' (see charter status)
    show /proposals/2026/2026-001-open-source
      error: no proposal matches '/proposals/2026/2026-001-open-source' (see charter status)
    second /
      error: no proposal matches '/' (see charter status)
    show /
      error: no proposal matches '/' (see charter status)
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
        g.read().args(["show", "2027"]),
        &["'2027'", "no proposal matches"],
    );
}

#[test]
fn an_ambiguous_prefix() {
    let g = Group::d5();
    let a = propose(&g);
    let b = g.propose_amend(
        "ee",
        "open-standards",
        "# Open standards\n\nOpen standards first.\n",
        "# Standards ouverts\n\nLes standards ouverts d'abord.\n",
    );
    assert_eq!(
        [a.as_str(), b.as_str()],
        ["2026-001-open-source", "2026-002-open-standards"]
    );
    g.assert_refused(
        g.charter("il").args(["accept", "2026-00"]),
        &["'2026-00'", "several", &a, &b],
    );
    g.assert_refused(
        g.read().args(["show", "2026-00"]),
        &["'2026-00'", "several"],
    );
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
