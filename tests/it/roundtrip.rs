//! Round trips of every stored type (heartwood's `prop_encode_decode`):
//! for any value, writing it and reading it back gives the same value, and
//! the fuzz harness (which checks the same the other way round, from any
//! text) accepts what the library writes.

use std::collections::BTreeSet;
use std::path::Path;

use charter::crypto::key::{KeyError, PublicKey, SigningKey};
use charter::crypto::sshsig;
use charter::model::act::Act;
use charter::model::charter::{Index, Text};
use charter::model::clock::{self, Timestamp};
use charter::model::error::{from_toml, to_toml};
use charter::model::governance::{Acceptance, Governance};
use charter::model::id::{Lang, MemberId, PrincipleId, ProposalId};
use charter::model::member::{Member, Members, PastKey};
use charter::model::proposal::{Decision, Digest, Kind, Outcome, ProposalFile};
use charter::model::record::Message;
use charter::model::review::Review;
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;

use crate::fuzz_regressions::harness::{self, MemTree, Verdict};

// ---- Strategies ----

fn slug() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}"
}

fn member_id() -> impl Strategy<Value = MemberId> {
    slug().prop_map(|s| s.parse().unwrap())
}

fn principle_id() -> impl Strategy<Value = PrincipleId> {
    slug().prop_map(|s| s.parse().unwrap())
}

fn lang() -> impl Strategy<Value = Lang> {
    "[a-z]{2,8}".prop_map(|s| s.parse().unwrap())
}

fn proposal_id() -> impl Strategy<Value = ProposalId> {
    (0i32..=9999, 0u32..100_000, slug()).prop_map(|(y, n, s)| ProposalId::new(y, n, &s).unwrap())
}

fn digest() -> impl Strategy<Value = Digest> {
    any::<[u8; 32]>().prop_map(|bytes| {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}").parse().unwrap()
    })
}

/// Whole seconds over the range every date lies in (2000 to 9999).
fn timestamp() -> impl Strategy<Value = Timestamp> {
    (946_684_800i64..=253_402_300_799).prop_map(|s| Timestamp::from_timestamp(s, 0).unwrap())
}

fn date() -> impl Strategy<Value = String> {
    timestamp().prop_map(|t| clock::format(&t))
}

/// One line of text that is not blank.
fn line() -> impl Strategy<Value = String> {
    "\\PC{1,30}".prop_filter("not blank", |s| !s.trim().is_empty())
}

/// Any text, several lines too.
fn text() -> impl Strategy<Value = String> {
    "(\\PC|\n|\t){0,40}"
}

fn act() -> impl Strategy<Value = Act> {
    select(Act::ALL.to_vec())
}

fn kind() -> impl Strategy<Value = Kind> {
    select(vec![
        Kind::Amend,
        Kind::Add,
        Kind::Retire,
        Kind::Member,
        Kind::RemoveMember,
        Kind::ReplaceKey,
        Kind::Leave,
        Kind::RotateKey,
        Kind::ReviewOpen,
        Kind::ReviewClose,
        Kind::AddLanguage,
    ])
}

/// An ed25519 key made from a seed, as an OpenSSH private key file.
fn private_key_file(seed: [u8; 32]) -> String {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
    ssh_key::PrivateKey::from(pair)
        .to_openssh(ssh_key::LineEnding::LF)
        .unwrap()
        .to_string()
}

fn public_key() -> impl Strategy<Value = PublicKey> {
    any::<[u8; 32]>().prop_map(|seed| {
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let data =
            ssh_key::public::KeyData::Ed25519(ssh_key::public::Ed25519PublicKey(public.to_bytes()));
        let line = ssh_key::PublicKey::new(data, "").to_openssh().unwrap();
        PublicKey::parse("seed.pub", &line).unwrap()
    })
}

fn member(left: bool) -> impl Strategy<Value = Member> {
    (
        member_id(),
        line(),
        proptest::option::of(text()),
        timestamp(),
        timestamp(),
        public_key(),
        timestamp(),
        vec((public_key(), timestamp(), timestamp()), 0..3),
    )
        .prop_map(
            move |(id, name, organisation, joined, end, key, key_since, previous)| Member {
                attestation: None,
                id,
                name,
                organisation,
                joined,
                left: left.then_some(end),
                key,
                key_since,
                previous_keys: previous
                    .into_iter()
                    .map(|(key, from, until)| PastKey { key, from, until })
                    .collect(),
            },
        )
}

fn message() -> impl Strategy<Value = Message> {
    (
        "[0-9a-f]{40}",
        proposal_id(),
        digest(),
        act(),
        member_id(),
        timestamp(),
        line().prop_filter("a reason has no control character", |r| {
            Message::check_reason(r).is_ok()
        }),
    )
        .prop_map(
            |(repository, proposal, digest, act, signer, date, reason)| Message {
                repository,
                proposal,
                digest,
                act,
                signer,
                date,
                reason: (act == Act::Object).then_some(reason),
            },
        )
}

fn governance() -> impl Strategy<Value = Governance> {
    (
        line(),
        btree_set(lang(), 1..4),
        1u32..=12,
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(name, languages, review_month, lifetime)| Governance {
            attestation_roots: Vec::new(),
            name,
            languages: languages.into_iter().collect(),
            seconds: 1,
            acceptance: Acceptance::Unanimous,
            review_month,
            proposal_lifetime_days: lifetime,
        })
}

/// A `proposal.toml` of any kind with every field its kind needs, and any
/// of the others.
fn proposal_file() -> impl Strategy<Value = ProposalFile> {
    let optional = (
        proptest::option::of(date()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(any::<i32>()),
        vec(lang(), 0..3),
        proptest::option::of(digest()),
        btree_map(
            slug().prop_map(|s| format!("charter/{s}.md")),
            "[0-9a-f]{40}|absent",
            0..3,
        ),
    );
    (
        kind(),
        line(),
        member_id(),
        date(),
        principle_id(),
        member_id(),
        line(),
        public_key(),
        lang(),
        optional,
    )
        .prop_map(
            |(kind, title, proposer, created, principle, member, name, key, language, optional)| {
                let (deadline, organisation, reason, review, unchanged, charter_digest, base) =
                    optional;
                let mut f = ProposalFile::new(kind, title, Some(proposer), Timestamp::UNIX_EPOCH);
                f.created = created;
                f.deadline = deadline;
                f.organisation = organisation;
                f.reason = reason;
                f.unchanged = unchanged;
                f.charter_digest = charter_digest.map(|d| d.to_string());
                f.review = review;
                if kind.is_amendment() {
                    f.principle = Some(principle);
                }
                if kind.is_membership() {
                    f.member = Some(member);
                }
                if matches!(kind, Kind::ReviewOpen | Kind::ReviewClose) {
                    f.review = Some(review.unwrap_or(2026));
                }
                if kind == Kind::AddLanguage {
                    f.language = Some(language);
                }
                if matches!(kind, Kind::Member | Kind::ReplaceKey | Kind::RotateKey) {
                    f.key = Some(key.to_openssh());
                }
                if kind == Kind::Member {
                    f.name = Some(name);
                }
                if kind.has_changes() || kind == Kind::ReviewClose {
                    f.removes = base.keys().take(1).cloned().collect();
                    f.base = base;
                }
                f
            },
        )
}

fn review() -> impl Strategy<Value = Review> {
    (
        any::<i32>(),
        date(),
        member_id(),
        proposal_id(),
        proptest::option::of(date()),
        proptest::option::of((date(), proposal_id())),
    )
        .prop_map(
            |(year, opened, opened_by, opening, deadline, closed)| Review {
                year,
                opened,
                opened_by,
                opening,
                deadline,
                closed: closed.as_ref().map(|c| c.0.clone()),
                closing: closed.map(|c| c.1),
            },
        )
}

// ---- Properties ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ids_and_acts(member in member_id(), principle in principle_id(), lang in lang(),
                    proposal in proposal_id(), act in act(), digest in digest()) {
        prop_assert_eq!(member.to_string().parse::<MemberId>().unwrap(), member.clone());
        prop_assert_eq!(principle.to_string().parse::<PrincipleId>().unwrap(), principle);
        prop_assert_eq!(lang.to_string().parse::<Lang>().unwrap(), lang);
        prop_assert_eq!(proposal.to_string().parse::<ProposalId>().unwrap(), proposal.clone());
        prop_assert_eq!(act.to_string().parse::<Act>().unwrap(), act);
        prop_assert_eq!(digest.to_string().parse::<Digest>().unwrap(), digest);
        for text in [member.to_string(), proposal.to_string(), act.to_string(), digest.to_string()] {
            prop_assert_eq!(harness::ids(text.as_bytes()), Verdict::Accepted);
        }
    }

    #[test]
    fn dates(t in timestamp()) {
        let text = clock::format(&t);
        prop_assert_eq!(clock::parse_timestamp(&text).unwrap(), t);
        prop_assert_eq!(clock::parse_deadline(&text), Some(t));
        prop_assert_eq!(harness::dates(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn messages(m in message()) {
        let text = m.text();
        prop_assert_eq!(Message::parse(&text).unwrap(), m);
        prop_assert_eq!(harness::message(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn public_keys(key in public_key()) {
        let line = key.to_openssh();
        prop_assert_eq!(PublicKey::parse("k.pub", &line).unwrap(), key);
        prop_assert_eq!(harness::public_key(line.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn member_files(m in prop_oneof![member(false), member(true)]) {
        let text = m.to_toml().unwrap();
        prop_assert_eq!(Member::parse("keys/m.toml", &text).unwrap(), m);
        prop_assert_eq!(harness::member(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn members_and_allowed_signers(
        in_force in btree_map(member_id(), member(false), 1..4),
        former in btree_map(member_id(), member(true), 0..3),
    ) {
        let mut members = Members::default();
        for (id, mut m) in in_force {
            m.id = id;
            members.by_id.insert(m.id.clone(), m);
        }
        for (id, mut m) in former {
            if !members.by_id.contains_key(&id) {
                m.id = id;
                members.former.insert(m.id.clone(), m);
            }
        }
        let files = members.files().unwrap();
        let signers = &files.last().unwrap().1;
        prop_assert_eq!(
            signers.lines().count(),
            members.everyone().map(|m| 1 + m.previous_keys.len()).sum::<usize>()
        );
        prop_assert_eq!(Members::load(&MemTree::of(files)).unwrap(), members);
    }

    #[test]
    fn governance_files(g in governance()) {
        let text = to_toml(&g).unwrap();
        prop_assert_eq!(Governance::parse(&text).unwrap(), g);
        prop_assert_eq!(harness::governance(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn proposal_files(f in proposal_file()) {
        let text = to_toml(&f).unwrap();
        prop_assert_eq!(ProposalFile::parse("proposal.toml", &text).unwrap(), f);
        prop_assert_eq!(harness::proposal(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn decision_files(date in date(), electorate in vec(member_id(), 0..6)) {
        let d = Decision { outcome: Outcome::Adopted, date, electorate };
        let text = to_toml(&d).unwrap();
        prop_assert_eq!(from_toml::<Decision>("decision.toml", &text).unwrap(), d);
        prop_assert_eq!(harness::decision(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn review_files(r in review()) {
        let text = to_toml(&r).unwrap();
        prop_assert_eq!(Review::parse(r.year, &text).unwrap(), r);
        prop_assert_eq!(harness::review(text.as_bytes()), Verdict::Accepted);
    }

    // An empty index is refused (see the unit test of Index::parse).
    #[test]
    fn charter_index(principles in btree_set(principle_id(), 1..12)) {
        let index = Index { principles: principles.into_iter().collect() };
        let text = index.to_toml();
        prop_assert_eq!(Index::parse(&text).unwrap(), index);
        prop_assert_eq!(harness::charter_index(text.as_bytes()), Verdict::Accepted);
    }

    #[test]
    fn principle_texts(title in line(), body in vec(line(), 1..5)) {
        let title = title.trim().to_string();
        let body = body.join("\n").trim().to_string();
        prop_assume!(!title.is_empty() && !body.is_empty());
        let raw = format!("# {title}\n\n{body}\n");
        let t = Text::parse("charter/p.en.md", &raw).unwrap();
        prop_assert_eq!((t.title, t.body, t.raw), (title, body, raw.clone()));
        prop_assert_eq!(harness::principle_text(raw.as_bytes()), Verdict::Accepted);
    }
}

proptest! {
    // Key files and signatures: fewer cases, each signs.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn private_keys_sign_what_their_public_key_verifies(seed in any::<[u8; 32]>(), msg in vec(any::<u8>(), 0..200)) {
        let file = private_key_file(seed);
        let no_pass = |p: &Path| -> Result<String, KeyError> { Err(KeyError::key(p.display().to_string(), "none")) };
        let key = SigningKey::parse(Path::new("k"), file.as_bytes(), &no_pass).unwrap();
        prop_assert_eq!(harness::private_key(file.as_bytes()), Verdict::Accepted);
        let signature = key.sign("charter", &msg).unwrap();
        let parsed = sshsig::parse(signature.as_bytes()).unwrap();
        prop_assert_eq!(parsed.namespace.as_slice(), b"charter");
        prop_assert_eq!(harness::armor(&parsed), signature.clone());
        prop_assert_eq!(harness::sshsig(signature.as_bytes()), Verdict::Accepted);
        prop_assert_eq!(key.public().verify("charter", &msg, &signature), Ok(()));
        let mut other = msg.clone();
        other.push(b'!');
        prop_assert!(key.public().verify("charter", &other, &signature).is_err());
    }
}

/// Every id a proposal file names is a slug; check the set the strategies
/// draw from is what the parsers accept, edges included.
#[test]
fn strategy_edges_are_valid() {
    let longest = format!("{}-{}", "a".repeat(31), "b".repeat(32));
    assert_eq!(longest.len(), 64);
    assert!(longest.parse::<MemberId>().is_ok());
    assert!(ProposalId::new(9999, u32::MAX, &"a".repeat(40)).is_ok());
    let edges: BTreeSet<&str> = [clock::EARLIEST, clock::LATEST].into();
    for e in edges {
        let t = clock::parse_timestamp(e).unwrap();
        assert_eq!(clock::format(&t), e);
    }
}
