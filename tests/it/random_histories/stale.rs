//! Property 2, mutations by stale branches: acts made on a branch from an
//! old commit, merged with `git merge --no-ff`.

use super::acts::{choices, run_act, Act};
use super::honest::History;
use super::mutations::{describe_commit, first_parent_chain, Expect, Made};
use super::support::{git, git_ok, head, one_line, registered, view};
use super::CANDIDATES;
use crate::common::*;

impl History {
    /// One act that must be made, in the scratch clone.
    fn must(&mut self, s: &mut Group, who: &str, act: Act) -> Result<String, String> {
        let now = self.tick();
        s.at(&now);
        let key = if who == "ca" {
            s.env.path().join("keys/ca")
        } else {
            self.member_key(s, who)
                .ok_or(format!("no known key for {who}"))?
        };
        let out = run_act(s, who, &key, &act, &self.tag());
        self.log(
            "P2",
            format!("{who}: {} -> exit {:?}", act.describe(), out.status.code()),
        );
        if !out.status.success() {
            return Err(format!(
                "setting up: {who} {}: exit {:?}: {}",
                act.describe(),
                out.status.code(),
                one_line(&stderr(&out))
            ));
        }
        Ok(stdout(&out).trim().to_string())
    }

    /// A branch from an old first-parent commit, one to three acts valid
    /// there, merged with `git merge --no-ff`: valid or not by the rules.
    pub(crate) fn stale_acts(&mut self, s: &mut Group) -> Result<Option<Made>, String> {
        // Up to three branches: a merge that conflicts is not a history.
        for _ in 0..3 {
            if let Some(made) = self.stale_branch(s)? {
                return Ok(Some(made));
            }
            git_ok(s, &["branch", "-q", "-D", "stale"]);
        }
        Ok(None)
    }

    fn stale_branch(&mut self, s: &mut Group) -> Result<Option<Made>, String> {
        let chain = first_parent_chain(s);
        if chain.len() < 2 {
            return Ok(None);
        }
        let at = self.rng.below(chain.len() - 1);
        let old = chain[at].clone();
        git_ok(s, &["checkout", "-q", "-b", "stale", &old]);
        let mut made = Vec::new();
        for _ in 0..1 + self.rng.below(3) {
            let now = self.tick();
            s.at(&now);
            let v = view(s);
            let mut who: Vec<String> = v.members.clone();
            who.extend(
                CANDIDATES
                    .iter()
                    .filter(|c| !registered(&s.repo, c))
                    .map(|c| c.to_string()),
            );
            let who = who[self.rng.below(who.len())].clone();
            let key = if v.members.contains(&who) {
                self.member_key(s, &who)
            } else {
                self.actors
                    .iter()
                    .find(|a| a.who == who)
                    .map(|a| a.g.env.key(a.who))
            };
            let Some(key) = key else {
                return Err(format!("no known key for {who}"));
            };
            let options = choices(&who, &v, &s.repo, &D5_PRINCIPLES, None);
            let Some(mut act) = self.rng.weighted(&options) else {
                continue;
            };
            if let Act::Rotate(p) = &mut act {
                let dir = s.env.path().join("keys");
                *p = self.new_key(&dir, &format!("{who}-{}", self.step));
            }
            let out = run_act(s, &who, &key, &act, &self.tag());
            let what = format!("{who} {}", act.describe());
            self.log(
                "P2",
                format!("stale: {what} -> exit {:?}", out.status.code()),
            );
            match out.status.code() {
                Some(0) => made.push(what),
                Some(2) => {}
                code => {
                    return Err(format!(
                        "on the stale branch, {what}: exit {code:?}: {}",
                        stderr(&out)
                    ))
                }
            }
        }
        git_ok(s, &["checkout", "-q", "main"]);
        let out = git(s, &["merge", "--no-ff", "--no-edit", "stale"]);
        let what = format!(
            "branch at {} (first-parent #{at} of {}) with {made:?}, merged with git merge --no-ff",
            describe_commit(s, &old),
            chain.len()
        );
        if !out.status.success() {
            let _ = git(s, &["merge", "--abort"]);
            self.log("P2", format!("StaleActs: {what}: conflict, merge aborted"));
            return Ok(None);
        }
        Ok(Some(Made {
            what,
            expect: Expect::Either,
            at_head: false,
        }))
    }

    /// A proposal filed at the tip; on main a candidate is admitted; on a
    /// branch from before the admission everyone then in force accepts the
    /// proposal, which is finalized there; the branch is merged with `git
    /// merge --no-ff`. At the merge the decision misses the new member: a
    /// violation, reported at the merge.
    pub(crate) fn stale_decision(&mut self, s: &mut Group) -> Result<Option<Made>, String> {
        let mut members = view(s).members;
        if members.len() < 2 {
            return Ok(None);
        }
        self.rng.shuffle(&mut members);
        let (p, sec, rest) = (
            members[0].clone(),
            members[1].clone(),
            members[2..].to_vec(),
        );
        let principle = D5_PRINCIPLES[self.rng.below(D5_PRINCIPLES.len())];
        let id = self.must(s, &p, Act::Amend(principle.to_string()))?;
        let fork = head(s);
        let dir = s.env.path().join("keys");
        self.new_key(&dir, "ca");
        let app = self.must(s, "ca", Act::Apply)?;
        self.must(s, &p, Act::ProposeMember("ca".into()))?;
        self.must(s, &sec, Act::Second(app.clone()))?;
        for m in &rest {
            self.must(s, m, Act::Accept(app.clone()))?;
        }
        if !s.repo.join("keys/ca.toml").exists() {
            return Err(format!("setting up: ca was not admitted by {app}"));
        }
        git_ok(s, &["checkout", "-q", "-b", "stale", &fork]);
        self.must(s, &sec, Act::Second(id.clone()))?;
        for m in &rest {
            self.must(s, m, Act::Accept(id.clone()))?;
        }
        if !s
            .repo
            .join(format!("{}/decision.toml", proposal_dir(&id)))
            .exists()
        {
            return Err(format!("setting up: {id} was not finalized on the branch"));
        }
        git_ok(s, &["checkout", "-q", "main"]);
        git_ok(s, &["merge", "--no-ff", "--no-edit", "stale"]);
        Ok(Some(Made {
            what: format!(
                "{p} proposes {id}; on main ca is admitted ({app}); a branch from before the admission has {sec} second and {rest:?} accept {id} (finalized there by the members of then); merged with git merge --no-ff"
            ),
            expect: Expect::Violation,
            at_head: true,
        }))
    }
}
