//! Reading the history (for `log`, `diff` and `report`): which commit
//! finalized which proposal, and which commit a version name points to.

use chrono::DateTime;

use crate::model::charter::Charter;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{Error, Result};
use crate::model::governance::Governance;
use crate::model::id::ProposalId;
use crate::model::proposal::{self, ROOT};
use crate::model::review;
use crate::store::graph::Status;
use crate::store::repo::Repo;
use crate::store::Oid;

/// A finalization found in history.
#[derive(Debug, Clone)]
pub struct Finalized {
    pub commit: Oid,
    pub id: ProposalId,
}

/// Every finalization on HEAD's history, oldest first. Only commits that
/// change `proposals/` are diffed.
pub fn finalizations(repo: &Repo) -> Result<Vec<Finalized>> {
    let Some(head) = repo.head()? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for oid in repo.commits_oldest_first(head, None)? {
        let commit = repo.commit_info(oid)?;
        let Some(&parent) = commit.parents.first() else {
            continue;
        };
        let parent = repo.commit_info(parent)?;
        if repo.entry_id(parent.tree, ROOT)? == repo.entry_id(commit.tree, ROOT)? {
            continue;
        }
        for change in repo.tree_changes(Some(parent.tree), commit.tree, Some(ROOT))? {
            let (Status::Added, Some(path)) = (change.status, change.path) else {
                continue;
            };
            let mut parts = path.split('/');
            if let (Some(_root), Some(_year), Some(id), Some(proposal::DECISION), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) {
                if let Ok(id) = id.parse() {
                    out.push(Finalized { commit: oid, id });
                }
            }
        }
    }
    Ok(out)
}

/// Resolves a version of the charter: `charter-2021` or `2021` (the
/// charter re-affirmed by that year's review), a day `2018-06-01` (the
/// charter in force at its end), or a commit id or git revision.
pub fn resolve(repo: &Repo, spec: &str) -> Result<Oid> {
    let year = spec
        .strip_prefix("charter-")
        .unwrap_or(spec)
        .parse::<i32>()
        .ok()
        .filter(|y| (1000..=9999).contains(y) && spec.len() <= 12);
    if let Some(year) = year {
        let tag = format!("refs/tags/{}", review::tag(year));
        return repo.revparse_commit(&tag).ok_or_else(|| {
            Error::Invalid(format!(
                "no charter-{year}: the review of {year} was not closed"
            ))
        });
    }
    if spec.len() == 10 && spec.as_bytes().get(4) == Some(&b'-') {
        if let Some(end) = clock::parse_deadline(spec) {
            return at_time(repo, &end)?
                .ok_or_else(|| Error::Invalid(format!("the charter did not exist yet on {spec}")));
        }
    }
    repo.revparse_commit(spec).ok_or_else(|| {
        Error::Invalid(format!(
            "'{}' is not a review year, a date (YYYY-MM-DD) or a commit",
            crate::crypto::input::echo(spec)
        ))
    })
}

/// The newest commit on HEAD's first-parent line made at or before `when`.
pub fn at_time(repo: &Repo, when: &Timestamp) -> Result<Option<Oid>> {
    let mut commit = repo.head()?;
    while let Some(id) = commit {
        let c = repo.commit_info(id)?;
        let time = DateTime::from_timestamp(c.time, 0);
        if time.is_some_and(|t| t <= *when) {
            return Ok(Some(id));
        }
        commit = c.parents.first().copied();
    }
    Ok(None)
}

/// The newest closed review's tag on this clone, as (year, commit).
pub fn last_review(repo: &Repo) -> Result<Option<(i32, Oid)>> {
    let mut best = None;
    for name in repo.tag_names("charter-*")? {
        let Some(year) = name
            .strip_prefix("charter-")
            .and_then(|y| y.parse::<i32>().ok())
        else {
            continue;
        };
        let commit = repo.tag_commit(&name)?;
        if best.is_none_or(|(y, _)| year > y) {
            best = Some((year, commit));
        }
    }
    Ok(best)
}

/// The charter, and its languages, as they stood in `commit`.
pub fn charter_at(repo: &Repo, commit: Oid) -> Result<(Governance, Charter)> {
    Charter::load_governed(&repo.snapshot(commit)?)
}
