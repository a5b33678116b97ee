//! Shared test harness: a hermetic environment, a governance repository of
//! the five D5 founders made through the real binary, and helpers that read
//! like the process (`g.propose_amend("uk", ...)`, `g.accept("ee", id)`).

pub mod agent;
pub mod index;
pub mod remote;
pub mod softsk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex, OnceLock};

use assert_cmd::Command;
use tempfile::TempDir;

pub const FOUNDERS: [&str; 5] = ["uk", "ee", "il", "nz", "kr"];

/// The principles of the D5 charter of 2014, in order.
pub const D5_PRINCIPLES: [&str; 9] = [
    "user-needs",
    "open-standards",
    "open-source",
    "open-markets",
    "open-government",
    "connectivity",
    "teach-children-to-code",
    "assisted-digital",
    "commitment-to-share-and-learn",
];
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
    /// When set, members act through this ssh-agent's socket, naming only
    /// their public key ([`Env::public_key`]).
    pub agent: Option<PathBuf>,
    /// When set, OpenSSH's security-key provider (the TEST-ONLY software
    /// authenticator) for `charter` and for signing by hand.
    pub provider: Option<PathBuf>,
}

impl Env {
    pub fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("tempdir"),
            now: NOW.to_string(),
            agent: None,
            provider: None,
        }
    }

    /// `text` with the scratch directory's path replaced by `[ROOT]`, for a
    /// snapshot.
    pub fn hide_root(&self, text: &str) -> String {
        let mut out = text.to_string();
        let root = self.path();
        for p in [root.canonicalize().unwrap(), root.to_path_buf()] {
            out = out.replace(p.to_str().unwrap(), "[ROOT]");
        }
        out
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

    /// A fixture's public key alone, in a folder of public keys: what a
    /// delegate whose private key is in an agent names.
    pub fn public_key(&self, name: &str) -> PathBuf {
        let dir = self.path().join("public-keys");
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join(format!("{name}.pub"));
        if !dest.exists() {
            std::fs::copy(fixture_key(&format!("{name}.pub")), &dest).unwrap();
        }
        dest
    }

    /// The built `charter`, hermetic, run in `dir`.
    pub fn charter_in(&self, dir: &Path) -> Command {
        let mut cmd = Command::cargo_bin("charter").expect("binary");
        hermetic(&mut cmd, self.path(), &self.now);
        if let Some(provider) = &self.provider {
            cmd.env("SSH_SK_PROVIDER", provider);
        }
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
    cmd.env_clear().envs(hermetic_env(home, now));
}

/// The whole environment of a hermetic run (after `env_clear`): the
/// caller's PATH, HOME `home`, no git configuration, UTC, the clock `now`.
pub fn hermetic_env(home: &Path, now: &str) -> [(&'static str, std::ffi::OsString); 6] {
    [
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
        ("HOME", home.into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("TZ", "UTC".into()),
        ("CHARTER_NOW", now.into()),
    ]
}

/// A governance repository of the five D5 founders, made with `charter init`.
pub struct Group {
    pub env: Env,
    pub repo: PathBuf,
}

impl Group {
    pub fn d5() -> Self {
        Self::d5_at(NOW)
    }

    /// Sets the clock for the following commands.
    pub fn at(&mut self, now: &str) {
        self.env.now = now.to_string();
    }

    /// `charter` as member `who` (its fixture key), in the repository.
    pub fn charter(&self, who: &str) -> Command {
        let mut cmd = self.env.charter_in(&self.repo);
        match &self.env.agent {
            Some(socket) => cmd
                .env("SSH_AUTH_SOCK", socket)
                .arg("--key")
                .arg(self.env.public_key(who)),
            None => cmd.arg("--key").arg(self.env.key(who)),
        };
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

    /// The `SHA256:...` fingerprint of fixture key `name`, as
    /// `ssh-keygen -l` prints it.
    pub fn member_fingerprint(&self, name: &str) -> String {
        let out = std::process::Command::new("ssh-keygen")
            .arg("-lf")
            .arg(fixture_key(&format!("{name}.pub")))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("ssh-keygen -l: {text}"))
            .to_string()
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

    /// `signer`'s record of `act` on proposal `id` as the work tree holds it,
    /// dated [`NOW`]: the message with the digest computed by coreutils,
    /// signed with `ssh-keygen -Y sign` (on a security key where the
    /// signer's key is one).
    pub fn sign_by_hand(&self, id: &str, signer: &str, act: &str) {
        let msg = format!(
            "charter signature v1\nrepository {}\nproposal {id}\ndigest {}\nact {act}\nsigner {signer}\ndate {NOW}\n",
            self.genesis(),
            self.coreutils_digest(id)
        );
        let base = format!("{}/signatures/{signer}.{act}", proposal_dir(id));
        self.write(&format!("{base}.msg"), &msg);
        self.write(&format!("{base}.sig"), &self.ssh_sign(signer, &msg));
    }

    /// `git merge --no-ff BRANCH` into the checked-out branch, as `git pull
    /// --no-rebase` makes it: a clean merge, unsigned, no hand edits.
    pub fn git_merge(&self, branch: &str) {
        let message = format!("Merge branch '{branch}'");
        self.git_out(&[
            "merge",
            "-q",
            "--no-ff",
            "--no-gpg-sign",
            "-m",
            &message,
            branch,
        ]);
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

/// One `error: verification failed: commit <id>: <path>: <message> [<rule>]`
/// line, taken apart.
#[derive(Debug, Clone)]
pub struct Failed {
    /// The short (12-character) commit id.
    pub commit: String,
    pub path: String,
    pub message: String,
    pub rule: String,
    /// Everything verify wrote to stderr.
    pub stderr: String,
}

/// The year folder of a proposal id (`2026-001-x` → `proposals/2026/2026-001-x`).
pub fn proposal_dir(id: &str) -> String {
    format!("proposals/{}/{id}", &id[..4])
}

impl Group {
    /// Asserts that `charter verify` holds (exit 0) for HEAD's history.
    /// `charter verify` passes, and so does `verify --full`: incremental
    /// and full verification agree.
    pub fn assert_verify_passes(&self) {
        let out = self.verify();
        assert!(
            out.status.success(),
            "verify should pass on the good history: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(stdout(&out).starts_with("verified: "), "{}", stdout(&out));
        self.assert_verify_passes_full();
    }

    /// `charter verify --full` passes: every commit judged afresh.
    pub fn assert_verify_passes_full(&self) {
        let out = self.read().args(["verify", "--full"]).output().unwrap();
        assert!(out.status.success(), "verify --full: {}", stderr(&out));
    }

    /// Runs `charter verify` with `args` after it, asserts it fails with exit
    /// status 1 and one violation line, and returns that line taken apart.
    /// Without `args`, `verify --full` must fail with the same line: what
    /// a walk from the genesis refuses, and why, does not depend on what
    /// this clone verified before.
    pub fn verify_failure_with(&self, args: &[&str]) -> Failed {
        let failed = self.verify_failure_once(args);
        if args.is_empty() {
            let full = self.verify_failure_once(&["--full"]);
            assert_eq!(
                (&full.commit, &full.path, &full.rule, &full.message),
                (&failed.commit, &failed.path, &failed.rule, &failed.message),
                "verify and verify --full disagree"
            );
        }
        failed
    }

    /// [`Self::verify_failure_with`] without the comparison: for the one
    /// refusal that rests on what this clone verified before (a merge that
    /// reorders it), which a walk from the genesis cannot see.
    pub fn verify_failure_once(&self, args: &[&str]) -> Failed {
        let out = self.read().arg("verify").args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "verify should fail with exit 1: stdout {} stderr {err}",
            stdout(&out)
        );
        let line = err
            .lines()
            .find_map(|l| l.strip_prefix("error: verification failed: commit "))
            .unwrap_or_else(|| panic!("no violation line: {err}"));
        let (commit, rest) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("no commit: {err}"));
        let (path, rest) = rest
            .split_once(": ")
            .unwrap_or_else(|| panic!("no path: {err}"));
        let (message, rule) = rest
            .rsplit_once(" [")
            .unwrap_or_else(|| panic!("no rule: {err}"));
        Failed {
            commit: commit.to_string(),
            path: path.to_string(),
            message: message.to_string(),
            rule: rule.trim_end_matches(']').to_string(),
            stderr: err.clone(),
        }
    }

    /// `charter verify` fails on the HEAD commit, at exactly `path`, under
    /// `rule`; returns the violation for further checks.
    pub fn assert_head_violates(&self, rule: &str, path: &str) -> Failed {
        let head = self.head();
        let f = self.verify_failure_with(&[]);
        assert_eq!(f.rule, rule, "wrong rule: {}", f.stderr);
        assert_eq!(f.path, path, "wrong path: {}", f.stderr);
        assert_eq!(f.commit, head[..12], "wrong commit: {}", f.stderr);
        // The harness's own check agrees.
        self.assert_verify_fails(rule, path);
        f
    }

    /// The genesis commit (the root of HEAD's first-parent history).
    pub fn genesis(&self) -> String {
        self.git_out(&["rev-list", "--max-parents=0", "HEAD"])
    }

    /// One `<field> <value>` line of a signed message in the work tree.
    pub fn message_field(&self, rel: &str, field: &str) -> String {
        let text = self.read_file(rel);
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{field} ")))
            .unwrap_or_else(|| panic!("{rel} has no '{field}' line:\n{text}"))
            .to_string()
    }

    /// The canonical message of an act on proposal `id`, for this repository
    /// and the proposal's current digest (taken from its propose record).
    pub fn message(&self, id: &str, act: &str, signer: &str, date: &str) -> String {
        let dir = proposal_dir(id);
        let propose = self
            .git_out(&["ls-files", &format!("{dir}/signatures/*.propose.msg")])
            .lines()
            .next()
            .unwrap_or_else(|| panic!("{id} has no propose record"))
            .to_string();
        let digest = self.message_field(&propose, "digest");
        format!(
            "charter signature v1\nrepository {}\nproposal {id}\ndigest {digest}\nact {act}\nsigner {signer}\ndate {date}\n",
            self.genesis()
        )
    }

    /// Signs `message` by hand with stock OpenSSH, as `ssh-keygen -Y sign -f
    /// <key> -n charter` does for anyone, with fixture key `key`; returns the
    /// armored signature.
    pub fn ssh_sign(&self, key: &str, message: &str) -> String {
        let dir = self.env.path().join("by-hand");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("message");
        let sig = dir.join("message.sig");
        std::fs::write(&file, message).unwrap();
        let _ = std::fs::remove_file(&sig);
        let out = std::process::Command::new("ssh-keygen")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.env.path())
            .envs(self.env.provider.iter().map(|p| ("SSH_SK_PROVIDER", p)))
            .args(["-q", "-Y", "sign", "-n", "charter", "-f"])
            .arg(self.env.key(key))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen -Y sign: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&sig).unwrap()
    }

    /// Checks a record in the work tree with stock OpenSSH against
    /// `keys/allowed_signers`, as identity `who`; true if it verifies.
    pub fn ssh_verifies(&self, who: &str, msg_rel: &str) -> bool {
        self.ssh_verify(who, msg_rel, None)
    }

    fn ssh_verify(&self, who: &str, msg_rel: &str, time: Option<&str>) -> bool {
        let sig_rel = format!("{}.sig", msg_rel.trim_end_matches(".msg"));
        std::process::Command::new("ssh-keygen")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.env.path())
            .current_dir(&self.repo)
            .args([
                "-Y",
                "verify",
                "-f",
                "keys/allowed_signers",
                "-n",
                "charter",
            ])
            .args(["-I", who, "-s", &sig_rel])
            .args(time.map(|t| format!("-Overify-time={t}")))
            .stdin(std::fs::File::open(self.repo.join(msg_rel)).unwrap())
            .output()
            .unwrap()
            .status
            .success()
    }
}

impl Group {
    /// Like [`Group::d5`], but `charter init` runs at clock `now` (so the
    /// genesis commit differs from one made at [`NOW`]); the clock is then
    /// set back to [`NOW`] for the following commands. Built once per test
    /// process (see [`Group::built_once`]).
    pub fn d5_at(now: &str) -> Self {
        Self::built_once(&format!("d5 founded {now}"), || Self::found_d5(now))
    }

    /// The D5 group made afresh by `charter init` at clock `now`.
    pub fn found_d5(now: &str) -> Self {
        let mut env = Env::new();
        env.now = now.to_string();
        let repo = env.path().join("d5");
        let mut cmd = env.charter_in(env.path());
        cmd.args(["init", "d5", "--template", "d5", "--name", "Digital 5"]);
        for id in FOUNDERS {
            env.key(id);
            cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
        }
        cmd.arg("--key").arg(env.key("uk"));
        cmd.assert().success();
        env.now = NOW.to_string();
        Self { env, repo }
    }
}

/// Asserts that a command failed with exit status `code` and ONE line on
/// stderr, `error: ...`, containing every one of `needles`; returns stderr.
pub fn assert_one_line_error(out: &Output, code: i32, needles: &[&str]) -> String {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit status {code}; stdout: {}; stderr: {err}",
        stdout(out)
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "stderr must be exactly one line: {err:?}");
    assert!(
        lines[0].starts_with("error: "),
        "stderr must start with 'error: ': {err:?}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}: {err:?}");
    }
    err
}

impl Group {
    /// The work tree's status and HEAD: what a refused command must leave as it was.
    pub fn tree_state(&self) -> (String, String) {
        (
            self.git_out(&["status", "--porcelain", "--untracked-files=all"]),
            self.head(),
        )
    }

    /// Runs `cmd` and asserts it was refused as bad input: exit status 2, one
    /// line `error: ...` naming every one of `needles`, and the repository
    /// unchanged (same status, same HEAD, no lock left behind). Returns stderr.
    pub fn assert_refused(&self, cmd: &mut Command, needles: &[&str]) -> String {
        self.assert_refused_with(2, cmd, needles)
    }

    /// As [`Group::assert_refused`], for an act refused because HEAD's
    /// history does not verify: exit status 1, `verification failed`.
    pub fn assert_refused_unverified(&self, cmd: &mut Command, needles: &[&str]) -> String {
        let mut all = vec!["verification failed"];
        all.extend_from_slice(needles);
        self.assert_refused_with(1, cmd, &all)
    }

    /// As [`Group::assert_refused`], for a listing of a history that does
    /// not verify: a `warning:` line first, then the one-line error.
    pub fn assert_refused_after_warning(&self, cmd: &mut Command, needles: &[&str]) -> String {
        let before = self.tree_state();
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "a warning, then the error: {err:?}");
        assert!(lines[0].starts_with("warning: this clone's history does not verify"));
        assert!(lines[1].starts_with("error: "), "{err:?}");
        for n in needles {
            assert!(
                lines[1].contains(n),
                "the error should mention {n:?}: {err:?}"
            );
        }
        assert_eq!(
            self.tree_state(),
            before,
            "a refused command changed the repository"
        );
        format!("{}\n", lines[1])
    }

    fn assert_refused_with(&self, code: i32, cmd: &mut Command, needles: &[&str]) -> String {
        let before = self.tree_state();
        let out = cmd.output().unwrap();
        let err = assert_one_line_error(&out, code, needles);
        assert_eq!(
            self.tree_state(),
            before,
            "a refused command changed the repository"
        );
        assert!(
            !lock_held(&self.repo),
            "a refused command left its lock held"
        );
        err
    }
}

// ---- Membership: statements, applications, admissions, keys ----

/// A statement of interest made from `charter apply --template`'s output,
/// every `## ` section filled with a line of text.
pub fn fill_statement(template: &str) -> String {
    let mut out = String::new();
    for line in template.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(heading) = line.strip_prefix("## ") {
            out.push_str(&format!("What we do for {heading}: a great deal.\n"));
        }
    }
    out
}

/// The `ssh-ed25519 AAAA...` part of an OpenSSH public key file's line.
pub fn openssh_key(pub_file: &Path) -> String {
    let text = std::fs::read_to_string(pub_file).unwrap();
    let parts: Vec<&str> = text.split_whitespace().take(2).collect();
    parts.join(" ")
}

/// `SHA256:...`, as stock `ssh-keygen -l` prints it for a public key file.
pub fn ssh_fingerprint(pub_file: &Path) -> String {
    let out = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen -l: {}", stderr(&out));
    stdout(&out)
        .split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_string()
}

impl Group {
    /// `charter apply --template`'s output.
    pub fn statement_template(&self) -> String {
        let out = self.read().args(["apply", "--template"]).output().unwrap();
        assert!(out.status.success(), "apply --template: {}", stderr(&out));
        stdout(&out)
    }

    /// Writes a statement of interest outside the repository; returns its path.
    pub fn statement_file(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.env.path().join("statements");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.md"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `charter apply` as the holder of key `key`, for member id `id`, with
    /// a statement filled from the template; returns the application's id.
    pub fn apply(&self, key: &str, id: &str, name: &str) -> String {
        let statement = self.statement_file(id, &fill_statement(&self.statement_template()));
        let out = self
            .charter(key)
            .args(["apply", "--id", id, "--name", name, "--statement"])
            .arg(&statement)
            .output()
            .unwrap();
        assert!(out.status.success(), "apply: {}", stderr(&out));
        stdout(&out).trim().to_string()
    }

    /// The ids of the members in force (at `at`, default now), from
    /// `charter members --json`.
    pub fn member_ids(&self, at: Option<&str>) -> Vec<String> {
        let mut cmd = self.read();
        cmd.args(["members", "--json"]);
        if let Some(at) = at {
            cmd.args(["--at", at]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "members: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["members"]
            .as_array()
            .expect("a members list")
            .iter()
            .map(|m| m["id"].as_str().expect("an id").to_string())
            .collect()
    }

    /// The whole admission of the holder of fixture key `candidate` under
    /// the same id: it applies, uk (else the first member) proposes, ee
    /// (else the next) seconds, every other member accepts. Returns the
    /// application's id.
    pub fn admit(&self, candidate: &str, name: &str) -> String {
        let id = self.apply(candidate, candidate, name);
        let members = self.member_ids(None);
        let mut order: Vec<&str> = ["uk", "ee"]
            .into_iter()
            .filter(|m| members.iter().any(|x| x == m))
            .collect();
        for m in &members {
            if !order.contains(&m.as_str()) {
                order.push(m);
            }
        }
        self.charter(order[0])
            .args(["propose", "member", candidate])
            .assert()
            .success();
        self.act(order[1], "second", &id);
        for who in &order[2..] {
            self.act(who, "accept", &id);
        }
        assert!(
            self.repo.join(format!("keys/{candidate}.toml")).exists(),
            "{candidate} was not admitted"
        );
        id
    }

    /// Makes a new ed25519 key pair with `charter key generate` in the
    /// scratch key folder, so that `g.charter(name)` acts with it; returns
    /// the private key's path.
    pub fn new_key(&self, name: &str) -> PathBuf {
        let dir = self.env.path().join("keys");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let out = self
            .env
            .charter_in(self.env.path())
            .args(["key", "generate", "--out"])
            .arg(&path)
            .args(["--comment", name])
            .output()
            .unwrap();
        assert!(out.status.success(), "key generate: {}", stderr(&out));
        path
    }

    /// Like [`Group::ssh_verifies`], at OpenSSH time `time`
    /// (`YYYYMMDDHHMMSSZ`, passed as `-Overify-time`): true if the record
    /// verifies against `keys/allowed_signers` as identity `who`.
    pub fn ssh_verifies_at(&self, who: &str, msg_rel: &str, time: &str) -> bool {
        self.ssh_verify(who, msg_rel, Some(time))
    }
}

// ---- Annual review and history ----

impl Group {
    /// Runs `charter` with no key and `args`; asserts success; returns stdout.
    pub fn read_out(&self, args: &[&str]) -> String {
        let out = self.read().args(args).output().unwrap();
        assert!(out.status.success(), "charter {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// What `charter` with no key and `args` shows a reader, for a snapshot:
    /// asserts success; returns stdout with the scratch directory's path
    /// replaced by `[ROOT]`.
    pub fn shown(&self, args: &[&str]) -> String {
        self.env.hide_root(&self.read_out(args))
    }

    /// Runs `charter` with no key and `args` (a `--json` or `--format json`
    /// command); asserts success; returns stdout parsed as JSON.
    pub fn read_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.read_out(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("charter {args:?}: not JSON ({e}): {out}"))
    }

    /// `charter` as member `who` with `args`; asserts success; returns the
    /// trimmed stdout (a new proposal's id for `propose` and `review`).
    pub fn run_as(&self, who: &str, args: &[&str]) -> String {
        let out = self.charter(who).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "charter {args:?} as {who}: {}",
            stderr(&out)
        );
        stdout(&out).trim().to_string()
    }

    /// Writes one text file outside the repository; returns its path.
    pub fn text_file(&self, name: &str, text: &str) -> String {
        let dir = self.env.path().join("texts");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    /// `seconder` seconds proposal `id`, then every other member in force
    /// but `proposer` accepts it, in the order of their ids.
    pub fn second_and_accept_all(&self, proposer: &str, seconder: &str, id: &str) {
        self.act(seconder, "second", id);
        for who in self.member_ids(None) {
            if who != proposer && who != seconder {
                self.act(&who, "accept", id);
            }
        }
    }

    /// The commit a tag points to, or `None` if there is no such tag.
    pub fn tag_commit(&self, tag: &str) -> Option<String> {
        let out = self
            .git()
            .args(["rev-parse", "--verify", "--quiet"])
            .arg(format!("refs/tags/{tag}^{{commit}}"))
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// The `status --json` warnings, as strings.
pub fn warnings_of(status: &serde_json::Value) -> Vec<String> {
    status["warnings"]
        .as_array()
        .expect("a warnings list")
        .iter()
        .map(|w| w.as_str().expect("a warning string").to_string())
        .collect()
}

impl Group {
    /// The digest of proposal `id` as the work tree holds it, with coreutils,
    /// as DESIGN.md §3 says anyone can compute it.
    pub fn coreutils_digest(&self, id: &str) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(
                "find proposal.toml change statement.md -type f 2>/dev/null \
                 | LC_ALL=C sort | xargs sha256sum | sha256sum",
            )
            .current_dir(self.repo.join(proposal_dir(id)))
            .output()
            .unwrap();
        assert!(out.status.success(), "sha256sum: {}", stderr(&out));
        let hex = stdout(&out).split_whitespace().next().unwrap().to_string();
        assert_eq!(hex.len(), 64, "{hex}");
        format!("sha256:{hex}")
    }
}

// ---- Texts, dates and forging by hand, shared by several test modules ----

/// A text for the open-standards principle, other than the D5 one.
pub const OPEN_STANDARDS_EN: &str = "# Open standards\n\nWe commit to open standards.\n";
pub const OPEN_STANDARDS_FR: &str =
    "# Standards ouverts\n\nNous nous engageons aux standards ouverts.\n";

/// A clock the day after [`NOW`].
pub const LATER: &str = "2026-11-24T09:30:00Z";

/// Paths a commit wrote, with their content there (`None`: deleted).
pub type Files = Vec<(String, Option<String>)>;

/// The content `files` gives `path`.
pub fn content_of(files: &[(String, Option<String>)], path: &str) -> String {
    files
        .iter()
        .find(|(p, _)| p == path)
        .and_then(|(_, t)| t.clone())
        .unwrap_or_else(|| panic!("no {path} in {files:?}"))
}

/// Writes `files` in the work tree; `git rm`s those with no content.
pub fn put_files(g: &Group, files: &[(String, Option<String>)]) {
    for (path, text) in files {
        match text {
            Some(t) => g.write(path, t),
            None => {
                g.git_out(&["rm", "-q", path]);
            }
        }
    }
}

/// The signature file beside a record's message file.
pub fn sig_path(msg_path: &str) -> String {
    format!("{}.sig", msg_path.trim_end_matches(".msg"))
}

/// `decision.toml` as the tool writes it, for an adoption by the five founders.
pub fn decision(date: &str) -> String {
    format!(
        "outcome = \"adopted\"\ndate = \"{date}\"\nelectorate = [\"ee\", \"il\", \"kr\", \"nz\", \"uk\"]\n"
    )
}

/// uk proposes the open-source amendment and ee seconds it, at the clock
/// set: an open proposal awaiting il, nz and kr. Returns its id, the year's
/// first proposal.
pub fn open_amendment(g: &Group) -> String {
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(id, format!("{}-001-open-source", &g.env.now[..4]));
    g.act("ee", "second", &id);
    id
}

/// A command's stdout parsed as JSON; asserts it succeeded.
pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// Whether a file exists in the work tree.
pub fn exists(g: &Group, rel: &str) -> bool {
    g.repo.join(rel).exists()
}

/// SplitMix64: a small deterministic PRNG, for reproducible interleavings.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        (self.next() % n as u64) as usize
    }

    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }

    /// One of `options`, with probability proportional to its weight.
    pub fn weighted<T: Clone>(&mut self, options: &[(u32, T)]) -> Option<T> {
        let total: u32 = options.iter().map(|(w, _)| w).sum();
        if total == 0 {
            return None;
        }
        let mut x = self.below(total as usize) as u32;
        for (w, t) in options {
            if x < *w {
                return Some(t.clone());
            }
            x -= w;
        }
        None
    }
}

// ---- Fixtures built once ----

/// A group as `build` left it: its scratch directory copied aside, the
/// repository's place in it and the clock.
struct Template {
    dir: PathBuf,
    repo: PathBuf,
    now: String,
}

/// The fixtures this test process built, by name, each built once.
fn templates() -> &'static Mutex<HashMap<String, Arc<OnceLock<Template>>>> {
    static TEMPLATES: OnceLock<Mutex<HashMap<String, Arc<OnceLock<Template>>>>> = OnceLock::new();
    TEMPLATES.get_or_init(Default::default)
}

/// Where this process keeps its fixtures: a folder of the target
/// directory named for the process (those of processes gone are removed).
fn templates_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
        std::fs::create_dir_all(&base).unwrap();
        for entry in std::fs::read_dir(&base).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !Path::new("/proc").join(&name).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = base.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Copies the folder `from` to `to` recursively, with file modes.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dest) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&src, &dest);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dest).unwrap();
        } else {
            std::fs::copy(&src, &dest).unwrap();
        }
    }
}

impl Group {
    /// The group `build` makes, built once per test process and copied
    /// (work tree, `.git` and keys, as gitoxide's test tools copy their
    /// fixtures) into a fresh scratch directory for each caller. Only for
    /// builds that always give the same result: a fixed clock and the
    /// fixture keys give the same commits, so a copy is the group built
    /// afresh. `name` names what `build` makes.
    pub fn built_once(name: &str, build: impl FnOnce() -> Group) -> Group {
        let cell = templates()
            .lock()
            .unwrap()
            .entry(name.to_string())
            .or_default()
            .clone();
        let t = cell.get_or_init(|| {
            let g = build();
            let dir = templates_dir().join(name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
            copy_tree(g.env.path(), &dir);
            Template {
                repo: g.repo.strip_prefix(g.env.path()).unwrap().to_path_buf(),
                now: g.env.now.clone(),
                dir,
            }
        });
        let mut env = Env::new();
        copy_tree(&t.dir, env.path());
        env.now = t.now.clone();
        let repo = env.path().join(&t.repo);
        Group { env, repo }
    }
}

/// Is the clone's lock (an OS lock on `.git/charter/lock`) held by anyone?
pub fn lock_held(repo: &Path) -> bool {
    let Ok(file) = std::fs::File::open(repo.join(".git/charter/lock")) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(e)) => panic!("cannot test the lock: {e}"),
    }
}

/// An armored signature with one base64 character of its last data line
/// (the signature bytes) changed to another, so the armor still decodes
/// and names the same key, but the signature does not verify.
pub fn corrupt_signature(sig: &str) -> String {
    let mut lines: Vec<String> = sig.lines().map(str::to_string).collect();
    let last = lines.len() - 2;
    assert!(lines[last + 1].starts_with("-----END"), "{sig}");
    let mut chars: Vec<char> = lines[last].chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    lines[last] = chars.into_iter().collect();
    lines.join("\n") + "\n"
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
