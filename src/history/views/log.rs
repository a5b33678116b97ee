//! `log`: every change to the charter, newest first, with who agreed.

use serde::Serialize;

use crate::history::log;
use crate::model::error::Result;
use crate::model::id::{Lang, MemberId, PrincipleId, ProposalId};
use crate::model::proposal::Kind;
use crate::rules::Tally;
use crate::store::repo::Repo;
use crate::store::view::State;

#[derive(Debug, Serialize)]
pub struct LogEntry {
    pub date: Option<String>,
    pub id: ProposalId,
    pub title: String,
    pub kind: Kind,
    pub principle: Option<PrincipleId>,
    pub language: Option<Lang>,
    pub proposer: Option<MemberId>,
    pub seconders: Vec<MemberId>,
    pub acceptors: Vec<MemberId>,
    /// The finalization commit.
    pub commit: String,
    pub review: Option<i32>,
}

/// The adopted changes to the charter on HEAD's history, newest first;
/// with `principle`, only those of that principle.
pub fn entries(
    repo: &Repo,
    state: &State<'_>,
    principle: Option<&PrincipleId>,
) -> Result<Vec<LogEntry>> {
    let mut out = Vec::new();
    for f in log::finalizations(repo)?.into_iter().rev() {
        let p = state.proposal(&f.id)?;
        if !p.file.kind.has_changes() {
            continue;
        }
        if principle.is_some() && p.file.principle.as_ref() != principle {
            continue;
        }
        let tally = Tally::of(&p);
        out.push(LogEntry {
            date: p.decision.as_ref().map(|d| d.date.clone()),
            proposer: p.proposer().cloned(),
            id: p.id,
            title: p.file.title,
            kind: p.file.kind,
            principle: p.file.principle,
            language: p.file.language,
            seconders: tally.seconders.into_iter().collect(),
            acceptors: tally.accepted.into_iter().collect(),
            commit: f.commit.to_string(),
            review: p.file.review,
        });
    }
    Ok(out)
}
