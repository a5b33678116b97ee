//! One act from beginning to end, as jj's `Transaction`: it takes the lock,
//! the HEAD view and the acting signer once, and either writes its signed
//! commit (then the finalization, when the act completes a decision) or
//! nothing. Every check that can refuse runs before the first write.

use crate::crypto::key::SigningKey;
use crate::model::act::Act;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{to_toml, Error, Result};
use crate::model::id::{slugify, MemberId, ProposalId};
use crate::model::member::Members;
use crate::model::proposal::{self, Decision, Kind, Outcome, Proposal, Record};
use crate::model::record::{Message, SignedAct};
use crate::model::review;
use crate::model::tree::{join, Tree};
use crate::process::group::{ActOutcome, Confirm, Group, NewProposal};
use crate::rules;
use crate::rules::finalization;
use crate::store::journal::{Move, TagMove};
use crate::store::repo::{Committer, Edits, Lock, Repo};
use crate::store::view::State;
use crate::store::Oid;
use crate::verify::clone::ensure_verified;

/// Who signs: a member, or a candidate signing its own application.
#[derive(Clone)]
pub struct Signer<'k> {
    pub id: MemberId,
    pub name: String,
    pub key: &'k SigningKey,
}

/// An act in progress on HEAD; dropping it writes nothing.
pub struct Transaction<'g, 'k> {
    repo: &'g Repo,
    _lock: Lock,
    state: State<'g>,
    signer: Signer<'k>,
    now: Timestamp,
    confirm: Option<&'g Confirm>,
}

impl Group {
    /// Begins an act of the member who holds `key`.
    pub fn begin<'k>(&self, key: &'k SigningKey, now: Timestamp) -> Result<Transaction<'_, 'k>> {
        self.start(now, |state| {
            let member = state.member_for(key.public())?;
            Ok(Signer {
                id: member.id.clone(),
                name: member.name.clone(),
                key,
            })
        })
    }

    /// Begins the act of one who is not a member: a candidate's own
    /// application, signed with the key it asks to register.
    pub fn begin_as_candidate<'k>(
        &self,
        key: &'k SigningKey,
        id: MemberId,
        name: String,
        now: Timestamp,
    ) -> Result<Transaction<'_, 'k>> {
        self.start(now, |_| Ok(Signer { id, name, key }))
    }

    /// Takes the lock, then reads HEAD and who signs, in that order: what
    /// the act is judged against cannot change under it.
    fn start<'k>(
        &self,
        now: Timestamp,
        signer: impl FnOnce(&State<'_>) -> Result<Signer<'k>>,
    ) -> Result<Transaction<'_, 'k>> {
        let lock = self.repo().lock()?;
        // Another command may have been interrupted since this one opened.
        self.repo().recover()?;
        ensure_verified(self.repo())?;
        let state = self.state()?;
        let signer = signer(&state)?;
        Ok(Transaction {
            repo: self.repo(),
            _lock: lock,
            state,
            signer,
            now,
            confirm: self.confirmation(),
        })
    }
}

impl<'g, 'k> Transaction<'g, 'k> {
    pub fn state(&self) -> &State<'g> {
        &self.state
    }

    pub fn signer(&self) -> &Signer<'k> {
        &self.signer
    }

    /// Files a new proposal with the signer's first act (`apply` for an
    /// application, `propose` otherwise). A kind a member decides alone is
    /// finalized at once.
    pub fn file(self, new: NewProposal) -> Result<ProposalId> {
        let first = match new.file.kind {
            Kind::Member => Act::Apply,
            _ => Act::Propose,
        };
        let signer = self.signer.clone();
        self.file_signed(new, &[(signer, first)])
    }

    /// What the delegate is asked before the first signature, if anything.
    fn confirm(&self, proposal: &Proposal, act: Act) -> Result<()> {
        self.confirm.map_or(Ok(()), |confirm| {
            confirm(&self.state, proposal, act, &self.signer.id)
        })
    }

    /// Files a key rotation: `propose` signed by the old key, `confirm-key`
    /// by the new one, in force at once.
    pub fn file_rotation(self, new: NewProposal, new_key: &SigningKey) -> Result<ProposalId> {
        let old = self.signer.clone();
        let confirm = Signer {
            key: new_key,
            ..old.clone()
        };
        self.file_signed(new, &[(old, Act::Propose), (confirm, Act::ConfirmKey)])
    }

    fn file_signed(self, new: NewProposal, signers: &[(Signer<'_>, Act)]) -> Result<ProposalId> {
        let title = &new.file.title;
        if title.trim().is_empty() || title.contains('\n') {
            return Err(Error::Invalid(
                "the title must be one non-empty line".into(),
            ));
        }
        let at_once = new.file.kind.is_unilateral();
        let id = self.next_id(&new.slug)?;
        let mut proposal =
            Proposal::from_parts(&id, to_toml(&new.file)?, new.changes, new.statement)?;
        rules::check_created(&proposal, self.state.members()?)?;
        rules::check_content(&proposal, &self.state.governance, &self.state.snapshot)?;
        if !at_once {
            if let Some(twin) = self.open_twin(&proposal, id.slug())? {
                return Err(rules::RuleError::AlreadyFiled { proposal: twin }.into());
            }
        }
        if let Some((_, first)) = signers.first() {
            self.confirm(&proposal, *first)?;
        }
        let mut edits = Edits::default();
        for (rel, text) in proposal.content_files() {
            edits.put(join(&id.dir(), &rel), text);
        }
        for (signer, act) in signers {
            let record = self.sign(&proposal, signer, *act, None)?;
            put_record(&mut edits, &proposal, &record);
            proposal.records.push(Record {
                path: String::new(),
                act: record,
            });
        }
        if at_once {
            // Refuse before writing anything: a half-done departure or
            // rotation must not be left behind.
            let (members, snapshot) = (self.state.members()?, &self.state.snapshot);
            rules::check_finalize(&proposal, members, snapshot, &self.now)?;
            finalization::effect(&proposal, snapshot, members, self.now)?;
        }
        let first = signers.first().map_or(Act::Propose, |(_, act)| *act);
        let message = commit_message(first.as_str(), &proposal, "", &self.signer.id);
        let filed = self.write(&message, &edits)?;
        let mut mv = Move::new(Some(self.state.head), filed, &message);
        if at_once {
            let state = State::at(self.repo, filed)?;
            rules::check_finalize(&proposal, state.members()?, &state.snapshot, &self.now)?;
            let (finalized, tag) =
                finalization_commit(self.repo, &state, &self.signer, &proposal, self.now, &[])?;
            mv.new = finalized;
            mv.tags.extend(tag);
        }
        self.repo.advance(&mv)?;
        Ok(id)
    }

    /// Adds the signer's `act` to a filed proposal, then finalizes the
    /// proposal if this act completed the decision.
    pub fn act(
        self,
        mut proposal: Proposal,
        act: Act,
        reason: Option<String>,
    ) -> Result<ActOutcome> {
        if let Some(outcome) = self.rerun(&proposal, act)? {
            return Ok(outcome);
        }
        if matches!(act, Act::Second | Act::Accept) {
            rules::can_take_effect(&proposal, &self.state.snapshot)?;
        }
        self.confirm(&proposal, act)?;
        let signer = self.signer.clone();
        let record = self.sign(&proposal, &signer, act, reason)?;
        let mut edits = Edits::default();
        put_record(&mut edits, &proposal, &record);
        proposal.records.push(Record {
            path: String::new(),
            act: record,
        });
        let (members, snapshot) = (self.state.members()?, &self.state.snapshot);
        let completes = matches!(
            act,
            Act::Accept | Act::Second | Act::WithdrawObjection | Act::Propose
        ) && rules::check_finalize(
            &proposal,
            members,
            snapshot,
            &rules::decision_date(&proposal, snapshot, self.now),
        )
        .is_ok();
        if completes {
            // An act whose decision could not take effect is refused before
            // anything is written.
            finalization::effect(&proposal, snapshot, members, self.now)?;
        }
        let message = commit_message(act.as_str(), &proposal, "", &signer.id);
        let commit = self.write(&message, &edits)?;
        let mut mv = Move::new(Some(self.state.head), commit, &message);
        let finalized = if completes {
            let state = State::at(self.repo, commit)?;
            let (finalized, tag) =
                finalization_commit(self.repo, &state, &signer, &proposal, self.now, &[])?;
            mv.new = finalized;
            mv.tags.extend(tag);
            Some(finalized)
        } else {
            None
        };
        // The act and the finalization it completes move the branch once:
        // a crash cannot leave a decision fully accepted and unfinalized.
        self.repo.advance(&mv)?;
        Ok(ActOutcome {
            id: proposal.id,
            commit,
            finalized,
        })
    }

    /// An acceptance made before that completed the decision but was never
    /// finalized (a crash between the two, in an older version or a
    /// clone): re-running it finalizes, so the command converges.
    fn rerun(&self, proposal: &Proposal, act: Act) -> Result<Option<ActOutcome>> {
        let made = proposal
            .acts()
            .any(|m| m.signer == self.signer.id && m.act == act);
        if !made || !act.is_acceptance() || proposal.decision.is_some() {
            return Ok(None);
        }
        let date = rules::decision_date(proposal, &self.state.snapshot, self.now);
        if rules::check_finalize(proposal, self.state.members()?, &self.state.snapshot, &date)
            .is_err()
        {
            return Ok(None);
        }
        let commit = self.finalize_head(proposal)?;
        Ok(Some(ActOutcome {
            id: proposal.id.clone(),
            commit,
            finalized: Some(commit),
        }))
    }

    /// An open proposal by the same member with the same content as
    /// `proposal` (its dates aside). Its words are the same, so only the
    /// proposals with `slug` are read.
    fn open_twin(&self, proposal: &Proposal, slug: &str) -> Result<Option<ProposalId>> {
        let undated = |p: &Proposal| {
            let mut file = p.file.clone();
            file.created.clear();
            file.deadline = None;
            (file, p.changes.clone(), p.statement.clone())
        };
        let wanted = undated(proposal);
        let snapshot = &self.state.snapshot;
        for id in self.state.proposal_ids()? {
            // A decided one is not open; only a twin's records are read.
            if id.slug() != slug || proposal::has_decision(snapshot, &id) {
                continue;
            }
            match Proposal::load_content(snapshot, &id) {
                Ok(content) if undated(&content) == wanted => {}
                _ => continue,
            }
            let Ok(other) = self.state.proposal(&id) else {
                continue;
            };
            if rules::status(&other, &self.now) == rules::Status::Open {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Finalizes a proposal every member of its electorate has accepted.
    pub fn finalize(self, proposal: &Proposal) -> Result<Oid> {
        let date = rules::decision_date(proposal, &self.state.snapshot, self.now);
        rules::check_finalize(proposal, self.state.members()?, &self.state.snapshot, &date)?;
        self.finalize_head(proposal)
    }

    /// Writes the finalization of `proposal` on HEAD and moves the branch
    /// to it, with its tag. The caller has checked the decision.
    fn finalize_head(&self, proposal: &Proposal) -> Result<Oid> {
        let (commit, tag) = finalization_commit(
            self.repo,
            &self.state,
            &self.signer,
            proposal,
            self.now,
            &[],
        )?;
        let message = format!("finalize {}", proposal.id);
        let mut mv = Move::new(Some(self.state.head), commit, &message);
        mv.tags.extend(tag);
        self.repo.advance(&mv)?;
        Ok(commit)
    }

    /// Builds one act, checks it against the rules, and signs it.
    fn sign(
        &self,
        proposal: &Proposal,
        signer: &Signer<'_>,
        act: Act,
        reason: Option<String>,
    ) -> Result<SignedAct> {
        let message = Message {
            repository: self.repo.root()?.to_string(),
            proposal: proposal.id.clone(),
            digest: proposal.digest,
            act,
            signer: signer.id.clone(),
            date: self.now,
            reason,
        };
        rules::check_act(proposal, self.state.members()?, &message)?;
        if rules::signing_key(proposal, self.state.members()?, &message)
            != Some(signer.key.public())
        {
            return Err(Error::key(
                signer.key.path().display().to_string(),
                format!("not the key that must sign {}'s {act}", signer.id),
            ));
        }
        SignedAct::sign(message, signer.key)
    }

    /// Writes the act's commit object on HEAD; moves nothing.
    fn write(&self, message: &str, edits: &Edits) -> Result<Oid> {
        let who = committer(&self.signer, self.now);
        self.repo
            .write_commit(Some(self.state.head), edits, message, &who)
    }

    fn next_id(&self, slug: &str) -> Result<ProposalId> {
        let year = chrono::Datelike::year(&self.now);
        let taken = self
            .state
            .snapshot
            .list(&format!("{}/{year}", proposal::ROOT))?
            .len();
        ProposalId::new(year, taken as u32 + 1, &slugify(slug))
    }
}

/// What a finalization writes: its decision and effect, its commit
/// message, its date and the review tag that goes with it.
pub struct Finalization {
    pub date: Timestamp,
    pub edits: Edits,
    pub message: String,
    pub tag: Option<String>,
}

/// The finalization of `proposal` by `signer` on top of the tree `base`,
/// whose members are `members`. Pure, so that a history can be written
/// without a work tree (the federation generator) exactly as an act
/// writes it.
pub fn finalization(
    proposal: &Proposal,
    base: &dyn Tree,
    members: &Members,
    signer: &MemberId,
    now: Timestamp,
) -> Result<Finalization> {
    let now = rules::decision_date(proposal, base, now);
    let decision = Decision {
        outcome: Outcome::Adopted,
        date: clock::format(&now),
        electorate: rules::electorate(proposal, members),
    };
    let mut edits = Edits::default();
    edits.put(
        join(&proposal.id.dir(), proposal::DECISION),
        to_toml(&decision)?,
    );
    for (path, content) in finalization::effect(proposal, base, members, now)? {
        match content {
            Some(text) => edits.put(path, text),
            None => {
                edits.delete.insert(path);
            }
        }
    }
    let accepted = rules::Tally::of(proposal)
        .accepted
        .iter()
        .map(MemberId::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let body = format!("Accepted by {accepted}.\n\n");
    let message = commit_message("finalize", proposal, &body, signer);
    let tag = match (proposal.file.kind, proposal.file.review) {
        (Kind::ReviewClose, Some(year)) => Some(review::tag(year)),
        _ => None,
    };
    Ok(Finalization {
        date: now,
        edits,
        message,
        tag,
    })
}

/// Writes the finalization of `proposal` on top of `state` (its decision
/// and its effect, in one commit object) and names the review tag that goes
/// with it; moves nothing. The caller holds the lock and has checked that
/// the decision is complete.
pub(crate) fn finalization_commit(
    repo: &Repo,
    state: &State<'_>,
    signer: &Signer<'_>,
    proposal: &Proposal,
    now: Timestamp,
    freed: &[String],
) -> Result<(Oid, Option<TagMove>)> {
    let f = finalization(proposal, &state.snapshot, state.members()?, &signer.id, now)?;
    if let Some(tag) = &f.tag {
        if repo.has_tag(tag) && !freed.contains(tag) {
            return Err(rules::RuleError::TagExists { tag: tag.clone() }.into());
        }
    }
    let who = committer(signer, f.date);
    let commit = repo.write_commit(Some(state.head), &f.edits, &f.message, &who)?;
    Ok((commit, f.tag.map(|t| (t, Some(commit)))))
}

/// The commit's author and committer: the member who signs, by its
/// registered name and id, whatever machine or git identity acts for it (a
/// secretariat's machine may act for several delegates).
pub(crate) fn committer<'k>(signer: &Signer<'k>, when: Timestamp) -> Committer<'k> {
    Committer {
        name: signer.name.clone(),
        email: format!("{}@charter.invalid", signer.id),
        key: signer.key,
        when,
    }
}

/// `<act> <id>: <title>`, then git trailers a reader (or a script) can use.
pub fn commit_message(act: &str, p: &Proposal, body: &str, signer: &MemberId) -> String {
    format!(
        "{act} {id}: {title}\n\n{body}Charter-Act: {act}\nCharter-Proposal: {id}\nCharter-Signer: {signer}\n",
        id = p.id,
        title = p.file.title
    )
}

fn put_record(edits: &mut Edits, proposal: &Proposal, record: &SignedAct) {
    let (msg, sig) = record.message.record_paths(&proposal.id.dir());
    edits.put(msg, record.message.text());
    edits.put(sig, record.signature.clone());
}
