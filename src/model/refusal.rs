//! The refusals of the rules: why an act, a decision or a date is not
//! allowed. The judgments themselves live in the rules layer; these are the
//! words they answer with, shared by acting and verifying.

use crate::model::act::Act;
use crate::model::clock::Timestamp;
use crate::model::id::{MemberId, ProposalId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{signer} is not a member, so cannot {act} {proposal}")]
    NotAMember {
        signer: MemberId,
        act: Act,
        proposal: ProposalId,
    },
    #[error("{signer} has already made the act '{act}' on {proposal}")]
    AlreadySigned {
        signer: MemberId,
        act: Act,
        proposal: ProposalId,
    },
    #[error("{signer} proposed {proposal} and cannot second it; another member must")]
    OwnProposal {
        signer: MemberId,
        proposal: ProposalId,
    },
    #[error("only the proposer ({proposer}) can {act} {proposal}")]
    NotProposer {
        proposer: String,
        act: Act,
        proposal: ProposalId,
    },
    #[error("only {member}, whom {proposal} concerns, can {act} it")]
    NotConcerned {
        member: String,
        act: Act,
        proposal: ProposalId,
    },
    #[error("{member} is concerned by {proposal} and does not take part in the decision")]
    Concerned {
        member: MemberId,
        proposal: ProposalId,
    },
    #[error("{member} is already a member")]
    AlreadyMember { member: MemberId },
    #[error("{proposal} is already proposed by {by}")]
    AlreadyProposed { proposal: ProposalId, by: MemberId },
    #[error("the candidate has not applied (no signed statement of interest)")]
    NotApplied,
    #[error("{proposal} needs the new key's confirm-key signature")]
    NotConfirmed { proposal: ProposalId },
    #[error("{why}; an id or a key is registered only once")]
    AlreadyRegistered { why: String },
    #[error("{member} is not a member in force")]
    NotInForce { member: MemberId },
    #[error("the last member cannot leave or be removed")]
    LastMember,
    #[error("the review of {year} is already opened")]
    ReviewExists { year: i32 },
    #[error("the review of {year} is not open")]
    ReviewNotOpen { year: i32 },
    #[error("the review of {year} cannot close while {} is open", .open.join(", "))]
    ReviewBusy { year: i32, open: Vec<String> },
    #[error("{proposal} is {status} and can no longer be signed")]
    Closed {
        proposal: ProposalId,
        status: Status,
    },
    #[error("{signer} has no standing objection to {proposal}")]
    NoObjection {
        signer: MemberId,
        proposal: ProposalId,
    },
    #[error("{proposal} has not been proposed (no signed propose act)")]
    NotProposed { proposal: ProposalId },
    #[error("{proposal} has not been seconded")]
    NotSeconded { proposal: ProposalId },
    #[error("{proposal} still needs the acceptance of {}", join(.missing))]
    Missing {
        proposal: ProposalId,
        missing: Vec<MemberId>,
    },
    #[error("{proposal} is blocked by the objection of {}", join(.objectors))]
    Objected {
        proposal: ProposalId,
        objectors: Vec<MemberId>,
    },
    #[error("{proposal} was made against another version of {path}; propose it anew")]
    Stale { proposal: ProposalId, path: String },
    #[error("'{act}' is not an act on this kind of proposal")]
    WrongAct { act: Act },
    #[error("the reason of an objection must be one line of at most 1000 characters")]
    BadReason,
    /// A date that contradicts the record: before what it must follow.
    #[error("{what} is dated {date}, before {earlier} ({then})")]
    Dated {
        what: String,
        date: String,
        earlier: String,
        then: String,
    },
}

impl RuleError {
    pub(crate) fn dated(
        what: impl Into<String>,
        date: &Timestamp,
        earlier: &str,
        then: &Timestamp,
    ) -> Self {
        RuleError::Dated {
            what: what.into(),
            date: crate::model::clock::format(date),
            earlier: earlier.to_string(),
            then: crate::model::clock::format(then),
        }
    }

    /// Is this a date that contradicts the record (rather than an act the
    /// process does not allow)?
    pub fn is_date(&self) -> bool {
        matches!(self, RuleError::Dated { .. })
    }
}

fn join(ids: &[MemberId]) -> String {
    ids.iter()
        .map(MemberId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Open for signatures.
    Open,
    /// Adopted and applied.
    Adopted,
    /// Withdrawn by its proposer.
    Withdrawn,
    /// Past its deadline without a decision.
    Expired,
    /// Past its deadline with an objection standing.
    Rejected,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Open => "open",
            Status::Adopted => "adopted",
            Status::Withdrawn => "withdrawn",
            Status::Expired => "expired",
            Status::Rejected => "rejected",
        })
    }
}
