//! Printing helpers: colour only on a terminal and never with `NO_COLOR`,
//! JSON as one document, passphrase prompts on the terminal. Writing never
//! panics: stdout's failures end the command ([`write`]), stderr's are
//! ignored or remembered ([`message`]).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

use charter::crypto::exec;
use charter::crypto::key::KeyError;
use charter::history::diff::Piece;

use super::Failure;

/// Writes to stdout. A closed pipe stops the command quietly; any other
/// failure (a full disk) is reported, as a fault of the machine.
pub fn write(text: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text).map_err(stdout_failure)
}

/// Flushes what is left in stdout's buffer, so that its failure is seen
/// and reported like any other write.
pub fn flush() -> Result<(), Failure> {
    std::io::stdout().flush().map_err(stdout_failure)
}

/// What a failed write to stdout means for the command.
pub fn stdout_failure(e: std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::ClosedOutput,
        _ => Failure::Output(format!("cannot write to stdout: {e}")),
    }
}

/// Set when a message could not be written to stderr for another reason
/// than its reader being gone (a full disk): the command then cannot end
/// with success, since something it had to say was lost.
static MESSAGE_LOST: AtomicBool = AtomicBool::new(false);

/// Writes a message on stderr (what `errln!` does), never panicking: a
/// closed stderr is ignored, any other failure remembered
/// ([`message_lost`]).
pub fn message(text: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    if let Err(e) = err.write_fmt(text).and_then(|()| err.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            MESSAGE_LOST.store(true, Ordering::SeqCst);
        }
    }
}

/// Was a message lost to a stderr that could not be written?
pub fn message_lost() -> bool {
    MESSAGE_LOST.load(Ordering::SeqCst)
}

/// Whether stdout is coloured: `--color`, else a terminal, adjusted by
/// `NO_COLOR` and `CLICOLOR_FORCE` (anstream's rules, as clap's and
/// cargo's).
pub fn colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

#[derive(Clone, Copy)]
pub enum Paint {
    Red,
    Green,
    Yellow,
    Bold,
    Dim,
}

pub fn paint(on: bool, style: Paint, text: &str) -> String {
    if !on || text.is_empty() {
        return text.to_string();
    }
    let code = match style {
        Paint::Red => "31",
        Paint::Green => "32",
        Paint::Yellow => "33",
        Paint::Bold => "1",
        Paint::Dim => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// A word diff: coloured on a terminal, `[-removed-]{+added+}` otherwise
/// (git's `--word-diff=plain` markers).
pub fn word_diff(on: bool, pieces: &[Piece]) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Same(t) => out.push_str(t),
            Piece::Removed(t) if on => out.push_str(&paint(true, Paint::Red, &format!("[-{t}-]"))),
            Piece::Added(t) if on => {
                out.push_str(&paint(true, Paint::Green, &format!("{{+{t}+}}")))
            }
            Piece::Removed(t) => out.push_str(&format!("[-{t}-]")),
            Piece::Added(t) => out.push_str(&format!("{{+{t}+}}")),
        }
    }
    out
}

/// One JSON document on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Input(format!("cannot write JSON: {e}")))?;
    outln!("{text}")
}

/// A path `--json` will show, checked before the command acts: JSON holds
/// text, so a path that is not UTF-8 is refused with nothing done rather
/// than shown altered or found unprintable once the work is done.
pub fn json_path(path: &Path) -> Result<String, Failure> {
    path.to_str().map(str::to_string).ok_or_else(|| {
        Failure::Input(format!(
            "{}: not UTF-8, which --json cannot show; run without --json",
            charter::crypto::input::echo_path(path)
        ))
    })
}

/// Columns padded to their widest cell, by display width: a CJK character
/// takes two columns, a combining mark none.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[c].saturating_sub(cell.width());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// How long the `CHARTER_ASKPASS` program may take (a person may be
/// typing); `CHARTER_ASKPASS_TIMEOUT` (seconds) changes it.
const ASKPASS_TIMEOUT: Duration = Duration::from_secs(120);

/// The most a `CHARTER_ASKPASS` program may print: a passphrase is a line.
const ASKPASS_OUTPUT: usize = 64 * 1024;

/// Asks for an encrypted key's passphrase: through `CHARTER_ASKPASS` (a
/// program that prints it, as `SSH_ASKPASS`), else on the terminal.
pub fn passphrase(key: &Path) -> Result<String, KeyError> {
    let prompt = format!("Enter passphrase for {}: ", key.display());
    if let Some(program) = std::env::var_os("CHARTER_ASKPASS").filter(|v| !v.is_empty()) {
        let origin = Path::new(&program).display().to_string();
        let limits = exec::Limits {
            time: exec::time_limit("CHARTER_ASKPASS_TIMEOUT", ASKPASS_TIMEOUT)
                .map_err(|m| KeyError::key(key.display().to_string(), m))?,
            output: ASKPASS_OUTPUT,
        };
        let out = exec::run(Command::new(&program).arg(&prompt), limits).map_err(|e| match e {
            exec::ExecError::TimedOut(_) => KeyError::key(
                &origin,
                format!("CHARTER_ASKPASS: {e} (CHARTER_ASKPASS_TIMEOUT sets the limit in seconds)"),
            ),
            e => KeyError::key(&origin, format!("CHARTER_ASKPASS: {e}")),
        })?;
        if !out.status.success() {
            return Err(KeyError::key(
                key.display().to_string(),
                "CHARTER_ASKPASS gave no passphrase",
            ));
        }
        let text = String::from_utf8(out.stdout)
            .map_err(|_| KeyError::key("CHARTER_ASKPASS output", "not valid UTF-8"))?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_string());
    }
    rpassword::prompt_password(prompt).map_err(|_| {
        KeyError::key(
            key.display().to_string(),
            "the key is encrypted and no terminal is available for its passphrase (set CHARTER_ASKPASS)",
        )
    })
}
