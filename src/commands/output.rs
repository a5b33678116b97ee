//! Printing helpers: colour only on a terminal and never with `NO_COLOR`,
//! JSON as one document, passphrase prompts on the terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::process::Command;

use charter::diff::Piece;
use charter::Error;

pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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

pub fn json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// A JSON field as text, and a JSON list of strings joined with ", ".
pub fn field(v: &serde_json::Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

pub fn joined(v: &serde_json::Value, key: &str) -> String {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Columns padded to their widest cell.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
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
                let pad = widths[c].saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Asks for an encrypted key's passphrase: through `CHARTER_ASKPASS` (a
/// program that prints it, as `SSH_ASKPASS`), else on the terminal.
pub fn passphrase(key: &Path) -> Result<String, Error> {
    let prompt = format!("Enter passphrase for {}: ", key.display());
    if let Some(program) = std::env::var_os("CHARTER_ASKPASS").filter(|v| !v.is_empty()) {
        let out = Command::new(&program)
            .arg(&prompt)
            .output()
            .map_err(|e| Error::io(Path::new(&program), e))?;
        if !out.status.success() {
            return Err(Error::key(
                key.display().to_string(),
                "CHARTER_ASKPASS gave no passphrase",
            ));
        }
        let text = String::from_utf8(out.stdout).map_err(|_| Error::NotUtf8 {
            path: "CHARTER_ASKPASS output".into(),
        })?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_string());
    }
    rpassword::prompt_password(prompt).map_err(|_| {
        Error::key(
            key.display().to_string(),
            "the key is encrypted and no terminal is available for its passphrase (set CHARTER_ASKPASS)",
        )
    })
}
