use std::io::{IsTerminal, Write};

use charter::repo::Repo;
use charter::Error;
use serde_json::json;

use super::output::json;
use super::{CmdResult, Ctx, Failure};

/// Check the history from the trust root to HEAD against the rules.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Pin the trust root (genesis commit) and record it in this clone;
    /// default: the one recorded, or on first use the root of HEAD's history.
    #[arg(long, value_name = "COMMIT")]
    pub root: Option<String>,
    /// Check every commit, not only those after the last verified one.
    #[arg(long)]
    pub full: bool,
    #[arg(long)]
    pub json: bool,
}

/// Progress on a terminal only: `verifying 1200/5000 commits`.
pub fn progress(what: &'static str) -> impl FnMut(usize, usize) {
    let on = std::io::stderr().is_terminal();
    move |done, total| {
        if on && total >= 200 && (done % 100 == 0 || done == total) {
            eprint!("\r{what} {done}/{total} commits");
            if done == total {
                eprint!("\r\x1b[K");
            }
            let _ = std::io::stderr().flush();
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let repo = Repo::open(&ctx.dir)?;
    let root = match &args.root {
        Some(r) => {
            let root = repo
                .git()
                .revparse_single(r)
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                .map_err(|_| Error::Usage(format!("--root '{r}': no such commit")))?;
            if repo.recorded_root() != Some(root) {
                repo.record_root(root)?;
            }
            root
        }
        None => repo.root()?,
    };
    let head = repo
        .head()?
        .ok_or_else(|| Error::NotAGroup {
            path: ctx.dir.clone(),
        })?
        .id();
    let since = if args.full {
        None
    } else {
        repo.verified(root).filter(|(v, _)| {
            *v == head || repo.git().graph_descendant_of(head, *v).unwrap_or(false)
        })
    };
    let before = since.map(|(_, counts)| counts).unwrap_or_default();
    let since = since.map(|(v, _)| v);
    let seen: Vec<_> = since.into_iter().collect();
    let outcome =
        charter::verify::verify_from(&repo, root, head, &seen, &mut progress("verifying"))?;
    match outcome {
        Ok(mut summary) => {
            let new = summary.commits;
            // The last verified commit may not lie on this first-parent
            // line: then everything was checked anew.
            let since = summary.since;
            let before = if since.is_some() { before } else { [0; 3] };
            // Counts cover the whole history, checked now or before.
            summary.commits += before[0];
            summary.signatures += before[1];
            summary.finalizations += before[2];
            repo.record_verified(
                root,
                head,
                [summary.commits, summary.signatures, summary.finalizations],
            )?;
            if args.json {
                let mut v = json!(summary);
                v["ok"] = json!(true);
                v["since"] = json!(since.map(|s| s.to_string()));
                json(&v);
            } else {
                let checked = match since {
                    Some(_) => format!(" ({new} new)"),
                    None => String::new(),
                };
                println!(
                    "verified: {} commits from trust root {} to {}{checked}: {} signatures, {} proposals, {} finalizations; {} members, {} principles",
                    summary.commits,
                    &summary.root[..12],
                    &summary.head[..12],
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
