//! What a user sees when the command line's surroundings fail: a reader
//! that stops reading, a full disk, a repository whose objects are broken.

use std::process::{Command, Stdio};

use crate::common::*;

/// The built binary, hermetic, run in the group's repository.
fn charter(g: &Group) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("charter"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", g.env.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TZ", "UTC")
        .env("CHARTER_NOW", NOW)
        .current_dir(&g.repo);
    cmd
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    // As `charter principles | head -0`: the reader is gone before the
    // first line is written.
    let g = Group::d5();
    for args in [&["principles"][..], &["log"], &["members"], &["status"]] {
        let mut child = charter(&g)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
}

#[test]
fn a_full_disk_on_stdout_is_one_line_and_exit_3() {
    // A machine's fault, as a broken object database is (it was 2, as if
    // the user's input were wrong, before).
    let g = Group::d5();
    for args in [
        &["principles"][..],
        &["status"],
        &["log", "--json"],
        &["--help"],
    ] {
        let out = charter(&g).args(args).stdout(dev_full()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {stderr}");
        assert_eq!(
            stderr, "error: cannot write to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
    // The control: the same commands to a file.
    for args in [
        &["principles"][..],
        &["status"],
        &["log", "--json"],
        &["--help"],
    ] {
        let out = charter(&g).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

/// `charter key generate` in the group's scratch folder: a command that
/// succeeds and says so on stderr.
fn key_generate(g: &Group, name: &str) -> Command {
    let mut cmd = charter(g);
    cmd.args(["key", "generate", "--out"])
        .arg(g.env.path().join(name));
    cmd
}

#[test]
fn a_full_stderr_never_panics() {
    let g = Group::d5();
    // A message that could not be said: the command did its work, and
    // says by its status that something was lost.
    let out = key_generate(&g, "k1").stderr(dev_full()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(g.env.path().join("k1.pub").is_file());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    // An error that could not be said keeps its status.
    let out = charter(&g)
        .args(["show", "2026-404"])
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The control: the same with a stderr that can be written.
    let out = key_generate(&g, "k2").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("wrote "));
}

#[test]
fn a_closed_stderr_never_panics() {
    let g = Group::d5();
    let run = |cmd: &mut Command| {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        child.wait_with_output().unwrap()
    };
    // Nobody reads the message: the work is done and it ends as it would.
    let out = run(&mut key_generate(&g, "k1"));
    assert_eq!(out.status.code(), Some(0));
    assert!(g.env.path().join("k1.pub").is_file());
    let out = run(charter(&g).args(["show", "2026-404"]));
    assert_eq!(out.status.code(), Some(2));
    // stderr closed outright (`2>&-`).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" show 2026-404 2>&-")
        .arg(assert_cmd::cargo::cargo_bin("charter"))
        .env_clear()
        .envs(hermetic_env(g.env.path(), NOW))
        .current_dir(&g.repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_broken_object_database_is_an_internal_error_not_the_users() {
    let g = Group::d5();
    // Remove the loose object holding governance.toml, as a failing disk
    // would: git itself can no longer read it.
    let blob = g.git_out(&["rev-parse", "HEAD:governance.toml"]);
    let object = g
        .repo
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&object).unwrap();
    let out = charter(&g).arg("status").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.starts_with("internal error: git: ")
            && stderr.ends_with("(a fault of git or of this machine, not of your input)\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    // A control of the same shape: the same command on an intact clone.
    let intact = Group::d5();
    let out = charter(&intact).arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// `--color` decides, else a terminal does, adjusted by NO_COLOR (which
/// wins) and CLICOLOR_FORCE, as clap and cargo decide.
#[test]
fn colour_follows_the_flag_no_color_and_clicolor_force() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let out = charter(&g)
            .args(args)
            .args(["show", &id])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).contains("\x1b[")
    };
    assert!(!coloured(&[], &[]), "a pipe is not coloured");
    assert!(coloured(&["--color", "always"], &[]));
    assert!(
        coloured(&["--color=always"], &[("NO_COLOR", "1")]),
        "the flag wins"
    );
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    assert!(!coloured(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    let out = charter(&g)
        .args(["--color", "sometimes", "status"])
        .output()
        .unwrap();
    assert_one_line_error(
        &out,
        2,
        &["invalid value 'sometimes'", "auto, always, never"],
    );
}

/// Columns line up by display width: a name in Hangul takes two columns
/// a character.
#[test]
fn listings_align_columns_by_display_width() {
    use unicode_width::UnicodeWidthStr;
    let env = Env::new();
    env.key("uk");
    env.key("kr");
    let out = env
        .charter_in(env.path())
        .args(["init", "d5", "--template", "d5", "--name", "D5"])
        .args(["--member", "uk:United Kingdom=keys/uk.pub"])
        .args(["--member", "kr:대한민국=keys/kr.pub"])
        .arg("--key")
        .arg(env.key("uk"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .charter_in(&env.path().join("d5"))
        .arg("members")
        .output()
        .unwrap();
    let text = stdout(&out);
    let columns: Vec<usize> = text
        .lines()
        .map(|l| l[..l.find("since").unwrap()].width())
        .collect();
    assert_eq!(columns.len(), 2, "{text}");
    assert_eq!(columns[0], columns[1], "{text}");
}

/// A usage error is one line, like every other error, with the usage and
/// where help is; a near miss gets clap's tip.
#[test]
fn usage_errors_are_one_line_with_the_usage() {
    let g = Group::d5();
    for (args, needles) in [
        (
            vec!["second"],
            vec![
                "required arguments were not provided: <ID>",
                "(usage: charter second <ID>; see charter second --help)",
            ],
        ),
        (
            vec!["statu"],
            vec![
                "unrecognized subcommand 'statu'",
                "a similar subcommand exists: 'status'",
                "see charter --help",
            ],
        ),
        (
            vec!["status", "--bogus"],
            vec!["unexpected argument '--bogus'", "see charter status --help"],
        ),
        (
            vec!["propose", "amend"],
            vec!["--text <LANG=FILE>", "see charter propose amend --help"],
        ),
    ] {
        let out = charter(&g).args(&args).output().unwrap();
        assert_one_line_error(&out, 2, &needles);
    }
}
