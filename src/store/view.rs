//! The repository as it stands at HEAD, read once: its tree, governance
//! and members. Every act and every listing starts from one.

use std::cell::OnceCell;

use crate::crypto::key::PublicKey;
use crate::model::charter::Charter;
use crate::model::clock::Timestamp;
use crate::model::error::{Error, Result};
use crate::model::governance::{self, Governance};
use crate::model::id::{ProposalId, ProposalRef};
use crate::model::member::{Member, Members};
use crate::model::proposal::{self, Proposal};
use crate::store::repo::Repo;
use crate::store::snapshot::Snapshot;
use crate::store::Oid;

/// The repository as it stands at HEAD.
pub struct State<'r> {
    pub snapshot: Snapshot<'r>,
    pub head: Oid,
    pub governance: Governance,
    /// Read when first asked for: `log`, `diff` and `text` never need the
    /// members, whose keys cost a federation's reads a third of their time.
    members: OnceCell<Members>,
}

impl<'r> State<'r> {
    /// Reads HEAD of `repo`.
    pub fn at_head(repo: &'r Repo) -> Result<Self> {
        let head = repo.head()?.ok_or_else(|| Error::NotAGroup {
            path: repo.workdir(),
        })?;
        Self::at(repo, head)
    }

    /// Reads commit `head` of `repo`, as if it were HEAD.
    pub fn at(repo: &'r Repo, head: Oid) -> Result<Self> {
        let not_group = || Error::NotAGroup {
            path: repo.workdir(),
        };
        let snapshot = repo.snapshot(head)?;
        let text = snapshot.read(governance::PATH)?.ok_or_else(not_group)?;
        let governance = Governance::parse(&text)?;
        Ok(State::with(snapshot, head, governance, None))
    }

    /// A state of parts already read; `members`, when known, is that of
    /// `snapshot`.
    pub fn with(
        snapshot: Snapshot<'r>,
        head: Oid,
        governance: Governance,
        members: Option<Members>,
    ) -> Self {
        State {
            snapshot,
            head,
            governance,
            members: members.map(OnceCell::from).unwrap_or_default(),
        }
    }

    /// The members in HEAD's tree (`keys/`).
    pub fn members(&self) -> Result<&Members> {
        if let Some(m) = self.members.get() {
            return Ok(m);
        }
        let members = Members::load(&self.snapshot)?;
        Ok(self.members.get_or_init(|| members))
    }

    /// The members, if already read.
    pub fn members_read(&self) -> Option<&Members> {
        self.members.get()
    }

    pub fn charter(&self) -> Result<Charter> {
        Charter::load(&self.snapshot, &self.governance.languages)
    }

    pub fn proposal(&self, id: &ProposalId) -> Result<Proposal> {
        Proposal::load(&self.snapshot, id)
    }

    pub fn proposal_ids(&self) -> Result<Vec<ProposalId>> {
        proposal::list(&self.snapshot)
    }

    /// Resolves a proposal id, or a reference to one: its year and whole
    /// number, perhaps followed by the beginning of its words (see
    /// [`ProposalRef`]). Two proposals can share a year and number only in
    /// a history merged by hand; the words then tell them apart.
    pub fn find(&self, given: &str) -> Result<ProposalId> {
        // Whatever names a proposal begins with its year: only that year's
        // folder is listed, not a federation's thousands of proposals.
        let year = given
            .get(..4)
            .filter(|y| y.bytes().all(|b| b.is_ascii_digit()) && given.get(4..5) == Some("-"));
        let ids = match year {
            Some(year) => proposal::list_year(&self.snapshot, year)?,
            None => self.proposal_ids()?,
        };
        if let Some(id) = ids.iter().find(|id| id.as_str() == given) {
            return Ok(id.clone());
        }
        let reference: ProposalRef = given.parse()?;
        let mut matches: Vec<ProposalId> =
            ids.into_iter().filter(|id| reference.matches(id)).collect();
        match matches.len() {
            0 => Err(Error::UnknownProposal(given.to_string())),
            1 => Ok(matches.remove(0)),
            _ => Err(Error::AmbiguousProposal {
                prefix: given.to_string(),
                matches: matches.iter().map(ToString::to_string).collect(),
            }),
        }
    }

    /// Sections of an application's statement the charter in force now
    /// asks for and it lacks.
    pub fn statement_gaps(&self, statement: &str) -> Result<Vec<String>> {
        let charter = self.charter()?;
        let lang = self
            .governance
            .reference_language()
            .ok_or_else(|| Error::Invalid("the charter has no language".into()))?;
        Ok(crate::model::statement::missing_sections(
            statement, &charter, lang,
        ))
    }

    /// The deadline of a new proposal (see [`Governance::deadline`]).
    pub fn deadline(&self, given: Option<Timestamp>, now: Timestamp) -> Result<Option<String>> {
        self.governance.deadline(given, now)
    }

    /// The member who holds `key`.
    pub fn member_for(&self, key: &PublicKey) -> Result<&Member> {
        let members = self.members()?;
        if let Some(m) = members.by_key(key) {
            return Ok(m);
        }
        Err(match members.past_holder(key) {
            Some(past) => Error::PastKey {
                fingerprint: key.fingerprint(),
                member: past.member.to_string(),
                until: crate::model::clock::format(&past.until),
                now: past.now.map(|k| k.fingerprint()),
            },
            None => Error::NotAMember {
                fingerprint: key.fingerprint(),
                group: self.governance.name.clone(),
            },
        })
    }
}
