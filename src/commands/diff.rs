use charter::history::diff::Fate;
use charter::history::views::charter::{charter_diff, DiffQuery};
use charter::model::id::{Lang, PrincipleId};

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
    let group = ctx.group_to_read()?;
    let query = DiffQuery {
        from: args.from,
        to: args.to,
        principle: args.principle,
        lang: args.lang,
        all: args.all,
    };
    let view = charter_diff(group.repo(), &group.state()?, query)?;
    if args.json {
        return json(&view);
    }
    let on = colour();
    let short = |c: &str| c.get(..12).unwrap_or(c).to_string();
    outln!(
        "{}",
        paint(
            on,
            Paint::Bold,
            &format!(
                "charter {} ({}) → {} ({}), {}",
                view.from.name,
                short(&view.from.commit),
                view.to.name,
                short(&view.to.commit),
                view.lang
            )
        )
    )?;
    if view.principles.is_empty() {
        outln!("\nno changes")?;
    }
    for d in view.principles {
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
