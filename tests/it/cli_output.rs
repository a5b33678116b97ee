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

#[test]
fn a_full_disk_on_stdout_is_one_line_and_exit_2() {
    let g = Group::d5();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = charter(&g).arg("principles").stdout(full).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: cannot write to stdout: No space left on device (os error 28)\n"
    );
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
