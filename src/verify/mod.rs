//! `verify`: walks the history from the trust root to HEAD and checks every
//! commit against the rules (DESIGN.md §5). It judges what each commit does
//! to the tree, never who made the commit, so it holds through any git
//! workflow.
//!
//! One order: the history is the first-parent line of the verified branch.
//! A merge contributes what its other parent brings, placed at the merge in
//! the order that branch added it, and each record and decision is judged
//! there, against the state the first parent left, by the same rules that
//! refuse an act before it is made.

pub mod clone;
mod merge;
mod records;
mod tags;

pub use tags::check_tag;
use tags::check_tags;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;

use crate::crypto::key::{KeyError, SignatureError};
use crate::crypto::parallel::CheckQueue;
use crate::model::charter::Charter;
use crate::model::clock::{self, Timestamp};
use crate::model::error::Problem;
use crate::model::error::{Error, Result};
use crate::model::governance;
use crate::model::id::{MemberId, ProposalId};
use crate::model::member::Members;
use crate::model::proposal::{self, Proposal};
use crate::model::record::Message;
use crate::rules;
use crate::rules::chronicle::Kept;
use crate::store::graph::{CommitInfo, Status};
use crate::store::repo::Repo;
use crate::store::snapshot::Snapshot;
use crate::store::Oid;

/// Which rule a history broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The history does not start at the trust root.
    TrustRoot,
    /// A governed file changed outside a finalization.
    GovernedChange,
    /// A finalization without the acceptance the rules require.
    Finalization,
    /// A finalization that does not apply exactly what was accepted.
    AppliedExactly,
    /// A signature that does not verify, or by someone not entitled.
    Signature,
    /// A signed record for another repository.
    Repository,
    /// A signed record for another proposal or another version of it.
    SignedContent,
    /// An act the process does not allow at that point.
    Process,
    /// Something under `proposals/` modified or deleted.
    AppendOnly,
    /// A path nothing governs.
    UnknownPath,
    /// A `charter-<year>` tag not on the commit that closed that review.
    Tag,
    /// A governed or signed file that cannot be read as what it must be.
    Malformed,
    /// A date that contradicts the record.
    Date,
    /// A proposal that changes files its kind may not.
    KindPaths,
    /// A key registered without the attestation governance.toml asks for.
    KeyProof,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::TrustRoot => "trust-root",
            Rule::GovernedChange => "governed-change",
            Rule::Finalization => "finalization",
            Rule::AppliedExactly => "applied-exactly",
            Rule::Signature => "signature",
            Rule::Repository => "repository",
            Rule::SignedContent => "signed-content",
            Rule::Process => "process",
            Rule::AppendOnly => "append-only",
            Rule::UnknownPath => "unknown-path",
            Rule::Malformed => "malformed",
            Rule::Tag => "tag",
            Rule::Date => "date",
            Rule::KindPaths => "kind-paths",
            Rule::KeyProof => "key-proof",
        }
    }
}

/// The first place a history breaks a rule.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub commit: String,
    pub path: String,
    pub rule: Rule,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = self.commit.get(..12).unwrap_or(&self.commit);
        write!(
            f,
            "commit {short}: {}: {} [{}]",
            self.path,
            self.message,
            self.rule.name()
        )
    }
}

/// What a history that holds contains.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub root: String,
    pub head: String,
    pub commits: usize,
    pub signatures: usize,
    pub proposals: usize,
    pub finalizations: usize,
    pub members: usize,
    pub principles: usize,
    /// The verified commit the check started after; `None` when it
    /// checked the whole history (the one verified before was not on the
    /// first-parent line of this one).
    #[serde(skip)]
    pub since: Option<Oid>,
    /// The `charter-<year>` tags judged sound, as (name, commit).
    #[serde(skip)]
    pub tags: Vec<(String, Oid)>,
}

pub type Outcome = std::result::Result<Summary, Violation>;

struct Walker<'r> {
    repo: &'r Repo,
    root: Oid,
    /// The trust root as records name it.
    root_hex: String,
    summary: Summary,
    /// The members of the last `keys/` trees read, by tree id: they rarely
    /// change, and a merge may alternate two.
    members: Vec<(Option<Oid>, Rc<Members>)>,
    /// Each open proposal as the last step that touched it left it, with
    /// the id of its folder then: read once, then extended record by record.
    open: HashMap<ProposalId, (Oid, Proposal)>,
    /// Signatures read and judged but for their curve arithmetic, checked
    /// on the other cores; a failure there comes before any found later.
    checks: CheckQueue<Blame>,
    /// The last commit of the line and its tree: the next one's parent.
    last: Option<(Oid, Oid)>,
    /// The chronicle of the tree it names, kept step by step from the
    /// genesis (none when the walk starts later).
    chronicle: Option<(Oid, Kept)>,
    /// What the step being judged adds to the chronicle once it holds.
    step_records: Vec<(ProposalId, String, Message)>,
    step_decision: Option<(ProposalId, Timestamp)>,
    /// The time here, by this machine's clock (or `CHARTER_NOW`): no record
    /// may be dated more than [`SKEW`] after it.
    now: Timestamp,
}

/// How far ahead of the clock here a record may be dated: another member's
/// clock may run fast. Beyond it a date is from the future, which no honest
/// clock writes and which would bind every later decision (none may be
/// dated before an act it follows).
pub const SKEW: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Whom a signature queued for checking names if it does not verify.
struct Blame {
    commit: Oid,
    sig_path: String,
    signer: MemberId,
}

impl Blame {
    fn violation(self, e: SignatureError) -> Violation {
        let message = format!("signature by {} {e}", self.signer);
        violation(self.commit, self.sig_path, Rule::Signature, message)
    }
}

/// Members versions kept: `keys/` changes on joins, departures, rotations.
const MEMBERS_KEPT: usize = 4;

/// Verifies HEAD's history against the trust root `root`. The outer error is
/// for a repository that cannot be read at all; the outcome says whether the
/// history holds.
pub fn verify(repo: &Repo, root: Oid) -> Result<Outcome> {
    let head = repo.head()?.ok_or_else(|| Error::NotAGroup {
        path: repo.workdir(),
    })?;
    verify_from(repo, root, head, &[], &mut |_, _| {})
}

/// Verifies the history of `tip`. `seen` are commits this clone verified
/// against the same root before, ancestors of `tip`: only the commits after
/// the newest of them on `tip`'s first-parent line are checked (all, if none
/// is there), and a merge that brings one of the others in must hold in the
/// order it was verified. `progress` hears (done, total) as commits are
/// checked.
pub fn verify_from(
    repo: &Repo,
    root: Oid,
    tip: Oid,
    seen: &[Oid],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome> {
    let (outcome, line) = walk_history(repo, root, tip, seen, progress)?;
    let mut summary = match outcome {
        Ok(s) => s,
        Err(v) => return Ok(Err(v)),
    };
    // Tags judged at the commit this run started after still stand where
    // they have not moved.
    let trusted = match (summary.since, repo.verified_tags(root)) {
        (Some(since), Some((at, tags))) if at == since => tags,
        _ => Vec::new(),
    };
    let line: HashSet<Oid> = line.into_iter().collect();
    match check_tags(repo, tip, &line, &trusted) {
        Ok(tags) => summary.tags = tags,
        Err(v) => return Ok(Err(v)),
    }
    Ok(Ok(summary))
}

/// Verifies the commits of `tip`'s history, without judging this clone's
/// tags: how `sync` judges a remote's history before taking it.
pub fn verify_history(
    repo: &Repo,
    root: Oid,
    tip: Oid,
    seen: &[Oid],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome> {
    Ok(walk_history(repo, root, tip, seen, progress)?.0)
}

/// [`verify_history`], and the first-parent line it walked.
fn walk_history(
    repo: &Repo,
    root: Oid,
    tip: Oid,
    seen: &[Oid],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Outcome, Vec<Oid>)> {
    repo.refuse_shallow()?;
    let (commits, since) = first_parent_line(repo, tip, seen)?;
    // Commits verified before that this line only merges in: the order
    // this clone accepted must still hold where each enters.
    let mut reordered: Vec<Oid> = seen
        .iter()
        .copied()
        .filter(|s| Some(*s) != since && !commits.contains(s))
        .filter(|s| !since.is_some_and(|from| repo.holds(from, *s)))
        .collect();
    let mut w = Walker {
        repo,
        root,
        root_hex: root.to_string(),
        summary: Summary {
            root: root.to_string(),
            head: tip.to_string(),
            since,
            ..Summary::default()
        },
        members: Vec::new(),
        open: HashMap::new(),
        checks: CheckQueue::new(),
        last: None,
        chronicle: None,
        step_records: Vec::new(),
        step_decision: None,
        now: clock::now()?,
    };
    let walked = w.walk(&commits, &mut reordered, progress);
    // A signature that fails was read before anything the walk found.
    if let Some(v) = w.settle()? {
        return Ok((Err(v), commits));
    }
    if let Err(v) = walked {
        return Ok((Err(v), commits));
    }
    let snap = repo.snapshot(tip)?;
    // The walk checked every member file; the tip's are only counted.
    w.summary.members = Members::count_in_force(&snap)?;
    w.summary.principles = Charter::load_governed(&snap)?.1.principles.len();
    w.summary.proposals = proposal::list(&snap)?.len();
    Ok((Ok(w.summary), commits))
}

/// The first-parent line to `tip`, oldest first, from the newest commit of
/// `seen` on it (exclusive, and returned) or from the root.
fn first_parent_line(repo: &Repo, tip: Oid, seen: &[Oid]) -> Result<(Vec<Oid>, Option<Oid>)> {
    let mut line = Vec::new();
    let mut commit = tip;
    loop {
        if seen.contains(&commit) {
            line.reverse();
            return Ok((line, Some(commit)));
        }
        line.push(commit);
        match repo.commit_info(commit)?.parents.first() {
            Some(parent) => commit = *parent,
            None => break,
        }
    }
    line.reverse();
    Ok((line, None))
}

fn violation(
    commit: Oid,
    path: impl Into<String>,
    rule: Rule,
    message: impl ToString,
) -> Violation {
    Violation {
        commit: commit.to_string(),
        path: path.into(),
        rule,
        message: message.to_string(),
    }
}

/// An unreadable file: the library error names the path itself.
fn malformed(commit: Oid, e: Error) -> Violation {
    let (path, message) = match &e {
        Error::File {
            path,
            problem: problem @ Problem::KindPath { .. },
        } => return violation(commit, path.clone(), Rule::KindPaths, problem),
        Error::File { path, problem } => (path.clone(), problem.to_string()),
        Error::Key(KeyError::Key { path, message }) => (path.clone(), message.clone()),
        Error::Key(KeyError::Weak { path }) => (path.clone(), "weak ed25519 key".into()),
        other => (String::from("."), other.to_string()),
    };
    violation(commit, path, Rule::Malformed, message)
}

/// A date that contradicts the record breaks the date rule; any other
/// refusal, the rule of what was refused.
fn rule_of(e: &rules::RuleError, otherwise: Rule) -> Rule {
    if e.is_date() {
        Rule::Date
    } else {
        otherwise
    }
}

/// A changed path, classified.
enum Touched {
    Governed(String),
    InProposal(ProposalId, String),
}

impl Walker<'_> {
    /// `what`, at `path`, is not dated more than [`SKEW`] after now.
    fn not_from_the_future(
        &self,
        oid: Oid,
        path: &str,
        what: &str,
        date: &Timestamp,
    ) -> std::result::Result<(), Violation> {
        if *date <= self.now + SKEW {
            return Ok(());
        }
        Err(violation(
            oid,
            path,
            Rule::Date,
            format!(
                "{what} is dated {}, more than a day after the time here ({}): a date from the future, or a clock here that is behind",
                clock::format(date),
                clock::format(&self.now)
            ),
        ))
    }

    fn walk(
        &mut self,
        commits: &[Oid],
        reordered: &mut Vec<Oid>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> std::result::Result<(), Violation> {
        for (i, oid) in commits.iter().enumerate() {
            self.commit(*oid)?;
            let mut judged = Vec::new();
            for verified in reordered.iter() {
                if self.keeps_order(*oid, *verified)? {
                    judged.push(*verified);
                }
            }
            reordered.retain(|v| !judged.contains(v));
            self.summary.commits += 1;
            progress(i + 1, commits.len());
        }
        Ok(())
    }

    /// Waits for the signatures queued so far: the first that fails, if
    /// any.
    fn settle(&mut self) -> Result<Option<Violation>> {
        let failed = std::mem::take(&mut self.checks)
            .finish()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(failed.map(|blame| blame.violation(SignatureError::Invalid)))
    }

    /// [`Self::settle`] as the walk's result.
    fn settled(&mut self, oid: Oid) -> std::result::Result<(), Violation> {
        match self.settle() {
            Ok(None) => Ok(()),
            Ok(Some(v)) => Err(v),
            Err(e) => Err(violation(oid, ".", Rule::Malformed, e)),
        }
    }

    /// The members in force in `snap`, read once per version of `keys/`.
    fn members(
        &mut self,
        commit: Oid,
        snap: &Snapshot,
    ) -> std::result::Result<Rc<Members>, Violation> {
        let keys = snap.id(crate::model::member::DIR);
        if let Some((_, members)) = self.members.iter().find(|(k, _)| *k == keys) {
            return Ok(Rc::clone(members));
        }
        let members = Rc::new(Members::load(snap).map_err(|e| malformed(commit, e))?);
        if self.members.len() == MEMBERS_KEPT {
            self.members.remove(0);
        }
        self.members.push((keys, Rc::clone(&members)));
        Ok(members)
    }

    fn commit(&mut self, oid: Oid) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let commit = self.repo.commit_info(oid).map_err(internal)?;
        self.judge(oid, &commit)?;
        self.last = Some((oid, commit.tree));
        Ok(())
    }

    fn judge(&mut self, oid: Oid, commit: &CommitInfo) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        match commit.parents.len() {
            0 if oid != self.root => Err(violation(
                oid,
                ".",
                Rule::TrustRoot,
                format!(
                    "history starts at another root commit than the trust root {}",
                    self.root
                ),
            )),
            0 => self.genesis(oid),
            1 => {
                let parent = commit.parents[0];
                let before = match self.last {
                    Some((last, tree)) if last == parent => tree,
                    _ => self.repo.commit_info(parent).map_err(internal)?.tree,
                };
                self.step(oid, before, commit.tree)
            }
            2 => self.merge(oid, commit),
            _ => Err(violation(
                oid,
                ".",
                Rule::GovernedChange,
                "a merge of more than two histories",
            )),
        }
    }

    /// One step of the record, from tree `before` to tree `after`: a commit
    /// of the first-parent line, or one of the steps a merge brings.
    /// Violations are reported at commit `at`.
    fn step(&mut self, at: Oid, before: Oid, after: Oid) -> std::result::Result<(), Violation> {
        let before = self
            .repo
            .tree_snapshot(before)
            .map_err(|e| malformed(at, e))?;
        let after = self
            .repo
            .tree_snapshot(after)
            .map_err(|e| malformed(at, e))?;
        let touched = self.changes(at, &before, &after)?;
        let members = self.members(at, &before)?;
        self.step_records.clear();
        self.step_decision = None;

        let mut governed = BTreeSet::new();
        let mut by_proposal: BTreeMap<ProposalId, Vec<String>> = BTreeMap::new();
        for t in touched {
            match t {
                Touched::Governed(p) => {
                    governed.insert(p);
                }
                Touched::InProposal(id, rel) => by_proposal.entry(id).or_default().push(rel),
            }
        }
        let mut finalized = Vec::new();
        for (id, added) in &by_proposal {
            let now = self.proposal(at, &before, &after, &members, id, added)?;
            if added.iter().any(|rel| rel == proposal::DECISION) {
                self.open.remove(id);
                finalized.push(now);
            } else if now.decision.is_none() {
                if let Some(dir) = after.id(&id.dir()) {
                    self.open.insert(id.clone(), (dir, now));
                }
            } else {
                self.open.remove(id);
            }
        }
        let judged = match finalized.as_mut_slice() {
            [] => match governed.into_iter().next() {
                Some(path) => Err(violation(
                    at,
                    path,
                    Rule::GovernedChange,
                    "governed file changed outside a finalization",
                )),
                None => Ok(()),
            },
            [p] => self.finalization(at, &before, &after, &members, p, &governed),
            [first, ..] => Err(violation(
                at,
                first.id.dir(),
                Rule::Finalization,
                "more than one proposal finalized in one commit",
            )),
        };
        judged?;
        self.chronicle_steps(before.tree_id(), after.tree_id());
        Ok(())
    }

    /// The chronicle of `before`, once a step from it to `after` holds,
    /// becomes that of `after`. One of another tree (a merge judged the
    /// other way round) stays as it is.
    fn chronicle_steps(&mut self, before: Oid, after: Oid) {
        let records = std::mem::take(&mut self.step_records);
        let decision = self.step_decision.take();
        let Some((tree, kept)) = &mut self.chronicle else {
            return;
        };
        if *tree != before {
            return;
        }
        for (id, name, message) in &records {
            kept.record(id, name, message);
        }
        if let Some((id, date)) = decision {
            kept.decided(&id, date);
        }
        *tree = after;
    }

    /// The root commit must hold a valid charter, rules and members, and
    /// nothing else.
    fn genesis(&mut self, oid: Oid) -> std::result::Result<(), Violation> {
        let snap = self.repo.snapshot(oid).map_err(|e| malformed(oid, e))?;
        let (gov, _) = Charter::load_governed(&snap).map_err(|e| malformed(oid, e))?;
        let members = Members::load(&snap).map_err(|e| malformed(oid, e))?;
        for m in members.everyone() {
            if let Err(e) = rules::check_key_proof(&gov, &m.key, m.attestation.as_ref(), &m.joined)
            {
                return Err(violation(oid, m.file_path(), Rule::KeyProof, e));
            }
            self.not_from_the_future(oid, &m.file_path(), "the founding", &m.joined)?;
        }
        if members.is_empty() {
            return Err(violation(
                oid,
                "keys",
                Rule::Malformed,
                "the genesis names no member",
            ));
        }
        let needed = crate::model::governance::MIN_MEMBERS;
        if members.len() < needed {
            return Err(violation(
                oid,
                "keys",
                Rule::Process,
                format!("the genesis names {} member; a group needs at least {needed}, one to propose and another to second", members.len()),
            ));
        }
        for e in snap.list("").map_err(|e| malformed(oid, e))? {
            if !["governance.toml", "charter", "keys"].contains(&e.name.as_str()) {
                return Err(violation(
                    oid,
                    e.name,
                    Rule::UnknownPath,
                    "not part of a governance repository's genesis",
                ));
            }
        }
        // It holds no proposal: nothing is recorded yet.
        self.chronicle = Some((snap.tree_id(), Kept::default()));
        Ok(())
    }

    /// Classifies every changed path; refuses modifications and deletions
    /// under `proposals/` and paths nothing governs.
    fn changes(
        &self,
        oid: Oid,
        before: &Snapshot,
        after: &Snapshot,
    ) -> std::result::Result<Vec<Touched>, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let changes = self
            .repo
            .tree_changes(Some(before.tree_id()), after.tree_id(), None)
            .map_err(internal)?;
        let mut out = Vec::new();
        for change in changes {
            let path = change
                .path
                .ok_or_else(|| violation(oid, "?", Rule::Malformed, "path is not UTF-8"))?;
            if let Some(rest) = path.strip_prefix("proposals/") {
                if change.status != Status::Added {
                    let what = match change.status {
                        Status::Deleted => "signed record deleted",
                        _ => "signed record modified",
                    };
                    return Err(violation(
                        oid,
                        path,
                        Rule::AppendOnly,
                        format!("{what}: proposals are append-only"),
                    ));
                }
                let mut parts = rest.splitn(3, '/');
                let (year, id, rel) = (parts.next(), parts.next(), parts.next());
                let id = match (year, id, rel) {
                    (Some(y), Some(id), Some(_)) => id
                        .parse::<ProposalId>()
                        .ok()
                        .filter(|id| id.year().to_string() == y),
                    _ => None,
                };
                let Some(id) = id else {
                    return Err(violation(
                        oid,
                        path,
                        Rule::UnknownPath,
                        "not inside a proposal folder",
                    ));
                };
                let rel = path[id.dir().len() + 1..].to_string();
                out.push(Touched::InProposal(id, rel));
            } else if governance::is_governed(&path) {
                out.push(Touched::Governed(path));
            } else {
                return Err(violation(
                    oid,
                    path,
                    Rule::UnknownPath,
                    "path not governed by the charter process",
                ));
            }
        }
        Ok(out)
    }
}
