//! The index's files in the clone: `index/decisions` (the decisions and
//! checkpoints of the line) and `index/signatures-<year>` (the signed acts
//! of that year's decisions, by proposal folder, for `report`). Each is a
//! header line, the SHA-256 of the body, and the body in JSON; a file that
//! does not read back exactly so is as good as absent.

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Index, Signatory};
use crate::history::diff::Changes;
use crate::model::error::{Error, Result};
use crate::store::repo::Repo;
use crate::store::Oid;

const DECISIONS: &str = "index/decisions";
const HEADER: &str = "charter index v1";
/// Far beyond any real index (a federation's is a few MB): a larger file
/// is not read.
const LIMIT: u64 = 256 << 20;

fn signatures_file(year: i32) -> String {
    format!("index/signatures-{year}")
}

fn diffs_file(year: i32) -> String {
    format!("index/diffs-{year}")
}

/// The differences kept for the amendments of `year`, by proposal folder.
pub(super) fn load_diffs(repo: &Repo, year: i32) -> HashMap<Oid, Changes> {
    let kept: BTreeMap<String, Changes> = read(repo, &diffs_file(year)).unwrap_or_default();
    kept.into_iter()
        .filter_map(|(folder, changes)| Some((oid::parse(&folder)?, changes)))
        .collect()
}

/// Keeps exactly `diffs` for `year`: the amendments of a report.
pub(super) fn save_diffs(repo: &Repo, year: i32, diffs: &HashMap<Oid, Changes>) -> Result<()> {
    let kept: BTreeMap<String, &Changes> = diffs.iter().map(|(k, v)| (k.to_string(), v)).collect();
    write(repo, &diffs_file(year), &kept)
}

/// The clone's index, if it reads back as written.
pub(super) fn load(repo: &Repo) -> Option<Index> {
    let mut index: Index = read(repo, DECISIONS)?;
    index.rebuilt = false;
    Some(index)
}

/// The signatures kept for the decisions of `year`, by folder.
pub(super) fn load_signatories(repo: &Repo, year: i32) -> Option<HashMap<Oid, Vec<Signatory>>> {
    let kept: BTreeMap<String, Vec<Signatory>> = read(repo, &signatures_file(year))?;
    let mut out = HashMap::new();
    for (folder, signatures) in kept {
        out.insert(oid::parse(&folder)?, signatures);
    }
    Some(out)
}

/// Saves the signatures read since the index was loaded, then the index:
/// a crash in between leaves an older index, which the next command
/// extends again. After a rebuild every file is written afresh.
pub(super) fn save(repo: &Repo, index: &Index) -> Result<()> {
    let mut years: BTreeMap<i32, BTreeMap<String, Vec<Signatory>>> = BTreeMap::new();
    for (folder, (year, signatures)) in &index.fresh {
        if let Some(year) = year {
            years
                .entry(*year)
                .or_default()
                .insert(folder.to_string(), signatures.clone());
        }
    }
    for (year, fresh) in years {
        let mut kept: BTreeMap<String, Vec<Signatory>> = match index.rebuilt {
            true => BTreeMap::new(),
            false => read(repo, &signatures_file(year)).unwrap_or_default(),
        };
        kept.extend(fresh);
        write(repo, &signatures_file(year), &kept)?;
    }
    write(repo, DECISIONS, index)
}

pub(super) fn read<T: DeserializeOwned>(repo: &Repo, name: &str) -> Option<T> {
    let bytes = repo.state_bytes(name, LIMIT)?;
    let rest = bytes.strip_prefix(format!("{HEADER}\n").as_bytes())?;
    let newline = rest.iter().position(|b| *b == b'\n')?;
    let (sum, body) = (&rest[..newline], &rest[newline + 1..]);
    if sum != hex(&Sha256::digest(body)).as_bytes() {
        return None;
    }
    serde_json::from_slice(body).ok()
}

pub(super) fn write<T: Serialize>(repo: &Repo, name: &str, value: &T) -> Result<()> {
    let body = serde_json::to_vec(value)
        .map_err(|e| Error::Invalid(format!("cannot write the index: {e}")))?;
    let mut bytes = format!("{HEADER}\n{}\n", hex(&Sha256::digest(&body))).into_bytes();
    bytes.extend_from_slice(&body);
    repo.record_state(name, &bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Commit and tree ids as their 40 hex digits, and nothing else.
pub(super) mod oid {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::store::Oid;

    pub fn parse(text: &str) -> Option<Oid> {
        let hex = text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit());
        hex.then(|| Oid::from_str(text).ok()).flatten()
    }

    pub fn serialize<S: Serializer>(id: &Oid, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(id)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Oid, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("not a commit id"))
    }
}

/// A list of member ids as one string, the ids separated by spaces: a
/// federation's decisions name some 200,000 acceptors, and one string
/// each reads several times faster than as many JSON strings.
pub(super) mod ids {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::model::id::MemberIds;

    pub fn serialize<S: Serializer>(ids: &MemberIds, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(ids.as_spaced())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MemberIds, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        MemberIds::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An optional id, as [`oid`].
pub(super) mod opt_oid {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::store::Oid;

    pub fn serialize<S: Serializer>(id: &Option<Oid>, s: S) -> Result<S::Ok, S::Error> {
        crate::store::serialize_oid(id, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Oid>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => super::oid::parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("not a commit id")),
            None => Ok(None),
        }
    }
}
