//! What `status` learnt of proposals that can never be open again, kept
//! beside the index (`index/closed`) by proposal folder: a folder is a
//! tree id, so what is learnt of it holds as long as HEAD has that folder.
//! A federation has a hundred such proposals (withdrawn, expired) that
//! `status` would otherwise read at every run to find the few open ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{file, Index};
use crate::model::clock::{self, Timestamp};
use crate::store::repo::Repo;
use crate::store::Oid;

const CLOSED: &str = "index/closed";

/// An undecided proposal folder, as it stands for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    /// Its deadline (`proposal.toml`).
    pub deadline: Option<String>,
    /// Its proposer withdrew it.
    pub withdrawn: bool,
}

impl Closed {
    /// Is a proposal with this folder closed at `now`?
    pub fn at(&self, now: &Timestamp) -> bool {
        let past = |d: &String| clock::parse_timestamp(d).is_ok_and(|d| *now > d);
        self.withdrawn || self.deadline.as_ref().is_some_and(past)
    }
}

/// Closed folders learnt, by folder, and the ones learnt since loading.
#[derive(Default)]
pub struct ClosedFolders {
    known: BTreeMap<String, Closed>,
    learnt: bool,
}

impl Index {
    /// What the clone has learnt of closed proposal folders.
    pub fn closed(&self, repo: &Repo) -> ClosedFolders {
        ClosedFolders {
            known: file::read(repo, CLOSED).unwrap_or_default(),
            learnt: false,
        }
    }
}

impl ClosedFolders {
    /// What is known of proposal folder `folder`.
    pub fn get(&self, folder: Option<Oid>) -> Option<&Closed> {
        self.known.get(&folder?.to_string())
    }

    /// Remembers that proposal folder `folder` is closed so.
    pub fn learn(&mut self, folder: Option<Oid>, closed: Closed) {
        if let Some(folder) = folder {
            self.learnt |= self.known.insert(folder.to_string(), closed).is_none();
        }
    }

    /// Saves what was learnt, if anything, when no other command holds the
    /// clone's lock: a cache, which a clone that cannot be written goes
    /// without.
    pub fn save(&self, repo: &Repo) {
        if self.learnt {
            if let Some(_lock) = repo.try_lock() {
                let _ = file::write(repo, CLOSED, &self.known);
            }
        }
    }
}
