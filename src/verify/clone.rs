//! `verify` as a clone runs it: against the recorded (or a pinned) trust
//! root, starting after the commit this clone verified last when that
//! commit is still in the history, and recording the new verified tip.

use serde::Serialize;

use crate::model::count::Count;
use crate::model::error::{Error, Result};
use crate::store::repo::Repo;
use crate::verify::{verify_from, Summary, Violation};

/// What `charter verify` reports when the history holds.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub ok: bool,
    #[serde(flatten)]
    pub summary: Summary,
    /// The verified commit this run started after, if any.
    pub since: Option<String>,
    /// Commits checked by this run (all of them, without `since`).
    pub new: usize,
    /// Why the verified tip could not be recorded (a read-only clone): the
    /// next run checks these commits again.
    #[serde(skip)]
    pub unsaved: Option<String>,
}

/// What `charter verify` reports when it does not.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub ok: bool,
    pub violation: Violation,
}

/// Verifies HEAD's history. `root` pins the trust root (a revision) and
/// records it; `full` checks every commit even when an earlier run
/// verified a prefix.
pub fn verify_clone(
    repo: &Repo,
    root: Option<&str>,
    full: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<std::result::Result<Verified, Refused>> {
    let root = match root {
        Some(r) => {
            let root = repo
                .revparse_commit(r)
                .ok_or_else(|| Error::Invalid(format!("--root '{r}': no such commit")))?;
            // A trust root is where a history starts. Pinning a commit with
            // a parent would be recorded and make every later verify fail.
            if !repo.commit_info(root)?.parents.is_empty() {
                return Err(Error::Invalid(format!(
                    "--root '{r}': {root} is not a root commit (it has a parent); the trust root is the group's first commit, as `git rev-list --max-parents=0 HEAD` shows; nothing recorded"
                )));
            }
            if repo.recorded_root() != Some(root) {
                repo.record_root(root)?;
            }
            root
        }
        None => repo.root()?,
    };
    let head = repo.head()?.ok_or_else(|| Error::NotAGroup {
        path: repo.workdir(),
    })?;
    let since = match full {
        true => None,
        false => repo.verified(root).filter(|(v, _)| repo.holds(head, *v)),
    };
    let before = since.map(|(_, counts)| counts).unwrap_or_default();
    let seen: Vec<_> = since.map(|(v, _)| v).into_iter().collect();
    let mut summary = match verify_from(repo, root, head, &seen, progress)? {
        Ok(summary) => summary,
        Err(violation) => {
            return Ok(Err(Refused {
                ok: false,
                violation,
            }))
        }
    };
    let new = summary.commits;
    // The last verified commit may not lie on this first-parent line: then
    // everything was checked anew.
    let since = summary.since;
    let before = if since.is_some() { before } else { [0; 3] };
    // Counts cover the whole history, checked now or before.
    summary.commits += before[0];
    summary.signatures += before[1];
    summary.finalizations += before[2];
    let unsaved = repo
        .record_verified_tags(root, head, &summary.tags)
        .and_then(|()| {
            repo.record_verified(
                root,
                head,
                [summary.commits, summary.signatures, summary.finalizations],
            )
        })
        .err()
        .map(|e| e.to_string());
    Ok(Ok(Verified {
        ok: true,
        summary,
        since: since.map(|s| s.to_string()),
        new,
        unsaved,
    }))
}

/// What every command stands on: HEAD's history verifies, checked from the
/// last commit this clone verified (nothing to do when that is HEAD). A
/// broken HEAD is refused with the verification's own message, so no act
/// is signed on top of it and no listing counts what would not verify.
pub fn ensure_verified(repo: &Repo) -> Result<()> {
    let root = repo.root()?;
    if let (Some(head), Some((tip, _))) = (repo.head()?, repo.verified(root)) {
        if head == tip {
            return Ok(());
        }
    }
    match verify_clone(repo, None, false, &mut |_, _| {})? {
        Ok(_) => Ok(()),
        Err(refused) => Err(Error::Unverified(format!(
            "{} (see charter verify)",
            refused.violation
        ))),
    }
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.summary;
        let checked = match self.since {
            Some(_) => format!(" ({} new)", self.new),
            None => String::new(),
        };
        write!(
            f,
            "verified: {} from trust root {} to {}{checked}: {}, {}, {}; {}, {}",
            Count(s.commits, "commit"),
            s.root.get(..12).unwrap_or(&s.root),
            s.head.get(..12).unwrap_or(&s.head),
            Count(s.signatures, "signature"),
            Count(s.proposals, "proposal"),
            Count(s.finalizations, "finalization"),
            Count(s.members, "member"),
            Count(s.principles, "principle")
        )
    }
}
