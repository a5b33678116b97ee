//! The programs a stopped program started: found through `/proc` (Linux),
//! since a process group would take them off the terminal, where `ssh`
//! asks for a passphrase or a host key's confirmation. Elsewhere only the
//! program itself is stopped.

use std::time::{Duration, Instant};

/// How long the programs have to end by themselves once asked (`SIGTERM`)
/// before they are killed.
const GRACE: Duration = Duration::from_secs(1);

/// A process below the stopped program: its pid, and when it started,
/// which tells it from a later process given the same pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Process {
    pid: u32,
    start: u64,
}

impl Process {
    /// Whether this very process still runs (not ended, not reused).
    fn runs(self) -> bool {
        read(self.pid).is_some_and(|(stat, start)| start == self.start && !ended(stat.state))
    }
}

/// Stops (`SIGSTOP`) the process `top` and every process below it, and
/// returns those below it, each generation after the one before. Each
/// generation is seen stopped before its children are looked for, so none
/// can start another unseen.
pub(super) fn freeze(top: u32) -> Vec<Process> {
    // A program that forks without end is stopped after this many rounds,
    // each of which stops a whole generation.
    const ROUNDS: usize = 64;
    send(top, libc::SIGSTOP);
    until_stopped(&[top]);
    let mut parents = vec![top];
    let mut frozen: Vec<Process> = Vec::new();
    for _ in 0..ROUNDS {
        let born: Vec<Process> = processes()
            .into_iter()
            .filter(|(p, parent)| {
                parents.contains(parent) && !frozen.iter().any(|f| f.pid == p.pid)
            })
            .map(|(p, _)| p)
            .filter(|p| p.runs())
            .collect();
        if born.is_empty() {
            break;
        }
        for p in &born {
            send(p.pid, libc::SIGSTOP);
        }
        // A signal is sent at once but takes effect later: a fork under
        // way when it was sent may still make a child.
        let pids: Vec<u32> = born.iter().map(|p| p.pid).collect();
        until_stopped(&pids);
        parents.extend(&pids);
        frozen.extend(born);
    }
    frozen
}

/// Ends `top` and the processes `below` it that [`freeze`] stopped: first
/// asks them (`SIGTERM`, as a terminal's Ctrl-C would, so that `ssh` puts
/// back the terminal's echo it turned off for a passphrase and `git`
/// removes its lock files), then kills what still runs after [`GRACE`],
/// the last born first. The caller reaps `top`.
pub(super) fn end(top: u32, below: &[Process]) {
    for p in below.iter().filter(|p| p.runs()) {
        send(p.pid, libc::SIGTERM);
        send(p.pid, libc::SIGCONT);
    }
    send(top, libc::SIGTERM);
    send(top, libc::SIGCONT);
    let top_runs = || state(top).is_some_and(|s| !ended(s));
    let any_runs = || top_runs() || below.iter().any(|p| p.runs());
    wait_while(any_runs, GRACE);
    for p in below.iter().rev().filter(|p| p.runs()) {
        send(p.pid, libc::SIGKILL);
    }
    send(top, libc::SIGKILL);
    // A signal takes effect a moment after it is sent: gone before
    // `charter` reports the program stopped.
    wait_while(any_runs, Duration::from_millis(500));
}

/// Waits while `busy` holds, for at most `most`.
fn wait_while(busy: impl Fn() -> bool, most: Duration) {
    let deadline = Instant::now() + most;
    while busy() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits, briefly, until every one of `pids` is stopped or has ended.
fn until_stopped(pids: &[u32]) {
    let moving = || {
        pids.iter()
            .any(|&pid| state(pid).is_some_and(|s| !matches!(s, 'T' | 't') && !ended(s)))
    };
    wait_while(moving, Duration::from_millis(100));
}

fn ended(state: char) -> bool {
    matches!(state, 'Z' | 'X')
}

fn send(pid: u32, signal: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // Never 0 or negative, which would signal a whole process group.
    if pid > 0 {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Every process with its parent's pid, from `/proc/<pid>/stat`; none
/// where there is no `/proc`, or where it is not this process's own (a
/// sandbox's view of another pid namespace).
fn processes() -> Vec<(Process, u32)> {
    let ours = read(std::process::id()).is_some_and(|(stat, _)| stat.pid == std::process::id());
    let Some(dir) = std::fs::read_dir("/proc").ok().filter(|_| ours) else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let (stat, start) = read(pid)?;
        Some((Process { pid, start }, stat.parent))
    })
    .collect()
}

/// The fields of `/proc/<pid>/stat` this module reads.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    pid: u32,
    /// `R`, `S`, `T` stopped, `Z` ended and not yet reaped, …
    state: char,
    parent: u32,
}

/// The state of process `pid`; none once it is gone.
pub(super) fn state(pid: u32) -> Option<char> {
    read(pid).map(|(stat, _)| stat.state)
}

/// Process `pid`'s stat and start time.
fn read(pid: u32) -> Option<(Stat, u64)> {
    parse(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// `pid (comm) state ppid … starttime …` (the 22nd field), where `comm`
/// may itself hold spaces and parentheses.
fn parse(line: &str) -> Option<(Stat, u64)> {
    let (head, rest) = line.rsplit_once(')')?;
    let pid = head.split_once(' ')?.0.parse().ok()?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    // Past state and ppid, starttime is the 18th field left.
    let start = fields.nth(17)?.parse().ok()?;
    Some((Stat { pid, state, parent }, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_past_a_name_with_spaces_and_parentheses() {
        let line = "4242 (ssh (my) host) S 4241 4242 4242 0 -1 4194560 107 0 0 0 0 0 0 0 20 0 1 0 987654 8192 100";
        let stat = Stat {
            pid: 4242,
            state: 'S',
            parent: 4241,
        };
        assert_eq!(parse(line), Some((stat, 987654)));
        assert_eq!(parse("4242 (sleep) R 1"), None);
        assert_eq!(parse("garbage"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_is_found_under_its_parent() {
        let me = std::process::id();
        let parent = std::os::unix::process::parent_id();
        assert!(processes()
            .iter()
            .any(|(p, of)| p.pid == me && *of == parent && p.runs()));
    }
}
