//! Naming versions of the charter (for `diff` and `report`): which commit
//! a review year, a day or a revision points to.

use crate::history::index::Index;
use crate::model::charter::Charter;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{Error, Result};
use crate::model::governance::Governance;
use crate::model::review;
use crate::store::repo::Repo;
use crate::store::Oid;

/// Resolves a version of the charter: `charter-2021` or `2021` (the
/// charter re-affirmed by that year's review), a day `2018-06-01` (the
/// charter in force at its end), or a commit id or git revision.
pub fn resolve(repo: &Repo, spec: &str) -> Result<Oid> {
    Versions::new(repo).resolve(spec)
}

/// Names versions of the charter, reading the index of decisions (for a
/// day) at most once however many versions are named.
pub struct Versions<'r> {
    repo: &'r Repo,
    index: Option<Index>,
}

impl<'r> Versions<'r> {
    pub fn new(repo: &'r Repo) -> Self {
        Versions { repo, index: None }
    }

    /// As [`resolve`].
    pub fn resolve(&mut self, spec: &str) -> Result<Oid> {
        let repo = self.repo;
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
                return self.at_time(&end)?.ok_or_else(|| {
                    Error::Invalid(format!("the charter did not exist yet on {spec}"))
                });
            }
        }
        repo.revparse_commit(spec).ok_or_else(|| {
            Error::Invalid(format!(
                "'{}' is not a review year, a date (YYYY-MM-DD) or a commit",
                crate::crypto::input::echo(spec)
            ))
        })
    }

    /// The newest commit on HEAD's first-parent line made at or before
    /// `when`, found through the index of decisions (its checkpoints skip
    /// the stretches of the line made later).
    pub fn at_time(&mut self, when: &Timestamp) -> Result<Option<Oid>> {
        let Some(head) = self.repo.head()? else {
            return Ok(None);
        };
        let index = match &mut self.index {
            Some(index) => index,
            none => none.insert(Index::of(self.repo, head)?),
        };
        index.at_time(self.repo, when)
    }
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
