//! The `charter-<year>` tags: each must sit, in the verified history, on
//! the commit that finalized the closing of that year's review.

use std::collections::HashSet;

use super::{malformed, violation, Rule, Violation};
use crate::model::error::Error;
use crate::model::proposal;
use crate::store::repo::Repo;
use crate::store::Oid;

/// Every `charter-<year>` tag must sit, in this history, on the commit that
/// finalized the closing of that year's review. `line` is commits known to
/// be in it; `trusted`, tags judged before on an ancestor of `tip`. The
/// tags judged sound.
pub(super) fn check_tags(
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
