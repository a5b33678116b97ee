use charter::process::sync::SyncError;
use charter::Error;

use super::output::json;
use super::{CmdResult, Ctx, Failure};

/// Fetch a remote, verify what came in, replay your unpublished acts on top,
/// finalize what they complete, and push (retrying if another member pushed
/// first).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The git remote.
    #[arg(default_value = "origin")]
    remote: String,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let key = match ctx.signing_key() {
        Ok(k) => Some(k),
        Err(Error::NoKey) => None,
        Err(e) => return Err(e.into()),
    };
    let now = charter::model::clock::now()?;
    let outcome = group
        .sync(
            &args.remote,
            key.as_ref(),
            now,
            &mut super::verify::progress("verifying"),
        )
        .map_err(|e| match e {
            SyncError::Library(e) => Failure::from(e),
            refused @ (SyncError::Refused { .. }
            | SyncError::Rollback { .. }
            | SyncError::OtherRoot { .. }) => Failure::Verification(refused.to_string()),
            other => Failure::Input(other.to_string()),
        })?;
    if args.json {
        json(&outcome)?;
        return Ok(());
    }
    let mut parts = vec![match outcome.fetched {
        Some(f) => format!("verified {}", &f.to_string()[..12]),
        None => "the remote is empty".to_string(),
    }];
    if outcome.replayed > 0 {
        parts.push(format!("replayed {} of your acts", outcome.replayed));
    }
    for d in &outcome.dropped {
        parts.push(format!("dropped {d}"));
    }
    for f in &outcome.finalized {
        parts.push(format!("finalized {f}"));
    }
    parts.push(if outcome.pushed {
        "pushed".into()
    } else {
        "nothing to push".into()
    });
    errln!("{}: {}", args.remote, parts.join(", "));
    Ok(())
}
