//! Members: `keys/<member>.toml`, and `keys/allowed_signers` generated from
//! them for `ssh-keygen -Y verify` and git.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{from_toml, Error, Result};
use crate::id::MemberId;
use crate::key::PublicKey;
use crate::snapshot::Snapshot;

pub const DIR: &str = "keys";
pub const ALLOWED_SIGNERS: &str = "keys/allowed_signers";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
    id: MemberId,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organisation: Option<String>,
    joined: String,
    key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub organisation: Option<String>,
    pub joined: String,
    pub key: PublicKey,
}

impl Member {
    pub fn path(id: &MemberId) -> String {
        format!("{DIR}/{id}.toml")
    }

    pub fn parse(path: &str, text: &str) -> Result<Self> {
        let f: MemberFile = from_toml(path, text)?;
        if crate::clock::parse_timestamp(&f.joined).is_err() {
            return Err(Error::parse(path, "joined is not an RFC 3339 date-time"));
        }
        if f.name.trim().is_empty() || f.name.contains('\n') {
            return Err(Error::parse(path, "name must be one non-empty line"));
        }
        let key = PublicKey::parse(path, &f.key)?;
        Ok(Self {
            id: f.id,
            name: f.name,
            organisation: f.organisation,
            joined: f.joined,
            key,
        })
    }

    pub fn to_toml(&self) -> Result<String> {
        crate::error::to_toml(&MemberFile {
            id: self.id.clone(),
            name: self.name.clone(),
            organisation: self.organisation.clone(),
            joined: self.joined.clone(),
            key: self.key.to_openssh(),
        })
    }
}

/// The members in force in one tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Members {
    pub by_id: BTreeMap<MemberId, Member>,
}

impl Members {
    /// Loads every member file; `allowed_signers` must be exactly what the
    /// member files generate, so OpenSSH and this tool never disagree.
    pub fn load(snap: &Snapshot) -> Result<Self> {
        let mut by_id = BTreeMap::new();
        for entry in snap.list(DIR)? {
            let path = format!("{DIR}/{}", entry.name);
            if entry.name == "allowed_signers" {
                continue;
            }
            let Some(stem) = entry.name.strip_suffix(".toml").filter(|_| !entry.is_dir) else {
                return Err(Error::parse(
                    &path,
                    "not a member file (keys/<member>.toml)",
                ));
            };
            let member = Member::parse(&path, &snap.blob_text(&path, entry.id)?)?;
            if member.id.as_str() != stem {
                return Err(Error::parse(
                    &path,
                    format!("id '{}' does not match the file name", member.id),
                ));
            }
            by_id.insert(member.id.clone(), member);
        }
        let members = Self { by_id };
        members.check_unique_keys()?;
        let written = snap.read(ALLOWED_SIGNERS)?.unwrap_or_default();
        if written != members.allowed_signers() {
            return Err(Error::parse(
                ALLOWED_SIGNERS,
                "does not match the member files in keys/",
            ));
        }
        Ok(members)
    }

    fn check_unique_keys(&self) -> Result<()> {
        let mut seen: BTreeMap<String, &MemberId> = BTreeMap::new();
        for m in self.by_id.values() {
            if let Some(other) = seen.insert(m.key.to_openssh(), &m.id) {
                return Err(Error::parse(
                    Member::path(&m.id),
                    format!("the same key is registered for '{other}'"),
                ));
            }
        }
        Ok(())
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

    pub fn by_key(&self, key: &PublicKey) -> Option<&Member> {
        self.by_id.values().find(|m| &m.key == key)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// OpenSSH's allowed-signers format; the namespaces option limits each key
    /// to acts and git commits.
    pub fn allowed_signers(&self) -> String {
        self.by_id
            .values()
            .map(|m| {
                format!(
                    "{} namespaces=\"charter,git\" {}\n",
                    m.id,
                    m.key.to_openssh()
                )
            })
            .collect()
    }
}
