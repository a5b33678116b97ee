//! The annual review (DESIGN.md §4): `reviews/<year>.toml` records when the
//! year's review of every principle opened and when all members closed it,
//! re-affirming the charter as it then stood (tagged `charter-<year>`).

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::clock::{self, Timestamp};
use crate::error::{from_toml, Error, Result};
use crate::group::{NewProposal, Signer};
use crate::id::{MemberId, ProposalId};
use crate::proposal::{Kind, ProposalFile};
use crate::snapshot::Snapshot;

pub const DIR: &str = "reviews";

pub fn path(year: i32) -> String {
    format!("{DIR}/{year}.toml")
}

/// The tag of the charter re-affirmed by the review of `year`.
pub fn tag(year: i32) -> String {
    format!("charter-{year}")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub year: i32,
    pub opened: String,
    pub opened_by: MemberId,
    /// The proposal that opened it.
    pub opening: ProposalId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    /// The proposal by which all members re-affirmed the charter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing: Option<ProposalId>,
}

impl Review {
    pub fn parse(year: i32, text: &str) -> Result<Self> {
        let p = path(year);
        let r: Review = from_toml(&p, text)?;
        if r.year != year {
            return Err(Error::parse(&p, "year does not match the file name"));
        }
        for t in [Some(&r.opened), r.deadline.as_ref(), r.closed.as_ref()]
            .into_iter()
            .flatten()
        {
            if clock::parse_timestamp(t).is_err() {
                return Err(Error::parse(
                    &p,
                    format!("'{t}' is not an RFC 3339 date-time"),
                ));
            }
        }
        if r.closed.is_some() != r.closing.is_some() {
            return Err(Error::parse(&p, "closed and closing go together"));
        }
        Ok(r)
    }

    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }
}

/// Every review in a tree, by year.
pub fn load_all(snap: &Snapshot) -> Result<BTreeMap<i32, Review>> {
    let mut out = BTreeMap::new();
    for e in snap.list(DIR)? {
        let p = format!("{DIR}/{}", e.name);
        let year = e
            .name
            .strip_suffix(".toml")
            .filter(|_| !e.is_dir)
            .and_then(|y| y.parse::<i32>().ok())
            .ok_or_else(|| Error::parse(&p, "not a review file (reviews/<year>.toml)"))?;
        out.insert(year, Review::parse(year, &snap.blob_text(&p, e.id)?)?);
    }
    Ok(out)
}

pub fn load(snap: &Snapshot, year: i32) -> Result<Option<Review>> {
    snap.read(&path(year))?
        .map(|t| Review::parse(year, &t))
        .transpose()
}

/// The year whose review should be closed by `now`, if it is not: the
/// review of a year is due by the end of its review month.
pub fn overdue(
    reviews: &BTreeMap<i32, Review>,
    review_month: u32,
    founded: &Timestamp,
    now: &Timestamp,
) -> Option<i32> {
    let due = if now.month() > review_month {
        now.year()
    } else {
        now.year() - 1
    };
    let first_due = if founded.month() >= review_month {
        founded.year() + 1
    } else {
        founded.year()
    };
    if due < first_due {
        return None;
    }
    let done = reviews.values().any(|r| r.year >= due && !r.is_open());
    (!done).then_some(due)
}

impl crate::group::Group {
    /// Opens the annual review of `year`: a member's signed act, no vote.
    pub fn review_open(
        &self,
        key: &crate::key::SigningKey,
        year: i32,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let _lock = self.repo().lock()?;
        let state = self.state()?;
        let member = state.member_for(key.public())?.clone();
        if load(&state.snapshot, year)?.is_some() {
            return Err(crate::rules::RuleError::ReviewExists { year }.into());
        }
        let mut file = ProposalFile::new(
            Kind::ReviewOpen,
            format!("Open the review of {year}"),
            Some(member.id.clone()),
            now,
        );
        file.review = Some(year);
        file.deadline = deadline.map(|d| clock::format(&d));
        let new = NewProposal {
            slug: format!("open-review-{year}"),
            file,
            changes: Default::default(),
            statement: None,
        };
        let signer = Signer::proposer(&member, key);
        Ok(self.file(&state, new, &[signer], now, true)?.0)
    }

    /// Proposes to close the review of `year`: every member re-affirms the
    /// charter exactly as it stands now (its every file is the proposal's
    /// base, and its digest is signed).
    pub fn review_close(
        &self,
        key: &crate::key::SigningKey,
        year: i32,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let _lock = self.repo().lock()?;
        let state = self.state()?;
        let member = state.member_for(key.public())?.clone();
        match load(&state.snapshot, year)? {
            Some(r) if r.is_open() => {}
            _ => return Err(crate::rules::RuleError::ReviewNotOpen { year }.into()),
        }
        for id in state.proposal_ids()? {
            let p = state.proposal(&id)?;
            if p.file.kind == Kind::ReviewClose
                && p.file.review == Some(year)
                && crate::rules::status(&p, &now) == crate::rules::Status::Open
            {
                return Err(crate::error::Error::Usage(format!(
                    "{id} already proposes to close the review of {year}"
                )));
            }
        }
        let files = state.snapshot.files_under(crate::charter::DIR)?;
        let mut texts = Vec::new();
        let mut file = ProposalFile::new(
            Kind::ReviewClose,
            format!("Close the review of {year}: re-affirm the charter"),
            Some(member.id.clone()),
            now,
        );
        for (rel, blob) in &files {
            let path = format!("{}/{rel}", crate::charter::DIR);
            texts.push((rel.clone(), state.snapshot.blob_text(&path, *blob)?));
            file.base.insert(path, blob.to_string());
        }
        let digest = crate::proposal::digest(texts.iter().map(|(p, t)| (p.as_str(), t.as_bytes())));
        file.review = Some(year);
        file.charter_digest = Some(digest.to_string());
        file.deadline = state.deadline(deadline, now)?;
        let new = NewProposal {
            slug: format!("close-review-{year}"),
            file,
            changes: Default::default(),
            statement: None,
        };
        let signer = Signer::proposer(&member, key);
        Ok(self.file(&state, new, &[signer], now, false)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        clock::parse_timestamp(s).unwrap()
    }

    fn closed(year: i32) -> Review {
        Review {
            year,
            opened: "2020-01-01T00:00:00Z".into(),
            opened_by: "uk".parse().unwrap(),
            opening: format!("{year}-001-review").parse().unwrap(),
            deadline: None,
            closed: Some(format!("{year}-12-01T00:00:00Z")),
            closing: Some(format!("{year}-002-close").parse().unwrap()),
        }
    }

    #[test]
    fn a_review_is_overdue_after_its_month() {
        let founded = t("2014-12-09T00:00:00Z");
        let mut reviews = BTreeMap::new();
        // Founded in December: the first review is due in December 2015.
        assert_eq!(
            overdue(&reviews, 12, &founded, &t("2015-06-01T00:00:00Z")),
            None
        );
        assert_eq!(
            overdue(&reviews, 12, &founded, &t("2016-01-01T00:00:00Z")),
            Some(2015)
        );
        reviews.insert(2015, closed(2015));
        assert_eq!(
            overdue(&reviews, 12, &founded, &t("2016-06-01T00:00:00Z")),
            None
        );
        assert_eq!(
            overdue(&reviews, 6, &founded, &t("2016-07-01T00:00:00Z")),
            Some(2016)
        );
    }
}
