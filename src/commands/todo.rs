use charter::history::views::todo::TodoView;
use charter::model::clock;

use super::output::json;
use super::{CmdResult, Ctx};

/// What you (the acting key's member) must still sign, with deadlines.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let key = ctx.signing_key()?;
    let state = group.state()?;
    let member = state.member_for(key.public())?.id.clone();
    let view = TodoView::of(group.repo(), &state, &member, &clock::now()?)?;
    if args.json {
        return json(&view);
    }
    if view.items.is_empty() {
        errln!("nothing for {member} to sign");
        return Ok(());
    }
    for t in &view.items {
        let deadline = t
            .deadline
            .as_ref()
            .map(|d| format!("  (deadline {d})"))
            .unwrap_or_default();
        let command = match (t.act, &t.member) {
            ("propose", Some(candidate)) => format!("charter propose member {candidate}"),
            ("withdraw-objection", _) => format!("charter object {} --withdraw", t.id),
            (act, _) => format!("charter {act} {}", t.id),
        };
        outln!("{command}  # {}{deadline}", t.title)?;
    }
    Ok(())
}
