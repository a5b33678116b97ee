//! A governance repository and the operations that change it: create it,
//! file a proposal, sign an act, finalize. Every operation reads the HEAD
//! tree only, checks the rules, and writes one signed commit or nothing.

use std::collections::BTreeMap;
use std::path::Path;

use crate::crypto::key::{PublicKey, SigningKey};
use crate::model::act::Act;
use crate::model::charter;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{to_toml, Error, Result};
use crate::model::governance::{self, Governance};
use crate::model::id::{slugify, Lang, MemberId, ProposalId};
use crate::model::member::{Member, Members};
use crate::model::proposal::{self, Decision, Kind, Outcome, Proposal, ProposalFile, Record};
use crate::model::record::{Message, SignedAct};
use crate::model::review;
use crate::model::template::Template;
use crate::model::tree::join;
pub use crate::process::amendment::{Change, Draft};
use crate::rules;
use crate::rules::finalization;
use crate::store::repo::{Committer, Edits, Repo};
pub use crate::store::view::State;
use crate::store::Oid;

/// A founding member, as given to `init`.
pub struct Founder {
    pub id: MemberId,
    pub name: Option<String>,
    pub key: PublicKey,
}

pub struct InitOptions<'a> {
    pub template: &'static Template,
    pub name: String,
    pub founders: Vec<Founder>,
    pub key: &'a SigningKey,
    pub now: Timestamp,
}

/// Creates a governance repository in `dir` (new or empty) with one signed
/// genesis commit, the trust root. Returns its id.
pub fn init(dir: &Path, opts: InitOptions<'_>) -> Result<Oid> {
    if opts.founders.is_empty() {
        return Err(Error::Invalid(
            "name at least one founding member with --member".into(),
        ));
    }
    let languages = opts
        .template
        .languages
        .iter()
        .map(|l| l.parse())
        .collect::<Result<Vec<Lang>>>()?;
    let gov = Governance::new(&opts.name, languages);
    if gov.name.trim().is_empty() || gov.name.contains('\n') {
        return Err(Error::Invalid(
            "the group's name must be one non-empty line".into(),
        ));
    }
    let mut members = Members::default();
    for f in opts.founders {
        if members.contains(&f.id) {
            return Err(Error::Invalid(format!("member '{}' is named twice", f.id)));
        }
        if let Some(other) = members.by_key(&f.key) {
            return Err(Error::Invalid(format!(
                "members '{}' and '{}' have the same key",
                other.id, f.id
            )));
        }
        let name = f.name.unwrap_or_else(|| f.id.to_string());
        if name.trim().is_empty() || name.contains('\n') {
            return Err(Error::Invalid(format!(
                "member '{}' needs a one-line name",
                f.id
            )));
        }
        members
            .by_id
            .insert(f.id.clone(), Member::new(f.id, name, None, f.key, opts.now));
    }
    let Some(acting) = members.by_key(opts.key.public()) else {
        return Err(Error::NotAMember {
            fingerprint: opts.key.public().fingerprint(),
            group: "the founding members".into(),
        });
    };
    let mut edits = Edits::default();
    edits.put(governance::PATH, to_toml(&gov)?);
    for (name, text) in opts.template.files {
        edits.put(join(charter::DIR, name), *text);
    }
    for (path, text) in members.files()? {
        edits.put(path, text);
    }

    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::Invalid(format!(
            "{}: not empty; init needs a new or empty folder",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let repo = Repo::init(dir)?;
    let message = format!(
        "init {}: the {} charter\n\nCharter-Act: init\nCharter-Template: {}\nCharter-Signer: {}\n",
        gov.name, opts.template.name, opts.template.name, acting.id
    );
    let who = committer(&repo, &acting.name, &acting.id, opts.key, opts.now);
    let root = repo.commit(None, &edits, &message, &who)?;
    repo.record_root(root)?;
    Ok(root)
}

/// The commit's author: the user's git identity when set, else the signer.
fn committer<'k>(
    repo: &Repo,
    name: &str,
    id: &MemberId,
    key: &'k SigningKey,
    when: Timestamp,
) -> Committer<'k> {
    let (name, email) = repo
        .identity()
        .unwrap_or_else(|| (name.to_string(), format!("{id}@charter.invalid")));
    Committer {
        name,
        email,
        key,
        when,
    }
}

/// What an act led to.
pub struct ActOutcome {
    pub id: ProposalId,
    pub commit: Oid,
    /// The finalization commit, when this act completed the decision.
    pub finalized: Option<Oid>,
}

pub struct Group {
    repo: Repo,
}

impl Group {
    pub fn open(path: &Path) -> Result<Self> {
        let repo = Repo::open(path)?;
        let group = Self { repo };
        group.state()?;
        Ok(group)
    }

    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    pub fn state(&self) -> Result<State<'_>> {
        State::at_head(&self.repo)
    }

    /// Files a new amendment proposal, signed by its proposer. Returns its id.
    pub fn propose(&self, key: &SigningKey, draft: Draft, now: Timestamp) -> Result<ProposalId> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let proposer = state.member_for(key.public())?.clone();
        let new = crate::process::amendment::build(&state, draft, &proposer.id, now)?;
        let signer = Signer::proposer(&proposer, key);
        Ok(self.file(&state, new, &[signer], now, false)?.0)
    }

    /// Files a proposal to add a language to the charter. Returns its id.
    pub fn propose_language(
        &self,
        key: &SigningKey,
        lang: Lang,
        texts: BTreeMap<crate::model::id::PrincipleId, String>,
        title: Option<String>,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let proposer = state.member_for(key.public())?.clone();
        let new = crate::process::amendment::build_language(
            &state,
            lang,
            texts,
            title,
            deadline,
            &proposer.id,
            now,
        )?;
        let signer = Signer::proposer(&proposer, key);
        Ok(self.file(&state, new, &[signer], now, false)?.0)
    }

    /// Writes a new proposal with its first signed records in one commit;
    /// with `finalize`, finalizes it at once (a member's own departure or
    /// key rotation). The first signer makes the commit.
    pub(crate) fn file(
        &self,
        state: &State<'_>,
        new: NewProposal,
        signers: &[Signer<'_>],
        now: Timestamp,
        finalize: bool,
    ) -> Result<(ProposalId, Oid)> {
        let title = &new.file.title;
        if title.trim().is_empty() || title.contains('\n') {
            return Err(Error::Invalid(
                "the title must be one non-empty line".into(),
            ));
        }
        let Some(first) = signers.first() else {
            return Err(Error::Invalid("a proposal needs a signer".into()));
        };
        let id = next_id(state, now, &new.slug)?;
        let mut proposal =
            Proposal::from_parts(&id, to_toml(&new.file)?, new.changes, new.statement)?;
        rules::check_created(&proposal, &state.members)?;
        let mut edits = Edits::default();
        for (rel, text) in proposal.content_files() {
            edits.put(join(&id.dir(), &rel), text);
        }
        for s in signers {
            let record =
                self.sign_act(&proposal, &state.members, &s.id, s.key, s.act, None, now)?;
            put_record(&mut edits, &proposal, &record);
            proposal.records.push(Record {
                path: String::new(),
                act: record,
            });
        }
        if finalize {
            // Refuse before writing anything: a half-done departure or
            // rotation must not be left behind.
            rules::check_finalize(&proposal, &state.members, &state.snapshot, &now)?;
            finalization::effect(&proposal, &state.snapshot, &state.members, now)?;
        }
        let message = commit_message(first.act, &proposal, &first.id, "");
        let who = committer(&self.repo, &first.name, &first.id, first.key, now);
        let mut commit = self.repo.commit(Some(state.head), &edits, &message, &who)?;
        if finalize {
            let state = self.state()?;
            rules::check_finalize(&proposal, &state.members, &state.snapshot, &now)?;
            commit =
                self.write_finalization(&state, &first.name, &first.id, first.key, &proposal, now)?;
        }
        Ok((id, commit))
    }

    /// Signs an act on a proposal; finalizes it when this act completes the
    /// decision.
    pub fn act(
        &self,
        key: &SigningKey,
        prefix: &str,
        act: Act,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<ActOutcome> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let member = state.member_for(key.public())?.clone();
        let id = state.find(prefix)?;
        let proposal = state.proposal(&id)?;
        let (commit, finalized) = self.add_act(
            &state,
            proposal,
            &member.id,
            &member.name,
            key,
            act,
            reason,
            now,
        )?;
        Ok(ActOutcome {
            id,
            commit,
            finalized,
        })
    }

    /// Adds one signed act to a filed proposal in one commit, then
    /// finalizes the proposal if this act completed the decision.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_act(
        &self,
        state: &State<'_>,
        mut proposal: Proposal,
        signer: &MemberId,
        name: &str,
        key: &SigningKey,
        act: Act,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<(Oid, Option<Oid>)> {
        let record = self.sign_act(&proposal, &state.members, signer, key, act, reason, now)?;
        let mut edits = Edits::default();
        put_record(&mut edits, &proposal, &record);
        proposal.records.push(Record {
            path: String::new(),
            act: record,
        });
        let completes = matches!(
            act,
            Act::Accept | Act::Second | Act::WithdrawObjection | Act::Propose
        ) && rules::check_finalize(
            &proposal,
            &state.members,
            &state.snapshot,
            &rules::decision_date(&proposal, &state.snapshot, now),
        )
        .is_ok();
        if completes {
            // An act whose decision could not take effect is refused before
            // anything is written.
            finalization::effect(&proposal, &state.snapshot, &state.members, now)?;
        }
        let text = commit_message(act, &proposal, signer, "");
        let who = committer(&self.repo, name, signer, key, now);
        let commit = self.repo.commit(Some(state.head), &edits, &text, &who)?;
        let finalized = if completes {
            let state = self.state()?;
            Some(self.write_finalization(&state, name, signer, key, &proposal, now)?)
        } else {
            None
        };
        Ok((commit, finalized))
    }

    /// Finalizes a proposal every member of the electorate has accepted.
    pub fn finalize(&self, key: &SigningKey, prefix: &str, now: Timestamp) -> Result<Oid> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let member = state.member_for(key.public())?.clone();
        let proposal = state.proposal(&state.find(prefix)?)?;
        let date = rules::decision_date(&proposal, &state.snapshot, now);
        rules::check_finalize(&proposal, &state.members, &state.snapshot, &date)?;
        self.write_finalization(&state, &member.name, &member.id, key, &proposal, now)
    }

    /// Finalizes `proposal` on top of HEAD; the caller holds the lock.
    pub(crate) fn finalize_unlocked(
        &self,
        state: &State<'_>,
        member: &Member,
        key: &SigningKey,
        proposal: &Proposal,
        now: Timestamp,
    ) -> Result<Oid> {
        self.write_finalization(state, &member.name, &member.id, key, proposal, now)
    }

    /// Builds, checks against the rules and signs one act.
    #[allow(clippy::too_many_arguments)]
    fn sign_act(
        &self,
        proposal: &Proposal,
        members: &Members,
        signer: &MemberId,
        key: &SigningKey,
        act: Act,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<SignedAct> {
        let message = Message {
            repository: self.repo.root()?.to_string(),
            proposal: proposal.id.clone(),
            digest: proposal.digest,
            act,
            signer: signer.clone(),
            date: now,
            reason,
        };
        rules::check_act(proposal, members, &message)?;
        if rules::signing_key(proposal, members, &message) != Some(key.public()) {
            return Err(Error::key(
                key.path().display().to_string(),
                format!("not the key that must sign {signer}'s {act}"),
            ));
        }
        SignedAct::sign(message, key)
    }

    fn write_finalization(
        &self,
        state: &State<'_>,
        name: &str,
        signer: &MemberId,
        key: &SigningKey,
        proposal: &Proposal,
        now: Timestamp,
    ) -> Result<Oid> {
        let now = rules::decision_date(proposal, &state.snapshot, now);
        let decision = Decision {
            outcome: Outcome::Adopted,
            date: clock::format(&now),
            electorate: rules::electorate(proposal, &state.members),
        };
        let mut edits = Edits::default();
        edits.put(
            join(&proposal.id.dir(), proposal::DECISION),
            to_toml(&decision)?,
        );
        for (path, content) in finalization::effect(proposal, &state.snapshot, &state.members, now)?
        {
            match content {
                Some(text) => edits.put(path, text),
                None => {
                    edits.delete.insert(path);
                }
            }
        }
        let tally = rules::Tally::of(proposal);
        let accepted = tally
            .accepted
            .iter()
            .map(MemberId::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let body = format!("Accepted by {accepted}.\n\n");
        let text = commit_message_with("finalize", proposal, signer, &body);
        let tag = match (proposal.file.kind, proposal.file.review) {
            (Kind::ReviewClose, Some(year)) => Some(review::tag(year)),
            _ => None,
        };
        if let Some(tag) = &tag {
            if self.repo.has_tag(tag) {
                return Err(Error::Invalid(format!(
                    "tag {tag} already exists; remove it first"
                )));
            }
        }
        let who = committer(&self.repo, name, signer, key, now);
        let commit = self.repo.commit(Some(state.head), &edits, &text, &who)?;
        if let Some(tag) = tag {
            self.repo.tag(&tag, commit)?;
        }
        Ok(commit)
    }
}

/// A signer of the records a new proposal starts with.
pub(crate) struct Signer<'k> {
    pub id: MemberId,
    pub name: String,
    pub key: &'k SigningKey,
    pub act: Act,
}

impl<'k> Signer<'k> {
    /// A member's `propose` act.
    pub fn proposer(member: &Member, key: &'k SigningKey) -> Self {
        Self {
            id: member.id.clone(),
            name: member.name.clone(),
            key,
            act: Act::Propose,
        }
    }
}

/// A proposal ready to be filed.
pub struct NewProposal {
    /// The words of its id.
    pub slug: String,
    pub file: ProposalFile,
    pub changes: BTreeMap<String, String>,
    pub statement: Option<String>,
}

fn commit_message(act: Act, p: &Proposal, signer: &MemberId, body: &str) -> String {
    commit_message_with(act.as_str(), p, signer, body)
}

/// `<act> <id>: <title>`, then git trailers a reader (or a script) can use.
fn commit_message_with(act: &str, p: &Proposal, signer: &MemberId, body: &str) -> String {
    format!(
        "{act} {id}: {title}\n\n{body}Charter-Act: {act}\nCharter-Proposal: {id}\nCharter-Signer: {signer}\n",
        id = p.id,
        title = p.file.title
    )
}

fn put_record(edits: &mut Edits, proposal: &Proposal, record: &SignedAct) {
    let stem = join(&proposal.id.dir(), &record.message.file_stem());
    edits.put(format!("{stem}.msg"), record.message.text());
    edits.put(format!("{stem}.sig"), record.signature.clone());
}

fn next_id(state: &State<'_>, now: Timestamp, slug: &str) -> Result<ProposalId> {
    let year = chrono::Datelike::year(&now);
    let taken = state
        .snapshot
        .list(&format!("{}/{year}", proposal::ROOT))?
        .len();
    ProposalId::new(year, taken as u32 + 1, &slugify(slug))
}
