use charter::history::log;
use charter::model::id::PrincipleId;
use charter::rules::Tally;
use serde_json::{json, Value};

use super::output::{colour, field, joined, json, paint, Paint};
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
    let group = ctx.group()?;
    let state = group.state()?;
    let mut entries: Vec<Value> = Vec::new();
    for f in log::finalizations(group.repo())?.into_iter().rev() {
        let p = state.proposal(&f.id)?;
        if !p.file.kind.has_changes() {
            continue;
        }
        if args.principle.is_some() && p.file.principle != args.principle {
            continue;
        }
        let tally = Tally::of(&p);
        let names = |v: &mut dyn Iterator<Item = &charter::model::id::MemberId>| -> Vec<String> {
            v.map(ToString::to_string).collect()
        };
        entries.push(json!({
            "date": p.decision.as_ref().map(|d| d.date.clone()),
            "id": p.id.as_str(),
            "title": p.file.title,
            "kind": p.file.kind.as_str(),
            "principle": p.file.principle.as_ref().map(|x| x.as_str()),
            "language": p.file.language.as_ref().map(|x| x.as_str()),
            "proposer": p.proposer().map(|x| x.as_str()),
            "seconders": names(&mut tally.seconders.iter()),
            "acceptors": names(&mut tally.accepted.iter()),
            "commit": f.commit.to_string(),
            "review": p.file.review,
        }));
    }
    if args.json {
        json(&json!(entries))?;
        return Ok(());
    }
    let on = colour();
    for e in &entries {
        let s = |k: &str| field(e, k);
        let list = |k: &str| joined(e, k);
        outln!(
            "{} {}  {}",
            paint(on, Paint::Yellow, &s("commit")[..12.min(s("commit").len())]),
            paint(on, Paint::Bold, &s("id")),
            s("title")
        )?;
        let review = e["review"]
            .as_i64()
            .map(|y| format!(", review {y}"))
            .unwrap_or_default();
        outln!("  {} {}{review}", s("date"), s("kind"))?;
        outln!(
            "  proposed by {}, seconded by {}",
            s("proposer"),
            list("seconders")
        )?;
        outln!("  accepted by {}\n", list("acceptors"))?;
    }
    Ok(())
}
