//! Members: `keys/<member>.toml` for members in force, `keys/former/<member>.toml`
//! for those who left or were removed, and `keys/allowed_signers` generated
//! from both for `ssh-keygen -Y verify` and git. A member file keeps the
//! history of its keys, so old signatures are judged by the key of their time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::crypto::attestation::Attestation;
use crate::crypto::key::PublicKey;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{from_toml, Error, Result};
use crate::model::id::MemberId;
use crate::model::refusal::Registration;
use crate::model::tree::Tree;

pub const DIR: &str = "keys";
pub const FORMER_DIR: &str = "keys/former";
pub const ALLOWED_SIGNERS: &str = "keys/allowed_signers";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    key: String,
    from: String,
    until: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
    id: MemberId,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organisation: Option<String>,
    joined: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    left: Option<String>,
    key: String,
    /// When the current key took effect (default: joined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_since: Option<String>,
    /// The current key's attestation (a security key's, where
    /// governance.toml asks for one), base64, and its challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attestation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attestation_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    previous_keys: Vec<KeyFile>,
}

/// A key a member held from one time until another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastKey {
    pub key: PublicKey,
    pub from: Timestamp,
    pub until: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub organisation: Option<String>,
    pub joined: Timestamp,
    /// Set for a former member.
    pub left: Option<Timestamp>,
    pub key: PublicKey,
    pub key_since: Timestamp,
    /// The current key's attestation, as registered with it.
    pub attestation: Option<Attestation>,
    pub previous_keys: Vec<PastKey>,
}

impl Member {
    pub fn new(
        id: MemberId,
        name: String,
        organisation: Option<String>,
        key: PublicKey,
        joined: Timestamp,
    ) -> Self {
        Self {
            id,
            name,
            organisation,
            joined,
            left: None,
            key,
            key_since: joined,
            attestation: None,
            previous_keys: Vec::new(),
        }
    }

    pub fn path(id: &MemberId) -> String {
        format!("{DIR}/{id}.toml")
    }

    pub fn former_path(id: &MemberId) -> String {
        format!("{FORMER_DIR}/{id}.toml")
    }

    /// Where this member's file lives: `keys/` or `keys/former/`.
    pub fn file_path(&self) -> String {
        if self.left.is_some() {
            Self::former_path(&self.id)
        } else {
            Self::path(&self.id)
        }
    }

    pub fn parse(path: &str, text: &str) -> Result<Self> {
        let f: MemberFile = from_toml(path, text)?;
        let time = |field: &str, s: &str| {
            clock::parse_timestamp(s)
                .map_err(|_| Error::parse(path, format!("{field} is not an RFC 3339 date-time")))
        };
        if f.name.trim().is_empty() || f.name.contains('\n') {
            return Err(Error::parse(path, "name must be one non-empty line"));
        }
        let joined = time("joined", &f.joined)?;
        let left = f.left.as_deref().map(|l| time("left", l)).transpose()?;
        let key_since = match &f.key_since {
            Some(s) => time("key_since", s)?,
            None => joined,
        };
        let mut previous_keys = Vec::new();
        for k in &f.previous_keys {
            previous_keys.push(PastKey {
                key: PublicKey::parse(path, &k.key)?,
                from: time("previous_keys.from", &k.from)?,
                until: time("previous_keys.until", &k.until)?,
            });
        }
        let attestation = attestation_fields(
            path,
            f.attestation.as_deref(),
            f.attestation_challenge.as_deref(),
        )?;
        Ok(Self {
            id: f.id,
            name: f.name,
            organisation: f.organisation,
            joined,
            left,
            key: PublicKey::parse(path, &f.key)?,
            key_since,
            attestation,
            previous_keys,
        })
    }

    pub fn to_toml(&self) -> Result<String> {
        crate::model::error::to_toml(&MemberFile {
            id: self.id.clone(),
            name: self.name.clone(),
            organisation: self.organisation.clone(),
            joined: clock::format(&self.joined),
            left: self.left.as_ref().map(clock::format),
            key: self.key.to_openssh(),
            key_since: (self.key_since != self.joined).then(|| clock::format(&self.key_since)),
            attestation: self.attestation.as_ref().map(Attestation::blob_base64),
            attestation_challenge: self.attestation.as_ref().map(Attestation::challenge_base64),
            previous_keys: self
                .previous_keys
                .iter()
                .map(|k| KeyFile {
                    key: k.key.to_openssh(),
                    from: clock::format(&k.from),
                    until: clock::format(&k.until),
                })
                .collect(),
        })
    }

    /// Every key this member ever held.
    pub fn all_keys(&self) -> impl Iterator<Item = &PublicKey> {
        std::iter::once(&self.key).chain(self.previous_keys.iter().map(|k| &k.key))
    }

    /// Replaces the key (and its attestation) from `when` on; the old one
    /// is kept as history, its attestation in the proposal that registered it.
    pub fn with_new_key(
        &self,
        key: PublicKey,
        attestation: Option<Attestation>,
        when: Timestamp,
    ) -> Self {
        let mut m = self.clone();
        m.attestation = attestation;
        m.previous_keys.push(PastKey {
            key: self.key.clone(),
            from: self.key_since,
            until: when,
        });
        m.key = key;
        m.key_since = when;
        m
    }

    /// Was this a member at `when`, and with which key?
    pub fn key_at(&self, when: &Timestamp) -> Option<&PublicKey> {
        if *when < self.joined || self.left.is_some_and(|l| *when >= l) {
            return None;
        }
        if *when >= self.key_since {
            return Some(&self.key);
        }
        self.previous_keys
            .iter()
            .find(|k| *when >= k.from && *when < k.until)
            .map(|k| &k.key)
    }
}

/// An attestation as a member or proposal file stores it: `attestation`
/// and `attestation_challenge`, base64, both or neither.
pub fn attestation_fields(
    path: &str,
    blob: Option<&str>,
    challenge: Option<&str>,
) -> Result<Option<Attestation>> {
    match (blob, challenge) {
        (None, None) => Ok(None),
        (Some(blob), Some(challenge)) => Attestation::from_base64(blob, challenge)
            .map(Some)
            .map_err(|e| Error::parse(path, e.to_string())),
        _ => Err(Error::parse(
            path,
            "attestation and attestation_challenge go together",
        )),
    }
}

/// A key that was once a member's and no longer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastHolder {
    pub member: MemberId,
    /// When it stopped being the member's key.
    pub until: Timestamp,
    /// The member's key now, if the member is still in the group.
    pub now: Option<PublicKey>,
}

/// The members in force in one tree, and the former ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Members {
    pub by_id: BTreeMap<MemberId, Member>,
    pub former: BTreeMap<MemberId, Member>,
}

impl Members {
    /// Loads every member file; `allowed_signers` must be exactly what the
    /// member files generate, so OpenSSH and this tool never disagree.
    pub fn load(snap: &dyn Tree) -> Result<Self> {
        let mut members = Self::default();
        for entry in snap.entries(DIR)? {
            let path = format!("{DIR}/{}", entry.name);
            if entry.name == "allowed_signers" {
                continue;
            }
            if entry.name == "former" && entry.is_dir {
                for f in snap.entries(FORMER_DIR)? {
                    let path = format!("{FORMER_DIR}/{}", f.name);
                    let m = load_one(snap, &path, &f.name, f.is_dir)?;
                    if m.left.is_none() {
                        return Err(Error::parse(&path, "a former member needs 'left'"));
                    }
                    members.former.insert(m.id.clone(), m);
                }
                continue;
            }
            let m = load_one(snap, &path, &entry.name, entry.is_dir)?;
            if m.left.is_some() {
                return Err(Error::parse(
                    &path,
                    "a member in force has no 'left'; former members live in keys/former/",
                ));
            }
            members.by_id.insert(m.id.clone(), m);
        }
        members.check_unique()?;
        let written = snap.read(ALLOWED_SIGNERS)?.unwrap_or_default();
        if written != members.allowed_signers() {
            return Err(Error::parse(
                ALLOWED_SIGNERS,
                "does not match the member files in keys/",
            ));
        }
        Ok(members)
    }

    /// No id is both in force and former, and no key is registered twice,
    /// ever.
    fn check_unique(&self) -> Result<()> {
        let mut seen: BTreeMap<[u8; 32], &MemberId> = BTreeMap::new();
        for m in self.everyone() {
            if self.by_id.contains_key(&m.id) && self.former.contains_key(&m.id) {
                return Err(Error::parse(
                    Member::former_path(&m.id),
                    "also a member in force",
                ));
            }
            for key in m.all_keys() {
                // By the ed25519 point: a security key's form of a key is
                // the same key.
                if let Some(other) = seen.insert(key.point(), &m.id) {
                    if other != &m.id {
                        return Err(Error::parse(
                            m.file_path(),
                            format!("a key of '{}' is also registered for '{other}'", m.id),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The group's genesis: when its founders joined, the earliest joining
    /// of anyone ever registered (no one joins before it).
    pub fn genesis(&self) -> Option<Timestamp> {
        self.everyone().map(|m| m.joined).min()
    }

    /// Members in force and former members.
    pub fn everyone(&self) -> impl Iterator<Item = &Member> {
        self.by_id.values().chain(self.former.values())
    }

    /// Has this id or this key ever been registered?
    pub fn ever_registered(&self, id: &MemberId, key: &PublicKey) -> Option<Registration> {
        if self.by_id.contains_key(id) || self.former.contains_key(id) {
            return Some(Registration::Id(id.clone()));
        }
        self.holder(key).map(|m| Registration::Key(m.id.clone()))
    }

    pub fn get(&self, id: &MemberId) -> Option<&Member> {
        self.by_id.get(id)
    }

    pub fn contains(&self, id: &MemberId) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &MemberId> {
        self.by_id.keys()
    }

    /// Whoever holds or held `key`, or the same ed25519 point in another
    /// form (a security key's and a plain key's): one key, one member.
    pub fn holder(&self, key: &PublicKey) -> Option<&Member> {
        self.everyone()
            .find(|m| m.all_keys().any(|k| k.same_point(key)))
    }

    /// Who held `key` before, when it is no member's key in force: a
    /// rotated or replaced key, or the key of a member who left.
    pub fn past_holder(&self, key: &PublicKey) -> Option<PastHolder> {
        let m = self.everyone().find(|m| m.all_keys().any(|k| k == key))?;
        let in_force = self.by_id.contains_key(&m.id);
        if in_force && &m.key == key {
            return None;
        }
        let until = if &m.key == key {
            m.left?
        } else {
            m.previous_keys.iter().find(|k| &k.key == key)?.until
        };
        Some(PastHolder {
            member: m.id.clone(),
            until,
            now: in_force.then(|| m.key.clone()),
        })
    }

    pub fn by_key(&self, key: &PublicKey) -> Option<&Member> {
        self.by_id.values().find(|m| &m.key == key)
    }

    /// How many members are in force in `snap`, by their files alone: what
    /// [`Members::load`]`(snap).len()` is for a tree that loads, without
    /// parsing every key.
    pub fn count_in_force(snap: &dyn Tree) -> Result<usize> {
        Ok(snap
            .entries(DIR)?
            .iter()
            .filter(|e| !e.is_dir && e.name.ends_with(".toml"))
            .count())
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Members in force at `when`, in and out of office since, with the
    /// key each held then.
    pub fn at(&self, when: &Timestamp) -> Vec<(&Member, &PublicKey)> {
        let mut out: Vec<_> = self
            .everyone()
            .filter_map(|m| m.key_at(when).map(|k| (m, k)))
            .collect();
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        out
    }

    /// OpenSSH's allowed-signers format: each key limited to acts and git
    /// commits, and to the time it was in force.
    pub fn allowed_signers(&self) -> String {
        let mut lines = Vec::new();
        for m in self.everyone() {
            for k in &m.previous_keys {
                lines.push(signer_line(&m.id, &k.key, &k.from, Some(&k.until)));
            }
            lines.push(signer_line(&m.id, &m.key, &m.key_since, m.left.as_ref()));
        }
        lines.sort();
        lines.concat()
    }

    /// Writes every member file and `allowed_signers`, for a commit.
    pub fn files(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for m in self.everyone() {
            out.push((m.file_path(), m.to_toml()?));
        }
        out.push((ALLOWED_SIGNERS.to_string(), self.allowed_signers()));
        Ok(out)
    }
}

fn load_one(snap: &dyn Tree, path: &str, name: &str, is_dir: bool) -> Result<Member> {
    let Some(stem) = name.strip_suffix(".toml").filter(|_| !is_dir) else {
        return Err(Error::parse(path, "not a member file (keys/<member>.toml)"));
    };
    let member = Member::parse(path, &snap.require(path)?)?;
    if member.id.as_str() != stem {
        return Err(Error::parse(
            path,
            format!("id '{}' does not match the file name", member.id),
        ));
    }
    Ok(member)
}

/// OpenSSH reads `YYYYMMDDHHMMSSZ` as UTC.
fn ssh_time(t: &Timestamp) -> String {
    t.format("%Y%m%d%H%M%SZ").to_string()
}

fn signer_line(
    id: &MemberId,
    key: &PublicKey,
    from: &Timestamp,
    until: Option<&Timestamp>,
) -> String {
    let mut options = format!(
        "namespaces=\"charter,git\",valid-after=\"{}\"",
        ssh_time(from)
    );
    if let Some(u) = until {
        // OpenSSH refuses a whole line whose window is a single second
        // (valid-before not after valid-after): a key replaced, or whose
        // member left, in the second it was registered is given the next
        // second too. `verify` still holds it to its own window.
        let next = from.checked_add_signed(chrono::Duration::seconds(1));
        let until = match next {
            Some(next) if u <= from => next,
            _ => *u,
        };
        options.push_str(&format!(",valid-before=\"{}\"", ssh_time(&until)));
    }
    format!("{id} {options} {}\n", key.to_openssh())
}
