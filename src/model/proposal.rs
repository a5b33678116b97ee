//! Proposals: `proposals/<year>/<id>/` holds `proposal.toml`, the complete new
//! text of every governed file it changes under `change/`, the signed records
//! under `signatures/`, and, once decided, `decision.toml`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::crypto::key::PublicKey;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{from_toml, Error, Problem, Result};
use crate::model::id::{Lang, MemberId, PrincipleId, ProposalId};
use crate::model::record::{parse_record_name, Message, SignedAct};
use crate::model::tree::{join, Tree};

pub const ROOT: &str = "proposals";
pub const FILE: &str = "proposal.toml";
pub const CHANGE: &str = "change";
pub const STATEMENT: &str = "statement.md";
pub const SIGNATURES: &str = "signatures";
pub const DECISION: &str = "decision.toml";
/// The base of a file the proposal creates.
pub const ABSENT: &str = "absent";

/// `sha256:<hex>` of a proposal's content (see [`digest`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest([u8; 32]);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(format!(
                "not a sha256 digest: '{}'",
                crate::crypto::input::echo(s)
            ))
        };
        let hex = s.strip_prefix("sha256:").ok_or_else(bad)?;
        // Lower-case hex only, as it is written: one digest, one text.
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(Digest(out))
    }
}

/// The digest of a proposal's content files, given as paths relative to the
/// proposal folder. It is the SHA-256 of the manifest `sha256sum` prints for
/// them in byte order, so anyone can recompute it with coreutils:
/// `find proposal.toml change statement.md -type f | LC_ALL=C sort | xargs sha256sum | sha256sum`.
pub fn digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Digest {
    let mut files: Vec<_> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut manifest = Sha256::new();
    for (path, bytes) in files {
        let sum = Sha256::digest(bytes);
        let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
        manifest.update(format!("{hex}  {path}\n"));
    }
    Digest(manifest.finalize().into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// New text of an existing principle.
    Amend,
    /// A new principle.
    Add,
    /// A principle removed from the charter.
    Retire,
    /// A candidate's application to join, then its admission.
    Member,
    /// The removal of a member (the others decide).
    RemoveMember,
    /// A new key for a member who lost its own (the others decide).
    ReplaceKey,
    /// A member's own departure (no vote).
    Leave,
    /// A member's own change of key, signed by both keys (no vote).
    RotateKey,
    /// A member opens the year's review of every principle (no vote).
    ReviewOpen,
    /// All members re-affirm the charter as it stands, closing the review.
    ReviewClose,
    /// A new authentic language for the whole charter.
    AddLanguage,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Amend => "amend",
            Kind::Add => "add",
            Kind::Retire => "retire",
            Kind::Member => "member",
            Kind::RemoveMember => "remove-member",
            Kind::ReplaceKey => "replace-key",
            Kind::Leave => "leave",
            Kind::RotateKey => "rotate-key",
            Kind::ReviewOpen => "review-open",
            Kind::ReviewClose => "review-close",
            Kind::AddLanguage => "add-language",
        }
    }

    /// Kinds whose effect is the files under `change/`.
    pub fn has_changes(self) -> bool {
        matches!(
            self,
            Kind::Amend | Kind::Add | Kind::Retire | Kind::AddLanguage
        )
    }

    /// Kinds that change the membership.
    pub fn is_membership(self) -> bool {
        matches!(
            self,
            Kind::Member | Kind::RemoveMember | Kind::ReplaceKey | Kind::Leave | Kind::RotateKey
        )
    }

    /// Does this kind change the charter text (rather than the members)?
    pub fn is_amendment(self) -> bool {
        matches!(self, Kind::Amend | Kind::Add | Kind::Retire)
    }

    /// Kinds only the member concerned may make: its departure, its rotation.
    pub fn is_own(self) -> bool {
        matches!(self, Kind::Leave | Kind::RotateKey)
    }

    /// Kinds a member decides alone, without a vote.
    pub fn is_unilateral(self) -> bool {
        matches!(self, Kind::Leave | Kind::RotateKey | Kind::ReviewOpen)
    }
}

/// `proposal.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalFile {
    pub kind: Kind,
    pub title: String,
    /// The member who proposes; for an application, the first member to
    /// sign `propose` is its proposer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<MemberId>,
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principle: Option<PrincipleId>,
    /// The member or candidate concerned by a membership proposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberId>,
    /// A candidate's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The key to register: a candidate's, or a member's new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// That key's attestation (a security key's, where governance.toml
    /// asks for one), base64, and its challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The annual review it belongs to (an amendment) or opens or closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<i32>,
    /// Languages an amendment leaves unchanged on purpose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchanged: Vec<Lang>,
    /// The language an add-language proposal adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Lang>,
    /// For a review's closing: the digest of the full charter re-affirmed
    /// (as `digest` computes it over `charter/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charter_digest: Option<String>,
    /// Governed files the proposal deletes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removes: Vec<String>,
    /// The git blob id of every file it changes or removes, as it stood when
    /// proposed: a proposal overtaken by another decision cannot be applied.
    pub base: BTreeMap<String, String>,
}

impl ProposalFile {
    pub fn new(kind: Kind, title: String, proposer: Option<MemberId>, now: Timestamp) -> Self {
        Self {
            kind,
            title,
            proposer,
            created: clock::format(&now),
            deadline: None,
            principle: None,
            member: None,
            name: None,
            organisation: None,
            key: None,
            attestation: None,
            attestation_challenge: None,
            reason: None,
            review: None,
            unchanged: Vec::new(),
            language: None,
            charter_digest: None,
            removes: Vec::new(),
            base: BTreeMap::new(),
        }
    }

    pub fn parse(path: &str, text: &str) -> Result<Self> {
        let f: ProposalFile = from_toml(path, text)?;
        if f.title.trim().is_empty() || f.title.contains('\n') {
            return Err(Error::parse(path, "title must be one non-empty line"));
        }
        if clock::parse_timestamp(&f.created).is_err() {
            return Err(Error::parse(path, "created is not an RFC 3339 date-time"));
        }
        if let Some(d) = &f.deadline {
            if clock::parse_timestamp(d).is_err() {
                return Err(Error::parse(path, "deadline is not an RFC 3339 date-time"));
            }
        }
        for p in f.base.keys().chain(&f.removes) {
            check_governed_path(path, p)?;
        }
        let needs = |field: &str, present: bool| {
            if present {
                Ok(())
            } else {
                Err(Error::parse(
                    path,
                    format!("a {} proposal needs '{field}'", f.kind.as_str()),
                ))
            }
        };
        if f.kind != Kind::Member {
            needs("proposer", f.proposer.is_some())?;
        }
        if f.kind.is_amendment() {
            needs("principle", f.principle.is_some())?;
        }
        if f.kind.is_membership() {
            needs("member", f.member.is_some())?;
        }
        if matches!(f.kind, Kind::ReviewOpen | Kind::ReviewClose) {
            needs("review", f.review.is_some())?;
        }
        if f.kind == Kind::AddLanguage {
            needs("language", f.language.is_some())?;
        }
        if !f.kind.has_changes()
            && f.kind != Kind::ReviewClose
            && !(f.base.is_empty() && f.removes.is_empty())
        {
            return Err(Error::parse(
                path,
                format!("a {} proposal changes no charter file", f.kind.as_str()),
            ));
        }
        if matches!(f.kind, Kind::Member | Kind::ReplaceKey | Kind::RotateKey) {
            needs("key", f.key.is_some())?;
        } else if f.attestation.is_some() || f.attestation_challenge.is_some() {
            return Err(Error::parse(
                path,
                format!("a {} proposal registers no key to attest", f.kind.as_str()),
            ));
        }
        crate::model::member::attestation_fields(
            path,
            f.attestation.as_deref(),
            f.attestation_challenge.as_deref(),
        )?;
        if f.kind == Kind::Member {
            needs(
                "name",
                f.name
                    .as_deref()
                    .is_some_and(|n| !n.trim().is_empty() && !n.contains('\n')),
            )?;
        }
        Ok(f)
    }
}

/// How a proposal carries a governed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carry {
    /// Its complete new text, under `change/`.
    Change,
    /// Listed in `removes`.
    Remove,
    /// Listed in `base`: the file as it stood when proposed.
    Base,
}

impl ProposalFile {
    /// May a proposal like this one carry governed file `path` as `how`? A
    /// proposal of one kind changes only the paths of its kind, derived
    /// from its principle or language (rule `kind-paths`):
    ///
    /// - `amend` of p: p's texts (`charter/p.<lang>.md`);
    /// - `add` of p: p's texts and `charter/index.toml`;
    /// - `retire` of p: `charter/index.toml`, and it removes p's texts;
    /// - `add-language` l: texts in l (`charter/<principle>.l.md`) and
    ///   `governance.toml`;
    /// - `review-close`: nothing, made against the charter it re-affirms
    ///   (its base: files under `charter/`);
    /// - the membership kinds and `review-open`: nothing; their effect is
    ///   computed from the proposal.
    ///
    /// What the index and governance.toml may say is checked against the
    /// tree by `rules::check_content`; that texts are in the charter's
    /// languages, too.
    pub fn may_carry(&self, how: Carry, path: &str) -> bool {
        let text = crate::model::charter::text_of(path);
        let of_principle = || {
            text.as_ref()
                .is_some_and(|(p, _)| self.principle.as_ref() == Some(p))
        };
        let index = path == crate::model::charter::INDEX;
        match (self.kind, how) {
            (Kind::Amend, Carry::Change | Carry::Base) => of_principle(),
            (Kind::Add, Carry::Change | Carry::Base) => of_principle() || index,
            (Kind::Retire, Carry::Change) => index,
            (Kind::Retire, Carry::Remove) => of_principle(),
            (Kind::Retire, Carry::Base) => index || of_principle(),
            (Kind::AddLanguage, Carry::Change | Carry::Base) => {
                path == crate::model::governance::PATH
                    || text
                        .as_ref()
                        .is_some_and(|(_, l)| self.language.as_ref() == Some(l))
            }
            (Kind::ReviewClose, Carry::Base) => {
                path.starts_with(&format!("{}/", crate::model::charter::DIR))
            }
            _ => false,
        }
    }

    /// What [`ProposalFile::may_carry`] allows this proposal, in words.
    pub fn carries(&self) -> String {
        let p = self
            .principle
            .as_ref()
            .map(PrincipleId::as_str)
            .unwrap_or("?");
        let l = self.language.as_ref().map(Lang::as_str).unwrap_or("?");
        match self.kind {
            Kind::Amend => format!("an amendment of '{p}' changes only its texts (charter/{p}.<lang>.md)"),
            Kind::Add => format!(
                "a new principle '{p}' brings only its texts (charter/{p}.<lang>.md) and charter/index.toml"
            ),
            Kind::Retire => format!(
                "retiring '{p}' changes only charter/index.toml and removes only its texts (charter/{p}.<lang>.md)"
            ),
            Kind::AddLanguage => format!(
                "a new language '{l}' brings only the texts in it (charter/<principle>.{l}.md) and governance.toml"
            ),
            Kind::ReviewClose => {
                "closing a review re-affirms the charter as it stands: it changes no file".into()
            }
            kind => format!(
                "a {} proposal changes no file itself: its effect is computed from it",
                kind.as_str()
            ),
        }
    }

    /// Checks what a proposal carries: each file of `change/`, each path
    /// `removes` and `base` list, as [`ProposalFile::may_carry`] allows, and
    /// a statement of interest only in an application. `dir` is the
    /// proposal's folder.
    pub fn check_carried<'a>(
        &self,
        dir: &str,
        changes: impl IntoIterator<Item = &'a String>,
        statement: bool,
    ) -> Result<()> {
        let file_path = join(dir, FILE);
        let refuse = |origin: String, verb, target: &str, rule: String| {
            Err(Error::file(
                origin,
                Problem::KindPath {
                    kind: self.kind.as_str(),
                    verb,
                    target: target.to_string(),
                    rule,
                },
            ))
        };
        for rel in changes {
            if !self.may_carry(Carry::Change, rel) {
                let origin = join(&join(dir, CHANGE), rel);
                return refuse(origin, "change", rel, self.carries());
            }
        }
        for rel in &self.removes {
            if !self.may_carry(Carry::Remove, rel) {
                return refuse(file_path, "remove", rel, self.carries());
            }
        }
        for rel in self.base.keys() {
            if !self.may_carry(Carry::Base, rel) {
                return refuse(file_path, "change", rel, self.carries());
            }
        }
        if statement && self.kind != Kind::Member {
            let rule = "only an application carries a statement of interest".to_string();
            return refuse(join(dir, STATEMENT), "carry", STATEMENT, rule);
        }
        Ok(())
    }
}

/// Governed files a proposal may change: the charter, members, the rules.
pub fn check_governed_path(origin: &str, p: &str) -> Result<()> {
    let parts: Vec<&str> = p.split('/').collect();
    let ok = p == crate::model::governance::PATH
        || (parts
            .iter()
            .all(|c| !c.is_empty() && *c != "." && *c != "..")
            && matches!(
                parts.as_slice(),
                ["charter" | "keys" | "reviews", _] | ["keys", "former", _]
            ));
    if ok {
        Ok(())
    } else {
        Err(Error::parse(
            origin,
            format!("'{p}' is not a governed file"),
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Adopted,
}

/// `decision.toml`: written by the finalization, checked by `verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub outcome: Outcome,
    pub date: String,
    /// The members whose acceptance the decision needed.
    pub electorate: Vec<MemberId>,
}

/// One signed record as found in the tree.
#[derive(Clone, Debug)]
pub struct Record {
    pub path: String,
    pub act: SignedAct,
}

/// A proposal as it stands in one tree.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub id: ProposalId,
    pub file: ProposalFile,
    pub file_text: String,
    /// Governed path → proposed content.
    pub changes: BTreeMap<String, String>,
    pub statement: Option<String>,
    pub digest: Digest,
    /// The key `file.key` names, checked.
    pub new_key: Option<PublicKey>,
    /// Its attestation, if the file carries one.
    pub new_key_attestation: Option<crate::crypto::attestation::Attestation>,
    pub records: Vec<Record>,
    pub decision: Option<Decision>,
}

impl Proposal {
    pub fn load(snap: &dyn Tree, id: &ProposalId) -> Result<Self> {
        let dir = id.dir();
        let mut p = Self::load_content(snap, id)?;
        p.records = load_records(snap, &dir)?;
        p.decision = match snap.read(&join(&dir, DECISION))? {
            Some(t) => Some(from_toml(&join(&dir, DECISION), &t)?),
            None => None,
        };
        for entry in snap.entries(&dir)? {
            let known = [FILE, CHANGE, STATEMENT, SIGNATURES, DECISION];
            if !known.contains(&entry.name.as_str()) {
                return Err(Error::parse(
                    join(&dir, &entry.name),
                    "unknown file in a proposal",
                ));
            }
        }
        Ok(p)
    }

    /// Its `proposal.toml` alone: enough to tell a proposal past its
    /// deadline without reading what it proposes.
    pub fn load_file(snap: &dyn Tree, id: &ProposalId) -> Result<ProposalFile> {
        let path = join(&id.dir(), FILE);
        ProposalFile::parse(&path, &snap.require(&path)?)
    }

    /// What the proposal proposes (`proposal.toml`, `change/`,
    /// `statement.md`), without its records or decision: for a reader that
    /// shows the change, not who signed it.
    pub fn load_content(snap: &dyn Tree, id: &ProposalId) -> Result<Self> {
        let dir = id.dir();
        let file_text = snap.require(&join(&dir, FILE))?;
        let mut changes = BTreeMap::new();
        for rel in snap.files(&join(&dir, CHANGE))? {
            let path = join(&join(&dir, CHANGE), &rel);
            check_governed_path(&path, &rel)?;
            changes.insert(rel, snap.require(&path)?);
        }
        let statement = snap.read(&join(&dir, STATEMENT))?;
        Self::from_parts(id, file_text, changes, statement)
    }

    /// A proposal from its content files, with no records yet: how a new
    /// proposal is checked before it is written, and how a stored one is read.
    pub fn from_parts(
        id: &ProposalId,
        file_text: String,
        changes: BTreeMap<String, String>,
        statement: Option<String>,
    ) -> Result<Self> {
        let file_path = join(&id.dir(), FILE);
        let file = ProposalFile::parse(&file_path, &file_text)?;
        file.check_carried(&id.dir(), changes.keys(), statement.is_some())?;
        for rel in changes.keys().chain(&file.removes) {
            if !file.base.contains_key(rel) {
                return Err(Error::parse(
                    &file_path,
                    format!("no base given for '{rel}'"),
                ));
            }
        }
        let change_paths: Vec<String> = changes.keys().map(|k| format!("{CHANGE}/{k}")).collect();
        let mut content: Vec<(&str, &[u8])> = vec![(FILE, file_text.as_bytes())];
        content.extend(
            change_paths
                .iter()
                .map(String::as_str)
                .zip(changes.values().map(|t| t.as_bytes())),
        );
        if let Some(s) = &statement {
            content.push((STATEMENT, s.as_bytes()));
        }
        let digest = digest(content);
        let new_key = match &file.key {
            Some(k) => Some(PublicKey::parse(&file_path, k)?),
            None => None,
        };
        let new_key_attestation = crate::model::member::attestation_fields(
            &file_path,
            file.attestation.as_deref(),
            file.attestation_challenge.as_deref(),
        )?;
        Ok(Self {
            id: id.clone(),
            file,
            file_text,
            changes,
            statement,
            digest,
            new_key,
            new_key_attestation,
            records: Vec::new(),
            decision: None,
        })
    }

    /// The content files as stored, relative to the proposal folder.
    pub fn content_files(&self) -> Vec<(String, String)> {
        let mut out = vec![(FILE.to_string(), self.file_text.clone())];
        for (path, text) in &self.changes {
            out.push((format!("{CHANGE}/{path}"), text.clone()));
        }
        if let Some(s) = &self.statement {
            out.push((STATEMENT.to_string(), s.clone()));
        }
        out
    }

    pub fn created(&self) -> Option<Timestamp> {
        clock::parse_timestamp(&self.file.created).ok()
    }

    pub fn deadline(&self) -> Option<Timestamp> {
        self.file
            .deadline
            .as_deref()
            .and_then(|d| clock::parse_timestamp(d).ok())
    }

    pub fn acts(&self) -> impl Iterator<Item = &Message> {
        self.records.iter().map(|r| &r.act.message)
    }

    /// The proposer: named in the file, or, for an application, the first
    /// member who signed `propose`.
    pub fn proposer(&self) -> Option<&MemberId> {
        self.file.proposer.as_ref().or_else(|| {
            self.acts()
                .find(|m| m.act == crate::model::act::Act::Propose)
                .map(|m| &m.signer)
        })
    }
}

fn load_records(snap: &dyn Tree, dir: &str) -> Result<Vec<Record>> {
    let sig_dir = join(dir, SIGNATURES);
    let entries = snap.entries(&sig_dir)?;
    let mut records = Vec::new();
    for e in &entries {
        if e.is_dir {
            return Err(not_a_record(&join(&sig_dir, &e.name)));
        }
        records.extend(load_record(snap, &sig_dir, &e.name)?);
    }
    for e in &entries {
        if let Some(stem) = e.name.strip_suffix(".sig") {
            if !entries.iter().any(|m| m.name == format!("{stem}.msg")) {
                return Err(Error::parse(join(&sig_dir, &e.name), "missing its .msg"));
            }
        }
    }
    sort_records(&mut records);
    Ok(records)
}

fn not_a_record(path: &str) -> Error {
    Error::parse(path, "not a signed record (<member>.<act>.msg or .sig)")
}

/// The record a file of `signatures/` holds, read with its `.sig`; `None`
/// for a `.sig`, which its `.msg` reads.
fn load_record(snap: &dyn Tree, sig_dir: &str, name: &str) -> Result<Option<Record>> {
    let path = join(sig_dir, name);
    let Some((signer, act, ext)) = parse_record_name(name) else {
        return Err(not_a_record(&path));
    };
    if ext != "msg" {
        return Ok(None);
    }
    let stem = name.trim_end_matches(".msg");
    let sig_path = join(sig_dir, &format!("{stem}.sig"));
    let text = snap.require(&path)?;
    let signature = snap
        .read_lossy(&sig_path)?
        .ok_or_else(|| Error::parse(&sig_path, "missing: every .msg needs its .sig"))?;
    let message = Message::parse(&text).map_err(|err| Error::parse(&path, err))?;
    if message.signer != signer || message.act != act {
        return Err(Error::parse(
            &path,
            "the file name does not match the signer and act inside",
        ));
    }
    Ok(Some(Record {
        path,
        act: SignedAct { message, signature },
    }))
}

/// Replay order: by time, then by the process order of acts.
fn sort_records(records: &mut [Record]) {
    records.sort_by(|a, b| {
        let (x, y) = (&a.act.message, &b.act.message);
        (x.date, x.act, &a.path).cmp(&(y.date, y.act, &b.path))
    });
}

/// What one step added to a proposal that stood before it.
pub struct Added {
    /// The new records, in replay order.
    pub records: Vec<Record>,
    pub decision: Option<Decision>,
}

impl Proposal {
    /// What a step that added `added` (paths relative to this proposal's
    /// folder) in `snap` brings to it, reading only the added files and
    /// making on them the checks [`Proposal::load`] makes. `None` when the
    /// step added anything but records and `decision.toml`: only a full
    /// load judges that.
    pub fn added(&self, snap: &dyn Tree, added: &[String]) -> Result<Option<Added>> {
        let dir = self.id.dir();
        let sig_dir = join(&dir, SIGNATURES);
        let mut names = Vec::new();
        let mut decided = false;
        for rel in added {
            match rel
                .strip_prefix(SIGNATURES)
                .and_then(|r| r.strip_prefix('/'))
            {
                Some(name) if !name.contains('/') => names.push(name),
                _ if rel == DECISION && self.decision.is_none() => decided = true,
                _ => return Ok(None),
            }
        }
        names.sort_unstable();
        let mut records = Vec::new();
        for name in &names {
            records.extend(load_record(snap, &sig_dir, name)?);
        }
        for name in &names {
            if let Some(stem) = name.strip_suffix(".sig") {
                if snap
                    .content_id(&join(&sig_dir, &format!("{stem}.msg")))
                    .is_none()
                {
                    return Err(Error::parse(join(&sig_dir, name), "missing its .msg"));
                }
            }
        }
        sort_records(&mut records);
        let decision = if decided {
            let path = join(&dir, DECISION);
            Some(from_toml(&path, &snap.require(&path)?)?)
        } else {
            None
        };
        Ok(Some(Added { records, decision }))
    }

    /// Puts the records back in replay order after new ones were pushed.
    pub fn sort_records(&mut self) {
        sort_records(&mut self.records);
    }
}

/// Does proposal `id` hold a decision in `snap`? Read from the folder's
/// listing alone: a decided proposal is never open, so a search for open
/// ones need not read it.
pub fn has_decision(snap: &dyn Tree, id: &ProposalId) -> bool {
    snap.content_id(&join(&id.dir(), DECISION)).is_some()
}

/// Every proposal id present in a tree, oldest year first.
pub fn list(snap: &dyn Tree) -> Result<Vec<ProposalId>> {
    let mut out = Vec::new();
    for year in snap.entries(ROOT)? {
        let year_path = join(ROOT, &year.name);
        if !year.is_dir || year.name.parse::<i32>().is_err() {
            return Err(Error::parse(year_path, "not a year folder"));
        }
        out.extend(list_year(snap, &year.name)?);
    }
    out.sort();
    Ok(out)
}

/// The proposal ids filed under year folder `year` (none if absent).
pub fn list_year(snap: &dyn Tree, year: &str) -> Result<Vec<ProposalId>> {
    let year_path = join(ROOT, year);
    let mut out = Vec::new();
    for p in snap.entries(&year_path)? {
        let path = join(&year_path, &p.name);
        let id: ProposalId = p.name.parse().map_err(|e| Error::parse(&path, e))?;
        if id.year().to_string() != year || !p.is_dir {
            return Err(Error::parse(path, "proposal filed under the wrong year"));
        }
        out.push(id);
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_sha256sum_manifest() {
        // printf 'a' > proposal.toml; printf 'b' > change/x
        // sha256sum change/x proposal.toml | sha256sum
        let d = digest([("proposal.toml", &b"a"[..]), ("change/x", &b"b"[..])]);
        let manifest = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  change/x\n\
                        ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  proposal.toml\n";
        let expected = Sha256::digest(manifest.as_bytes());
        assert_eq!(d.0, <[u8; 32]>::from(expected));
        assert_eq!(d.to_string().parse::<Digest>().unwrap(), d);
        let text = d.to_string();
        for other in [
            text.to_uppercase().replace("SHA256", "sha256"),
            format!("sha256:+{}", &text[8..]),
        ] {
            assert!(other.parse::<Digest>().is_err(), "{other}");
        }
    }

    #[test]
    fn each_kind_carries_the_paths_of_its_principle_or_language() {
        let file = |kind, principle: Option<&str>, language: Option<&str>| {
            let mut f = ProposalFile::new(kind, "t".into(), None, clock::latest());
            f.principle = principle.map(|p| p.parse().unwrap());
            f.language = language.map(|l| l.parse().unwrap());
            f
        };
        let (own, other, index) = (
            "charter/open-source.en.md",
            "charter/open-markets.en.md",
            crate::model::charter::INDEX,
        );
        let gov = crate::model::governance::PATH;
        let amend = file(Kind::Amend, Some("open-source"), None);
        let add = file(Kind::Add, Some("open-source"), None);
        let retire = file(Kind::Retire, Some("open-source"), None);
        let language = file(Kind::AddLanguage, None, Some("de"));
        let close = file(Kind::ReviewClose, None, None);
        let member = file(Kind::Member, None, None);
        for (f, how, path, ok) in [
            (&amend, Carry::Change, own, true),
            (&amend, Carry::Change, other, false),
            (&amend, Carry::Change, index, false),
            (&amend, Carry::Remove, own, false),
            (&add, Carry::Change, index, true),
            (&add, Carry::Change, other, false),
            (&add, Carry::Remove, own, false),
            (&retire, Carry::Change, index, true),
            (&retire, Carry::Change, own, false),
            (&retire, Carry::Remove, own, true),
            (&retire, Carry::Remove, other, false),
            (&retire, Carry::Base, own, true),
            (&language, Carry::Change, "charter/open-markets.de.md", true),
            (&language, Carry::Change, gov, true),
            (&language, Carry::Change, own, false),
            (&language, Carry::Change, index, false),
            (&close, Carry::Base, own, true),
            (&close, Carry::Change, own, false),
            (&member, Carry::Change, "keys/jp.toml", false),
        ] {
            assert_eq!(f.may_carry(how, path), ok, "{:?} {how:?} {path}", f.kind);
        }
    }

    #[test]
    fn governed_paths_only() {
        for ok in ["charter/a.en.md", "keys/uk.toml", "governance.toml"] {
            assert!(check_governed_path("p", ok).is_ok(), "{ok}");
        }
        for bad in [
            "charter/../x",
            "proposals/x",
            "charter/a/b",
            "README.md",
            "keys/",
        ] {
            assert!(check_governed_path("p", bad).is_err(), "{bad}");
        }
    }
}
