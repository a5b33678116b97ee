use serde_json::json;

use super::output::{json, table};
use super::{CmdResult, Ctx};

/// List the principles in order, with their titles in every language.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let state = group.state()?;
    let charter = state.charter()?;
    let langs = &state.governance.languages;
    if args.json {
        let list: Vec<_> = charter
            .principles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let titles: serde_json::Map<_, _> = langs
                    .iter()
                    .map(|l| (l.to_string(), json!(p.title(l))))
                    .collect();
                json!({ "id": p.id.as_str(), "number": i + 1, "title": titles })
            })
            .collect();
        json(&json!(list))?;
        return Ok(());
    }
    let mut rows = vec![];
    for (i, p) in charter.principles.iter().enumerate() {
        let mut row = vec![format!("{}.", i + 1), p.id.to_string()];
        row.extend(langs.iter().map(|l| p.title(l).to_string()));
        rows.push(row);
    }
    out!("{}", table(&rows))?;
    Ok(())
}
