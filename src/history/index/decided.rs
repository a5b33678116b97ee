//! One decision of the index, and what the listings show of it: its gist
//! (what `status`, `report` and `log` choose by) read with the index, the
//! rest (titles, who proposed, seconded and accepted) kept as written and
//! read only for the decisions a command shows.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::file;
use crate::model::clock;
use crate::model::error::Result;
use crate::model::id::{Lang, MemberId, MemberIds, PrincipleId, ProposalId};
use crate::model::proposal::{Kind, Proposal};
use crate::rules::Tally;
use crate::store::view::State;
use crate::store::Oid;

/// One decision: the commit of HEAD's first-parent line that added the
/// proposal's `decision.toml`, and what the listings show of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decided {
    pub id: ProposalId,
    #[serde(with = "file::oid")]
    pub commit: Oid,
    /// The commit's place on the line, the line's first commit being 0.
    pub at: u64,
    /// The proposal's folder (a tree id) the facts were read from. Once
    /// decided a proposal's folder never changes in a history that
    /// verifies, so it is HEAD's folder too.
    #[serde(with = "file::oid")]
    pub folder: Oid,
    /// `None` when the folder could not be read as a proposal: a reader
    /// then loads it from HEAD, and meets the same error.
    pub gist: Option<Gist>,
    /// The rest of its [`Facts`], as written: a federation's log names
    /// 200,000 acceptors, which only `log` and `report` need read.
    detail: Option<Box<RawValue>>,
}

/// What the listings choose decisions by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gist {
    /// The decision's date (`decision.toml`).
    pub date: Option<String>,
    pub kind: Kind,
    pub principle: Option<PrincipleId>,
}

/// The rest of what the listings show.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Detail {
    title: String,
    language: Option<Lang>,
    review: Option<i32>,
    proposer: Option<MemberId>,
    #[serde(with = "file::ids")]
    seconders: MemberIds,
    #[serde(with = "file::ids")]
    acceptors: MemberIds,
}

/// What the listings show of a decided proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub date: Option<String>,
    pub title: String,
    pub kind: Kind,
    pub principle: Option<PrincipleId>,
    pub language: Option<Lang>,
    pub review: Option<i32>,
    pub proposer: Option<MemberId>,
    pub seconders: MemberIds,
    pub acceptors: MemberIds,
}

/// One signed act of a decided proposal, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub member: String,
    pub act: String,
    pub date: String,
}

impl Facts {
    pub fn of(p: &Proposal) -> Self {
        let tally = Tally::of(p);
        Facts {
            date: p.decision.as_ref().map(|d| d.date.clone()),
            title: p.file.title.clone(),
            kind: p.file.kind,
            principle: p.file.principle.clone(),
            language: p.file.language.clone(),
            review: p.file.review,
            proposer: p.proposer().cloned(),
            seconders: tally.seconders.iter().collect(),
            acceptors: tally.accepted.iter().collect(),
        }
    }

    /// The year of the decision's date, if it reads as a date.
    pub(super) fn year(&self) -> Option<i32> {
        let date = clock::parse_timestamp(self.date.as_deref()?).ok()?;
        Some(chrono::Datelike::year(&date))
    }
}

impl Signatory {
    pub fn all_of(p: &Proposal) -> Vec<Signatory> {
        p.acts()
            .map(|m| Signatory {
                member: m.signer.to_string(),
                act: m.act.to_string(),
                date: clock::format(&m.date),
            })
            .collect()
    }
}

impl Decided {
    /// The decision at commit `commit`, the `at`th of the line, with what
    /// its folder `folder` reads as (`None`: it does not read).
    pub(super) fn new(
        id: ProposalId,
        commit: Oid,
        at: u64,
        folder: Oid,
        facts: Option<Facts>,
    ) -> Self {
        let mut d = Decided {
            id,
            commit,
            at,
            folder,
            gist: None,
            detail: None,
        };
        d.set(facts);
        d
    }

    /// Its facts are now `facts`, read from its folder `folder`.
    pub(super) fn set(&mut self, facts: Option<Facts>) {
        let Some(f) = facts else {
            (self.gist, self.detail) = (None, None);
            return;
        };
        let detail = Detail {
            title: f.title,
            language: f.language,
            review: f.review,
            proposer: f.proposer,
            seconders: f.seconders,
            acceptors: f.acceptors,
        };
        // Written by this code, so it writes; if it did not, the facts
        // would be read from HEAD.
        self.detail = serde_json::value::to_raw_value(&detail).ok();
        self.gist = self.detail.as_ref().map(|_| Gist {
            date: f.date,
            kind: f.kind,
            principle: f.principle,
        });
    }

    /// Its gist; read from HEAD when the index could not read it.
    pub fn gist(&self, state: &State<'_>) -> Result<Gist> {
        if let Some(g) = &self.gist {
            return Ok(g.clone());
        }
        let f = self.facts(state)?;
        Ok(Gist {
            date: f.date,
            kind: f.kind,
            principle: f.principle,
        })
    }

    /// Its facts; read from HEAD when the index could not read them, or
    /// kept something this code cannot read back.
    pub fn facts(&self, state: &State<'_>) -> Result<Facts> {
        let kept = self.gist.as_ref().zip(self.detail.as_ref());
        let detail =
            kept.and_then(|(g, d)| Some((g, serde_json::from_str::<Detail>(d.get()).ok()?)));
        match detail {
            Some((g, d)) => Ok(Facts {
                date: g.date.clone(),
                title: d.title,
                kind: g.kind,
                principle: g.principle.clone(),
                language: d.language,
                review: d.review,
                proposer: d.proposer,
                seconders: d.seconders,
                acceptors: d.acceptors,
            }),
            None => Ok(Facts::of(&state.proposal(&self.id)?)),
        }
    }
}
