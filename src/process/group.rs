//! A governance repository and the operations that change it: create it,
//! file a proposal, sign an act, finalize. Every operation reads the HEAD
//! tree only, checks the rules, and writes one signed commit or nothing.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use crate::crypto::attestation::Attestation;
use crate::crypto::key::{PublicKey, SigningKey};
use crate::model::act::Act;
use crate::model::charter;
use crate::model::clock::Timestamp;
use crate::model::error::{to_toml, Error, Result};
use crate::model::governance::{self, Governance};
use crate::model::id::{Lang, MemberId, ProposalId};
use crate::model::member::{Member, Members};
use crate::model::proposal::{Proposal, ProposalFile};
use crate::model::template::Template;
use crate::model::tree::join;
pub use crate::process::amendment::{Change, Draft, NewLanguage};
use crate::process::transaction::{committer, Signer};
use crate::store::journal::Recovery;
use crate::store::repo::{Edits, Repo};
pub use crate::store::view::State;
use crate::store::Oid;
use crate::verify::clone::ensure_verified;

/// A founding member, as given to `init`.
pub struct Founder {
    pub id: MemberId,
    pub name: Option<String>,
    pub key: PublicKey,
    /// The key's attestation, where the group asks for one.
    pub attestation: Option<Attestation>,
}

pub struct InitOptions<'a> {
    pub template: &'static Template,
    pub name: String,
    /// PEM certificates: when any, every key must be an attested security
    /// key (governance.toml's `attestation_roots`).
    pub attestation_roots: Vec<String>,
    pub founders: Vec<Founder>,
    pub key: &'a SigningKey,
    pub now: Timestamp,
}

/// Creates a governance repository in `dir` (new or empty) with one signed
/// genesis commit, the trust root. Returns its id.
pub fn init(dir: &Path, opts: InitOptions<'_>) -> Result<Oid> {
    let needed = crate::model::governance::MIN_MEMBERS;
    if opts.founders.len() < needed {
        return Err(Error::Invalid(format!(
            "name at least {needed} founding members with --member: one to propose and another to second, or the group can never decide"
        )));
    }
    let languages = opts
        .template
        .languages
        .iter()
        .map(|l| l.parse())
        .collect::<Result<Vec<Lang>>>()?;
    let mut gov = Governance::new(&opts.name, languages);
    if gov.name.trim().is_empty() || gov.name.contains('\n') {
        return Err(Error::Invalid(
            "the group's name must be one non-empty line".into(),
        ));
    }
    gov.attestation_roots = opts.attestation_roots;
    gov.roots()
        .map_err(|e| Error::Invalid(format!("the attestation roots: {e}")))?;
    let mut members = Members::default();
    for f in opts.founders {
        if members.contains(&f.id) {
            return Err(Error::Invalid(format!("member '{}' is named twice", f.id)));
        }
        if let Some(other) = members.holder(&f.key) {
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
        crate::rules::check_key_proof(&gov, &f.key, f.attestation.as_ref(), &opts.now)
            .map_err(|e| Error::Invalid(format!("member '{}': {e}", f.id)))?;
        let mut member = Member::new(f.id.clone(), name, None, f.key, opts.now);
        member.attestation = f.attestation;
        members.by_id.insert(f.id, member);
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

    discard_interrupted_init(dir, &edits)?;
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
    let marker = repo.state_dir().join(INITIALIZING);
    std::fs::create_dir_all(repo.state_dir()).map_err(|e| Error::io(repo.state_dir(), e))?;
    std::fs::write(&marker, b"").map_err(|e| Error::io(&marker, e))?;
    let message = format!(
        "init {}: the {} charter\n\nCharter-Act: init\nCharter-Template: {}\nCharter-Signer: {}\n",
        gov.name, opts.template.name, opts.template.name, acting.id
    );
    let signer = Signer {
        id: acting.id.clone(),
        name: acting.name.clone(),
        key: opts.key,
    };
    let who = committer(&signer, opts.now);
    let root = repo.commit(None, &edits, &message, &who)?;
    repo.record_root(root)?;
    std::fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
    Ok(root)
}

/// Marks a repository `init` has begun and not finished.
const INITIALIZING: &str = "initializing";

/// What an interrupted `init` left in `dir` (only ever a new or empty
/// folder) is removed, so running it again starts afresh.
fn discard_interrupted_init(dir: &Path, edits: &Edits) -> Result<()> {
    let git = dir.join(".git");
    if !git.join("charter").join(INITIALIZING).is_file() {
        return Ok(());
    }
    let mut ours: Vec<&str> = edits
        .write
        .keys()
        .filter_map(|p| p.split('/').next())
        .collect();
    ours.dedup();
    for top in ours {
        let path = dir.join(top);
        let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
    }
    std::fs::remove_dir_all(&git).map_err(|e| Error::io(&git, e))
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
    recovered: Option<Recovery>,
    unverified: Option<Error>,
    /// The last HEAD read, with its governance and members: a command
    /// reads them once, not once to open the group and again to act.
    read: RefCell<Option<(Oid, Governance, Option<Members>)>>,
    /// Asked, under the lock, before the first signature of each act, with
    /// the proposal exactly as it will be signed: the CLI shows it and asks
    /// the delegate. An error refuses the act and nothing is written.
    confirm: Option<Box<Confirm>>,
}

/// See [`Group::confirm_with`].
pub type Confirm = dyn Fn(&State<'_>, &Proposal, Act, &MemberId) -> Result<()>;

impl Group {
    /// Opens the group at `path`: finishes or drops what an interrupted
    /// command left, then checks that HEAD's history verifies (from the
    /// last commit this clone verified). Acts refuse a HEAD that does not;
    /// listings still show it, with [`Group::unverified`] to warn.
    pub fn open(path: &Path) -> Result<Self> {
        let repo = Repo::open(path)?;
        let recovered = repo.recover_interrupted()?;
        let mut group = Self {
            repo,
            recovered,
            unverified: None,
            read: RefCell::new(None),
            confirm: None,
        };
        group.state()?;
        match ensure_verified(&group.repo) {
            Err(e @ Error::Unverified(_)) => group.unverified = Some(e),
            other => other?,
        }
        Ok(group)
    }

    /// Asks `confirm` before signing each act from now on (see the field).
    pub fn confirm_with(&mut self, confirm: Box<Confirm>) {
        self.confirm = Some(confirm);
    }

    pub(crate) fn confirmation(&self) -> Option<&Confirm> {
        self.confirm.as_deref()
    }

    /// Why HEAD's history does not verify, if it does not.
    pub fn unverified(&self) -> Option<&Error> {
        self.unverified.as_ref()
    }

    /// What opening the group recovered from an interrupted command.
    pub fn recovered(&self) -> Option<&Recovery> {
        self.recovered.as_ref()
    }

    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// HEAD as it stands now. What a commit holds never changes, so its
    /// governance and members are read again only when HEAD has moved.
    pub fn state(&self) -> Result<State<'_>> {
        let head = self.repo.head()?;
        if let (Some(head), Some((read, governance, members))) = (head, &*self.read.borrow()) {
            if head == *read {
                return Ok(State::with(
                    self.repo.snapshot(head)?,
                    head,
                    governance.clone(),
                    members.clone(),
                ));
            }
        }
        let state = State::at_head(&self.repo)?;
        let read = (
            state.head,
            state.governance.clone(),
            state.members_read().cloned(),
        );
        *self.read.borrow_mut() = Some(read);
        Ok(state)
    }

    /// Files a new amendment proposal, signed by its proposer. Returns its id.
    pub fn propose(&self, key: &SigningKey, draft: Draft, now: Timestamp) -> Result<ProposalId> {
        let tx = self.begin(key, now)?;
        let new = crate::process::amendment::build(tx.state(), draft, &tx.signer().id, now)?;
        tx.file(new)
    }

    /// Files a proposal to add a language to the charter. Returns its id.
    pub fn propose_language(
        &self,
        key: &SigningKey,
        language: NewLanguage,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let tx = self.begin(key, now)?;
        let new =
            crate::process::amendment::build_language(tx.state(), language, &tx.signer().id, now)?;
        tx.file(new)
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
        let tx = self.begin(key, now)?;
        let proposal = tx.state().proposal(&tx.state().find(prefix)?)?;
        tx.act(proposal, act, reason)
    }

    /// Finalizes a proposal every member of the electorate has accepted.
    pub fn finalize(&self, key: &SigningKey, prefix: &str, now: Timestamp) -> Result<Oid> {
        let tx = self.begin(key, now)?;
        let proposal = tx.state().proposal(&tx.state().find(prefix)?)?;
        tx.finalize(&proposal)
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
