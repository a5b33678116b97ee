//! Translations that may need attention: the languages an amendment left
//! as they were, declared unchanged on purpose or forgotten.

use std::collections::BTreeMap;

use crate::model::charter;
use crate::model::error::Result;
use crate::model::id::{Lang, PrincipleId};
use crate::model::proposal::Kind;
use crate::store::view::State;

/// A language an amendment left as it was.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UntouchedLanguage {
    pub principle: PrincipleId,
    pub proposal: crate::model::id::ProposalId,
    pub lang: Lang,
    /// Declared unchanged on purpose (`--unchanged`), rather than forgotten.
    pub on_purpose: bool,
}

/// The languages amendment `p` does not change: declared unchanged, or
/// given a text identical to the one in force.
pub fn untouched_languages(
    p: &crate::model::proposal::Proposal,
    langs: &[Lang],
    snap: &crate::store::snapshot::Snapshot,
) -> Vec<UntouchedLanguage> {
    let Some(principle) = p
        .file
        .principle
        .as_ref()
        .filter(|_| p.file.kind == Kind::Amend)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Only the languages the charter had when it was proposed: each was
    // given a text or declared unchanged.
    let then = langs.iter().filter(|l| {
        p.file.unchanged.contains(l) || p.changes.contains_key(&charter::text_path(principle, l))
    });
    for lang in then {
        let path = charter::text_path(principle, lang);
        let same = match p.changes.get(&path) {
            None => true,
            Some(new) => p
                .file
                .base
                .get(&path)
                .and_then(|id| crate::store::Oid::from_str(id).ok())
                .and_then(|id| snap.blob_text(&path, id).ok())
                .is_some_and(|old| &old == new),
        };
        if same {
            out.push(UntouchedLanguage {
                principle: principle.clone(),
                proposal: p.id.clone(),
                lang: lang.clone(),
                on_purpose: p.file.unchanged.contains(lang),
            });
        }
    }
    out
}

/// For every principle, the languages its last adopted amendment left
/// untouched: translations that may need attention.
pub fn translation_gaps(state: &State<'_>) -> Result<Vec<UntouchedLanguage>> {
    let mut last: BTreeMap<PrincipleId, crate::model::proposal::Proposal> = BTreeMap::new();
    for id in state.proposal_ids()? {
        let p = state.proposal(&id)?;
        let (Some(principle), Some(decision)) = (p.file.principle.clone(), p.decision.as_ref())
        else {
            continue;
        };
        if p.file.kind != Kind::Amend {
            continue;
        }
        let newer = last
            .get(&principle)
            .and_then(|q| q.decision.as_ref())
            .is_none_or(|d| d.date <= decision.date);
        if newer {
            last.insert(principle, p);
        }
    }
    let charter = state.charter()?;
    Ok(last
        .values()
        .filter(|p| {
            p.file
                .principle
                .as_ref()
                .is_some_and(|id| charter.get(id).is_some())
        })
        .flat_map(|p| untouched_languages(p, &state.governance.languages, &state.snapshot))
        .collect())
}

impl std::fmt::Display for UntouchedLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = if self.on_purpose {
            "declared unchanged on purpose"
        } else {
            "not declared unchanged: check the translation"
        };
        write!(
            f,
            "the '{}' text of {} was not changed by {} ({why})",
            self.lang, self.principle, self.proposal
        )
    }
}
