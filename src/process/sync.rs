//! Working across clones (DESIGN.md §7): `sync` fetches a remote through the
//! system `git`, verifies everything that came in before taking it, replays
//! this clone's unpublished acts on top (their signature files unchanged,
//! their commits re-signed), finalizes what became complete, and pushes,
//! retrying when it loses a race.

use crate::crypto::key::SigningKey;
use crate::model::clock::Timestamp;
use crate::model::error::{Error, Result};
use crate::model::id::ProposalId;
use crate::model::proposal::{self, Proposal};
use crate::process::group::Group;
use crate::process::transaction::{finalization_commit, Signer};
use crate::rules;
use crate::store::graph::{CommitInfo, Status};
use crate::store::journal::{Move, TagMove};
use crate::store::repo::{Committer, Edits};
use crate::store::view::State;
use crate::store::Oid;
use crate::verify::{self, Violation};

/// git fsyncs what it fetches, loose objects too (not by default): they
/// are on disk before the branch moves onto them.
const DURABLE: &str = "core.fsync=all";

/// How many times a lost push race is retried.
const ATTEMPTS: usize = 6;

#[derive(Debug, Default, serde::Serialize)]
pub struct SyncOutcome {
    pub remote: String,
    /// The remote's tip as fetched and verified (none for an empty remote).
    #[serde(serialize_with = "crate::store::serialize_oid")]
    pub fetched: Option<Oid>,
    /// Local commits replayed on top of it.
    pub replayed: usize,
    /// Local acts dropped because the remote's history made them moot
    /// (a finalization already made there, an act on a closed proposal).
    pub dropped: Vec<String>,
    pub finalized: Vec<ProposalId>,
    pub pushed: bool,
    #[serde(serialize_with = "crate::store::serialize_oid")]
    pub head: Option<Oid>,
    pub attempts: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{remote}: {message}")]
    Remote { remote: String, message: String },
    #[error("{remote} rolled back: it points to {now}, which does not contain {recorded}, the tip verified before")]
    Rollback {
        remote: String,
        recorded: Oid,
        now: Oid,
    },
    #[error("{remote} does not descend from the trust root {root}")]
    OtherRoot { remote: String, root: Oid },
    #[error("{remote} fails verification: {violation}")]
    Refused {
        remote: String,
        violation: Box<Violation>,
    },
    #[error("the replay of this clone's acts does not verify, so nothing was changed or pushed: {violation}")]
    Replay { violation: Box<Violation> },
    #[error("{0}")]
    Library(#[from] Error),
}

impl Group {
    /// Syncs with `remote`. `key` re-signs this clone's replayed commits and
    /// any finalization they complete; without unpublished acts none is
    /// needed.
    pub fn sync(
        &self,
        remote: &str,
        key: Option<&SigningKey>,
        now: Timestamp,
        progress: &mut dyn FnMut(usize, usize),
    ) -> std::result::Result<SyncOutcome, SyncError> {
        let _lock = self.repo().lock()?;
        for attempt in 1..=ATTEMPTS {
            let mut outcome = SyncOutcome {
                remote: remote.to_string(),
                attempts: attempt,
                ..SyncOutcome::default()
            };
            let incoming = self.fetch(remote, progress)?;
            outcome.fetched = incoming;
            self.take(remote, incoming, key, now, &mut outcome)?;
            let head = self.repo().head()?;
            outcome.head = head;
            let Some(head) = head else { return Ok(outcome) };
            if Some(head) == incoming {
                return Ok(outcome);
            }
            let branch = self.repo().branch_name();
            let refspec = format!("{head}:{branch}");
            let tags = "refs/tags/charter-*:refs/tags/charter-*";
            match self
                .repo()
                .run_git(&["push", "--quiet", remote, &refspec, tags])
            {
                Ok(_) => {
                    self.repo().record_remote_tip(remote, head)?;
                    outcome.pushed = true;
                    return Ok(outcome);
                }
                Err(message) if lost_race(&message) => {
                    std::thread::sleep(std::time::Duration::from_millis(50 * attempt as u64));
                    continue;
                }
                Err(message) => {
                    return Err(SyncError::Remote {
                        remote: remote.to_string(),
                        message,
                    })
                }
            }
        }
        Err(SyncError::Remote {
            remote: remote.to_string(),
            message: format!("the push lost the race {ATTEMPTS} times; run sync again"),
        })
    }

    /// Fetches the remote's branch into a private ref and verifies it:
    /// trust root, no rollback, every rule. Returns its tip.
    fn fetch(
        &self,
        remote: &str,
        progress: &mut dyn FnMut(usize, usize),
    ) -> std::result::Result<Option<Oid>, SyncError> {
        let repo = self.repo();
        let remote_err = |message: String| SyncError::Remote {
            remote: remote.to_string(),
            message,
        };
        let branch = repo.branch_name();
        let incoming_ref = format!("refs/charter/incoming/{}", safe(remote));
        let refspec = format!("+{branch}:{incoming_ref}");
        match fetch_durably(repo, remote, &refspec) {
            Ok(_) => {}
            Err(m) if m.contains("couldn't find remote ref") => return Ok(None),
            Err(m) => return Err(remote_err(m)),
        }
        let incoming = repo
            .ref_target(&incoming_ref)
            .ok_or_else(|| Error::Internal(format!("{incoming_ref}: not fetched")))?;
        let root = repo.root()?;
        if !repo.holds(incoming, root) {
            return Err(SyncError::OtherRoot {
                remote: remote.to_string(),
                root,
            });
        }
        if let Some(recorded) = repo.remote_tip(remote) {
            if !repo.holds(incoming, recorded) {
                return Err(SyncError::Rollback {
                    remote: remote.to_string(),
                    recorded,
                    now: incoming,
                });
            }
        }
        let known = |c: Oid| repo.holds(incoming, c);
        let seen: Vec<Oid> = [repo.verified(root).map(|(v, _)| v), repo.remote_tip(remote)]
            .into_iter()
            .flatten()
            .filter(|v| known(*v))
            .collect();
        match verify::verify_history(repo, root, incoming, &seen, progress)? {
            Ok(_) => {}
            Err(violation) => {
                repo.delete_ref(&incoming_ref);
                return Err(SyncError::Refused {
                    remote: remote.to_string(),
                    violation: Box::new(violation),
                });
            }
        }
        self.fetch_tags(remote, incoming)?;
        repo.record_remote_tip(remote, incoming)?;
        Ok(Some(incoming))
    }

    /// Takes the remote's `charter-<year>` tags that are new here, each
    /// checked to sit on the commit that closed that year's review; a tag
    /// the remote moved is refused.
    fn fetch_tags(&self, remote: &str, incoming: Oid) -> std::result::Result<(), SyncError> {
        let repo = self.repo();
        let space = format!("refs/charter/incoming-tags/{}/", safe(remote));
        let refspec = format!("+refs/tags/charter-*:{space}charter-*");
        fetch_durably(repo, remote, &refspec).map_err(|message| SyncError::Remote {
            remote: remote.to_string(),
            message,
        })?;
        for full in repo.refs_matching(&format!("{space}*"))? {
            let name = full.trim_start_matches(&space).to_string();
            let Some(target) = repo.ref_target(&full) else {
                continue;
            };
            repo.delete_ref(&full);
            let local = format!("refs/tags/{name}");
            match repo.ref_target(&local) {
                Some(existing) if existing == target => continue,
                Some(existing) => {
                    return Err(SyncError::Remote {
                        remote: remote.to_string(),
                        message: format!("tag {name} moved from {existing} to {target}; refused"),
                    })
                }
                None => {}
            }
            if let Err(violation) = verify::check_tag(repo, incoming, &name, target) {
                return Err(SyncError::Refused {
                    remote: remote.to_string(),
                    violation: Box::new(violation),
                });
            }
            repo.set_ref(&local, target, false, "sync: review tag")?;
        }
        Ok(())
    }

    /// Puts this clone on top of `incoming` (a fast-forward, or a replay of
    /// the local acts the remote does not have), finalizes what is fully
    /// accepted there, verifies the result, then moves the branch once: a
    /// crash leaves the clone as it was or synced, never half replayed.
    fn take(
        &self,
        remote: &str,
        incoming: Option<Oid>,
        key: Option<&SigningKey>,
        now: Timestamp,
        outcome: &mut SyncOutcome,
    ) -> std::result::Result<(), SyncError> {
        let repo = self.repo();
        let Some(head) = repo.head()? else {
            return Ok(());
        };
        let mut plan = Plan {
            tip: head,
            tags: Vec::new(),
        };
        let mut message = "sync: finalize what is fully accepted".to_string();
        if let Some(incoming) = incoming.filter(|i| !repo.holds(head, *i)) {
            let local = repo.commits_oldest_first(head, Some(incoming))?;
            plan.tip = incoming;
            message = format!("sync: fast-forward to {remote}");
            if !local.is_empty() {
                let key = key.ok_or_else(|| {
                    Error::Invalid(
                        "this clone has acts the remote lacks: give your key to re-sign them (--key)"
                            .into(),
                    )
                })?;
                self.replay(&local, &mut plan, key, now, outcome)?;
                message = format!("sync: replay on {remote}");
            }
        }
        if let Some(key) = key {
            self.finalize_all_due(&mut plan, key, now, outcome)?;
        }
        if plan.tip == head {
            return Ok(());
        }
        // Never take (or publish) a history this tool would refuse.
        let root = repo.root()?;
        let seen: Vec<Oid> = incoming.into_iter().chain([head]).collect();
        let seen: Vec<Oid> = seen
            .into_iter()
            .filter(|s| repo.holds(plan.tip, *s))
            .collect();
        if let Err(violation) = verify::verify_history(repo, root, plan.tip, &seen, &mut |_, _| {})?
        {
            return Err(SyncError::Replay {
                violation: Box::new(violation),
            });
        }
        let mut mv = Move::new(Some(head), plan.tip, &message);
        mv.tags = plan.tags;
        repo.advance(&mv)?;
        Ok(())
    }

    /// Re-signs the local commits on top of `plan.tip`, finalizing what
    /// their acts complete where they complete it.
    fn replay(
        &self,
        local: &[Oid],
        plan: &mut Plan,
        key: &SigningKey,
        now: Timestamp,
        outcome: &mut SyncOutcome,
    ) -> std::result::Result<(), SyncError> {
        let repo = self.repo();
        // Who this clone's key is, even if it has left or rotated here since.
        let me = self.state()?.members()?.holder(key.public()).cloned();
        // A review tag on a dropped local finalization goes with it; the
        // finalization made anew tags its own commit.
        for name in repo.tag_names("charter-*")? {
            let reference = format!("refs/tags/{name}");
            if repo
                .ref_target(&reference)
                .is_some_and(|t| local.contains(&t))
            {
                plan.tags.push((name, None));
            }
        }
        let mut touched: Vec<ProposalId> = Vec::new();
        for &oid in local {
            let commit = repo.commit_info(oid)?;
            if let Some(edits) = self.replayable(&commit, plan.tip, &mut touched, outcome)? {
                let name = commit
                    .author_name
                    .clone()
                    .unwrap_or_else(|| "charter".into());
                let email = commit
                    .author_email
                    .clone()
                    .unwrap_or_else(|| "charter@charter.invalid".into());
                let when = chrono::DateTime::from_timestamp(commit.time, 0).unwrap_or(now);
                let who = Committer {
                    name,
                    email,
                    key,
                    when,
                };
                let message = commit
                    .message
                    .clone()
                    .unwrap_or_else(|| "charter act".into());
                plan.tip = repo.write_commit(Some(plan.tip), &edits, &message, &who)?;
                outcome.replayed += 1;
            }
            // What the acts so far complete is finalized here, before the
            // next act: a rotation takes effect before the new key signs.
            for id in touched.clone() {
                if self.finalize_if_due(plan, &id, key, me.as_ref(), now)? {
                    touched.retain(|t| t != &id);
                    outcome.finalized.push(id);
                }
            }
        }
        Ok(())
    }

    /// Finalizes every open proposal fully accepted at `plan.tip`: what a
    /// crash, an older version or another clone left unfinalized.
    fn finalize_all_due(
        &self,
        plan: &mut Plan,
        key: &SigningKey,
        now: Timestamp,
        outcome: &mut SyncOutcome,
    ) -> std::result::Result<(), SyncError> {
        // One read of the tip finds what is due; each finalization made
        // then reads the new tip once.
        let due: Vec<ProposalId> = {
            let state = State::at(self.repo(), plan.tip)?;
            let members = state.members()?;
            state
                .proposal_ids()?
                .into_iter()
                .filter(|id| {
                    state.proposal(id).is_ok_and(|p| {
                        let date = rules::decision_date(&p, &state.snapshot, now);
                        p.decision.is_none()
                            && rules::check_finalize(&p, members, &state.snapshot, &date).is_ok()
                    })
                })
                .collect()
        };
        for id in due {
            if self.finalize_if_due(plan, &id, key, None, now)? {
                outcome.finalized.push(id);
            }
        }
        Ok(())
    }

    /// Finalizes `id` on top of `plan.tip` if its acts complete it there,
    /// signed by `key` as the member it is in force there (or as `me`, for
    /// a new key not yet in force). Writes objects only.
    fn finalize_if_due(
        &self,
        plan: &mut Plan,
        id: &ProposalId,
        key: &SigningKey,
        me: Option<&crate::model::member::Member>,
        now: Timestamp,
    ) -> std::result::Result<bool, SyncError> {
        let repo = self.repo();
        let state = State::at(repo, plan.tip)?;
        let Ok(p) = state.proposal(id) else {
            return Ok(false);
        };
        let date = rules::decision_date(&p, &state.snapshot, now);
        if p.decision.is_some()
            || rules::check_finalize(&p, state.members()?, &state.snapshot, &date).is_err()
        {
            return Ok(false);
        }
        let Some(member) = state.members()?.by_key(key.public()).or(me).cloned() else {
            return Ok(false);
        };
        let signer = Signer {
            id: member.id,
            name: member.name,
            key,
        };
        let freed: Vec<String> = plan
            .tags
            .iter()
            .filter(|(_, t)| t.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        let (finalized, tag) = finalization_commit(repo, &state, &signer, &p, now, &freed)?;
        plan.tip = finalized;
        plan.tags.extend(tag);
        Ok(true)
    }

    /// The files a local commit adds under `proposals/`, minus what the new
    /// base already has, minus finalizations (made anew); `None` when
    /// nothing of it still applies on `base`.
    fn replayable(
        &self,
        commit: &CommitInfo,
        base: Oid,
        touched: &mut Vec<ProposalId>,
        outcome: &mut SyncOutcome,
    ) -> Result<Option<Edits>> {
        let repo = self.repo();
        let parent_tree = match commit.parents.first() {
            Some(p) => Some(repo.commit_info(*p)?.tree),
            None => None,
        };
        let base_snap = repo.snapshot(base)?;
        let mine = repo.snapshot(commit.id)?;
        let mut edits = Edits::default();
        let mut ids = Vec::new();
        for change in repo.tree_changes(parent_tree, commit.tree, None)? {
            if change.status != Status::Added {
                continue;
            }
            let Some(path) = change.path.as_deref() else {
                continue;
            };
            let Some(id) = proposal_of(path) else {
                continue;
            };
            if path.ends_with(&format!("/{}", proposal::DECISION)) {
                outcome
                    .dropped
                    .push(format!("finalization of {id} (made anew if still due)"));
                if !touched.contains(&id) {
                    touched.push(id);
                }
                continue;
            }
            let text = mine.require(path)?;
            match base_snap.read(path)? {
                Some(existing) if existing == text => continue,
                Some(_) => {
                    return Err(rules::RuleError::FiledTwice {
                        path: path.to_string(),
                        proposal: id,
                    }
                    .into())
                }
                None => {}
            }
            edits.put(path, text);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if edits.write.is_empty() {
            return Ok(None);
        }
        // The acts must still be allowed on top of what the remote did.
        let tree = repo.write_tree(Some(base), &edits)?;
        let snap = repo.tree_snapshot(tree)?;
        let members = crate::model::member::Members::load(&base_snap)?;
        for id in &ids {
            let before = Proposal::load(&base_snap, id).ok();
            let after = Proposal::load(&snap, id)?;
            let old: Vec<String> = before
                .iter()
                .flat_map(|p| p.records.iter().map(|r| r.path.clone()))
                .collect();
            let mut state = after.clone();
            state.records.retain(|r| old.contains(&r.path));
            for r in after.records.iter().filter(|r| !old.contains(&r.path)) {
                if let Err(e) = rules::check_act(&state, &members, &r.act.message) {
                    outcome.dropped.push(format!("{} ({e})", r.path));
                    return Ok(None);
                }
                state.records.push(r.clone());
            }
            if !touched.contains(id) {
                touched.push(id.clone());
            }
        }
        Ok(Some(edits))
    }
}

/// `proposals/<year>/<id>/...` → the id.
fn proposal_of(path: &str) -> Option<ProposalId> {
    let mut parts = path.strip_prefix("proposals/")?.split('/');
    let _year = parts.next()?;
    parts.next()?.parse().ok()
}

/// `git fetch` of one refspec, without tags, fsyncing what it writes.
/// `--refmap=` keeps git from also updating the remote-tracking branch
/// (`refs/remotes/<remote>/...`): only charter's private refs are written,
/// so a fetch killed midway never leaves a lock on a ref git's own fetch
/// needs, and the tracking branch moves only when a push succeeds.
fn fetch_durably(
    repo: &crate::store::repo::Repo,
    remote: &str,
    refspec: &str,
) -> std::result::Result<String, String> {
    repo.run_git(&[
        "-c",
        DURABLE,
        "fetch",
        "--quiet",
        "--no-tags",
        "--refmap=",
        remote,
        refspec,
    ])
}

/// Where the sync is going: the new tip and the tags that move with it.
struct Plan {
    tip: Oid,
    tags: Vec<TagMove>,
}

fn lost_race(message: &str) -> bool {
    [
        "rejected",
        "fetch first",
        "non-fast-forward",
        "failed to update ref",
        "cannot lock ref",
    ]
    .iter()
    .any(|m| message.contains(m))
}

fn safe(remote: &str) -> String {
    remote
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
