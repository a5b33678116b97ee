//! The annual review (DESIGN.md §4): `reviews/<year>.toml` records when the
//! year's review of every principle opened and when all members closed it,
//! re-affirming the charter as it then stood (tagged `charter-<year>`).

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::model::clock::{self, Timestamp};
use crate::model::error::{from_toml, Error, Result};
use crate::model::id::{MemberId, ProposalId};

use crate::model::tree::Tree;

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
                    format!(
                        "'{}' is not an RFC 3339 date-time from {} to {}",
                        crate::crypto::input::echo(t),
                        clock::EARLIEST,
                        clock::LATEST
                    ),
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
pub fn load_all(snap: &dyn Tree) -> Result<BTreeMap<i32, Review>> {
    let mut out = BTreeMap::new();
    for e in snap.entries(DIR)? {
        let p = format!("{DIR}/{}", e.name);
        let year = e
            .name
            .strip_suffix(".toml")
            .filter(|_| !e.is_dir)
            .and_then(|y| y.parse::<i32>().ok())
            .ok_or_else(|| Error::parse(&p, "not a review file (reviews/<year>.toml)"))?;
        out.insert(year, Review::parse(year, &snap.require(&p)?)?);
    }
    Ok(out)
}

pub fn load(snap: &dyn Tree, year: i32) -> Result<Option<Review>> {
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
