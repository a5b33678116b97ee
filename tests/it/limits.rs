//! Limits before work: a file the user names is read only if it is a
//! regular file, and never beyond its limit; a blob of the repository is
//! judged by its header before it is inflated; another program has a time
//! limit and bounded output; a clone another user owns is named as such.
//! Every command here runs with a time limit of the harness, so that a
//! regression fails instead of hanging.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;

/// Long enough for any command on a loaded machine; a command that waits
/// on a FIFO or reads /dev/zero to its end takes longer.
const HARNESS_LIMIT: Duration = Duration::from_secs(60);

/// A FIFO nobody writes to: opening it for reading waits for ever.
fn fifo(g: &Group, name: &str) -> PathBuf {
    let path = g.env.path().join(name);
    let out = std::process::Command::new("mkfifo")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "mkfifo: {}", stderr(&out));
    path
}

/// The files that must be refused before they are read, and what they
/// are: a FIFO and a device.
fn not_files(g: &Group, name: &str) -> [(PathBuf, &'static str); 2] {
    [
        (fifo(g, name), "(a FIFO)"),
        (PathBuf::from("/dev/zero"), "(a device)"),
    ]
}

/// Asserts that `cmd` is refused at once (exit 2, one line naming `file`
/// and that it is not a regular file), the repository unchanged.
fn assert_not_read(g: &Group, cmd: &mut assert_cmd::Command, file: &Path, what: &str) {
    let started = Instant::now();
    let err = g.assert_refused(
        cmd.timeout(HARNESS_LIMIT),
        &[&file.display().to_string(), "not a regular file", what],
    );
    assert!(
        started.elapsed() < HARNESS_LIMIT,
        "took {:?}: {err}",
        started.elapsed()
    );
}

#[test]
fn an_acting_key_that_is_not_a_regular_file_is_refused_at_once() {
    let g = Group::d5();
    for (file, what) in not_files(&g, "key.fifo") {
        // --key, CHARTER_KEY and git config charter.key.
        assert_not_read(
            &g,
            g.read().arg("--key").arg(&file).args(["key", "show"]),
            &file,
            what,
        );
        assert_not_read(
            &g,
            g.read().env("CHARTER_KEY", &file).args(["key", "show"]),
            &file,
            what,
        );
        g.git_out(&["config", "charter.key", &file.display().to_string()]);
        assert_not_read(&g, g.read().args(["key", "show"]), &file, what);
        g.git_out(&["config", "--unset", "charter.key"]);
        // --new-key of a rotation.
        assert_not_read(
            &g,
            g.charter("uk")
                .args(["key", "rotate", "--new-key"])
                .arg(&file),
            &file,
            what,
        );
    }
    // The control: a key file is read.
    let out = g.charter("uk").args(["key", "show"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_text_or_statement_that_is_not_a_regular_file_is_refused_at_once() {
    let g = Group::d5();
    let fr = g.text_file("fr.md", OPEN_SOURCE_FR);
    for (file, what) in not_files(&g, "text.fifo") {
        assert_not_read(
            &g,
            g.charter("uk")
                .args(["propose", "amend", "open-source", "--text"])
                .arg(format!("en={}", file.display()))
                .args(["--text", &format!("fr={fr}")]),
            &file,
            what,
        );
        assert_not_read(
            &g,
            g.charter("jp")
                .args(["apply", "--id", "jp", "--name", "Japan", "--statement"])
                .arg(&file),
            &file,
            what,
        );
    }
    // A text of --dir that is a FIFO, or a link to /dev/zero.
    let dir = g.env.path().join("texts-de");
    std::fs::create_dir_all(&dir).unwrap();
    for principle in D5_PRINCIPLES {
        std::fs::write(
            dir.join(format!("{principle}.md")),
            format!("# {principle}\n\nText.\n"),
        )
        .unwrap();
    }
    let entry = dir.join("open-source.md");
    for (file, what) in not_files(&g, "dir-text.fifo") {
        std::fs::remove_file(&entry).unwrap();
        std::os::unix::fs::symlink(&file, &entry).unwrap();
        assert_not_read(
            &g,
            g.charter("uk")
                .args(["propose", "add-language", "de", "--dir"])
                .arg(&dir),
            &entry,
            what,
        );
    }
    // The control: the same texts as files are read.
    std::fs::remove_file(&entry).unwrap();
    std::fs::write(&entry, "# Open source\n\nText.\n").unwrap();
    g.run_as(
        "uk",
        &[
            "propose",
            "add-language",
            "de",
            "--dir",
            &dir.display().to_string(),
        ],
    );
    g.propose_amend("ee", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    g.apply("jp", "jp", "Japan");
}

#[test]
fn a_public_key_that_is_not_a_regular_file_is_refused_at_once() {
    let g = Group::d5();
    for (file, what) in not_files(&g, "pub.fifo") {
        assert_not_read(
            &g,
            g.env
                .charter_in(g.env.path())
                .args(["init", "other", "--name", "Other", "--member"])
                .arg(format!("uk={}", file.display()))
                .arg("--key")
                .arg(g.env.key("uk")),
            &file,
            what,
        );
        assert!(!g.env.path().join("other").exists());
        assert_not_read(
            &g,
            g.charter("ee")
                .args(["propose", "replace-key", "kr", "--pubkey"])
                .arg(&file),
            &file,
            what,
        );
    }
    // The control: a public key file is read.
    let jp = g.env.key("jp");
    g.run_as(
        "ee",
        &[
            "propose",
            "replace-key",
            "kr",
            "--pubkey",
            &format!("{}.pub", jp.display()),
        ],
    );
}

#[test]
fn a_key_file_larger_than_its_limit_is_refused() {
    let g = Group::d5();
    let big = g.env.path().join("big-key");
    let mut text = std::fs::read_to_string(g.env.key("uk")).unwrap();
    text.push_str(&"#".repeat(64 * 1024));
    std::fs::write(&big, text).unwrap();
    g.assert_refused(
        g.read().arg("--key").arg(&big).args(["key", "show"]),
        &[
            &big.display().to_string(),
            "larger than the limit of 65536 bytes",
        ],
    );
}

/// A loose object file as git writes one: zlib around `blob <size>\0` and
/// the content. Only the first `content.len()` bytes of the `size` the
/// header claims are there, as a stored (uncompressed) deflate block that
/// is not the last: the header reads well, the content cannot be inflated.
fn loose_blob_claiming(size: usize, content: &[u8]) -> Vec<u8> {
    let mut raw = format!("blob {size}\0").into_bytes();
    raw.extend_from_slice(content);
    let len = u16::try_from(raw.len()).unwrap();
    let mut out = vec![0x78, 0x01, 0x00];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(&raw);
    out
}

#[test]
fn a_huge_blob_at_head_is_refused_from_its_header() {
    let g = Group::d5();
    let path = "charter/open-source.en.md";
    // The control: the principle is read as it is.
    assert!(g.read_out(&["text", "open-source"]).contains("Open source"));

    // A blob whose header says 200 MB, of which only a few bytes exist:
    // inflating it would fail (git cannot print it) and take 200 MB;
    // refusing it from the header needs neither.
    let size = 200 * 1024 * 1024;
    let oid = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    let object = g.repo.join(".git/objects").join(&oid[..2]).join(&oid[2..]);
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    std::fs::write(&object, loose_blob_claiming(size, b"# Open source\n")).unwrap();
    assert_eq!(g.git_out(&["cat-file", "-s", oid]), size.to_string());
    assert!(!g
        .git()
        .args(["cat-file", "-p", oid])
        .output()
        .unwrap()
        .status
        .success());
    g.git_out(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{oid},{path}"),
    ]);
    g.git_out(&["commit", "-q", "--no-gpg-sign", "-m", "a 200 MB principle"]);
    // Committed by hand, the history does not verify: the listing warns
    // first, then refuses the file from its header.
    let err = g.assert_refused_after_warning(
        g.read()
            .args(["text", "open-source"])
            .timeout(HARNESS_LIMIT),
        &[path, "larger than the limit of 1048576 bytes"],
    );
    insta::assert_snapshot!(err, @"error: charter/open-source.en.md: larger than the limit of 1048576 bytes");

    // A real blob just over the limit, made by stock git, is refused the same way.
    let g = Group::d5();
    g.write(
        path,
        &format!("# Open source\n\n{}\n", "x".repeat(1024 * 1024)),
    );
    g.git_commit_all("a principle of 1 MiB");
    g.assert_refused_after_warning(
        g.read().args(["text", "open-source"]),
        &[path, "larger than the limit of 1048576 bytes"],
    );
}

/// An executable script in the scratch folder.
fn script(g: &Group, name: &str, body: &str) -> PathBuf {
    let path = g.env.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn an_askpass_that_never_ends_is_stopped_after_its_time_limit() {
    let g = Group::d5();
    let encrypted = g.env.key("encrypted");
    let never = script(&g, "askpass-never", "exec sleep 60");
    let started = Instant::now();
    let err = g.assert_refused(
        g.read()
            .arg("--key")
            .arg(&encrypted)
            .args(["key", "show"])
            .env("CHARTER_ASKPASS", &never)
            .env("CHARTER_ASKPASS_TIMEOUT", "1")
            .timeout(HARNESS_LIMIT),
        &["did not finish within 1 s", "CHARTER_ASKPASS_TIMEOUT"],
    );
    assert!(started.elapsed() < Duration::from_secs(30), "{err}");
    insta::assert_snapshot!(g.env.hide_root(&err), @"error: [ROOT]/askpass-never: CHARTER_ASKPASS: it did not finish within 1 s, and was stopped (CHARTER_ASKPASS_TIMEOUT sets the limit in seconds)");

    // The control: one that answers in time gives the passphrase.
    let right = script(&g, "askpass-right", "printf '%s\\n' 'test passphrase'");
    let out = g
        .read()
        .arg("--key")
        .arg(&encrypted)
        .args(["key", "show"])
        .env("CHARTER_ASKPASS", &right)
        .env("CHARTER_ASKPASS_TIMEOUT", "30")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ssh-ed25519 "));

    // A time limit that is not a number of seconds is refused.
    g.assert_refused(
        g.read()
            .arg("--key")
            .arg(&encrypted)
            .args(["key", "show"])
            .env("CHARTER_ASKPASS", &right)
            .env("CHARTER_ASKPASS_TIMEOUT", "soon"),
        &["CHARTER_ASKPASS_TIMEOUT", "'soon'"],
    );
}

#[test]
fn an_askpass_that_prints_without_end_is_cut_off() {
    let g = Group::d5();
    let encrypted = g.env.key("encrypted");
    let flood = script(&g, "askpass-flood", "exec yes 'test passphrase'");
    let err = g.assert_refused(
        g.read()
            .arg("--key")
            .arg(&encrypted)
            .args(["key", "show"])
            .env("CHARTER_ASKPASS", &flood)
            .timeout(HARNESS_LIMIT),
        &["printed more than 65536 bytes"],
    );
    insta::assert_snapshot!(g.env.hide_root(&err), @"error: [ROOT]/askpass-flood: CHARTER_ASKPASS: it printed more than 65536 bytes, and was stopped");
}

/// `charter sync` with a `git` of our own first on PATH.
fn sync_with_git(g: &Group, body: &str, timeout: &str) -> std::process::Output {
    let bin = g.env.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let git = bin.join("git");
    std::fs::write(&git, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    g.read()
        .arg("sync")
        .env("PATH", path)
        .env("CHARTER_GIT_TIMEOUT", timeout)
        .timeout(HARNESS_LIMIT)
        .output()
        .unwrap()
}

#[test]
fn a_git_that_never_ends_or_prints_without_end_is_stopped() {
    let g = Group::d5();
    let before = g.tree_state();
    let started = Instant::now();
    let out = sync_with_git(&g, "exec sleep 60", "1");
    let err = assert_one_line_error(&out, 2, &["git fetch", "did not finish within 1 s"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{err}");
    insta::assert_snapshot!(err, @"error: origin: git fetch: it did not finish within 1 s, and was stopped (CHARTER_GIT_TIMEOUT sets the limit in seconds)");
    let out = sync_with_git(&g, "exec yes", "30");
    let err = assert_one_line_error(&out, 2, &["git fetch", "printed more than 1048576 bytes"]);
    insta::assert_snapshot!(err, @"error: origin: git fetch: it printed more than 1048576 bytes, and was stopped");
    // The control: a git that fails at once is reported in its own words.
    let out = sync_with_git(&g, "echo 'fatal: no such remote' >&2; exit 128", "1");
    let err = assert_one_line_error(&out, 2, &["fatal: no such remote"]);
    assert!(!err.contains("did not finish"), "{err}");
    assert_eq!(g.tree_state(), before);
}

/// Whether `pid` still runs: a zombie (killed, not yet reaped by whoever
/// adopted it) does not.
fn runs(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| Some(s.rsplit_once(')')?.1.split_whitespace().next()? != "Z"))
        .unwrap_or(false)
}

#[test]
fn the_ssh_of_a_git_that_is_stopped_is_stopped_with_it() {
    if !Path::new("/proc/self/stat").exists() {
        eprintln!("skipped: programs a program started are found through /proc");
        return;
    }
    let g = Group::d5();
    g.git_out(&["remote", "add", "hung", "ssh://charter.invalid/group.git"]);
    let before = g.tree_state();
    let pid_file = g.env.path().join("ssh.pid");
    // An ssh whose server never answers, as the real git runs it.
    let ssh = script(
        &g,
        "ssh-hung",
        &format!("echo $$ > '{}'\nexec sleep 60", pid_file.display()),
    );
    let out = g
        .read()
        .args(["sync", "hung"])
        .env("GIT_SSH_COMMAND", &ssh)
        .env("CHARTER_GIT_TIMEOUT", "2")
        .timeout(HARNESS_LIMIT)
        .output()
        .unwrap();
    let err = assert_one_line_error(&out, 2, &["git fetch", "did not finish within 2 s"]);
    insta::assert_snapshot!(err, @"error: hung: git fetch: it did not finish within 2 s, and was stopped (CHARTER_GIT_TIMEOUT sets the limit in seconds)");
    let pid = std::fs::read_to_string(&pid_file).expect("git ran the ssh");
    // The control: the same probe sees this test run.
    assert!(runs(&std::process::id().to_string()));
    assert!(!runs(pid.trim()), "the ssh git started still runs: {pid}");
    assert_eq!(g.tree_state(), before);
}

#[test]
fn a_clone_owned_by_another_user_is_named_as_such() {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| stdout(&o).trim() == "0")
        .unwrap_or(false);
    if !is_root {
        // chown to another user needs root; the rest of the suite does not.
        eprintln!("skipped: only root can give a clone to another user");
        return;
    }
    let g = Group::d5();
    // The control: the clone as its owner sees it.
    g.read_out(&["status"]);
    let out = std::process::Command::new("chown")
        .args(["-R", "nobody"])
        .arg(&g.repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "chown: {}", stderr(&out));
    let top = g.repo.canonicalize().unwrap();
    let hint = format!("git config --global --add safe.directory {}", top.display());
    for dir in [g.repo.clone(), g.repo.join("charter")] {
        let out = g.env.charter_in(&dir).arg("status").output().unwrap();
        let err = assert_one_line_error(&out, 2, &["another user owns it", &hint]);
        assert!(!err.contains("not a governance repository"), "{err}");
    }
    // Following the hint (in the HOME the commands run with) opens it.
    std::fs::write(
        g.env.path().join(".gitconfig"),
        format!("[safe]\n\tdirectory = {}\n", top.display()),
    )
    .unwrap();
    let out = g.read().arg("status").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
