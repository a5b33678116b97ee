//! Bringing the index up to HEAD: walking the new commits of the
//! first-parent line, each compared with its parent by subtree ids
//! (`proposals` → year → proposal folder → `decision.toml`), never by a
//! diff of whole trees.

use std::collections::HashMap;
use std::rc::Rc;

use super::{Checkpoint, Decided, Facts, Index, Signatory, STRETCH};
use crate::model::error::Result;
use crate::model::id::ProposalId;
use crate::model::proposal::{Proposal, DECISION, ROOT};
use crate::store::graph::Link;
use crate::store::repo::Repo;
use crate::store::snapshot::Entry;
use crate::store::Oid;

/// Brings `index` to `head`: extended from its tip when that tip is on
/// `head`'s first-parent line, resumed from the newest checkpoint that is,
/// else rebuilt. True when anything changed.
pub(super) fn bring_to(index: &mut Index, repo: &Repo, head: Oid) -> Result<bool> {
    if index.tip == Some(head) {
        return Ok(false);
    }
    // Commits of the line this index knows the state after, by position.
    let mut known: HashMap<Oid, u64> = HashMap::new();
    if let Some(tip) = index.tip {
        known.insert(tip, index.len - 1);
    }
    if !index.irregular {
        known.extend(index.checkpoints.iter().map(|c| (c.commit, c.at)));
    }
    let mut new = Vec::new();
    let mut commit = Some(head);
    let mut resume = None;
    while let Some(id) = commit {
        if let Some(at) = known.get(&id) {
            resume = Some((id, *at));
            break;
        }
        let link = repo.link(id)?;
        commit = link.parent;
        new.push((id, link));
    }
    match resume {
        Some((id, _)) if Some(id) == index.tip => {}
        Some((id, at)) => truncate(index, id, at),
        None => *index = Index::empty(index.root),
    }
    new.reverse();
    extend(index, repo, &new)?;
    Ok(true)
}

/// Forgets what the index learnt after checkpoint `commit` at `at`.
fn truncate(index: &mut Index, commit: Oid, at: u64) {
    index.decisions.retain(|d| d.at <= at);
    index.decided = index.decisions.iter().map(|d| d.id.clone()).collect();
    index.checkpoints.retain(|c| c.at <= at);
    index.tip = Some(commit);
    index.len = at + 1;
    index.tail_earliest = None;
}

/// Adds `new`, commits of the line following the index's tip, oldest
/// first.
fn extend(index: &mut Index, repo: &Repo, new: &[(Oid, Link)]) -> Result<()> {
    let mut listings = Listings::default();
    let mut before = match new.first().and_then(|(_, l)| l.parent) {
        Some(parent) => Some(repo.link(parent)?.tree),
        None => None,
    };
    for (id, link) in new {
        let at = index.len;
        step(index, repo, &mut listings, before, link.tree, *id, at)?;
        index.len += 1;
        index.tip = Some(*id);
        let earliest = index.tail_earliest.map_or(link.time, |e| e.min(link.time));
        if index.len.is_multiple_of(STRETCH) {
            index.checkpoints.push(Checkpoint {
                at,
                commit: *id,
                earliest,
            });
            index.tail_earliest = None;
        } else {
            index.tail_earliest = Some(earliest);
        }
        before = Some(link.tree);
    }
    Ok(())
}

/// One commit `commit` at `at`, from tree `before` (none for the first)
/// to tree `after`: a proposal folder whose `decision.toml` appears is a
/// new decision.
fn step(
    index: &mut Index,
    repo: &Repo,
    listings: &mut Listings,
    before: Option<Oid>,
    after: Oid,
    commit: Oid,
    at: u64,
) -> Result<()> {
    let old = match before {
        Some(tree) => listings.child(repo, tree, ROOT)?,
        None => None,
    };
    let new = listings.child(repo, after, ROOT)?;
    if old == new {
        return Ok(());
    }
    let (old_years, new_years) = (listings.get(repo, old)?, listings.get(repo, new)?);
    for (year, y0, y1) in changed(&old_years, &new_years) {
        let (a, b) = (listings.get(repo, y0)?, listings.get(repo, y1)?);
        for (name, _, folder) in changed(&a, &b) {
            let Ok(id) = name.parse::<ProposalId>() else {
                continue;
            };
            if id.year().to_string() != year {
                continue;
            }
            let has = match folder {
                Some(f) => listings
                    .get(repo, Some(f))?
                    .iter()
                    .any(|e| e.name == DECISION && !e.is_dir),
                None => false,
            };
            record(index, repo, after, id, folder.filter(|_| has), commit, at)?;
        }
    }
    Ok(())
}

/// What one changed proposal folder means for the index: `folder` is its
/// folder when it holds a decision.
fn record(
    index: &mut Index,
    repo: &Repo,
    tree: Oid,
    id: ProposalId,
    folder: Option<Oid>,
    commit: Oid,
    at: u64,
) -> Result<()> {
    let had = index.decided.contains(&id);
    match (had, folder) {
        (false, Some(folder)) => {
            let facts = read(index, repo, tree, &id, folder)?;
            index.decided.insert(id.clone());
            index
                .decisions
                .push(Decided::new(id, commit, at, folder, facts));
        }
        (true, Some(folder)) => {
            // Records added to a decided proposal: not in a history that
            // verifies, but the listings show what HEAD holds.
            let facts = read(index, repo, tree, &id, folder)?;
            index.irregular = true;
            if let Some(d) = index.decisions.iter_mut().find(|d| d.id == id) {
                d.folder = folder;
                d.set(facts);
            }
        }
        (true, None) => {
            index.irregular = true;
            index.decisions.retain(|d| d.id != id);
            index.decided.remove(&id);
        }
        (false, None) => {}
    }
    Ok(())
}

/// The facts of proposal `id` as tree `tree` holds it, keeping its
/// signatures for the clone's files; `None` when it does not read.
fn read(
    index: &mut Index,
    repo: &Repo,
    tree: Oid,
    id: &ProposalId,
    folder: Oid,
) -> Result<Option<Facts>> {
    let snapshot = repo.tree_snapshot(tree)?;
    let Ok(p) = Proposal::load(&snapshot, id) else {
        return Ok(None);
    };
    let facts = Facts::of(&p);
    index
        .fresh
        .insert(folder, (facts.year(), Signatory::all_of(&p)));
    Ok(Some(facts))
}

/// The folders that differ between two listings, by name, in name order:
/// (name, before, after), a side `None` when the folder is not there.
/// The index looks at nothing but folders.
fn changed<'a>(old: &'a [Entry], new: &'a [Entry]) -> Vec<(&'a str, Option<Oid>, Option<Oid>)> {
    let folders = |list: &'a [Entry]| {
        let mut out: Vec<(&'a str, Oid)> = list
            .iter()
            .filter(|e| e.is_dir)
            .map(|e| (e.name.as_str(), e.id))
            .collect();
        // Already in order as git stores folders; sorting makes sure.
        out.sort_by(|x, y| x.0.cmp(y.0));
        out
    };
    let (a, b) = (folders(old), folders(new));
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                if x.1 != y.1 {
                    out.push((x.0, Some(x.1), Some(y.1)));
                }
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push((x.0, Some(x.1), None));
                i += 1;
            }
            (Some(x), None) => {
                out.push((x.0, Some(x.1), None));
                i += 1;
            }
            (_, Some(y)) => {
                out.push((y.0, None, Some(y.1)));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Tree listings read during one walk: each step reads what the one
/// before it listed as its new side.
#[derive(Default)]
struct Listings {
    trees: HashMap<Oid, Rc<Vec<Entry>>>,
}

impl Listings {
    /// The listing of `tree` (empty for none).
    fn get(&mut self, repo: &Repo, tree: Option<Oid>) -> Result<Rc<Vec<Entry>>> {
        let Some(tree) = tree else {
            return Ok(Rc::default());
        };
        if let Some(list) = self.trees.get(&tree) {
            return Ok(list.clone());
        }
        // Only the last few steps' listings are ever asked for again.
        if self.trees.len() > 64 {
            self.trees.clear();
        }
        let list = Rc::new(repo.tree_entries(tree)?);
        self.trees.insert(tree, list.clone());
        Ok(list)
    }

    /// The folder `name` of tree `tree`, if any.
    fn child(&mut self, repo: &Repo, tree: Oid, name: &str) -> Result<Option<Oid>> {
        Ok(self
            .get(repo, Some(tree))?
            .iter()
            .find(|e| e.name == name && e.is_dir)
            .map(|e| e.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, id: u8, is_dir: bool) -> Entry {
        Entry {
            name: name.into(),
            is_dir,
            id: Oid::from_bytes(&[id; 20]).unwrap(),
        }
    }

    #[test]
    fn only_folders_that_differ_are_changed_in_name_order() {
        let id = |n: u8| Some(Oid::from_bytes(&[n; 20]).unwrap());
        let old = [
            entry("2024", 1, true),
            entry("2025", 2, true),
            entry("2026", 3, true),
            entry("notes", 9, false),
        ];
        let new = [
            entry("2023", 4, true),
            entry("2025", 2, true),
            entry("2026", 5, true),
            entry("notes", 8, false),
        ];
        assert_eq!(
            changed(&old, &new),
            [
                ("2023", None, id(4)),
                ("2024", id(1), None),
                ("2026", id(3), id(5))
            ]
        );
        assert!(changed(&new, &new).is_empty());
    }
}
