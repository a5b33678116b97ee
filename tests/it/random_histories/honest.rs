//! Property 1: honest histories. The clones, their actors, and the history
//! they make by acts valid in their own clones and by exchanges.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::rc::Rc;
use std::time::Instant;

use serde_json::Value;

use super::acts::{choices, run_act, Act};
use super::plain_merge::plain_merge_allowed;
use super::support::{
    charter_as, clock, git, git_ok, head, make_key, one_line, pub_blob, sig_blob, ssh_agreement,
    toml_str, view,
};
use super::IDS;
use crate::common::remote::Remote;
use crate::common::*;

/// The principles each identity amends in property 1. Disjoint on purpose:
/// a proposal's number is taken in the proposer's clone, so two clones
/// amending one principle at once could file the same id with different
/// contents, which `sync` refuses by design (one proposal id, one content).
fn own_principles(who: &str) -> &'static [&'static str] {
    match who {
        "uk" => &["user-needs", "open-standards"],
        "ee" => &["open-source", "open-markets"],
        "il" => &["open-government"],
        "nz" => &["connectivity", "teach-children-to-code"],
        "kr" => &["assisted-digital"],
        "jp" => &["commitment-to-share-and-learn"],
        _ => &[],
    }
}

/// The one member who may propose the removal of `member` in property 1,
/// for the same reason (a removal's id is `<year>-<n>-remove-member-<id>`).
fn remover_of(member: &str) -> &'static str {
    let i = IDS.iter().position(|m| *m == member).unwrap_or(0);
    IDS[(i + 1) % IDS.len()]
}

/// One identity's clone and the key it acts with now.
pub(crate) struct Actor {
    pub(crate) who: &'static str,
    pub(crate) g: Group,
    key: PathBuf,
    /// The HEAD last verified in full here.
    verified: Option<String>,
}

#[derive(Debug, Default)]
struct Stats {
    acts: usize,
    refused: usize,
    syncs: usize,
    merges: usize,
    fallbacks: usize,
    conflicts: usize,
}

/// A random history in the making: a remote, the clones, the seeded
/// choices, the log of everything done.
pub(crate) struct History {
    seed: u64,
    pub(crate) rng: Rng,
    plain_merges: bool,
    /// A member syncs right after rotating its key (property 2 only: today
    /// `charter sync` replays a rotation's finalization after the acts made
    /// with the new key, which property 1 reports).
    ops: usize,
    trace: Rc<RefCell<Vec<String>>>,
    pub(crate) step: usize,
    pub(crate) genesis: String,
    pub(crate) actors: Vec<Actor>,
    /// Every private key used (fixture, rotated, made for property 2), by
    /// its public key blob.
    keys: Vec<(Vec<u8>, PathBuf)>,
    stats: Stats,
    /// Successful departures and rotations: (who, what), checked at the end.
    unilateral: Vec<(String, Act)>,
    notes: Vec<String>,
    pub(crate) remote: Remote,
    _origin: Group,
}

impl History {
    pub(crate) fn new(
        seed: u64,
        plain_merges: bool,
        ops: usize,
        trace: Rc<RefCell<Vec<String>>>,
    ) -> Self {
        let origin = Group::d5();
        let genesis = origin.genesis();
        let remote = Remote::serve(&origin);
        let mut actors = Vec::new();
        let mut keys = Vec::new();
        for who in IDS {
            let peer = remote.clone_for(who, &genesis);
            let g = peer.g;
            let key = g.env.key(who);
            let public = std::fs::read_to_string(format!("{}.pub", key.display())).unwrap();
            keys.push((pub_blob(&public), key.clone()));
            actors.push(Actor {
                who,
                g,
                key,
                verified: None,
            });
        }
        Self {
            seed,
            rng: Rng(seed),
            plain_merges,
            ops,
            trace,
            step: 0,
            genesis,
            actors,
            keys,
            stats: Stats::default(),
            unilateral: Vec::new(),
            notes: Vec::new(),
            remote,
            _origin: origin,
        }
    }

    /// The clock moves one minute; every clone follows.
    pub(crate) fn tick(&mut self) -> String {
        self.step += 1;
        let now = clock(self.step);
        for a in &mut self.actors {
            a.g.at(&now);
        }
        now
    }

    pub(crate) fn log(&self, who: &str, what: String) {
        let now = clock(self.step);
        self.trace.borrow_mut().push(format!(
            "{:>3} {} {:<8} {what}",
            self.step,
            &now[11..16],
            who
        ));
    }

    pub(crate) fn tag(&self) -> String {
        format!("{:x}-{}", self.seed, self.step)
    }

    /// A new key for `who`, in its own key folder, remembered.
    pub(crate) fn new_key(&mut self, dir: &Path, name: &str) -> PathBuf {
        let path = make_key(&mut self.rng, dir, name);
        let public = std::fs::read_to_string(format!("{}.pub", path.display())).unwrap();
        self.keys.push((pub_blob(&public), path.clone()));
        path
    }

    /// The private key registered for `who` in `g`'s work tree, if known.
    pub(crate) fn member_key(&self, g: &Group, who: &str) -> Option<PathBuf> {
        let text = std::fs::read_to_string(g.repo.join(format!("keys/{who}.toml"))).ok()?;
        let blob = pub_blob(&toml_str(&text, "key")?);
        self.keys
            .iter()
            .find(|(b, _)| *b == blob)
            .map(|(_, p)| p.clone())
    }

    /// The private key that made an armored signature, if known.
    pub(crate) fn signing_key(&self, armored: &str) -> Option<PathBuf> {
        let blob = sig_blob(armored)?;
        self.keys
            .iter()
            .find(|(b, _)| *b == blob)
            .map(|(_, p)| p.clone())
    }

    /// Logs an act's outcome: true if made; false if refused (exit 2);
    /// panics on anything else.
    fn outcome(&mut self, who: &str, what: &str, out: &Output) -> bool {
        match out.status.code() {
            Some(0) => {
                self.stats.acts += 1;
                self.log(who, format!("{what} -> ok {}", one_line(&stdout(out))));
                true
            }
            Some(2) => {
                self.stats.refused += 1;
                self.log(
                    who,
                    format!("{what} -> refused: {}", one_line(&stderr(out))),
                );
                false
            }
            code => {
                self.log(who, format!("{what} -> exit {code:?}"));
                panic!(
                    "{who}: {what}: exit {code:?} (an act may only succeed, or be refused with 2): {}{}",
                    stdout(out),
                    stderr(out)
                )
            }
        }
    }

    pub(crate) fn run(&mut self) {
        for _ in 0..self.ops {
            self.tick();
            let weights = [3u32, 3, 3, 3, 3, 2, 1];
            let options: Vec<(u32, usize)> = weights.iter().copied().zip(0..).collect();
            let i = self.rng.weighted(&options).expect("an actor");
            if self.act(i) {
                continue;
            }
            self.exchange(i);
        }
        self.settle();
    }

    /// One to five acts valid in actor `i`'s clone, one at a time (each
    /// chosen on the state the previous left); false if it chose none.
    fn act(&mut self, i: usize) -> bool {
        let who = self.actors[i].who;
        let mut made = 0;
        while made < 5 {
            if made > 0 && self.rng.one_in(3) {
                break;
            }
            let v = view(&self.actors[i].g);
            let options = choices(
                who,
                &v,
                &self.actors[i].g.repo,
                own_principles(who),
                Some(remover_of),
            );
            // Sometimes a member has nothing it wants to do but exchange
            // (fewer new proposals, more of them decided); after a first
            // act, it only catches up on what is open.
            let mut options: Vec<(u32, Option<Act>)> = options
                .into_iter()
                .filter(|(_, a)| made == 0 || a.is_response())
                .map(|(w, a)| (w, Some(a)))
                .collect();
            options.push((25, None));
            let Some(Some(mut act)) = self.rng.weighted(&options) else {
                break;
            };
            if made > 0 {
                self.tick();
            }
            if let Act::Rotate(p) = &mut act {
                let dir = self.actors[i].g.env.path().join("keys");
                *p = self.new_key(&dir, &format!("{who}-{}", self.step));
            }
            let tag = self.tag();
            let out = run_act(&self.actors[i].g, who, &self.actors[i].key, &act, &tag);
            made += 1;
            if self.outcome(who, &act.describe(), &out) {
                match &act {
                    Act::Rotate(p) => {
                        self.actors[i].key = p.clone();
                        self.unilateral.push((who.to_string(), act.clone()));
                    }
                    Act::Leave => self.unilateral.push((who.to_string(), act.clone())),
                    _ => {}
                }
            }
        }
        made > 0
    }

    /// `charter sync` or plain git, then verification everywhere.
    fn exchange(&mut self, i: usize) {
        let who = self.actors[i].who;
        let what = if self.plain_merges && self.rng.one_in(2) {
            self.plain_pull(i)
        } else {
            self.sync(i);
            "charter sync"
        };
        self.verify_all(&format!("after {what} in {who}'s clone"));
    }

    fn sync(&mut self, i: usize) {
        let who = self.actors[i].who;
        self.stats.syncs += 1;
        let a = &self.actors[i];
        let out = charter_as(&a.g, &a.key)
            .args(["sync", "--json"])
            .output()
            .unwrap();
        if !out.status.success() {
            self.log(who, format!("sync -> exit {:?}", out.status.code()));
            panic!(
                "{who}: charter sync: exit {:?}: {}{}",
                out.status.code(),
                stdout(&out),
                stderr(&out)
            );
        }
        let v: Value = serde_json::from_slice(&out.stdout).expect("sync --json");
        let mut what = format!("sync -> ok, replayed {}", v["replayed"]);
        for (k, label) in [("dropped", "dropped"), ("finalized", "finalized")] {
            if v[k].as_array().is_some_and(|a| !a.is_empty()) {
                what.push_str(&format!(", {label} {}", v[k]));
            }
        }
        if v["pushed"] == true {
            what.push_str(", pushed");
        }
        self.log(who, what);
        // A departure or rotation is finalized with its own act: one that
        // sync replayed but did not finalize anew is lost work.
        let repo = &self.actors[i].g.repo;
        for d in v["dropped"].as_array().into_iter().flatten() {
            let Some(id) = d
                .as_str()
                .and_then(|d| d.strip_prefix("finalization of "))
                .and_then(|d| d.split_whitespace().next())
            else {
                continue;
            };
            let unilateral = id.contains("-leave-") || id.contains("-rotate-key-");
            let dir = repo.join(proposal_dir(id));
            if unilateral && dir.exists() && !dir.join("decision.toml").exists() {
                self.notes.push(format!(
                    "step {}: charter sync in {who}'s clone replayed {id} but dropped its finalization and did not make it anew",
                    self.step
                ));
            }
        }
    }

    /// `git pull --no-rebase` and `git push` where that must verify (see
    /// [`plain_merge_allowed`]), else `charter sync`.
    fn plain_pull(&mut self, i: usize) -> &'static str {
        let who = self.actors[i].who;
        git_ok(&self.actors[i].g, &["fetch", "-q", "origin"]);
        let kind = match plain_merge_allowed(&self.actors[i].g) {
            Ok(kind) => kind,
            Err(why) => {
                self.stats.fallbacks += 1;
                self.log(who, format!("git pull? no: {why}; charter sync instead"));
                self.sync(i);
                return "charter sync (instead of git pull)";
            }
        };
        let no_ff = kind != "up to date" && self.rng.one_in(3);
        let mut args = vec!["pull", "-q", "--no-rebase", "--no-edit"];
        if no_ff {
            args.push("--no-ff");
        }
        args.extend(["origin", "main"]);
        let g = &self.actors[i].g;
        let before = head(g);
        let out = git(g, &args);
        if !out.status.success() {
            let abort = git(g, &["merge", "--abort"]);
            assert!(
                abort.status.success(),
                "{who}: git pull failed with no merge to abort: {}{}",
                stdout(&out),
                stderr(&out)
            );
            self.stats.conflicts += 1;
            self.log(
                who,
                format!(
                    "git pull --no-rebase: conflict, git merge --abort; charter sync instead ({})",
                    one_line(&stdout(&out))
                ),
            );
            self.sync(i);
            return "charter sync (after a conflicting git pull)";
        }
        git_ok(g, &["push", "-q", "origin", "main"]);
        let parents = git_ok(g, &["rev-list", "--parents", "-n", "1", "HEAD"]);
        let merged = parents.split_whitespace().count() > 2 && !parents.starts_with(&before);
        if merged {
            self.stats.merges += 1;
        }
        self.log(
            who,
            format!(
                "git pull --no-rebase{} ({kind}{}) + git push -> {}",
                if no_ff { " --no-ff" } else { "" },
                if merged { ", merge commit" } else { "" },
                &parents[..12]
            ),
        );
        "git pull --no-rebase + git push"
    }

    /// `charter verify --full` holds in every clone (each HEAD is checked
    /// once: verification depends on nothing else).
    fn verify_all(&mut self, context: &str) {
        for a in &mut self.actors {
            let head = head(&a.g);
            if a.verified.as_deref() == Some(head.as_str()) {
                continue;
            }
            let out = a.g.read().args(["verify", "--full"]).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{context}: charter verify --full in {}'s clone at {}: {}{}",
                a.who,
                &head[..12],
                stdout(&out),
                stderr(&out)
            );
            a.verified = Some(head);
        }
    }

    /// Everyone syncs until every clone is at the remote's tip; then
    /// verification holds everywhere and OpenSSH agrees.
    fn settle(&mut self) {
        for round in 1..=6 {
            for i in 0..self.actors.len() {
                self.tick();
                self.sync(i);
                let who = self.actors[i].who;
                self.verify_all(&format!(
                    "settling, round {round}: after charter sync in {who}'s clone"
                ));
            }
            let tip = self.remote.tip();
            if self.actors.iter().all(|a| head(&a.g) == tip) {
                break;
            }
        }
        let tip = self.remote.tip();
        for a in &self.actors {
            assert_eq!(
                head(&a.g),
                tip,
                "{}'s clone did not settle on the remote's tip",
                a.who
            );
        }
        let g = &self.actors[0].g;
        if let Err(e) = ssh_agreement(g) {
            panic!("the settled history: {e}");
        }
        // A departure or rotation that was made should be in force at the
        // end; say so when it is not (not a verification failure).
        for (who, act) in &self.unilateral {
            let file = g.repo.join(format!("keys/{who}.toml"));
            match act {
                Act::Leave if file.exists() => self.notes.push(format!(
                    "{who} left (exit 0) but is a member in the settled history"
                )),
                Act::Rotate(p) if file.exists() => {
                    let registered = toml_str(&std::fs::read_to_string(&file).unwrap(), "key")
                        .map(|k| pub_blob(&k))
                        .unwrap_or_default();
                    let public = std::fs::read_to_string(format!("{}.pub", p.display())).unwrap();
                    let later = self
                        .unilateral
                        .iter()
                        .skip_while(|(w, a)| !(w == who && matches!(a, Act::Rotate(q) if q == p)))
                        .skip(1)
                        .any(|(w, a)| w == who && matches!(a, Act::Rotate(_)));
                    if !later && registered != pub_blob(&public) {
                        self.notes.push(format!(
                            "{who} rotated to {} (exit 0) but another key is in force in the settled history",
                            p.file_name().unwrap_or_default().to_string_lossy()
                        ));
                    }
                }
                _ => {}
            }
        }
    }

    pub(crate) fn summary(&self, started: Instant) -> String {
        let g = &self.actors[0].g;
        let commits = git_ok(g, &["rev-list", "--count", "HEAD"]);
        let files = git_ok(g, &["ls-files", "proposals"]);
        let decisions = files
            .lines()
            .filter(|f| f.ends_with("/decision.toml"))
            .count();
        let proposals = files
            .lines()
            .filter(|f| f.ends_with("/proposal.toml"))
            .count();
        let s = &self.stats;
        let mut out = format!(
            "{} ops, {} steps in {:?}: {} acts, {} refused, {} syncs, {} plain merge commits, {} plain pulls turned to sync, {} conflicts; {commits} commits, {proposals} proposals, {decisions} decisions, members {:?}",
            self.ops,
            self.step,
            started.elapsed(),
            s.acts,
            s.refused,
            s.syncs,
            s.merges,
            s.fallbacks,
            s.conflicts,
            view(g).members,
        );
        for n in &self.notes {
            out.push_str(&format!("\n    note: {n}"));
        }
        assert!(self.notes.is_empty(), "work was lost:{out}");
        out
    }
}
