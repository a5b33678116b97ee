use charter::history::views::charter as view;

use super::output::{json, table};
use super::{CmdResult, Ctx};

/// List the principles in order, with their titles in every language.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let state = group.state()?;
    let list = view::principles(&state)?;
    if args.json {
        return json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .into_iter()
        .map(|p| {
            let mut row = vec![format!("{}.", p.number), p.id.to_string()];
            // In the order of governance.toml, the reference language first.
            row.extend(
                state
                    .governance
                    .languages
                    .iter()
                    .filter_map(|l| p.title.get(l).cloned()),
            );
            row
        })
        .collect();
    out!("{}", table(&rows))
}
