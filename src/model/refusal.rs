//! The refusals of the rules: why an act, a decision or a date is not
//! allowed. The judgments themselves live in the rules layer; these are the
//! words they answer with, shared by acting and verifying.

use crate::model::act::Act;
use crate::model::clock::Timestamp;
use crate::model::id::{Lang, MemberId, PrincipleId, ProposalId};

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
    AlreadyRegistered { why: Registration },
    /// An application or a new key that would register again an id or a
    /// key already registered.
    #[error("{0}")]
    Registered(Registration),
    #[error("{member} has already applied: {proposal}")]
    AlreadyApplied {
        member: MemberId,
        proposal: ProposalId,
    },
    #[error("this key is already used by the open application {proposal}")]
    KeyInUse { proposal: ProposalId },
    /// The sections the charter in force asks a statement of interest for
    /// and the statement lacks.
    #[error("the statement of interest lacks a filled section for: {}", .missing.join("; "))]
    StatementGaps { missing: Vec<String> },
    #[error("{candidate} has no open application (charter apply)")]
    NoApplication { candidate: MemberId },
    /// A proposal about a member (removal, new key) names one not in force.
    #[error("{member} is not a member (see charter members)")]
    SubjectNotMember { member: MemberId },
    #[error("{member} is not a member in force")]
    NotInForce { member: MemberId },
    #[error("the last member cannot leave or be removed")]
    LastMember,
    #[error("the review of {year} is already opened")]
    ReviewExists { year: i32 },
    #[error("the review of {year} is not open")]
    ReviewNotOpen { year: i32 },
    #[error("the review of {year} cannot close while {} {} open: accept, withdraw or let them expire first", .open.join(", "), if .open.len() == 1 { "is" } else { "are" })]
    ReviewBusy { year: i32, open: Vec<String> },
    /// An amendment filed for a review that is not open.
    #[error("the review of {year} is not open (charter review open {year})")]
    ReviewNotOpenForAmendment { year: i32 },
    #[error("{proposal} already proposes to close the review of {year}")]
    ReviewCloseProposed { proposal: ProposalId, year: i32 },
    /// The tag a closing review would make exists already.
    #[error("tag {tag} already exists; remove it first")]
    TagExists { tag: String },
    /// The same proposal, by the same member, is already filed and open: a
    /// re-run (after a crash, say) finds it instead of filing a twin.
    #[error("the same proposal is already filed and open as {proposal}")]
    AlreadyFiled { proposal: ProposalId },
    #[error("the texts given for '{principle}' are the texts in force: nothing to amend")]
    NothingToAmend { principle: PrincipleId },
    #[error("principle '{principle}' already exists; use propose amend")]
    PrincipleExists { principle: PrincipleId },
    #[error("the last principle of a charter cannot be retired")]
    LastPrinciple,
    #[error("{what} would leave the group {remaining} member{}: it needs at least {needed}, one to propose and another to second, or it can never decide again", if *.remaining == 1 { "" } else { "s" })]
    TooFewMembers {
        /// The departure or removal, as a proposal id or in words.
        what: String,
        remaining: usize,
        needed: usize,
    },
    #[error("'{lang}' is already a language of the charter")]
    LanguageExists { lang: Lang },
    /// A key registered without the proof governance.toml asks for.
    #[error("key {key}: {source}")]
    KeyProof {
        key: String,
        source: crate::crypto::attestation::AttestationError,
    },
    /// An add-language proposal whose governance.toml does more than add
    /// its language.
    #[error("{proposal} may change governance.toml only by adding the language '{lang}'")]
    GovernanceChange { proposal: ProposalId, lang: String },
    /// A proposal that changes a file of its kind beyond what its kind
    /// does (charter/index.toml beyond its principle), or a text in a
    /// language the charter does not have.
    #[error("{path}: {why}")]
    KindPath { path: String, why: String },
    /// Replaying a local proposal on the remote's history meets a different
    /// file at the same path.
    #[error("{path}: the remote has a different file there (proposal {proposal} was filed twice?); withdraw yours and propose again")]
    FiledTwice { path: String, proposal: ProposalId },
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
    #[error("{proposal} was made against another version of {path}, so it can no longer take effect; its proposer can withdraw it and propose anew")]
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

/// Why an id or a key cannot be registered: ids and keys are registered
/// only once, even after their member has gone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Registration {
    #[error("the id '{0}' is already registered")]
    Id(MemberId),
    /// The key is (or was) the key of this member.
    #[error("this key is already registered for '{0}'")]
    Key(MemberId),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::{Error, ErrorKind};

    /// A refusal is the rules' doing, and reads as it always did.
    fn refused(variant: RuleError, message: &str) {
        let e = Error::from(variant);
        assert_eq!(e.kind(), ErrorKind::Refused);
        assert_eq!(e.to_string(), message);
    }

    #[test]
    fn refusals_of_an_application() {
        let jp: MemberId = "jp".parse().unwrap();
        let proposal: ProposalId = "2026-001-member-jp".parse().unwrap();
        refused(
            RuleError::AlreadyApplied {
                member: jp.clone(),
                proposal: proposal.clone(),
            },
            "jp has already applied: 2026-001-member-jp",
        );
        refused(
            RuleError::KeyInUse { proposal },
            "this key is already used by the open application 2026-001-member-jp",
        );
        refused(
            RuleError::StatementGaps {
                missing: vec![
                    "Open source (open-source)".into(),
                    "Record of excellence".into(),
                ],
            },
            "the statement of interest lacks a filled section for: Open source (open-source); Record of excellence",
        );
        refused(
            RuleError::Registered(Registration::Id(jp.clone())),
            "the id 'jp' is already registered",
        );
        refused(
            RuleError::Registered(Registration::Key(jp.clone())),
            "this key is already registered for 'jp'",
        );
        refused(
            RuleError::AlreadyRegistered {
                why: Registration::Key(jp),
            },
            "this key is already registered for 'jp'; an id or a key is registered only once",
        );
    }

    #[test]
    fn refusals_of_a_review_and_a_language() {
        refused(
            RuleError::ReviewCloseProposed {
                proposal: "2026-004-close-review-2026".parse().unwrap(),
                year: 2026,
            },
            "2026-004-close-review-2026 already proposes to close the review of 2026",
        );
        refused(
            RuleError::ReviewNotOpenForAmendment { year: 2020 },
            "the review of 2020 is not open (charter review open 2020)",
        );
        refused(
            RuleError::LanguageExists {
                lang: "fr".parse().unwrap(),
            },
            "'fr' is already a language of the charter",
        );
        refused(
            RuleError::TagExists {
                tag: "charter-2026".into(),
            },
            "tag charter-2026 already exists; remove it first",
        );
    }

    #[test]
    fn refusals_of_an_amendment_a_member_and_a_sync() {
        let principle: PrincipleId = "open-source".parse().unwrap();
        refused(
            RuleError::NothingToAmend {
                principle: principle.clone(),
            },
            "the texts given for 'open-source' are the texts in force: nothing to amend",
        );
        refused(
            RuleError::PrincipleExists { principle },
            "principle 'open-source' already exists; use propose amend",
        );
        refused(
            RuleError::LastPrinciple,
            "the last principle of a charter cannot be retired",
        );
        refused(
            RuleError::TooFewMembers {
                what: "2026-004-leave-ee".into(),
                remaining: 1,
                needed: 2,
            },
            "2026-004-leave-ee would leave the group 1 member: it needs at least 2, one to propose and another to second, or it can never decide again",
        );
        let ee: MemberId = "ee".parse().unwrap();
        refused(
            RuleError::SubjectNotMember { member: ee.clone() },
            "ee is not a member (see charter members)",
        );
        refused(
            RuleError::NoApplication { candidate: ee },
            "ee has no open application (charter apply)",
        );
        refused(
            RuleError::FiledTwice {
                path: "proposals/2026/2026-002-x/proposal.toml".into(),
                proposal: "2026-002-x".parse().unwrap(),
            },
            "proposals/2026/2026-002-x/proposal.toml: the remote has a different file there (proposal 2026-002-x was filed twice?); withdraw yours and propose again",
        );
    }
}
