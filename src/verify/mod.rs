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
use crate::model::proposal::{self, Proposal, Record};
use crate::model::record::Message;
use crate::rules;
#[cfg(debug_assertions)]
use crate::rules::chronicle::Checked;
use crate::rules::chronicle::{Chronicle, Kept, Scan};
use crate::rules::finalization;
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
}

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

/// Every `charter-<year>` tag must sit, in this history, on the commit that
/// finalized the closing of that year's review. `line` is commits known to
/// be in it; `trusted`, tags judged before on an ancestor of `tip`. The
/// tags judged sound.
fn check_tags(
    repo: &Repo,
    tip: Oid,
    line: &HashSet<Oid>,
    trusted: &[(String, Oid)],
) -> std::result::Result<Vec<(String, Oid)>, Violation> {
    let internal = |e: Error| violation(tip, ".", Rule::Malformed, e);
    let mut judged = Vec::new();
    for name in repo.tag_names("charter-*").map_err(internal)? {
        let target = repo.tag_commit(&name).map_err(internal)?;
        let tag = (name, target);
        if !trusted.contains(&tag) {
            judge_tag(repo, tip, &tag.0, target, line)?;
        }
        judged.push(tag);
    }
    Ok(judged)
}

/// One `charter-<year>` tag on `target`, judged against the history of `tip`.
pub fn check_tag(
    repo: &Repo,
    tip: Oid,
    name: &str,
    target: Oid,
) -> std::result::Result<(), Violation> {
    judge_tag(repo, tip, name, target, &HashSet::new())
}

/// [`check_tag`], knowing that the commits of `line` are in the history
/// (a walk of the whole graph to find out costs as much as verifying).
fn judge_tag(
    repo: &Repo,
    tip: Oid,
    name: &str,
    target: Oid,
    line: &HashSet<Oid>,
) -> std::result::Result<(), Violation> {
    let reference = format!("refs/tags/{name}");
    let bad = |why: String| Err(violation(target, reference.clone(), Rule::Tag, why));
    let Some(year) = name
        .strip_prefix("charter-")
        .and_then(|y| y.parse::<i32>().ok())
    else {
        return bad("not a review year".into());
    };
    if !line.contains(&target) && !repo.holds(tip, target) {
        return bad("the tagged commit is not in this history".into());
    }
    let commit = repo
        .commit_info(target)
        .map_err(|e| violation(target, reference.clone(), Rule::Malformed, e))?;
    let after = repo.snapshot(target).map_err(|e| malformed(target, e))?;
    let closing = crate::model::review::load(&after, year)
        .ok()
        .flatten()
        .and_then(|r| r.closing);
    let Some(closing) = closing else {
        return bad(format!("the review of {year} is not closed there"));
    };
    let decision = format!("{}/{}", closing.dir(), proposal::DECISION);
    let parent_has = commit
        .parents
        .first()
        .and_then(|p| repo.commit_info(*p).ok())
        .and_then(|p| repo.entry_id(p.tree, &decision).ok().flatten())
        .is_some();
    if parent_has || after.id(&decision).is_none() {
        return bad(format!(
            "not the commit that closed the review of {year} ({closing})"
        ));
    }
    Ok(())
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

    /// A merge brings the records its other parent added, in the order that
    /// history added them; each is judged at the merge, on the state the
    /// first parent left, as if made there. The merge must then be exactly
    /// that state: every signed record of both histories, and the governed
    /// files as the decisions brought in make them.
    fn merge(&mut self, oid: Oid, commit: &CommitInfo) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let (p1, p2) = (
            self.repo.commit_info(commit.parents[0]).map_err(internal)?,
            self.repo.commit_info(commit.parents[1]).map_err(internal)?,
        );
        self.merge_onto(oid, &p1, &p2, commit.tree)
    }

    /// If `oid` is the merge where `verified`, a commit this clone verified
    /// before, enters the first-parent line as a second parent, the merge
    /// must also hold the other way round: what this clone accepted first,
    /// then what the line brings. Else the order of a history already
    /// verified could be rewritten by merging it into an old branch. True
    /// once that merge is judged.
    fn keeps_order(&mut self, oid: Oid, verified: Oid) -> std::result::Result<bool, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let commit = self.repo.commit_info(oid).map_err(internal)?;
        let holds = |c: Oid| self.repo.holds(c, verified);
        // Only a merge can bring in a commit that is not on the line.
        let [p1, p2] = commit.parents[..] else {
            return Ok(false);
        };
        if holds(p1) {
            return Ok(true);
        }
        if !holds(p2) {
            return Ok(false);
        }
        let p1 = self.repo.commit_info(p1).map_err(internal)?;
        let p2 = self.repo.commit_info(p2).map_err(internal)?;
        // What was queued before is judged in its own order; what the
        // swapped judgment queues, as part of it.
        self.settled(oid)?;
        let counted = self.summary.clone();
        let swapped = self
            .merge_onto(oid, &p2, &p1, commit.tree)
            .and_then(|()| self.settled(oid));
        self.summary = counted;
        swapped.map(|()| true).map_err(|v| Violation {
            message: format!(
                "{} (judged after {}, verified here before: a merge cannot reorder a history already verified)",
                v.message,
                &verified.to_string()[..12]
            ),
            ..v
        })
    }

    /// The records `second` brings, judged on top of `first`; the merge
    /// must then hold exactly tree `tm`.
    fn merge_onto(
        &mut self,
        oid: Oid,
        p1: &CommitInfo,
        p2: &CommitInfo,
        tm: Oid,
    ) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let t1 = p1.tree;
        self.carried(oid, t1, p2.tree, tm)?;
        let mut state = t1;
        for group in self.brought(oid, p1.id, p2.id, t1, tm)? {
            let next = self.bring(oid, state, &group, tm)?;
            self.step(oid, state, next)?;
            state = next;
        }
        if state == tm {
            return Ok(());
        }
        // What the merge holds that no step explains.
        let path = self
            .repo
            .tree_changes(Some(state), tm, None)
            .map_err(internal)?
            .into_iter()
            .next()
            .and_then(|c| c.path)
            .unwrap_or_else(|| ".".to_string());
        let (rule, message) = if path.starts_with("proposals/") {
            (
                Rule::AppendOnly,
                "the merge changes a signed record neither history made",
            )
        } else if governance::is_governed(&path) {
            (
                Rule::GovernedChange,
                "the merge makes a change neither history made: no decision it brings changes it",
            )
        } else {
            (
                Rule::UnknownPath,
                "path not governed by the charter process",
            )
        };
        Err(violation(oid, path, rule, message))
    }

    /// Every signed file of both merged histories is carried unchanged: one
    /// proposal id has one content, and no record is dropped.
    fn carried(&self, oid: Oid, t1: Oid, t2: Oid, tm: Oid) -> std::result::Result<(), Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let changes = self
            .repo
            .tree_changes(Some(t1), t2, Some(proposal::ROOT))
            .map_err(internal)?;
        for d in changes {
            let shown = d.path.clone().unwrap_or_else(|| "?".to_string());
            match d.status {
                Status::Deleted => {}
                Status::Added => {
                    let kept = self.repo.entry_id(tm, &shown).map_err(internal)?;
                    if kept != Some(d.id) {
                        return Err(violation(
                            oid,
                            shown,
                            Rule::AppendOnly,
                            "the merge drops or alters a signed record of the merged history",
                        ));
                    }
                }
                _ => {
                    return Err(violation(
                        oid,
                        shown,
                        Rule::AppendOnly,
                        "the merged histories hold two versions of this signed file: one proposal id has one content",
                    ))
                }
            }
        }
        Ok(())
    }

    /// The signed paths the merge adds to its first parent, grouped by the
    /// commit of the other history that added them, oldest first. A record
    /// no commit there added (the merge's own) is refused.
    fn brought(
        &self,
        oid: Oid,
        p1: Oid,
        p2: Oid,
        t1: Oid,
        tm: Oid,
    ) -> std::result::Result<Vec<Vec<String>>, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let added = |from: Option<Oid>, to: Oid| -> std::result::Result<Vec<String>, Violation> {
            Ok(self
                .repo
                .tree_changes(from, to, Some(proposal::ROOT))
                .map_err(internal)?
                .into_iter()
                .filter(|d| d.status == Status::Added)
                .filter_map(|d| d.path)
                .collect())
        };
        let mut left: BTreeSet<String> = added(Some(t1), tm)?.into_iter().collect();
        let mut groups = Vec::new();
        for side in self
            .repo
            .commits_oldest_first(p2, Some(p1))
            .map_err(internal)?
        {
            if left.is_empty() {
                break;
            }
            let side = self.repo.commit_info(side).map_err(internal)?;
            let parent = match side.parents.first() {
                Some(p) => Some(self.repo.commit_info(*p).map_err(internal)?.tree),
                None => None,
            };
            let group: Vec<String> = added(parent, side.tree)?
                .into_iter()
                .filter(|p| left.remove(p))
                .collect();
            if !group.is_empty() {
                groups.push(group);
            }
        }
        if let Some(path) = left.into_iter().next() {
            return Err(violation(
                oid,
                path,
                Rule::AppendOnly,
                "a signed record neither merged history holds: a merge only brings records",
            ));
        }
        Ok(groups)
    }

    /// The state after one group of brought records: `state` with them
    /// added, and, if they bring a decision, its effect as it applies here.
    /// A decision that cannot take effect here adds no effect: the step
    /// then names why.
    fn bring(
        &mut self,
        oid: Oid,
        state: Oid,
        group: &[String],
        tm: Oid,
    ) -> std::result::Result<Oid, Violation> {
        let internal = |e: Error| violation(oid, ".", Rule::Malformed, e);
        let mut put = Vec::new();
        for path in group {
            let id = self.repo.entry_id(tm, path).map_err(internal)?;
            let id = id.ok_or_else(|| violation(oid, path.clone(), Rule::Malformed, "missing"))?;
            put.push((path.clone(), id));
        }
        let with_records = self
            .repo
            .tree_with(state, &put, &[])
            .map_err(|e| malformed(oid, e))?;
        let suffix = format!("/{}", proposal::DECISION);
        let decided: Vec<ProposalId> = group
            .iter()
            .filter_map(|p| p.strip_suffix(&suffix))
            .filter_map(|dir| dir.rsplit('/').next()?.parse().ok())
            .collect();
        let [id] = decided.as_slice() else {
            return Ok(with_records);
        };
        let before = self
            .repo
            .tree_snapshot(state)
            .map_err(|e| malformed(oid, e))?;
        let members = self.members(oid, &before)?;
        let after = self
            .repo
            .tree_snapshot(with_records)
            .map_err(|e| malformed(oid, e))?;
        let Ok(mut pending) = Proposal::load(&after, id) else {
            return Ok(with_records);
        };
        let Some(date) = pending
            .decision
            .take()
            .and_then(|d| clock::parse_timestamp(&d.date).ok())
        else {
            return Ok(with_records);
        };
        let Ok(effect) = finalization::effect(&pending, &before, &members, date) else {
            return Ok(with_records);
        };
        let (mut put, mut delete) = (Vec::new(), Vec::new());
        for (path, content) in effect {
            match content {
                Some(text) => put.push((
                    path,
                    self.repo
                        .blob(text.as_bytes())
                        .map_err(|e| malformed(oid, e))?,
                )),
                None => delete.push(path),
            }
        }
        self.repo
            .tree_with(with_records, &put, &delete)
            .map_err(|e| malformed(oid, e))
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

    /// Checks what a commit added to one proposal; the proposal after it.
    fn proposal(
        &mut self,
        oid: Oid,
        before: &Snapshot,
        after: &Snapshot,
        members: &Members,
        id: &ProposalId,
        added: &[String],
    ) -> std::result::Result<Proposal, Violation> {
        // An open proposal this walk read before, as it stood: only what
        // the step added is read.
        let folder = before.id(&id.dir());
        let cached = match self.open.remove(id) {
            Some((dir, p)) if Some(dir) == folder => Some(p),
            _ => None,
        };
        if let Some(mut state) = cached {
            let brought = state.added(after, added).map_err(|e| malformed(oid, e))?;
            if let Some(brought) = brought {
                self.replay(oid, &mut state, members, brought.records)?;
                state.sort_records();
                state.decision = brought.decision;
                return Ok(state);
            }
        }
        let now = Proposal::load(after, id).map_err(|e| malformed(oid, e))?;
        let existed = folder.is_some();
        let content_added = added.iter().find(|rel| {
            rel.as_str() == proposal::FILE
                || rel.as_str() == proposal::STATEMENT
                || rel.starts_with(&format!("{}/", proposal::CHANGE))
        });
        if existed {
            if let Some(rel) = content_added {
                return Err(violation(
                    oid,
                    format!("{}/{rel}", id.dir()),
                    Rule::AppendOnly,
                    "proposal content changed after it was filed; a changed proposal is a new proposal",
                ));
            }
        } else {
            self.summary.proposals += 1;
            let path = format!("{}/{}", id.dir(), proposal::FILE);
            if let Err(e) = rules::check_created(&now, members) {
                return Err(violation(oid, path, Rule::Date, e));
            }
            // Only the rules: the charter's texts are not needed here.
            let gov = before
                .require(governance::PATH)
                .and_then(|text| governance::Governance::parse(&text))
                .map_err(|e| malformed(oid, e))?;
            if let Err(e) = rules::check_content(&now, &gov) {
                let rule = match e {
                    rules::RuleError::KeyProof { .. } => Rule::KeyProof,
                    _ => Rule::KindPaths,
                };
                return Err(violation(oid, path, rule, e));
            }
            if now.file.kind == proposal::Kind::Member {
                self.check_statement(oid, before, &now)?;
            }
        }
        // Replay the new records, oldest first, on the proposal as it stood.
        let mut state = now.clone();
        // Records this commit did not add were there before (nothing under
        // proposals/ is ever modified or deleted).
        let dir = format!("{}/", id.dir());
        let is_new = |path: &str| {
            added
                .iter()
                .any(|rel| path.strip_prefix(&dir) == Some(rel.as_str()))
        };
        let (new, old): (Vec<Record>, Vec<Record>) =
            now.records.iter().cloned().partition(|r| is_new(&r.path));
        state.records = old;
        state.decision = None;
        self.replay(oid, &mut state, members, new)?;
        Ok(now)
    }

    /// Judges new records in order, each on the proposal as the ones
    /// before it left it.
    fn replay(
        &mut self,
        oid: Oid,
        state: &mut Proposal,
        members: &Members,
        new: Vec<Record>,
    ) -> std::result::Result<(), Violation> {
        for record in new {
            self.record(oid, state, members, &record)?;
            state.records.push(record);
            self.summary.signatures += 1;
        }
        Ok(())
    }

    /// An application must cover every principle of the charter in force
    /// when it is filed, and the record of excellence.
    fn check_statement(
        &self,
        oid: Oid,
        before: &Snapshot,
        p: &Proposal,
    ) -> std::result::Result<(), Violation> {
        let path = format!("{}/{}", p.id.dir(), proposal::STATEMENT);
        let (gov, charter) = Charter::load_governed(before).map_err(|e| malformed(oid, e))?;
        let Some(lang) = gov.reference_language() else {
            return Ok(());
        };
        let missing = crate::model::statement::missing_sections(
            p.statement.as_deref().unwrap_or_default(),
            &charter,
            lang,
        );
        if missing.is_empty() {
            Ok(())
        } else {
            Err(violation(
                oid,
                path,
                Rule::Process,
                format!("the statement of interest lacks: {}", missing.join(", ")),
            ))
        }
    }

    /// One new signed record: for this repository, this proposal as it is,
    /// by a member in force, valid, and allowed by the process.
    fn record(
        &mut self,
        oid: Oid,
        state: &Proposal,
        members: &Members,
        record: &Record,
    ) -> std::result::Result<(), Violation> {
        let m = &record.act.message;
        let v = |rule, message: String| Err(violation(oid, record.path.clone(), rule, message));
        if m.repository != self.root_hex {
            return v(
                Rule::Repository,
                format!("signed for another repository ({})", m.repository),
            );
        }
        if m.proposal != state.id {
            return v(
                Rule::SignedContent,
                format!("signed for proposal {}, not {}", m.proposal, state.id),
            );
        }
        if m.digest != state.digest {
            return v(
                Rule::SignedContent,
                "signed over other proposal content than this proposal's".into(),
            );
        }
        let Some(key) = rules::signing_key(state, members, m) else {
            return v(Rule::Signature, format!("{} is not a member", m.signer));
        };
        let blame = Blame {
            commit: oid,
            sig_path: format!("{}.sig", record.path.trim_end_matches(".msg")),
            signer: m.signer.clone(),
        };
        match record.act.prepare(key) {
            Ok(check) => self.checks.push(check, blame),
            Err(e) => return Err(blame.violation(e)),
        }
        if let Err(e) = rules::check_act(state, members, m) {
            return v(rule_of(&e, Rule::Process), e.to_string());
        }
        let name = record.path.rsplit('/').next().unwrap_or_default();
        self.step_records
            .push((state.id.clone(), name.to_string(), m.clone()));
        Ok(())
    }

    /// A commit that adds `decision.toml`: the electorate accepted, and the
    /// governed files change exactly as proposed.
    fn finalization(
        &mut self,
        oid: Oid,
        before: &Snapshot,
        after: &Snapshot,
        members: &Members,
        pending: &mut Proposal,
        governed: &BTreeSet<String>,
    ) -> std::result::Result<(), Violation> {
        let id = &pending.id.clone();
        let decision_path = format!("{}/{}", id.dir(), proposal::DECISION);
        let Some(decision) = pending.decision.take() else {
            return Err(violation(oid, decision_path, Rule::Malformed, "missing"));
        };
        let Ok(date) = clock::parse_timestamp(&decision.date) else {
            return Err(violation(
                oid,
                decision_path,
                Rule::Malformed,
                "date is not an RFC 3339 date-time",
            ));
        };
        if let Err(e) = rules::check_finalize(pending, members, before, &date) {
            let rule = rule_of(&e, Rule::Finalization);
            return Err(violation(oid, decision_path, rule, e));
        }
        if decision.electorate != rules::electorate(pending, members) {
            return Err(violation(
                oid,
                decision_path,
                Rule::Finalization,
                "the electorate recorded is not the members in force",
            ));
        }
        let scan = Scan(before);
        let past: &dyn Chronicle = match &self.chronicle {
            #[cfg(debug_assertions)]
            Some((tree, kept)) if *tree == before.tree_id() => &Checked { kept, scan },
            #[cfg(not(debug_assertions))]
            Some((tree, kept)) if *tree == before.tree_id() => kept,
            _ => &scan,
        };
        let effect =
            finalization::effect_with(pending, before, past, members, date).map_err(|e| {
                let rule = match &e {
                    Error::Rule(r) => rule_of(r, Rule::Finalization),
                    _ => Rule::Finalization,
                };
                violation(oid, &decision_path, rule, e)
            })?;
        // allowed_signers is generated from the member files: a wrong member
        // file is the one to name.
        let mut expected_files: Vec<_> = effect.iter().collect();
        expected_files
            .sort_by_key(|(path, _)| path.as_str() == crate::model::member::ALLOWED_SIGNERS);
        for (path, expected) in expected_files {
            let actual = after.read(path).map_err(|e| malformed(oid, e))?;
            if actual != *expected {
                let what = match expected {
                    Some(_) => format!("not as {id} makes it"),
                    None => format!("{id} removes it, but it is still there"),
                };
                return Err(violation(oid, path.clone(), Rule::AppliedExactly, what));
            }
        }
        for path in governed {
            if !effect.contains_key(path) {
                return Err(violation(
                    oid,
                    path.clone(),
                    Rule::AppliedExactly,
                    format!("changed, but not part of {id}"),
                ));
            }
        }
        Charter::load_governed(after).map_err(|e| malformed(oid, e))?;
        // Read through the cache: the next step starts from these members.
        self.members(oid, after)?;
        crate::model::review::load_all(after).map_err(|e| malformed(oid, e))?;
        self.step_decision = Some((id.clone(), date));
        self.summary.finalizations += 1;
        Ok(())
    }
}
