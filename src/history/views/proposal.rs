//! One proposal: where it stands (`status`), and all of it (`show`).

use serde::Serialize;

use crate::history::diff::{self, Piece};
use crate::history::translations::{untouched_languages, UntouchedLanguage};
use crate::model::act::Act;
use crate::model::clock::{self, Timestamp};
use crate::model::error::Result;
use crate::model::id::{MemberId, PrincipleId, ProposalId};
use crate::model::proposal::{Kind, Proposal, Record};
use crate::rules::{self, Status, Tally};
use crate::store::view::State;

/// Where a proposal stands: who signed, who must still act.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub id: ProposalId,
    pub title: String,
    pub kind: Kind,
    pub principle: Option<PrincipleId>,
    pub status: Status,
    /// The member who proposed it (for an application, the first member
    /// to sign `propose`), and when.
    pub proposer: Option<MemberId>,
    pub proposed: Option<String>,
    /// The candidate or member a membership proposal concerns.
    pub member: Option<MemberId>,
    /// When it was filed: for an application, when the candidate applied.
    pub created: String,
    pub deadline: Option<String>,
    pub seconded_by: Vec<MemberId>,
    pub accepted_by: Vec<MemberId>,
    /// Members who must still accept, while it is open.
    pub missing: Vec<MemberId>,
    pub objections: Vec<Objection>,
    pub decided: Option<String>,
    /// Everyone accepted, yet it is still open: what holds it.
    pub blocked: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Objection {
    pub member: MemberId,
    pub reason: String,
}

impl Standing {
    pub fn of(state: &State<'_>, p: &Proposal, now: &Timestamp) -> Result<Self> {
        let tally = Tally::of(p);
        let status = rules::status(p, now);
        let missing = if status == Status::Open {
            tally.missing(&rules::electorate(p, state.members()?))
        } else {
            Vec::new()
        };
        let blocked = match status {
            Status::Open if missing.is_empty() => rules::check_finalize(
                p,
                state.members()?,
                &state.snapshot,
                &rules::decision_date(p, &state.snapshot, *now),
            )
            .err()
            .map(|e| e.to_string()),
            _ => None,
        };
        let proposer = p.proposer().cloned();
        let proposed = p
            .acts()
            .find(|m| m.act == Act::Propose && Some(&m.signer) == proposer.as_ref())
            .map(|m| clock::format(&m.date));
        Ok(Standing {
            id: p.id.clone(),
            title: p.file.title.clone(),
            kind: p.file.kind,
            principle: p.file.principle.clone(),
            status,
            proposer,
            proposed,
            member: p.file.member.clone(),
            created: p.file.created.clone(),
            deadline: p.file.deadline.clone(),
            seconded_by: tally.seconders.iter().cloned().collect(),
            accepted_by: tally.accepted.iter().cloned().collect(),
            missing,
            objections: tally
                .objections
                .iter()
                .map(|(member, reason)| Objection {
                    member: member.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            decided: p.decision.as_ref().map(|d| d.date.clone()),
            blocked,
        })
    }
}

/// All of a proposal, for `show`.
#[derive(Debug, Serialize)]
pub struct ProposalView {
    #[serde(flatten)]
    pub standing: Standing,
    pub digest: String,
    /// The key a membership proposal registers, in OpenSSH form, and its
    /// fingerprint.
    pub key: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: Option<String>,
    pub statement: Option<String>,
    /// Sections the charter in force asks for and an open application's
    /// statement lacks.
    pub statement_gaps: Vec<String>,
    pub untouched_languages: Vec<UntouchedLanguage>,
    pub changes: Vec<FileChange>,
    pub signatures: Vec<SignatureView>,
}

/// One file a proposal changes, as a word diff against its base.
#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    pub removed: bool,
    pub diff: Vec<Piece>,
}

#[derive(Debug, Serialize)]
pub struct SignatureView {
    pub signer: MemberId,
    pub act: Act,
    pub date: String,
    pub reason: Option<String>,
    /// Checked against the key its signer held on the act's date; `None`
    /// when no key of that signer was in force then.
    pub valid: Option<bool>,
    pub path: String,
}

impl ProposalView {
    pub fn of(state: &State<'_>, p: &Proposal, now: &Timestamp) -> Result<Self> {
        let standing = Standing::of(state, p, now)?;
        let statement_gaps = match (&p.statement, standing.status) {
            (Some(s), Status::Open) => state.statement_gaps(s)?,
            _ => Vec::new(),
        };
        let changes = diff::proposal(&state.snapshot, p)?
            .into_iter()
            .map(|(path, diff)| FileChange {
                removed: p.file.removes.contains(&path),
                path,
                diff,
            })
            .collect();
        let members = state.members()?;
        let view = |r: &Record| {
            let m = &r.act.message;
            let keys = rules::keys_on_date(p, members, m);
            let valid = (!keys.is_empty()).then(|| keys.iter().any(|k| r.act.verify(k).is_ok()));
            SignatureView {
                signer: m.signer.clone(),
                act: m.act,
                date: clock::format(&m.date),
                reason: m.reason.clone(),
                valid,
                path: r.path.clone(),
            }
        };
        // A federation's proposal has a hundred signatures: the second
        // core checks half of them.
        let (first, second) = p.records.split_at(p.records.len() / 2);
        let signatures = std::thread::scope(|s| {
            let other = s.spawn(|| second.iter().map(view).collect::<Vec<_>>());
            let mut all: Vec<SignatureView> = first.iter().map(view).collect();
            all.extend(
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
            all
        });
        Ok(ProposalView {
            standing,
            digest: p.digest.to_string(),
            key: p.new_key.as_ref().map(|k| k.to_openssh()),
            fingerprint: p.new_key.as_ref().map(|k| k.fingerprint()),
            reason: p.file.reason.clone(),
            statement: p.statement.clone(),
            statement_gaps,
            untouched_languages: untouched_languages(
                p,
                &state.governance.languages,
                &state.snapshot,
            ),
            changes,
            signatures,
        })
    }
}
