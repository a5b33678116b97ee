//! What one step adds to a proposal: its content when filed, each new
//! signed record, and the finalization with its effect.

use std::collections::BTreeSet;

use super::{malformed, rule_of, violation, Blame, Rule, Violation, Walker};
use crate::model::charter::Charter;
use crate::model::clock;
use crate::model::error::Error;
use crate::model::governance;
use crate::model::id::ProposalId;
use crate::model::member::Members;
use crate::model::proposal::{self, Proposal, Record};
use crate::rules;
#[cfg(debug_assertions)]
use crate::rules::chronicle::Checked;
use crate::rules::chronicle::{Beside, Chronicle, Scan};
use crate::rules::finalization;
use crate::store::snapshot::Snapshot;
use crate::store::Oid;

impl Walker<'_> {
    /// Checks what a commit added to one proposal; the proposal after it.
    pub(super) fn proposal(
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
        }
        // Read once a change to what was filed is ruled out: what the
        // proposal may carry is judged when it is filed.
        let now = Proposal::load(after, id).map_err(|e| malformed(oid, e))?;
        if !existed {
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
            if let Err(e) = rules::check_content(&now, &gov, before) {
                return Err(match e {
                    rules::RuleError::KeyProof { .. } => violation(oid, path, Rule::KeyProof, e),
                    rules::RuleError::KindPath { path, why } => {
                        violation(oid, path, Rule::KindPaths, why)
                    }
                    _ => violation(oid, path, Rule::KindPaths, e),
                });
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
    pub(super) fn replay(
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
    pub(super) fn check_statement(
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
    pub(super) fn record(
        &mut self,
        oid: Oid,
        state: &Proposal,
        members: &Members,
        record: &Record,
    ) -> std::result::Result<(), Violation> {
        let m = &record.act.message;
        let v = |rule, message: String| Err(violation(oid, record.path.clone(), rule, message));
        self.not_from_the_future(oid, &record.path, "the act", &m.date)?;
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
    pub(super) fn finalization(
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
        self.not_from_the_future(oid, &decision_path, "the decision", &date)?;
        if let Err(e) = rules::check_finalize(pending, members, before, &date) {
            return Err(match e {
                rules::RuleError::KindPath { path, why } => {
                    violation(oid, path, Rule::KindPaths, why)
                }
                e => violation(oid, decision_path, rule_of(&e, Rule::Finalization), e),
            });
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
        let past = Beside::new(past, &self.step_records);
        let effect =
            finalization::effect_with(pending, before, &past, members, date).map_err(|e| {
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
