//! After an act, one line on what it did and what happens next, as the
//! proposal now stands: "ee seconded 2026-003-open-source; waiting for il,
//! kr, nz (deadline 2027-01-31)".

use charter::history::views::proposal::Standing;
use charter::model::act::Act;
use charter::model::id::{MemberId, ProposalId};
use charter::model::proposal::Kind;
use charter::model::refusal::Status;
use charter::process::group::Group;
use charter::store::Oid;
use charter::Error;

/// The line for the act `act` on `id` by the holder of `key` (a member,
/// former member or candidate), read from the group as it now is.
pub fn line(
    group: &Group,
    key: &charter::crypto::key::PublicKey,
    act: Act,
    id: &ProposalId,
    finalized: Option<Oid>,
) -> Result<String, Error> {
    let state = group.state()?;
    let p = state.proposal(id)?;
    let who = match state.members()?.holder(key) {
        Some(m) => m.id.clone(),
        None => p.file.member.clone().ok_or(Error::NoKey)?,
    };
    let who = &who;
    let standing = Standing::of(&state, &p, &charter::model::clock::now()?)?;
    let tag = match (finalized, p.file.kind, p.file.review) {
        (Some(commit), Kind::ReviewClose, Some(year)) => {
            let name = format!("charter-{year}");
            (group.repo().ref_target(&format!("refs/tags/{name}")) == Some(commit)).then_some(name)
        }
        _ => None,
    };
    Ok(render(who, act, &standing, finalized, tag.as_deref()))
}

fn verb(act: Act) -> &'static str {
    match act {
        Act::Propose => "proposed",
        Act::Second => "seconded",
        Act::Accept => "accepted",
        Act::Object => "objected to",
        Act::WithdrawObjection => "withdrew the objection to",
        Act::Withdraw => "withdrew",
        Act::Apply => "filed the application",
        Act::ConfirmKey => "confirmed the key of",
    }
}

fn names(ids: &[MemberId]) -> String {
    ids.iter()
        .map(MemberId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn render(
    who: &MemberId,
    act: Act,
    p: &Standing,
    finalized: Option<Oid>,
    tag: Option<&str>,
) -> String {
    let done = format!("{who} {} {}", verb(act), p.id);
    let deadline = p
        .deadline
        .as_ref()
        .map(|d| format!(" (deadline {d})"))
        .unwrap_or_default();
    if let Some(commit) = finalized {
        let tagged = tag.map(|t| format!(", tagged {t}")).unwrap_or_default();
        return format!(
            "{done}; adopted: {} (commit {}{tagged})",
            p.title,
            &commit.to_string()[..12]
        );
    }
    match p.status {
        Status::Open if !p.objections.is_empty() => {
            let objectors: Vec<MemberId> = p.objections.iter().map(|o| o.member.clone()).collect();
            format!(
                "{done}; blocked by the objection of {} until it is withdrawn{deadline}",
                names(&objectors)
            )
        }
        Status::Open if p.missing.is_empty() => match &p.blocked {
            Some(why) => format!("{done}; everyone has accepted, but {why}"),
            None => format!("{done}; everyone has accepted: charter finalize {}", p.id),
        },
        Status::Open if p.seconded_by.is_empty() && p.proposer.is_some() => format!(
            "{done}; waiting for a second, and for {}{deadline}",
            names(&p.missing)
        ),
        Status::Open if p.proposer.is_none() => format!(
            "{done}; waiting for a member to propose it (charter propose member {}){deadline}",
            p.member.as_ref().map(MemberId::as_str).unwrap_or_default()
        ),
        Status::Open => format!("{done}; waiting for {}{deadline}", names(&p.missing)),
        Status::Adopted => format!("{done}; it took effect at once"),
        Status::Withdrawn => format!("{done}; it is closed"),
        other => format!("{done}; it is {other} and can no longer be signed"),
    }
}
