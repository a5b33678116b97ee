//! What a finalization writes: the governed files an adopted proposal
//! changes. Computed in one place, used to write the finalization commit
//! and by `verify` to check it was applied exactly.

use std::collections::BTreeMap;

use crate::model::clock::{self, Timestamp};
use crate::model::error::{to_toml, Result};
use crate::model::id::MemberId;
use crate::model::member::{Member, Members};
use crate::model::proposal::{Kind, Proposal};
use crate::model::refusal::Registration;
use crate::model::review::{self, Review};
use crate::model::tree::Tree;
use crate::rules::chronicle::{Chronicle, Scan};
use crate::rules::RuleError;

/// Governed path → its new content, or `None` when it is deleted.
pub type Effect = BTreeMap<String, Option<String>>;

/// The governed files `p` changes when finalized at `date` over the tree
/// `base`, whose members are `before`.
pub fn effect(p: &Proposal, base: &dyn Tree, before: &Members, date: Timestamp) -> Result<Effect> {
    effect_with(p, base, &Scan(base), before, date)
}

/// [`effect`], with what `base` recorded before (its chronicle) known.
pub fn effect_with(
    p: &Proposal,
    base: &dyn Tree,
    past: &dyn Chronicle,
    before: &Members,
    date: Timestamp,
) -> Result<Effect> {
    if matches!(p.file.kind, Kind::ReviewOpen | Kind::ReviewClose) {
        return review_effect(p, base, date);
    }
    if p.file.kind.has_changes() {
        let mut out: Effect = p
            .changes
            .iter()
            .map(|(path, text)| (path.clone(), Some(text.clone())))
            .collect();
        for path in &p.file.removes {
            out.insert(path.clone(), None);
        }
        return Ok(out);
    }
    let after = members_after(p, past, before, date)?;
    let old: BTreeMap<String, String> = before.files()?.into_iter().collect();
    let new: BTreeMap<String, String> = after.files()?.into_iter().collect();
    let mut out = Effect::new();
    for path in old.keys().chain(new.keys()) {
        if old.get(path) != new.get(path) {
            out.insert(path.clone(), new.get(path).cloned());
        }
    }
    Ok(out)
}

/// Opening writes `reviews/<year>.toml`; closing records when and by which
/// proposal the charter was re-affirmed.
fn review_effect(p: &Proposal, base: &dyn Tree, date: Timestamp) -> Result<Effect> {
    let year = p.file.review.ok_or(RuleError::WrongAct {
        act: crate::model::act::Act::Propose,
    })?;
    let existing = review::load(base, year)?;
    let r = match (p.file.kind, existing) {
        (Kind::ReviewOpen, None) => Review {
            year,
            opened: clock::format(&date),
            opened_by: p.proposer().cloned().ok_or(RuleError::NotProposed {
                proposal: p.id.clone(),
            })?,
            opening: p.id.clone(),
            deadline: p.file.deadline.clone(),
            closed: None,
            closing: None,
        },
        (Kind::ReviewOpen, Some(_)) => return Err(RuleError::ReviewExists { year }.into()),
        (_, Some(r)) if r.is_open() => Review {
            closed: Some(clock::format(&date)),
            closing: Some(p.id.clone()),
            ..r
        },
        (_, _) => return Err(RuleError::ReviewNotOpen { year }.into()),
    };
    let mut out = Effect::new();
    out.insert(review::path(year), Some(to_toml(&r)?));
    Ok(out)
}

/// The member set once a membership proposal takes effect.
pub fn members_after(
    p: &Proposal,
    past: &dyn Chronicle,
    before: &Members,
    date: Timestamp,
) -> Result<Members> {
    let f = &p.file;
    let subject = f.member.clone().ok_or(RuleError::WrongAct {
        act: crate::model::act::Act::Propose,
    })?;
    let mut after = before.clone();
    let new_key = || {
        p.new_key.clone().ok_or(RuleError::WrongAct {
            act: crate::model::act::Act::Propose,
        })
    };
    match f.kind {
        Kind::Member => {
            // Every decision already recorded counted the members of its
            // time: an admission dated before one would make the newcomer a
            // member then, without its vote.
            if let Some((other, then)) = past.last_decision()? {
                if date < then {
                    return Err(RuleError::Dated {
                        what: format!("the admission {}", p.id),
                        date: clock::format(&date),
                        earlier: format!("the decision on {other}, already recorded"),
                        then: clock::format(&then),
                    }
                    .into());
                }
            }
            let key = new_key()?;
            if let Some(why) = before.ever_registered(&subject, &key) {
                return Err(RuleError::AlreadyRegistered { why }.into());
            }
            let name = f.name.clone().unwrap_or_else(|| subject.to_string());
            let mut member = Member::new(subject, name, f.organisation.clone(), key, date);
            member.attestation = p.new_key_attestation.clone();
            // The key is known from the application on, so that git judges
            // the candidate's signed application commit valid too.
            if let Some(applied) = p.acts().find(|m| m.act == crate::model::act::Act::Apply) {
                member.key_since = member.key_since.min(applied.date);
            }
            after.by_id.insert(member.id.clone(), member);
        }
        Kind::RemoveMember | Kind::Leave => {
            not_before_key(p, past, before, &subject, &date)?;
            let mut m = after
                .by_id
                .remove(&subject)
                .ok_or_else(|| RuleError::NotInForce {
                    member: subject.clone(),
                })?;
            if after.by_id.is_empty() {
                return Err(RuleError::LastMember.into());
            }
            m.left = Some(date);
            after.former.insert(subject, m);
        }
        Kind::ReplaceKey | Kind::RotateKey => {
            let key = new_key()?;
            let m = before.get(&subject).ok_or_else(|| RuleError::NotInForce {
                member: subject.clone(),
            })?;
            if let Some(owner) = before.holder(&key) {
                return Err(RuleError::AlreadyRegistered {
                    why: Registration::Key(owner.id.clone()),
                }
                .into());
            }
            not_before_key(p, past, before, &subject, &date)?;
            let mut m = m.with_new_key(key, p.new_key_attestation.clone(), date);
            // The new key is valid from its own confirm-key act on, so that
            // OpenSSH accepts that act at its date too.
            if let Some(confirmed) = p
                .acts()
                .find(|m| m.act == crate::model::act::Act::ConfirmKey)
            {
                m.key_since = m.key_since.min(confirmed.date);
            }
            after.by_id.insert(subject, m);
        }
        _ => {}
    }
    Ok(after)
}

/// A decision about a member is not dated before the member joined or its
/// key took effect, nor before an act the member signed with the key it
/// ends: every act then lies within the window `allowed_signers` gives that
/// key, and `members --at` stays in order.
fn not_before_key(
    p: &Proposal,
    past: &dyn Chronicle,
    before: &Members,
    subject: &MemberId,
    date: &Timestamp,
) -> Result<()> {
    let dated = |earlier: String, then: &Timestamp| RuleError::Dated {
        what: format!("the decision on {}", p.id),
        date: clock::format(date),
        earlier,
        then: clock::format(then),
    };
    let Some(m) = before.get(subject) else {
        return Ok(());
    };
    let since = m.key_since.max(m.joined);
    if *date < since {
        return Err(dated(format!("{subject}'s key took effect"), &since).into());
    }
    if let Some((path, then)) = past.last_act_by(subject)? {
        if *date < then {
            return Err(dated(format!("{subject}'s act {path}"), &then).into());
        }
    }
    Ok(())
}
