//! Membership (DESIGN.md §4): a candidate applies with a statement of
//! interest and its key; a member proposes it, another seconds, all accept.
//! Removal and key replacement are decided by the other members; a member
//! leaves, or rotates its key, on its own signature.

use crate::crypto::attestation::Attestation;
use crate::crypto::key::{PublicKey, SigningKey};
use crate::model::act::Act;
use crate::model::clock::Timestamp;
use crate::model::error::{Error, Result};
use crate::model::governance::Governance;
use crate::model::id::{MemberId, ProposalId};
use crate::model::proposal::{has_decision, Kind, Proposal, ProposalFile};
use crate::model::refusal::Registration;
use crate::process::group::{ActOutcome, Group, NewProposal, State};
use crate::rules::{self, RuleError, Status};

/// A candidate's application.
pub struct Application {
    pub id: MemberId,
    pub name: String,
    pub organisation: Option<String>,
    pub statement: String,
    pub deadline: Option<Timestamp>,
    /// The key's attestation, where the group asks for one.
    pub attestation: Option<Attestation>,
}

impl State<'_> {
    /// The open application of `candidate`, if any.
    pub fn application(&self, candidate: &MemberId, now: &Timestamp) -> Result<Option<Proposal>> {
        let ids = self.proposal_ids()?.into_iter().rev();
        self.open_application(ids, now, |p| p.file.member.as_ref() == Some(candidate))
    }

    /// The open application made with `key`, if any.
    pub fn open_application_with_key(
        &self,
        key: &PublicKey,
        now: &Timestamp,
    ) -> Result<Option<ProposalId>> {
        let found = self.open_application(self.proposal_ids()?.into_iter(), now, |p| {
            p.new_key.as_ref() == Some(key)
        })?;
        Ok(found.map(|p| p.id))
    }

    /// The first open application of `ids` that is `wanted`. Only an
    /// undecided application's content is read, and only a wanted one's
    /// records: a federation's history has thousands of proposals.
    fn open_application(
        &self,
        ids: impl Iterator<Item = ProposalId>,
        now: &Timestamp,
        wanted: impl Fn(&Proposal) -> bool,
    ) -> Result<Option<Proposal>> {
        for id in ids {
            if has_decision(&self.snapshot, &id) {
                continue;
            }
            let content = Proposal::load_content(&self.snapshot, &id)?;
            if content.file.kind != Kind::Member || !wanted(&content) {
                continue;
            }
            let p = self.proposal(&id)?;
            if rules::status(&p, now) == Status::Open {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    fn in_force(&self, member: &MemberId) -> Result<&crate::model::member::Member> {
        self.members()?.get(member).ok_or_else(|| {
            RuleError::SubjectNotMember {
                member: member.clone(),
            }
            .into()
        })
    }
}

fn one_line(what: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() || text.contains('\n') || text.len() > 1000 {
        return Err(Error::Invalid(format!(
            "the {what} must be one line of at most 1000 characters"
        )));
    }
    Ok(())
}

impl Group {
    /// Records a candidate's application, signed with the candidate's own
    /// key: proof that it holds the key that will be registered.
    pub fn apply(&self, key: &SigningKey, app: Application, now: Timestamp) -> Result<ProposalId> {
        one_line("name", &app.name)?;
        let tx = self.begin_as_candidate(key, app.id.clone(), app.name.clone(), now)?;
        let state = tx.state();
        if let Some(why) = state.members()?.ever_registered(&app.id, key.public()) {
            return Err(RuleError::Registered(why).into());
        }
        if let Some(open) = state.application(&app.id, &now)? {
            return Err(RuleError::AlreadyApplied {
                member: app.id,
                proposal: open.id,
            }
            .into());
        }
        if let Some(other) = state.open_application_with_key(key.public(), &now)? {
            return Err(RuleError::KeyInUse { proposal: other }.into());
        }
        let gaps = state.statement_gaps(&app.statement)?;
        if !gaps.is_empty() {
            return Err(RuleError::StatementGaps { missing: gaps }.into());
        }
        let new = application(&state.governance, app, key.public(), now)?;
        tx.file(new)
    }

    /// A member proposes a candidate who has applied.
    pub fn propose_member(
        &self,
        key: &SigningKey,
        candidate: &MemberId,
        now: Timestamp,
    ) -> Result<ActOutcome> {
        let tx = self.begin(key, now)?;
        let Some(application) = tx.state().application(candidate, &now)? else {
            let candidate = candidate.clone();
            return Err(RuleError::NoApplication { candidate }.into());
        };
        tx.act(application, Act::Propose, None)
    }

    /// Proposes to remove a member; the other members decide.
    pub fn propose_removal(
        &self,
        key: &SigningKey,
        subject: &MemberId,
        reason: &str,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        one_line("reason", reason)?;
        self.propose_about(
            key,
            subject,
            Kind::RemoveMember,
            deadline,
            now,
            |_, file, m| {
                file.title = format!("Remove {} ({})", m.name, m.id);
                file.reason = Some(reason.to_string());
                Ok(())
            },
        )
    }

    /// Proposes a new key for a member who lost its own; the other members
    /// decide.
    pub fn propose_key_replacement(
        &self,
        key: &SigningKey,
        subject: &MemberId,
        new_key: &PublicKey,
        attestation: Option<Attestation>,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        self.propose_about(
            key,
            subject,
            Kind::ReplaceKey,
            deadline,
            now,
            |state, file, m| {
                if let Some(owner) = state.members()?.holder(new_key) {
                    return Err(RuleError::Registered(Registration::Key(owner.id.clone())).into());
                }
                file.title = format!("Replace the key of {} ({})", m.name, m.id);
                register(file, new_key, attestation);
                Ok(())
            },
        )
    }

    fn propose_about(
        &self,
        key: &SigningKey,
        subject: &MemberId,
        kind: Kind,
        deadline: Option<Timestamp>,
        now: Timestamp,
        fill: impl FnOnce(&State<'_>, &mut ProposalFile, &crate::model::member::Member) -> Result<()>,
    ) -> Result<ProposalId> {
        let tx = self.begin(key, now)?;
        let state = tx.state();
        let concerned = state.in_force(subject)?;
        if kind == Kind::RemoveMember {
            rules::check_one_less(format!("removing {subject}"), state.members()?)?;
        }
        let mut file = ProposalFile::new(kind, String::new(), Some(tx.signer().id.clone()), now);
        file.deadline = state.deadline(deadline, now)?;
        file.member = Some(subject.clone());
        fill(state, &mut file, concerned)?;
        let new = NewProposal {
            slug: format!("{}-{subject}", kind.as_str()),
            file,
            changes: Default::default(),
            statement: None,
        };
        tx.file(new)
    }

    /// The acting member leaves the group: a signed departure, no vote.
    pub fn leave(&self, key: &SigningKey, now: Timestamp) -> Result<ProposalId> {
        let tx = self.begin(key, now)?;
        let member = tx.signer().clone();
        rules::check_one_less(format!("{}'s departure", member.id), tx.state().members()?)?;
        tx.file(departure(&member.id, &member.name, now))
    }

    /// The acting member replaces its key by `new`: a record signed by both
    /// keys, in force at once.
    pub fn rotate_key(
        &self,
        old: &SigningKey,
        new: &SigningKey,
        attestation: Option<Attestation>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let tx = self.begin(old, now)?;
        let member = tx.signer().clone();
        let mut proposal = rotation(&member.id, &member.name, new.public(), now);
        register(&mut proposal.file, new.public(), attestation);
        tx.file_rotation(proposal, new)
    }
}

/// The proposal a candidate's application files (with `key`, the key it
/// asks to register), once its statement is checked. The builders below
/// are pure, so that a history can be drafted without a repository (the
/// federation generator) exactly as the commands draft it.
pub fn application(
    governance: &Governance,
    app: Application,
    key: &PublicKey,
    now: Timestamp,
) -> Result<NewProposal> {
    let mut file = ProposalFile::new(
        Kind::Member,
        format!("Admit {} ({})", app.name, app.id),
        None,
        now,
    );
    file.deadline = governance.deadline(app.deadline, now)?;
    file.member = Some(app.id.clone());
    file.name = Some(app.name.clone());
    file.organisation = app.organisation;
    register(&mut file, key, app.attestation);
    Ok(NewProposal {
        slug: format!("member-{}", app.id),
        file,
        changes: Default::default(),
        statement: Some(app.statement),
    })
}

/// The key a proposal registers, with its attestation if any.
fn register(file: &mut ProposalFile, key: &PublicKey, attestation: Option<Attestation>) {
    file.key = Some(key.to_openssh());
    file.attestation = attestation.as_ref().map(Attestation::blob_base64);
    file.attestation_challenge = attestation.as_ref().map(Attestation::challenge_base64);
}

/// A member's departure: its own record, no vote.
pub fn departure(member: &MemberId, name: &str, now: Timestamp) -> NewProposal {
    own_record(
        Kind::Leave,
        format!("{name} ({member}) leaves"),
        "leave",
        member,
        now,
    )
}

/// A member's change of its own key to `new`.
pub fn rotation(member: &MemberId, name: &str, new: &PublicKey, now: Timestamp) -> NewProposal {
    let title = format!("{name} ({member}) rotates its key");
    let mut p = own_record(Kind::RotateKey, title, "rotate-key", member, now);
    register(&mut p.file, new, None);
    p
}

/// A proposal about `member`, filed by `member`, changing no file.
fn own_record(
    kind: Kind,
    title: String,
    slug: &str,
    member: &MemberId,
    now: Timestamp,
) -> NewProposal {
    let mut file = ProposalFile::new(kind, title, Some(member.clone()), now);
    file.member = Some(member.clone());
    NewProposal {
        slug: format!("{slug}-{member}"),
        file,
        changes: Default::default(),
        statement: None,
    }
}
