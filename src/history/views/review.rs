//! `review status`: what happened to every principle in an annual review.

use serde::{Serialize, Serializer};

use crate::history::diff::Fate;
use crate::history::views::charter::reviewed_charter;
use crate::model::clock::Timestamp;
use crate::model::error::{Error, Result};
use crate::model::id::{MemberId, PrincipleId, ProposalId};
use crate::model::review;
use crate::rules::{self, Status};
use crate::store::repo::Repo;
use crate::store::view::State;

#[derive(Debug, Serialize)]
pub struct ReviewStatus {
    pub year: i32,
    pub opened: String,
    pub opened_by: MemberId,
    pub closed: Option<String>,
    pub closing: Option<ProposalId>,
    pub principles: Vec<ReviewedPrinciple>,
}

#[derive(Debug, Serialize)]
pub struct ReviewedPrinciple {
    pub id: PrincipleId,
    /// Retained, amended, added or retired, by the adopted amendments.
    #[serde(serialize_with = "review_word")]
    pub fate: Fate,
    /// Every amendment of it in this review, with where it stands.
    pub proposals: Vec<ReviewProposal>,
}

#[derive(Debug, Serialize)]
pub struct ReviewProposal {
    pub id: ProposalId,
    pub status: Status,
}

fn review_word<S: Serializer>(fate: &Fate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(fate.in_review())
}

/// The review of `year`, or of the newest year.
pub fn status(
    repo: &Repo,
    state: &State<'_>,
    year: Option<i32>,
    now: &Timestamp,
) -> Result<ReviewStatus> {
    let reviews = review::load_all(&state.snapshot)?;
    let year = year
        .or_else(|| reviews.keys().next_back().copied())
        .ok_or_else(|| {
            Error::Invalid("no review has been opened (charter review open YEAR)".into())
        })?;
    let r = reviews
        .get(&year)
        .ok_or_else(|| Error::Invalid(format!("no review of {year}")))?;
    // A closed review is read against the charter it re-affirmed.
    let charter = reviewed_charter(repo, state, year, r.closed.is_some())?;
    let mut principles: Vec<ReviewedPrinciple> = charter
        .principles
        .iter()
        .map(|p| ReviewedPrinciple {
            id: p.id.clone(),
            fate: Fate::Unchanged,
            proposals: Vec::new(),
        })
        .collect();
    for id in state.proposal_ids()? {
        let p = state.proposal(&id)?;
        if p.file.review != Some(year) || !p.file.kind.is_amendment() {
            continue;
        }
        let Some(principle) = p.file.principle.clone() else {
            continue;
        };
        let at = match principles.iter().position(|e| e.id == principle) {
            Some(at) => at,
            None => {
                principles.push(ReviewedPrinciple {
                    id: principle,
                    fate: Fate::Unchanged,
                    proposals: Vec::new(),
                });
                principles.len() - 1
            }
        };
        let status = rules::status(&p, now);
        let entry = &mut principles[at];
        if status == Status::Adopted {
            entry.fate = Fate::of_adopted(p.file.kind);
        }
        entry.proposals.push(ReviewProposal { id, status });
    }
    Ok(ReviewStatus {
        year,
        opened: r.opened.clone(),
        opened_by: r.opened_by.clone(),
        closed: r.closed.clone(),
        closing: r.closing.clone(),
        principles,
    })
}
