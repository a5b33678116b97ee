//! The fuzzing harness: one function per format `charter` reads from a
//! repository or from a user, each giving arbitrary bytes to the library's
//! own entry point and checking cheap invariants besides "no panic" (parse,
//! write, parse again gives the same value; an accepted text is canonical),
//! and [`repository`], which commits a fuzzed record file into a real group
//! and verifies it.
//!
//! The same file is the library of the fuzz crate (`fuzz/fuzz_targets/*.rs`
//! call it) and a module of the integration tests
//! (`tests/it/fuzz_regressions.rs` includes it), so the seed corpus and
//! every saved crash run through exactly this code under `cargo test`. It
//! names only `charter`, `tempfile` and `std`. Each function panics when an
//! invariant breaks and otherwise says whether the input was accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use charter::crypto::key::{KeyError, PublicKey, SigningKey};
use charter::crypto::sshsig;
use charter::model::act::Act;
use charter::model::charter::{Charter, Index, Text};
use charter::model::clock::{self, Timestamp};
use charter::model::error::{from_toml, to_toml};
use charter::model::governance::Governance;
use charter::model::id::{slugify, Lang, MemberId, PrincipleId, ProposalId};
use charter::model::member::{Member, Members};
use charter::model::proposal::{self, Decision, Digest, Proposal, ProposalFile};
use charter::model::record::{parse_record_name, Message};
use charter::model::review::Review;
use charter::model::statement;
use charter::model::tree::{Entry, Tree};
use charter::process::group::{Change, Draft, Founder, Group, InitOptions};
use charter::process::membership::Application;
use charter::store::repo::{Committer, Edits, Repo};
use charter::store::Oid;

/// What the library made of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Refused,
}

use Verdict::{Accepted, Refused};

fn verdict<T, E>(r: &Result<T, E>) -> Verdict {
    if r.is_ok() {
        Accepted
    } else {
        Refused
    }
}

/// Text files of a repository must be UTF-8: the store refuses the rest
/// before any parser sees them.
fn utf8(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

// ---- Signed records ----

/// `signatures/<signer>.<act>.msg`: the canonical message of an act, and
/// the record file names.
pub fn message(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    if let Some((who, act, ext)) = parse_record_name(text) {
        assert_eq!(
            format!("{who}.{act}.{ext}"),
            text,
            "a record name is canonical"
        );
    }
    let parsed = Message::parse(text);
    if let Ok(m) = &parsed {
        assert_eq!(m.text(), text, "an accepted message is canonical");
        assert_eq!(Message::parse(&m.text()).as_ref(), Ok(m));
        assert_eq!(m.reason.is_some(), m.act == Act::Object);
        let stem = m.file_stem();
        let name = stem
            .strip_prefix("signatures/")
            .expect("a record lives in signatures/");
        let file = format!("{name}.sig");
        let (who, act, ext) = parse_record_name(&file).expect("its file name parses back");
        assert_eq!((&who, act, ext), (&m.signer, m.act, "sig"));
    }
    verdict(&parsed)
}

const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----\n";
const END: &str = "\n-----END SSH SIGNATURE-----\n";

/// An SSH wire string.
fn wire(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The armored file `ssh-keygen -Y sign` would write for these fields.
pub fn armor(sig: &sshsig::Sshsig) -> String {
    let part = |bytes: &[u8]| {
        let mut p = Vec::new();
        wire(&mut p, b"ssh-ed25519");
        wire(&mut p, bytes);
        p
    };
    let mut blob = b"SSHSIG".to_vec();
    blob.extend_from_slice(&1u32.to_be_bytes());
    wire(&mut blob, &part(&sig.public_key));
    wire(&mut blob, &sig.namespace);
    wire(&mut blob, b"");
    wire(&mut blob, sig.hash_alg.as_str().as_bytes());
    wire(&mut blob, &part(&sig.signature));
    let b64 = base64(&blob);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!("{BEGIN}{}{END}", lines.join("\n"))
}

/// The fixture key every signature is checked against (`uk`'s).
const UK_PUB: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKDdQROh/plVlCW2e8FrULOpHkqWRdpYNbcHF907wKeE uk";

/// `signatures/<signer>.<act>.sig`: SSHSIG armor, read as the store reads
/// it (bytes that are not UTF-8 replaced) and as OpenSSH does (bytes).
pub fn sshsig(data: &[u8]) -> Verdict {
    let lossy = String::from_utf8_lossy(data);
    let parsed = sshsig::parse(data);
    if let Ok(sig) = &parsed {
        let again = sshsig::parse(armor(sig).as_bytes());
        assert_eq!(
            again.as_ref(),
            Ok(sig),
            "re-armored signature reads the same"
        );
    }
    let uk = PublicKey::parse("uk.pub", UK_PUB).expect("the fixture key");
    let checked = uk.verify("charter", b"charter fuzz\n", &lossy);
    assert!(checked.is_err(), "no forged signature verifies");
    if let Ok(sig) = sshsig::parse(lossy.as_bytes()) {
        // The key the signature names, when it is one: a signature over
        // this fixed message by a key the fuzzer made cannot verify.
        let mut blob = Vec::new();
        wire(&mut blob, b"ssh-ed25519");
        wire(&mut blob, &sig.public_key);
        let line = format!("ssh-ed25519 {}", base64(&blob));
        if let Ok(key) = PublicKey::parse("sig.pub", &line) {
            let _ = key.verify("charter", b"charter fuzz\n", &lossy);
        }
    }
    verdict(&parsed)
}

// ---- Keys ----

/// A public key line, as in `keys/<member>.toml`, `--member ID=FILE` and
/// `--pubkey`; an accepted key writes `keys/allowed_signers` lines.
/// A security key's attestation (`ssh-keygen -O write-attestation`, stored
/// base64 in member and proposal files) and the challenge after it: its
/// first byte is the challenge's length, taken from the end. Checked for a
/// fixed security key under the two TEST-ONLY roots; the rest is also read
/// as the PEM of `attestation_roots`.
pub fn attestation(data: &[u8]) -> Verdict {
    use charter::crypto::attestation::{Attestation, Roots};
    static FIXED: OnceLock<(PublicKey, Roots)> = OnceLock::new();
    let (key, roots) = FIXED.get_or_init(|| {
        let key = PublicKey::parse(
            "fixed",
            "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIDEjaCY13ewKUHyfdNZApxkairJLBbW95MuUkSbAd/XKAAAABHNzaDo=",
        )
        .expect("a fixed security key");
        let roots = Roots::parse(&[
            include_str!("../../tests/fixtures/attestation/rsa-root.pem"),
            include_str!("../../tests/fixtures/attestation/ec-root.pem"),
        ])
        .expect("the test roots");
        (key, roots)
    });
    let Some((&n, rest)) = data.split_first() else {
        return Refused;
    };
    let cut = rest.len().saturating_sub(usize::from(n));
    let (blob, challenge) = rest.split_at(cut);
    let att = Attestation {
        blob: blob.to_vec(),
        challenge: challenge.to_vec(),
    };
    let again = Attestation::from_base64(&att.blob_base64(), &att.challenge_base64())
        .expect("base64 reads back");
    assert_eq!(again, att);
    if let Some(text) = utf8(rest) {
        let _ = Roots::parse(&[text]);
    }
    verdict(&att.check(key, roots, 1_767_225_600))
}

pub fn public_key(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let parsed = PublicKey::parse("fuzz.pub", text);
    if let Ok(key) = &parsed {
        let line = key.to_openssh();
        assert!(
            line.starts_with("ssh-ed25519 ") || line.starts_with("sk-ssh-ed25519@openssh.com "),
            "{line}"
        );
        let again = PublicKey::parse("again.pub", &line).expect("a written key reads back");
        assert_eq!(&again, key);
        assert_eq!(again.fingerprint(), key.fingerprint());
        let id: MemberId = "fuzz".parse().expect("an id");
        let joined = clock::parse_timestamp("2026-01-01T00:00:00Z").expect("a date");
        let m = Member::new(id.clone(), "Fuzz".into(), None, key.clone(), joined);
        let mut members = Members::default();
        members.by_id.insert(id, m.clone());
        let signers = members.allowed_signers();
        assert_eq!(
            signers,
            format!("fuzz namespaces=\"charter,git\",valid-after=\"20260101000000Z\" {line}\n")
        );
        assert_eq!(load_members(&members), members);
    }
    verdict(&parsed)
}

/// An OpenSSH private key file, as `--key` names it. No passphrase is
/// given (the KDF's rounds come from the file, and are slow by design).
pub fn private_key(data: &[u8]) -> Verdict {
    let no_pass = |p: &Path| -> Result<String, KeyError> {
        Err(KeyError::key(p.display().to_string(), "no passphrase"))
    };
    let parsed = SigningKey::parse(Path::new("fuzz.key"), data, &no_pass);
    if let Ok(key) = &parsed {
        if let Ok(sig) = key.sign("charter", b"charter fuzz\n") {
            assert_eq!(
                key.public().verify("charter", b"charter fuzz\n", &sig),
                Ok(()),
                "a loaded key signs what its public half verifies"
            );
        }
    }
    verdict(&parsed)
}

// ---- Governed files ----

/// `governance.toml`.
pub fn governance(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let parsed = Governance::parse(text);
    if let Ok(g) = &parsed {
        let written = to_toml(g).expect("governance writes");
        assert_eq!(Governance::parse(&written).as_ref().ok(), Some(g));
    }
    verdict(&parsed)
}

/// `keys/<member>.toml` (or `keys/former/`), and the `allowed_signers` the
/// members generate, which [`Members::load`] must take back.
pub fn member(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let parsed = Member::parse("keys/fuzz.toml", text);
    if let Ok(m) = &parsed {
        let written = m.to_toml().expect("a member writes");
        assert_eq!(Member::parse("again.toml", &written).as_ref().ok(), Some(m));
        let mut members = Members::default();
        if m.left.is_some() {
            members.former.insert(m.id.clone(), m.clone());
        } else {
            members.by_id.insert(m.id.clone(), m.clone());
        }
        for line in members.allowed_signers().lines() {
            assert!(line.starts_with(&format!("{} namespaces=\"charter,git\",", m.id)));
        }
        let reloaded = MemTree::of(members.files().expect("member files"));
        match Members::load(&reloaded) {
            Ok(loaded) => assert_eq!(loaded, members),
            // The one refusal left: the same key registered twice.
            Err(e) => assert!(e.to_string().contains("also registered"), "{e}"),
        }
        if let Some(k) = m.key_at(&m.key_since) {
            assert!(m.all_keys().any(|a| a == k));
        }
    }
    verdict(&parsed)
}

fn load_members(members: &Members) -> Members {
    let files = members.files().expect("member files");
    Members::load(&MemTree::of(files)).expect("written members load")
}

/// `proposals/<year>/<id>/proposal.toml`, and the proposal it makes with
/// no changed files.
pub fn proposal(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let path = "proposals/2026/2026-001-fuzz/proposal.toml";
    let parsed = ProposalFile::parse(path, text);
    if let Ok(f) = &parsed {
        let written = to_toml(f).expect("a proposal writes");
        assert_eq!(ProposalFile::parse(path, &written).as_ref().ok(), Some(f));
        let id: ProposalId = "2026-001-fuzz".parse().expect("an id");
        if let Ok(p) = Proposal::from_parts(&id, text.to_string(), BTreeMap::new(), None) {
            assert_eq!(
                p.digest,
                proposal::digest([(proposal::FILE, text.as_bytes())])
            );
            assert_eq!(p.file, *f);
            assert_eq!(p.new_key.is_some(), f.key.is_some());
            assert!(p.created().is_some());
            assert_eq!(p.deadline().is_some(), f.deadline.is_some());
        }
    }
    verdict(&parsed)
}

/// `proposals/<year>/<id>/decision.toml`.
pub fn decision(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let parsed = from_toml::<Decision>("decision.toml", text);
    if let Ok(d) = &parsed {
        let written = to_toml(d).expect("a decision writes");
        assert_eq!(
            from_toml::<Decision>("decision.toml", &written)
                .ok()
                .as_ref(),
            Some(d)
        );
    }
    verdict(&parsed)
}

/// `reviews/<year>.toml`, read for the year it names (and for 2026).
pub fn review(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let year = from_toml::<Review>("review.toml", text).map_or(2026, |r| r.year);
    let parsed = Review::parse(year, text);
    if let Ok(r) = &parsed {
        let written = to_toml(r).expect("a review writes");
        assert_eq!(Review::parse(year, &written).as_ref().ok(), Some(r));
        assert!(Review::parse(year.wrapping_add(1), text).is_err());
    }
    verdict(&parsed)
}

/// `charter/index.toml`.
pub fn charter_index(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let parsed = Index::parse(text);
    if let Ok(i) = &parsed {
        assert_eq!(Index::parse(&i.to_toml()).as_ref().ok(), Some(i));
    }
    verdict(&parsed)
}

/// `charter/<principle>.<lang>.md` and the texts of an amendment: `# Title`,
/// then the body.
pub fn principle_text(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let parsed = Text::parse("charter/fuzz.en.md", text);
    if let Ok(t) = &parsed {
        assert_eq!(t.raw, text);
        assert!(!t.title.is_empty() && !t.title.contains('\n'));
        assert_eq!(t.title.trim(), t.title);
        assert!(!t.body.is_empty());
        assert_eq!(t.body.trim(), t.body);
        let written = format!("# {}\n\n{}\n", t.title, t.body);
        let again = Text::parse("again.md", &written).expect("a written text reads back");
        assert_eq!((&again.title, &again.body), (&t.title, &t.body));
    }
    verdict(&parsed)
}

/// The D5 charter of the built-in template.
fn d5_charter() -> Charter {
    let mut files: Vec<(String, String)> = charter::model::template::D5
        .files
        .iter()
        .map(|(name, text)| (format!("charter/{name}"), text.to_string()))
        .collect();
    files.push(("governance.toml".into(), {
        let langs = ["en", "fr"].iter().map(|l| l.parse().expect("a language"));
        to_toml(&Governance::new("Digital 5", langs.collect())).expect("governance")
    }));
    let (_, charter) = Charter::load_governed(&MemTree::of(files)).expect("the D5 charter loads");
    charter
}

/// A candidate's `statement.md`, judged against the D5 charter in both
/// of its languages.
pub fn statement(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    // The charter and its filled templates, made once.
    static D5: OnceLock<(Charter, Vec<(Lang, String)>)> = OnceLock::new();
    let (charter, filled) = D5.get_or_init(|| {
        let charter = d5_charter();
        let filled = ["en", "fr"]
            .iter()
            .map(|l| {
                let lang: Lang = l.parse().expect("a language");
                let text = filled_statement(&charter, &lang);
                (lang, text)
            })
            .collect();
        (charter, filled)
    });
    let mut complete = true;
    for (lang, filled) in filled {
        let all = statement::missing_sections("", charter, lang);
        assert_eq!(all.len(), charter.principles.len() + 1);
        let missing = statement::missing_sections(text, charter, lang);
        let mut rest = all.iter();
        for m in &missing {
            assert!(
                rest.any(|a| a == m),
                "{m:?} is not a section, or out of order"
            );
        }
        // Whatever the text says, the sections it adds cannot make it worse.
        let with_all = format!("{text}\n{filled}");
        let still = statement::missing_sections(&with_all, charter, lang);
        assert!(
            still.len() <= missing.len() || text.contains("<!--"),
            "{still:?}"
        );
        complete &= missing.is_empty();
    }
    if complete {
        Accepted
    } else {
        Refused
    }
}

/// The template with a line under every heading.
pub fn filled_statement(charter: &Charter, lang: &Lang) -> String {
    let mut out = String::new();
    for line in statement::template("Digital 5", charter, lang).lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("## ") {
            out.push_str("We do this.\n");
        }
    }
    out
}

// ---- Ids and dates ----

/// Every id a path, a flag or a record carries, and the other one-word
/// values (acts, digests): an accepted text is its own display.
pub fn ids(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let mut any = false;
    macro_rules! canonical {
        ($t:ty) => {
            if let Ok(v) = text.parse::<$t>() {
                assert_eq!(v.to_string(), text, "{} is canonical", stringify!($t));
                any = true;
            }
        };
    }
    canonical!(MemberId);
    canonical!(PrincipleId);
    canonical!(Lang);
    canonical!(ProposalId);
    canonical!(Act);
    canonical!(Digest);
    assert_eq!(
        text.parse::<MemberId>().ok(),
        MemberId::try_from(text.to_string()).ok()
    );
    if let Ok(id) = text.parse::<ProposalId>() {
        assert_eq!(id.dir(), format!("proposals/{}/{text}", id.year()));
        assert!((0..=9999).contains(&id.year()));
    }
    let slug = slugify(text);
    for (year, seq) in [(2026, 1), (0, 0), (9999, u32::MAX)] {
        let id = ProposalId::new(year, seq, &slug)
            .unwrap_or_else(|e| panic!("slug {slug:?} makes no id: {e}"));
        assert_eq!(id.year(), year);
    }
    if any {
        Accepted
    } else {
        Refused
    }
}

/// Dates: RFC 3339 date-times (records, TOML files, `CHARTER_NOW`) and
/// deadlines given as a day.
pub fn dates(data: &[u8]) -> Verdict {
    let Some(text) = utf8(data) else {
        return Refused;
    };
    let round_trip = |t: Timestamp| {
        let written = clock::format(&t);
        assert_eq!(
            clock::parse_timestamp(&written).ok(),
            Some(t),
            "{text:?} read as {written:?}, which does not read back"
        );
        assert_eq!(clock::parse_deadline(&written), Some(t));
    };
    let parsed = clock::parse_timestamp(text);
    if let Ok(t) = parsed {
        round_trip(t);
        assert_eq!(t.timestamp_subsec_nanos(), 0, "whole seconds only");
    }
    if let Some(t) = clock::parse_deadline(text) {
        round_trip(t);
    }
    verdict(&parsed)
}

// ---- Trees in memory ----

/// A tree of files in memory, for the parsers that read folders.
#[derive(Debug, Default, Clone)]
pub struct MemTree(BTreeMap<String, String>);

impl MemTree {
    pub fn of(files: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(files.into_iter().collect())
    }
}

impl Tree for MemTree {
    fn read(&self, path: &str) -> charter::Result<Option<String>> {
        Ok(self.0.get(path).cloned())
    }

    fn read_lossy(&self, path: &str) -> charter::Result<Option<String>> {
        self.read(path)
    }

    fn entries(&self, path: &str) -> charter::Result<Vec<Entry>> {
        let prefix = format!("{path}/");
        let mut seen = BTreeSet::new();
        for key in self.0.keys() {
            if let Some(rest) = key.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((dir, _)) => seen.insert((dir.to_string(), true)),
                    None => seen.insert((rest.to_string(), false)),
                };
            }
        }
        Ok(seen
            .into_iter()
            .map(|(name, is_dir)| Entry { name, is_dir })
            .collect())
    }

    fn content_id(&self, path: &str) -> Option<String> {
        use std::hash::{Hash, Hasher};
        let text = self.0.get(path)?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        Some(format!("{:016x}", h.finish()))
    }
}

// ---- Whole repositories ----

/// The founders of the fixture group and the candidate, each with a key
/// in the test-only fixture keys.
const FOUNDERS: [&str; 5] = ["uk", "ee", "il", "nz", "kr"];

/// One commit of the fixture's history.
struct Step {
    commit: Oid,
    parent: Option<Oid>,
    /// The files this commit added or changed, and their content.
    paths: Vec<String>,
    written: BTreeMap<String, Vec<u8>>,
    /// The files it deleted.
    deleted: BTreeSet<String>,
    /// Where a new file goes: the proposal folder the commit touches.
    dir: String,
}

/// An honest group, made once: the D5 founders amend a principle, admit
/// `jp` after its application, open the review of 2026 and object to a
/// retirement. A fuzzed input rewrites one of its commits.
pub struct Fixture {
    _dir: tempfile::TempDir,
    repo: Repo,
    key: SigningKey,
    steps: Vec<Step>,
}

/// The fixture's clock: `minutes` after 2026-03-02T10:00:00Z.
fn at(minutes: i64) -> Timestamp {
    Timestamp::from_timestamp(1_772_445_600 + 60 * minutes, 0).expect("a date")
}

impl Fixture {
    /// Builds the group in a temporary folder, with the private keys in
    /// `keys` (the project's `tests/fixtures/keys`).
    pub fn new(keys: &Path) -> Self {
        let no_pass = |p: &Path| -> Result<String, KeyError> {
            Err(KeyError::key(p.display().to_string(), "no passphrase"))
        };
        let key = |id: &str| SigningKey::load(&keys.join(id), &no_pass).expect("a fixture key");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("group");
        let founders = FOUNDERS
            .iter()
            .map(|id| Founder {
                attestation: None,
                id: id.parse().expect("an id"),
                name: None,
                key: key(id).public().clone(),
            })
            .collect();
        charter::process::group::init(
            &path,
            InitOptions {
                attestation_roots: Vec::new(),
                template: &charter::model::template::D5,
                name: "Digital 5".into(),
                founders,
                key: &key("uk"),
                now: at(0),
            },
        )
        .expect("init");
        let group = Group::open(&path).expect("the group opens");
        let mut texts = BTreeMap::new();
        for (lang, title) in [("en", "Open source"), ("fr", "Logiciel libre")] {
            texts.insert(
                lang.parse().expect("a language"),
                format!("# {title}\n\nShared by default.\n"),
            );
        }
        let draft = |change| Draft {
            change,
            title: None,
            deadline: None,
            review: None,
            unchanged: Vec::new(),
        };
        let amend = Change::Amend {
            principle: "open-source".parse().expect("an id"),
            texts,
        };
        let id = group
            .propose(&key("uk"), draft(amend), at(1))
            .expect("propose");
        for (i, (who, act)) in [
            ("ee", Act::Second),
            ("il", Act::Accept),
            ("nz", Act::Accept),
            ("kr", Act::Accept),
        ]
        .into_iter()
        .enumerate()
        {
            group
                .act(&key(who), id.as_str(), act, None, at(2 + i as i64))
                .expect("an act");
        }
        let charter = group.state().expect("state").charter().expect("charter");
        let en: Lang = "en".parse().expect("a language");
        let app = group
            .apply(
                &key("jp"),
                Application {
                    attestation: None,
                    id: "jp".parse().expect("an id"),
                    name: "Japan".into(),
                    organisation: Some("Digital Agency".into()),
                    statement: filled_statement(&charter, &en),
                    deadline: None,
                },
                at(10),
            )
            .expect("apply");
        group
            .propose_member(&key("nz"), &"jp".parse().expect("an id"), at(11))
            .expect("propose jp");
        for (i, (who, act)) in [
            ("kr", Act::Second),
            ("uk", Act::Accept),
            ("ee", Act::Accept),
            ("il", Act::Accept),
        ]
        .into_iter()
        .enumerate()
        {
            group
                .act(&key(who), app.as_str(), act, None, at(12 + i as i64))
                .expect("an act on the application");
        }
        group
            .review_open(&key("jp"), 2026, None, at(20))
            .expect("review open");
        let retire = Change::Retire {
            principle: "open-markets".parse().expect("an id"),
        };
        let id = group
            .propose(&key("ee"), draft(retire), at(21))
            .expect("propose retire");
        group
            .act(
                &key("kr"),
                id.as_str(),
                Act::Object,
                Some("we still need it".into()),
                at(22),
            )
            .expect("object");
        let repo = Repo::open(&path).expect("the repository opens");
        // Packed, each input's reads are from one mapped file, not a
        // loose object opened and inflated apiece.
        repo.run_git(&["repack", "-a", "-d", "-q"])
            .expect("git repack");
        repo.write_objects_in_memory()
            .expect("an in-memory object store");
        let steps = Self::steps(&repo);
        Self {
            _dir: dir,
            repo,
            key: key("uk"),
            steps,
        }
    }

    fn steps(repo: &Repo) -> Vec<Step> {
        let head = repo.head().expect("head").expect("a commit");
        let mut line = vec![head];
        while let Some(p) = repo
            .commit_info(*line.last().expect("a commit"))
            .expect("info")
            .parents
            .first()
        {
            line.push(*p);
        }
        line.reverse();
        let ids = |c: Oid| -> BTreeMap<String, Oid> {
            repo.snapshot(c)
                .expect("a snapshot")
                .files_under("")
                .expect("files")
                .into_iter()
                .collect()
        };
        let mut steps = Vec::new();
        let mut before = BTreeMap::new();
        let mut parent = None;
        for commit in line {
            let now = ids(commit);
            let paths: Vec<String> = now
                .iter()
                .filter(|(p, id)| before.get(*p) != Some(*id))
                .map(|(p, _)| p.clone())
                .collect();
            let deleted = before
                .keys()
                .filter(|p| !now.contains_key(*p))
                .cloned()
                .collect();
            let snap = repo.snapshot(commit).expect("a snapshot");
            let written = paths
                .iter()
                .map(|p| {
                    (
                        p.clone(),
                        snap.require(p).expect("a text file").into_bytes(),
                    )
                })
                .collect();
            let dir = paths
                .iter()
                .find(|p| p.starts_with("proposals/"))
                .map(|p| p.split('/').take(3).collect::<Vec<_>>().join("/"))
                .unwrap_or_default();
            steps.push(Step {
                commit,
                parent,
                paths,
                written,
                deleted,
                dir,
            });
            before = now;
            parent = Some(commit);
        }
        steps
    }

    /// How many commits the fixture's history has.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Inputs for [`repository`] that rewrite each file of each commit with
    /// its own content: real record files, and each must verify.
    pub fn seeds(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            for (j, path) in step.paths.iter().enumerate().take(64) {
                let mut input = vec![i as u8, (4 * j) as u8];
                input.extend_from_slice(&step.written[path]);
                out.push(input);
            }
        }
        out
    }

    /// The unchanged commit `i`, judged as a fuzzed one is: it verifies.
    pub fn verify_step(&self, i: usize) -> Verdict {
        let step = &self.steps[i];
        let root = self.steps[0].commit;
        let seen: Vec<Oid> = step.parent.into_iter().collect();
        let outcome =
            charter::verify::verify_from(&self.repo, root, step.commit, &seen, &mut |_, _| {})
                .expect("the fixture reads");
        verdict(&outcome)
    }
}

/// A commit of the fixture rewritten by the input, then verified. The
/// first byte picks the commit; the second what to do to it: replace (or
/// write anew) one of the files it adds or changes with the rest of the
/// input, drop one of them, or add a file (its name is the input up to the
/// first NUL, in the proposal folder the commit writes to). The rewritten
/// commit is verified after its (verified) parent, or as the trust root
/// when it is the genesis: `verify` must judge it, never panic or fail to
/// read it.
pub fn repository(fx: &Fixture, data: &[u8]) -> Verdict {
    let [pick, op, rest @ ..] = data else {
        return Refused;
    };
    let step = &fx.steps[usize::from(*pick) % fx.steps.len()];
    // The commit as it was, then changed.
    let mut edits = Edits {
        write: step.written.clone(),
        delete: step.deleted.clone(),
    };
    let target = step.paths[usize::from(op / 4) % step.paths.len()].clone();
    match op % 4 {
        0 | 1 => {
            edits.write.insert(target, rest.to_vec());
        }
        2 => {
            edits.write.remove(&target);
            if step.parent.is_some() {
                edits.delete.insert(target);
            }
        }
        _ => {
            let (name, content) = match rest.iter().position(|b| *b == 0) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &[][..]),
            };
            let Ok(name) = std::str::from_utf8(name) else {
                return Refused;
            };
            let path = if step.dir.is_empty() {
                name.to_string()
            } else {
                format!("{}/{name}", step.dir)
            };
            edits.write.insert(path, content.to_vec());
        }
    }
    let who = Committer {
        name: "fuzz".into(),
        email: "fuzz@example.org".into(),
        key: &fx.key,
        when: at(30),
    };
    // A path git itself refuses never reaches a repository.
    let commit = match fx.repo.write_commit(step.parent, &edits, "fuzz\n", &who) {
        Ok(commit) => commit,
        Err(e) => {
            if std::env::var("CHARTER_FUZZ_DEBUG").is_ok() {
                eprintln!("{:?} not written: {e}", &data[..2]);
            }
            return Refused;
        }
    };
    let root = if step.parent.is_none() {
        commit
    } else {
        fx.steps[0].commit
    };
    let seen: Vec<Oid> = step.parent.into_iter().collect();
    match charter::verify::verify_from(&fx.repo, root, commit, &seen, &mut |_, _| {}) {
        Ok(outcome) => {
            if std::env::var("CHARTER_FUZZ_DEBUG").is_ok() {
                eprintln!("{:?} {:?}", &data[..2], outcome.as_ref().err());
            }
            verdict(&outcome)
        }
        Err(e) => panic!("verify failed to judge a fuzzed commit: {e}"),
    }
}
