//! The programs a stopped program started: found through `/proc` (Linux),
//! since a process group would take them off the terminal, where `ssh`
//! asks for a passphrase or a host key's confirmation. Elsewhere only the
//! program itself is stopped.

/// Stops (`SIGSTOP`) the process `top` and every process below it, and
/// returns those below it, each generation after the one before. Each is
/// stopped before its children are looked for, so none can start another
/// unseen; none is reaped while its parent is stopped, so no pid returned
/// is reused while its parent lives.
pub(super) fn freeze(top: u32) -> Vec<u32> {
    // A program that forks without end is stopped after this many rounds,
    // each of which stops a whole generation.
    const ROUNDS: usize = 64;
    let mut frozen = vec![top];
    let mut born = vec![top];
    for _ in 0..ROUNDS {
        for &pid in &born {
            send(pid, libc::SIGSTOP);
        }
        // A signal is sent at once but takes effect later: a fork under
        // way when it was sent may still make a child.
        until_stopped(&born);
        born = processes()
            .into_iter()
            .filter(|(pid, parent)| frozen.contains(parent) && !frozen.contains(pid))
            .map(|(pid, _)| pid)
            .collect();
        if born.is_empty() {
            break;
        }
        frozen.extend(&born);
    }
    frozen.remove(0);
    frozen
}

/// Waits, briefly, until every one of `pids` is stopped or has ended.
fn until_stopped(pids: &[u32]) {
    const TRIES: usize = 50;
    for _ in 0..TRIES {
        let moving = pids
            .iter()
            .any(|&pid| state(pid).is_some_and(|s| !matches!(s, 'T' | 't' | 'Z' | 'X')));
        if !moving {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Kills `pid` (`SIGKILL`, which also ends a stopped process).
pub(super) fn kill(pid: u32) {
    send(pid, libc::SIGKILL);
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

/// Every process as (pid, parent pid), from `/proc/<pid>/stat`; none where
/// there is no `/proc`.
fn processes() -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        Some((pid, parent_of(&stat)?))
    })
    .collect()
}

/// The fields of a `/proc/<pid>/stat` line past `pid (comm)`, where `comm`
/// may itself hold spaces and parentheses: `state ppid …`.
fn fields(stat: &str) -> Option<std::str::SplitWhitespace<'_>> {
    Some(stat.rsplit_once(')')?.1.split_whitespace())
}

/// The state of process `pid` (`R`, `S`, `T` stopped, `Z` ended and not
/// yet reaped, …); none once it is gone.
pub(super) fn state(pid: u32) -> Option<char> {
    state_of(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parent_of(stat: &str) -> Option<u32> {
    fields(stat)?.nth(1)?.parse().ok()
}

fn state_of(stat: &str) -> Option<char> {
    fields(stat)?.next()?.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_read_past_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (ssh (my) host) S 4241 4242 4242 0 -1 4194560";
        assert_eq!(parent_of(stat), Some(4241));
        assert_eq!(state_of(stat), Some('S'));
        assert_eq!(parent_of("4242 (sleep) R"), None);
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_is_found_under_its_parent() {
        let me = std::process::id();
        let parent = std::os::unix::process::parent_id();
        assert!(processes().contains(&(me, parent)));
    }
}
