//! The drafting core: what `charter`'s `Transaction` does for one act, on
//! the in-memory tree instead of a repository. Every proposal, record,
//! decision and commit message is made by the library (`Proposal`,
//! `Message`, `transaction::finalization`, `commit_message`) and every act
//! is judged by its rules (`check_created`, `check_act`, `signing_key`,
//! `check_finalize`) before it is recorded, so the plan holds exactly what
//! the real tool would have written, in the order it would have.

use std::collections::BTreeMap;
use std::sync::Arc;

use charter::model::act::Act;
use charter::model::clock::Timestamp;
use charter::model::error::to_toml;
use charter::model::governance::{self, Governance};
use charter::model::id::{slugify, MemberId, ProposalId};
use charter::model::member::Members;
use charter::model::proposal::{Proposal, Record};
use charter::model::record::{Message, SignedAct};
use charter::model::tree::{join, Tree};
use charter::process::group::NewProposal;
use charter::process::transaction::{commit_message, finalization};
use charter::rules;

use crate::keys::Keys;
use crate::tree::MemTree;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// A file of a commit: a text, or the signature of act number `n` (made
/// later, in parallel).
pub enum Content {
    Text(Arc<str>),
    Sig(usize),
}

/// One commit, as the real tool would make it; its parent is the commit
/// before it in the plan (the genesis for the first).
pub struct Commit {
    pub edits: Vec<(String, Content)>,
    pub deletes: Vec<String>,
    pub message: String,
    pub key: usize,
    pub name: String,
    pub email: String,
    pub date: i64,
    pub tag: Option<String>,
}

/// An act's canonical message, to be signed with key `key`.
pub struct Unsigned {
    pub text: Arc<str>,
    pub key: usize,
}

/// Who signs: a member or a candidate, and the key it acts with now.
pub struct Identity {
    pub name: String,
    pub key: usize,
}

pub struct Ledger {
    pub tree: MemTree,
    pub governance: Governance,
    pub members: Members,
    pub identities: BTreeMap<MemberId, Identity>,
    pub keys: Keys,
    root: String,
    pub commits: Vec<Commit>,
    pub acts: Vec<Unsigned>,
    pub finalizations: usize,
}

impl Ledger {
    pub fn new(tree: MemTree, root: String, keys: Keys) -> Res<Self> {
        let governance = Governance::parse(&tree.require(governance::PATH)?)?;
        let members = Members::load(&tree)?;
        Ok(Self {
            tree,
            governance,
            members,
            identities: BTreeMap::new(),
            keys,
            root,
            commits: Vec::new(),
            acts: Vec::new(),
            finalizations: 0,
        })
    }

    fn key_of(&self, who: &MemberId) -> Res<usize> {
        Ok(self
            .identities
            .get(who)
            .ok_or_else(|| format!("no key for {who}"))?
            .key)
    }

    /// Files `new` with its first records (signer, act, key), in one commit
    /// by `by`, as `Transaction::file_signed` does; a kind decided alone is
    /// finalized at once.
    pub fn file(
        &mut self,
        new: NewProposal,
        first: &[(MemberId, Act, usize)],
        by: &MemberId,
        now: Timestamp,
    ) -> Res<Proposal> {
        let year = chrono::Datelike::year(&now);
        let taken = self.tree.count(&format!("proposals/{year}"));
        let id = ProposalId::new(year, taken as u32 + 1, &slugify(&new.slug))?;
        let at_once = new.file.kind.is_unilateral();
        let mut p = Proposal::from_parts(&id, to_toml(&new.file)?, new.changes, new.statement)?;
        rules::check_created(&p, &self.members)?;
        let mut edits = Vec::new();
        for (rel, text) in p.content_files() {
            edits.push((join(&id.dir(), &rel), Content::Text(text.into())));
        }
        for (signer, act, key) in first {
            self.record(&mut p, signer, *act, None, *key, now, &mut edits)?;
        }
        let act = first.first().map_or(Act::Propose, |f| f.1);
        let message = commit_message(act.as_str(), &p, "", by);
        self.commit(edits, Vec::new(), message, by, self.key_of(by)?, now, None)?;
        if at_once {
            rules::check_finalize(&p, &self.members, &self.tree, &now)?;
            self.finalize(&mut p, by, now)?;
        }
        Ok(p)
    }

    /// Adds `signer`'s `act` to `p` in one commit, then finalizes `p` when
    /// the act completes the decision, as `Transaction::act` does. Returns
    /// whether it did.
    pub fn act(
        &mut self,
        p: &mut Proposal,
        signer: &MemberId,
        act: Act,
        reason: Option<String>,
        now: Timestamp,
    ) -> Res<bool> {
        let key = self.key_of(signer)?;
        let mut edits = Vec::new();
        self.record(p, signer, act, reason, key, now, &mut edits)?;
        let message = commit_message(act.as_str(), p, "", signer);
        let completes = matches!(
            act,
            Act::Accept | Act::Second | Act::WithdrawObjection | Act::Propose
        ) && self.complete(p, now);
        self.commit(edits, Vec::new(), message, signer, key, now, None)?;
        if completes {
            self.finalize(p, signer, now)?;
        }
        Ok(completes)
    }

    /// Would `p` be adopted now? The tally is looked at first: the full
    /// check reads every decision for an admission, too slow to run on
    /// every act of a large history.
    fn complete(&self, p: &Proposal, now: Timestamp) -> bool {
        let tally = rules::Tally::of(p);
        if tally.seconders.is_empty()
            || !tally.objections.is_empty()
            || !tally
                .missing(&rules::electorate(p, &self.members))
                .is_empty()
        {
            return false;
        }
        let date = rules::decision_date(p, &self.tree, now);
        rules::check_finalize(p, &self.members, &self.tree, &date).is_ok()
    }

    /// One signed record: judged by the rules, its message kept for
    /// signing, its two files added to `edits` and to the tree.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        p: &mut Proposal,
        signer: &MemberId,
        act: Act,
        reason: Option<String>,
        key: usize,
        now: Timestamp,
        edits: &mut Vec<(String, Content)>,
    ) -> Res<()> {
        let message = Message {
            repository: self.root.clone(),
            proposal: p.id.clone(),
            digest: p.digest,
            act,
            signer: signer.clone(),
            date: now,
            reason,
        };
        rules::check_act(p, &self.members, &message)?;
        if rules::signing_key(p, &self.members, &message) != Some(self.keys.get(key).public()) {
            return Err(format!("{signer}'s {act} on {}: not the key in force", p.id).into());
        }
        let text: Arc<str> = message.text().into();
        let (msg, sig) = message.record_paths(&p.id.dir());
        self.acts.push(Unsigned {
            text: text.clone(),
            key,
        });
        edits.push((msg.clone(), Content::Text(text)));
        edits.push((sig, Content::Sig(self.acts.len() - 1)));
        p.records.push(Record {
            path: msg,
            act: SignedAct {
                message,
                signature: String::new(),
            },
        });
        Ok(())
    }

    /// The finalization commit of `p` by `by`, as `finalization_commit`
    /// writes it; the members are read back from the new tree.
    fn finalize(&mut self, p: &mut Proposal, by: &MemberId, now: Timestamp) -> Res<()> {
        let f = finalization(p, &self.tree, &self.members, by, now)?;
        let edits = f
            .edits
            .write
            .into_iter()
            .map(|(path, bytes)| Ok((path, Content::Text(String::from_utf8(bytes)?.into()))))
            .collect::<Res<Vec<_>>>()?;
        let deletes = f.edits.delete.into_iter().collect();
        let key = self.key_of(by)?;
        self.commit(edits, deletes, f.message, by, key, f.date, f.tag)?;
        p.decision = charter::model::error::from_toml(
            "decision.toml",
            &self
                .tree
                .require(&join(&p.id.dir(), charter::model::proposal::DECISION))?,
        )
        .ok();
        if p.file.kind.is_membership() {
            self.members = Members::load(&self.tree)?;
        }
        self.finalizations += 1;
        Ok(())
    }

    /// Records a commit and applies it to the tree.
    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        edits: Vec<(String, Content)>,
        deletes: Vec<String>,
        message: String,
        by: &MemberId,
        key: usize,
        date: Timestamp,
        tag: Option<String>,
    ) -> Res<()> {
        for (path, content) in &edits {
            let text = match content {
                Content::Text(t) => t.clone(),
                // Only the rules read the tree, and never a signature: an
                // empty one stands in until it is made.
                Content::Sig(_) => Arc::from(""),
            };
            self.tree.put(path, text);
        }
        for path in &deletes {
            self.tree.delete(path);
        }
        let name = self
            .identities
            .get(by)
            .map_or_else(|| by.to_string(), |i| i.name.clone());
        self.commits.push(Commit {
            edits,
            deletes,
            message,
            key,
            name,
            email: format!("{by}@charter.invalid"),
            date: date.timestamp(),
            tag,
        });
        Ok(())
    }
}
