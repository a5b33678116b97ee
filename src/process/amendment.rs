//! Amendments of the charter: new text for a principle, a new principle, a
//! principle retired. Builds the proposal; `group` files and signs it.

use std::collections::BTreeMap;

use crate::model::charter::{self, Charter, Principle, Text};
use crate::model::clock::Timestamp;
use crate::model::error::{Error, Result};
use crate::model::governance::Governance;
use crate::model::id::{Lang, PrincipleId};
use crate::model::proposal::{Kind, ProposalFile, ABSENT};
use crate::model::tree::Tree;
use crate::process::group::{NewProposal, State};
use crate::rules::RuleError;

/// What a proposal changes in the charter.
pub enum Change {
    Amend {
        principle: PrincipleId,
        texts: BTreeMap<Lang, String>,
    },
    Add {
        principle: PrincipleId,
        texts: BTreeMap<Lang, String>,
        after: Option<PrincipleId>,
    },
    Retire {
        principle: PrincipleId,
    },
}

pub struct Draft {
    pub change: Change,
    pub title: Option<String>,
    pub deadline: Option<Timestamp>,
    /// The annual review it belongs to; that review must be open.
    pub review: Option<i32>,
    /// Languages whose text an amendment leaves as it is, on purpose.
    pub unchanged: Vec<Lang>,
}

/// A language to add to the charter, with every principle's text in it.
pub struct NewLanguage {
    pub lang: Lang,
    /// Principle → its text in `lang`.
    pub texts: BTreeMap<PrincipleId, String>,
    pub title: Option<String>,
    pub deadline: Option<Timestamp>,
}

/// Checks a draft against the charter in force and builds the proposal.
pub fn build(
    state: &State<'_>,
    draft: Draft,
    proposer: &crate::model::id::MemberId,
    now: Timestamp,
) -> Result<NewProposal> {
    build_on(&state.snapshot, &state.governance, draft, proposer, now)
}

/// [`build`] on any tree (`tree`, whose rules are `governance`): how the
/// federation generator drafts amendments without a repository.
pub fn build_on(
    tree: &dyn Tree,
    governance: &Governance,
    draft: Draft,
    proposer: &crate::model::id::MemberId,
    now: Timestamp,
) -> Result<NewProposal> {
    let charter = Charter::load(tree, &governance.languages)?;
    let langs = &governance.languages;
    let (kind, principle, changes, removes, default_title) = match &draft.change {
        Change::Amend { principle, texts } => {
            let current = charter
                .get(principle)
                .ok_or_else(|| unknown_principle(principle))?;
            let changes = checked_texts(principle, texts, langs, &draft.unchanged)?;
            let same = langs
                .iter()
                .all(|l| match changes.get(&charter::text_path(principle, l)) {
                    Some(new) => current.texts.get(l).map(|t| &t.raw) == Some(new),
                    None => true,
                });
            if same {
                return Err(RuleError::NothingToAmend {
                    principle: principle.clone(),
                }
                .into());
            }
            let title = format!("Amend \"{}\"", title_in(current, langs));
            (Kind::Amend, principle, changes, Vec::new(), title)
        }
        Change::Add {
            principle,
            texts,
            after,
        } => {
            if charter.get(principle).is_some() {
                return Err(RuleError::PrincipleExists {
                    principle: principle.clone(),
                }
                .into());
            }
            if !draft.unchanged.is_empty() {
                return Err(Error::Invalid(
                    "a new principle needs its text in every language".into(),
                ));
            }
            let mut changes = checked_texts(principle, texts, langs, &[])?;
            let mut index = charter.index();
            let at = match after {
                Some(a) => charter.position(a).ok_or_else(|| unknown_principle(a))? + 1,
                None => index.principles.len(),
            };
            index.principles.insert(at, principle.clone());
            changes.insert(charter::INDEX.to_string(), index.to_toml());
            let reference = langs
                .first()
                .and_then(|l| texts.get(l))
                .map(String::as_str)
                .unwrap_or_default();
            let title = Text::parse("", reference)
                .map(|t| t.title)
                .unwrap_or_default();
            (
                Kind::Add,
                principle,
                changes,
                Vec::new(),
                format!("Add \"{title}\""),
            )
        }
        Change::Retire { principle } => {
            let current = charter
                .get(principle)
                .ok_or_else(|| unknown_principle(principle))?;
            if charter.principles.len() == 1 {
                return Err(RuleError::LastPrinciple.into());
            }
            let mut index = charter.index();
            index.principles.retain(|p| p != principle);
            let mut changes = BTreeMap::new();
            changes.insert(charter::INDEX.to_string(), index.to_toml());
            let removes = langs
                .iter()
                .map(|l| charter::text_path(principle, l))
                .collect();
            let title = format!("Retire \"{}\"", title_in(current, langs));
            (Kind::Retire, principle, changes, removes, title)
        }
    };
    let base = base_of(tree, changes.keys().chain(&removes));
    let mut file = ProposalFile::new(
        kind,
        draft.title.unwrap_or(default_title),
        Some(proposer.clone()),
        now,
    );
    file.deadline = governance.deadline(draft.deadline, now)?;
    if let Some(year) = draft.review {
        match crate::model::review::load(tree, year)? {
            Some(r) if r.is_open() => {}
            _ => return Err(RuleError::ReviewNotOpenForAmendment { year }.into()),
        }
    }
    file.review = draft.review;
    file.unchanged = draft.unchanged;
    file.principle = Some(principle.clone());
    file.removes = removes;
    file.base = base;
    Ok(NewProposal {
        slug: principle.to_string(),
        file,
        changes,
        statement: None,
    })
}

/// The blob id of each path as it stands, `absent` for a new file: what a
/// proposal is made against.
fn base_of<'a>(
    tree: &dyn Tree,
    paths: impl Iterator<Item = &'a String>,
) -> BTreeMap<String, String> {
    paths
        .map(|p| {
            let id = tree.content_id(p);
            (p.clone(), id.unwrap_or_else(|| ABSENT.into()))
        })
        .collect()
}

fn unknown_principle(p: &PrincipleId) -> Error {
    Error::Invalid(format!(
        "no principle '{p}' in the charter (see charter principles)"
    ))
}

fn title_in(p: &Principle, langs: &[Lang]) -> String {
    langs
        .first()
        .map(|l| p.title(l).to_string())
        .unwrap_or_else(|| p.id.to_string())
}

/// Checks one text per language of the charter, no more, no fewer; returns
/// them keyed by their path in the charter.
fn checked_texts(
    principle: &PrincipleId,
    texts: &BTreeMap<Lang, String>,
    langs: &[Lang],
    unchanged: &[Lang],
) -> Result<BTreeMap<String, String>> {
    if let Some(both) = unchanged.iter().find(|l| texts.contains_key(*l)) {
        return Err(Error::Invalid(format!(
            "'{both}' is given a text and declared unchanged"
        )));
    }
    if let Some(extra) = unchanged.iter().find(|l| !langs.contains(l)) {
        return Err(Error::Invalid(format!(
            "language '{extra}' is not a language of this charter"
        )));
    }
    if let Some(extra) = texts.keys().find(|l| !langs.contains(l)) {
        return Err(Error::Invalid(format!(
            "language '{extra}' is not a language of this charter ({})",
            langs
                .iter()
                .map(Lang::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut out = BTreeMap::new();
    for lang in langs.iter().filter(|l| !unchanged.contains(l)) {
        let text = texts.get(lang).ok_or_else(|| {
            Error::Invalid(format!(
                "missing the '{lang}' text: every language of the charter is authentic; give --text {lang}=FILE (or --unchanged {lang})"
            ))
        })?;
        Text::parse(&format!("{lang} text"), text)?;
        out.insert(charter::text_path(principle, lang), text.clone());
    }
    Ok(out)
}

/// Builds a proposal adding `lang` to the charter: the text of every
/// principle in that language (`texts`: principle → text) and the language
/// added to `governance.toml`.
pub fn build_language(
    state: &State<'_>,
    language: NewLanguage,
    proposer: &crate::model::id::MemberId,
    now: Timestamp,
) -> Result<NewProposal> {
    let NewLanguage {
        lang,
        texts,
        title,
        deadline,
    } = language;
    let charter = state.charter()?;
    if state.governance.languages.contains(&lang) {
        return Err(RuleError::LanguageExists { lang }.into());
    }
    if let Some(extra) = texts.keys().find(|p| charter.get(p).is_none()) {
        return Err(unknown_principle(extra));
    }
    let mut changes = BTreeMap::new();
    for p in &charter.principles {
        let text = texts.get(&p.id).ok_or_else(|| {
            Error::Invalid(format!("missing the '{lang}' text of principle '{}'", p.id))
        })?;
        Text::parse(&format!("{} ({lang})", p.id), text)?;
        changes.insert(charter::text_path(&p.id, &lang), text.clone());
    }
    let mut gov = state.governance.clone();
    gov.languages.push(lang.clone());
    changes.insert(
        crate::model::governance::PATH.to_string(),
        crate::model::error::to_toml(&gov)?,
    );
    let base = base_of(&state.snapshot, changes.keys());
    let mut file = ProposalFile::new(
        Kind::AddLanguage,
        title.unwrap_or_else(|| format!("Add the language '{lang}'")),
        Some(proposer.clone()),
        now,
    );
    file.deadline = state.deadline(deadline, now)?;
    file.language = Some(lang.clone());
    file.base = base;
    Ok(NewProposal {
        slug: format!("language-{lang}"),
        file,
        changes,
        statement: None,
    })
}
