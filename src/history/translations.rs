//! Translations that may need attention: the languages an amendment left
//! as they were, declared unchanged on purpose or forgotten.

use std::collections::BTreeMap;

use crate::history::index::Index;
use crate::model::charter;
use crate::model::error::Result;
use crate::model::id::{Lang, PrincipleId, ProposalId};
use crate::model::proposal::{Kind, Proposal};
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
/// untouched: translations that may need attention. The decisions are
/// read from the index; only the last amendment of each principle is
/// read from HEAD.
pub fn translation_gaps(state: &State<'_>, index: &Index) -> Result<Vec<UntouchedLanguage>> {
    let mut decided: Vec<_> = index.decisions().iter().collect();
    // Ties of date go to the later id, as when proposals were read in order.
    decided.sort_by(|a, b| a.id.cmp(&b.id));
    let mut last: BTreeMap<PrincipleId, (String, &ProposalId)> = BTreeMap::new();
    for d in decided {
        let g = d.gist(state)?;
        let (Some(principle), Some(date)) = (&g.principle, &g.date) else {
            continue;
        };
        if g.kind != Kind::Amend {
            continue;
        }
        let newer = last
            .get(principle)
            .is_none_or(|(then, _)| then.as_str() <= date.as_str());
        if newer {
            last.insert(principle.clone(), (date.clone(), &d.id));
        }
    }
    let charter = state.charter()?;
    let mut out = Vec::new();
    for (principle, (_, id)) in last {
        if charter.get(&principle).is_none() {
            continue;
        }
        let p = Proposal::load_content(&state.snapshot, id)?;
        out.extend(untouched_languages(
            &p,
            &state.governance.languages,
            &state.snapshot,
        ));
    }
    Ok(out)
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
