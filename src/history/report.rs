//! The annual findings for non-members (`charter report YEAR`): the charter
//! as re-affirmed, the amendments with their diffs, who joined and left,
//! every decision with its signatories, and the verification result.

use chrono::Datelike;
use serde::Serialize;

use crate::history::diff::{self, Piece};
pub use crate::history::index::Signatory;
use crate::history::index::{Gist, Index};
use crate::history::log;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{Error, Result};
use crate::model::member::Members;
use crate::model::proposal::Proposal;
use crate::store::repo::Repo;
use crate::store::view::State;
use crate::store::Oid;
use crate::verify::clone::verify_clone;
use crate::verify::{Summary, Violation};

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
pub struct Verification {
    pub holds: bool,
    pub summary: Option<Summary>,
    pub violation: Option<Violation>,
}

fn in_year(t: &str, year: i32) -> bool {
    clock::parse_timestamp(t).is_ok_and(|t: Timestamp| t.year() == year)
}

/// Gathers the findings of `year` from the history of `state`, HEAD of
/// `repo` as the command read it. Members and the verification are read
/// on a second handle while this one reads the decisions.
pub fn build(repo: &Repo, state: &State, year: i32) -> Result<Report> {
    let other = repo.reopen()?;
    let head = state.head;
    std::thread::scope(|s| {
        let side = s.spawn(move || membership_and_verification(&other, head, year));
        let (charter, amendments, decisions) = decisions(repo, state, year)?;
        let (joined, left, verification) = side
            .join()
            .map_err(|_| Error::Internal("the thread reading members failed".into()))??;
        Ok(Report {
            year,
            group: state.governance.name.clone(),
            charter,
            amendments,
            joined,
            left,
            decisions,
            verification,
        })
    })
}

/// The charter of `year`, its amendments and every decision.
fn decisions(
    repo: &Repo,
    state: &State,
    year: i32,
) -> Result<(ReportCharter, Vec<Amendment>, Vec<Decision>)> {
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
    let mut folders = Vec::new();
    let mut diffs = Index::diffs(repo, year);
    let mut texts = Vec::new();
    let mut decisions = Vec::new();
    let index = Index::of(repo, state.head)?;
    let mut kept = index.signatories(repo, year);
    for d in index.decisions() {
        let elsewhen = |g: &Gist| !g.date.as_ref().is_some_and(|date| in_year(date, year));
        if d.gist.as_ref().is_some_and(elsewhen) {
            continue;
        }
        let f = d.facts(state)?;
        let Some(adopted) = f.date.clone().filter(|date| in_year(date, year)) else {
            continue;
        };
        if f.kind.has_changes() {
            if !diffs.contains_key(&d.folder) {
                let p = Proposal::load_content(&state.snapshot, &d.id)?;
                texts.push((d.folder, diff::proposal_texts(&state.snapshot, &p)?));
            }
            folders.push(d.folder);
            amendments.push(Amendment {
                id: d.id.to_string(),
                title: f.title.clone(),
                kind: f.kind.as_str().into(),
                principle: f.principle.as_ref().map(ToString::to_string),
                adopted: adopted.clone(),
                commit: d.commit.to_string(),
                changes: Vec::new(),
            });
        }
        let signatures = match kept.remove(&d.folder) {
            Some(s) => s,
            None => Signatory::all_of(&state.proposal(&d.id)?),
        };
        decisions.push(Decision {
            id: d.id.to_string(),
            title: f.title.clone(),
            kind: f.kind.as_str().into(),
            adopted,
            commit: d.commit.to_string(),
            proposer: f.proposer.as_ref().map(ToString::to_string),
            seconders: f.seconders.iter().map(String::from).collect(),
            acceptors: f.acceptors.iter().map(String::from).collect(),
            signatures,
        });
    }
    if !texts.is_empty() {
        let (new, texts): (Vec<Oid>, Vec<_>) = texts.into_iter().unzip();
        diffs.extend(new.into_iter().zip(diff::compare_all(&texts)?));
        diffs.retain(|folder, _| folders.contains(folder));
        Index::keep_diffs(repo, year, &diffs);
    }
    for (a, folder) in amendments.iter_mut().zip(&folders) {
        let changes = diffs.remove(folder).unwrap_or_default();
        a.changes = changes
            .into_iter()
            .map(|(path, diff)| FileChange { path, diff })
            .collect();
    }
    let charter = ReportCharter {
        tag,
        commit: commit.to_string(),
        reaffirmed_on,
        principles,
    };
    Ok((charter, amendments, decisions))
}

/// Who joined and left in `year`, as the members at `head` record it, and
/// the verification as `charter verify` would say now: from the commit
/// this clone verified last, not from the trust root every time.
fn membership_and_verification(
    repo: &Repo,
    head: Oid,
    year: i32,
) -> Result<(Vec<MemberChange>, Vec<MemberChange>, Verification)> {
    let members = Members::load(&repo.snapshot(head)?)?;
    if let Some(founded) = members.genesis().filter(|g| year < g.year()) {
        return Err(Error::Invalid(format!(
            "no report for {year}: the group was founded in {}",
            founded.year()
        )));
    }
    let mut joined = Vec::new();
    let mut left = Vec::new();
    for m in members.everyone() {
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
    let verification = match verify_clone(repo, None, false, &mut |_, _| {})? {
        Ok(verified) => Verification {
            holds: true,
            summary: Some(verified.summary),
            violation: None,
        },
        Err(refused) => Verification {
            holds: false,
            summary: None,
            violation: Some(refused.violation),
        },
    };
    Ok((joined, left, verification))
}
