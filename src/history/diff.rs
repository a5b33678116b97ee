//! Word-level differences between two texts, for `show` and `diff`.

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag};
use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "text", rename_all = "kebab-case")]
pub enum Piece {
    Same(String),
    Added(String),
    Removed(String),
}

/// The most words (or lines) two texts may differ by, between what they
/// share at their start and at their end, for the change to be found word by
/// word. Finding it costs up to the square of that number, so a member's
/// texts of a few hundred thousand words, each unlike the other, would keep
/// `show`, `diff` and `publish` busy for hours; past it the differing middle
/// is shown removed and added whole. The bound is a count, not a clock, so
/// the same texts always give the same diff (and the same site). A principle
/// of a few pages is far below it.
pub const MAX_DIFFERING: usize = 10_000;

/// The differences between `old` and `new`, word by word, with runs of the
/// same kind merged so a reader sees phrases rather than single words.
pub fn words(old: &str, new: &str) -> Vec<Piece> {
    let old: Vec<&str> = old.split_word_bounds().collect();
    let new: Vec<&str> = new.split_word_bounds().collect();
    merge_across_spaces(runs(bounded(Algorithm::Patience, &old, &new).into_iter()))
}

/// Line-level differences, for lists such as the order of principles.
pub fn lines(old: &str, new: &str) -> Vec<Piece> {
    let old: Vec<&str> = old.split_inclusive('\n').collect();
    let new: Vec<&str> = new.split_inclusive('\n').collect();
    runs(bounded(Algorithm::Myers, &old, &new).into_iter())
}

/// The changes from `old` to `new`, token by token, unless they differ by
/// more than [`MAX_DIFFERING`] tokens past a shared start and end.
fn bounded<'a>(
    algorithm: Algorithm,
    old: &[&'a str],
    new: &[&'a str],
) -> Vec<(ChangeTag, &'a str)> {
    let diff = |old: &[&'a str], new: &[&'a str], out: &mut Vec<(ChangeTag, &'a str)>| {
        for op in similar::capture_diff_slices(algorithm, old, new) {
            out.extend(op.iter_changes(old, new).map(|c| (c.tag(), c.value())));
        }
    };
    let mut changes = Vec::with_capacity(old.len() + new.len());
    // Short texts are diffed whole: what they share at their ends can
    // anchor the change elsewhere.
    if old.len() + new.len() <= MAX_DIFFERING {
        diff(old, new, &mut changes);
        return changes;
    }
    let start = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let end = old[start..]
        .iter()
        .rev()
        .zip(new[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_mid, new_mid) = (&old[start..old.len() - end], &new[start..new.len() - end]);
    changes.extend(old[..start].iter().map(|t| (ChangeTag::Equal, *t)));
    if old_mid.len() + new_mid.len() <= MAX_DIFFERING {
        diff(old_mid, new_mid, &mut changes);
    } else {
        changes.extend(old_mid.iter().map(|t| (ChangeTag::Delete, *t)));
        changes.extend(new_mid.iter().map(|t| (ChangeTag::Insert, *t)));
    }
    changes.extend(
        old[old.len() - end..]
            .iter()
            .map(|t| (ChangeTag::Equal, *t)),
    );
    changes
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
    fn a_long_text_with_a_small_edit_is_still_diffed_word_by_word() {
        let long = "Shared by default. ".repeat(MAX_DIFFERING);
        let old = format!("{long}Code is shared where appropriate. {long}");
        let new = format!("{long}Code is shared by default. {long}");
        let d = words(&old, &new);
        assert_eq!(d.len(), 4, "{:?}", &d[1..d.len() - 1]);
        assert_eq!(d[1], Piece::Removed("where appropriate".into()));
        assert_eq!(d[2], Piece::Added("by default".into()));
        assert_eq!(sides(&d), (old, new));
    }

    /// What `pieces` says the two texts were.
    fn sides(pieces: &[Piece]) -> (String, String) {
        let (mut old, mut new) = (String::new(), String::new());
        for p in pieces {
            match p {
                Piece::Same(t) => {
                    old.push_str(t);
                    new.push_str(t);
                }
                Piece::Removed(t) => old.push_str(t),
                Piece::Added(t) => new.push_str(t),
            }
        }
        (old, new)
    }

    #[test]
    fn texts_differing_past_the_bound_show_their_middle_replaced_whole() {
        // `n` words, each unlike any other: the word diff's worst case.
        let words_of = |tag: &str, n: usize| {
            (0..n)
                .map(|i| format!("{tag}{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        // Words and the spaces between them are tokens: each side alone
        // differs by about the bound.
        let n = MAX_DIFFERING / 2;
        let old = format!("Intro. {} Outro.", words_of("a", n));
        let new = format!("Intro. {} Outro.", words_of("b", n));
        let d = words(&old, &new);
        assert_eq!(d.len(), 4, "{:?}", &d[..2]);
        assert_eq!(d[0], Piece::Same("Intro. ".into()));
        assert_eq!(d[3], Piece::Same(" Outro.".into()));
        assert_eq!(sides(&d), (old, new));
        // Within the bound, every other word changed: word by word.
        let n = MAX_DIFFERING / 8;
        let old = format!("Intro. {} Outro.", words_of("a", n));
        let new = old.replace('0', "zero");
        let d = words(&old, &new);
        assert!(d.len() > n / 10, "{} pieces", d.len());
        assert_eq!(sides(&d), (old, new));
        // Lines as well.
        let old = words_of("a", MAX_DIFFERING).replace(' ', "\n");
        let new = words_of("b", MAX_DIFFERING).replace(' ', "\n");
        let d = lines(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!(sides(&d), (old, new));
    }

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
