use charter::model::clock;
use charter::Error;
use serde_json::json;

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
    let group = ctx.group()?;
    let state = group.state()?;
    let when = match &args.at {
        Some(d) => clock::parse_deadline(d).ok_or_else(|| {
            Error::Invalid(format!(
                "--at '{d}': expected YYYY-MM-DD or an RFC 3339 date-time"
            ))
        })?,
        None => clock::now()?,
    };
    let members = state.members.at(&when);
    if args.json {
        let list: Vec<_> = members
            .iter()
            .map(|(m, key)| {
                json!({
                    "id": m.id.as_str(),
                    "name": m.name,
                    "organisation": m.organisation,
                    "joined": clock::format(&m.joined),
                    "left": m.left.as_ref().map(clock::format),
                    "key": key.to_openssh(),
                    "fingerprint": key.fingerprint(),
                })
            })
            .collect();
        json(&json!({ "at": clock::format(&when), "members": list }))?;
        return Ok(());
    }
    let mut rows = Vec::new();
    for (m, key) in members {
        let mut since = format!("since {}", clock::format(&m.joined));
        if let Some(l) = &m.left {
            since.push_str(&format!(", left {}", clock::format(l)));
        }
        rows.push(vec![
            m.id.to_string(),
            m.name.clone(),
            since,
            key.fingerprint(),
        ]);
    }
    out!("{}", table(&rows))?;
    Ok(())
}
