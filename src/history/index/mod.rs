//! The index of decisions: which commit of HEAD's first-parent line
//! finalized which proposal, with what `log`, `report` and `status` show
//! of it, and the commit times along that line for `diff DATE`. Reading
//! commands answer from it instead of walking the whole history each time.
//!
//! It is a cache in the clone (`.git/charter/index/`), keyed by the trust
//! root and the tip it covers. When HEAD moved on, it is extended from that
//! tip (only the new first-parent commits are read, comparing subtree ids);
//! when the tip is no longer on HEAD's line it resumes from the newest of
//! its checkpoints that is; when the file is missing, unreadable, altered
//! or another root's, it is rebuilt from history. Nothing read from the
//! file is believed before it is checked: its checksum, its root, its tip
//! on HEAD's line, and every decision's proposal folder against HEAD's
//! tree. A clone that cannot be written still answers: the index is then
//! built in memory and not saved.

mod closed;
mod decided;
mod file;
mod walk;

pub use closed::{Closed, ClosedFolders};
pub use decided::{Decided, Facts, Gist, Signatory};

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use crate::history::diff::Changes;
use crate::model::clock::Timestamp;
use crate::model::error::Result;
use crate::model::id::ProposalId;
use crate::model::proposal::ROOT;
use crate::store::repo::Repo;
use crate::store::Oid;

/// Commits per checkpoint of the first-parent line: `diff DATE` reads at
/// most this many commits of each stretch it cannot skip.
const STRETCH: u64 = 256;

/// The end of a stretch of [`STRETCH`] commits of the line, and the
/// earliest commit time in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Checkpoint {
    at: u64,
    #[serde(with = "file::oid")]
    commit: Oid,
    earliest: i64,
}

/// The index of HEAD's first-parent line (see the module's comment).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    #[serde(with = "file::oid")]
    root: Oid,
    /// The newest commit covered, and how many commits the line has to it.
    #[serde(with = "file::opt_oid")]
    tip: Option<Oid>,
    len: u64,
    /// The earliest commit time after the last checkpoint.
    tail_earliest: Option<i64>,
    /// A decision was ever removed or its folder changed afterwards, which
    /// no history that verifies does: the index then never resumes from a
    /// checkpoint, whose state it no longer knows.
    irregular: bool,
    checkpoints: Vec<Checkpoint>,
    decisions: Vec<Decided>,
    /// Signatures read while extending, not saved yet: folder → (year of
    /// the decision, signatures).
    #[serde(skip)]
    fresh: BTreeMap<Oid, (Option<i32>, Vec<Signatory>)>,
    /// Built from nothing by this process: saving replaces every file.
    #[serde(skip)]
    rebuilt: bool,
    #[serde(skip)]
    decided: HashSet<ProposalId>,
    /// HEAD's proposal folders by name, as listed to check the index.
    #[serde(skip)]
    head: HashMap<String, Oid>,
}

impl Index {
    fn empty(root: Oid) -> Self {
        Index {
            root,
            tip: None,
            len: 0,
            tail_earliest: None,
            irregular: false,
            checkpoints: Vec::new(),
            decisions: Vec::new(),
            fresh: BTreeMap::new(),
            rebuilt: true,
            decided: HashSet::new(),
            head: HashMap::new(),
        }
    }

    /// The index of `head`'s first-parent line: the clone's, checked and
    /// brought up to `head`, else rebuilt; saved when it changed (if the
    /// clone can be written and no other command holds its lock).
    pub fn of(repo: &Repo, head: Oid) -> Result<Self> {
        let root = repo.root()?;
        let stored = file::load(repo).filter(|i: &Index| i.root == root && i.is_well_formed());
        let mut index = match stored {
            Some(mut i) => {
                i.decided = i.decisions.iter().map(|d| d.id.clone()).collect();
                i
            }
            None => Index::empty(root),
        };
        let mut changed = walk::bring_to(&mut index, repo, head)?;
        let folders = folders_of(repo, head)?;
        if !index.agrees_with(&folders) {
            index = Index::empty(root);
            walk::bring_to(&mut index, repo, head)?;
            changed = true;
        }
        index.head = folders;
        if changed {
            if let Some(_lock) = repo.try_lock() {
                // A cache: a clone that cannot be written still answers.
                let _ = file::save(repo, &index);
            }
        }
        Ok(index)
    }

    /// Every decision on the line, oldest first.
    pub fn decisions(&self) -> &[Decided] {
        &self.decisions
    }

    /// Has proposal `id` a decision in HEAD, which it covers?
    pub fn is_decided(&self, id: &ProposalId) -> bool {
        self.decided.contains(id)
    }

    /// The word differences of the amendments of `year` the clone has
    /// kept, by proposal folder: a folder's content (the texts proposed
    /// and the ids of the texts they change) fixes them, as it fixes the
    /// signatures below. One missing here is computed by the caller.
    pub fn diffs(repo: &Repo, year: i32) -> HashMap<Oid, Changes> {
        file::load_diffs(repo, year)
    }

    /// Keeps the differences of a report of `year`, when the clone can be
    /// written (a clone that cannot still answers).
    pub fn keep_diffs(repo: &Repo, year: i32, diffs: &HashMap<Oid, Changes>) {
        let _ = file::save_diffs(repo, year, diffs);
    }

    /// The signatures of the decisions of `year` the clone has kept, by
    /// folder; a decision missing here is read from HEAD by the caller.
    pub fn signatories(&self, repo: &Repo, year: i32) -> HashMap<Oid, Vec<Signatory>> {
        let mut out = file::load_signatories(repo, year).unwrap_or_default();
        for (folder, (y, signatures)) in &self.fresh {
            if *y == Some(year) {
                out.insert(*folder, signatures.clone());
            }
        }
        out
    }

    /// The newest commit of the line made at or before `when`. Stretches
    /// whose earliest commit is later are skipped unread.
    pub fn at_time(&self, repo: &Repo, when: &Timestamp) -> Result<Option<Oid>> {
        let Some(tip) = self.tip else {
            return Ok(None);
        };
        let secs = when.timestamp();
        let tail = self.len - self.checkpoints.len() as u64 * STRETCH;
        let stretches = std::iter::once((tip, tail, self.tail_earliest)).chain(
            self.checkpoints
                .iter()
                .rev()
                .map(|c| (c.commit, STRETCH, Some(c.earliest))),
        );
        for (end, count, earliest) in stretches {
            if earliest.is_none_or(|e| e > secs) {
                continue;
            }
            let mut commit = Some(end);
            for _ in 0..count {
                let Some(id) = commit else { break };
                let link = repo.link(id)?;
                if DateTime::from_timestamp(link.time, 0).is_some_and(|t| t <= *when) {
                    return Ok(Some(id));
                }
                commit = link.parent;
            }
        }
        Ok(None)
    }

    /// The shape every index this code writes has; anything else came from
    /// elsewhere.
    fn is_well_formed(&self) -> bool {
        let stretches = self.len / STRETCH;
        let checkpoints_fit = self.checkpoints.len() as u64 == stretches
            && self
                .checkpoints
                .iter()
                .zip(1..)
                .all(|(c, n)| c.at == n * STRETCH - 1);
        let ordered = self.decisions.windows(2).all(|w| w[0].at <= w[1].at)
            && self.decisions.iter().all(|d| d.at < self.len);
        let unique = self
            .decisions
            .iter()
            .map(|d| &d.id)
            .collect::<HashSet<_>>()
            .len()
            == self.decisions.len();
        checkpoints_fit && ordered && unique && (self.tip.is_some() == (self.len > 0))
    }

    /// Does every decision name a proposal whose folder HEAD holds as the
    /// index read it? Checked on every use: it costs one listing of each
    /// year's proposals, and binds what is shown to the repository.
    fn agrees_with(&self, folders: &HashMap<String, Oid>) -> bool {
        self.decisions
            .iter()
            .all(|d| folders.get(d.id.as_str()) == Some(&d.folder))
    }

    /// HEAD's folder of proposal `id`, if it has one.
    pub fn folder(&self, id: &ProposalId) -> Option<Oid> {
        self.head.get(id.as_str()).copied()
    }
}

/// Every proposal folder of `head`, by name: one listing of each year.
fn folders_of(repo: &Repo, head: Oid) -> Result<HashMap<String, Oid>> {
    let snapshot = repo.snapshot(head)?;
    let mut out = HashMap::new();
    let Some(root) = snapshot.id(ROOT) else {
        return Ok(out);
    };
    for year in repo.tree_entries(root)?.into_iter().filter(|e| e.is_dir) {
        for e in repo.tree_entries(year.id)? {
            if e.is_dir {
                out.insert(e.name, e.id);
            }
        }
    }
    Ok(out)
}
