//! `governance.toml`: the rules of the group's process.

use serde::{Deserialize, Serialize};

use crate::crypto::attestation::Roots;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{from_toml, Error, Result};
use crate::model::id::Lang;

pub const PATH: &str = "governance.toml";

/// The fewest members a group can act with: one to propose and another to
/// second (`seconds` is 1). A group with fewer could never decide again.
pub const MIN_MEMBERS: usize = 2;

/// Is `path` one of the files the process governs (the rules, the
/// charter, the members, the reviews)?
pub fn is_governed(path: &str) -> bool {
    path == PATH
        || ["charter/", "keys/", "reviews/"]
            .iter()
            .any(|dir| path.starts_with(dir))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    /// The group's name, e.g. "Digital 5".
    pub name: String,
    /// Languages of the charter; every one is an authentic text, the first
    /// is the reference language.
    pub languages: Vec<Lang>,
    /// How many members must second a proposal besides its proposer.
    pub seconds: u32,
    pub acceptance: Acceptance,
    /// The month (1–12) the annual review is due.
    pub review_month: u32,
    /// Days an open proposal lives when it names no deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_lifetime_days: Option<u32>,
    /// PEM certificates of the attestation roots the group trusts. When
    /// there are any, every key registered (a founder's, a candidate's, a
    /// new one) must be a security key whose attestation was issued under
    /// one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_roots: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Acceptance {
    /// Every member of the electorate accepts: the D5 rule.
    Unanimous,
}

impl Governance {
    pub fn new(name: &str, languages: Vec<Lang>) -> Self {
        Self {
            name: name.to_string(),
            languages,
            seconds: 1,
            acceptance: Acceptance::Unanimous,
            review_month: 12,
            proposal_lifetime_days: Some(90),
            attestation_roots: Vec::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        let g: Governance = from_toml(PATH, text)?;
        let bad = |m: &str| Error::parse(PATH, m);
        if g.name.trim().is_empty() {
            return Err(bad("name is empty"));
        }
        if g.languages.is_empty() {
            return Err(bad("languages is empty"));
        }
        let mut seen = g.languages.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != g.languages.len() {
            return Err(bad("a language is listed twice"));
        }
        if !(1..=12).contains(&g.review_month) {
            return Err(bad("review_month must be 1 to 12"));
        }
        if g.seconds != 1 {
            return Err(bad("seconds must be 1"));
        }
        g.roots()
            .map_err(|e| bad(&format!("attestation_roots: {e}")))?;
        Ok(g)
    }

    /// The attestation roots; none when the group asks for no attestation.
    pub fn roots(
        &self,
    ) -> std::result::Result<Roots, crate::crypto::attestation::AttestationError> {
        if self.attestation_roots.is_empty() {
            return Ok(Roots::default());
        }
        Roots::parse(&self.attestation_roots)
    }

    pub fn reference_language(&self) -> Option<&Lang> {
        self.languages.first()
    }

    /// The deadline of a new proposal: the one given, else the group's
    /// default lifetime, ending at the last date a record may carry
    /// ([`clock::LATEST`]) if it would run past it.
    pub fn deadline(&self, given: Option<Timestamp>, now: Timestamp) -> Result<Option<String>> {
        let deadline = given.or_else(|| {
            self.proposal_lifetime_days.map(|d| {
                now.checked_add_signed(chrono::Duration::days(i64::from(d)))
                    .map_or(clock::latest(), |t| t.min(clock::latest()))
            })
        });
        if deadline.is_some_and(|d| d <= now) {
            return Err(Error::Invalid("the deadline is already past".into()));
        }
        Ok(deadline.map(|d| clock::format(&d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let g = Governance::new("Digital 5", vec!["en".parse().unwrap()]);
        let text = crate::model::error::to_toml(&g).unwrap();
        assert_eq!(Governance::parse(&text).unwrap(), g);
        assert!(Governance::parse(&format!("{text}colour = \"red\"\n")).is_err());
        assert!(Governance::parse(&text.replace("unanimous", "majority")).is_err());
        assert!(Governance::parse(&text.replace("[\"en\"]", "[]")).is_err());
    }
}
