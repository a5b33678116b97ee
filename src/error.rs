//! The library's errors. Each names the file or id concerned and says what is
//! wrong, so the command line can print it as one line.

use std::path::PathBuf;

use crate::rules::RuleError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {kind} id '{id}': {why}")]
    InvalidId {
        kind: &'static str,
        id: String,
        why: String,
    },
    #[error("CHARTER_NOW is not an RFC 3339 date-time: '{0}'")]
    BadClock(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: not valid UTF-8")]
    NotUtf8 { path: String },
    #[error("{path}: larger than the limit of {limit} bytes")]
    TooLarge { path: String, limit: usize },
    #[error("{path}: symbolic links are not allowed in a governance repository")]
    Symlink { path: String },
    #[error("{path}: {message}")]
    Key { path: String, message: String },
    #[error("{path}: weak (small-order) ed25519 public key refused")]
    WeakKey { path: String },
    #[error("no key given: use --key PATH, CHARTER_KEY or git config charter.key")]
    NoKey,
    #[error("key {fingerprint} is not the key of any member of {group}")]
    NotAMember { fingerprint: String, group: String },
    #[error("{}: not a governance repository (no governance.toml at HEAD)", path.display())]
    NotAGroup { path: PathBuf },
    #[error("{}: already exists", path.display())]
    Exists { path: PathBuf },
    #[error("{}: another charter command is running in this repository (remove the lock if it is stale)", path.display())]
    Locked { path: PathBuf },
    #[error("no proposal matches '{0}' (see charter status)")]
    UnknownProposal(String),
    #[error("'{prefix}' matches several proposals: {}", matches.join(", "))]
    AmbiguousProposal {
        prefix: String,
        matches: Vec<String>,
    },
    #[error("{path}: a proposal of kind {kind} may not change {target}")]
    KindPath {
        path: String,
        kind: &'static str,
        target: String,
    },
    #[error("{}: a shallow clone cannot be verified: fetch the whole history (git fetch --unshallow)", path.display())]
    Shallow { path: PathBuf },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

impl Error {
    pub fn parse(path: impl Into<String>, message: impl ToString) -> Self {
        Error::Parse {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub fn key(path: impl Into<String>, message: impl ToString) -> Self {
        Error::Key {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Reads a TOML document, refusing unknown fields (the types say
/// `deny_unknown_fields`) with the file named in the message.
pub fn from_toml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| Error::parse(path, one_line(&e.to_string())))
}

/// TOML's messages span several lines with a source excerpt; keep the gist.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim).collect();
    let location = lines.first().copied().unwrap_or_default();
    let gist = lines
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with('|') && !l.contains(" | "))
        .copied()
        .unwrap_or(location);
    if gist == location {
        gist.to_string()
    } else {
        format!("{} ({})", gist, location.trim_end_matches(':'))
    }
}

pub fn to_toml<T: serde::Serialize>(value: &T) -> Result<String> {
    toml::to_string(value).map_err(|e| Error::Usage(format!("cannot write TOML: {e}")))
}
