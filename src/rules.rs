//! The rules of the process (DESIGN.md §4–5), in one place: used to refuse an
//! act before it is made, and by `verify` to detect one that broke them.

use std::collections::{BTreeMap, BTreeSet};

use crate::act::Act;
use crate::clock::{self, Timestamp};
use crate::id::{MemberId, ProposalId};
use crate::member::Members;
use crate::proposal::{Proposal, ABSENT};
use crate::signature::Message;
use crate::snapshot::Snapshot;

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
        proposer: MemberId,
        act: Act,
        proposal: ProposalId,
    },
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
    #[error("{act} is not an act on this kind of proposal")]
    WrongAct { act: Act },
    #[error("the reason of an objection must be one line of at most 1000 characters")]
    BadReason,
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
                Act::Accept | Act::Apply => {}
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
    if !members.contains(signer) {
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
    let proposer = &p.file.proposer;
    match act {
        Act::Propose if signer != proposer => Err(RuleError::NotProposer {
            proposer: proposer.clone(),
            act,
            proposal: proposal.clone(),
        }),
        Act::Propose => Ok(()),
        _ if !tally.proposed => Err(RuleError::NotProposed {
            proposal: proposal.clone(),
        }),
        Act::Second if signer == proposer => Err(RuleError::OwnProposal {
            signer: signer.clone(),
            proposal: proposal.clone(),
        }),
        Act::Accept if tally.accepted.contains(signer) => Err(RuleError::AlreadySigned {
            signer: signer.clone(),
            act,
            proposal: proposal.clone(),
        }),
        Act::Withdraw if signer != proposer => Err(RuleError::NotProposer {
            proposer: proposer.clone(),
            act,
            proposal: proposal.clone(),
        }),
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
        Act::Apply => Err(RuleError::WrongAct { act }),
        _ => Ok(()),
    }
}

/// Can `p` be finalized at `date`, with this electorate, on top of `base`
/// (the tree the finalization applies to)?
pub fn check_finalize(
    p: &Proposal,
    electorate: &Members,
    base: &Snapshot,
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
    let missing = tally.missing(electorate.ids());
    if !missing.is_empty() {
        return Err(RuleError::Missing {
            proposal: p.id.clone(),
            missing,
        });
    }
    check_base(p, base)
}

/// Every file the proposal changes must still be as it was when proposed.
pub fn check_base(p: &Proposal, base: &Snapshot) -> Result<(), RuleError> {
    for (path, expected) in &p.file.base {
        let actual = base
            .id(path)
            .map(|id| id.to_string())
            .unwrap_or_else(|| ABSENT.to_string());
        if &actual != expected {
            return Err(RuleError::Stale {
                proposal: p.id.clone(),
                path: path.clone(),
            });
        }
    }
    Ok(())
}

/// Is the decision recorded at `date` still in time? Used for display.
pub fn is_overdue(p: &Proposal, now: &Timestamp) -> bool {
    p.deadline().is_some_and(|d| *now > d)
}

pub fn format_deadline(p: &Proposal) -> Option<String> {
    p.deadline().map(|d| clock::format(&d))
}
