//! The rules of the process (DESIGN.md §4–5), in one place: used to refuse an
//! act before it is made, and by `verify` to detect one that broke them.

pub mod chronicle;
pub mod finalization;

use std::collections::{BTreeMap, BTreeSet};

use crate::crypto::attestation::{Attestation, AttestationError};
use crate::crypto::key::PublicKey;
use crate::model::act::Act;
use crate::model::charter;
use crate::model::clock::Timestamp;
use crate::model::governance::{self, Governance};
use crate::model::id::{MemberId, PrincipleId, ProposalId};
use crate::model::member::Members;
use crate::model::proposal::{self, Kind, Proposal, ProposalFile, ABSENT};
use crate::model::record::Message;
pub use crate::model::refusal::{RuleError, Status};
use crate::model::review::{self, Review};
use crate::model::tree::{self, Tree};
use chronicle::{Chronicle, Scan};

/// Who has done what on a proposal.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub proposed: bool,
    pub seconders: BTreeSet<MemberId>,
    /// Members whose acceptance is recorded (propose, second or accept).
    pub accepted: BTreeSet<MemberId>,
    /// Standing objections, with their reasons.
    pub objections: BTreeMap<MemberId, String>,
    pub withdrawn: bool,
}

impl Tally {
    pub fn of(p: &Proposal) -> Self {
        let mut t = Tally::default();
        for m in p.acts() {
            match m.act {
                Act::Propose => t.proposed = true,
                Act::Second => {
                    t.seconders.insert(m.signer.clone());
                }
                Act::Object => {
                    t.objections
                        .insert(m.signer.clone(), m.reason.clone().unwrap_or_default());
                }
                Act::WithdrawObjection => {
                    t.objections.remove(&m.signer);
                }
                Act::Withdraw => t.withdrawn = true,
                Act::Accept | Act::Apply | Act::ConfirmKey => {}
            }
            if m.act.is_acceptance() {
                t.accepted.insert(m.signer.clone());
            }
        }
        t
    }

    /// Members of the electorate who have not accepted yet.
    pub fn missing<'a>(&self, electorate: impl IntoIterator<Item = &'a MemberId>) -> Vec<MemberId> {
        electorate
            .into_iter()
            .filter(|m| !self.accepted.contains(*m))
            .cloned()
            .collect()
    }
}

/// The status of a proposal at time `now`.
pub fn status(p: &Proposal, now: &Timestamp) -> Status {
    let tally = Tally::of(p);
    if p.decision.is_some() {
        Status::Adopted
    } else if tally.withdrawn {
        Status::Withdrawn
    } else if p.deadline().is_some_and(|d| *now > d) {
        if tally.objections.is_empty() {
            Status::Expired
        } else {
            Status::Rejected
        }
    } else {
        Status::Open
    }
}

/// May `message`'s act be added to proposal `p`, given the members in force?
/// The cryptographic check of its signature is separate.
pub fn check_act(p: &Proposal, members: &Members, message: &Message) -> Result<(), RuleError> {
    let (signer, act, proposal) = (&message.signer, message.act, &p.id);
    let status = status(p, &message.date);
    if status != Status::Open {
        return Err(RuleError::Closed {
            proposal: proposal.clone(),
            status,
        });
    }
    let kind = p.file.kind;
    let subject = p.file.member.as_ref();
    check_act_date(p, members, message)?;
    if matches!(act, Act::Apply | Act::ConfirmKey) {
        if subject != Some(signer) {
            return Err(RuleError::NotConcerned {
                member: subject.map(ToString::to_string).unwrap_or_default(),
                act,
                proposal: proposal.clone(),
            });
        }
    } else if !members.contains(signer) {
        return Err(RuleError::NotAMember {
            signer: signer.clone(),
            act,
            proposal: proposal.clone(),
        });
    }
    let done = |a: Act| p.acts().any(|m| &m.signer == signer && m.act == a);
    if done(act) {
        return Err(RuleError::AlreadySigned {
            signer: signer.clone(),
            act,
            proposal: proposal.clone(),
        });
    }
    let tally = Tally::of(p);
    let proposer = p.proposer();
    let not_proposer = || RuleError::NotProposer {
        proposer: proposer.map(ToString::to_string).unwrap_or_default(),
        act,
        proposal: proposal.clone(),
    };
    let voted_on_by_others = matches!(kind, Kind::RemoveMember | Kind::ReplaceKey);
    match act {
        Act::Apply if kind != Kind::Member => Err(RuleError::WrongAct { act }),
        Act::Apply if members.contains(signer) => Err(RuleError::AlreadyMember {
            member: signer.clone(),
        }),
        Act::Apply => Ok(()),
        Act::ConfirmKey if kind != Kind::RotateKey => Err(RuleError::WrongAct { act }),
        Act::Propose if voted_on_by_others && subject == Some(signer) => {
            Err(RuleError::Concerned {
                member: signer.clone(),
                proposal: proposal.clone(),
            })
        }
        Act::Propose if kind == Kind::Member => {
            if !p.acts().any(|m| m.act == Act::Apply) {
                Err(RuleError::NotApplied)
            } else if let Some(by) = proposer {
                Err(RuleError::AlreadyProposed {
                    proposal: proposal.clone(),
                    by: by.clone(),
                })
            } else {
                Ok(())
            }
        }
        // A departure or a rotation is the act of the member it concerns.
        Act::Propose if kind.is_own() && subject != Some(signer) => Err(RuleError::NotConcerned {
            member: subject.map(ToString::to_string).unwrap_or_default(),
            act,
            proposal: proposal.clone(),
        }),
        Act::Propose if proposer != Some(signer) => Err(not_proposer()),
        Act::Propose => Ok(()),
        _ if !tally.proposed => Err(RuleError::NotProposed {
            proposal: proposal.clone(),
        }),
        Act::ConfirmKey => Ok(()),
        _ if kind.is_unilateral() => Err(RuleError::WrongAct { act }),
        _ if voted_on_by_others && subject == Some(signer) => Err(RuleError::Concerned {
            member: signer.clone(),
            proposal: proposal.clone(),
        }),
        Act::Second if proposer == Some(signer) => Err(RuleError::OwnProposal {
            signer: signer.clone(),
            proposal: proposal.clone(),
        }),
        Act::Accept if tally.accepted.contains(signer) => Err(RuleError::AlreadySigned {
            signer: signer.clone(),
            act,
            proposal: proposal.clone(),
        }),
        Act::Withdraw if proposer != Some(signer) => Err(not_proposer()),
        Act::WithdrawObjection if !tally.objections.contains_key(signer) => {
            Err(RuleError::NoObjection {
                signer: signer.clone(),
                proposal: proposal.clone(),
            })
        }
        Act::Object => match &message.reason {
            Some(r) if Message::check_reason(r).is_ok() => Ok(()),
            _ => Err(RuleError::BadReason),
        },
        _ => Ok(()),
    }
}

/// An act's date lies within its signer's membership and the validity of
/// the key that signs it (the window `keys/allowed_signers` gives OpenSSH),
/// and not before its proposal.
fn check_act_date(p: &Proposal, members: &Members, message: &Message) -> Result<(), RuleError> {
    let (date, what) = (&message.date, || {
        format!("{}'s {} of {}", message.signer, message.act, p.id)
    });
    if let Some(created) = p.created() {
        if *date < created {
            return Err(RuleError::dated(
                what(),
                date,
                "the proposal was created",
                &created,
            ));
        }
    }
    // The candidate's or the new key is valid from its own act on.
    if matches!(message.act, Act::Apply | Act::ConfirmKey) {
        return Ok(());
    }
    if let Some(m) = members.get(&message.signer) {
        if *date < m.joined {
            return Err(RuleError::dated(
                what(),
                date,
                "its signer joined",
                &m.joined,
            ));
        }
        if *date < m.key_since {
            return Err(RuleError::dated(
                what(),
                date,
                "the key that signs it took effect",
                &m.key_since,
            ));
        }
    }
    Ok(())
}

/// A new proposal is not dated before the group's genesis.
pub fn check_created(p: &Proposal, members: &Members) -> Result<(), RuleError> {
    match (p.created(), members.genesis()) {
        (Some(created), Some(genesis)) if created < genesis => Err(RuleError::dated(
            format!("{} (created)", p.id),
            &created,
            "the group's genesis",
            &genesis,
        )),
        _ => Ok(()),
    }
}

/// A key registered (a founder's, a candidate's, a new one) carries an
/// attestation issued under one of the group's roots, where
/// governance.toml lists any: a plain key or an unproven one would let a
/// member keep a delegate's key off the devices the group requires.
pub fn check_key_proof(
    gov: &Governance,
    key: &PublicKey,
    attestation: Option<&Attestation>,
    at: &Timestamp,
) -> Result<(), RuleError> {
    let fail = |source| RuleError::KeyProof {
        key: key.fingerprint(),
        source,
    };
    let roots = gov.roots().map_err(fail)?;
    if roots.is_empty() {
        // Kept unchecked, it would read as a proof it is not.
        return match attestation {
            Some(_) => Err(fail(AttestationError::NotAsked)),
            None => Ok(()),
        };
    }
    if !key.is_security_key() {
        return Err(fail(AttestationError::NotSecurityKey));
    }
    let attestation = attestation.ok_or_else(|| fail(AttestationError::Missing))?;
    attestation.check(key, &roots, at.timestamp()).map_err(fail)
}

/// What a new proposal may hold given the rules and the charter in force
/// (`base`, the tree it is filed on): the key it registers proven as
/// [`check_key_proof`] asks; the texts it changes or removes in the
/// charter's languages; for a new language, governance.toml changed by
/// that language alone; for a new or retired principle, charter/index.toml
/// changed by that principle alone (see [`check_index`]). Which paths each
/// kind may carry at all is [`ProposalFile::may_carry`], checked whenever a
/// proposal is read.
pub fn check_content(p: &Proposal, gov: &Governance, base: &dyn Tree) -> Result<(), RuleError> {
    if let (Some(key), Some(at)) = (&p.new_key, p.created()) {
        check_key_proof(gov, key, p.new_key_attestation.as_ref(), &at)?;
    }
    if p.file.kind.is_amendment() {
        check_languages(p, gov)?;
    }
    if p.file.kind == Kind::AddLanguage {
        let lang = p.file.language.clone();
        let mut expected = gov.clone();
        expected.languages.extend(lang.clone());
        let proposed = p
            .changes
            .get(governance::PATH)
            .and_then(|text| Governance::parse(text).ok());
        if proposed.as_ref() != Some(&expected) {
            return Err(RuleError::GovernanceChange {
                proposal: p.id.clone(),
                lang: lang.map(|l| l.to_string()).unwrap_or_default(),
            });
        }
    }
    check_index(p, base)
}

/// The path of `rel` in `p`'s `change/` folder.
fn change_path(p: &Proposal, rel: &str) -> String {
    tree::join(&tree::join(&p.id.dir(), proposal::CHANGE), rel)
}

/// An amendment's texts, changed or removed, are in the charter's
/// languages (which only ever grow).
fn check_languages(p: &Proposal, gov: &Governance) -> Result<(), RuleError> {
    let file_path = tree::join(&p.id.dir(), proposal::FILE);
    let changed = p.changes.keys().map(|rel| (change_path(p, rel), rel));
    let removed = p.file.removes.iter().map(|rel| (file_path.clone(), rel));
    for (path, rel) in changed.chain(removed) {
        if let Some((_, lang)) = charter::text_of(rel) {
            if !gov.languages.contains(&lang) {
                let langs: Vec<&str> = gov.languages.iter().map(|l| l.as_str()).collect();
                return Err(RuleError::KindPath {
                    path,
                    why: format!(
                        "{rel} is a text in '{lang}', not a language of the charter ({})",
                        langs.join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// A new principle changes charter/index.toml only by inserting itself
/// (anywhere) among the principles as they stand; a retirement, only by
/// taking itself out. Judged against `base`'s index when it is the one the
/// proposal was made against; against another, the proposal cannot take
/// effect, and is judged when it can: at its finalization, which calls this
/// again.
pub fn check_index(p: &Proposal, base: &dyn Tree) -> Result<(), RuleError> {
    let (kind, Some(principle)) = (p.file.kind, p.file.principle.as_ref()) else {
        return Ok(());
    };
    let (verb, how) = match kind {
        Kind::Add => ("adding", "inserting it among"),
        Kind::Retire => ("retiring", "taking it out of"),
        _ => return Ok(()),
    };
    let refuse = |why: String| {
        Err(RuleError::KindPath {
            path: change_path(p, charter::INDEX),
            why,
        })
    };
    let rule = || {
        format!(
            "{verb} '{principle}' may change {} only by {how} the principles as they stand",
            charter::INDEX
        )
    };
    let Some(text) = p.changes.get(charter::INDEX) else {
        return refuse(format!("missing: {}", rule()));
    };
    // An index that is no index leaves no charter: the finalization's
    // reading of the charter refuses it.
    let Ok(proposed) = charter::Index::parse(text) else {
        return Ok(());
    };
    let made_against = p.file.base.get(charter::INDEX).map(String::as_str);
    if base.content_id(charter::INDEX).as_deref() != made_against {
        return Ok(());
    }
    let Some(current) = base
        .read(charter::INDEX)
        .ok()
        .flatten()
        .and_then(|t| charter::Index::parse(&t).ok())
    else {
        return Ok(());
    };
    let without = |list: &[PrincipleId]| -> Vec<PrincipleId> {
        list.iter().filter(|q| *q != principle).cloned().collect()
    };
    let (has, had) = (
        proposed.principles.contains(principle),
        current.principles.contains(principle),
    );
    let exact = match kind {
        Kind::Add => has && !had && without(&proposed.principles) == current.principles,
        _ => !has && had && without(&current.principles) == proposed.principles,
    };
    if exact {
        Ok(())
    } else {
        refuse(rule())
    }
}

/// A departure or a removal may not leave the group fewer members than it
/// needs to propose and second: it could never decide again.
pub fn check_members_left(p: &Proposal, members: &Members) -> Result<(), RuleError> {
    match p.file.kind {
        Kind::Leave | Kind::RemoveMember => check_one_less(p.id.to_string(), members),
        _ => Ok(()),
    }
}

/// [`check_members_left`] for `what` (a departure or removal), before its
/// proposal exists.
pub fn check_one_less(what: String, members: &Members) -> Result<(), RuleError> {
    let needed = crate::model::governance::MIN_MEMBERS;
    let remaining = members.len().saturating_sub(1);
    if remaining < needed {
        return Err(RuleError::TooFewMembers {
            what,
            remaining,
            needed,
        });
    }
    Ok(())
}

/// The date a decision on `p` takes when finalized at `now` on top of
/// `base`: never before an act it counts, nor, for an admission, before a
/// decision already recorded, even if this clock is behind another
/// member's.
pub fn decision_date(p: &Proposal, base: &dyn Tree, now: Timestamp) -> Timestamp {
    let latest = match p.file.kind {
        Kind::Member => Scan(base).last_decision().ok().flatten().map(|(_, t)| t),
        _ => None,
    };
    p.acts()
        .map(|m| m.date)
        .chain(latest)
        .fold(now, Timestamp::max)
}

/// The key a record must be signed with: the candidate's or the new key for
/// its own acts, else the signer's registered key.
pub fn signing_key<'a>(
    p: &'a Proposal,
    members: &'a Members,
    message: &Message,
) -> Option<&'a PublicKey> {
    match message.act {
        Act::Apply | Act::ConfirmKey => p.new_key.as_ref(),
        _ => members.get(&message.signer).map(|m| &m.key),
    }
}

/// The keys `message`'s signer held on the act's own date, for reading a
/// past record (`show`): the new key for an application or confirmation,
/// else every key whose time in force includes that date, ends included (a
/// departure or rotation is signed by the key it ends). `verify` remains
/// the authority: it judges each record against the tree it was added to.
pub fn keys_on_date<'a>(
    p: &'a Proposal,
    members: &'a Members,
    message: &Message,
) -> Vec<&'a PublicKey> {
    if matches!(message.act, Act::Apply | Act::ConfirmKey) {
        return p.new_key.iter().collect();
    }
    let when = &message.date;
    let Some(m) = members.everyone().find(|m| m.id == message.signer) else {
        return Vec::new();
    };
    if *when < m.joined || m.left.is_some_and(|l| *when > l) {
        return Vec::new();
    }
    let current = (*when >= m.key_since).then_some(&m.key);
    let past = m
        .previous_keys
        .iter()
        .filter(|k| k.from <= *when && *when <= k.until)
        .map(|k| &k.key);
    current.into_iter().chain(past).collect()
}

/// Who must accept `p` for it to be adopted: every member in force, but the
/// member a removal or key replacement concerns; nobody for a member's own
/// departure or key rotation.
pub fn electorate(p: &Proposal, members: &Members) -> Vec<MemberId> {
    let subject = p.file.member.as_ref();
    match p.file.kind {
        Kind::Leave | Kind::RotateKey | Kind::ReviewOpen => Vec::new(),
        Kind::RemoveMember | Kind::ReplaceKey => members
            .ids()
            .filter(|m| Some(*m) != subject)
            .cloned()
            .collect(),
        _ => members.ids().cloned().collect(),
    }
}

/// Can `p` be finalized at `date`, with the members in force, on top of
/// `base` (the tree the finalization applies to)?
pub fn check_finalize(
    p: &Proposal,
    members: &Members,
    base: &dyn Tree,
    date: &Timestamp,
) -> Result<(), RuleError> {
    let status = status(p, date);
    if status != Status::Open {
        return Err(RuleError::Closed {
            proposal: p.id.clone(),
            status,
        });
    }
    let tally = Tally::of(p);
    if !tally.proposed {
        return Err(RuleError::NotProposed {
            proposal: p.id.clone(),
        });
    }
    if let Some(last) = p.acts().max_by_key(|m| m.date) {
        if *date < last.date {
            return Err(RuleError::dated(
                format!("the decision on {}", p.id),
                date,
                &format!("{}'s {} it counts", last.signer, last.act),
                &last.date,
            ));
        }
    }
    if p.file.kind.is_own() && p.proposer() != p.file.member.as_ref() {
        return Err(RuleError::NotConcerned {
            member: p
                .file
                .member
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            act: Act::Propose,
            proposal: p.id.clone(),
        });
    }
    check_members_left(p, members)?;
    match p.file.kind {
        Kind::Leave | Kind::ReviewOpen => return Ok(()),
        Kind::RotateKey if p.acts().any(|m| m.act == Act::ConfirmKey) => return Ok(()),
        Kind::RotateKey => {
            return Err(RuleError::NotConfirmed {
                proposal: p.id.clone(),
            })
        }
        _ => {}
    }
    if tally.seconders.is_empty() {
        return Err(RuleError::NotSeconded {
            proposal: p.id.clone(),
        });
    }
    if !tally.objections.is_empty() {
        return Err(RuleError::Objected {
            proposal: p.id.clone(),
            objectors: tally.objections.keys().cloned().collect(),
        });
    }
    let missing = tally.missing(&electorate(p, members));
    if !missing.is_empty() {
        return Err(RuleError::Missing {
            proposal: p.id.clone(),
            missing,
        });
    }
    check_base(p, base)?;
    check_index(p, base)?;
    if let Some(year) = p.file.review {
        check_review(p, year, base, date)?;
    }
    Ok(())
}

/// An amendment of a review needs the review open; a review closes only
/// when none of its proposals is still open.
fn check_review(
    p: &Proposal,
    year: i32,
    base: &dyn Tree,
    date: &Timestamp,
) -> Result<(), RuleError> {
    let open = |r: Option<Review>| r.is_some_and(|r| r.is_open());
    if !open(review::load(base, year).ok().flatten()) {
        return Err(RuleError::ReviewNotOpen { year });
    }
    if p.file.kind != Kind::ReviewClose {
        return Ok(());
    }
    let busy = review_busy(year, Some(&p.id), base, date);
    if busy.is_empty() {
        Ok(())
    } else {
        Err(RuleError::ReviewBusy { year, open: busy })
    }
}

/// Whether a vote for `p` could still make it take effect: it was made
/// against the files as they stand, and the review it belongs to (an
/// amendment's) is open. An act that fails this is pointless, so acts
/// refuse it before signing; `verify` needs no such rule, since
/// finalization checks the same (and an honest concurrent act may meet a
/// base changed meanwhile).
pub fn can_take_effect(p: &Proposal, base: &dyn Tree) -> Result<(), RuleError> {
    check_base(p, base)?;
    check_index(p, base)?;
    match p.file.review {
        Some(year) if p.file.kind != Kind::ReviewClose => {
            if !review::load(base, year)
                .ok()
                .flatten()
                .is_some_and(|r| r.is_open())
            {
                return Err(RuleError::ReviewNotOpen { year });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The proposals of the review of `year` (but `except`) still open at
/// `date`.
pub fn review_busy(
    year: i32,
    except: Option<&ProposalId>,
    base: &dyn Tree,
    date: &Timestamp,
) -> Vec<String> {
    let mut busy = Vec::new();
    for id in proposal::list(base).unwrap_or_default() {
        // Only the few undecided proposals of this review, not yet expired,
        // are read whole: a federation's record holds thousands.
        let dir = id.dir();
        let decided = base
            .content_id(&tree::join(&dir, proposal::DECISION))
            .is_some();
        let file = base
            .read(&tree::join(&dir, proposal::FILE))
            .ok()
            .flatten()
            .and_then(|text| ProposalFile::parse(&dir, &text).ok());
        let may_be_open = |f: &ProposalFile| {
            f.review == Some(year)
                && f.deadline
                    .as_deref()
                    .and_then(|d| crate::model::clock::parse_timestamp(d).ok())
                    .is_none_or(|d| *date <= d)
        };
        if decided || Some(&id) == except || !file.as_ref().is_some_and(may_be_open) {
            continue;
        }
        let Ok(other) = Proposal::load(base, &id) else {
            continue;
        };
        if status(&other, date) == Status::Open {
            busy.push(other.id.to_string());
        }
    }
    busy
}

/// Every file the proposal changes must still be as it was when proposed.
pub fn check_base(p: &Proposal, base: &dyn Tree) -> Result<(), RuleError> {
    for (path, expected) in &p.file.base {
        let actual = base.content_id(path).unwrap_or_else(|| ABSENT.to_string());
        if &actual != expected {
            return Err(RuleError::Stale {
                proposal: p.id.clone(),
                path: path.clone(),
            });
        }
    }
    Ok(())
}
