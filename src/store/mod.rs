//! The git repository: the only code that names `git2`. Reads commits and
//! trees (a [`snapshot::Snapshot`] is a tree the model reads through
//! [`crate::model::tree::Tree`]), writes signed commits, keeps the clone's
//! own state under `.git/charter/` and the lock that serialises acts.

pub mod graph;
pub mod journal;
pub mod lock;
mod owner;
pub mod repo;
pub mod snapshot;
mod tree_diff;
pub mod view;

pub use git2::Oid;

use crate::model::error::Error;

/// git's failures are the repository's, not the user's.
impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        Error::Git(Box::new(e))
    }
}

/// An optional commit id as its hex text, for `Serialize` views.
pub fn serialize_oid<S: serde::Serializer>(
    oid: &Option<Oid>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match oid {
        Some(oid) => s.collect_str(oid),
        None => s.serialize_none(),
    }
}
