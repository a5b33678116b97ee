use charter::history::views::members::MembersView;
use charter::model::clock;
use charter::Error;

use super::output::{json, table};
use super::{CmdResult, Ctx};

/// Who was a member on a date (default: now), since when, with which key.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A day (YYYY-MM-DD, end of day UTC) or RFC 3339 time.
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let state = group.state()?;
    let when = match &args.at {
        Some(d) => clock::parse_deadline(d).ok_or_else(|| {
            Error::Invalid(format!(
                "--at '{}': expected YYYY-MM-DD or an RFC 3339 date-time, from {} to {}",
                charter::crypto::input::echo(d),
                clock::EARLIEST,
                clock::LATEST
            ))
        })?,
        None => clock::now()?,
    };
    let members = state.members()?;
    if let Some(founded) = members.genesis().filter(|g| when < *g) {
        return Err(Error::Invalid(format!(
            "--at {}: {} did not exist yet (founded {})",
            clock::format(&when),
            state.governance.name,
            clock::format(&founded)
        ))
        .into());
    }
    let view = MembersView::at(members, &when);
    if args.json {
        return json(&view);
    }
    let rows: Vec<Vec<String>> = view
        .members
        .into_iter()
        .map(|m| {
            let mut since = format!("since {}", m.joined);
            if let Some(left) = &m.left {
                since.push_str(&format!(", left {left}"));
            }
            vec![m.id.to_string(), m.name, since, m.fingerprint]
        })
        .collect();
    out!("{}", table(&rows))
}
