use charter::history::views::charter as view;
use charter::model::id::{Lang, PrincipleId};

use super::output::{colour, json, paint, Paint};
use super::{CmdResult, Ctx};

/// Print the charter as it stands, or one principle.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this principle.
    principle: Option<PrincipleId>,
    /// The language (default: the reference language, the first of governance.toml).
    #[arg(long)]
    lang: Option<Lang>,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let view = view::text(&group.state()?, args.principle.as_ref(), args.lang)?;
    if args.json {
        // The principles only, as a list: the group and language are in
        // every entry or known to the caller.
        return json(&view.principles);
    }
    let on = colour();
    if args.principle.is_none() {
        outln!("{}\n", paint(on, Paint::Bold, &format!("# {}", view.group)))?;
    }
    for p in &view.principles {
        outln!(
            "{}\n\n{}\n",
            paint(on, Paint::Bold, &format!("## {}. {}", p.number, p.title)),
            p.text
        )?;
    }
    Ok(())
}
