//! The annual findings for non-members (`charter report YEAR`): the charter
//! as re-affirmed, the amendments with their diffs, who joined and left,
//! every decision with its signatories, and the verification result.

use chrono::Datelike;
use serde::Serialize;

use crate::history::diff::{self, Piece};
use crate::history::log;
use crate::model::clock::{self, Timestamp};
use crate::model::error::Result;
use crate::rules::Tally;
use crate::store::repo::Repo;
use crate::store::view::State;
use crate::verify::{self, Summary, Violation};

#[derive(Debug, Serialize)]
pub struct Report {
    pub year: i32,
    pub group: String,
    /// The charter re-affirmed by the year's review, or as it stands if the
    /// review is not closed.
    pub charter: ReportCharter,
    pub amendments: Vec<Amendment>,
    pub joined: Vec<MemberChange>,
    pub left: Vec<MemberChange>,
    pub decisions: Vec<Decision>,
    pub verification: Verification,
}

#[derive(Debug, Serialize)]
pub struct ReportCharter {
    /// `charter-<year>`, or `None` when the year's review is not closed.
    pub tag: Option<String>,
    pub commit: String,
    pub reaffirmed_on: Option<String>,
    pub principles: Vec<ReportPrinciple>,
}

#[derive(Debug, Serialize)]
pub struct ReportPrinciple {
    pub number: usize,
    pub id: String,
    /// Language → (title, text).
    pub texts: Vec<ReportText>,
}

#[derive(Debug, Serialize)]
pub struct ReportText {
    pub lang: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Amendment {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub principle: Option<String>,
    pub adopted: String,
    pub commit: String,
    pub changes: Vec<FileChange>,
}

#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    pub diff: Vec<Piece>,
}

#[derive(Debug, Serialize)]
pub struct MemberChange {
    pub id: String,
    pub name: String,
    pub date: String,
}

#[derive(Debug, Serialize)]
pub struct Decision {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub adopted: String,
    pub commit: String,
    pub proposer: Option<String>,
    pub seconders: Vec<String>,
    pub acceptors: Vec<String>,
    pub signatures: Vec<Signatory>,
}

#[derive(Debug, Serialize)]
pub struct Signatory {
    pub member: String,
    pub act: String,
    pub date: String,
}

#[derive(Debug, Serialize)]
pub struct Verification {
    pub holds: bool,
    pub summary: Option<Summary>,
    pub violation: Option<Violation>,
}

fn in_year(t: &str, year: i32) -> bool {
    clock::parse_timestamp(t).is_ok_and(|t: Timestamp| t.year() == year)
}

/// Gathers the findings of `year` from HEAD's history.
pub fn build(repo: &Repo, year: i32) -> Result<Report> {
    let state = State::at_head(repo)?;
    let tag = crate::model::review::tag(year);
    let (tag, commit) = match log::resolve(repo, &tag) {
        Ok(c) => (Some(tag), c),
        Err(_) => (None, state.head),
    };
    let (gov, charter) = log::charter_at(repo, commit)?;
    let reaffirmed_on = crate::model::review::load(&state.snapshot, year)?.and_then(|r| r.closed);
    let principles = charter
        .principles
        .iter()
        .enumerate()
        .map(|(i, p)| ReportPrinciple {
            number: i + 1,
            id: p.id.to_string(),
            texts: gov
                .languages
                .iter()
                .filter_map(|l| {
                    p.texts.get(l).map(|t| ReportText {
                        lang: l.to_string(),
                        title: t.title.clone(),
                        text: t.body.clone(),
                    })
                })
                .collect(),
        })
        .collect();

    let mut amendments = Vec::new();
    let mut decisions = Vec::new();
    for f in log::finalizations(repo)? {
        let p = state.proposal(&f.id)?;
        let Some(decision) = &p.decision else {
            continue;
        };
        if !in_year(&decision.date, year) {
            continue;
        }
        let tally = Tally::of(&p);
        if p.file.kind.has_changes() {
            amendments.push(Amendment {
                id: p.id.to_string(),
                title: p.file.title.clone(),
                kind: p.file.kind.as_str().into(),
                principle: p.file.principle.as_ref().map(ToString::to_string),
                adopted: decision.date.clone(),
                commit: f.commit.to_string(),
                changes: diff::proposal(&state.snapshot, &p)?
                    .into_iter()
                    .map(|(path, diff)| FileChange { path, diff })
                    .collect(),
            });
        }
        decisions.push(Decision {
            id: p.id.to_string(),
            title: p.file.title.clone(),
            kind: p.file.kind.as_str().into(),
            adopted: decision.date.clone(),
            commit: f.commit.to_string(),
            proposer: p.proposer().map(ToString::to_string),
            seconders: tally.seconders.iter().map(ToString::to_string).collect(),
            acceptors: tally.accepted.iter().map(ToString::to_string).collect(),
            signatures: p
                .acts()
                .map(|m| Signatory {
                    member: m.signer.to_string(),
                    act: m.act.to_string(),
                    date: clock::format(&m.date),
                })
                .collect(),
        });
    }
    let mut joined = Vec::new();
    let mut left = Vec::new();
    for m in state.members.everyone() {
        let change = |date: &Timestamp| MemberChange {
            id: m.id.to_string(),
            name: m.name.clone(),
            date: clock::format(date),
        };
        if m.joined.year() == year {
            joined.push(change(&m.joined));
        }
        if let Some(l) = m.left.filter(|l| l.year() == year) {
            left.push(change(&l));
        }
    }
    let verification = match verify::verify(repo, repo.root()?)? {
        Ok(summary) => Verification {
            holds: true,
            summary: Some(summary),
            violation: None,
        },
        Err(v) => Verification {
            holds: false,
            summary: None,
            violation: Some(v),
        },
    };
    Ok(Report {
        year,
        group: state.governance.name.clone(),
        charter: ReportCharter {
            tag,
            commit: commit.to_string(),
            reaffirmed_on,
            principles,
        },
        amendments,
        joined,
        left,
        decisions,
        verification,
    })
}
