//! `status`: the open proposals (or all of them) and what needs attention.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::history::index::{Closed, Index};
use crate::history::translations::{translation_gaps, UntouchedLanguage};
use crate::history::views::proposal::Standing;
use crate::model::clock::Timestamp;
use crate::model::error::Result;
use crate::model::id::ProposalId;
use crate::model::proposal::Proposal;
use crate::model::review;
use crate::rules::{self, Status};
use crate::store::repo::Repo;
use crate::store::view::State;

#[derive(Debug, Serialize)]
pub struct StatusView {
    pub group: String,
    pub members: usize,
    pub proposals: Vec<Standing>,
    pub warnings: Vec<Warning>,
}

/// Something that needs the group's attention. Written as its sentence in
/// JSON too, so a script and a reader see the same words.
#[derive(Debug, Clone)]
pub enum Warning {
    /// The annual review of `year` is not closed by the end of its month.
    ReviewOverdue {
        year: i32,
        month: String,
        /// What to do next: open it, or close it.
        next: &'static str,
    },
    /// The last amendment of a principle left a translation as it was.
    Untouched(UntouchedLanguage),
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ReviewOverdue { year, month, next } => write!(
                f,
                "the annual review of {year} is overdue (due by the end of {month} {year}): charter review {next} {year}"
            ),
            Warning::Untouched(gap) => gap.fmt(f),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl StatusView {
    /// The open proposals, or with `all` every one. A proposal the index
    /// of decisions holds as decided is never open, and one past its
    /// deadline neither: only the others are read whole.
    pub fn of(repo: &Repo, state: &State<'_>, all: bool, now: &Timestamp) -> Result<Self> {
        let index = Index::of(repo, state.head)?;
        let decided: HashMap<&ProposalId, bool> = index
            .decisions()
            .iter()
            .map(|d| (&d.id, d.gist.is_some()))
            .collect();
        let mut closed = index.closed(repo);
        let mut proposals = Vec::new();
        for id in state.proposal_ids()? {
            let folder = index.folder(&id);
            if !all {
                // One the index could not read is read here, to meet its error.
                if decided.get(&id) == Some(&true) || closed.get(folder).is_some_and(|c| c.at(now))
                {
                    continue;
                }
                let file = Proposal::load_file(&state.snapshot, &id)?;
                let past = Closed {
                    deadline: file.deadline,
                    withdrawn: false,
                };
                if past.at(now) {
                    closed.learn(folder, past);
                    continue;
                }
            }
            let p = state.proposal(&id)?;
            let status = rules::status(&p, now);
            if status == Status::Withdrawn {
                let withdrawn = Closed {
                    deadline: p.file.deadline.clone(),
                    withdrawn: true,
                };
                closed.learn(folder, withdrawn);
            }
            if all || status == Status::Open {
                proposals.push(Standing::of(state, &p, now)?);
            }
        }
        closed.save(repo);
        Ok(StatusView {
            group: state.governance.name.clone(),
            members: state.members()?.len(),
            proposals,
            warnings: warnings(state, &index, now)?,
        })
    }
}

/// An overdue annual review; translations the last amendment of a
/// principle left as they were.
fn warnings(state: &State<'_>, index: &Index, now: &Timestamp) -> Result<Vec<Warning>> {
    let mut out = Vec::new();
    let reviews = review::load_all(&state.snapshot)?;
    if let Some(founded) = state.members()?.genesis() {
        let month = state.governance.review_month;
        if let Some(year) = review::overdue(&reviews, month, &founded, now) {
            let month = u8::try_from(month)
                .ok()
                .and_then(|m| chrono::Month::try_from(m).ok())
                .map(|m| m.name().to_string())
                .unwrap_or_default();
            let next = match reviews.get(&year) {
                Some(r) if r.is_open() => "close",
                _ => "open",
            };
            out.push(Warning::ReviewOverdue { year, month, next });
        }
    }
    out.extend(
        translation_gaps(state, index)?
            .into_iter()
            .map(Warning::Untouched),
    );
    Ok(out)
}
