//! Word-level differences between two texts, for `show` and `diff`.

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, TextDiff};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "text", rename_all = "kebab-case")]
pub enum Piece {
    Same(String),
    Added(String),
    Removed(String),
}

/// The differences between `old` and `new`, word by word, with runs of the
/// same kind merged so a reader sees phrases rather than single words.
pub fn words(old: &str, new: &str) -> Vec<Piece> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_unicode_words(old, new);
    merge_across_spaces(runs(diff.iter_all_changes().map(|c| (c.tag(), c.value()))))
}

/// Line-level differences, for lists such as the order of principles.
pub fn lines(old: &str, new: &str) -> Vec<Piece> {
    let diff = TextDiff::from_lines(old, new);
    runs(diff.iter_all_changes().map(|c| (c.tag(), c.value())))
}

/// Consecutive changes of one kind, joined.
fn runs<'a>(changes: impl Iterator<Item = (ChangeTag, &'a str)>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for (tag, text) in changes {
        match (tag, out.last_mut()) {
            (ChangeTag::Equal, Some(Piece::Same(s)))
            | (ChangeTag::Insert, Some(Piece::Added(s)))
            | (ChangeTag::Delete, Some(Piece::Removed(s))) => s.push_str(text),
            (ChangeTag::Equal, _) => out.push(Piece::Same(text.to_string())),
            (ChangeTag::Insert, _) => out.push(Piece::Added(text.to_string())),
            (ChangeTag::Delete, _) => out.push(Piece::Removed(text.to_string())),
        }
    }
    out
}

/// `[-a-] [-b-]{+c+} {+d+}` reads better as `[-a b-]{+c d+}`: a change that
/// spans several words is shown as one.
fn merge_across_spaces(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut removed = String::new();
    let mut added = String::new();
    let mut pending_space = String::new();
    let flush = |out: &mut Vec<Piece>, removed: &mut String, added: &mut String| {
        if !removed.is_empty() {
            out.push(Piece::Removed(std::mem::take(removed)));
        }
        if !added.is_empty() {
            out.push(Piece::Added(std::mem::take(added)));
        }
    };
    let in_change = |r: &String, a: &String| !r.is_empty() || !a.is_empty();
    for p in pieces {
        match p {
            Piece::Removed(t) => {
                removed.push_str(&pending_space);
                if !added.is_empty() {
                    added.push_str(&pending_space);
                }
                pending_space.clear();
                removed.push_str(&t);
            }
            Piece::Added(t) => {
                added.push_str(&pending_space);
                if !removed.is_empty() {
                    removed.push_str(&pending_space);
                }
                pending_space.clear();
                added.push_str(&t);
            }
            Piece::Same(t)
                if in_change(&removed, &added)
                    && pending_space.is_empty()
                    && t.trim().is_empty() =>
            {
                pending_space = t;
            }
            Piece::Same(t) => {
                flush(&mut out, &mut removed, &mut added);
                let t = std::mem::take(&mut pending_space) + &t;
                match out.last_mut() {
                    Some(Piece::Same(s)) => s.push_str(&t),
                    _ => out.push(Piece::Same(t)),
                }
            }
        }
    }
    flush(&mut out, &mut removed, &mut added);
    if !pending_space.is_empty() {
        out.push(Piece::Same(pending_space));
    }
    out
}

/// What happened to one principle between two versions of the charter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fate {
    Unchanged,
    Amended,
    Added,
    Retired,
}

impl Fate {
    /// What an adopted amendment of this kind does to its principle.
    pub fn of_adopted(kind: crate::model::proposal::Kind) -> Self {
        use crate::model::proposal::Kind;
        match kind {
            Kind::Add => Fate::Added,
            Kind::Retire => Fate::Retired,
            _ => Fate::Amended,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Unchanged => "unchanged",
            Fate::Amended => "amended",
            Fate::Added => "added",
            Fate::Retired => "retired",
        }
    }

    /// The word of an annual review, where a principle no amendment
    /// changed is retained.
    pub fn in_review(self) -> &'static str {
        match self {
            Fate::Unchanged => "retained",
            other => other.as_str(),
        }
    }
}

/// One principle compared between two versions, in one language.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipleDiff {
    pub id: crate::model::id::PrincipleId,
    pub fate: Fate,
    pub from_number: Option<usize>,
    pub to_number: Option<usize>,
    pub title_from: Option<String>,
    pub title_to: Option<String>,
    /// The title changed.
    pub renamed: bool,
    /// The principle moved relative to the others.
    pub reordered: bool,
    pub diff: Vec<Piece>,
}

/// Compares two versions of the charter principle by principle, in `lang`:
/// the principles of `to` in order, then those `from` had and `to` retired.
pub fn charters(
    from: &crate::model::charter::Charter,
    to: &crate::model::charter::Charter,
    lang: &crate::model::id::Lang,
) -> Vec<PrincipleDiff> {
    let text = |c: &crate::model::charter::Charter, id| {
        c.get(id)
            .and_then(|p| p.texts.get(lang))
            .map(|t| (t.title.clone(), t.body.clone()))
    };
    // Reordering is judged on the principles both versions share.
    let shared =
        |c: &crate::model::charter::Charter, other: &crate::model::charter::Charter| -> Vec<_> {
            c.principles
                .iter()
                .filter(|p| other.get(&p.id).is_some())
                .map(|p| p.id.clone())
                .collect()
        };
    let (order_from, order_to) = (shared(from, to), shared(to, from));
    let mut out = Vec::new();
    let ids = to.principles.iter().map(|p| &p.id).chain(
        from.principles
            .iter()
            .map(|p| &p.id)
            .filter(|id| to.get(id).is_none()),
    );
    for id in ids {
        let (old, new) = (text(from, id), text(to, id));
        let body =
            |t: &Option<(String, String)>| t.as_ref().map(|t| t.1.clone()).unwrap_or_default();
        let pieces = words(&body(&old), &body(&new));
        let fate = match (&old, &new) {
            (None, _) => Fate::Added,
            (_, None) => Fate::Retired,
            (Some(a), Some(b)) if a == b => Fate::Unchanged,
            _ => Fate::Amended,
        };
        let pos = |order: &[crate::model::id::PrincipleId]| order.iter().position(|p| p == id);
        out.push(PrincipleDiff {
            id: id.clone(),
            fate,
            from_number: from.position(id).map(|n| n + 1),
            to_number: to.position(id).map(|n| n + 1),
            renamed: matches!((&old, &new), (Some(a), Some(b)) if a.0 != b.0),
            reordered: pos(&order_from).is_some() && pos(&order_from) != pos(&order_to),
            title_from: old.map(|t| t.0),
            title_to: new.map(|t| t.0),
            diff: pieces,
        });
    }
    out
}

/// A proposal's differences: each file it changes and how.
pub type Changes = Vec<(String, Vec<Piece>)>;

/// Each file a proposal changes, as a word diff against the text it was
/// proposed on (its base), read from `snap`'s repository.
pub fn proposal(
    snap: &crate::store::snapshot::Snapshot,
    p: &crate::model::proposal::Proposal,
) -> crate::model::error::Result<Vec<(String, Vec<Piece>)>> {
    Ok(proposal_texts(snap, p)?.compare())
}

/// What a proposal's differences are computed from: each file it changes,
/// with its base text and its new one.
pub struct Texts(Vec<(String, String, String)>);

impl Texts {
    /// The differences, file by file: lines for TOML, else words.
    pub fn compare(&self) -> Changes {
        self.0
            .iter()
            .map(|(path, old, new)| {
                let pieces = if path.ends_with(".toml") {
                    lines(old, new)
                } else {
                    words(old, new)
                };
                (path.clone(), pieces)
            })
            .collect()
    }
}

/// The differences of many proposals, computed on every core: in a
/// year's report they are most of the time.
pub fn compare_all(texts: &[Texts]) -> crate::model::error::Result<Vec<Changes>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = texts.len().div_ceil(cores).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = texts
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(Texts::compare).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(texts.len());
        for part in parts {
            let done = part.join().map_err(|_| {
                crate::model::error::Error::Internal("a thread computing differences failed".into())
            })?;
            out.extend(done);
        }
        Ok(out)
    })
}

/// Reads what [`proposal`] compares.
pub fn proposal_texts(
    snap: &crate::store::snapshot::Snapshot,
    p: &crate::model::proposal::Proposal,
) -> crate::model::error::Result<Texts> {
    let mut out = Vec::new();
    for path in p.changes.keys().chain(&p.file.removes) {
        let old = match p.file.base.get(path).map(String::as_str) {
            Some(crate::model::proposal::ABSENT) | None => String::new(),
            Some(id) => {
                let oid = crate::store::Oid::from_str(id)
                    .map_err(|_| crate::model::error::Error::parse(path.clone(), "bad base id"))?;
                snap.blob_text(path, oid)?
            }
        };
        let new = p.changes.get(path).cloned().unwrap_or_default();
        out.push((path.clone(), old, new));
    }
    Ok(Texts(out))
}

pub fn is_unchanged(pieces: &[Piece]) -> bool {
    pieces.iter().all(|p| matches!(p, Piece::Same(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_change_as_phrases() {
        let d = words(
            "Code is shared where appropriate.",
            "Code is shared by default.",
        );
        assert_eq!(
            d,
            vec![
                Piece::Same("Code is shared ".into()),
                Piece::Removed("where appropriate".into()),
                Piece::Added("by default".into()),
                Piece::Same(".".into()),
            ]
        );
        assert!(is_unchanged(&words("a b", "a b")));
        let d = words("shared where it is appropriate.", "shared with exceptions.");
        assert_eq!(
            d,
            vec![
                Piece::Same("shared ".into()),
                Piece::Removed("where it is appropriate".into()),
                Piece::Added("with exceptions".into()),
                Piece::Same(".".into()),
            ]
        );
    }
}
