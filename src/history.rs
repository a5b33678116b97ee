//! Reading the history (for `log`, `diff` and `report`): which commit
//! finalized which proposal, and which commit a version name points to.

use chrono::DateTime;
use git2::{Oid, Sort};

use crate::charter::Charter;
use crate::clock::{self, Timestamp};
use crate::error::{Error, Result};
use crate::governance::{self, Governance};
use crate::id::ProposalId;
use crate::proposal::{self, ROOT};
use crate::repo::Repo;
use crate::review;

/// A finalization found in history.
#[derive(Debug, Clone)]
pub struct Finalized {
    pub commit: Oid,
    pub id: ProposalId,
}

/// Every finalization on HEAD's history, oldest first. Only commits that
/// change `proposals/` are diffed.
pub fn finalizations(repo: &Repo) -> Result<Vec<Finalized>> {
    let git = repo.git();
    let Some(head) = repo.head()? else {
        return Ok(Vec::new());
    };
    let mut walk = git.revwalk()?;
    walk.push(head.id())?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut out = Vec::new();
    for oid in walk {
        let commit = git.find_commit(oid?)?;
        let Ok(parent) = commit.parent(0) else {
            continue;
        };
        let subtree = |c: &git2::Commit<'_>| -> Result<Option<git2::Tree<'_>>> {
            match c.tree()?.get_path(std::path::Path::new(ROOT)) {
                Ok(e) => Ok(Some(git.find_tree(e.id())?)),
                Err(_) => Ok(None),
            }
        };
        let (old, new) = (subtree(&parent)?, subtree(&commit)?);
        if old.as_ref().map(|t| t.id()) == new.as_ref().map(|t| t.id()) {
            continue;
        }
        let diff = git.diff_tree_to_tree(old.as_ref(), new.as_ref(), None)?;
        for delta in diff.deltas() {
            if delta.status() != git2::Delta::Added {
                continue;
            }
            let Some(path) = delta.new_file().path().and_then(|p| p.to_str()) else {
                continue;
            };
            let mut parts = path.split('/');
            if let (Some(_year), Some(id), Some(proposal::DECISION), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            {
                if let Ok(id) = id.parse() {
                    out.push(Finalized {
                        commit: commit.id(),
                        id,
                    });
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
    let git = repo.git();
    let year = spec
        .strip_prefix("charter-")
        .unwrap_or(spec)
        .parse::<i32>()
        .ok()
        .filter(|y| (1000..=9999).contains(y) && spec.len() <= 12);
    if let Some(year) = year {
        let tag = format!("refs/tags/{}", review::tag(year));
        return git
            .revparse_single(&tag)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|_| {
                Error::Usage(format!(
                    "no charter-{year}: the review of {year} was not closed"
                ))
            });
    }
    if spec.len() == 10 && spec.as_bytes().get(4) == Some(&b'-') {
        if let Some(end) = clock::parse_deadline(spec) {
            return at_time(repo, &end)?
                .ok_or_else(|| Error::Usage(format!("the charter did not exist yet on {spec}")));
        }
    }
    git.revparse_single(spec)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|_| {
            Error::Usage(format!(
                "'{spec}' is not a review year, a date (YYYY-MM-DD) or a commit"
            ))
        })
}

/// The newest commit on HEAD's first-parent line made at or before `when`.
pub fn at_time(repo: &Repo, when: &Timestamp) -> Result<Option<Oid>> {
    let mut commit = repo.head()?;
    while let Some(c) = commit {
        let time = DateTime::from_timestamp(c.time().seconds(), 0);
        if time.is_some_and(|t| t <= *when) {
            return Ok(Some(c.id()));
        }
        commit = c.parent(0).ok();
    }
    Ok(None)
}

/// The newest closed review's tag on this clone, as (year, commit).
pub fn last_review(repo: &Repo) -> Result<Option<(i32, Oid)>> {
    let git = repo.git();
    let mut best = None;
    for name in git.tag_names(Some("charter-*"))?.iter().flatten() {
        let Some(year) = name
            .strip_prefix("charter-")
            .and_then(|y| y.parse::<i32>().ok())
        else {
            continue;
        };
        let commit = git
            .revparse_single(&format!("refs/tags/{name}"))?
            .peel_to_commit()?;
        if best.is_none_or(|(y, _)| year > y) {
            best = Some((year, commit.id()));
        }
    }
    Ok(best)
}

/// The charter, and its languages, as they stood in `commit`.
pub fn charter_at(repo: &Repo, commit: Oid) -> Result<(Governance, Charter)> {
    let snap = repo.snapshot(commit)?;
    let gov = Governance::parse(&snap.require(governance::PATH)?)?;
    let charter = Charter::load(&snap, &gov.languages)?;
    Ok((gov, charter))
}
