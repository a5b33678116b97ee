//! What the public site shows, read from a verified history: the charter
//! now and at every version, each principle's history, members, every
//! proposal with its signatures, and each year's report. Everything is as
//! of the commit the site is built from (its time is "now"), so the same
//! repository always gives the same site.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::history::diff::{self, Fate, Piece};
use crate::history::index::Index;
use crate::history::log;
use crate::history::report::{self, Report};
use crate::history::views::proposal::Standing;
use crate::model::charter::Charter;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{Error, Result};
use crate::model::id::{Lang, PrincipleId};
use crate::model::proposal::{self, Kind, Proposal};
use crate::publish::markdown;
use crate::store::repo::Repo;
use crate::store::view::State;
use crate::store::Oid;

#[derive(Debug, Serialize)]
pub struct Site {
    pub group: String,
    pub languages: Vec<Language>,
    pub stamp: Stamp,
    /// The charter at the commit the site is built from.
    pub charter: Vec<PrincipleEntry>,
    /// Every version, oldest first: the founding charter, then each
    /// decision that changed it and each closed review.
    pub versions: Vec<Version>,
    /// Every principle the charter ever had, in the order of the charter
    /// now, then those retired.
    pub principles: Vec<PrincipleHistory>,
    pub members: Vec<MemberPage>,
    /// Joinings and departures, oldest first.
    pub timeline: Vec<MemberEvent>,
    /// Every proposal, newest first.
    pub decisions: Vec<DecisionPage>,
    pub reports: Vec<Report>,
    pub allowed_signers: String,
    /// The time of the commit the site is built from.
    pub updated: String,
}

#[derive(Debug, Serialize)]
pub struct Language {
    pub code: String,
    /// The language's own name for itself.
    pub name: String,
}

/// What every page says of where it comes from.
#[derive(Debug, Serialize)]
pub struct Stamp {
    pub commit: String,
    pub root: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrincipleEntry {
    pub id: String,
    pub number: usize,
    /// Language → its title and text.
    pub texts: BTreeMap<String, Rendered>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    pub title: String,
    pub html: String,
}

#[derive(Debug, Serialize)]
pub struct Version {
    /// The file name of its pages: a proposal id, `charter-YEAR` or
    /// `founding`.
    pub key: String,
    pub date: String,
    pub commit: String,
    pub decision: Option<DecisionRef>,
    pub tag: Option<String>,
    pub charter: Vec<PrincipleEntry>,
    /// Language → what changed since the version before.
    pub changes: BTreeMap<String, Vec<Change>>,
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionRef {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub proposer: Option<String>,
    pub seconders: Vec<String>,
    pub acceptors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: String,
    pub fate: &'static str,
    pub title: String,
    pub renamed_from: Option<String>,
    pub diff: Vec<Piece>,
}

#[derive(Debug, Serialize)]
pub struct PrincipleHistory {
    pub id: String,
    /// Language → its latest title.
    pub titles: BTreeMap<String, String>,
    pub retired: bool,
    pub steps: Vec<Step>,
}

/// One version in which a principle changed.
#[derive(Debug, Serialize)]
pub struct Step {
    pub version: String,
    pub date: String,
    pub decision: Option<DecisionRef>,
    /// Language → the change.
    pub changes: BTreeMap<String, Change>,
}

#[derive(Debug, Serialize)]
pub struct MemberPage {
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub joined: String,
    pub left: Option<String>,
    pub keys: Vec<KeyWindow>,
    /// The proposal that admitted the member, and its statement.
    pub application: Option<String>,
    pub statement_html: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct KeyWindow {
    pub fingerprint: String,
    pub key: String,
    pub from: String,
    pub until: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MemberEvent {
    pub date: String,
    pub member: String,
    pub name: String,
    pub event: &'static str,
}

#[derive(Debug, Serialize)]
pub struct DecisionPage {
    #[serde(flatten)]
    pub standing: Standing,
    pub kind_name: &'static str,
    pub status_name: String,
    pub digest: String,
    pub reason: Option<String>,
    pub statement_html: Option<String>,
    pub changes: Vec<FileChange>,
    pub signatures: Vec<SignaturePage>,
    /// The version of the charter this decision made, if it made one.
    pub version: Option<String>,
    /// The member or candidate it concerns has a page: it was registered.
    pub member_page: bool,
}

#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    pub removed: bool,
    pub diff: Vec<Piece>,
}

#[derive(Debug, Serialize)]
pub struct SignaturePage {
    pub signer: String,
    pub act: &'static str,
    pub date: String,
    pub reason: Option<String>,
    /// The record's file name without `.msg`.
    pub name: String,
    /// The act's date as `ssh-keygen -Overify-time=` takes it.
    pub verify_time: String,
    /// The blobs of the record's two files, copied to the site as they are.
    #[serde(skip)]
    pub msg: Oid,
    #[serde(skip)]
    pub sig: Oid,
}

/// Reads everything the site shows from the history of `head`.
pub fn gather(repo: &Repo, head: Oid, summary: String) -> Result<Site> {
    let state = State::at(repo, head)?;
    let head_info = repo.commit_info(head)?;
    let now = time(head_info.time)?;
    let (gov, charter_now) = log::charter_at(repo, head)?;
    let languages = gov.languages.clone();
    let root = repo.root()?;
    let index = Index::of(repo, head)?;

    // Only a review's own tag names a version (and a folder of the site):
    // `charter-` and a year, nothing a ref name could smuggle in.
    let tags: BTreeMap<Oid, String> = repo
        .tag_names("charter-*")?
        .into_iter()
        .filter(|name| {
            name.strip_prefix("charter-")
                .is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|name| repo.tag_commit(&name).ok().map(|c| (c, name)))
        .collect();

    let mut versions = Vec::new();
    let founding = log::charter_at(repo, root)?.1;
    let founded = time(repo.commit_info(root)?.time)?;
    versions.push(version(
        "founding".into(),
        &founding,
        None,
        &languages,
        (
            clock::format(&founded),
            root,
            None,
            tags.get(&root).cloned(),
        ),
    ));
    let mut previous = founding;
    let mut version_of = BTreeMap::new();
    for d in index.decisions() {
        let f = d.facts(&state)?;
        let tag = tags.get(&d.commit).cloned();
        if !f.kind.has_changes() && tag.is_none() {
            continue;
        }
        let (_, at) = log::charter_at(repo, d.commit)?;
        let key = match (&tag, f.kind.has_changes()) {
            (Some(t), false) => t.clone(),
            _ => d.id.to_string(),
        };
        let decision = DecisionRef {
            id: d.id.to_string(),
            title: f.title.clone(),
            kind: f.kind.as_str().into(),
            proposer: f.proposer.as_ref().map(ToString::to_string),
            seconders: f.seconders.iter().map(String::from).collect(),
            acceptors: f.acceptors.iter().map(String::from).collect(),
        };
        let mut v = version(
            key.clone(),
            &at,
            Some(&previous),
            &languages,
            (
                f.date.clone().unwrap_or_default(),
                d.commit,
                Some(decision),
                tag,
            ),
        );
        v.previous = versions.last().map(|p: &Version| p.key.clone());
        version_of.insert(d.id.to_string(), key);
        versions.push(v);
        previous = at;
    }

    let principles = histories(&charter_now, &versions, &languages);
    let (members, timeline) = members(&state, &index)?;
    // Every proposal is read whole, every record of it: half of them on a
    // second handle, on the other core.
    let ids = proposal::list(&state.snapshot)?;
    let (first, second) = ids.split_at(ids.len() / 2);
    let other = repo.reopen()?;
    let (at, made) = (&now, &version_of);
    let registered: std::collections::BTreeSet<&str> =
        members.iter().map(|m| m.id.as_str()).collect();
    let decisions = std::thread::scope(|s| {
        let side = s.spawn(move || {
            let state = State::at(&other, head)?;
            decisions(&state, first, at, made)
        });
        let mut rest = decisions(&state, second, &now, &version_of)?;
        let mut all = side
            .join()
            .map_err(|_| Error::Internal("the thread reading proposals failed".into()))??;
        all.append(&mut rest);
        all.reverse();
        for d in &mut all {
            d.member_page = d
                .standing
                .member
                .as_ref()
                .is_some_and(|m| registered.contains(m.as_str()));
        }
        Ok::<_, Error>(all)
    })?;
    let mut reports = Vec::new();
    let first = state.members()?.genesis().map_or_else(
        || versions.first().map_or(now.year(), |v| year_of(&v.date)),
        |g| g.year(),
    );
    for year in first..=now.year() {
        reports.push(report::build(repo, &state, year)?);
    }
    Ok(Site {
        group: gov.name.clone(),
        languages: languages.iter().map(language).collect(),
        stamp: Stamp {
            commit: head.to_string(),
            root: root.to_string(),
            summary,
        },
        charter: entries(&charter_now, &languages),
        versions,
        principles,
        members,
        timeline,
        decisions,
        reports,
        allowed_signers: state
            .snapshot
            .read(crate::model::member::ALLOWED_SIGNERS)?
            .unwrap_or_default(),
        updated: clock::format(&now),
    })
}

use chrono::Datelike;

fn time(secs: i64) -> Result<Timestamp> {
    chrono::DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| Error::Internal(format!("commit time {secs} out of range")))
}

fn year_of(date: &str) -> i32 {
    clock::parse_timestamp(date).map_or(0, |t| t.year())
}

fn language(l: &Lang) -> Language {
    let name = match l.as_str() {
        "en" => "English",
        "fr" => "Français",
        "de" => "Deutsch",
        "es" => "Español",
        "pt" => "Português",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "et" => "Eesti",
        "ko" => "한국어",
        "he" => "עברית",
        "ja" => "日本語",
        "cy" => "Cymraeg",
        "mi" => "Te Reo Māori",
        other => other,
    };
    Language {
        code: l.to_string(),
        name: name.into(),
    }
}

fn entries(charter: &Charter, languages: &[Lang]) -> Vec<PrincipleEntry> {
    charter
        .principles
        .iter()
        .enumerate()
        .map(|(i, p)| PrincipleEntry {
            id: p.id.to_string(),
            number: i + 1,
            texts: languages
                .iter()
                .filter_map(|l| {
                    p.texts.get(l).map(|t| {
                        let r = Rendered {
                            title: t.title.clone(),
                            html: markdown::to_html(&t.body),
                        };
                        (l.to_string(), r)
                    })
                })
                .collect(),
        })
        .collect()
}

type Made = (String, Oid, Option<DecisionRef>, Option<String>);

/// One version: the charter `at`, and what changed since `before`.
fn version(
    key: String,
    at: &Charter,
    before: Option<&Charter>,
    languages: &[Lang],
    (date, commit, decision, tag): Made,
) -> Version {
    let mut changes = BTreeMap::new();
    if let Some(before) = before {
        for l in languages {
            let changed: Vec<Change> = diff::charters(before, at, l)
                .into_iter()
                .filter(|d| d.fate != Fate::Unchanged || d.renamed)
                .map(change)
                .collect();
            changes.insert(l.to_string(), changed);
        }
    }
    Version {
        key,
        date,
        commit: commit.to_string(),
        decision,
        tag,
        charter: entries(at, languages),
        changes,
        previous: None,
    }
}

fn change(d: diff::PrincipleDiff) -> Change {
    Change {
        id: d.id.to_string(),
        fate: fate(d.fate),
        title: d
            .title_to
            .clone()
            .or_else(|| d.title_from.clone())
            .unwrap_or_default(),
        renamed_from: d.renamed.then(|| d.title_from.clone()).flatten(),
        diff: d.diff,
    }
}

fn fate(f: Fate) -> &'static str {
    match f {
        Fate::Added => "added",
        Fate::Retired => "retired",
        Fate::Unchanged => "unchanged",
        _ => "amended",
    }
}

/// Each principle's history, from the versions' changes.
fn histories(now: &Charter, versions: &[Version], languages: &[Lang]) -> Vec<PrincipleHistory> {
    let mut order: Vec<PrincipleId> = now.principles.iter().map(|p| p.id.clone()).collect();
    let mut by_id: BTreeMap<String, PrincipleHistory> = BTreeMap::new();
    for v in versions {
        let first = v.previous.is_none() && v.changes.is_empty();
        if first {
            for p in &v.charter {
                let changes = p
                    .texts
                    .iter()
                    .map(|(l, t)| {
                        let c = Change {
                            id: p.id.clone(),
                            fate: "added",
                            title: t.title.clone(),
                            renamed_from: None,
                            diff: Vec::new(),
                        };
                        (l.clone(), c)
                    })
                    .collect();
                history(&mut by_id, &p.id).steps.push(Step {
                    version: v.key.clone(),
                    date: v.date.clone(),
                    decision: None,
                    changes,
                });
            }
            continue;
        }
        let mut steps: BTreeMap<String, BTreeMap<String, Change>> = BTreeMap::new();
        for (lang, changes) in &v.changes {
            for c in changes {
                steps
                    .entry(c.id.clone())
                    .or_default()
                    .insert(lang.clone(), c.clone());
            }
        }
        for (id, changes) in steps {
            history(&mut by_id, &id).steps.push(Step {
                version: v.key.clone(),
                date: v.date.clone(),
                decision: v.decision.clone(),
                changes,
            });
        }
    }
    for id in by_id.keys() {
        if let Ok(id) = id.parse::<PrincipleId>() {
            if !order.contains(&id) {
                order.push(id);
            }
        }
    }
    order
        .iter()
        .filter_map(|id| {
            let mut h = by_id.remove(id.as_str())?;
            match now.get(id) {
                Some(p) => {
                    h.titles = languages
                        .iter()
                        .filter_map(|l| p.texts.get(l).map(|t| (l.to_string(), t.title.clone())))
                        .collect();
                }
                None => {
                    h.retired = true;
                    if let Some(last) = h.steps.iter().rev().find_map(|s| {
                        let t: BTreeMap<_, _> = s
                            .changes
                            .iter()
                            .map(|(l, c)| (l.clone(), c.title.clone()))
                            .collect();
                        (!t.is_empty()).then_some(t)
                    }) {
                        h.titles = last;
                    }
                }
            }
            Some(h)
        })
        .collect()
}

fn history<'a>(
    by_id: &'a mut BTreeMap<String, PrincipleHistory>,
    id: &str,
) -> &'a mut PrincipleHistory {
    by_id
        .entry(id.to_string())
        .or_insert_with(|| PrincipleHistory {
            id: id.to_string(),
            titles: BTreeMap::new(),
            retired: false,
            steps: Vec::new(),
        })
}

/// Every member ever registered, with their keys and statements, and the
/// timeline of joinings and departures.
fn members(state: &State, index: &Index) -> Result<(Vec<MemberPage>, Vec<MemberEvent>)> {
    let members = state.members()?;
    let mut applications = BTreeMap::new();
    for d in index.decisions() {
        let p = Proposal::load_content(&state.snapshot, &d.id)?;
        if p.file.kind == Kind::Member {
            if let Some(m) = &p.file.member {
                applications.insert(m.to_string(), (d.id.to_string(), p.statement.clone()));
            }
        }
    }
    let mut pages = Vec::new();
    let mut timeline = Vec::new();
    for m in members.everyone() {
        let mut keys: Vec<KeyWindow> = m
            .previous_keys
            .iter()
            .map(|k| KeyWindow {
                fingerprint: k.key.fingerprint(),
                key: k.key.to_openssh(),
                from: clock::format(&k.from),
                until: Some(clock::format(&k.until)),
            })
            .collect();
        keys.push(KeyWindow {
            fingerprint: m.key.fingerprint(),
            key: m.key.to_openssh(),
            from: clock::format(&m.key_since),
            until: m.left.as_ref().map(clock::format),
        });
        let (application, statement) = match applications.remove(m.id.as_str()) {
            Some((id, statement)) => (Some(id), statement),
            None => (None, None),
        };
        let event = |date: &Timestamp, event| MemberEvent {
            date: clock::format(date),
            member: m.id.to_string(),
            name: m.name.clone(),
            event,
        };
        timeline.push(event(&m.joined, "joined"));
        if let Some(left) = &m.left {
            timeline.push(event(left, "left"));
        }
        pages.push(MemberPage {
            id: m.id.to_string(),
            name: m.name.clone(),
            organisation: m.organisation.clone(),
            joined: clock::format(&m.joined),
            left: m.left.as_ref().map(clock::format),
            keys,
            application,
            statement_html: statement.as_deref().map(markdown::to_html),
        });
    }
    timeline.sort_by(|a, b| (&a.date, &a.member).cmp(&(&b.date, &b.member)));
    Ok((pages, timeline))
}

/// The proposals `ids`, as pages.
fn decisions(
    state: &State,
    ids: &[crate::model::id::ProposalId],
    now: &Timestamp,
    version_of: &BTreeMap<String, String>,
) -> Result<Vec<DecisionPage>> {
    let mut out = Vec::new();
    for id in ids {
        let p = state.proposal(id)?;
        let standing = Standing::of(state, &p, now)?;
        let changes = diff::proposal(&state.snapshot, &p)?
            .into_iter()
            .map(|(path, diff)| FileChange {
                removed: p.file.removes.contains(&path),
                path,
                diff,
            })
            .collect();
        let dir = crate::model::tree::join(&id.dir(), proposal::SIGNATURES);
        let blobs: BTreeMap<String, Oid> = state.snapshot.files_under(&dir)?.into_iter().collect();
        let blob = |name: &str| {
            blobs
                .get(name)
                .copied()
                .ok_or_else(|| Error::parse(format!("{dir}/{name}"), "missing"))
        };
        let signatures = p
            .records
            .iter()
            .map(|r| {
                let m = &r.act.message;
                let file = r.path.rsplit('/').next().unwrap_or_default();
                let name = file.trim_end_matches(".msg");
                Ok(SignaturePage {
                    signer: m.signer.to_string(),
                    act: m.act.as_str(),
                    date: clock::format(&m.date),
                    reason: m.reason.clone(),
                    name: name.to_string(),
                    verify_time: m.date.format("%Y%m%d%H%M%SZ").to_string(),
                    msg: blob(file)?,
                    sig: blob(&format!("{name}.sig"))?,
                })
            })
            .collect::<Result<_>>()?;
        out.push(DecisionPage {
            kind_name: p.file.kind.as_str(),
            status_name: standing.status.to_string(),
            digest: p.digest.to_string(),
            reason: p.file.reason.clone(),
            statement_html: p.statement.as_deref().map(markdown::to_html),
            changes,
            signatures,
            version: version_of.get(id.as_str()).cloned(),
            member_page: false,
            standing,
        });
    }
    Ok(out)
}
