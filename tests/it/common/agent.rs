//! A real `ssh-agent`, started by the test on a socket of its own and
//! killed when dropped, and `ssh-add` to load it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub struct SshAgent {
    child: Child,
    _dir: TempDir,
    pub socket: PathBuf,
}

impl SshAgent {
    /// `ssh-agent -D -a SOCKET`: in the foreground, so that the test owns
    /// the process.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// An agent started with `env` (for example the `SSH_ASKPASS` it asks
    /// to confirm a use of a key added with `ssh-add -c`).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .envs(env.iter().copied())
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            // Security-key providers the agent may load: the test-only
            // one is built under the repository.
            .arg("-P")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/*"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent");
        let started = Instant::now();
        while !socket.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "ssh-agent did not create {}",
                socket.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Self {
            child,
            _dir: dir,
            socket,
        }
    }

    /// `ssh-add PRIVATE_KEY`; `passphrase` for an encrypted key, given
    /// through `SSH_ASKPASS` as ssh-add asks for it.
    pub fn add(&self, private: &Path, passphrase: Option<&str>) {
        let mut cmd = Command::new("ssh-add");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SSH_AUTH_SOCK", &self.socket)
            .arg(private)
            .stdin(Stdio::null());
        let askpass = self._dir.path().join("askpass");
        if let Some(pass) = passphrase {
            std::fs::write(&askpass, format!("#!/bin/sh\necho '{pass}'\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o700)).unwrap();
            cmd.env("SSH_ASKPASS", &askpass)
                .env("SSH_ASKPASS_REQUIRE", "force")
                .env("DISPLAY", ":0");
        }
        let out = cmd.output().expect("ssh-add");
        assert!(
            out.status.success(),
            "ssh-add {}: {}",
            private.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `ssh-add -c PRIVATE_KEY`: each use must be confirmed.
    pub fn add_confirmed(&self, private: &Path) {
        let out = Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &self.socket)
            .arg("-c")
            .arg(private)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-add -c");
        assert!(
            out.status.success(),
            "ssh-add -c: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `ssh-add -S PROVIDER HANDLE`: a security key, signed with through
    /// `provider` (which the agent must allow: see [`SshAgent::start_with`]).
    pub fn add_security_key(&self, handle: &Path, provider: &Path) {
        let out = Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &self.socket)
            .arg("-S")
            .arg(provider)
            .arg(handle)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-add -S");
        assert!(
            out.status.success(),
            "ssh-add -S: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The public keys the agent holds, as `ssh-add -L` lists them.
    pub fn listed(&self) -> String {
        let out = Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &self.socket)
            .arg("-L")
            .output()
            .expect("ssh-add -L");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
