//! `verify`: walks the history from the trust root to HEAD and checks every
//! commit against the rules (DESIGN.md §5). It judges what each commit does
//! to the tree, never who made the commit, so it holds through any git
//! workflow.

use std::collections::{BTreeMap, BTreeSet};

use git2::{Delta, DiffOptions, Oid, Sort};
use serde::Serialize;

use crate::charter::Charter;
use crate::clock;
use crate::error::{Error, Result};
use crate::finalization;
use crate::governance::{self, Governance};
use crate::id::ProposalId;
use crate::member::Members;
use crate::proposal::{self, Proposal, Record};
use crate::repo::Repo;
use crate::rules;
use crate::snapshot::Snapshot;

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
}

pub type Outcome = std::result::Result<Summary, Violation>;

struct Walker<'r> {
    repo: &'r Repo,
    root: Oid,
    summary: Summary,
    /// The members of the last `keys/` tree read: it rarely changes.
    members: Option<(Option<Oid>, Members)>,
}

/// Verifies HEAD's history against the trust root `root`. The outer error is
/// for a repository that cannot be read at all; the outcome says whether the
/// history holds.
pub fn verify(repo: &Repo, root: Oid) -> Result<Outcome> {
    let head = repo.head()?.ok_or_else(|| Error::NotAGroup {
        path: repo.workdir(),
    })?;
    verify_from(repo, root, head.id(), None, &mut |_, _| {})
}

/// Verifies the history of `tip`; with `since` (a commit already verified
/// against the same root, an ancestor of `tip`), only the commits after it.
/// `progress` hears (done, total) as commits are checked.
pub fn verify_from(
    repo: &Repo,
    root: Oid,
    tip: Oid,
    since: Option<Oid>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome> {
    let summary = match verify_history(repo, root, tip, since, progress)? {
        Ok(s) => s,
        Err(v) => return Ok(Err(v)),
    };
    if let Err(v) = check_tags(repo, tip) {
        return Ok(Err(v));
    }
    Ok(Ok(summary))
}

/// Verifies the commits of `tip`'s history, without judging this clone's
/// tags: how `sync` judges a remote's history before taking it.
pub fn verify_history(
    repo: &Repo,
    root: Oid,
    tip: Oid,
    since: Option<Oid>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome> {
    let git = repo.git();
    let mut walk = git.revwalk()?;
    walk.push(tip)?;
    if let Some(since) = since {
        walk.hide(since)?;
    }
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let commits: Vec<Oid> = walk.collect::<std::result::Result<_, _>>()?;
    let mut w = Walker {
        repo,
        root,
        summary: Summary {
            root: root.to_string(),
            head: tip.to_string(),
            ..Summary::default()
        },
        members: None,
    };
    for (i, oid) in commits.iter().enumerate() {
        if let Err(v) = w.commit(*oid) {
            return Ok(Err(v));
        }
        w.summary.commits += 1;
        progress(i + 1, commits.len());
    }
    let snap = repo.snapshot(tip)?;
    let gov = Governance::parse(&snap.require(governance::PATH)?)?;
    w.summary.members = Members::load(&snap)?.len();
    w.summary.principles = Charter::load(&snap, &gov.languages)?.principles.len();
    w.summary.proposals = proposal::list(&snap)?.len();
    Ok(Ok(w.summary))
}

/// Every `charter-<year>` tag must sit, in this history, on the commit that
/// finalized the closing of that year's review.
fn check_tags(repo: &Repo, tip: Oid) -> std::result::Result<(), Violation> {
    let git = repo.git();
    let internal = |e: git2::Error| violation(tip, ".", Rule::Malformed, e);
    let names = git.tag_names(Some("charter-*")).map_err(internal)?;
    for name in names.iter().flatten() {
        let target = git
            .revparse_single(&format!("refs/tags/{name}"))
            .and_then(|o| o.peel_to_commit())
            .map_err(internal)?;
        check_tag(repo, tip, name, target.id())?;
    }
    Ok(())
}

/// One `charter-<year>` tag on `target`, judged against the history of `tip`.
pub fn check_tag(
    repo: &Repo,
    tip: Oid,
    name: &str,
    target: Oid,
) -> std::result::Result<(), Violation> {
    let git = repo.git();
    let reference = format!("refs/tags/{name}");
    let bad = |why: String| Err(violation(target, reference.clone(), Rule::Tag, why));
    let Some(year) = name
        .strip_prefix("charter-")
        .and_then(|y| y.parse::<i32>().ok())
    else {
        return bad("not a review year".into());
    };
    let in_history = target == tip || git.graph_descendant_of(tip, target).unwrap_or(false);
    if !in_history {
        return bad("the tagged commit is not in this history".into());
    }
    let commit = git
        .find_commit(target)
        .map_err(|e| violation(target, reference.clone(), Rule::Malformed, e))?;
    let after = repo.snapshot(target).map_err(|e| malformed(target, e))?;
    let closing = crate::review::load(&after, year)
        .ok()
        .flatten()
        .and_then(|r| r.closing);
    let Some(closing) = closing else {
        return bad(format!("the review of {year} is not closed there"));
    };
    let decision = format!("{}/{}", closing.dir(), proposal::DECISION);
    let parent_has = commit
        .parent(0)
        .ok()
        .and_then(|p| p.tree().ok())
        .is_some_and(|t| t.get_path(std::path::Path::new(&decision)).is_ok());
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
        Error::Parse { path, message } => (path.clone(), message.clone()),
        Error::NotUtf8 { path } | Error::TooLarge { path, .. } | Error::Symlink { path } => (
            path.clone(),
            e.to_string()
                .trim_start_matches(&format!("{path}: "))
                .to_string(),
        ),
        Error::Key { path, message } => (path.clone(), message.clone()),
        Error::WeakKey { path } => (path.clone(), "weak ed25519 key".into()),
        other => (String::from("."), other.to_string()),
    };
    violation(commit, path, Rule::Malformed, message)
}

/// A changed path, classified.
enum Touched {
    Governed(String),
    InProposal(ProposalId, String),
}

impl Walker<'_> {
    /// The members in force in `snap`, read once per version of `keys/`.
    fn members(&mut self, commit: Oid, snap: &Snapshot) -> std::result::Result<Members, Violation> {
        let keys = snap.id(crate::member::DIR);
        match &self.members {
            Some((cached, members)) if *cached == keys => Ok(members.clone()),
            _ => {
                let members = Members::load(snap).map_err(|e| malformed(commit, e))?;
                self.members = Some((keys, members.clone()));
                Ok(members)
            }
        }
    }

    fn commit(&mut self, oid: Oid) -> std::result::Result<(), Violation> {
        let git = self.repo.git();
        let internal = |e: git2::Error| violation(oid, ".", Rule::Malformed, e);
        let commit = git.find_commit(oid).map_err(internal)?;
        if commit.parent_count() == 0 {
            if oid != self.root {
                return Err(violation(
                    oid,
                    ".",
                    Rule::TrustRoot,
                    format!(
                        "history starts at another root commit than the trust root {}",
                        self.root
                    ),
                ));
            }
            return self.genesis(oid);
        }
        if commit.parent_count() > 1 {
            return self.merge(oid, &commit);
        }
        let parent = commit.parent_id(0).map_err(internal)?;
        let before = self.repo.snapshot(parent).map_err(|e| malformed(oid, e))?;
        let after = self.repo.snapshot(oid).map_err(|e| malformed(oid, e))?;
        let touched = self.changes(oid, &before, &after)?;
        let members = self.members(parent, &before)?;

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
            if self.proposal(oid, &before, &after, &members, id, added)? {
                finalized.push(id.clone());
            }
        }
        match finalized.as_slice() {
            [] => match governed.into_iter().next() {
                Some(path) => Err(violation(
                    oid,
                    path,
                    Rule::GovernedChange,
                    "governed file changed outside a finalization",
                )),
                None => Ok(()),
            },
            [id] => self.finalization(oid, &before, &after, &members, id, &governed),
            [first, ..] => Err(violation(
                oid,
                first.dir(),
                Rule::Finalization,
                "more than one proposal finalized in one commit",
            )),
        }
    }

    /// A merge may only combine what its two histories did, each verified on
    /// its own: every path must end as one side left it where the other did
    /// not touch it. Where both changed a signed record (two finalizations
    /// of one proposal), one side's version is kept; both changing a
    /// governed file differently is refused.
    fn merge(&mut self, oid: Oid, commit: &git2::Commit<'_>) -> std::result::Result<(), Violation> {
        let git = self.repo.git();
        let internal = |e: git2::Error| violation(oid, ".", Rule::Malformed, e);
        if commit.parent_count() != 2 {
            return Err(violation(
                oid,
                ".",
                Rule::GovernedChange,
                "a merge of more than two histories",
            ));
        }
        let (p1, p2) = (
            commit.parent_id(0).map_err(internal)?,
            commit.parent_id(1).map_err(internal)?,
        );
        let base = git.merge_base(p1, p2).map_err(|_| {
            violation(
                oid,
                ".",
                Rule::TrustRoot,
                "the merged histories share no commit",
            )
        })?;
        let tree = |c: Oid| git.find_commit(c).and_then(|c| c.tree()).map_err(internal);
        let (tb, t1, t2, tm) = (tree(base)?, tree(p1)?, tree(p2)?, tree(oid)?);
        let mut paths = BTreeSet::new();
        for other in [&t1, &t2, &tm] {
            let diff = git
                .diff_tree_to_tree(Some(&tb), Some(other), None)
                .map_err(internal)?;
            for d in diff.deltas() {
                for f in [d.old_file(), d.new_file()] {
                    if let Some(p) = f.path().and_then(|p| p.to_str()) {
                        paths.insert(p.to_string());
                    }
                }
            }
        }
        let blob =
            |t: &git2::Tree<'_>, p: &str| t.get_path(std::path::Path::new(p)).ok().map(|e| e.id());
        for path in &paths {
            let (b, a1, a2, m) = (
                blob(&tb, path),
                blob(&t1, path),
                blob(&t2, path),
                blob(&tm, path),
            );
            let signed = path.starts_with("proposals/");
            let allowed: Vec<Option<Oid>> = if a1 == a2 {
                vec![a1]
            } else if a1 == b {
                vec![a2]
            } else if a2 == b {
                vec![a1]
            } else if signed {
                vec![a1, a2]
            } else if path == crate::member::ALLOWED_SIGNERS {
                // Generated from the member files; checked against them below.
                vec![m]
            } else {
                return Err(violation(
                    oid,
                    path.clone(),
                    Rule::GovernedChange,
                    "both merged histories changed it differently",
                ));
            };
            if !allowed.contains(&m) {
                let rule = if signed {
                    Rule::AppendOnly
                } else {
                    Rule::GovernedChange
                };
                return Err(violation(
                    oid,
                    path.clone(),
                    rule,
                    "the merge makes a change neither history made",
                ));
            }
        }
        let after = self.repo.snapshot(oid).map_err(|e| malformed(oid, e))?;
        let gov = Governance::parse(
            &after
                .require(governance::PATH)
                .map_err(|e| malformed(oid, e))?,
        )
        .map_err(|e| malformed(oid, e))?;
        Charter::load(&after, &gov.languages).map_err(|e| malformed(oid, e))?;
        Members::load(&after).map_err(|e| malformed(oid, e))?;
        crate::review::load_all(&after).map_err(|e| malformed(oid, e))?;
        Ok(())
    }

    /// The root commit must hold a valid charter, rules and members, and
    /// nothing else.
    fn genesis(&mut self, oid: Oid) -> std::result::Result<(), Violation> {
        let snap = self.repo.snapshot(oid).map_err(|e| malformed(oid, e))?;
        let gov_text = snap
            .require(governance::PATH)
            .map_err(|e| malformed(oid, e))?;
        let gov = Governance::parse(&gov_text).map_err(|e| malformed(oid, e))?;
        Charter::load(&snap, &gov.languages).map_err(|e| malformed(oid, e))?;
        let members = Members::load(&snap).map_err(|e| malformed(oid, e))?;
        if members.is_empty() {
            return Err(violation(
                oid,
                "keys",
                Rule::Malformed,
                "the genesis names no member",
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
        let git = self.repo.git();
        let internal = |e: git2::Error| violation(oid, ".", Rule::Malformed, e);
        let old = git.find_tree(before.tree_id()).map_err(internal)?;
        let new = git.find_tree(after.tree_id()).map_err(internal)?;
        let mut opts = DiffOptions::new();
        opts.include_typechange(true);
        let diff = git
            .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))
            .map_err(internal)?;
        let mut out = Vec::new();
        for delta in diff.deltas() {
            let file = if delta.status() == Delta::Deleted {
                delta.old_file()
            } else {
                delta.new_file()
            };
            let path = file
                .path()
                .and_then(|p| p.to_str())
                .ok_or_else(|| violation(oid, "?", Rule::Malformed, "path is not UTF-8"))?
                .to_string();
            if let Some(rest) = path.strip_prefix("proposals/") {
                if delta.status() != Delta::Added {
                    let what = match delta.status() {
                        Delta::Deleted => "signed record deleted",
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
            } else if path == governance::PATH
                || path.starts_with("charter/")
                || path.starts_with("keys/")
                || path.starts_with("reviews/")
            {
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

    /// Checks what a commit added to one proposal; true if it finalized it.
    fn proposal(
        &mut self,
        oid: Oid,
        before: &Snapshot,
        after: &Snapshot,
        members: &Members,
        id: &ProposalId,
        added: &[String],
    ) -> std::result::Result<bool, Violation> {
        let now = Proposal::load(after, id).map_err(|e| malformed(oid, e))?;
        let existed = before.id(&id.dir()).is_some();
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
        let old_paths: BTreeSet<String> = now
            .records
            .iter()
            .filter(|r| !is_new(&r.path))
            .map(|r| r.path.clone())
            .collect();
        state.records.retain(|r| old_paths.contains(&r.path));
        state.decision = None;
        let root = self.root.to_string();
        for record in now.records.iter().filter(|r| !old_paths.contains(&r.path)) {
            self.record(oid, &state, members, record, &root)?;
            state.records.push(record.clone());
            self.summary.signatures += 1;
        }
        let decided = added.iter().any(|rel| rel == proposal::DECISION);
        Ok(decided)
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
        let gov = Governance::parse(
            &before
                .require(governance::PATH)
                .map_err(|e| malformed(oid, e))?,
        )
        .map_err(|e| malformed(oid, e))?;
        let charter = Charter::load(before, &gov.languages).map_err(|e| malformed(oid, e))?;
        let Some(lang) = gov.reference_language() else {
            return Ok(());
        };
        let missing = crate::statement::missing_sections(
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
        &self,
        oid: Oid,
        state: &Proposal,
        members: &Members,
        record: &Record,
        root: &str,
    ) -> std::result::Result<(), Violation> {
        let m = &record.act.message;
        let v = |rule, message: String| Err(violation(oid, record.path.clone(), rule, message));
        if m.repository != root {
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
        if let Err(e) = record.act.verify(key) {
            let sig_path = format!("{}.sig", record.path.trim_end_matches(".msg"));
            return Err(violation(
                oid,
                sig_path,
                Rule::Signature,
                format!("signature by {} {e}", m.signer),
            ));
        }
        if let Err(e) = rules::check_act(state, members, m) {
            return v(Rule::Process, e.to_string());
        }
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
        id: &ProposalId,
        governed: &BTreeSet<String>,
    ) -> std::result::Result<(), Violation> {
        let p = Proposal::load(after, id).map_err(|e| malformed(oid, e))?;
        let decision_path = format!("{}/{}", id.dir(), proposal::DECISION);
        let Some(decision) = &p.decision else {
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
        let mut pending = p.clone();
        pending.decision = None;
        if let Err(e) = rules::check_finalize(&pending, members, before, &date) {
            return Err(violation(oid, decision_path, Rule::Finalization, e));
        }
        if decision.electorate != rules::electorate(&pending, members) {
            return Err(violation(
                oid,
                decision_path,
                Rule::Finalization,
                "the electorate recorded is not the members in force",
            ));
        }
        let effect = finalization::effect(&pending, before, members, date)
            .map_err(|e| violation(oid, &decision_path, Rule::Finalization, e))?;
        // allowed_signers is generated from the member files: a wrong member
        // file is the one to name.
        let mut expected_files: Vec<_> = effect.iter().collect();
        expected_files.sort_by_key(|(path, _)| path.as_str() == crate::member::ALLOWED_SIGNERS);
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
        let gov = Governance::parse(
            &after
                .require(governance::PATH)
                .map_err(|e| malformed(oid, e))?,
        )
        .map_err(|e| malformed(oid, e))?;
        Charter::load(after, &gov.languages).map_err(|e| malformed(oid, e))?;
        Members::load(after).map_err(|e| malformed(oid, e))?;
        crate::review::load_all(after).map_err(|e| malformed(oid, e))?;
        self.summary.finalizations += 1;
        Ok(())
    }
}
