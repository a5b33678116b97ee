//! Running another program with a time limit and bounded output: the
//! system `git` (fetch and push, `Repo::run_git` in the store layer),
//! `ssh-keygen -Y sign` for a security key's handle, and the
//! `CHARTER_ASKPASS` program of the command line. A program that never
//! ends is killed when its time is up; one that prints without end is killed
//! once it has printed more than the bound, and with it what it started
//! (on Linux). Either is refused.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

mod descendants;

/// How long a program may run and how much it may print.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time: Duration,
    /// The most bytes read from each of stdout and stderr.
    pub output: usize,
}

/// A program that ended by itself within its limits.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot run it: {0}")]
    Spawn(std::io::Error),
    #[error("it did not finish within {} s, and was stopped", .0.as_secs())]
    TimedOut(Duration),
    #[error("it printed more than {0} bytes, and was stopped")]
    TooMuchOutput(usize),
    #[error("cannot read its output: {0}")]
    Io(std::io::Error),
}

/// How long one `git fetch` or `git push` may take: generous, for a slow
/// network; `CHARTER_GIT_TIMEOUT` (seconds) changes it.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(600);

/// How much `git` may print on each stream: `--quiet` fetches and pushes
/// print a few lines.
pub const GIT_OUTPUT: usize = 1024 * 1024;

/// How often the runner looks at the program while it runs.
const POLL: Duration = Duration::from_millis(20);

/// Runs `cmd` (its stdin as the caller set it; stdout and stderr captured)
/// within `limits`.
pub fn run(cmd: &mut Command, limits: Limits) -> Result<Finished, ExecError> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ExecError::Spawn)?;
    let deadline = Instant::now() + limits.time;
    let overflow = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    // One reader per stream, each keeping at most `output + 1` bytes. A
    // reader is never joined: when the program is stopped, a program it
    // started may still hold the pipe open, and the reader is left behind
    // rather than waited for.
    for (stream, pipe) in [
        (
            0,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            1,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(pipe) = pipe else { continue };
        let (tx, overflow) = (tx.clone(), Arc::clone(&overflow));
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let read = pipe.take(limits.output as u64 + 1).read_to_end(&mut bytes);
            if bytes.len() > limits.output {
                overflow.store(true, Ordering::SeqCst);
            }
            let _ = tx.send((stream, read.map(|_| bytes)));
        });
    }
    drop(tx);
    let status = loop {
        if overflow.load(Ordering::SeqCst) {
            stop(&mut child);
            return Err(ExecError::TooMuchOutput(limits.output));
        }
        let now = Instant::now();
        if now >= deadline {
            stop(&mut child);
            return Err(ExecError::TimedOut(limits.time));
        }
        match child.wait_timeout(POLL.min(deadline - now)) {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                stop(&mut child);
                return Err(ExecError::Io(e));
            }
        }
    };
    // The program has ended; its output ends with it, unless a program it
    // left running still writes: that too is bounded by the deadline.
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        let (stream, read) = rx
            .recv_timeout(left)
            .map_err(|_| ExecError::TimedOut(limits.time))?;
        let bytes = read.map_err(ExecError::Io)?;
        if bytes.len() > limits.output {
            return Err(ExecError::TooMuchOutput(limits.output));
        }
        if stream == 0 {
            stdout = bytes;
        } else {
            stderr = bytes;
        }
    }
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}

/// Ends the program and every program it started that still runs (the
/// `ssh` under `git fetch`, which would otherwise hold its connection open
/// after `charter` has given up), and reaps the program.
fn stop(child: &mut Child) {
    let below = descendants::freeze(child.id());
    descendants::end(child.id(), &below);
    let _ = child.kill();
    let _ = child.wait();
}

/// A time limit from the environment variable `var` (whole seconds, at
/// least 1), else `default`.
pub fn time_limit(var: &str, default: Duration) -> Result<Duration, String> {
    match std::env::var(var) {
        Err(std::env::VarError::NotPresent) => Ok(default),
        Ok(v) if v.is_empty() => Ok(default),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
            _ => Err(format!(
                "{var} must be a whole number of seconds, at least 1: '{}'",
                crate::crypto::input::echo(&v)
            )),
        },
        Err(std::env::VarError::NotUnicode(v)) => Err(format!(
            "{var} must be a whole number of seconds, at least 1: '{}'",
            crate::crypto::input::echo(&v.to_string_lossy())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script).stdin(Stdio::null());
        cmd
    }

    const LIMITS: Limits = Limits {
        time: Duration::from_secs(20),
        output: 1024,
    };

    #[test]
    fn a_program_within_its_limits_gives_its_output() {
        let done = run(&mut sh("printf out; printf err >&2; exit 3"), LIMITS).unwrap();
        assert_eq!(done.stdout, b"out");
        assert_eq!(done.stderr, b"err");
        assert_eq!(done.status.code(), Some(3));
        // Exactly the bound is within it.
        let done = run(&mut sh("head -c 1024 /dev/zero"), LIMITS).unwrap();
        assert_eq!(done.stdout.len(), 1024);
    }

    #[test]
    fn a_program_that_never_ends_is_stopped() {
        let limits = Limits {
            time: Duration::from_secs(1),
            ..LIMITS
        };
        let started = Instant::now();
        let e = run(&mut sh("exec sleep 60"), limits).unwrap_err();
        assert!(matches!(e, ExecError::TimedOut(_)), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    /// Whether `pid` still runs: a zombie (killed, not yet reaped by
    /// whoever adopted it) does not.
    fn runs(pid: u32) -> bool {
        descendants::state(pid).is_some_and(|s| s != 'Z')
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn what_a_stopped_program_started_is_asked_to_end_then_killed() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        let (pids, cleaned) = (path("pids"), path("cleaned"));
        // As ssh under git: one that cleans up when asked (ssh puts the
        // terminal's echo back), with a child of its own; and one that
        // ignores being asked, as must be killed.
        let polite = format!(
            "trap 'echo cleaned > {cleaned}; exit 0' TERM\necho $$ >> {pids}\nsleep 60 & echo $! >> {pids}\nwait\n"
        );
        let stubborn = format!("trap '' TERM\necho $$ >> {pids}\nexec sleep 60\n");
        std::fs::write(path("polite"), polite).unwrap();
        std::fs::write(path("stubborn"), stubborn).unwrap();
        let script = format!("sh {} & sh {} & wait", path("polite"), path("stubborn"));
        let limits = Limits {
            time: Duration::from_secs(1),
            ..LIMITS
        };
        let e = run(&mut sh(&script), limits).unwrap_err();
        assert!(matches!(e, ExecError::TimedOut(_)), "{e}");
        let started: Vec<u32> = std::fs::read_to_string(&pids)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        assert_eq!(started.len(), 3, "{started:?}");
        for pid in started {
            assert!(!runs(pid), "{pid} still runs");
        }
        assert_eq!(std::fs::read_to_string(&cleaned).unwrap(), "cleaned\n");
        // The control: the same probe sees this test's own process run.
        assert!(runs(std::process::id()));
    }

    #[test]
    fn a_program_that_prints_without_end_is_stopped() {
        for script in ["exec yes", "exec yes >&2"] {
            let e = run(&mut sh(script), LIMITS).unwrap_err();
            assert!(matches!(e, ExecError::TooMuchOutput(1024)), "{script}: {e}");
        }
    }

    #[test]
    fn a_program_that_cannot_start() {
        let e = run(&mut Command::new("/nonexistent/program"), LIMITS).unwrap_err();
        assert!(matches!(e, ExecError::Spawn(_)), "{e}");
    }
}
