//! A group whose governance.toml lists attestation roots registers only
//! security keys proven by their attestation (issue 13, point 2): at
//! `init`, on application, rotation and replacement, and in `verify`, for
//! histories made by hand with `git` and `ssh-keygen` as for those the
//! tool writes. Keys are enrolled with stock `ssh-keygen -t ed25519-sk`
//! through the TEST-ONLY software authenticator, which attests as a
//! pretend device model (tests/fixtures/attestation).

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::membership::genesis_by_hand;
use crate::security_keys::provider;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/attestation")
}

/// The challenge every enrolment here is made for.
fn challenge(env: &Env) -> PathBuf {
    let path = env.path().join("challenge");
    std::fs::write(&path, "charter registration").unwrap();
    path
}

/// Adds the key proof an act takes: `--attestation FILE --challenge FILE`.
fn with_proof(cmd: &mut assert_cmd::Command, attestation: &Path, env: &Env) {
    cmd.arg("--attestation")
        .arg(attestation)
        .arg("--challenge")
        .arg(challenge(env));
}

/// Enrols a security key with `ssh-keygen -t ed25519-sk -O challenge -O
/// write-attestation`, attested as the device model `model` ("rsa" or "ec",
/// the root that issued its certificate): the handle at `keys/<name>`, where
/// `g.charter(name)` finds it. Returns the attestation file.
fn enroll(env: &Env, name: &str, model: &str) -> PathBuf {
    let dir = env.path().join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let handle = dir.join(name);
    let attestation = dir.join(format!("{name}.att"));
    let out = std::process::Command::new("ssh-keygen")
        .env(
            "CHARTER_SK_PROVIDER_ATTESTATION",
            fixtures().join(format!("{model}-device")),
        )
        .args(["-q", "-t", "ed25519-sk", "-N", "", "-C", name, "-w"])
        .arg(provider())
        .arg("-f")
        .arg(&handle)
        .arg("-O")
        .arg(format!("challenge={}", challenge(env).display()))
        .arg("-O")
        .arg(format!("write-attestation={}", attestation.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    attestation
}

/// A group of two founders, uk and ee, on security keys attested under
/// the RSA test root, which governance.toml lists.
fn attested_pair() -> Group {
    let mut env = Env::new();
    env.provider = Some(provider().to_path_buf());
    let mut cmd = env.charter_in(env.path());
    cmd.args(["init", "pair", "--template", "d5", "--name", "Pair"])
        .arg("--attestation-roots")
        .arg(fixtures().join("rsa-root.pem"));
    for id in ["uk", "ee"] {
        let attestation = enroll(&env, id, "rsa");
        cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
        cmd.arg("--attestation")
            .arg(format!("{id}={}", attestation.display()));
        cmd.arg("--challenge")
            .arg(format!("{id}={}", challenge(&env).display()));
    }
    let out = cmd.arg("--key").arg(env.key("uk")).output().unwrap();
    assert!(out.status.success(), "init: {}", stderr(&out));
    let repo = env.path().join("pair");
    Group { env, repo }
}

/// `charter apply` for jp with the key at `keys/<key>` and, if given, an
/// attestation file and the challenge.
fn apply(g: &Group, key: &str, attestation: Option<&Path>) -> std::process::Output {
    let statement = g.statement_file("jp", &fill_statement(&g.statement_template()));
    let mut cmd = g.charter(key);
    cmd.args(["apply", "--id", "jp", "--name", "Japan", "--statement"])
        .arg(&statement);
    if let Some(a) = attestation {
        with_proof(&mut cmd, a, &g.env);
    }
    cmd.output().unwrap()
}

#[test]
fn an_attested_group_admits_an_attested_candidate_and_stock_tools_agree() {
    let g = attested_pair();
    assert!(g.read_file("governance.toml").contains("attestation_roots"));
    assert!(g.read_file("keys/uk.toml").contains("attestation = "));
    g.assert_verify_passes();
    let attestation = enroll(&g.env, "jp", "rsa");
    let out = apply(&g, "jp", Some(&attestation));
    assert!(out.status.success(), "apply: {}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let file = g.read_file(&format!("{}/proposal.toml", proposal_dir(&id)));
    assert!(file.contains("attestation_challenge = "), "{file}");
    g.charter("uk")
        .args(["propose", "member", "jp"])
        .assert()
        .success();
    g.act("ee", "second", &id);
    // The admission registers the key with its attestation.
    assert!(g.read_file("keys/jp.toml").contains("attestation = "));
    assert!(g.ssh_verifies(
        "jp",
        &format!("{}/signatures/jp.apply.msg", proposal_dir(&id))
    ));
    g.assert_verify_passes();
}

#[test]
fn an_application_without_its_proof_is_refused_and_nothing_changes() {
    let g = attested_pair();
    let before = g.tree_state();
    // A security key, no attestation.
    enroll(&g.env, "jp", "rsa");
    let out = apply(&g, "jp", None);
    assert_one_line_error(&out, 2, &["no attestation", "governance.toml"]);
    // A plain key, with jp's attestation.
    let attestation = g.env.key("jp").with_extension("att");
    std::fs::copy(&attestation, g.env.path().join("jp.att")).unwrap();
    g.env.key("kr");
    let out = apply(&g, "kr", Some(&g.env.path().join("jp.att")));
    assert_one_line_error(&out, 2, &["not a security key"]);
    // A device of a model the group does not trust.
    let ec = enroll(&g.env, "il", "ec");
    let out = apply(&g, "il", Some(&ec));
    assert_one_line_error(&out, 2, &["not issued by a root governance.toml lists"]);
    // Another key's attestation.
    let out = apply(&g, "il", Some(&attestation));
    assert_one_line_error(&out, 2, &["attestation is of another key"]);
    // Not an attestation at all.
    let out = apply(&g, "jp", Some(&g.env.key("jp").with_extension("pub")));
    assert_one_line_error(&out, 2, &["jp.pub", "ssh-sk-attest-v01"]);
    assert_eq!(g.tree_state(), before, "nothing changed");
    g.assert_verify_passes();
}

#[test]
fn a_new_key_by_rotation_or_replacement_needs_its_proof_too() {
    let g = attested_pair();
    let before = g.tree_state();
    let attestation = enroll(&g.env, "uk2", "rsa");
    let rotate = |with: bool| {
        let mut cmd = g.charter("uk");
        cmd.args(["key", "rotate", "--new-key"])
            .arg(g.env.key("uk2"));
        if with {
            with_proof(&mut cmd, &attestation, &g.env);
        }
        cmd.output().unwrap()
    };
    assert_one_line_error(&rotate(false), 2, &["no attestation"]);
    let replace = |pubkey: &Path, with: Option<&Path>| {
        let mut cmd = g.charter("uk");
        cmd.args(["propose", "replace-key", "ee", "--pubkey"])
            .arg(pubkey);
        if let Some(a) = with {
            with_proof(&mut cmd, a, &g.env);
        }
        cmd.output().unwrap()
    };
    let ee2 = enroll(&g.env, "ee2", "ec");
    let ee2_pub = g.env.key("ee2").with_extension("pub");
    assert_one_line_error(&replace(&ee2_pub, None), 2, &["no attestation"]);
    assert_one_line_error(&replace(&ee2_pub, Some(&ee2)), 2, &["not issued by a root"]);
    assert_eq!(g.tree_state(), before, "nothing changed");

    let ee3 = enroll(&g.env, "ee3", "rsa");
    let out = replace(&g.env.key("ee3").with_extension("pub"), Some(&ee3));
    assert!(out.status.success(), "replace-key: {}", stderr(&out));
    let uk_file = g.read_file("keys/uk.toml");
    let out = rotate(true);
    assert!(out.status.success(), "rotate: {}", stderr(&out));
    // uk's file now holds the new key's attestation, not the founding one's.
    let attested = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("attestation = "))
            .map(str::to_string)
    };
    let rotated = g.read_file("keys/uk.toml");
    assert!(attested(&rotated).is_some());
    assert_ne!(attested(&rotated), attested(&uk_file));
    g.assert_verify_passes();
}

#[test]
fn init_refuses_a_founder_without_proof_and_roots_that_are_not_pem() {
    let mut env = Env::new();
    env.provider = Some(provider().to_path_buf());
    let uk = enroll(&env, "uk", "rsa");
    enroll(&env, "ee", "rsa");
    let init = |roots: &Path, attest_ee: bool| {
        let mut cmd = env.charter_in(env.path());
        cmd.args(["init", "g", "--name", "G", "--member", "uk=keys/uk.pub"])
            .args(["--member", "ee=keys/ee.pub", "--attestation-roots"])
            .arg(roots)
            .arg("--attestation")
            .arg(format!("uk={}", uk.display()))
            .arg("--challenge")
            .arg(format!("uk={}", challenge(&env).display()));
        if attest_ee {
            cmd.arg("--attestation")
                .arg(format!("ee={}", uk.display()))
                .arg("--challenge")
                .arg(format!("ee={}", challenge(&env).display()));
        }
        cmd.arg("--key").arg(env.key("uk")).output().unwrap()
    };
    let roots = fixtures().join("rsa-root.pem");
    assert_one_line_error(&init(&roots, false), 2, &["member 'ee'", "no attestation"]);
    assert_one_line_error(&init(&roots, true), 2, &["member 'ee'", "another key"]);
    // An attestation in a group that lists no roots would be stored
    // unchecked: refused.
    let out = env
        .charter_in(env.path())
        .args(["init", "g", "--name", "G", "--member", "uk=keys/uk.pub"])
        .args(["--member", "ee=keys/ee.pub", "--attestation"])
        .arg(format!("uk={}", uk.display()))
        .arg("--challenge")
        .arg(format!("uk={}", challenge(&env).display()))
        .arg("--key")
        .arg(env.key("uk"))
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["member 'uk'", "lists no attestation_roots"]);
    let not_pem = env.key("uk").with_extension("pub");
    assert_one_line_error(&init(&not_pem, false), 2, &["uk.pub", "BEGIN CERTIFICATE"]);
    // A certificate cut short inside its base64: an error, not a wait.
    let cut = env.path().join("cut.pem");
    std::fs::write(&cut, cut_short(&std::fs::read_to_string(&roots).unwrap())).unwrap();
    assert_one_line_error(&init(&cut, true), 2, &["cut.pem", "not PEM certificates"]);
    assert!(!env.path().join("g").exists());
}

// ---- Made by hand with git and ssh-keygen ----

/// The files of jp's attested application as the tool filed it, then
/// undone: `(id, proposal.toml, statement.md)`.
fn honest_application(g: &Group) -> (String, String, String) {
    let attestation = enroll(&g.env, "jp", "rsa");
    let out = apply(g, "jp", Some(&attestation));
    assert!(out.status.success(), "apply: {}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let dir = proposal_dir(&id);
    let file = g.read_file(&format!("{dir}/proposal.toml"));
    let statement = g.read_file(&format!("{dir}/statement.md"));
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    (id, file, statement)
}

/// Files jp's application by hand: `file` as proposal.toml, the
/// statement, and jp's `apply` record signed with `ssh-keygen -Y sign`.
fn file_application_by_hand(g: &Group, id: &str, file: &str, statement: &str) {
    let dir = proposal_dir(id);
    g.write(&format!("{dir}/proposal.toml"), file);
    g.write(&format!("{dir}/statement.md"), statement);
    g.sign_by_hand(id, "jp", "apply");
    g.git_commit_all("jp applies, by hand");
}

/// `proposal.toml` without its attestation lines, or with `other`'s.
fn attestation_lines(file: &str, other: Option<&str>) -> String {
    let mut out: String = file
        .lines()
        .filter(|l| !l.starts_with("attestation"))
        .map(|l| format!("{l}\n"))
        .collect();
    if let Some(other) = other {
        let lines: String = other
            .lines()
            .filter(|l| l.starts_with("attestation"))
            .map(|l| format!("{l}\n"))
            .collect();
        out = out.replacen("\n[base]", &format!("{lines}\n[base]"), 1);
    }
    out
}

#[test]
fn control_an_attested_application_filed_by_hand_verifies() {
    let g = attested_pair();
    let (id, file, statement) = honest_application(&g);
    file_application_by_hand(&g, &id, &file, &statement);
    g.assert_verify_passes();
}

#[test]
fn an_unattested_application_filed_by_hand_is_refused_by_verify_and_by_every_act() {
    let g = attested_pair();
    let (id, file, statement) = honest_application(&g);
    file_application_by_hand(&g, &id, &attestation_lines(&file, None), &statement);
    let path = format!("{}/proposal.toml", proposal_dir(&id));
    let f = g.assert_head_violates("key-proof", &path);
    assert!(f.message.contains("no attestation"), "{}", f.stderr);
    let before = g.tree_state();
    let out = g
        .charter("uk")
        .args(["propose", "member", "jp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(g.tree_state(), before);
}

#[test]
fn an_application_carrying_another_keys_attestation_is_refused_by_verify() {
    let g = attested_pair();
    let (id, file, statement) = honest_application(&g);
    let forged = attestation_lines(&file, Some(&g.read_file("keys/ee.toml")));
    assert_ne!(forged, file);
    file_application_by_hand(&g, &id, &forged, &statement);
    let path = format!("{}/proposal.toml", proposal_dir(&id));
    let f = g.assert_head_violates("key-proof", &path);
    assert!(f.message.contains("another key"), "{}", f.stderr);
}

/// jp's application with `file` as its proposal.toml, filed by hand on a
/// side branch forked from main while main moves on (uk proposes an
/// amendment, and this clone verifies main), then brought in by a plain
/// `git merge --no-ff`, as `git pull --no-rebase` would.
fn merge_application_from_a_side_branch(g: &Group, id: &str, file: &str, statement: &str) {
    let fork = g.head();
    g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    g.assert_verify_passes();
    g.git_out(&["checkout", "-q", "-b", "side", &fork]);
    file_application_by_hand(g, id, file, statement);
    g.git_out(&["checkout", "-q", "main"]);
    g.git_merge("side");
    let parents = g.git_out(&["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "a merge: {parents}");
}

#[test]
fn control_an_attested_application_merged_from_a_side_branch_verifies() {
    let g = attested_pair();
    let (id, file, statement) = honest_application(&g);
    merge_application_from_a_side_branch(&g, &id, &file, &statement);
    g.assert_verify_passes();
    g.read_out(&["verify", "--full"]);
}

#[test]
fn an_unattested_application_merged_from_a_side_branch_is_refused_at_the_merge() {
    let g = attested_pair();
    let (id, file, statement) = honest_application(&g);
    let bare = attestation_lines(&file, None);
    merge_application_from_a_side_branch(&g, &id, &bare, &statement);
    // verify (from main's verified tip) and verify --full both judge it at
    // the merge, where it enters the first-parent history.
    let path = format!("{}/proposal.toml", proposal_dir(&id));
    let f = g.assert_head_violates("key-proof", &path);
    assert!(f.message.contains("no attestation"), "{}", f.stderr);
}

#[test]
fn a_genesis_made_by_hand_with_an_unattested_founder_is_refused() {
    let made = attested_pair();
    let honest = genesis_by_hand(&made, "honest", |_, text| Some(text));
    honest.assert_verify_passes();
    let forged = genesis_by_hand(&made, "forged", |rel, text| {
        Some(match rel {
            "keys/ee.toml" => attestation_lines(&text, None),
            _ => text,
        })
    });
    let f = forged.assert_head_violates("key-proof", "keys/ee.toml");
    assert!(f.message.contains("no attestation"), "{}", f.stderr);
    // A group with no roots, whose genesis shows an attestation nothing
    // can check, beside the same genesis without it.
    let plain = crate::membership::pair();
    let honest = genesis_by_hand(&plain, "plain", |_, text| Some(text));
    honest.assert_verify_passes();
    let uk_attested = made.read_file("keys/uk.toml");
    let dressed = genesis_by_hand(&plain, "dressed", |rel, text| {
        Some(match rel {
            "keys/ee.toml" => format!(
                "{text}{}",
                uk_attested
                    .lines()
                    .filter(|l| l.starts_with("attestation"))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
            ),
            _ => text,
        })
    });
    let f = dressed.assert_head_violates("key-proof", "keys/ee.toml");
    assert!(
        f.message.contains("lists no attestation_roots"),
        "{}",
        f.stderr
    );
}

/// `text` with its first PEM certificate's base64 cut down to four
/// characters, however its line breaks are written (a file, or escaped in
/// a TOML string).
fn cut_short(text: &str) -> String {
    let begin = text.find("-----BEGIN CERTIFICATE-----").unwrap() + 27;
    let end = text.find("-----END CERTIFICATE-----").unwrap();
    let nl = if text[begin..].starts_with("\\n") {
        "\\n"
    } else {
        "\n"
    };
    format!("{}{nl}GIJT{nl}{}", &text[..begin], &text[end..])
}

#[test]
fn a_genesis_whose_root_is_cut_short_is_refused_not_waited_on() {
    let made = attested_pair();
    genesis_by_hand(&made, "honest", |_, text| Some(text)).assert_verify_passes();
    let cut = genesis_by_hand(&made, "cut", |rel, text| {
        Some(match rel {
            "governance.toml" => cut_short(&text),
            _ => text,
        })
    });
    let f = cut.verify_failure_with(&[]);
    assert_eq!(f.path, "governance.toml", "{}", f.stderr);
    assert!(f.message.contains("attestation_roots"), "{}", f.stderr);
}

/// An add-language proposal as the tool files it, then undone: its files.
fn honest_language(g: &Group) -> (String, Vec<(String, String)>) {
    let dir = g.env.path().join("de");
    std::fs::create_dir_all(&dir).unwrap();
    for id in D5_PRINCIPLES {
        std::fs::write(
            dir.join(format!("{id}.md")),
            format!("# {id}\n\nAuf Deutsch.\n"),
        )
        .unwrap();
    }
    let id = g.run_as(
        "uk",
        &[
            "propose",
            "add-language",
            "de",
            "--dir",
            dir.to_str().unwrap(),
        ],
    );
    let pdir = proposal_dir(&id);
    let files: Vec<(String, String)> = g
        .git_out(&["ls-files", &pdir])
        .lines()
        .filter(|p| !p.contains("/signatures/"))
        .map(|p| (p.to_string(), g.read_file(p)))
        .collect();
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    (id, files)
}

/// Files the add-language proposal by hand, governance.toml's proposed
/// text passed through `edit`, with uk's `propose` signed by ssh-keygen.
fn file_language_by_hand(
    g: &Group,
    id: &str,
    files: &[(String, String)],
    edit: impl Fn(String) -> String,
) {
    for (path, text) in files {
        let text = if path.ends_with("/change/governance.toml") {
            edit(text.clone())
        } else {
            text.clone()
        };
        g.write(path, &text);
    }
    g.sign_by_hand(id, "uk", "propose");
    g.git_commit_all("uk proposes German, by hand");
}

#[test]
fn an_add_language_proposal_that_drops_the_roots_is_refused_beside_an_honest_one() {
    let g = attested_pair();
    let (id, files) = honest_language(&g);
    assert!(files
        .iter()
        .any(|(p, t)| p.ends_with("change/governance.toml") && t.contains("attestation_roots")));
    file_language_by_hand(&g, &id, &files, |t| t);
    g.assert_verify_passes();
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    file_language_by_hand(&g, &id, &files, |t| {
        let cut = t.find("attestation_roots").unwrap();
        t[..cut].to_string()
    });
    let path = format!("{}/proposal.toml", proposal_dir(&id));
    let f = g.assert_head_violates("kind-paths", &path);
    assert!(
        f.message.contains("only by adding the language 'de'"),
        "{}",
        f.stderr
    );
}
