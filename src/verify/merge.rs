//! Merges: what the other parent brings, judged at the merge on the state
//! the first parent left, and the merge's tree exactly what that makes.

use std::collections::BTreeSet;

use super::{malformed, violation, Rule, Violation, Walker};
use crate::model::clock;
use crate::model::error::Error;
use crate::model::governance;
use crate::model::id::ProposalId;
use crate::model::proposal::{self, Proposal};
use crate::rules::finalization;
use crate::store::graph::{CommitInfo, Status};
use crate::store::Oid;

impl Walker<'_> {
    /// A merge brings the records its other parent added, in the order that
    /// history added them; each is judged at the merge, on the state the
    /// first parent left, as if made there. The merge must then be exactly
    /// that state: every signed record of both histories, and the governed
    /// files as the decisions brought in make them.
    pub(super) fn merge(
        &mut self,
        oid: Oid,
        commit: &CommitInfo,
    ) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let (p1, p2) = (
            self.repo.commit_info(commit.parents[0]).map_err(internal)?,
            self.repo.commit_info(commit.parents[1]).map_err(internal)?,
        );
        self.merge_onto(oid, &p1, &p2, commit.tree)
    }

    /// If `oid` is the merge where `verified`, a commit this clone verified
    /// before, enters the first-parent line as a second parent, the merge
    /// must also hold the other way round: what this clone accepted first,
    /// then what the line brings. Else the order of a history already
    /// verified could be rewritten by merging it into an old branch. True
    /// once that merge is judged.
    pub(super) fn keeps_order(
        &mut self,
        oid: Oid,
        verified: Oid,
    ) -> std::result::Result<bool, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let commit = self.repo.commit_info(oid).map_err(internal)?;
        let holds = |c: Oid| self.repo.holds(c, verified);
        // Only a merge can bring in a commit that is not on the line.
        let [p1, p2] = commit.parents[..] else {
            return Ok(false);
        };
        if holds(p1) {
            return Ok(true);
        }
        if !holds(p2) {
            return Ok(false);
        }
        let p1 = self.repo.commit_info(p1).map_err(internal)?;
        let p2 = self.repo.commit_info(p2).map_err(internal)?;
        // What was queued before is judged in its own order; what the
        // swapped judgment queues, as part of it.
        self.settled(oid)?;
        let counted = self.summary.clone();
        let swapped = self
            .merge_onto(oid, &p2, &p1, commit.tree)
            .and_then(|()| self.settled(oid));
        self.summary = counted;
        swapped.map(|()| true).map_err(|v| Violation {
            message: format!(
                "{} (judged after {}, verified here before: a merge cannot reorder a history already verified)",
                v.message,
                &verified.to_string()[..12]
            ),
            ..v
        })
    }

    /// The records `second` brings, judged on top of `first`; the merge
    /// must then hold exactly tree `tm`.
    pub(super) fn merge_onto(
        &mut self,
        oid: Oid,
        p1: &CommitInfo,
        p2: &CommitInfo,
        tm: Oid,
    ) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let t1 = p1.tree;
        self.carried(oid, t1, p2.tree, tm)?;
        let mut state = t1;
        for group in self.brought(oid, p1.id, p2.id, t1, tm)? {
            let next = self.bring(oid, state, &group, tm)?;
            self.step(oid, state, next)?;
            state = next;
        }
        if state == tm {
            return Ok(());
        }
        // What the merge holds that no step explains.
        let path = self
            .repo
            .tree_changes(Some(state), tm, None)
            .map_err(internal)?
            .into_iter()
            .next()
            .and_then(|c| c.path)
            .unwrap_or_else(|| ".".to_string());
        let (rule, message) = if path.starts_with("proposals/") {
            (
                Rule::AppendOnly,
                "the merge changes a signed record neither history made",
            )
        } else if governance::is_governed(&path) {
            (
                Rule::GovernedChange,
                "the merge makes a change neither history made: no decision it brings changes it",
            )
        } else {
            (
                Rule::UnknownPath,
                "path not governed by the charter process",
            )
        };
        Err(violation(oid, path, rule, message))
    }

    /// Every signed file of both merged histories is carried unchanged: one
    /// proposal id has one content, and no record is dropped.
    pub(super) fn carried(
        &self,
        oid: Oid,
        t1: Oid,
        t2: Oid,
        tm: Oid,
    ) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let changes = self
            .repo
            .tree_changes(Some(t1), t2, Some(proposal::ROOT))
            .map_err(internal)?;
        for d in changes {
            let shown = d.path.clone().unwrap_or_else(|| "?".to_string());
            match d.status {
                Status::Deleted => {}
                Status::Added => {
                    let kept = self.repo.entry_id(tm, &shown).map_err(internal)?;
                    if kept != Some(d.id) {
                        return Err(violation(
                            oid,
                            shown,
                            Rule::AppendOnly,
                            "the merge drops or alters a signed record of the merged history",
                        ));
                    }
                }
                _ => {
                    return Err(violation(
                        oid,
                        shown,
                        Rule::AppendOnly,
                        "the merged histories hold two versions of this signed file: one proposal id has one content",
                    ))
                }
            }
        }
        Ok(())
    }

    /// The signed paths the merge adds to its first parent, grouped by the
    /// commit of the other history that added them, oldest first. A record
    /// no commit there added (the merge's own) is refused.
    pub(super) fn brought(
        &self,
        oid: Oid,
        p1: Oid,
        p2: Oid,
        t1: Oid,
        tm: Oid,
    ) -> std::result::Result<Vec<Vec<String>>, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let added = |from: Option<Oid>, to: Oid| -> std::result::Result<Vec<String>, Violation> {
            Ok(self
                .repo
                .tree_changes(from, to, Some(proposal::ROOT))
                .map_err(internal)?
                .into_iter()
                .filter(|d| d.status == Status::Added)
                .filter_map(|d| d.path)
                .collect())
        };
        let mut left: BTreeSet<String> = added(Some(t1), tm)?.into_iter().collect();
        let mut groups = Vec::new();
        for side in self
            .repo
            .commits_oldest_first(p2, Some(p1))
            .map_err(internal)?
        {
            if left.is_empty() {
                break;
            }
            let side = self.repo.commit_info(side).map_err(internal)?;
            let parent = match side.parents.first() {
                Some(p) => Some(self.repo.commit_info(*p).map_err(internal)?.tree),
                None => None,
            };
            let group: Vec<String> = added(parent, side.tree)?
                .into_iter()
                .filter(|p| left.remove(p))
                .collect();
            if !group.is_empty() {
                groups.push(group);
            }
        }
        if let Some(path) = left.into_iter().next() {
            return Err(violation(
                oid,
                path,
                Rule::AppendOnly,
                "a signed record neither merged history holds: a merge only brings records",
            ));
        }
        Ok(groups)
    }

    /// The state after one group of brought records: `state` with them
    /// added, and, if they bring a decision, its effect as it applies here.
    /// A decision that cannot take effect here adds no effect: the step
    /// then names why.
    pub(super) fn bring(
        &mut self,
        oid: Oid,
        state: Oid,
        group: &[String],
        tm: Oid,
    ) -> std::result::Result<Oid, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let mut put = Vec::new();
        for path in group {
            let id = self.repo.entry_id(tm, path).map_err(internal)?;
            let id = id.ok_or_else(|| violation(oid, path.clone(), Rule::Malformed, "missing"))?;
            put.push((path.clone(), id));
        }
        let with_records = self
            .repo
            .tree_with(state, &put, &[])
            .map_err(|e| malformed(oid, e))?;
        let suffix = format!("/{}", proposal::DECISION);
        let decided: Vec<ProposalId> = group
            .iter()
            .filter_map(|p| p.strip_suffix(&suffix))
            .filter_map(|dir| dir.rsplit('/').next()?.parse().ok())
            .collect();
        let [id] = decided.as_slice() else {
            return Ok(with_records);
        };
        let before = self
            .repo
            .tree_snapshot(state)
            .map_err(|e| malformed(oid, e))?;
        let members = self.members(oid, &before)?;
        let after = self
            .repo
            .tree_snapshot(with_records)
            .map_err(|e| malformed(oid, e))?;
        let Ok(mut pending) = Proposal::load(&after, id) else {
            return Ok(with_records);
        };
        let Some(date) = pending
            .decision
            .take()
            .and_then(|d| clock::parse_timestamp(&d.date).ok())
        else {
            return Ok(with_records);
        };
        let Ok(effect) = finalization::effect(&pending, &before, &members, date) else {
            return Ok(with_records);
        };
        let (mut put, mut delete) = (Vec::new(), Vec::new());
        for (path, content) in effect {
            match content {
                Some(text) => put.push((
                    path,
                    self.repo
                        .blob(text.as_bytes())
                        .map_err(|e| malformed(oid, e))?,
                )),
                None => delete.push(path),
            }
        }
        self.repo
            .tree_with(with_records, &put, &delete)
            .map_err(|e| malformed(oid, e))
    }
}
