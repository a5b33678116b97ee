//! Property 2: single mutations of a settled history, each valid by the
//! rules or detected by `charter verify --full`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use super::honest::History;
use super::rewrite::{drop_commit, parents_of_adders, rename_path, replace_blob, rewrite};
use super::support::{
    clock, git, git_ok, git_stdin, head, is_ancestor, minutes_before, msg_field, one_line,
    panic_message, parse_violation, proposal_of, ssh_agreement, ssh_keygen, toml_str, with_field,
};
use crate::common::*;

#[derive(Debug, Clone, Copy)]
enum Mutation {
    DropTip,
    DropCommit,
    DuplicateElsewhere,
    DuplicateAsOtherAct,
    MoveRecord,
    RedateBeforeProposal,
    RedateBeforeGenesis,
    Repoint,
    StaleActs,
    StaleDecision,
}

const MUTATIONS: [Mutation; 10] = [
    Mutation::DropTip,
    Mutation::DropCommit,
    Mutation::DuplicateElsewhere,
    Mutation::DuplicateAsOtherAct,
    Mutation::MoveRecord,
    Mutation::RedateBeforeProposal,
    Mutation::RedateBeforeGenesis,
    Mutation::Repoint,
    Mutation::StaleActs,
    Mutation::StaleDecision,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Valid by the rules: verify exits 0.
    Holds,
    /// Certainly a violation: exit 1, one line.
    Violation,
    /// Either, never anything else.
    Either,
}

/// A mutation made: what it did, what verify must say, and whether the
/// violation must be reported at HEAD (the one new commit, or the merge).
pub(crate) struct Made {
    pub(crate) what: String,
    pub(crate) expect: Expect,
    pub(crate) at_head: bool,
}

/// A signed record of the scratch clone's HEAD.
#[derive(Debug, Clone)]
struct Record {
    msg: String,
    sig: String,
    id: String,
    dir: String,
    /// `<signer>.<act>`
    name: String,
    signer: String,
    date: String,
    text: String,
    armored: String,
}

fn records(s: &Group) -> Vec<Record> {
    git_ok(s, &["ls-files", "proposals"])
        .lines()
        .filter(|f| f.ends_with(".msg") && f.contains("/signatures/"))
        .map(|msg| {
            let text = std::fs::read_to_string(s.repo.join(msg)).unwrap();
            let sig = format!("{}.sig", msg.trim_end_matches(".msg"));
            let (dir, file) = msg.rsplit_once("/signatures/").unwrap();
            Record {
                msg: msg.to_string(),
                armored: std::fs::read_to_string(s.repo.join(&sig)).unwrap(),
                sig,
                id: proposal_of(msg).unwrap(),
                dir: dir.to_string(),
                name: file.trim_end_matches(".msg").to_string(),
                signer: msg_field(&text, "signer").unwrap_or_default(),
                date: msg_field(&text, "date").unwrap_or_default(),
                text,
            }
        })
        .collect()
}

/// (id, folder) of every proposal at HEAD.
fn proposal_dirs(s: &Group) -> Vec<(String, String)> {
    git_ok(s, &["ls-files", "proposals"])
        .lines()
        .filter_map(|f| f.strip_suffix("/proposal.toml"))
        .map(|d| (proposal_of(d).unwrap(), d.to_string()))
        .collect()
}

pub(crate) fn first_parent_chain(s: &Group) -> Vec<String> {
    git_ok(s, &["rev-list", "--first-parent", "--reverse", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect()
}

pub(crate) fn describe_commit(s: &Group, c: &str) -> String {
    git_ok(s, &["log", "-1", "--format=%h %s", c])
}

impl History {
    /// A fresh clone of the settled remote, trust root pinned.
    fn scratch(&self) -> Group {
        let env = Env::new();
        let out = env
            .git_in(env.path())
            .args(["clone", "-q", &self.remote.url, "d5"])
            .output()
            .unwrap();
        assert!(out.status.success(), "git clone: {}", stderr(&out));
        let mut g = Group {
            repo: env.path().join("d5"),
            env,
        };
        g.at(&clock(self.step));
        let out = g
            .read()
            .args(["verify", "--full", "--root", &self.genesis])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "verify in the scratch clone: {}",
            stderr(&out)
        );
        g
    }

    fn reset(s: &Group, tip: &str) {
        let _ = git(s, &["merge", "--abort"]);
        git_ok(s, &["checkout", "-q", "-f", "main"]);
        git_ok(s, &["reset", "-q", "--hard", tip]);
        git_ok(s, &["clean", "-qfdx"]);
        let _ = git(s, &["branch", "-q", "-D", "stale"]);
        let _ = git(s, &["update-ref", "-d", "refs/heads/mutated"]);
    }

    /// Every mutation once, from the settled history, in a seeded order;
    /// panics listing every mutation verify judged wrongly.
    pub(crate) fn mutations(&mut self) -> String {
        let mut s = self.scratch();
        let tip = head(&s);
        let mut kinds = MUTATIONS.to_vec();
        self.rng.shuffle(&mut kinds);
        let mut results = Vec::new();
        let mut failures = Vec::new();
        for m in kinds {
            Self::reset(&s, &tip);
            let r = catch_unwind(AssertUnwindSafe(|| self.mutation(&mut s, &tip, m)));
            let r = r.unwrap_or_else(|p| Err(format!("{m:?}: panicked: {}", panic_message(&*p))));
            match &r {
                Ok(line) => self.log("P2", format!("-> {line}")),
                Err(e) => self.log("P2", format!("-> FAILED {e}")),
            }
            match r {
                Ok(line) => results.push(line),
                Err(e) => failures.push(e),
            }
        }
        Self::reset(&s, &tip);
        assert!(
            failures.is_empty(),
            "{} of {} mutations judged wrongly:\n  {}",
            failures.len(),
            MUTATIONS.len(),
            failures.join("\n  ")
        );
        format!("\n    {}", results.join("\n    "))
    }

    fn mutation(&mut self, s: &mut Group, tip: &str, m: Mutation) -> Result<String, String> {
        let now = self.tick();
        s.at(&now);
        let made = match self.mutate(s, m)? {
            Some(made) => made,
            None => return Ok(format!("{m:?}: not applicable to this history")),
        };
        self.log("P2", format!("{m:?}: {}", made.what));
        let verdict = self
            .judge(s, tip, &made)
            .map_err(|e| format!("{m:?} ({}): {e}", made.what))?;
        Ok(format!("{m:?} ({}): {verdict}", made.what))
    }

    /// Runs `charter verify --full` on the mutated history and checks it
    /// against what the mutation must give.
    fn judge(&self, s: &Group, tip: &str, made: &Made) -> Result<String, String> {
        let now_head = head(s);
        let out = s.read().args(["verify", "--full"]).output().unwrap();
        let err = stderr(&out);
        match out.status.code() {
            Some(0) => {
                if made.expect == Expect::Violation {
                    return Err(format!(
                        "a certain violation, yet charter verify --full exits 0: {}",
                        one_line(&stdout(&out))
                    ));
                }
                let n = ssh_agreement(s)?;
                Ok(format!("holds, and OpenSSH agrees on all {n} records"))
            }
            Some(1) => {
                if made.expect == Expect::Holds {
                    return Err(format!(
                        "valid by the rules, yet charter verify --full exits 1: {}",
                        one_line(&err)
                    ));
                }
                let (commit, path, message, rule) = parse_violation(&err)?;
                let full = git(
                    s,
                    &["rev-parse", "--verify", &format!("{commit}^{{commit}}")],
                );
                if !full.status.success() {
                    return Err(format!("names commit {commit}, which is not here: {err}"));
                }
                let full = stdout(&full).trim().to_string();
                if is_ancestor(s, &full, tip) {
                    return Err(format!(
                        "blames {commit}, a commit of the unchanged (verified) history: {}",
                        one_line(&err)
                    ));
                }
                if made.at_head && full != now_head {
                    return Err(format!(
                        "blames {commit}, not HEAD {} where the violation is: {}",
                        &now_head[..12],
                        one_line(&err)
                    ));
                }
                Ok(format!("detected: {path}: {message} [{rule}]"))
            }
            code => Err(format!(
                "charter verify --full exits {code:?} (only 0 or 1 may happen): {}{err}",
                stdout(&out)
            )),
        }
    }

    /// Makes mutation `m` in the scratch clone; `None` if this history
    /// offers nothing to make it on.
    fn mutate(&mut self, s: &mut Group, m: Mutation) -> Result<Option<Made>, String> {
        let recs = records(s);
        let dirs = proposal_dirs(s);
        let pick_record = |rng: &mut Rng| recs.get(rng.below(recs.len().max(1))).cloned();
        match m {
            Mutation::DropTip => {
                let tip = head(s);
                git_ok(s, &["reset", "-q", "--hard", "HEAD^1"]);
                Ok(Some(Made {
                    // A first-parent prefix of a valid history: every act in
                    // it was judged at its place, nothing after it counts.
                    what: format!("drop the last commit {}", describe_commit(s, &tip)),
                    expect: Expect::Holds,
                    at_head: false,
                }))
            }
            Mutation::DropCommit => {
                let chain = first_parent_chain(s);
                if chain.len() < 3 {
                    return Ok(None);
                }
                let c = chain[1 + self.rng.below(chain.len() - 2)].clone();
                let what = format!(
                    "drop commit {} (first-parent #{} of {}) and rebuild the rest",
                    describe_commit(s, &c),
                    chain.iter().position(|x| *x == c).unwrap(),
                    chain.len()
                );
                let parent = git_ok(s, &["rev-parse", &format!("{c}^1")]);
                rewrite(s, &[parent], |items| drop_commit(items, &c));
                Ok(Some(Made {
                    what,
                    expect: Expect::Either,
                    at_head: false,
                }))
            }
            Mutation::DuplicateElsewhere => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let targets: Vec<&(String, String)> = dirs
                    .iter()
                    .filter(|(id, d)| {
                        *id != r.id
                            && !s
                                .repo
                                .join(format!("{d}/signatures/{}.msg", r.name))
                                .exists()
                    })
                    .collect();
                if targets.is_empty() {
                    return Ok(None);
                }
                let (qid, qdir) = targets[self.rng.below(targets.len())].clone();
                for (from, ext) in [(&r.msg, "msg"), (&r.sig, "sig")] {
                    s.write(
                        &format!("{qdir}/signatures/{}.{ext}", r.name),
                        &s.read_file(from),
                    );
                }
                git_ok(s, &["add", "-A"]);
                git_ok(s, &["commit", "-q", "--no-gpg-sign", "-m", "copy a record"]);
                Ok(Some(Made {
                    what: format!("copy {} into {qid}'s signatures/", r.msg),
                    expect: Expect::Violation,
                    at_head: true,
                }))
            }
            Mutation::DuplicateAsOtherAct => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let acts: Vec<&str> = [
                    "propose",
                    "second",
                    "accept",
                    "object",
                    "withdraw-objection",
                    "withdraw",
                ]
                .into_iter()
                .filter(|a| {
                    let name = format!("{}.{a}", r.signer);
                    name != r.name
                        && !s
                            .repo
                            .join(format!("{}/signatures/{name}.msg", r.dir))
                            .exists()
                })
                .collect();
                if acts.is_empty() {
                    return Ok(None);
                }
                let act = acts[self.rng.below(acts.len())];
                let name = format!("{}.{act}", r.signer);
                for (from, ext) in [(&r.msg, "msg"), (&r.sig, "sig")] {
                    s.write(
                        &format!("{}/signatures/{name}.{ext}", r.dir),
                        &s.read_file(from),
                    );
                }
                git_ok(s, &["add", "-A"]);
                git_ok(s, &["commit", "-q", "--no-gpg-sign", "-m", "copy a record"]);
                Ok(Some(Made {
                    what: format!("copy {} as {name} in the same proposal", r.msg),
                    expect: Expect::Violation,
                    at_head: true,
                }))
            }
            Mutation::MoveRecord => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let targets: Vec<&(String, String)> = dirs
                    .iter()
                    .filter(|(id, d)| {
                        *id != r.id
                            && !s
                                .repo
                                .join(format!("{d}/signatures/{}.msg", r.name))
                                .exists()
                    })
                    .collect();
                if targets.is_empty() {
                    return Ok(None);
                }
                let (qid, qdir) = targets[self.rng.below(targets.len())].clone();
                let new_msg = format!("{qdir}/signatures/{}.msg", r.name);
                let new_sig = format!("{qdir}/signatures/{}.sig", r.name);
                let excluded = parents_of_adders(s, &r.msg);
                if excluded.is_empty() {
                    return Ok(None);
                }
                rewrite(s, &excluded, |items| {
                    rename_path(items, &r.msg, &new_msg);
                    rename_path(items, &r.sig, &new_sig);
                });
                Ok(Some(Made {
                    what: format!("move {} to {qid} from the commit that added it on", r.msg),
                    expect: Expect::Violation,
                    at_head: false,
                }))
            }
            Mutation::RedateBeforeProposal | Mutation::RedateBeforeGenesis | Mutation::Repoint => {
                let Some(r) = pick_record(&mut self.rng) else {
                    return Ok(None);
                };
                let Some(key) = self.signing_key(&r.armored) else {
                    return Err(format!("{}: no known private key made it", r.sig));
                };
                let (text, what) = match m {
                    Mutation::RedateBeforeProposal => {
                        let toml = s.read_file(&format!("{}/proposal.toml", r.dir));
                        let created = toml_str(&toml, "created").ok_or("no created date")?;
                        let date = minutes_before(&created, 1);
                        (
                            with_field(&r.text, "date", &date),
                            format!(
                                "redate {} from {} to {date}, before its proposal (created {created}), re-signed by its signer",
                                r.msg, r.date
                            ),
                        )
                    }
                    Mutation::RedateBeforeGenesis => {
                        let genesis = git_ok(s, &["show", "-s", "--format=%cI", &self.genesis]);
                        let date = minutes_before(&genesis, 24 * 60);
                        (
                            with_field(&r.text, "date", &date),
                            format!(
                                "redate {} from {} to {date}, before the genesis ({genesis}), re-signed by its signer",
                                r.msg, r.date
                            ),
                        )
                    }
                    _ => {
                        let others: Vec<&(String, String)> =
                            dirs.iter().filter(|(id, _)| *id != r.id).collect();
                        if others.is_empty() {
                            return Ok(None);
                        }
                        let (qid, _) = others[self.rng.below(others.len())];
                        (
                            with_field(&r.text, "proposal", qid),
                            format!(
                                "re-point {} at proposal {qid} (its proposal line), re-signed by its signer",
                                r.msg
                            ),
                        )
                    }
                };
                let armored = self.ssh_sign(s, &key, &text);
                let old_msg = git_ok(s, &["rev-parse", &format!("HEAD:{}", r.msg)]);
                let old_sig = git_ok(s, &["rev-parse", &format!("HEAD:{}", r.sig)]);
                let new_msg = git_stdin(s, &["hash-object", "-w", "--stdin"], text.into_bytes());
                let new_sig = git_stdin(s, &["hash-object", "-w", "--stdin"], armored.into_bytes());
                let excluded = parents_of_adders(s, &r.msg);
                if excluded.is_empty() {
                    return Ok(None);
                }
                rewrite(s, &excluded, |items| {
                    replace_blob(items, &r.msg, &old_msg, &new_msg);
                    replace_blob(items, &r.sig, &old_sig, &new_sig);
                });
                Ok(Some(Made {
                    what,
                    expect: Expect::Violation,
                    at_head: false,
                }))
            }
            Mutation::StaleActs => self.stale_acts(s),
            Mutation::StaleDecision => self.stale_decision(s),
        }
    }

    /// `ssh-keygen -Y sign -n charter -f <key>` over `text`.
    fn ssh_sign(&self, s: &Group, key: &Path, text: &str) -> String {
        let dir = s.env.path().join("resign");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("message");
        let sig = dir.join("message.sig");
        std::fs::write(&file, text).unwrap();
        let _ = std::fs::remove_file(&sig);
        let out = ssh_keygen(s.env.path())
            .args(["-q", "-Y", "sign", "-n", "charter", "-f"])
            .arg(key)
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "ssh-keygen -Y sign: {}", stderr(&out));
        std::fs::read_to_string(&sig).unwrap()
    }
}
