//! `log`: every change to the charter, newest first, with who agreed.

use serde::Serialize;

use crate::history::index::Index;
use crate::model::error::{Error, Result};
use crate::model::id::{Lang, MemberId, MemberIds, PrincipleId, ProposalId};
use crate::model::proposal::Kind;
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
    pub seconders: MemberIds,
    pub acceptors: MemberIds,
    /// The finalization commit.
    pub commit: String,
    pub review: Option<i32>,
}

/// The adopted changes to the charter on HEAD's history, newest first;
/// with `principle`, only those of that principle. Read from the index of
/// decisions.
pub fn entries(
    repo: &Repo,
    state: &State<'_>,
    principle: Option<&PrincipleId>,
) -> Result<Vec<LogEntry>> {
    let index = Index::of(repo, state.head)?;
    let mut out = Vec::new();
    for d in index.decisions().iter().rev() {
        if let Some(g) = &d.gist {
            let other = principle.is_some() && g.principle.as_ref() != principle;
            if !g.kind.has_changes() || other {
                continue;
            }
        }
        let f = d.facts(state)?;
        if !f.kind.has_changes() {
            continue;
        }
        if principle.is_some() && f.principle.as_ref() != principle {
            continue;
        }
        out.push(LogEntry {
            date: f.date,
            id: d.id.clone(),
            title: f.title,
            kind: f.kind,
            principle: f.principle,
            language: f.language,
            proposer: f.proposer,
            seconders: f.seconders,
            acceptors: f.acceptors,
            commit: d.commit.to_string(),
            review: f.review,
        });
    }
    // A name no version of the charter had is a mistake, not an empty log.
    if let Some(id) = principle.filter(|_| out.is_empty()) {
        if state.charter()?.get(id).is_none() {
            return Err(Error::Invalid(format!(
                "no principle '{id}' in the charter or its history (see charter principles)"
            )));
        }
    }
    Ok(out)
}
