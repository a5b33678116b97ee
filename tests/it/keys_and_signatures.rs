//! Keys and signatures, checked with stock OpenSSH and git: the keys the tool
//! writes, keys it did not write, encrypted keys, where the acting key comes
//! from, and every signature and commit it makes.

use crate::common::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

/// Stock `ssh-keygen`, with a scratch HOME.
fn ssh_keygen(env: &Env) -> StdCommand {
    let mut cmd = StdCommand::new("ssh-keygen");
    cmd.env("HOME", env.path());
    cmd
}

/// The key type and base64 blob of an OpenSSH public key line, without its comment.
fn key_blob(line: &str) -> String {
    let fields: Vec<&str> = line.split_whitespace().take(2).collect();
    assert_eq!(fields.len(), 2, "not a public key line: {line:?}");
    fields.join(" ")
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A group founded by `members` (id, public key file), created with `key`.
fn found(env: Env, members: &[(&str, PathBuf)], key: &Path) -> Group {
    let repo = env.path().join("group");
    let mut cmd = env.charter_in(env.path());
    cmd.args(["init", "group", "--name", "Test group"]);
    for (id, public) in members {
        cmd.arg("--member")
            .arg(format!("{id}={}", public.display()));
    }
    let out = cmd.arg("--key").arg(key).output().unwrap();
    assert!(out.status.success(), "init: {}", stderr(&out));
    Group { env, repo }
}

/// `propose amend open-source` with no key argument: the caller adds it.
fn propose_args(g: &Group) -> Vec<String> {
    let mut args: Vec<String> = ["propose", "amend", "open-source"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR));
    args
}

fn signer_of(g: &Group, commit: &str) -> String {
    let body = g.git_out(&["log", "-1", "--format=%B", commit]);
    body.lines()
        .find_map(|l| l.strip_prefix("Charter-Signer: "))
        .unwrap_or_else(|| panic!("no Charter-Signer trailer in {commit}: {body}"))
        .trim()
        .to_string()
}

#[test]
fn key_generate_writes_a_key_pair_openssh_accepts() {
    let env = Env::new();
    let path = env.path().join("id_charter");
    let out = env
        .charter_in(env.path())
        .args(["key", "generate", "--out"])
        .arg(&path)
        .args(["--comment", "uk"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let pub_path = PathBuf::from(format!("{}.pub", path.display()));
    assert_eq!(mode(&path), 0o600, "the private key must be mode 0600");
    assert!(pub_path.is_file(), "PATH.pub must be written");

    let listed = ssh_keygen(&env)
        .arg("-l")
        .arg("-f")
        .arg(&pub_path)
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "ssh-keygen -l refused the public key: {}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("ED25519"), "{listed}");
    let fingerprint = stdout(&out).trim().to_string();
    assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
    assert!(
        listed.contains(&fingerprint),
        "charter printed {fingerprint}, ssh-keygen says {listed}"
    );

    let derived = ssh_keygen(&env)
        .arg("-y")
        .arg("-f")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        derived.status.success(),
        "ssh-keygen -y refused the private key: {}",
        String::from_utf8_lossy(&derived.stderr)
    );
    let written = std::fs::read_to_string(&pub_path).unwrap();
    assert!(written.starts_with("ssh-ed25519 "), "{written}");
    assert_eq!(
        key_blob(&String::from_utf8(derived.stdout).unwrap()),
        key_blob(&written),
        "the public key derived from PATH differs from PATH.pub"
    );
}

#[test]
fn key_generate_never_overwrites() {
    let env = Env::new();
    let path = env.path().join("id_charter");
    let pub_path = PathBuf::from(format!("{}.pub", path.display()));
    let generate = || {
        env.charter_in(env.path())
            .args(["key", "generate", "--out"])
            .arg(&path)
            .output()
            .unwrap()
    };
    assert!(generate().status.success());
    let private = std::fs::read(&path).unwrap();
    let public = std::fs::read(&pub_path).unwrap();

    let out = generate();
    assert_one_line_error(&out, 2, &[&path.display().to_string(), "exists"]);
    assert_eq!(std::fs::read(&path).unwrap(), private, "PATH was changed");
    assert_eq!(
        std::fs::read(&pub_path).unwrap(),
        public,
        "PATH.pub was changed"
    );
    assert_eq!(mode(&path), 0o600);

    // Any existing file at PATH, not only a key, is left alone.
    let other = env.path().join("notes.txt");
    std::fs::write(&other, "precious\n").unwrap();
    let out = env
        .charter_in(env.path())
        .args(["key", "generate", "--out"])
        .arg(&other)
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &[&other.display().to_string(), "exists"]);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "precious\n");
    assert!(!env.path().join("notes.txt.pub").exists());
}

#[test]
fn a_key_made_by_stock_ssh_keygen_is_a_member_key() {
    let env = Env::new();
    let stock = env.path().join("id_ed25519");
    let made = ssh_keygen(&env)
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "stock@example.org",
            "-f",
        ])
        .arg(&stock)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let stock_pub = PathBuf::from(format!("{}.pub", stock.display()));
    env.key("ee");
    let ee_pub = env.path().join("keys/ee.pub");
    let g = found(env, &[("me", stock_pub), ("ee", ee_pub)], &stock);
    assert_eq!(signer_of(&g, "HEAD"), "me");

    let out = g
        .read()
        .arg("--key")
        .arg(&stock)
        .args(propose_args(&g))
        .output()
        .unwrap();
    assert!(out.status.success(), "propose: {}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert_eq!(signer_of(&g, "HEAD"), "me");
    g.act("ee", "second", &id);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);

    let dir = g.repo.join(format!("proposals/2026/{id}/signatures"));
    let check = ssh_keygen(&g.env)
        .current_dir(&g.repo)
        .args(["-Y", "verify", "-f", "keys/allowed_signers", "-I", "me"])
        .args(["-n", "charter", "-s"])
        .arg(dir.join("me.propose.sig"))
        .stdin(std::fs::File::open(dir.join("me.propose.msg")).unwrap())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = g.verify();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_encrypted_key_asks_charter_askpass() {
    let env = Env::new();
    let askpass = |name: &str, pass: &str| {
        use std::os::unix::fs::PermissionsExt;
        let p = env.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\nprintf '%s\\n' '{pass}'\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let right = askpass("askpass-right", "test passphrase");
    let wrong = askpass("askpass-wrong", "not the passphrase");
    let encrypted = env.key("encrypted");
    let uk = env.key("uk");
    let members = [
        ("uk", env.path().join("keys/uk.pub")),
        ("enc", env.path().join("keys/encrypted.pub")),
    ];
    let g = found(env, &members, &uk);
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);

    // A wrong passphrase: refused, one clear line, nothing committed.
    let err = g.assert_refused(
        g.read()
            .arg("--key")
            .arg(&encrypted)
            .env("CHARTER_ASKPASS", &wrong)
            .args(["second", &id]),
        &[&encrypted.display().to_string(), "passphrase"],
    );
    insta::assert_snapshot!(g.env.hide_root(&err), @"error: [ROOT]/keys/encrypted: wrong passphrase");

    // The right one: the act is made and signed by the encrypted key.
    let out = g
        .read()
        .arg("--key")
        .arg(&encrypted)
        .env("CHARTER_ASKPASS", &right)
        .args(["second", &id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(g
        .repo
        .join(format!("proposals/2026/{id}/signatures/enc.second.sig"))
        .is_file());
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let signers: Vec<String> = ["HEAD", "HEAD~1"]
        .iter()
        .map(|c| signer_of(&g, c))
        .collect();
    assert_eq!(signers, ["enc", "enc"], "second and finalization by enc");
    let out = g.verify();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn the_acting_key_comes_from_flag_then_env_then_git_config() {
    let g = Group::d5();
    let public = |who: &str| {
        key_blob(&std::fs::read_to_string(g.env.path().join(format!("keys/{who}.pub"))).unwrap())
    };
    let shown = |cmd: &mut assert_cmd::Command| {
        let out = cmd.args(["key", "show"]).output().unwrap();
        assert!(out.status.success(), "key show: {}", stderr(&out));
        key_blob(&stdout(&out))
    };
    let (uk, ee, il, nz) = (
        g.env.key("uk"),
        g.env.key("ee"),
        g.env.key("il"),
        g.env.key("nz"),
    );

    // No key anywhere: a clear refusal.
    g.assert_refused(g.read().args(["key", "show"]), &["no key", "--key"]);

    assert_eq!(shown(g.read().arg("--key").arg(&uk)), public("uk"));
    assert_eq!(shown(g.read().env("CHARTER_KEY", &ee)), public("ee"));
    assert_eq!(
        shown(g.read().arg("--key").arg(&uk).env("CHARTER_KEY", &ee)),
        public("uk"),
        "--key wins over CHARTER_KEY"
    );
    g.git_out(&["config", "charter.key", il.to_str().unwrap()]);
    assert_eq!(shown(&mut g.read()), public("il"));
    assert_eq!(
        shown(g.read().env("CHARTER_KEY", &ee)),
        public("ee"),
        "CHARTER_KEY wins over git config"
    );
    assert_eq!(
        shown(g.read().arg("--key").arg(&uk)),
        public("uk"),
        "--key wins over git config"
    );

    // And the key found is the one that signs.
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let out = g
        .read()
        .env("CHARTER_KEY", &uk)
        .args(["propose", "amend", "open-source"])
        .args(&texts)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert_eq!(signer_of(&g, "HEAD"), "uk", "CHARTER_KEY acted");

    g.git_out(&["config", "charter.key", ee.to_str().unwrap()]);
    g.read().args(["second", &id]).assert().success();
    assert_eq!(signer_of(&g, "HEAD"), "ee", "git config charter.key acted");

    g.read()
        .arg("--key")
        .arg(&il)
        .env("CHARTER_KEY", &nz)
        .args(["accept", &id])
        .assert()
        .success();
    assert_eq!(signer_of(&g, "HEAD"), "il", "--key acted, not CHARTER_KEY");
    let sigs = g.repo.join(format!("proposals/2026/{id}/signatures"));
    assert!(sigs.join("il.accept.sig").is_file());
    assert!(!sigs.join("nz.accept.sig").exists());
}

/// The proposals of [`busy_group`]: adopted, objected to then the
/// objection withdrawn, withdrawn by its proposer.
const BUSY: [&str; 3] = [
    "2026-001-open-source",
    "2026-002-open-standards",
    "2026-003-connectivity",
];

/// A history with every kind of act: an amendment adopted by all, another
/// objected to and the objection withdrawn, a third withdrawn by its
/// proposer. Built once per test process.
fn busy_group() -> (Group, Vec<String>) {
    let g = Group::built_once("busy group", || {
        let g = Group::d5();
        let adopted = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
        let objected = g.propose_amend(
            "ee",
            "open-standards",
            "# Open standards\n\nOpen standards first.\n",
            "# Standards ouverts\n\nLes standards ouverts d'abord.\n",
        );
        g.act("il", "accept", &objected);
        g.charter("kr")
            .args(["object", &objected, "--reason", "Too vague for procurement"])
            .assert()
            .success();
        g.charter("kr")
            .args(["object", &objected, "--withdraw"])
            .assert()
            .success();
        let withdrawn = g.propose_amend(
            "nz",
            "connectivity",
            "# Connectivity\n\nEveryone is connected.\n",
            "# Connectivité\n\nTout le monde est connecté.\n",
        );
        g.act("nz", "withdraw", &withdrawn);
        assert_eq!([adopted, objected, withdrawn], BUSY);
        g
    });
    (g, BUSY.map(String::from).to_vec())
}

#[test]
fn every_signature_and_every_commit_verifies_with_openssh_and_git() {
    let (g, ids) = busy_group();
    let sigs = files_ending(&g.repo.join("proposals"), ".sig");
    let names: BTreeSet<String> = sigs
        .iter()
        .map(|p| {
            let dir = p.parent().unwrap().parent().unwrap();
            format!(
                "{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                p.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    let expected: BTreeSet<String> = [
        (&ids[0], "uk.propose"),
        (&ids[0], "ee.second"),
        (&ids[0], "il.accept"),
        (&ids[0], "nz.accept"),
        (&ids[0], "kr.accept"),
        (&ids[1], "ee.propose"),
        (&ids[1], "il.accept"),
        (&ids[1], "kr.object"),
        (&ids[1], "kr.withdraw-objection"),
        (&ids[2], "nz.propose"),
        (&ids[2], "nz.withdraw"),
    ]
    .iter()
    .map(|(id, stem)| format!("{id}/{stem}.sig"))
    .collect();
    assert_eq!(names, expected, "the signature files written");

    for sig in &sigs {
        let name = sig.file_name().unwrap().to_string_lossy().to_string();
        let member = name.split('.').next().unwrap();
        let msg = PathBuf::from(sig.to_string_lossy().replace(".sig", ".msg"));
        let out = ssh_keygen(&g.env)
            .current_dir(&g.repo)
            .args(["-Y", "verify", "-f", "keys/allowed_signers", "-I", member])
            .args(["-n", "charter", "-s"])
            .arg(sig)
            .stdin(std::fs::File::open(&msg).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen -Y verify {}: {}{}",
            sig.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains(&format!("Good \"charter\" signature for {member}")),
            "{}: {said}",
            sig.display()
        );
    }

    let commits = g.git_out(&["rev-list", "HEAD"]);
    let commits: Vec<&str> = commits.lines().collect();
    // init; 5 acts and a finalization; 4 acts; 2 acts.
    assert_eq!(commits.len(), 13, "{commits:?}");
    for c in commits {
        let out = g
            .git()
            .args([
                "-c",
                "gpg.ssh.allowedSignersFile=keys/allowed_signers",
                "verify-commit",
                c,
            ])
            .output()
            .unwrap();
        let said = stderr(&out);
        assert!(out.status.success(), "git verify-commit {c}: {said}");
        let signer = signer_of(&g, c);
        assert!(
            said.contains(&format!("Good \"git\" signature for {signer} ")),
            "commit {c} should be signed by {signer}: {said}"
        );
    }
}

#[test]
fn the_signed_digest_is_what_coreutils_compute() {
    let (g, ids) = busy_group();
    for id in &ids {
        let dir = g.repo.join(format!("proposals/2026/{id}"));
        let out = StdCommand::new("sh")
            .arg("-c")
            .arg("find proposal.toml change -type f | LC_ALL=C sort | xargs sha256sum | sha256sum")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sum = String::from_utf8(out.stdout).unwrap();
        let sum = sum.split_whitespace().next().unwrap().to_string();
        assert_eq!(sum.len(), 64, "{sum}");
        let msgs = files_ending(&dir.join("signatures"), ".msg");
        assert!(!msgs.is_empty(), "{id} has no signed messages");
        for msg in msgs {
            let text = std::fs::read_to_string(&msg).unwrap();
            let digest = text
                .lines()
                .find_map(|l| l.strip_prefix("digest "))
                .unwrap_or_else(|| panic!("no digest line in {}", msg.display()));
            assert_eq!(
                digest,
                format!("sha256:{sum}"),
                "{}: the signed digest differs from coreutils'",
                msg.display()
            );
        }
    }
}

/// Without CHARTER_ASKPASS, an encrypted key asks on the terminal: run under
/// `script`, which gives the command a real terminal fed from our input.
#[test]
fn an_encrypted_key_asks_for_its_passphrase_on_the_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no script(1) to provide a terminal");
        return;
    }
    let env = Env::new();
    let encrypted = env.key("encrypted");
    let command = format!(
        "{} --key {} key show",
        assert_cmd::cargo::cargo_bin("charter").display(),
        encrypted.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("HOME", env.path())
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"test passphrase\n")?;
            child.wait_with_output()
        })
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Enter passphrase for"), "{text}");
    let public = std::fs::read_to_string(fixture_key("encrypted.pub")).unwrap();
    let key = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&key), "{text}");
}

/// A commit is the member's, not the machine's: a secretariat's clone whose
/// git identity is its own still records each delegate as author and
/// committer of their act.
#[test]
fn commits_carry_the_member_not_the_machines_git_identity() {
    let g = Group::d5();
    g.git_out(&["config", "user.name", "Secretariat"]);
    g.git_out(&["config", "user.email", "secretariat@example.org"]);
    let id = g.propose_amend("kr", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    // The fixture group registers each member under its id as its name.
    assert!(g.read_file("keys/ee.toml").contains("name = \"ee\""));
    assert_eq!(
        g.git_out(&["log", "-2", "--format=%an <%ae> | %cn <%ce>"]),
        "ee <ee@charter.invalid> | ee <ee@charter.invalid>\n\
         kr <kr@charter.invalid> | kr <kr@charter.invalid>"
    );
}

/// A key of another type, given as the acting key or as a member's key, is
/// refused with its type named; a public key with no agent to hold its
/// private half says how to start one.
#[test]
fn an_ecdsa_or_rsa_key_is_refused_by_its_type_and_a_public_key_needs_an_agent() {
    let g = Group::d5();
    for (kind, bits) in [("ecdsa", "256"), ("rsa", "2048")] {
        let file = g.env.path().join(format!("id_{kind}"));
        let made = ssh_keygen(&g.env)
            .args(["-q", "-t", kind, "-b", bits, "-N", "", "-f"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let algorithm = if kind == "rsa" {
            "ssh-rsa"
        } else {
            "ecdsa-sha2-nistp256"
        };
        let public = PathBuf::from(format!("{}.pub", file.display()));
        for given in [&file, &public] {
            let err =
                g.assert_refused(g.read().arg("--key").arg(given).args(propose_args(&g)), &[]);
            assert_eq!(
                err,
                format!(
                    "error: {}: {algorithm} key refused: only ssh-ed25519 and sk-ssh-ed25519@openssh.com keys are accepted\n",
                    given.display()
                )
            );
        }
        // As a founding member's key.
        let out = g
            .env
            .charter_in(g.env.path())
            .args(["init", &format!("new-{kind}"), "--name", "G"])
            .arg("--member")
            .arg(format!("ee={}", g.env.path().join("keys/ee.pub").display()))
            .arg("--member")
            .arg(format!("xx={}", public.display()))
            .arg("--key")
            .arg(g.env.key("ee"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{algorithm} key refused")),
            "{}",
            stderr(&out)
        );
        assert!(!g.env.path().join(format!("new-{kind}")).exists());
    }
    let public = g.env.path().join("keys/kr.pub");
    let err = g.assert_refused(
        g.read()
            .env_remove("SSH_AUTH_SOCK")
            .arg("--key")
            .arg(&public)
            .args(propose_args(&g)),
        &[],
    );
    assert_eq!(
        err,
        format!(
            "error: {}: no ssh-agent: SSH_AUTH_SOCK is not set (start one with `eval \"$(ssh-agent)\"`, then `ssh-add` the key)\n",
            public.display()
        )
    );
}

/// JSON holds text: a path `--json` would show that is not UTF-8 is
/// refused (exit 2, one line) before `key generate`, `init` or `publish`
/// acts, and nothing is written; without `--json` the same command works.
#[test]
fn json_refuses_a_path_that_is_not_utf8_before_acting() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9");
    // `cmd` with `--json` is refused and `made` not written; without, the
    // same command makes it.
    let refused_only_with_json = |cmd: &dyn Fn() -> assert_cmd::Command, made: &Path| {
        let out = cmd().arg("--json").output().unwrap();
        assert_one_line_error(&out, 2, &["caf\u{fffd}: not UTF-8", "--json"]);
        assert!(!made.exists(), "{} was written", made.display());
        let out = cmd().output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(made.exists(), "{} was not written", made.display());
    };
    let key = env.path().join(odd);
    refused_only_with_json(
        &|| {
            let mut cmd = env.charter_in(env.path());
            cmd.args(["key", "generate", "--out"]).arg(odd);
            cmd
        },
        &key,
    );
    // The key just written makes way for the group's folder.
    std::fs::remove_file(&key).unwrap();
    let (ee, uk) = (env.key("ee"), env.key("uk"));
    let group = env.path().join(odd);
    refused_only_with_json(
        &|| {
            let mut cmd = env.charter_in(env.path());
            cmd.args(["init", "--name", "G"]);
            for (id, key) in [("ee", &ee), ("uk", &uk)] {
                cmd.arg("--member")
                    .arg(format!("{id}={}.pub", key.display()));
            }
            cmd.arg("--key").arg(&ee).arg(odd);
            cmd
        },
        &group,
    );
    let site = env.path().join("site").join(odd);
    refused_only_with_json(
        &|| {
            let mut cmd = env.charter_in(&group);
            cmd.args(["publish", "--out"]).arg(&site);
            cmd
        },
        &site.join("index.html"),
    );
}

/// `init`, `key generate` and `publish` print data, so they have `--json`.
#[test]
fn init_key_generate_and_publish_have_json() {
    let env = Env::new();
    let out = env
        .charter_in(env.path())
        .args(["key", "generate", "--out", "fresh", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let public = env.path().join("fresh.pub");
    assert_eq!(v["public"], public.display().to_string());
    assert_eq!(v["private"], env.path().join("fresh").display().to_string());
    assert_eq!(v["fingerprint"], ssh_fingerprint(&public));
    assert_eq!(
        key_blob(v["key"].as_str().unwrap()),
        key_blob(&std::fs::read_to_string(&public).unwrap())
    );

    env.key("ee");
    let out = env
        .charter_in(env.path())
        .args(["init", "group", "--name", "Test group", "--json"])
        .arg("--member")
        .arg(format!("me:Me Myself={}", public.display()))
        .arg("--member")
        .arg(format!("ee={}", env.path().join("keys/ee.pub").display()))
        .arg("--key")
        .arg(env.path().join("fresh"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let repo = env.path().join("group");
    let root = env
        .git_in(&repo)
        .args(["rev-list", "--max-parents=0", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(v["root"], stdout(&root).trim());
    assert_eq!(v["name"], "Test group");
    assert_eq!(v["template"], "d5");
    assert_eq!(v["members"][0]["id"], "me");
    assert_eq!(v["members"][0]["name"], "Me Myself");
    assert_eq!(v["members"][0]["fingerprint"], ssh_fingerprint(&public));
    assert_eq!(v["members"][1]["id"], "ee");

    let out = env
        .charter_in(&repo)
        .args(["publish", "--out", "../site", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let index = std::path::PathBuf::from(v["index"].as_str().unwrap());
    assert!(index.ends_with("site/index.html") && index.is_file(), "{v}");
    assert!(v["files"].as_u64().unwrap() >= v["pages"].as_u64().unwrap());
    assert_eq!(v["written"], v["files"]);
    assert_eq!(v["removed"], 0);
}
