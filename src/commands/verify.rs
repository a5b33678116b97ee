use charter::repo::Repo;
use charter::Error;
use serde_json::json;

use super::output::json;
use super::{CmdResult, Ctx, Failure};

/// Check the whole history from the trust root to HEAD against the rules.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The trust root (genesis commit); default: the one recorded in this
    /// clone, or on first use the root of HEAD's history.
    #[arg(long, value_name = "COMMIT")]
    pub root: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let repo = Repo::open(&ctx.dir)?;
    let root = match &args.root {
        Some(r) => repo
            .git()
            .revparse_single(r)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|_| Error::Usage(format!("--root '{r}': no such commit")))?,
        None => repo.root()?,
    };
    match charter::verify::verify(&repo, root)? {
        Ok(summary) => {
            if args.json {
                let mut v = json!(summary);
                v["ok"] = json!(true);
                json(&v);
            } else {
                println!(
                    "verified: {} commits from trust root {} to {}: {} signatures, {} proposals, {} finalizations; {} members, {} principles",
                    summary.commits,
                    &summary.root[..12.min(summary.root.len())],
                    &summary.head[..12.min(summary.head.len())],
                    summary.signatures,
                    summary.proposals,
                    summary.finalizations,
                    summary.members,
                    summary.principles
                );
            }
            Ok(())
        }
        Err(v) => {
            if args.json {
                json(&json!({"ok": false, "violation": v}));
            }
            Err(Failure::Verification(v.to_string()))
        }
    }
}
