use charter::history::diff::{self, Fate};
use charter::history::log;
use charter::model::id::{Lang, PrincipleId};
use charter::Error;
use serde_json::json;

use super::output::{colour, json, paint, word_diff, Paint};
use super::{CmdResult, Ctx};

/// Word-level differences between two versions of the charter.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// From: a review year or tag (2021, charter-2021), a day (2018-06-01),
    /// or a commit. Default: the last closed review.
    from: Option<String>,
    /// To: as FROM. Default: the charter as it stands now.
    to: Option<String>,
    /// Only this principle.
    #[arg(long)]
    principle: Option<PrincipleId>,
    /// The language (default: the reference language).
    #[arg(long)]
    lang: Option<Lang>,
    /// Also list unchanged principles.
    #[arg(long)]
    all: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let repo = group.repo();
    let (from_name, from) = match &args.from {
        Some(spec) => (spec.clone(), log::resolve(repo, spec)?),
        None => match log::last_review(repo)? {
            Some((year, commit)) => (charter::model::review::tag(year), commit),
            None => ("genesis".to_string(), repo.root()?),
        },
    };
    let (to_name, to) = match &args.to {
        Some(spec) => (spec.clone(), log::resolve(repo, spec)?),
        None => ("now".to_string(), group.state()?.head),
    };
    let (gov_from, charter_from) = log::charter_at(repo, from)?;
    let (gov_to, charter_to) = log::charter_at(repo, to)?;
    let lang = match args.lang {
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
            ))
            .into());
        }
    }
    if let Some(p) = &args.principle {
        if charter_from.get(p).is_none() && charter_to.get(p).is_none() {
            return Err(Error::Invalid(format!("no principle '{p}' in either version")).into());
        }
    }
    let diffs: Vec<_> = diff::charters(&charter_from, &charter_to, &lang)
        .into_iter()
        .filter(|d| args.principle.as_ref().is_none_or(|p| &d.id == p))
        .filter(|d| {
            args.all || args.principle.is_some() || d.fate != Fate::Unchanged || d.reordered
        })
        .collect();
    if args.json {
        json(&json!({
            "from": {"name": from_name, "commit": from.to_string()},
            "to": {"name": to_name, "commit": to.to_string()},
            "lang": lang.as_str(),
            "principles": diffs,
        }))?;
        return Ok(());
    }
    let on = colour();
    outln!(
        "{}",
        paint(
            on,
            Paint::Bold,
            &format!(
                "charter {from_name} ({}) → {to_name} ({}), {lang}",
                &from.to_string()[..12],
                &to.to_string()[..12]
            )
        )
    )?;
    if diffs.is_empty() {
        outln!("\nno changes")?;
    }
    for d in diffs {
        let number = d.to_number.or(d.from_number).unwrap_or(0);
        let title = d
            .title_to
            .clone()
            .or(d.title_from.clone())
            .unwrap_or_default();
        let mut what = match d.fate {
            Fate::Added => paint(on, Paint::Green, "added"),
            Fate::Retired => paint(on, Paint::Red, "retired"),
            Fate::Amended => paint(on, Paint::Yellow, "amended"),
            Fate::Unchanged => "unchanged".to_string(),
        };
        if d.renamed {
            what.push_str(&format!(
                ", renamed from \"{}\"",
                d.title_from.as_deref().unwrap_or_default()
            ));
        }
        if d.reordered {
            what.push_str(&format!(
                ", moved from {} to {}",
                d.from_number.unwrap_or(0),
                d.to_number.unwrap_or(0)
            ));
        }
        outln!(
            "\n{} ({}): {what}",
            paint(on, Paint::Bold, &format!("{number}. {title}")),
            d.id
        )?;
        if d.fate != Fate::Unchanged {
            for line in word_diff(on, &d.diff).lines() {
                outln!("    {line}")?;
            }
        }
    }
    Ok(())
}
