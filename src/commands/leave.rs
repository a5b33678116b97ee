use super::act::report_filed;
use super::{CmdResult, Ctx};

/// Leave the group: a signed departure by the acting member (no vote).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_act()?;
    let key = ctx.signing_key()?;
    let id = group.leave(&key, charter::model::clock::now()?)?;
    report_filed(&group, &key, args.json, &id)?;
    Ok(())
}
