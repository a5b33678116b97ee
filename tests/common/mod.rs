//! Shared test harness: a hermetic environment, a governance repository of
//! the five D5 founders made through the real binary, and helpers that read
//! like the process (`g.propose_amend("uk", ...)`, `g.accept("ee", id)`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

pub const FOUNDERS: [&str; 5] = ["uk", "ee", "il", "nz", "kr"];
pub const NOW: &str = "2026-11-23T10:00:00Z";

pub fn fixture_key(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

/// A scratch directory with a cleared environment: temporary HOME, no git
/// config, a fixed clock, UTC.
pub struct Env {
    pub tmp: TempDir,
    pub now: String,
}

impl Env {
    pub fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("tempdir"),
            now: NOW.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Copies a fixture key pair into the scratch directory (mode 0600).
    pub fn key(&self, name: &str) -> PathBuf {
        let dir = self.path().join("keys");
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join(name);
        if !dest.exists() {
            std::fs::copy(fixture_key(name), &dest).unwrap();
            std::fs::copy(
                fixture_key(&format!("{name}.pub")),
                dir.join(format!("{name}.pub")),
            )
            .unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
        }
        dest
    }

    /// The built `charter`, hermetic, run in `dir`.
    pub fn charter_in(&self, dir: &Path) -> Command {
        let mut cmd = Command::cargo_bin("charter").expect("binary");
        hermetic(&mut cmd, self.path(), &self.now);
        cmd.current_dir(dir);
        cmd
    }

    /// Stock `git`, hermetic, run in `dir`.
    pub fn git_in(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        hermetic(&mut cmd, self.path(), &self.now);
        cmd.current_dir(dir);
        cmd.env("GIT_AUTHOR_NAME", "Someone")
            .env("GIT_AUTHOR_EMAIL", "someone@example.org")
            .env("GIT_COMMITTER_NAME", "Someone")
            .env("GIT_COMMITTER_EMAIL", "someone@example.org");
        cmd
    }
}

fn hermetic(cmd: &mut Command, home: &Path, now: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TZ", "UTC")
        .env("CHARTER_NOW", now);
}

/// A governance repository of the five D5 founders, made with `charter init`.
pub struct Group {
    pub env: Env,
    pub repo: PathBuf,
}

impl Group {
    pub fn d5() -> Self {
        let env = Env::new();
        let repo = env.path().join("d5");
        let mut cmd = env.charter_in(env.path());
        cmd.args(["init", "d5", "--template", "d5", "--name", "Digital 5"]);
        for id in FOUNDERS {
            env.key(id);
            cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
        }
        cmd.arg("--key").arg(env.key("uk"));
        cmd.assert().success();
        Self { env, repo }
    }

    /// Sets the clock for the following commands.
    pub fn at(&mut self, now: &str) {
        self.env.now = now.to_string();
    }

    /// `charter` as member `who` (its fixture key), in the repository.
    pub fn charter(&self, who: &str) -> Command {
        let mut cmd = self.env.charter_in(&self.repo);
        cmd.arg("--key").arg(self.env.key(who));
        cmd
    }

    /// `charter` with no key, in the repository.
    pub fn read(&self) -> Command {
        self.env.charter_in(&self.repo)
    }

    pub fn git(&self) -> Command {
        self.env.git_in(&self.repo)
    }

    /// Runs stock git and returns its trimmed stdout; panics if it fails.
    pub fn git_out(&self, args: &[&str]) -> String {
        let out = self.git().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    pub fn head(&self) -> String {
        self.git_out(&["rev-parse", "HEAD"])
    }

    /// Writes a file in the work tree.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.repo.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read_file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.repo.join(rel)).unwrap()
    }

    /// Writes text files for every language outside the repository and
    /// returns the `--text` arguments.
    pub fn texts(&self, name: &str, en: &str, fr: &str) -> Vec<String> {
        let dir = self.env.path().join("texts");
        std::fs::create_dir_all(&dir).unwrap();
        let mut args = Vec::new();
        for (lang, text) in [("en", en), ("fr", fr)] {
            let p = dir.join(format!("{name}.{lang}.md"));
            std::fs::write(&p, text).unwrap();
            args.push("--text".to_string());
            args.push(format!("{lang}={}", p.display()));
        }
        args
    }

    /// `charter propose amend` by `who`; returns the new proposal id.
    pub fn propose_amend(&self, who: &str, principle: &str, en: &str, fr: &str) -> String {
        let texts = self.texts(principle, en, fr);
        let out = self
            .charter(who)
            .args(["propose", "amend", principle])
            .args(&texts)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "propose: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A member's act that must succeed.
    pub fn act(&self, who: &str, act: &str, id: &str) {
        self.charter(who).args([act, id]).assert().success();
    }

    /// uk proposes, ee seconds, everyone else accepts: the amendment is adopted.
    pub fn adopt_amendment(&self, principle: &str, en: &str, fr: &str) -> String {
        let id = self.propose_amend("uk", principle, en, fr);
        self.act("ee", "second", &id);
        for who in ["il", "nz", "kr"] {
            self.act(who, "accept", &id);
        }
        id
    }

    /// `charter verify`'s output.
    pub fn verify(&self) -> Output {
        self.read().arg("verify").output().unwrap()
    }

    /// Asserts that verification fails (exit 1) naming `rule` and `path_part`.
    pub fn assert_verify_fails(&self, rule: &str, path_part: &str) {
        let out = self.verify();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "verify should fail: {err}");
        assert!(
            err.contains(&format!("[{rule}]")),
            "expected rule {rule}: {err}"
        );
        assert!(err.contains(path_part), "expected path {path_part}: {err}");
    }

    /// Commits everything in the work tree with stock git, unsigned.
    pub fn git_commit_all(&self, message: &str) {
        self.git_out(&["add", "-A"]);
        self.git_out(&["commit", "-q", "--no-gpg-sign", "-m", message]);
    }
}

pub const OPEN_SOURCE_EN: &str = "# Open source\n\nGovernment code is open source by default.\n";
pub const OPEN_SOURCE_FR: &str = "# Logiciel libre\n\nLe code public est libre par défaut.\n";

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}
