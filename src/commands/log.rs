use charter::history::views::log;
use charter::model::id::{MemberId, MemberIds, PrincipleId};

use super::output::{colour, json, paint, Paint};
use super::{CmdResult, Ctx};

/// Every change to the charter, newest first, with who agreed.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only changes to this principle.
    #[arg(long)]
    principle: Option<PrincipleId>,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let entries = log::entries(group.repo(), &group.state()?, args.principle.as_ref())?;
    if args.json {
        return json(&entries);
    }
    let on = colour();
    let names = |ids: &MemberIds| ids.as_spaced().replace(' ', ", ");
    for e in &entries {
        let short = e.commit.get(..12).unwrap_or(&e.commit);
        outln!(
            "{} {}  {}",
            paint(on, Paint::Yellow, short),
            paint(on, Paint::Bold, e.id.as_str()),
            e.title
        )?;
        let review = e
            .review
            .map(|y| format!(", review {y}"))
            .unwrap_or_default();
        outln!(
            "  {} {}{review}",
            e.date.as_deref().unwrap_or_default(),
            e.kind.as_str()
        )?;
        outln!(
            "  proposed by {}, seconded by {}",
            e.proposer
                .as_ref()
                .map(MemberId::as_str)
                .unwrap_or_default(),
            names(&e.seconders)
        )?;
        outln!("  accepted by {}\n", names(&e.acceptors))?;
    }
    Ok(())
}
