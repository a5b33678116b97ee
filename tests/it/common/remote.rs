//! A real remote for the sync tests: a bare repository served over
//! `git://` on loopback by a real `git daemon` that the test starts and
//! stops, and clones of it, one per member, each in its own hermetic
//! environment (its own HOME, its own copy of the member's key).

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::common::{stderr, stdout, Env, Group};

/// Stock git with a cleared environment (no user or system config).
fn hermetic_git(home: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TZ", "UTC");
    cmd
}

/// A port on loopback nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// `git daemon` serving every repository under a folder, killed on drop.
pub struct Daemon {
    child: Child,
    pub port: u16,
}

impl Daemon {
    /// Starts `git daemon --reuseaddr --base-path=<base> --export-all
    /// --enable=receive-pack --listen=127.0.0.1 --port=<free port> <base>`
    /// and waits until it accepts connections. Another test may take the
    /// port between our probe and the daemon's bind: then another port is
    /// tried (a bounded number of times).
    pub fn start(base: &Path) -> Self {
        let mut failures = Vec::new();
        for _ in 0..5 {
            let port = free_port();
            let mut child = hermetic_git(base)
                .arg("daemon")
                .arg("--verbose")
                .arg("--reuseaddr")
                .arg(format!("--base-path={}", base.display()))
                .arg("--export-all")
                .arg("--enable=receive-pack")
                .arg("--informative-errors")
                .arg("--listen=127.0.0.1")
                .arg(format!("--port={port}"))
                .arg(base)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("git daemon starts");
            // The daemon says "Ready to rumble" once it listens; its log is
            // drained for as long as it runs so that it never blocks on it.
            let log = child.stderr.take().expect("daemon stderr");
            let (tx, rx) = mpsc::channel::<String>();
            std::thread::spawn(move || {
                for line in BufReader::new(log).lines() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line);
                }
            });
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut ready = false;
            let mut said = Vec::new();
            while Instant::now() < deadline {
                match rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(line) if line.contains("Ready to rumble") => {
                        ready = true;
                        break;
                    }
                    Ok(line) => said.push(line),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    // The daemon exited (a port taken meanwhile, most likely).
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            if ready && wait_for_port(port, Duration::from_secs(10)) {
                return Self { child, port };
            }
            let _ = child.kill();
            let _ = child.wait();
            failures.push(format!("port {port}: {}", said.join(" | ")));
        }
        panic!("git daemon did not start: {failures:?}");
    }
}

/// Waits (bounded) until something accepts connections on the port.
fn wait_for_port(port: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(
            &format!("127.0.0.1:{port}").parse().expect("address"),
            Duration::from_millis(200),
        )
        .is_ok()
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bare repository `remote.git`, served over `git://127.0.0.1:<port>/`.
pub struct Remote {
    // Declared first so that the daemon stops before its folder goes.
    daemon: Daemon,
    pub dir: TempDir,
    pub url: String,
}

impl Remote {
    /// A new bare repository holding `origin`'s `main`, served by a daemon.
    pub fn serve(origin: &Group) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let bare = dir.path().join("remote.git");
        let out = hermetic_git(dir.path())
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&bare)
            .output()
            .expect("git init --bare");
        assert!(out.status.success(), "git init --bare: {}", stderr(&out));
        let daemon = Daemon::start(dir.path());
        let url = format!("git://127.0.0.1:{}/remote.git", daemon.port);
        origin.git_out(&["push", "-q", &url, "main"]);
        Self { daemon, dir, url }
    }

    /// The port the daemon listens on.
    pub fn port(&self) -> u16 {
        self.daemon.port
    }

    pub fn bare(&self) -> PathBuf {
        self.dir.path().join("remote.git")
    }

    /// Stock git in the bare repository; panics if it fails; trimmed stdout.
    pub fn git_out(&self, args: &[&str]) -> String {
        let out = hermetic_git(self.dir.path())
            .arg("-C")
            .arg(self.bare())
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?} in the remote: {}",
            stderr(&out)
        );
        stdout(&out).trim().to_string()
    }

    /// The remote's `main`.
    pub fn tip(&self) -> String {
        self.git_out(&["rev-parse", "main"])
    }

    /// Every file in the tree of the remote's `main` (`git ls-tree -r`).
    pub fn files(&self) -> Vec<String> {
        self.git_out(&["ls-tree", "-r", "--name-only", "main"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// One file of the remote's `main`.
    pub fn show(&self, path: &str) -> String {
        self.git_out(&["show", &format!("main:{path}")])
    }

    /// A clone over `git://` for member `who`, in an environment of its
    /// own, its trust root pinned to `genesis` with `charter verify --root`.
    pub fn clone_for(&self, who: &'static str, genesis: &str) -> Peer {
        let env = Env::new();
        env.key(who);
        let out = env
            .git_in(env.path())
            .args(["clone", "-q", &self.url, "d5"])
            .output()
            .expect("git clone");
        assert!(out.status.success(), "git clone: {}", stderr(&out));
        let g = Group {
            repo: env.path().join("d5"),
            env,
        };
        let out = g
            .read()
            .args(["verify", "--root", genesis])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "verify in {who}'s new clone: {}",
            stderr(&out)
        );
        Peer { g, who }
    }
}

/// One member's clone: acts in it are made with that member's key.
pub struct Peer {
    pub g: Group,
    pub who: &'static str,
}

impl Peer {
    /// `charter sync` as this member.
    pub fn sync(&self) -> Output {
        self.g.charter(self.who).arg("sync").output().unwrap()
    }

    /// `charter sync` that must succeed.
    pub fn sync_ok(&self) {
        let out = self.sync();
        assert!(
            out.status.success(),
            "sync in {}'s clone: {}",
            self.who,
            stderr(&out)
        );
    }

    /// A signed act as this member, which must succeed.
    pub fn act(&self, act: &str, id: &str) {
        let out = self.g.charter(self.who).args([act, id]).output().unwrap();
        assert!(
            out.status.success(),
            "{} {act} {id}: {}",
            self.who,
            stderr(&out)
        );
    }

    /// `.git/charter/<name>`, the clone's own state, if present.
    pub fn state_file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.g.repo.join(".git/charter").join(name)).ok()
    }

    /// The branches and tags of the clone (`git for-each-ref`).
    pub fn refs(&self) -> String {
        self.g.git_out(&[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/heads",
            "refs/tags",
        ])
    }
}
