//! The library's errors. Each names the file or id concerned and says what is
//! wrong, so the command line can print it as one line; [`Error::kind`] says
//! whose the fault is, which decides the exit status.

use std::path::PathBuf;

use crate::crypto::input::{echo, echo_path, ReadError};
use crate::crypto::key::KeyError;
use crate::model::refusal::RuleError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {kind} id '{}': {why}", echo(id))]
    InvalidId {
        kind: &'static str,
        id: String,
        why: String,
    },
    #[error("CHARTER_NOW must be an RFC 3339 date-time from {} to {}: '{}'", crate::model::clock::EARLIEST, crate::model::clock::LATEST, echo(.0))]
    BadClock(String),
    /// A file the user named could not be read or written.
    #[error("{}: {source}", echo_path(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file the user named is not a regular file, or is too large.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A file of the record (or given as input) is not what it must be.
    #[error("{}: {problem}", echo_path(path))]
    File { path: String, problem: Problem },
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A security key's attestation file that cannot be read as one.
    #[error(transparent)]
    Attestation(#[from] crate::crypto::attestation::ReadAttestationError),
    #[error("no key given: use --key PATH, CHARTER_KEY or git config charter.key")]
    NoKey,
    #[error("key {fingerprint} is not the key of any member of {}", echo(group))]
    NotAMember { fingerprint: String, group: String },
    /// A key that was a member's: rotated, replaced, or of one who left.
    #[error("key {fingerprint} was {member}'s until {until}; {}", match now {
        Some(now) => format!("{member} now signs with {now}"),
        None => format!("{member} is no longer a member"),
    })]
    PastKey {
        fingerprint: String,
        member: String,
        until: String,
        /// The fingerprint of the member's key in force.
        now: Option<String>,
    },
    #[error(
        "{}: not a governance repository (no governance.toml at HEAD)",
        echo_path(path)
    )]
    NotAGroup { path: PathBuf },
    /// git refuses to open a repository another user owns (git's
    /// `safe.directory` check, CVE-2022-24765).
    #[error("{}: git refuses to open this repository because another user owns it; if you trust it: git config --global --add safe.directory {}", echo_path(path), echo_path(path))]
    NotOwned { path: PathBuf },
    #[error("{}: already exists", echo_path(path))]
    Exists { path: PathBuf },
    #[error(
        "{}: another charter command is still running in this repository",
        echo_path(path)
    )]
    Locked { path: PathBuf },
    /// A move of the branch would overwrite files changed by hand.
    #[error("local changes to {} would be overwritten: commit, move or restore them first (git status)", paths.join(", "))]
    LocalChanges { paths: Vec<String> },
    /// The act is recorded, but the work tree could not follow it.
    #[error("the act is recorded, but the work tree and index could not be updated ({0}); the next charter command finishes it")]
    WorkTree(String),
    /// HEAD's history breaks a rule: nothing is done on top of it.
    #[error("{0}")]
    Unverified(String),
    #[error("no proposal matches '{}' (see charter status)", echo(.0))]
    UnknownProposal(String),
    /// Not the shape of a proposal id or of its beginning: a proposal is
    /// named by its id, or by its year and number and perhaps the start of
    /// its words.
    #[error("'{}' does not name a proposal: give its id, or its year and number as in 2026-001 (see charter status)", echo(.0))]
    ProposalReference(String),
    #[error("'{}' matches several proposals: {}", echo(prefix), matches.join(", "))]
    AmbiguousProposal {
        prefix: String,
        matches: Vec<String>,
    },
    #[error(
        "{}: a shallow clone cannot be verified: fetch the whole history (git fetch --unshallow)",
        echo_path(path)
    )]
    Shallow { path: PathBuf },
    /// A value given on the command line or in a file is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The rules refuse the act in the state the record is in.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The repository or the machine failed: not the user's doing.
    #[error("git: {0}")]
    Git(Box<dyn std::error::Error + Send + Sync>),
    #[error("{0}")]
    Internal(String),
}

/// What is wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("{0}")]
    Parse(String),
    #[error("{message} (line {line}, column {column})")]
    Toml {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("not valid UTF-8")]
    NotUtf8,
    #[error("larger than the limit of {0} bytes")]
    TooLarge(usize),
    #[error("symbolic links are not allowed in a governance repository")]
    Symlink,
    /// A proposal carrying a file its kind (and principle or language)
    /// does not: `rule` says what it may carry.
    #[error("a proposal of kind {kind} may not {verb} {target}: {rule}")]
    KindPath {
        kind: &'static str,
        /// `change`, `remove` or `carry`.
        verb: &'static str,
        target: String,
        rule: String,
    },
}

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: a flag, a value, a file, a key, a repository that is not one.
    Input,
    /// The rules or the process refuse the act as the record stands.
    Refused,
    /// git or the machine failed.
    Internal,
    /// The history at HEAD does not verify.
    Verification,
}

impl Error {
    pub fn parse(path: impl Into<String>, message: impl ToString) -> Self {
        Self::file(path, Problem::Parse(message.to_string()))
    }

    pub fn file(path: impl Into<String>, problem: Problem) -> Self {
        Error::File {
            path: path.into(),
            problem,
        }
    }

    pub fn key(path: impl Into<String>, message: impl ToString) -> Self {
        Error::Key(KeyError::key(path, message))
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Rule(_) | Error::NotAMember { .. } | Error::PastKey { .. } => ErrorKind::Refused,
            Error::Git(_) | Error::Internal(_) | Error::WorkTree(_) => ErrorKind::Internal,
            Error::Unverified(_) => ErrorKind::Verification,
            _ => ErrorKind::Input,
        }
    }
}

/// Reads a TOML document, refusing unknown fields (the types say
/// `deny_unknown_fields`), with the parser's own message and position.
pub fn from_toml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        Error::file(
            path,
            Problem::Toml {
                message: e.message().trim_end().to_string(),
                line,
                column,
            },
        )
    })
}

/// One-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

pub fn to_toml<T: serde::Serialize>(value: &T) -> Result<String> {
    toml::to_string(value).map_err(|e| Error::Internal(format!("cannot write TOML: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
    }

    #[test]
    fn toml_errors_keep_the_parsers_message_and_position() {
        let e = from_toml::<Doc>("governance.toml", "name = \"x\"\nextra = 1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "governance.toml: unknown field `extra`, expected `name` (line 2, column 1)"
        );
    }
}
