//! The charter: its principles (`principles`), their texts (`text`), and
//! the word differences between two versions (`diff`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::history::diff::{self, Fate, PrincipleDiff};
use crate::history::log;
use crate::model::charter::Charter;
use crate::model::error::{Error, Result};
use crate::model::id::{Lang, PrincipleId};
use crate::model::review;
use crate::store::repo::Repo;
use crate::store::view::State;

#[derive(Debug, Serialize)]
pub struct PrincipleTitles {
    pub id: PrincipleId,
    /// Its place in the charter, from 1.
    pub number: usize,
    /// Its title in every language of the charter.
    pub title: BTreeMap<Lang, String>,
}

/// Every principle in order, titled in every language.
pub fn principles(state: &State<'_>) -> Result<Vec<PrincipleTitles>> {
    let charter = state.charter()?;
    let langs = &state.governance.languages;
    Ok(charter
        .principles
        .iter()
        .enumerate()
        .map(|(i, p)| PrincipleTitles {
            id: p.id.clone(),
            number: i + 1,
            title: langs
                .iter()
                .map(|l| (l.clone(), p.title(l).to_string()))
                .collect(),
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct PrincipleText {
    pub id: PrincipleId,
    pub number: usize,
    pub lang: Lang,
    pub title: String,
    pub text: String,
}

/// The charter in one language: its group's name, its languages and the
/// chosen principles' texts.
#[derive(Debug, Serialize)]
pub struct TextView {
    pub group: String,
    pub lang: Lang,
    pub principles: Vec<PrincipleText>,
}

/// The text of every principle, or of one, in `lang` (default: the
/// reference language).
pub fn text(
    state: &State<'_>,
    principle: Option<&PrincipleId>,
    lang: Option<Lang>,
) -> Result<TextView> {
    let charter = state.charter()?;
    let langs = &state.governance.languages;
    let lang = match lang {
        Some(l) if langs.contains(&l) => l,
        Some(l) => {
            return Err(Error::Invalid(format!(
                "'{l}' is not a language of this charter"
            )))
        }
        None => state
            .governance
            .reference_language()
            .cloned()
            .ok_or_else(|| Error::Invalid("no language".into()))?,
    };
    let chosen: Vec<_> = match principle {
        Some(id) => {
            let p = charter
                .get(id)
                .ok_or_else(|| Error::Invalid(format!("no principle '{id}' in the charter")))?;
            vec![(charter.position(id).unwrap_or(0), p)]
        }
        None => charter.principles.iter().enumerate().collect(),
    };
    let principles = chosen
        .into_iter()
        .filter_map(|(i, p)| {
            let t = p.texts.get(&lang)?;
            Some(PrincipleText {
                id: p.id.clone(),
                number: i + 1,
                lang: lang.clone(),
                title: t.title.clone(),
                text: t.body.clone(),
            })
        })
        .collect();
    Ok(TextView {
        group: state.governance.name.clone(),
        lang,
        principles,
    })
}

/// One end of a comparison: the name it was asked by, and its commit.
#[derive(Debug, Serialize)]
pub struct Version {
    pub name: String,
    pub commit: String,
}

#[derive(Debug, Serialize)]
pub struct CharterDiff {
    pub from: Version,
    pub to: Version,
    pub lang: Lang,
    pub principles: Vec<PrincipleDiff>,
}

/// What to compare, as given on the command line.
#[derive(Debug, Default)]
pub struct DiffQuery {
    /// A review year or tag, a day, or a commit; default: the last closed
    /// review (or the trust root).
    pub from: Option<String>,
    /// As `from`; default: HEAD.
    pub to: Option<String>,
    pub principle: Option<PrincipleId>,
    pub lang: Option<Lang>,
    /// Unchanged principles too.
    pub all: bool,
}

/// The word differences between two versions of the charter.
pub fn charter_diff(repo: &Repo, state: &State<'_>, q: DiffQuery) -> Result<CharterDiff> {
    let mut versions = log::Versions::new(repo);
    let (from_name, from) = match &q.from {
        Some(spec) => (spec.clone(), versions.resolve(spec)?),
        None => match log::last_review(repo)? {
            Some((year, commit)) => (review::tag(year), commit),
            None => ("genesis".to_string(), repo.root()?),
        },
    };
    let (to_name, to) = match &q.to {
        Some(spec) => (spec.clone(), versions.resolve(spec)?),
        None => ("now".to_string(), state.head),
    };
    let (gov_from, charter_from) = log::charter_at(repo, from)?;
    let (gov_to, charter_to) = log::charter_at(repo, to)?;
    let lang = match q.lang {
        Some(l) => l,
        None => gov_to
            .reference_language()
            .cloned()
            .ok_or_else(|| Error::Invalid("no language".into()))?,
    };
    for gov in [&gov_from, &gov_to] {
        if !gov.languages.contains(&lang) {
            return Err(Error::Invalid(format!(
                "'{lang}' is not a language of the charter in both versions"
            )));
        }
    }
    if let Some(p) = &q.principle {
        if charter_from.get(p).is_none() && charter_to.get(p).is_none() {
            return Err(Error::Invalid(format!(
                "no principle '{p}' in either version"
            )));
        }
    }
    let principles = diff::charters(&charter_from, &charter_to, &lang)
        .into_iter()
        .filter(|d| q.principle.as_ref().is_none_or(|p| &d.id == p))
        .filter(|d| q.all || q.principle.is_some() || d.fate != Fate::Unchanged || d.reordered)
        .collect();
    Ok(CharterDiff {
        from: Version {
            name: from_name,
            commit: from.to_string(),
        },
        to: Version {
            name: to_name,
            commit: to.to_string(),
        },
        lang,
        principles,
    })
}

/// The charter a closed review re-affirmed (at its tag), else the one in
/// force.
pub fn reviewed_charter(
    repo: &Repo,
    state: &State<'_>,
    year: i32,
    closed: bool,
) -> Result<Charter> {
    if closed {
        if let Ok(commit) = log::resolve(repo, &review::tag(year)) {
            return Ok(log::charter_at(repo, commit)?.1);
        }
    }
    state.charter()
}
