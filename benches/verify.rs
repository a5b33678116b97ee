//! Verification speed against its yardstick: the bare cost of checking the
//! same signatures in a tight loop (DESIGN.md §9).
//!
//! `cargo bench --bench verify [-- PROPOSALS]` builds a governance repository
//! of five members with PROPOSALS adopted amendments (default 100), then
//! times a full `verify` and the tight loop, and prints both and their ratio.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use charter::crypto::key::SigningKey;
use charter::model::act::Act;
use charter::process::group::{Change, Draft, Founder, Group, InitOptions};
use charter::store::repo::Repo;

const MEMBERS: [&str; 5] = ["uk", "ee", "il", "nz", "kr"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proposals: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir()?;
    let no_pass = |p: &Path| -> Result<String, charter::crypto::key::KeyError> {
        Err(charter::crypto::key::KeyError::key(
            p.display().to_string(),
            "no passphrase",
        ))
    };
    let mut keys = BTreeMap::new();
    let mut founders = Vec::new();
    for id in MEMBERS {
        let path = dir.path().join(id);
        let public = charter::crypto::key::generate(&path, id)?;
        founders.push(Founder {
            id: id.parse()?,
            name: None,
            key: public,
            attestation: None,
        });
        keys.insert(id, SigningKey::load(&path, &no_pass)?);
    }
    let repo_dir = dir.path().join("group");
    let mut now = charter::model::clock::parse_timestamp("2020-01-01T00:00:00Z")?;
    charter::process::group::init(
        &repo_dir,
        InitOptions {
            template: &charter::model::template::D5,
            attestation_roots: Vec::new(),
            name: "Bench".into(),
            founders,
            key: &keys["uk"],
            now,
        },
    )?;
    let group = Group::open(&repo_dir)?;
    let built = Instant::now();
    for i in 0..proposals {
        now += chrono::Duration::hours(1);
        let mut texts = BTreeMap::new();
        texts.insert(
            "en".parse()?,
            format!("# Open source\n\nVersion {i} in English.\n"),
        );
        texts.insert(
            "fr".parse()?,
            format!("# Logiciel libre\n\nVersion {i} en français.\n"),
        );
        let draft = Draft {
            change: Change::Amend {
                principle: "open-source".parse()?,
                texts,
            },
            title: None,
            deadline: None,
            review: None,
            unchanged: Vec::new(),
        };
        let id = group.propose(&keys["uk"], draft, now)?;
        group.act(&keys["ee"], id.as_str(), Act::Second, None, now)?;
        for who in ["il", "nz", "kr"] {
            group.act(&keys[who], id.as_str(), Act::Accept, None, now)?;
        }
    }
    eprintln!(
        "built {proposals} adopted amendments in {:.1?}",
        built.elapsed()
    );

    let repo = Repo::open(&repo_dir)?;
    let root = repo.root()?;
    let start = Instant::now();
    let summary = charter::verify::verify(&repo, root)?.map_err(|v| v.to_string())?;
    let full = start.elapsed();

    // The yardstick: the same signatures, checked strictly, nothing else.
    let state = group.state()?;
    let mut records = Vec::new();
    for id in state.proposal_ids()? {
        let p = state.proposal(&id)?;
        for r in p.records {
            let key = state
                .members()?
                .get(&r.act.message.signer)
                .map(|m| m.key.clone());
            records.push((r.act, key.ok_or("signer not a member")?));
        }
    }
    let start = Instant::now();
    for (act, key) in &records {
        act.verify(key).map_err(|e| e.to_string())?;
    }
    let bare = start.elapsed();
    println!(
        "verify --full: {} commits, {} signatures in {:.1?}; bare signature loop: {} signatures in {:.1?}; ratio {:.1}",
        summary.commits,
        summary.signatures,
        full,
        records.len(),
        bare,
        full.as_secs_f64() / bare.as_secs_f64().max(1e-9)
    );
    Ok(())
}
