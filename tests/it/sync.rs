//! Working together (DESIGN.md §5 and §7): members' clones of one remote,
//! served by a real `git daemon` on loopback, kept in step by `charter
//! sync`; plain git merges; rollbacks, foreign histories and histories that
//! break the rules refused; incremental verification agreeing with a full
//! one on a long history, and a rewritten history caught either way.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::remote::{Peer, Remote};
use crate::common::*;

/// How many times a test runs `sync` in one clone before giving up.
const SYNC_TRIES: usize = 25;

/// A proposal a test files and what must come of it.
struct Planned {
    id: String,
    principle: String,
    en: String,
    fr: String,
    /// Every act signed on it: (member, act).
    acts: Vec<(&'static str, &'static str)>,
}

impl Planned {
    /// Every `.msg`/`.sig` file its acts leave under `signatures/`.
    fn signature_files(&self) -> BTreeSet<String> {
        let dir = proposal_dir(&self.id);
        self.acts
            .iter()
            .flat_map(|(who, act)| {
                ["msg", "sig"].map(|ext| format!("{dir}/signatures/{who}.{act}.{ext}"))
            })
            .collect()
    }

    fn decision(&self) -> String {
        format!("{}/decision.toml", proposal_dir(&self.id))
    }
}

/// The five founders' clones of `remote`, trust root pinned to `genesis`.
fn clones(remote: &Remote, genesis: &str) -> Vec<Peer> {
    FOUNDERS
        .iter()
        .map(|who| remote.clone_for(who, genesis))
        .collect()
}

/// What one member's syncs did in a parallel run.
#[derive(Debug, Default)]
struct SyncReport {
    /// `charter sync` runs until one succeeded.
    runs: usize,
    /// Push attempts inside the successful run (it retries lost races).
    attempts: u64,
    replayed: u64,
    finalized: Vec<String>,
}

/// Runs `sync --json` until it succeeds (at most [`SYNC_TRIES`] times),
/// running it again only when the push lost the race every time; returns
/// what the successful run did, or the last failure.
fn sync_until_done(peer: &Peer, pause: Duration) -> Result<SyncReport, String> {
    let mut lost = Vec::new();
    for run in 1..=SYNC_TRIES {
        let out = peer
            .g
            .charter(peer.who)
            .args(["sync", "--json"])
            .output()
            .unwrap();
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| format!("{}: sync --json: {e}: {}", peer.who, stdout(&out)))?;
            return Ok(SyncReport {
                runs: run,
                attempts: v["attempts"].as_u64().unwrap_or_default(),
                replayed: v["replayed"].as_u64().unwrap_or_default(),
                finalized: v["finalized"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect(),
            });
        }
        let err = stderr(&out);
        if !err.contains("lost the race") {
            return Err(format!(
                "{}: sync run {run} failed (exit {:?}): {err} (earlier: {lost:?})",
                peer.who,
                out.status.code()
            ));
        }
        lost.push(err);
        std::thread::sleep(pause * run as u32);
    }
    Err(format!(
        "{}: sync never succeeded in {SYNC_TRIES} runs: {lost:?}",
        peer.who
    ))
}

/// Every commit of `git log <rev>` (run by `git`), as (id, full message).
fn log_messages(git: impl Fn(&[&str]) -> String, rev: &str) -> Vec<(String, String)> {
    git(&["log", "--format=%H%n%B%x00", rev])
        .split('\0')
        .filter_map(|entry| {
            let entry = entry.trim();
            let (id, message) = entry.split_once('\n')?;
            Some((id.to_string(), message.to_string()))
        })
        .collect()
}

/// The commits whose trailers say they finalize `id`.
fn finalizations_of(log: &[(String, String)], id: &str) -> usize {
    log.iter()
        .filter(|(_, m)| {
            m.lines().any(|l| l == "Charter-Act: finalize")
                && m.lines().any(|l| l == format!("Charter-Proposal: {id}"))
        })
        .count()
}

/// `charter verify --full --json` in a clone: must hold; the summary.
fn verify_full(g: &Group) -> serde_json::Value {
    let out = g
        .read()
        .args(["verify", "--full", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verify --full in {}: {}{}",
        g.repo.display(),
        stdout(&out),
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["since"].is_null(), "--full checks everything: {v}");
    v
}

/// After everyone synced: the remote and every clone hold the same
/// history, every proposal is finalized exactly once with its texts
/// applied, every signature is in the remote's tree and none is lost, and
/// verification holds everywhere.
fn assert_settled(remote: &Remote, peers: &[Peer], planned: &[Planned], context: &str) {
    let tip = remote.tip();
    let files: BTreeSet<String> = remote.files().into_iter().collect();
    let log = log_messages(|a| remote.git_out(a), "main");
    for p in planned {
        let decision = p.decision();
        assert!(
            files.contains(&decision),
            "{context}: {} was not finalized: no {decision}",
            p.id
        );
        // Stock git: one commit added the decision, one commit finalizes.
        let added = remote.git_out(&[
            "log",
            "--format=%H",
            "--diff-filter=A",
            "main",
            "--",
            &decision,
        ]);
        assert_eq!(
            added.lines().count(),
            1,
            "{context}: {decision} added by more than one commit: {added}"
        );
        assert_eq!(
            finalizations_of(&log, &p.id),
            1,
            "{context}: {} must be finalized exactly once",
            p.id
        );
        // The charter texts are applied.
        assert_eq!(
            remote.show(&format!("charter/{}.en.md", p.principle)),
            p.en.trim_end(),
            "{context}: {} en",
            p.id
        );
        assert_eq!(
            remote.show(&format!("charter/{}.fr.md", p.principle)),
            p.fr.trim_end(),
            "{context}: {} fr",
            p.id
        );
        // Every signature of every member is there, and nothing else.
        let dir = format!("{}/signatures/", proposal_dir(&p.id));
        let present: BTreeSet<String> = files
            .iter()
            .filter(|f| f.starts_with(&dir))
            .cloned()
            .collect();
        let expected = p.signature_files();
        let lost: Vec<_> = expected.difference(&present).collect();
        assert!(lost.is_empty(), "{context}: signatures lost: {lost:?}");
        let extra: Vec<_> = present.difference(&expected).collect();
        assert!(extra.is_empty(), "{context}: unexpected records: {extra:?}");
    }
    for peer in peers {
        assert_eq!(
            peer.g.head(),
            tip,
            "{context}: {}'s clone is not at the remote's tip",
            peer.who
        );
        assert_eq!(
            peer.g
                .git_out(&["status", "--porcelain", "--untracked-files=all"]),
            "",
            "{context}: {}'s work tree",
            peer.who
        );
        let v = verify_full(&peer.g);
        assert_eq!(v["head"], tip.as_str(), "{context}: {v}");
        assert_eq!(v["finalizations"], planned.len(), "{context}: {v}");
        let local = log_messages(|a| peer.g.git_out(a), "HEAD");
        for p in planned {
            assert_eq!(finalizations_of(&local, &p.id), 1, "{context}: {}", p.id);
            assert_eq!(
                peer.g.read_file(&format!("charter/{}.en.md", p.principle)),
                p.en,
                "{context}: {}'s work tree",
                peer.who
            );
        }
    }
    // Every commit, replayed or not, is signed by the member its trailers
    // name, as stock git checks it against keys/allowed_signers.
    if let Some(first) = peers.first() {
        for (commit, message) in &log {
            let signer = message
                .lines()
                .find_map(|l| l.strip_prefix("Charter-Signer: "))
                .unwrap_or_else(|| panic!("{context}: {commit} names no signer: {message}"));
            let out = first
                .g
                .git()
                .args([
                    "-c",
                    "gpg.ssh.allowedSignersFile=keys/allowed_signers",
                    "verify-commit",
                    commit,
                ])
                .output()
                .unwrap();
            let said = stderr(&out);
            assert!(
                out.status.success()
                    && said.contains(&format!("Good \"git\" signature for {signer} ")),
                "{context}: commit {commit} should be signed by {signer}: {said}"
            );
        }
    }
}

/// Five members, five clones over `git://`, signing and syncing at once:
/// both proposals are finalized once, no signature is lost.
#[test]
fn five_clones_sign_and_sync_in_parallel_through_a_git_daemon() {
    let started = Instant::now();
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    assert_eq!(
        remote.url,
        format!("git://127.0.0.1:{}/remote.git", remote.port())
    );
    let peers = clones(&remote, &genesis);
    let uk = &peers[0];
    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let p2 =
        uk.g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    uk.sync_ok();
    assert_eq!(remote.tip(), uk.g.head(), "uk's proposals are pushed");
    for peer in &peers {
        peer.sync_ok();
        assert_eq!(peer.g.head(), remote.tip(), "{} took the remote", peer.who);
    }

    let plan = |who: &str| -> Vec<(&'static str, &str)> {
        match who {
            "uk" => vec![],
            "ee" => vec![("second", p1.as_str()), ("accept", p2.as_str())],
            "il" => vec![("accept", p1.as_str()), ("second", p2.as_str())],
            _ => vec![("accept", p1.as_str()), ("accept", p2.as_str())],
        }
    };
    let results: Vec<Result<SyncReport, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = peers
            .iter()
            .map(|peer| {
                let acts = plan(peer.who);
                s.spawn(move || {
                    for (act, id) in acts {
                        peer.act(act, id);
                    }
                    sync_until_done(peer, Duration::from_millis(30))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a member's thread panicked"))
            .collect()
    });
    let mut reports = Vec::new();
    for (peer, r) in peers.iter().zip(results) {
        match r {
            Ok(report) => {
                // A sync replays this clone's own acts, nobody else's.
                let own = plan(peer.who).len() as u64;
                assert!(
                    report.replayed <= own && report.attempts >= 1,
                    "{}: {report:?}",
                    peer.who
                );
                reports.push((peer.who, report));
            }
            Err(e) => panic!("{e}"),
        }
    }
    // The last acts of each proposal were replayed by whoever synced last
    // and finalized there: once each, whatever the order.
    let finalized: Vec<&String> = reports
        .iter()
        .flat_map(|(_, r)| r.finalized.iter())
        .collect();
    for id in [&p1, &p2] {
        assert!(
            finalized.iter().filter(|f| **f == id).count() <= 1,
            "{id} finalized by two syncs: {reports:?}"
        );
    }
    for peer in &peers {
        peer.sync_ok();
    }

    let mut planned = vec![
        Planned {
            id: p1.clone(),
            principle: "open-source".into(),
            en: OPEN_SOURCE_EN.into(),
            fr: OPEN_SOURCE_FR.into(),
            acts: vec![("uk", "propose"), ("ee", "second")],
        },
        Planned {
            id: p2.clone(),
            principle: "open-standards".into(),
            en: OPEN_STANDARDS_EN.into(),
            fr: OPEN_STANDARDS_FR.into(),
            acts: vec![("uk", "propose"), ("il", "second")],
        },
    ];
    planned[0]
        .acts
        .extend(["il", "nz", "kr"].map(|w| (w, "accept")));
    planned[1]
        .acts
        .extend(["ee", "nz", "kr"].map(|w| (w, "accept")));
    assert_settled(&remote, &peers, &planned, "parallel");
    let summary: Vec<String> = reports
        .iter()
        .map(|(who, r)| {
            format!(
                "{who}: {} sync run(s), {} push attempt(s), {} replayed, finalized {:?}",
                r.runs, r.attempts, r.replayed, r.finalized
            )
        })
        .collect();
    eprintln!(
        "parallel sync over git daemon in {:?}: {summary:?}",
        started.elapsed()
    );
}

/// One step of a member in a random schedule.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// An act on the n-th planned proposal.
    Act(&'static str, usize),
    Sync,
}

/// A clock that moves one minute per step: `2026-11-23T10:00:00Z` onwards.
fn clock(step: usize) -> String {
    assert!(step < 13 * 60, "the schedule is longer than the day");
    format!("2026-11-23T{:02}:{:02}:00Z", 10 + step / 60, step % 60)
}

/// One random run: proposals filed by random members, seconded by random
/// others, some objected to and the objection withdrawn; every member's
/// acts and syncs interleaved at random, some syncing twice, one late.
fn random_run(seed: u64) {
    eprintln!("seed {seed:#x}: starting");
    let mut rng = Rng(seed);
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let mut peers = clones(&remote, &genesis);
    let mut step = 0;
    let mut tick = |peers: &mut [Peer], who: usize| {
        step += 1;
        peers[who].g.at(&clock(step));
    };

    let count = 2 + rng.below(2);
    let mut principles = D5_PRINCIPLES.to_vec();
    rng.shuffle(&mut principles);
    let mut planned = Vec::new();
    let mut roles = Vec::new();
    for (n, principle) in principles[..count].iter().enumerate() {
        let proposer = rng.below(5);
        let seconder = (proposer + 1 + rng.below(4)) % 5;
        let en = format!("# {principle}\n\nAs amended in run {seed:#x}, proposal {n}.\n");
        let fr = format!("# {principle}\n\nTel que modifié, essai {seed:#x}, proposition {n}.\n");
        tick(&mut peers, proposer);
        let peer = &peers[proposer];
        peer.sync_ok();
        let id = peer.g.propose_amend(peer.who, principle, &en, &fr);
        peer.sync_ok();
        planned.push(Planned {
            id,
            principle: principle.to_string(),
            en,
            fr,
            acts: vec![(FOUNDERS[proposer], "propose")],
        });
        roles.push((proposer, seconder));
    }
    for who in 0..5 {
        tick(&mut peers, who);
        peers[who].sync_ok();
    }

    // Each member's steps: per proposal, its acts in order; proposals
    // interleaved at random; syncs sprinkled in; always a sync at the end,
    // sometimes two.
    let mut schedules: Vec<Vec<Step>> = Vec::new();
    for (who, member) in FOUNDERS.iter().enumerate() {
        let mut queues: Vec<Vec<Step>> = Vec::new();
        for (n, &(proposer, seconder)) in roles.iter().enumerate() {
            if who == proposer {
                continue;
            }
            let mut q = Vec::new();
            if rng.one_in(4) {
                q.push(Step::Act("object", n));
                q.push(Step::Act("withdraw-objection", n));
            }
            q.push(Step::Act(
                if who == seconder { "second" } else { "accept" },
                n,
            ));
            for s in &q {
                if let Step::Act(act, n) = s {
                    planned[*n].acts.push((member, act));
                }
            }
            q.reverse();
            queues.push(q);
        }
        let mut steps = Vec::new();
        if rng.one_in(4) {
            steps.push(Step::Sync);
        }
        while queues.iter().any(|q| !q.is_empty()) {
            let open: Vec<usize> = (0..queues.len())
                .filter(|i| !queues[*i].is_empty())
                .collect();
            let q = open[rng.below(open.len())];
            steps.push(queues[q].pop().expect("a step"));
            if rng.one_in(3) {
                steps.push(Step::Sync);
            }
        }
        steps.push(Step::Sync);
        if rng.one_in(3) {
            steps.push(Step::Sync);
        }
        steps.reverse();
        schedules.push(steps);
    }
    let late = rng.below(5);
    let mut order = Vec::new();
    loop {
        let ready: Vec<usize> = (0..5)
            .filter(|w| *w != late && !schedules[*w].is_empty())
            .collect();
        let who = if ready.is_empty() {
            if schedules[late].is_empty() {
                break;
            }
            late
        } else {
            ready[rng.below(ready.len())]
        };
        let s = schedules[who].pop().expect("a step");
        order.push((who, s));
    }
    let trace: Vec<String> = order
        .iter()
        .map(|(w, s)| match s {
            Step::Act(act, n) => format!("{}:{act}#{n}", FOUNDERS[*w]),
            Step::Sync => format!("{}:sync", FOUNDERS[*w]),
        })
        .collect();
    let context = format!(
        "seed {seed:#x}, proposals {:?} by {roles:?} (proposer, seconder), late {}, steps {trace:?}",
        planned.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        FOUNDERS[late]
    );

    for (who, s) in order {
        tick(&mut peers, who);
        let peer = &peers[who];
        match s {
            Step::Sync => {
                // One at a time: a sync never loses a race here.
                let out = peer.sync();
                assert!(
                    out.status.success(),
                    "{context}: {} sync: {}",
                    peer.who,
                    stderr(&out)
                );
            }
            Step::Act(act, n) => {
                let id = &planned[n].id;
                let mut cmd = peer.g.charter(peer.who);
                match act {
                    "object" => cmd.args(["object", id, "--reason", "Not yet: more time to read"]),
                    "withdraw-objection" => cmd.args(["object", id, "--withdraw"]),
                    _ => cmd.args([act, id.as_str()]),
                };
                let out = cmd.output().unwrap();
                assert!(
                    out.status.success(),
                    "{context}: {} {act} {id}: {}",
                    peer.who,
                    stderr(&out)
                );
            }
        }
    }
    for who in 0..5 {
        tick(&mut peers, who);
        let out = peers[who].sync();
        assert!(
            out.status.success(),
            "{context}: final sync by {}: {}",
            FOUNDERS[who],
            stderr(&out)
        );
    }
    assert_settled(&remote, &peers, &planned, &context);
}

/// Random interleavings of acts and syncs, bounded in count (5 seeds, or
/// `CHARTER_SYNC_SEEDS`) and time (no new seed starts after 75 s): every
/// run ends with every proposal finalized once and verification holding
/// in every clone. `CHARTER_SYNC_SEED=<n>` replays one seed.
#[test]
fn random_interleavings_of_acts_and_syncs_settle() {
    let started = Instant::now();
    let budget = Duration::from_secs(75);
    let seeds: Vec<u64> = match std::env::var("CHARTER_SYNC_SEED") {
        Ok(s) => vec![s.trim().parse().expect("CHARTER_SYNC_SEED: a number")],
        Err(_) => {
            let n: u64 = std::env::var("CHARTER_SYNC_SEEDS")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(5)
                .clamp(1, 200);
            (0..n).map(|i| 0xC4A7_0000 + i * 7919).collect()
        }
    };
    let mut ran = 0;
    for seed in &seeds {
        if started.elapsed() > budget {
            break;
        }
        let t = Instant::now();
        random_run(*seed);
        ran += 1;
        eprintln!("seed {seed:#x}: settled in {:?}", t.elapsed());
    }
    assert!(
        ran >= seeds.len().min(2),
        "only {ran} seeds ran in the time budget"
    );
    eprintln!(
        "random interleavings: {ran}/{} seeds in {:?}",
        seeds.len(),
        started.elapsed()
    );
}

/// A forced push that rewinds the remote is refused by a clone that had
/// verified the newer tip: exit 1, "rolled back", the clone as it was.
#[test]
fn a_rewound_remote_is_refused_as_a_rollback() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let ee = remote.clone_for("ee", &genesis);

    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let p2 =
        uk.g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    uk.sync_ok();
    let older = remote.tip();
    ee.sync_ok();
    ee.act("second", &p1);
    ee.sync_ok();
    let newer = remote.tip();
    assert_eq!(ee.g.head(), newer, "ee pushed its second");
    assert_ne!(older, newer);
    assert_eq!(
        ee.state_file("remote-origin").as_deref().map(str::trim),
        Some(newer.as_str()),
        "ee's clone records the tip it verified"
    );

    // uk's clone takes the newer tip, then rewinds the remote by force.
    uk.sync_ok();
    uk.g.git_out(&["push", "-q", "--force", "origin", &format!("{older}:main")]);
    assert_eq!(remote.tip(), older, "the remote was rewound");

    // ee has an act of its own not yet published.
    ee.act("accept", &p2);
    let before = ee.g.tree_state();
    let refs = ee.refs();
    for _ in 0..2 {
        let out = ee.sync();
        let err = assert_one_line_error(&out, 1, &["rolled back", &older, &newer]);
        // Names the remote and both tips.
        assert_eq!(
            err.replace(&older, "[OLDER]").replace(&newer, "[NEWER]"),
            "error: verification failed: origin rolled back: it points to [OLDER], \
             which does not contain [NEWER], the tip verified before\n",
        );
        assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
        assert_eq!(ee.refs(), refs, "no branch or tag moved");
        assert_eq!(
            ee.state_file("remote-origin").as_deref().map(str::trim),
            Some(newer.as_str()),
            "the tip verified before is still the one recorded"
        );
        assert!(!lock_held(&ee.g.repo));
    }
    assert!(
        ee.g.read_file(&format!("{}/signatures/ee.accept.msg", proposal_dir(&p2)))
            .contains("act accept"),
        "ee's unpublished act is still there"
    );
    assert_eq!(remote.tip(), older, "nothing was pushed");
    verify_full(&ee.g);
}

/// A remote replaced by another history (another genesis) is refused,
/// naming the trust root.
#[test]
fn a_remote_with_another_genesis_is_refused() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let ee = remote.clone_for("ee", &genesis);
    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    uk.sync_ok();
    ee.sync_ok();

    // Another group of the same founders, founded at another time: the
    // same files, another genesis, pushed over the remote by force.
    let other = Group::d5_at("2026-01-05T08:00:00Z");
    let other_genesis = other.genesis();
    assert_ne!(other_genesis, genesis);
    let id = other.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(id, p1, "the same proposal id, in another history");
    other.git_out(&["push", "-q", "--force", &remote.url, "main"]);
    assert_eq!(remote.tip(), other.head());

    ee.act("second", &p1);
    let before = ee.g.tree_state();
    let refs = ee.refs();
    let out = ee.sync();
    let err = assert_one_line_error(&out, 1, &["trust root", &genesis]);
    // Names the remote.
    insta::assert_snapshot!(err.replace(&genesis, "[GENESIS]"), @"error: verification failed: origin does not descend from the trust root [GENESIS]");
    assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
    assert_eq!(ee.refs(), refs, "no branch or tag moved");
    assert_eq!(
        ee.g.genesis(),
        genesis,
        "the clone's history still starts at its trust root"
    );
    assert_eq!(
        ee.state_file("root").as_deref().map(str::trim),
        Some(genesis.as_str()),
        "the trust root recorded is unchanged"
    );
    assert_eq!(remote.tip(), other.head(), "nothing was pushed");
    verify_full(&ee.g);
}

/// A plain `git pull` of two clones' acts makes a merge that verifies; a
/// merge that smuggles in a change of a governed file does not.
#[test]
fn plain_git_merges_verify_and_a_smuggled_change_does_not() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let ee = remote.clone_for("ee", &genesis);
    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    uk.sync_ok();
    ee.sync_ok();

    // Each clone makes an act; uk pushes with plain git; ee pulls.
    let p2 =
        uk.g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    ee.act("second", &p1);
    uk.g.git_out(&["push", "-q", "origin", "main"]);
    ee.g.git_out(&["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"]);
    let parents = ee.g.git_out(&["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(
        parents.split_whitespace().count(),
        3,
        "a merge commit: {parents}"
    );
    ee.g.assert_verify_passes();
    let v = verify_full(&ee.g);
    assert_eq!(v["proposals"], 2, "{v}");
    // Published with plain git, the merge is taken by sync elsewhere.
    ee.g.git_out(&["push", "-q", "origin", "main"]);
    uk.sync_ok();
    assert_eq!(uk.g.head(), ee.g.head());
    verify_full(&uk.g);

    // Again both make an act; this time uk merges with --no-commit and
    // slips an edit of a charter text into the merge.
    let p3 = uk.g.propose_amend(
        "uk",
        "user-needs",
        "# User needs\n\nUsers first, always.\n",
        "# Besoins des utilisateurs\n\nLes utilisateurs d'abord, toujours.\n",
    );
    ee.act("accept", &p2);
    ee.g.git_out(&["push", "-q", "origin", "main"]);
    uk.g.git_out(&["fetch", "-q", "origin"]);
    uk.g.git_out(&["merge", "-q", "--no-commit", "--no-ff", "origin/main"]);
    let text = "# Open source\n\nWhatever the merger likes.\n";
    uk.g.write("charter/open-source.en.md", text);
    uk.g.git_out(&["add", "charter/open-source.en.md"]);
    uk.g.git_out(&["commit", "-q", "--no-edit", "--no-gpg-sign"]);
    let parents = uk.g.git_out(&["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
    let f =
        uk.g.assert_head_violates("governed-change", "charter/open-source.en.md");
    insta::assert_snapshot!(f.message, @"the merge makes a change neither history made: no decision it brings changes it");
    let full = uk.g.verify_failure_with(&["--full"]);
    assert_eq!(full.rule, "governed-change", "{}", full.stderr);
    assert_eq!(full.path, "charter/open-source.en.md", "{}", full.stderr);
    assert_eq!(full.commit, uk.g.head()[..12], "{}", full.stderr);
    // Without the smuggled edit, the same merge verifies.
    uk.g.git_out(&["reset", "-q", "--hard", "HEAD^1"]);
    uk.g.git_out(&["merge", "-q", "--no-edit", "--no-ff", "origin/main"]);
    uk.g.assert_verify_passes();
    let v = verify_full(&uk.g);
    assert_eq!(v["proposals"], 3, "{v}: {p3}");
}

/// One `charter verify --json` (with `args`) that must hold; the summary.
fn verify_json(g: &Group, args: &[&str]) -> serde_json::Value {
    let out = g
        .read()
        .args(["verify", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verify {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// One `charter verify --json` (with `args`) that must fail with exit 1;
/// the violation.
fn verify_json_fails(g: &Group, args: &[&str]) -> serde_json::Value {
    let out = g
        .read()
        .args(["verify", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "verify {args:?} must fail: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["ok"], false, "{v}");
    v["violation"].clone()
}

/// Counts a history that holds must report, taken with stock git.
fn git_counts(g: &Group) -> (usize, usize, usize) {
    let commits: usize = g.git_out(&["rev-list", "--count", "HEAD"]).parse().unwrap();
    let files = g.git_out(&["ls-files"]);
    let signatures = files.lines().filter(|f| f.ends_with(".msg")).count();
    let decisions = files
        .lines()
        .filter(|f| f.ends_with("/decision.toml"))
        .count();
    (commits, signatures, decisions)
}

/// Rewrites history from `commit` on: `amend` changes that commit (in a
/// detached work tree at it), then every later commit of `main` is
/// replayed on the new one with `git rebase`. Returns the new commit.
fn rewrite_from(g: &Group, commit: &str, amend: impl FnOnce(&Group)) -> String {
    g.git_out(&["checkout", "-q", "--detach", commit]);
    amend(g);
    let new = g.head();
    assert_ne!(new, commit, "the commit was rewritten");
    g.git_out(&["rebase", "-q", "--onto", &new, commit, "main"]);
    assert_eq!(
        g.git_out(&["rev-parse", "--abbrev-ref", "HEAD"]),
        "main",
        "back on main"
    );
    new
}

/// Hundreds of commits: each batch verified incrementally, the end checked
/// both ways with the same counts; a rewritten old commit is caught by a
/// full check and by an incremental one, which falls back to full.
#[test]
fn incremental_and_full_verify_agree_and_a_rewritten_past_is_caught() {
    let started = Instant::now();
    let g = Group::d5();
    let first = verify_json(&g, &[]);
    assert!(first["since"].is_null(), "nothing verified yet: {first}");
    let mut verified = g.head();
    let mut ids = Vec::new();
    let batches = 6;
    for batch in 0..batches {
        for (k, principle) in D5_PRINCIPLES.iter().enumerate() {
            let n = batch * D5_PRINCIPLES.len() + k;
            let proposer = FOUNDERS[n % 5];
            let seconder = FOUNDERS[(n + 1) % 5];
            let en = format!("# {principle}\n\nVersion {n} of this principle.\n");
            let fr = format!("# {principle}\n\nVersion {n} de ce principe.\n");
            let id = g.propose_amend(proposer, principle, &en, &fr);
            let objector = FOUNDERS[(n + 2) % 5];
            if n.is_multiple_of(4) {
                g.charter(objector)
                    .args(["object", &id, "--reason", "Let us read it once more"])
                    .assert()
                    .success();
                g.charter(objector)
                    .args(["object", &id, "--withdraw"])
                    .assert()
                    .success();
            }
            g.second_and_accept_all(proposer, seconder, &id);
            assert_eq!(g.read_file(&format!("charter/{principle}.en.md")), en);
            ids.push(id);
        }
        // Every command verifies from the last verified commit and records
        // where it got to; verify starts from there.
        let recorded = verified_state(&g).0;
        assert_ne!(recorded, verified, "the acts verified as they went");
        let v = verify_json(&g, &[]);
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(
            v["since"],
            recorded.as_str(),
            "batch {batch} is verified incrementally, from the last commit verified: {v}"
        );
        let (commits, signatures, decisions) = git_counts(&g);
        assert_eq!(v["commits"], commits, "batch {batch}: {v}");
        assert_eq!(v["signatures"], signatures, "batch {batch}: {v}");
        assert_eq!(v["finalizations"], decisions, "batch {batch}: {v}");
        assert_eq!(
            verified_state(&g).0,
            g.head(),
            "the verified commit recorded"
        );
        verified = g.head();
    }
    let (commits, signatures, decisions) = git_counts(&g);
    assert!(commits >= 300, "a long history: {commits} commits");
    assert_eq!(decisions, ids.len());

    // One more act, then incremental and full agree.
    g.propose_amend("kr", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let inc = verify_json(&g, &[]);
    assert_eq!(
        inc["since"],
        verified.as_str(),
        "the act stood on the commit verified last: {inc}"
    );
    let full = verify_json(&g, &["--full"]);
    assert!(full["since"].is_null(), "{full}");
    for field in [
        "ok",
        "root",
        "head",
        "commits",
        "signatures",
        "proposals",
        "finalizations",
        "members",
        "principles",
    ] {
        assert_eq!(inc[field], full[field], "{field}: {inc} vs {full}");
    }
    assert_eq!(full["commits"], commits + 1);
    assert_eq!(full["signatures"], signatures + 1);
    assert_eq!(full["proposals"], ids.len() + 1);
    eprintln!(
        "{} commits, {} signatures, {} finalizations: built and verified in {:?}",
        full["commits"],
        full["signatures"],
        full["finalizations"],
        started.elapsed()
    );

    // An old act: nz's acceptance of the fifth proposal.
    let record = format!("{}/signatures/nz.accept.msg", proposal_dir(&ids[4]));
    let adds = |g: &Group| {
        g.git_out(&[
            "log",
            "--format=%H",
            "--diff-filter=A",
            "main",
            "--",
            &record,
        ])
    };
    let old = adds(&g);
    assert_eq!(old.lines().count(), 1, "{old}");
    let behind: usize = g
        .git_out(&["rev-list", "--count", &format!("{old}..main")])
        .parse()
        .unwrap();
    assert!(behind >= 250, "an old commit: {behind} commits after it");

    // A rewrite that changes no tree (a reworded message): the commit
    // verified before is no longer in HEAD's history, so the incremental
    // check falls back to a full one, which holds.
    let t = Instant::now();
    rewrite_from(&g, &old, |g| {
        g.git_out(&["commit", "-q", "--amend", "--no-gpg-sign", "-m", "reworded"]);
    });
    let head = g.head();
    assert_ne!(
        head,
        full["head"].as_str().unwrap(),
        "history was rewritten"
    );
    let again = verify_json(&g, &[]);
    assert!(
        again["since"].is_null(),
        "the recorded commit is not an ancestor: a full check: {again}"
    );
    assert_eq!(again["head"], head.as_str());
    assert_eq!(again["commits"], full["commits"], "{again}");
    assert_eq!(again["signatures"], full["signatures"], "{again}");
    assert_eq!(again["finalizations"], full["finalizations"], "{again}");

    // Now a rewrite that changes the old record itself: its date.
    let old = adds(&g);
    let tampered = rewrite_from(&g, &old, |g| {
        let text = g.read_file(&record);
        let forged = text.replace("date 2026-11-23T10:00:00Z", "date 2026-11-23T09:00:00Z");
        assert_ne!(forged, text, "the record's date changed");
        g.write(&record, &forged);
        g.git_out(&[
            "commit",
            "-q",
            "-a",
            "--amend",
            "--no-edit",
            "--no-gpg-sign",
        ]);
    });
    eprintln!("two history rewrites: {:?}", t.elapsed());
    assert_eq!(
        g.git_out(&["rev-list", "--count", "HEAD"]),
        full["commits"].to_string(),
        "the same length of history"
    );
    let recorded = verified_state(&g);
    assert_eq!(
        recorded.0, head,
        "the last commit verified, before the tampering"
    );
    let sig = format!("{}.sig", record.trim_end_matches(".msg"));
    // Plain (incremental) verify: the recorded commit is not an ancestor,
    // so everything is checked, and the tampered commit is found.
    let v = verify_json_fails(&g, &[]);
    assert_eq!(v["commit"], tampered.as_str(), "{v}");
    assert_eq!(v["rule"], "signature", "{v}");
    assert_eq!(v["path"], sig.as_str(), "{v}");
    let f = g.verify_failure_with(&[]);
    assert_eq!(f.commit, tampered[..12], "{}", f.stderr);
    // --full finds the same.
    let v = verify_json_fails(&g, &["--full"]);
    assert_eq!(v["commit"], tampered.as_str(), "{v}");
    assert_eq!(v["rule"], "signature", "{v}");
    assert_eq!(v["path"], sig.as_str(), "{v}");
    assert_eq!(
        verified_state(&g),
        recorded,
        "a failed verification records nothing"
    );
    eprintln!("long history test: {:?}", started.elapsed());
}

/// A remote that fails verification (a governed file edited by hand and
/// pushed with plain git) is refused by sync; the clone is left as it was.
#[test]
fn a_remote_that_fails_verification_is_refused() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let ee = remote.clone_for("ee", &genesis);
    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    uk.sync_ok();
    ee.sync_ok();
    let good = remote.tip();

    uk.g.write(
        "charter/open-source.en.md",
        "# Open source\n\nClosed, on second thoughts.\n",
    );
    uk.g.git_commit_all("open source, edited by hand");
    uk.g.git_out(&["push", "-q", "origin", "main"]);
    let bad = remote.tip();
    assert_ne!(bad, good);

    ee.act("second", &p1);
    let before = ee.g.tree_state();
    let refs = ee.refs();
    let text = ee.g.read_file("charter/open-source.en.md");
    let out = ee.sync();
    let err = assert_one_line_error(
        &out,
        1,
        &[
            "origin",
            "[governed-change]",
            "charter/open-source.en.md",
            &bad[..12],
        ],
    );
    insta::assert_snapshot!(err.replace(&bad[..12], "[BAD]"), @"error: verification failed: origin fails verification: commit [BAD]: charter/open-source.en.md: governed file changed outside a finalization [governed-change]");
    assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
    assert_eq!(ee.refs(), refs, "no branch or tag moved");
    assert_eq!(ee.g.read_file("charter/open-source.en.md"), text);
    assert_eq!(
        ee.state_file("remote-origin").as_deref().map(str::trim),
        Some(good.as_str()),
        "the refused tip is not recorded as verified"
    );
    let contains =
        ee.g.git()
            .args(["merge-base", "--is-ancestor", &bad, "HEAD"])
            .output()
            .unwrap();
    assert!(!contains.status.success(), "the bad commit is not taken");
    assert_eq!(remote.tip(), bad, "nothing was pushed");
    verify_full(&ee.g);
}

/// `.git/charter/verified`: the commit recorded, and the whole line.
fn verified_state(g: &Group) -> (String, String) {
    let text = std::fs::read_to_string(g.repo.join(".git/charter/verified"))
        .expect(".git/charter/verified");
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "root, commit and three counts: {text}");
    (fields[1].to_string(), text.clone())
}

/// The review of 2026 opened and its close proposed by uk, seconded and
/// accepted by everyone but kr, all synced; kr's clone is up to date.
/// Returns the remote, the five clones and the close's id.
fn review_close_awaiting_kr() -> (Remote, Vec<Peer>, String) {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let peers = clones(&remote, &genesis);
    let uk = &peers[0];
    uk.g.run_as("uk", &["review", "open", "2026"]);
    let close = uk.g.run_as("uk", &["review", "close", "2026"]);
    uk.sync_ok();
    for (peer, act) in [
        (&peers[1], "second"),
        (&peers[2], "accept"),
        (&peers[3], "accept"),
    ] {
        peer.sync_ok();
        peer.act(act, &close);
        peer.sync_ok();
    }
    peers[4].sync_ok();
    assert_eq!(peers[4].g.head(), remote.tip());
    (remote, peers, close)
}

/// Once kr's sync published the close: it is finalized once in the
/// remote's history, tagged `charter-2026` there, and every clone takes
/// the history and the tag, and verifies.
fn assert_review_closed(remote: &Remote, peers: &[Peer], close: &str) {
    let tip = remote.tip();
    assert_eq!(
        remote.git_out(&["rev-parse", "charter-2026^{commit}"]),
        tip,
        "the tag was pushed, on the finalization"
    );
    let planned = Planned {
        id: close.to_string(),
        principle: String::new(),
        en: String::new(),
        fr: String::new(),
        acts: vec![
            ("uk", "propose"),
            ("ee", "second"),
            ("il", "accept"),
            ("nz", "accept"),
            ("kr", "accept"),
        ],
    };
    let files: BTreeSet<String> = remote.files().into_iter().collect();
    assert!(files.contains(&planned.decision()), "{close} finalized");
    let lost: Vec<_> = planned
        .signature_files()
        .difference(&files)
        .cloned()
        .collect();
    assert!(lost.is_empty(), "signatures lost: {lost:?}");
    let log = log_messages(|a| remote.git_out(a), "main");
    assert_eq!(finalizations_of(&log, close), 1, "finalized once");
    for peer in peers {
        peer.sync_ok();
        assert_eq!(peer.g.head(), tip, "{}", peer.who);
        assert_eq!(
            peer.g.tag_commit("charter-2026"),
            Some(tip.clone()),
            "{} has the tag",
            peer.who
        );
        verify_full(&peer.g);
    }
}

/// kr's acceptance completes the close in kr's own clone, which finalizes
/// it and tags it there; kr's sync publishes both.
#[test]
fn a_review_closed_in_a_clone_is_pushed_with_its_tag() {
    let (remote, peers, close) = review_close_awaiting_kr();
    let kr = &peers[4];
    kr.act("accept", &close);
    let local = kr.g.head();
    assert_eq!(kr.g.tag_commit("charter-2026"), Some(local.clone()));
    kr.g.assert_verify_passes();
    let out = kr.sync();
    assert!(
        out.status.success(),
        "kr's sync of its own close of the review: {}",
        stderr(&out)
    );
    assert_eq!(remote.tip(), local, "kr's history, as it was, is pushed");
    assert_review_closed(&remote, &peers, &close);
}

/// kr closes the review in its clone while uk publishes an act of its own:
/// kr's sync replays its acceptance on top, finalizes the close anew there
/// and tags that commit; the tag of the dropped local finalization must not
/// stand in the way.
#[test]
fn a_review_close_replayed_on_a_moved_remote_is_finalized_and_tagged_anew() {
    let (remote, peers, close) = review_close_awaiting_kr();
    let (uk, kr) = (&peers[0], &peers[4]);
    kr.act("accept", &close);
    let local = kr.g.head();
    assert_eq!(kr.g.tag_commit("charter-2026"), Some(local.clone()));
    uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    uk.sync_ok();
    let out = kr.sync();
    assert!(
        out.status.success(),
        "kr's sync of its own close, on a remote that moved: {}",
        stderr(&out)
    );
    let tip = remote.tip();
    assert_eq!(kr.g.head(), tip, "kr pushed");
    assert_ne!(tip, local, "the close was finalized anew, on top");
    assert_eq!(
        kr.g.tag_commit("charter-2026"),
        Some(tip),
        "kr's tag is on the finalization it published"
    );
    assert_review_closed(&remote, &peers, &close);
}

/// Tags on the remote: a new `charter-2026` on the commit that closed the
/// review is taken; a `charter-` tag on any other commit fails
/// verification; a tag moved after a clone took it is refused. The clone
/// keeps its branch and tags each time.
#[test]
fn charter_tags_are_taken_and_forged_or_moved_ones_refused() {
    let g = Group::d5();
    let genesis = g.genesis();
    g.run_as("uk", &["review", "open", "2026"]);
    let close = g.run_as("uk", &["review", "close", "2026"]);
    g.second_and_accept_all("uk", "ee", &close);
    let closed = g.head();
    assert_eq!(g.tag_commit("charter-2026"), Some(closed.clone()));
    let remote = Remote::serve(&g);
    let ee = remote.clone_for("ee", &genesis);
    assert_eq!(ee.g.tag_commit("charter-2026"), None, "not pushed yet");
    g.git_out(&["push", "-q", &remote.url, "refs/tags/charter-2026"]);

    // A new tag, on the right commit: taken.
    ee.sync_ok();
    assert_eq!(ee.g.tag_commit("charter-2026"), Some(closed.clone()));
    verify_full(&ee.g);

    // A charter tag on a commit that closed no review (the genesis): refused.
    let elsewhere = genesis.clone();
    g.git_out(&[
        "push",
        "-q",
        &remote.url,
        &format!("{elsewhere}:refs/tags/charter-2027"),
    ]);
    let before = ee.g.tree_state();
    let refs = ee.refs();
    let out = ee.sync();
    assert_one_line_error(&out, 1, &["origin", "[tag]", "charter-2027"]);
    assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
    assert_eq!(ee.refs(), refs, "no branch or tag moved or added");
    assert_eq!(ee.g.tag_commit("charter-2027"), None);
    g.git_out(&["push", "-q", &remote.url, ":refs/tags/charter-2027"]);
    ee.sync_ok();

    // The tag ee took, moved on the remote by force: refused.
    g.git_out(&[
        "push",
        "-q",
        "--force",
        &remote.url,
        &format!("{elsewhere}:refs/tags/charter-2026"),
    ]);
    let out = ee.sync();
    let err = stderr(&out);
    assert!(!out.status.success(), "a moved tag must be refused: {err}");
    // Names the tag and says it moved.
    insta::assert_snapshot!(
        err.replace(&closed, "[CLOSED]").replace(&elsewhere, "[ELSEWHERE]"),
        @"error: origin: tag charter-2026 moved from [CLOSED] to [ELSEWHERE]; refused"
    );
    assert_eq!(ee.g.tree_state(), before, "the clone is as it was");
    assert_eq!(ee.refs(), refs, "ee's tag did not move");
    assert_eq!(ee.g.tag_commit("charter-2026"), Some(closed));
    verify_full(&ee.g);
}

/// An act the remote made moot (ee seconds a proposal uk has meanwhile
/// withdrawn) is dropped by sync, said so, and nothing is pushed; the
/// withdrawal stands and the history verifies.
#[test]
fn an_act_made_moot_by_the_remote_is_dropped() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let ee = remote.clone_for("ee", &genesis);
    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    uk.sync_ok();
    ee.sync_ok();
    uk.act("withdraw", &p1);
    uk.sync_ok();
    let withdrawn = remote.tip();
    ee.act("second", &p1);
    let out =
        ee.g.charter("ee")
            .args(["sync", "--json"])
            .output()
            .unwrap();
    assert!(out.status.success(), "sync: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let second = format!("{}/signatures/ee.second.msg", proposal_dir(&p1));
    let dropped: Vec<&str> = v["dropped"]
        .as_array()
        .expect("a dropped list")
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    // The second is dropped, saying why.
    assert_eq!(
        dropped,
        [format!(
            "{second} ({p1} is withdrawn and can no longer be signed)"
        )],
        "{v}"
    );
    assert_eq!(v["replayed"], 0, "{v}");
    assert_eq!(v["pushed"], false, "{v}");
    assert_eq!(remote.tip(), withdrawn, "nothing pushed");
    assert_eq!(ee.g.head(), withdrawn, "ee is on the remote's history");
    assert!(!ee.g.repo.join(&second).exists());
    assert_eq!(
        ee.g.git_out(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    let v = verify_full(&ee.g);
    assert_eq!(v["finalizations"], 0, "{v}");
}

/// Regression: sync replayed a key rotation's records, then the acts signed
/// with the new key, and only then made the rotation's finalization anew:
/// the history it pushed failed verification everywhere. The finalization
/// is now made where the rotation completes, before the next act.
#[test]
fn sync_finalizes_a_replayed_rotation_before_acts_of_the_new_key() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let kr = remote.clone_for("kr", &genesis);
    let new = kr.g.new_key("kr2");
    kr.g.charter("kr")
        .args(["key", "rotate", "--new-key"])
        .arg(&new)
        .assert()
        .success();
    let texts = kr.g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    kr.g.charter("kr2")
        .args(["propose", "amend", "open-source"])
        .args(&texts)
        .assert()
        .success();
    uk.g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    uk.sync_ok();
    let out = kr.g.charter("kr2").arg("sync").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    verify_full(&kr.g);
    uk.sync_ok();
    verify_full(&uk.g);
    let members = uk.g.read_file("keys/kr.toml");
    assert!(members.contains("previous_keys"), "{members}");
}

/// Regression: a departure replayed by sync lost its finalization (the
/// syncing key was no member in the clone's own state any more), so the
/// member came back in force. It is finalized anew where it was made.
#[test]
fn sync_keeps_a_replayed_departure_finalized() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let nz = remote.clone_for("nz", &genesis);
    nz.g.charter("nz").arg("leave").assert().success();
    uk.g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    uk.sync_ok();
    nz.sync_ok();
    uk.sync_ok();
    for clone in [&nz.g, &uk.g] {
        verify_full(clone);
        assert!(!clone.repo.join("keys/nz.toml").exists(), "nz left");
        assert!(clone.repo.join("keys/former/nz.toml").exists());
    }
}

/// A `git fetch` killed while it updated the remote-tracking branch leaves
/// `refs/remotes/origin/main.lock`. Sync fetches into its own refs only
/// (`--refmap=`), so the lock does not stop it; the control is git's own
/// fetch, which the same lock does stop.
#[test]
fn a_lock_left_on_the_remote_tracking_branch_does_not_stop_sync() {
    let g = Group::d5();
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let uk = remote.clone_for("uk", &genesis);
    let ee = remote.clone_for("ee", &genesis);
    let p1 =
        uk.g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    uk.sync_ok();
    let lock = ee.g.repo.join(".git/refs/remotes/origin/main.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, "").unwrap();
    let plain = ee.g.git().args(["fetch", "-q", "origin"]).output().unwrap();
    assert!(
        !plain.status.success(),
        "git's own fetch is stopped by the lock"
    );
    assert!(
        stderr(&plain).contains("cannot lock ref"),
        "{}",
        stderr(&plain)
    );
    ee.sync_ok();
    assert_eq!(ee.g.head(), remote.tip(), "ee has uk's proposal");
    assert!(ee.g.repo.join(proposal_dir(&p1)).exists());
    assert!(lock.exists(), "another process's lock is left alone");
}
