//! Attacks by a member on acts it has no right to make (DESIGN.md §5): acts
//! about another member made alone, records dated against the record, and a
//! proposal changing paths its kind may not. Each attack is forged with plain
//! git and stock OpenSSH (`ssh-keygen -Y sign -n charter`, fixture keys) on
//! top of a real repository made through the binary, and stands beside an
//! honest control of the same shape, made by the same forging code with only
//! the attacked point changed, which verifies. Then: the CLI refuses to make
//! such acts (exit 2, the repository as it was), and `charter sync` refuses a
//! remote holding such a history (exit 1, the clone as it was).

use crate::common::remote::{Peer, Remote};
use crate::common::*;

/// The key a member rotates to (and the attacker holds).
const NEW_KEY: &str = "outsider";

// ---------------------------------------------------------------------------
// Forging by hand.
// ---------------------------------------------------------------------------

/// A file at a revision, byte for byte (`git show REV:PATH`, untrimmed).
fn show(g: &Group, rev: &str, path: &str) -> String {
    let out = g
        .git()
        .args(["show", &format!("{rev}:{path}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "git show: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// What commit `rev` did to its parent's tree, path by path.
fn commit_files(g: &Group, rev: &str) -> Files {
    let parent = format!("{rev}~1");
    g.git_out(&[
        "diff-tree",
        "-r",
        "--no-renames",
        "--name-status",
        &parent,
        rev,
    ])
    .lines()
    .map(|line| {
        let (status, path) = line.split_once('\t').unwrap();
        let text = (status != "D").then(|| show(g, rev, path));
        (path.to_string(), text)
    })
    .collect()
}

fn tree(g: &Group, rev: &str) -> String {
    g.git_out(&["rev-parse", &format!("{rev}^{{tree}}")])
}

/// Commits the whole work tree with stock git, unsigned, author and
/// committer dated `date`: how an attacker makes a commit look like the
/// tool's.
fn commit_at(g: &Group, message: &str, date: &str) {
    g.git_out(&["add", "-A"]);
    let out = g
        .git()
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args(["commit", "-q", "--no-gpg-sign", "-m", message])
        .output()
        .unwrap();
    assert!(out.status.success(), "git commit: {}", stderr(&out));
}

/// `field = "value"` in a TOML file: the value.
fn toml_field(text: &str, field: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field} = \"")))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no {field} in:\n{text}"))
        .to_string()
}

/// `date` (`2026-03-15T10:00:00Z`) as OpenSSH writes times in
/// allowed_signers and reads `-Overify-time`: `20260315100000Z`.
fn ssh_time(date: &str) -> String {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 14, "{date}");
    format!("{digits}Z")
}

/// When the founders joined: the genesis.
fn founded(g: &Group) -> String {
    toml_field(&g.read_file("keys/uk.toml"), "joined")
}

/// Writes the record `<signer>.<act>.msg/.sig` of proposal `id`: the
/// canonical message for this repository and the proposal as the work tree
/// holds it, dated `date`, signed by hand with fixture key `key`. Returns
/// the `.msg` path.
fn forge_record(g: &Group, id: &str, act: &str, signer: &str, key: &str, date: &str) -> String {
    let msg = format!(
        "charter signature v1\nrepository {}\nproposal {id}\ndigest {}\nact {act}\nsigner {signer}\ndate {date}\n",
        g.genesis(),
        g.coreutils_digest(id)
    );
    let path = format!("{}/signatures/{signer}.{act}.msg", proposal_dir(id));
    g.write(&path, &msg);
    g.write(&sig_path(&path), &g.ssh_sign(key, &msg));
    path
}

/// `charter verify` fails (exit 1) under `rule`, at a path containing
/// `path_part`, and, if given, in commit `commit`.
fn assert_fails_at(g: &Group, rule: &str, path_part: &str, commit: Option<&str>) -> Failed {
    let f = g.verify_failure_with(&[]);
    assert_eq!(f.rule, rule, "wrong rule: {}", f.stderr);
    assert!(
        f.path.contains(path_part),
        "expected a path containing {path_part}: {}",
        f.stderr
    );
    if let Some(c) = commit {
        assert_eq!(f.commit, c[..12], "wrong commit: {}", f.stderr);
    }
    f
}

/// Every signed record in the work tree verifies with stock OpenSSH, as its
/// signer, against `keys/allowed_signers` at its own date.
fn assert_openssh_accepts_every_record_at_its_date(g: &Group) {
    let records = g.git_out(&["ls-files", "proposals/*.msg"]);
    assert!(!records.is_empty());
    for msg in records.lines() {
        let signer = g.message_field(msg, "signer");
        let date = g.message_field(msg, "date");
        assert!(
            g.ssh_verifies_at(&signer, msg, &ssh_time(&date)),
            "ssh-keygen -Y verify refuses {msg} at its date {date}"
        );
    }
}

// ---------------------------------------------------------------------------
// Class 1: a departure or key rotation about another member, made alone.
// ---------------------------------------------------------------------------

/// A departure or key rotation as the CLI made it, then undone.
struct Unilateral {
    id: String,
    /// What the commit filing it wrote, and what its finalization wrote.
    filed: Files,
    finalized: Files,
    /// The trees the CLI's two commits left.
    trees: (String, String),
}

/// Runs `charter <args>` as `who` (a `leave` or `key rotate`: it files the
/// act and finalizes it, two commits), checks that this history verifies,
/// records what it wrote, and undoes it, so that the act can be made by
/// hand in its place.
fn made_then_undone(g: &Group, who: &str, args: &[&str]) -> Unilateral {
    let base = g.head();
    let id = g.run_as(who, args);
    g.assert_verify_passes();
    let u = Unilateral {
        filed: commit_files(g, "HEAD~1"),
        finalized: commit_files(g, "HEAD"),
        trees: (tree(g, "HEAD~1"), tree(g, "HEAD")),
        id,
    };
    let decision = format!("{}/decision.toml", proposal_dir(&u.id));
    assert!(
        u.finalized.iter().any(|(p, _)| *p == decision),
        "{u:?}",
        u = u.finalized
    );
    g.git_out(&["reset", "-q", "--hard", &base]);
    u
}

/// [`NEW_KEY`]'s public key: `ssh-ed25519 AAAA...`.
fn new_public_key() -> String {
    openssh_key(&fixture_key(&format!("{NEW_KEY}.pub")))
}

/// `charter leave` by `who` at the clock set, then undone.
fn leave_undone(g: &Group, who: &str) -> Unilateral {
    made_then_undone(g, who, &["leave"])
}

/// `charter key rotate` by `who` to [`NEW_KEY`] at the clock set, then undone.
fn rotation_undone(g: &Group, who: &str) -> Unilateral {
    let new = g.env.key(NEW_KEY).display().to_string();
    made_then_undone(g, who, &["key", "rotate", "--new-key", &new])
}

/// Files by hand, in place of `u`, the same act proposed by `proposer`:
/// proposal.toml as the CLI wrote it but naming `proposer`, the
/// `<proposer>.propose` record signed with `proposer`'s own key and, for a
/// rotation, the subject's `confirm-key` record signed with the new key;
/// then, if `finalize`, the very finalization the CLI wrote. One commit
/// each, dated as the CLI's. Returns the propose record's path.
fn forge_unilateral(g: &Group, u: &Unilateral, proposer: &str, finalize: bool) -> String {
    let dir = proposal_dir(&u.id);
    let file = content_of(&u.filed, &format!("{dir}/proposal.toml"));
    let subject = toml_field(&file, "member");
    let date = toml_field(&file, "created");
    let named = |who: &str| format!("\nproposer = \"{who}\"\n");
    assert!(file.contains(&named(&subject)), "{file}");
    g.write(
        &format!("{dir}/proposal.toml"),
        &file.replace(&named(&subject), &named(proposer)),
    );
    let propose = forge_record(g, &u.id, "propose", proposer, proposer, &date);
    if toml_field(&file, "kind") == "rotate-key" {
        forge_record(g, &u.id, "confirm-key", &subject, NEW_KEY, &date);
    }
    commit_at(g, &format!("propose {}", u.id), &date);
    if finalize {
        put_files(g, &u.finalized);
        commit_at(g, &format!("finalize {}", u.id), &date);
    }
    propose
}

/// The control: `charter leave` by ee itself verifies, and the same made by
/// hand is the CLI's history, tree for tree.
#[test]
fn control_departure_by_the_member_itself_verifies() {
    let mut g = Group::d5();
    g.at(LATER);
    let u = leave_undone(&g, "ee");
    forge_unilateral(&g, &u, "ee", true);
    assert_eq!(tree(&g, "HEAD~1"), u.trees.0, "the filing, as the CLI's");
    assert_eq!(
        tree(&g, "HEAD"),
        u.trees.1,
        "the finalization, as the CLI's"
    );
    g.assert_verify_passes();
    assert!(g.repo.join("keys/former/ee.toml").exists());
}

/// uk files ee's departure, proposed and signed by uk alone, finalized at
/// once: ee is out of the group without having signed anything.
#[test]
fn departure_of_another_member_made_alone() {
    let mut g = Group::d5();
    g.at(LATER);
    let u = leave_undone(&g, "ee");
    let propose = forge_unilateral(&g, &u, "uk", true);
    assert!(g.ssh_verifies("uk", &propose), "a genuine signature by uk");
    assert!(g.repo.join("keys/former/ee.toml").exists());
    let filing = g.git_out(&["rev-parse", "HEAD~1"]);
    let dir = proposal_dir(&u.id);
    assert_fails_at(
        &g,
        "process",
        &format!("{dir}/signatures/uk.propose"),
        Some(&filing),
    );
}

/// ee's departure filed by hand by ee is finalized by `charter finalize`;
/// the same filed by uk alone is refused, whoever asks, and nothing written.
#[test]
fn finalize_refuses_a_departure_filed_for_another_member() {
    let mut g = Group::d5();
    g.at(LATER);
    let u = leave_undone(&g, "ee");
    let base = g.head();
    forge_unilateral(&g, &u, "ee", false);
    g.run_as("ee", &["finalize", &u.id]);
    assert_eq!(tree(&g, "HEAD"), u.trees.1, "finalized as `leave` does");
    g.assert_verify_passes();

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_unilateral(&g, &u, "uk", false);
    for who in ["uk", "ee"] {
        // The act stands on HEAD, which does not verify: refused with the
        // verification's own words.
        g.assert_refused_unverified(
            g.charter(who).args(["finalize", &u.id]),
            &["can propose it", "[process]"],
        );
    }
    assert!(g.repo.join("keys/ee.toml").exists(), "ee is still a member");
}

/// The control: `charter key rotate` by ee itself verifies, and the same
/// made by hand is the CLI's history, tree for tree.
#[test]
fn control_key_rotation_by_the_member_itself_verifies() {
    let mut g = Group::d5();
    g.at(LATER);
    let u = rotation_undone(&g, "ee");
    forge_unilateral(&g, &u, "ee", true);
    assert_eq!(tree(&g, "HEAD~1"), u.trees.0, "the filing, as the CLI's");
    assert_eq!(
        tree(&g, "HEAD"),
        u.trees.1,
        "the finalization, as the CLI's"
    );
    g.assert_verify_passes();
    assert!(g.read_file("keys/ee.toml").contains(&new_public_key()));
    assert_openssh_accepts_every_record_at_its_date(&g);
}

/// uk rotates ee's key to a key uk holds: proposed and signed by uk alone,
/// the confirm-key record signed by the new key, finalized at once.
#[test]
fn key_rotation_of_another_member_made_alone() {
    let mut g = Group::d5();
    g.at(LATER);
    let u = rotation_undone(&g, "ee");
    let propose = forge_unilateral(&g, &u, "uk", true);
    assert!(g.ssh_verifies("uk", &propose), "a genuine signature by uk");
    assert!(g.read_file("keys/ee.toml").contains(&new_public_key()));
    let filing = g.git_out(&["rev-parse", "HEAD~1"]);
    let dir = proposal_dir(&u.id);
    assert_fails_at(
        &g,
        "process",
        &format!("{dir}/signatures/uk.propose"),
        Some(&filing),
    );
}

/// ee's rotation filed by hand by ee is finalized by `charter finalize`;
/// the same filed by uk alone is refused, whoever asks, and nothing written.
#[test]
fn finalize_refuses_a_key_rotation_filed_for_another_member() {
    let mut g = Group::d5();
    g.at(LATER);
    let u = rotation_undone(&g, "ee");
    let base = g.head();
    forge_unilateral(&g, &u, "ee", false);
    g.run_as("ee", &["finalize", &u.id]);
    assert_eq!(
        tree(&g, "HEAD"),
        u.trees.1,
        "finalized as `key rotate` does"
    );
    g.assert_verify_passes();

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_unilateral(&g, &u, "uk", false);
    for who in ["uk", "ee"] {
        // The act stands on HEAD, which does not verify: refused with the
        // verification's own words.
        g.assert_refused_unverified(
            g.charter(who).args(["finalize", &u.id]),
            &["can propose it", "[process]"],
        );
    }
    assert!(g
        .read_file("keys/ee.toml")
        .contains(&openssh_key(&fixture_key("ee.pub"))));
}

// ---------------------------------------------------------------------------
// Class 3: dates that contradict the record.
// ---------------------------------------------------------------------------

/// A group founded long ago, so that a date can be before a proposal
/// without being before the genesis.
const FOUNDED_2014: &str = "2014-12-09T10:00:00Z";
const BEFORE_PROPOSAL: &str = "2020-01-15T10:00:00Z";

/// uk proposes and ee seconds at NOW in a group founded in 2014; il's
/// acceptance is then signed by hand, dated `date`, and committed.
fn acceptance_dated(date: &str) -> (Group, String) {
    let g = Group::d5_at(FOUNDED_2014);
    let id = open_amendment(&g);
    g.assert_verify_passes();
    let msg = forge_record(&g, &id, "accept", "il", "il", date);
    assert!(g.ssh_verifies_at("il", &msg, &ssh_time(date)));
    commit_at(&g, &format!("accept {id}"), date);
    (g, msg)
}

#[test]
fn control_acceptance_dated_after_its_proposal_verifies() {
    let (g, _) = acceptance_dated(LATER);
    g.assert_verify_passes();
}

/// (a) il's acceptance dated years before the proposal was created (though
/// after the genesis, while il was a member with that key).
#[test]
fn acceptance_dated_before_its_proposal() {
    let (g, msg) = acceptance_dated(BEFORE_PROPOSAL);
    let head = g.head();
    assert_fails_at(&g, "date", &msg.replace(".msg", ""), Some(&head));
}

/// The CLI refuses to accept with a clock before the proposal was created,
/// and accepts at a later clock.
#[test]
fn accept_with_a_clock_before_the_proposal_is_refused() {
    let mut g = Group::d5_at(FOUNDED_2014);
    let id = open_amendment(&g);
    g.at(AN_HOUR_BEFORE_NOW);
    g.assert_refused(g.charter("il").args(["accept", &id]), &["before"]);
    g.at(BEFORE_PROPOSAL);
    g.assert_refused(g.charter("il").args(["accept", &id]), &["before"]);
    g.at(LATER);
    g.act("il", "accept", &id);
    g.assert_verify_passes();
}

/// An hour before [`NOW`], when the D5 group is founded and the first
/// amendment proposed: a clock a little behind.
const AN_HOUR_BEFORE_NOW: &str = "2026-11-23T09:00:00Z";

/// The CLI refuses to propose with a clock before the genesis, and
/// proposes at a later clock.
#[test]
fn propose_with_a_clock_before_the_genesis_is_refused() {
    let mut g = Group::d5();
    g.at(AN_HOUR_BEFORE_NOW);
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let propose = |g: &Group| {
        let mut cmd = g.charter("uk");
        cmd.args(["propose", "amend", "open-source"]).args(&texts);
        cmd
    };
    g.assert_refused(&mut propose(&g), &["before"]);
    g.at("2025-06-01T10:00:00Z");
    g.assert_refused(&mut propose(&g), &["before"]);
    g.at(LATER);
    open_amendment(&g);
    g.assert_verify_passes();
}

/// The dates of jp's admission: apply, propose, second, il, nz and kr accept
/// (kr's acceptance finalizes it).
const ADMISSION_2025: [&str; 6] = [
    "2025-06-02T09:00:00Z",
    "2025-06-03T09:00:00Z",
    "2025-06-04T09:00:00Z",
    "2025-06-05T09:00:00Z",
    "2025-06-06T09:00:00Z",
    "2025-06-07T09:00:00Z",
];

/// jp's whole admission through the CLI, in a group founded in 2024, at
/// [`ADMISSION_2025`]; returns the group and the commit before it.
fn admission_of_2025() -> (Group, String) {
    let mut g = Group::d5_at("2024-01-01T00:00:00Z");
    let base = g.head();
    let d = ADMISSION_2025;
    g.at(d[0]);
    let id = g.apply("jp", "jp", "Japan");
    assert_eq!(id, "2025-001-member-jp");
    g.at(d[1]);
    g.run_as("uk", &["propose", "member", "jp"]);
    g.at(d[2]);
    g.act("ee", "second", &id);
    for (who, date) in [("il", d[3]), ("nz", d[4]), ("kr", d[5])] {
        g.at(date);
        g.act(who, "accept", &id);
    }
    assert!(g.repo.join("keys/jp.toml").exists());
    g.assert_verify_passes();
    (g, base)
}

/// Replays by hand onto `g` the commits `from` made after `since`: every
/// file as `from` wrote it, but each signed record re-made for `g`'s
/// repository and re-signed with its signer's fixture key, and the founders'
/// lines of `keys/allowed_signers` given `g`'s founding date. Each commit is
/// dated as in `from`.
fn replay(from: &Group, since: &str, g: &Group) {
    let roots = (from.genesis(), g.genesis());
    let founded = (ssh_time(&founded(from)), ssh_time(&founded(g)));
    let commits = from.git_out(&["rev-list", "--reverse", &format!("{since}..HEAD")]);
    for c in commits.lines() {
        for (path, text) in commit_files(from, c) {
            let Some(text) = text else {
                g.git_out(&["rm", "-q", &path]);
                continue;
            };
            if path.ends_with(".sig") {
                continue;
            }
            if path.ends_with(".msg") {
                let msg = text.replace(
                    &format!("\nrepository {}\n", roots.0),
                    &format!("\nrepository {}\n", roots.1),
                );
                assert_ne!(msg, text);
                let signer = msg
                    .lines()
                    .find_map(|l| l.strip_prefix("signer "))
                    .unwrap()
                    .to_string();
                g.write(&sig_path(&path), &g.ssh_sign(&signer, &msg));
                g.write(&path, &msg);
            } else if path == "keys/allowed_signers" {
                g.write(
                    &path,
                    &text.replace(
                        &format!("valid-after=\"{}\"", founded.0),
                        &format!("valid-after=\"{}\"", founded.1),
                    ),
                );
            } else {
                g.write(&path, &text);
            }
        }
        let date = from.git_out(&["log", "-1", "--format=%cI", c]);
        let subject = from.git_out(&["log", "-1", "--format=%s", c]);
        commit_at(g, &subject, &date);
    }
}

/// The control: jp's admission of 2025, replayed by hand onto a group
/// founded at the start of 2025, verifies.
#[test]
fn control_admission_dated_after_the_genesis_verifies() {
    let (from, since) = admission_of_2025();
    let g = Group::d5_at("2025-01-01T00:00:00Z");
    replay(&from, &since, &g);
    assert_eq!(
        g.read_file("keys/jp.toml"),
        from.read_file("keys/jp.toml"),
        "jp registered as the CLI registers it"
    );
    g.assert_verify_passes();
    assert_eq!(
        g.member_ids(Some("2025-07-01")),
        ["ee", "il", "jp", "kr", "nz", "uk"]
    );
}

/// (b) jp's admission, the whole process dated in 2025, in a group founded
/// on 2026-11-23: `members --at` would say jp was the only member in 2025.
#[test]
fn admission_dated_before_the_genesis() {
    let (from, since) = admission_of_2025();
    let g = Group::d5();
    assert_eq!(founded(&g), NOW);
    g.assert_verify_passes();
    replay(&from, &since, &g);
    assert_eq!(
        g.member_ids(Some("2025-07-01")),
        ["jp"],
        "the rewritten past"
    );
    assert_fails_at(&g, "date", &proposal_dir("2025-001-member-jp"), None);
}

const FOUNDED_2026: &str = "2026-01-05T08:00:00Z";
const PROPOSED: &str = "2026-03-01T10:00:00Z";
const JOINED: &str = "2026-04-01T10:00:00Z";
const BEFORE_JOINING: &str = "2026-03-15T10:00:00Z";
const AFTER_JOINING: &str = "2026-04-10T10:00:00Z";

/// An amendment proposed on [`PROPOSED`], then jp admitted on [`JOINED`];
/// jp's acceptance of the amendment is signed by hand with jp's key, dated
/// `date`, and committed.
fn acceptance_by_jp_dated(date: &str) -> (Group, String) {
    let mut g = Group::d5_at(FOUNDED_2026);
    g.at(PROPOSED);
    let id = open_amendment(&g);
    g.at(JOINED);
    g.admit("jp", "Japan");
    assert_eq!(toml_field(&g.read_file("keys/jp.toml"), "joined"), JOINED);
    g.assert_verify_passes();
    let msg = forge_record(&g, &id, "accept", "jp", "jp", date);
    commit_at(&g, &format!("accept {id}"), date);
    // Verified after the record was made.
    g.at(AFTER_JOINING);
    (g, msg)
}

#[test]
fn control_act_dated_after_its_signer_joined_verifies() {
    let (g, msg) = acceptance_by_jp_dated(AFTER_JOINING);
    g.assert_verify_passes();
    assert!(g.ssh_verifies_at("jp", &msg, &ssh_time(AFTER_JOINING)));
    assert_openssh_accepts_every_record_at_its_date(&g);
}

/// (c) jp, admitted on 2026-04-01, accepts an amendment by a record dated
/// 2026-03-15 (after the amendment was proposed): OpenSSH refuses it too.
#[test]
fn act_dated_before_its_signer_joined() {
    let (g, msg) = acceptance_by_jp_dated(BEFORE_JOINING);
    assert!(
        !g.ssh_verifies_at("jp", &msg, &ssh_time(BEFORE_JOINING)),
        "OpenSSH refuses jp's key before it was registered"
    );
    let head = g.head();
    assert_fails_at(&g, "date", &msg.replace(".msg", ""), Some(&head));
}

/// An amendment proposed on [`PROPOSED`], then il's key rotated to
/// [`NEW_KEY`] on [`JOINED`]; il's acceptance of the amendment is signed by
/// hand with the new key, dated `date`, and committed.
fn acceptance_by_the_new_key_dated(date: &str) -> (Group, String) {
    let mut g = Group::d5_at(FOUNDED_2026);
    g.at(PROPOSED);
    let id = open_amendment(&g);
    g.at(JOINED);
    let new = g.env.key(NEW_KEY).display().to_string();
    g.run_as("il", &["key", "rotate", "--new-key", &new]);
    assert_eq!(
        toml_field(&g.read_file("keys/il.toml"), "key_since"),
        JOINED
    );
    g.assert_verify_passes();
    let msg = forge_record(&g, &id, "accept", "il", NEW_KEY, date);
    commit_at(&g, &format!("accept {id}"), date);
    // Verified after the record was made.
    g.at(AFTER_JOINING);
    (g, msg)
}

#[test]
fn control_act_by_a_new_key_dated_after_its_rotation_verifies() {
    let (g, msg) = acceptance_by_the_new_key_dated(AFTER_JOINING);
    g.assert_verify_passes();
    assert!(g.ssh_verifies_at("il", &msg, &ssh_time(AFTER_JOINING)));
    assert_openssh_accepts_every_record_at_its_date(&g);
}

/// (d) il rotated its key on 2026-04-01; an acceptance signed with the new
/// key is dated 2026-03-15, when il's key was the old one: OpenSSH refuses
/// it too.
#[test]
fn act_by_a_new_key_dated_before_its_rotation() {
    let (g, msg) = acceptance_by_the_new_key_dated(BEFORE_JOINING);
    assert!(
        !g.ssh_verifies_at("il", &msg, &ssh_time(BEFORE_JOINING)),
        "OpenSSH refuses the new key before the rotation"
    );
    let head = g.head();
    assert_fails_at(&g, "date", &msg.replace(".msg", ""), Some(&head));
}

/// What `show --json` says of il's acceptance: good (`true`), bad
/// (`false`), or no key in force (`null`).
fn shown_validity_of_il_acceptance(g: &Group) -> serde_json::Value {
    let id = g.read_json(&["status", "--all", "--json"])["proposals"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = g.read_json(&["show", &id, "--json"]);
    let sigs = shown["signatures"].as_array().unwrap();
    sigs.iter()
        .find(|s| s["signer"] == "il" && s["act"] == "accept")
        .unwrap_or_else(|| panic!("no acceptance by il in {sigs:?}"))["valid"]
        .clone()
}

/// Control for the next: `show` judges a past signature with the key its
/// signer held on the act's date; after the rotation, that is the new key.
/// (The walkthrough transcript shows the other side: a record signed with
/// the old key before a rotation stays good.)
#[test]
fn control_show_calls_an_act_by_the_new_key_after_its_rotation_good() {
    let (g, _) = acceptance_by_the_new_key_dated(AFTER_JOINING);
    assert_eq!(shown_validity_of_il_acceptance(&g), serde_json::json!(true));
}

/// `show` is not fooled by a record signed with il's new key but dated
/// before il held it: BAD, as `verify` and OpenSSH say.
#[test]
fn show_calls_an_act_by_the_new_key_dated_before_its_rotation_bad() {
    let (g, _) = acceptance_by_the_new_key_dated(BEFORE_JOINING);
    assert_eq!(
        shown_validity_of_il_acceptance(&g),
        serde_json::json!(false)
    );
}

/// The open-source amendment adopted: proposed, seconded, accepted by il
/// and nz at NOW, by kr at [`LATER`] (which finalizes it). Returns the id,
/// what the finalization wrote and the tree it left, after undoing it.
fn adoption_with_finalization_undone() -> (Group, String, Files, String) {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    g.act("il", "accept", &id);
    g.act("nz", "accept", &id);
    g.at(LATER);
    g.act("kr", "accept", &id);
    let files = commit_files(&g, "HEAD");
    let finalized = tree(&g, "HEAD");
    let decision = format!("{}/decision.toml", proposal_dir(&id));
    assert_eq!(toml_field(&content_of(&files, &decision), "date"), LATER);
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    g.assert_verify_passes();
    (g, id, files, finalized)
}

#[test]
fn control_decision_dated_after_the_acts_it_counts_verifies() {
    let (g, _, files, finalized) = adoption_with_finalization_undone();
    put_files(&g, &files);
    commit_at(&g, "finalize", LATER);
    assert_eq!(
        tree(&g, "HEAD"),
        finalized,
        "the finalization, as the CLI's"
    );
    g.assert_verify_passes();
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
}

/// (e) The decision is dated 2026-11-23 12:00, after the proposal and every
/// other act, but before kr's acceptance (2026-11-24), which it counts.
#[test]
fn decision_dated_before_an_act_it_counts() {
    let (g, id, mut files, _) = adoption_with_finalization_undone();
    let forged = "2026-11-23T12:00:00Z";
    let decision = format!("{}/decision.toml", proposal_dir(&id));
    for (path, text) in &mut files {
        if *path == decision {
            let t = text.take().unwrap();
            let changed = t.replace(
                &format!("date = \"{LATER}\""),
                &format!("date = \"{forged}\""),
            );
            assert_ne!(changed, t);
            *text = Some(changed);
        }
    }
    put_files(&g, &files);
    commit_at(&g, "finalize", forged);
    let head = g.head();
    assert_fails_at(&g, "date", &decision, Some(&head));
}

// ---------------------------------------------------------------------------
// Class 5: an amendment whose change/ registers a member.
// ---------------------------------------------------------------------------

/// `charter propose amend open-source` by uk at NOW, then undone: the id and
/// what the filing wrote, and its tree.
fn amendment_undone(g: &Group) -> (String, Files, String) {
    let base = g.head();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let filed = commit_files(g, "HEAD");
    let filed_tree = tree(g, "HEAD");
    g.git_out(&["reset", "-q", "--hard", &base]);
    (id, filed, filed_tree)
}

/// uk's open-source amendment `id`, as `charter propose amend` filed it
/// (`filed`), made by hand at NOW; with `smuggle`, its change/ also holds
/// `keys/jp.toml` (jp registered as an admission would) and the
/// `keys/allowed_signers` that goes with it, each with its base. uk's
/// propose record, then, if `finalize`, ee's second, il's, nz's and kr's
/// acceptances, and the finalization applying change/ exactly: one commit
/// each. Returns the commit that filed it.
fn forge_amendment(g: &Group, id: &str, filed: &Files, smuggle: bool, finalize: bool) -> String {
    let dir = proposal_dir(id);
    let change = format!("{dir}/change/");
    let mut file = content_of(filed, &format!("{dir}/proposal.toml"));
    let mut changes: Vec<(String, String)> = filed
        .iter()
        .filter_map(|(p, t)| Some((p.strip_prefix(&change)?.to_string(), t.clone()?)))
        .collect();
    assert_eq!(changes.len(), 2, "{filed:?}");
    if smuggle {
        let jp = openssh_key(&fixture_key("jp.pub"));
        let base = g.git_out(&["rev-parse", "HEAD:keys/allowed_signers"]);
        assert!(
            file.contains("\n[base]\n") && file.ends_with("\"\n"),
            "{file}"
        );
        file.push_str(&format!(
            "\"keys/allowed_signers\" = \"{base}\"\n\"keys/jp.toml\" = \"absent\"\n"
        ));
        let mut signers: Vec<String> = g
            .read_file("keys/allowed_signers")
            .lines()
            .map(|l| format!("{l}\n"))
            .collect();
        signers.push(format!(
            "jp namespaces=\"charter,git\",valid-after=\"{}\" {jp}\n",
            ssh_time(NOW)
        ));
        signers.sort();
        changes.push(("keys/allowed_signers".into(), signers.concat()));
        changes.push((
            "keys/jp.toml".into(),
            format!("id = \"jp\"\nname = \"Japan\"\njoined = \"{NOW}\"\nkey = \"{jp}\"\n"),
        ));
    }
    g.write(&format!("{dir}/proposal.toml"), &file);
    for (path, text) in &changes {
        g.write(&format!("{change}{path}"), text);
    }
    forge_record(g, id, "propose", "uk", "uk", NOW);
    commit_at(g, &format!("propose {id}"), NOW);
    let filing = g.head();
    if !finalize {
        return filing;
    }
    forge_record(g, id, "second", "ee", "ee", NOW);
    commit_at(g, &format!("second {id}"), NOW);
    for who in ["il", "nz", "kr"] {
        forge_record(g, id, "accept", who, who, NOW);
        commit_at(g, &format!("accept {id}"), NOW);
    }
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    for (path, text) in &changes {
        g.write(path, text);
    }
    commit_at(g, &format!("finalize {id}"), NOW);
    filing
}

/// The control: the same amendment, changing only the charter, made by hand
/// through the whole process, verifies; its filing is the CLI's.
#[test]
fn control_amendment_changing_only_the_charter_verifies() {
    let g = Group::d5();
    let (id, filed, filed_tree) = amendment_undone(&g);
    let filing = forge_amendment(&g, &id, &filed, false, true);
    assert_eq!(tree(&g, &filing), filed_tree, "the filing, as the CLI's");
    g.assert_verify_passes();
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
}

/// An amendment whose change/ also holds keys/jp.toml and allowed_signers,
/// signed by all five founders and finalized: jp is registered without
/// applying.
#[test]
fn amendment_registering_a_member() {
    let g = Group::d5();
    let (id, filed, _) = amendment_undone(&g);
    g.assert_verify_passes();
    let filing = forge_amendment(&g, &id, &filed, true, true);
    assert!(g.repo.join("keys/jp.toml").exists(), "jp registered");
    assert_fails_at(&g, "kind-paths", "change/keys/", Some(&filing));
}

/// `charter second` on the hand-filed amendment works; on the one whose
/// change/ registers jp it is refused, and nothing written.
#[test]
fn second_refuses_an_amendment_that_registers_a_member() {
    let g = Group::d5();
    let (id, filed, _) = amendment_undone(&g);
    let base = g.head();
    forge_amendment(&g, &id, &filed, false, false);
    g.act("ee", "second", &id);
    g.assert_verify_passes();

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_amendment(&g, &id, &filed, true, false);
    g.assert_refused_unverified(g.charter("ee").args(["second", &id]), &["[kind-paths]"]);
}

// ---------------------------------------------------------------------------
// Sync: a remote holding such a history is refused.
// ---------------------------------------------------------------------------

/// `charter sync` in `peer`'s clone refuses the remote's history: exit 1,
/// one line naming the remote, `rule` and `path_part`; the clone is as it
/// was (HEAD, work tree, branches and tags, the tip recorded) and nothing
/// was pushed.
fn assert_sync_refuses(peer: &Peer, remote: &Remote, rule: &str, path_part: &str) {
    let bad = remote.tip();
    let before = peer.g.tree_state();
    let refs = peer.refs();
    let recorded = peer.state_file("remote-origin");
    let out = peer.sync();
    let err = assert_one_line_error(&out, 1, &["origin", &format!("[{rule}]"), path_part]);
    assert!(err.contains("fails verification"), "{err}");
    assert_eq!(peer.g.tree_state(), before, "the clone is as it was");
    assert_eq!(peer.refs(), refs, "no branch or tag moved");
    assert_eq!(peer.state_file("remote-origin"), recorded);
    let taken = peer
        .g
        .git()
        .args(["merge-base", "--is-ancestor", &bad, "HEAD"])
        .output()
        .unwrap();
    assert!(!taken.status.success(), "the bad commit is not taken");
    assert_eq!(remote.tip(), bad, "nothing was pushed");
}

/// Replaces the remote's main by `g`'s (a forced push).
fn force_push(g: &Group, remote: &Remote) {
    g.git_out(&["push", "-q", "--force", &remote.url, "main"]);
    assert_eq!(remote.tip(), g.head());
}

/// Class 1: the remote holds ee's departure made by uk alone; il's clone
/// (with an act of its own) refuses it. The honest departure in its place
/// is taken.
#[test]
fn sync_refuses_a_departure_made_for_another_member() {
    let mut g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let il = remote.clone_for("il", &genesis);
    il.act("second", &id);

    g.at(LATER);
    let base = g.head();
    let u = leave_undone(&g, "ee");
    forge_unilateral(&g, &u, "uk", true);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    assert_sync_refuses(
        &il,
        &remote,
        "process",
        &format!("{}/signatures/uk.propose", proposal_dir(&u.id)),
    );

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_unilateral(&g, &u, "ee", true);
    force_push(&g, &remote);
    il.sync_ok();
    assert!(il.g.repo.join("keys/former/ee.toml").exists());
    il.g.assert_verify_passes();
}

/// Class 3: the remote holds il's acceptance dated years before its
/// proposal; ee's clone (with an act of its own) refuses it. The same
/// acceptance dated after the proposal is taken.
#[test]
fn sync_refuses_an_acceptance_dated_before_its_proposal() {
    let g = Group::d5_at(FOUNDED_2014);
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let ee = remote.clone_for("ee", &genesis);
    ee.act("second", &id);

    let base = g.head();
    let msg = forge_record(&g, &id, "accept", "il", "il", BEFORE_PROPOSAL);
    commit_at(&g, &format!("accept {id}"), BEFORE_PROPOSAL);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    assert_sync_refuses(&ee, &remote, "date", &msg.replace(".msg", ""));

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_record(&g, &id, "accept", "il", "il", LATER);
    commit_at(&g, &format!("accept {id}"), LATER);
    force_push(&g, &remote);
    ee.sync_ok();
    ee.g.assert_verify_passes();
}

/// Class 5: the remote holds an amendment whose change/ registers jp,
/// adopted by all; ee's clone (with an act of its own) refuses it. The same
/// amendment changing only the charter is taken.
#[test]
fn sync_refuses_an_amendment_that_registers_a_member() {
    const OPEN_STANDARDS_EN: &str = "# Open standards\n\nWe commit to open standards.\n";
    const OPEN_STANDARDS_FR: &str =
        "# Standards ouverts\n\nNous nous engageons aux standards ouverts.\n";
    let g = Group::d5();
    let open = g.propose_amend("uk", "open-standards", OPEN_STANDARDS_EN, OPEN_STANDARDS_FR);
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let ee = remote.clone_for("ee", &genesis);
    ee.act("second", &open);

    let base = g.head();
    let (id, filed, _) = amendment_undone(&g);
    forge_amendment(&g, &id, &filed, true, true);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    assert_sync_refuses(&ee, &remote, "kind-paths", "change/keys/");

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_amendment(&g, &id, &filed, false, true);
    force_push(&g, &remote);
    ee.sync_ok();
    ee.g.assert_verify_passes();
    assert!(!ee.g.repo.join("keys/jp.toml").exists());
}

// ---------------------------------------------------------------------------
// Class 3 (f): an act placed before its signer's departure, dated after it.
// ---------------------------------------------------------------------------

/// After the departure at [`LATER`]: outside nz's key window (and less
/// than a day after the clock there, so not from the future).
const AFTER_LEAVING: &str = "2026-11-25T08:00:00Z";
/// Before it.
const BEFORE_LEAVING: &str = "2026-11-23T12:00:00Z";

/// nz signs an acceptance dated `accepted`, committed before nz's own
/// departure (made at [`LATER`], as the CLI makes it). Returns the
/// acceptance's path and the departure.
fn accept_then_leave(g: &mut Group, accepted: &str) -> (String, Unilateral) {
    let id = open_amendment(g);
    g.at(LATER);
    let u = leave_undone(g, "nz");
    let accept = forge_record(g, &id, "accept", "nz", "nz", accepted);
    commit_at(g, &format!("nz accepts {id}"), accepted);
    forge_unilateral(g, &u, "nz", true);
    (accept, u)
}

/// HEAD, nz's departure, is refused (rule `date`) for being dated before
/// nz's acceptance `accept` (dated [`AFTER_LEAVING`]), which OpenSSH
/// refuses at its date.
fn assert_departure_refused_before_accept(g: &Group, u: &Unilateral, accept: &str) {
    let decision = format!("{}/decision.toml", proposal_dir(&u.id));
    let head = g.head();
    let f = assert_fails_at(g, "date", &decision, Some(&head));
    // Shared by tests, so not an inline snapshot (insta takes one per test).
    assert_eq!(f.message, "the decision on 2026-002-leave-nz is dated 2026-11-24T09:30:00Z, before nz's act proposals/2026/2026-001-open-source/signatures/nz.accept.msg (2026-11-25T08:00:00Z)");
    assert!(!g.ssh_verifies_at("nz", accept, &ssh_time(AFTER_LEAVING)));
}

/// The departure is dated before an act nz signed earlier in the record:
/// OpenSSH, whose window for nz's key ends at the departure, would refuse
/// that act at its own date, so `verify` refuses the departure.
#[test]
fn departure_dated_before_an_act_of_its_member_is_refused() {
    let mut g = Group::d5();
    let (accept, u) = accept_then_leave(&mut g, AFTER_LEAVING);
    assert_departure_refused_before_accept(&g, &u, &accept);
}

/// Control: the same act dated before the departure verifies, and OpenSSH
/// accepts every record at its date.
#[test]
fn control_act_dated_before_its_members_departure_verifies() {
    let mut g = Group::d5();
    accept_then_leave(&mut g, BEFORE_LEAVING);
    g.assert_verify_passes();
    assert_openssh_accepts_every_record_at_its_date(&g);
}

/// nz's departure, filed as the CLI files it; then one commit made by hand
/// holding both its finalization and nz's acceptance of an open amendment,
/// dated `accepted`, signed with nz's key. Returns the acceptance's path
/// and the departure.
fn leave_with_an_accept_beside(g: &mut Group, accepted: &str) -> (String, Unilateral) {
    let id = open_amendment(g);
    g.at(LATER);
    let u = leave_undone(g, "nz");
    forge_unilateral(g, &u, "nz", false);
    put_files(g, &u.finalized);
    let accept = forge_record(g, &id, "accept", "nz", "nz", accepted);
    commit_at(
        g,
        &format!("finalize {} (and nz accepts {id})", u.id),
        LATER,
    );
    (accept, u)
}

/// The act rides in the departure's own commit, dated after it: judged
/// against the members before the commit, nz is still in force, but the
/// departure is dated before nz's act, which OpenSSH refuses at its date.
#[test]
fn act_beside_its_members_departure_dated_after_it_is_refused() {
    let mut g = Group::d5();
    let (accept, u) = leave_with_an_accept_beside(&mut g, AFTER_LEAVING);
    assert_departure_refused_before_accept(&g, &u, &accept);
}

/// Control: the same commit with the act dated before the departure
/// verifies, and OpenSSH accepts every record at its date.
#[test]
fn control_act_beside_its_members_departure_dated_before_it_verifies() {
    let mut g = Group::d5();
    leave_with_an_accept_beside(&mut g, BEFORE_LEAVING);
    g.assert_verify_passes();
    assert_openssh_accepts_every_record_at_its_date(&g);
}

/// The CLI refuses the departure itself while nz has an act dated after it.
#[test]
fn leave_with_a_clock_before_an_act_of_ones_own_is_refused() {
    let mut g = Group::d5();
    let id = open_amendment(&g);
    forge_record(&g, &id, "accept", "nz", "nz", AFTER_LEAVING);
    commit_at(&g, "nz accepts", AFTER_LEAVING);
    g.at(AFTER_LEAVING);
    g.assert_verify_passes();
    g.at(LATER);
    let err = g.assert_refused(g.charter("nz").arg("leave"), &["nz.accept"]);
    insta::assert_snapshot!(err, @"error: the decision on 2026-002-leave-nz is dated 2026-11-24T09:30:00Z, before nz's act proposals/2026/2026-001-open-source/signatures/nz.accept.msg (2026-11-25T08:00:00Z)");
    g.at(AFTER_LEAVING);
    g.charter("nz").arg("leave").assert().success();
    g.assert_verify_passes();
}

/// Class 4 through sync: the remote holds an acceptance whose `.sig` has
/// text before its armor (which `ssh-keygen -Y verify` refuses); ee's clone
/// refuses it. The same record without the text is taken.
#[test]
fn sync_refuses_a_signature_openssh_refuses() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let genesis = g.genesis();
    let remote = Remote::serve(&g);
    let ee = remote.clone_for("ee", &genesis);
    ee.act("second", &id);

    let base = g.head();
    let msg = forge_record(&g, &id, "accept", "il", "il", LATER);
    let sig = sig_path(&msg);
    g.write(&sig, &format!("Signed by il.\n{}", g.read_file(&sig)));
    assert!(!g.ssh_verifies_at("il", &msg, &ssh_time(LATER)));
    commit_at(&g, &format!("accept {id}"), LATER);
    g.git_out(&["push", "-q", &remote.url, "main"]);
    assert_sync_refuses(&ee, &remote, "signature", &msg.replace(".msg", ""));

    g.git_out(&["reset", "-q", "--hard", &base]);
    forge_record(&g, &id, "accept", "il", "il", LATER);
    commit_at(&g, &format!("accept {id}"), LATER);
    force_push(&g, &remote);
    ee.sync_ok();
    ee.g.assert_verify_passes();
}

// ---------------------------------------------------------------------------
// Dates from the future: asserted, but not beyond the time here.
// ---------------------------------------------------------------------------

/// Far ahead of [`NOW`]: a record dated then would bind every later
/// decision (none may be dated before an act it follows), so one member
/// could block its own removal, or every admission, for ever.
const FAR_FUTURE: &str = "9999-12-30T00:00:00Z";
/// 23 hours after [`NOW`]: a member's clock running fast.
const FAST_CLOCK: &str = "2026-11-24T09:00:00Z";

/// nz proposes an amendment with its clock at `at`; the group's clock is
/// then back at [`NOW`]. Returns the proposal's id.
fn proposed_by_a_clock_at(g: &mut Group, at: &str) -> String {
    g.at(at);
    let id = g.propose_amend("nz", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.at(NOW);
    id
}

#[test]
fn an_act_dated_far_in_the_future_is_refused_until_its_time() {
    let mut g = Group::d5();
    let id = proposed_by_a_clock_at(&mut g, FAR_FUTURE);
    let head = g.head();
    let f = assert_fails_at(&g, "date", "nz.propose.msg", Some(&head));
    insta::assert_snapshot!(f.message, @"the act is dated 9999-12-30T00:00:00Z, more than a day after the time here (2026-11-23T10:00:00Z): a date from the future, or a clock here that is behind");
    assert!(f.path.starts_with(&proposal_dir(&id)), "{}", f.stderr);
    // Nothing is built on it: an act at the time here is refused, as is
    // taking it through sync (both stand on a verified history).
    let before = g.tree_state();
    let out = g.charter("uk").args(["second", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("date from the future"),
        "{}",
        stderr(&out)
    );
    assert_eq!(g.tree_state(), before);
    // The rule is about the time, not the record: at that date it holds.
    g.at(FAR_FUTURE);
    g.assert_verify_passes();
}

/// Control: a clock running less than a day fast is allowed for.
#[test]
fn control_an_act_dated_by_a_clock_running_a_little_fast_verifies() {
    let mut g = Group::d5();
    proposed_by_a_clock_at(&mut g, FAST_CLOCK);
    g.assert_verify_passes();
    g.read().args(["verify", "--full"]).assert().success();
}
