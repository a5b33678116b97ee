//! When a plain `git pull --no-rebase` must make a merge that verifies.

use std::collections::{BTreeMap, BTreeSet};

use super::support::{git_ok, head, is_ancestor, proposal_of};
use crate::common::*;

/// What the commits of one side of a merge (base..tip) changed.
#[derive(Debug, Default)]
struct Side {
    paths: BTreeSet<String>,
    /// Proposals with a new file: whether this side decided or withdrew
    /// them, and whether it proposed them (a `propose` record).
    proposals: BTreeMap<String, (bool, bool)>,
    charter: BTreeSet<String>,
}

fn side(g: &Group, base: &str, tip: &str) -> Side {
    let range = format!("{base}..{tip}");
    let mut s = Side::default();
    for p in git_ok(
        g,
        &["log", "--format=", "--name-only", "--no-renames", &range],
    )
    .lines()
    .filter(|l| !l.is_empty())
    {
        if let Some(id) = proposal_of(p) {
            let closed = p.ends_with("/decision.toml") || p.ends_with(".withdraw.msg");
            let proposed = p.ends_with(".propose.msg");
            let e = s.proposals.entry(id).or_default();
            e.0 |= closed;
            e.1 |= proposed;
        }
        if p.starts_with("charter/") {
            s.charter.insert(p.to_string());
        }
        s.paths.insert(p.to_string());
    }
    s
}

/// Whether a plain `git pull --no-rebase` of origin/main into `g`'s clone
/// makes a merge that must verify, or why not.
///
/// Under the one-order rule the remote's records are judged at the merge,
/// by the rules in force there (after this clone's own commits). Plain
/// merges are used only where that cannot change their judgement:
/// - either side is an ancestor of the other (a fast-forward, or nothing to
///   merge: both tips verified already), or
/// - since the common base, neither side changed `keys/` or
///   `governance.toml` (no admission, removal, departure or rotation: the
///   members, keys and electorate are the same on both sides and at the
///   merge), AND no proposal that has new records on both sides is decided
///   or withdrawn on either (acts on it stay acts on an open proposal, a
///   decision counts only acts of its own side) or proposed on either (an
///   application is proposed by one member only; an amendment's other
///   records cannot predate it), AND the two sides did not both change a
///   file of `charter/`.
///
/// Otherwise (or when git reports a conflict) the clone uses `charter sync`.
pub(crate) fn plain_merge_allowed(g: &Group) -> Result<&'static str, String> {
    let ours = head(g);
    let theirs = git_ok(g, &["rev-parse", "origin/main"]);
    if is_ancestor(g, &theirs, &ours) {
        return Ok("up to date");
    }
    if is_ancestor(g, &ours, &theirs) {
        return Ok("fast-forward");
    }
    let base = git_ok(g, &["merge-base", &ours, &theirs]);
    let mine = side(g, &base, &ours);
    let other = side(g, &base, &theirs);
    for (name, s) in [("this clone", &mine), ("the remote", &other)] {
        if let Some(p) = s
            .paths
            .iter()
            .find(|p| p.starts_with("keys/") || *p == "governance.toml")
        {
            return Err(format!("{name} changed {p} since the common base"));
        }
    }
    for (id, (closed, proposed)) in &mine.proposals {
        if let Some((other_closed, other_proposed)) = other.proposals.get(id) {
            if *closed || *other_closed {
                return Err(format!(
                    "{id} has records on both sides and is decided or withdrawn on one"
                ));
            }
            if *proposed || *other_proposed {
                return Err(format!(
                    "{id} has records on both sides and is proposed on one"
                ));
            }
        }
    }
    if let Some(p) = mine.charter.intersection(&other.charter).next() {
        return Err(format!("both sides changed {p}"));
    }
    Ok("merge")
}
