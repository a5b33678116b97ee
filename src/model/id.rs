//! Identifiers that are valid by construction: they can name files and never
//! escape the directory they name a file in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::error::Error;

const MAX_ID_LEN: usize = 64;

/// Checks the shape shared by every id: lower-case ASCII letters, digits and
/// inner hyphens, so an id is a safe path component on every platform.
fn check_slug(kind: &'static str, s: &str) -> Result<(), Error> {
    let bad = |why: &str| Error::InvalidId {
        kind,
        id: s.to_string(),
        why: why.to_string(),
    };
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    if s.len() > MAX_ID_LEN {
        return Err(bad("it is longer than 64 characters"));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad("use only lower-case letters, digits and '-'"));
    }
    if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err(bad("'-' may only separate words"));
    }
    Ok(())
}

/// Are `b` ids [`check_slug`] accepts, separated by single spaces? In one
/// pass: a federation's index holds some 200,000 of them.
fn are_spaced_slugs(b: &[u8]) -> bool {
    let (mut len, mut last) = (0, b' ');
    for &c in b {
        let ok = match c {
            b' ' => len > 0 && last != b'-',
            b'-' => len > 0 && last != b'-',
            b'a'..=b'z' | b'0'..=b'9' => true,
            _ => false,
        };
        if !ok {
            return false;
        }
        len = if c == b' ' { 0 } else { len + 1 };
        if len > MAX_ID_LEN {
            return false;
        }
        last = c;
    }
    len > 0 && last != b'-'
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                check_slug($kind, s)?;
                Ok(Self(s.to_string()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                check_slug($kind, &s)?;
                Ok(Self(s))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_id!(
    /// A member (or candidate) id, such as `uk` or `ee`.
    MemberId,
    "member"
);
slug_id!(
    /// A principle id, such as `open-source`.
    PrincipleId,
    "principle"
);

impl MemberId {
    /// Is `s` a valid member id? Without making one.
    pub fn check(s: &str) -> Result<(), Error> {
        check_slug("member", s)
    }
}

/// Member ids in order, kept as one string (the ids separated by spaces),
/// valid by construction: the lists of who seconded and accepted each
/// decision, which a federation's log shows by the hundred thousand and
/// which need not be as many strings. Serialized as a list of ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberIds(String);

impl MemberIds {
    /// The list `text` spells: ids separated by single spaces, every id
    /// checked; the empty list is the empty text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if !text.is_empty() && !are_spaced_slugs(text.as_bytes()) {
            // The slow path, for its error.
            text.split(' ').try_for_each(MemberId::check)?;
        }
        Ok(Self(text.to_string()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|id| !id.is_empty())
    }

    /// The ids separated by spaces, as [`MemberIds::parse`] reads them.
    pub fn as_spaced(&self) -> &str {
        &self.0
    }
}

impl<'a> FromIterator<&'a MemberId> for MemberIds {
    fn from_iter<I: IntoIterator<Item = &'a MemberId>>(ids: I) -> Self {
        let names: Vec<&str> = ids.into_iter().map(MemberId::as_str).collect();
        Self(names.join(" "))
    }
}

impl Serialize for MemberIds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A language code of the charter, such as `en` or `fr` (2–8 lower-case letters).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Lang(String);

impl Lang {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Lang {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        if (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(s.to_string()))
        } else {
            Err(Error::InvalidId {
                kind: "language",
                id: s.to_string(),
                why: "use a code of 2 to 8 lower-case letters, such as 'en'".into(),
            })
        }
    }
}

impl TryFrom<String> for Lang {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<Lang> for String {
    fn from(l: Lang) -> String {
        l.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A proposal id: `<year>-<sequence>-<slug>`, such as `2026-003-open-source`.
/// The year also names the folder the proposal is sharded into.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProposalId {
    id: String,
    year: i32,
}

impl ProposalId {
    pub fn new(year: i32, sequence: u32, slug: &str) -> Result<Self, Error> {
        format!("{year:04}-{sequence:03}-{slug}").parse()
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// The words after the year and number.
    pub fn slug(&self) -> &str {
        self.id.splitn(3, '-').nth(2).unwrap_or_default()
    }

    /// The proposal's folder in the repository.
    pub fn dir(&self) -> String {
        format!("proposals/{}/{}", self.year, self.id)
    }
}

impl FromStr for ProposalId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        check_slug("proposal", s)?;
        let bad = || Error::InvalidId {
            kind: "proposal",
            id: s.to_string(),
            why: "expected <year>-<number>-<words>, such as 2026-003-open-source".into(),
        };
        let mut parts = s.splitn(3, '-');
        let year = parts.next().ok_or_else(bad)?;
        let seq = parts.next().ok_or_else(bad)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if seq.len() < 3 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        Ok(Self {
            id: s.to_string(),
            year,
        })
    }
}

impl TryFrom<String> for ProposalId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<ProposalId> for String {
    fn from(id: ProposalId) -> String {
        id.id
    }
}

impl fmt::Display for ProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// How a proposal is named on the command line: its id, or its year and
/// whole number (`2026-001`), perhaps followed by the beginning of its
/// words (`2026-001-open`). Anything shorter (`2026`, `2026-00`, nothing)
/// names no proposal, even when only one is open: an act must say which
/// proposal it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalRef {
    year: String,
    number: String,
    /// The beginning of the words, when given after the number and a '-'.
    words: Option<String>,
}

impl ProposalRef {
    /// Does `id` begin with this reference, its number taken whole?
    pub fn matches(&self, id: &ProposalId) -> bool {
        let mut parts = id.as_str().splitn(3, '-');
        let (year, number, words) = (parts.next(), parts.next(), parts.next());
        year == Some(self.year.as_str())
            && number == Some(self.number.as_str())
            && match &self.words {
                Some(given) => words.unwrap_or("").starts_with(given.as_str()),
                None => true,
            }
    }
}

impl FromStr for ProposalRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::ProposalReference(s.to_string());
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        let mut parts = s.splitn(3, '-');
        let year = parts.next().ok_or_else(bad)?;
        let number = parts.next().ok_or_else(bad)?;
        if year.len() != 4 || !digits(year) || number.len() < 3 || !digits(number) {
            return Err(bad());
        }
        let words = parts.next();
        if let Some(w) = words {
            if w.len() > MAX_ID_LEN
                || !w
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(bad());
            }
        }
        Ok(Self {
            year: year.to_string(),
            number: number.to_string(),
            words: words.map(str::to_string),
        })
    }
}

/// Turns a title into the words part of a proposal id.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase).map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "proposal".into()
    } else {
        out
    }
}

/// Latin letters with accents keep their base letter in an id.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast check on one id.
    fn is_slug(s: &str) -> bool {
        are_spaced_slugs(s.as_bytes()) && !s.contains(' ')
    }

    #[test]
    fn ids_refuse_path_tricks() {
        for bad in ["", "../uk", "u/k", "UK", "-uk", "uk-", "a--b", "u k", "é"] {
            assert!(bad.parse::<MemberId>().is_err(), "{bad:?} accepted");
            assert!(!is_slug(bad), "{bad:?} accepted by the fast check");
        }
        assert!("x".repeat(65).parse::<MemberId>().is_err());
        assert!(!is_slug(&"x".repeat(65)));
        assert!(is_slug("a-b-1") && is_slug(&"x".repeat(64)));
        assert!(are_spaced_slugs(b"uk ee-x il") && !are_spaced_slugs(b"uk -ee"));
        assert!(!are_spaced_slugs(b"uk- ee") && !are_spaced_slugs(b"uk ee "));
        assert_eq!("uk".parse::<MemberId>().unwrap().as_str(), "uk");
    }

    #[test]
    fn a_list_of_member_ids_reads_back_as_written_and_refuses_a_bad_id() {
        let ids: Vec<MemberId> = ["uk", "ee", "il"]
            .iter()
            .map(|i| i.parse().unwrap())
            .collect();
        let list: MemberIds = ids.iter().collect();
        assert_eq!(list.as_spaced(), "uk ee il");
        assert_eq!(MemberIds::parse(list.as_spaced()).unwrap(), list);
        assert_eq!(list.iter().collect::<Vec<_>>(), ["uk", "ee", "il"]);
        assert_eq!(serde_json::to_string(&list).unwrap(), r#"["uk","ee","il"]"#);
        assert_eq!(MemberIds::parse("").unwrap().iter().count(), 0);
        for bad in ["uk  ee", " uk", "uk ", "uk\u{1b}[31m", "uk,ee", "UK"] {
            assert!(MemberIds::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn proposal_id_carries_its_year() {
        let id: ProposalId = "2026-003-open-source".parse().unwrap();
        assert_eq!(id.year(), 2026);
        assert_eq!(id.dir(), "proposals/2026/2026-003-open-source");
        for bad in ["2026-open", "26-001-x", "2026-01-x", "../2026-001-x"] {
            assert!(bad.parse::<ProposalId>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_proposal_id_has_its_words_after_year_and_number() {
        let id: ProposalId = "2026-1234-open-source".parse().unwrap();
        assert_eq!(id.slug(), "open-source");
        assert_eq!(ProposalId::new(2026, 7, "x").unwrap().slug(), "x");
    }

    #[test]
    fn a_proposal_is_named_by_its_year_and_whole_number_at_least() {
        let id: ProposalId = "2026-001-open-source".parse().unwrap();
        let named = |r: &str| r.parse::<ProposalRef>().unwrap().matches(&id);
        for good in [
            "2026-001",
            "2026-001-",
            "2026-001-open",
            "2026-001-open-source",
        ] {
            assert!(named(good), "{good:?} should name {id}");
        }
        for other in ["2026-002", "2025-001", "2026-0010", "2026-001-open-data"] {
            assert!(!named(other), "{other:?} should not name {id}");
        }
        for short in [
            "",
            "2",
            "2026",
            "2026-",
            "2026-0",
            "2026-00",
            "../2026-001",
            "2026-001/x",
            "2026-001-Open",
        ] {
            assert!(
                matches!(
                    short.parse::<ProposalRef>(),
                    Err(Error::ProposalReference(_))
                ),
                "{short:?} accepted"
            );
        }
    }

    #[test]
    fn slugify_makes_valid_words() {
        assert_eq!(
            slugify("Open source: AI & models!"),
            "open-source-ai-models"
        );
        assert_eq!(slugify("!!!"), "proposal");
        let id = ProposalId::new(2026, 1, &slugify("Éducation numérique")).unwrap();
        assert_eq!(id.as_str(), "2026-001-education-numerique");
    }
}
