//! What one member must still sign, across every open proposal
//! (`charter todo`).

use serde::Serialize;

use crate::history::views::proposal::Standing;
use crate::history::views::status::StatusView;
use crate::model::clock::Timestamp;
use crate::model::error::Result;
use crate::model::id::{MemberId, ProposalId};
use crate::model::proposal::Kind;
use crate::rules::{self, Status};
use crate::store::repo::Repo;
use crate::store::view::State;

#[derive(Debug, Clone, Serialize)]
pub struct TodoView {
    pub member: MemberId,
    pub items: Vec<Todo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    pub id: ProposalId,
    pub title: String,
    /// The act expected of the member: `second`, `accept`, `propose` (an
    /// application no member has proposed yet) or `withdraw-objection`
    /// (its own objection stands).
    pub act: &'static str,
    /// The candidate or member a membership proposal concerns.
    pub member: Option<MemberId>,
    pub deadline: Option<String>,
}

impl TodoView {
    pub fn of(repo: &Repo, state: &State<'_>, member: &MemberId, now: &Timestamp) -> Result<Self> {
        let status = StatusView::of(repo, state, false, now)?;
        let items = status
            .proposals
            .iter()
            .filter_map(|p| todo(p, member))
            .filter(|t| !matches!(t.act, "second" | "accept") || could_take_effect(state, &t.id))
            .collect();
        Ok(Self {
            member: member.clone(),
            items,
        })
    }
}

/// A second or an acceptance is asked for only while the proposal could
/// still take effect (made against the files as they stand, its review
/// open): acting refuses it otherwise.
fn could_take_effect(state: &State<'_>, id: &ProposalId) -> bool {
    state
        .proposal(id)
        .is_ok_and(|p| rules::can_take_effect(&p, &state.snapshot).is_ok())
}

fn todo(p: &Standing, member: &MemberId) -> Option<Todo> {
    let act = if p.objections.iter().any(|o| &o.member == member) {
        "withdraw-objection"
    } else if p.kind == Kind::Member && p.proposer.is_none() {
        "propose"
    } else if p.missing.contains(member) {
        let seconded = !p.seconded_by.is_empty();
        if seconded || p.proposer.as_ref() == Some(member) {
            "accept"
        } else {
            "second"
        }
    } else if waits_for_a_second(p, member) {
        "second"
    } else {
        return None;
    };
    Some(Todo {
        id: p.id.clone(),
        title: p.title.clone(),
        act,
        member: p.member.clone(),
        deadline: p.deadline.clone(),
    })
}

/// Everyone accepted before anyone seconded: the proposal waits for a
/// second, which any member but the proposer may still give (a second is
/// also an acceptance, and giving it after one's acceptance is allowed).
fn waits_for_a_second(p: &Standing, member: &MemberId) -> bool {
    p.status == Status::Open
        && p.missing.is_empty()
        && p.seconded_by.is_empty()
        && p.objections.is_empty()
        && !p.kind.is_unilateral()
        && p.proposer.as_ref().is_some_and(|by| by != member)
        && p.accepted_by.contains(member)
}
