use std::io::IsTerminal;

use charter::crypto::input::echo;
use charter::store::repo::Repo;
use charter::verify::clone::verify_clone;

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

/// The longest revision `--root` may name (a commit id is 40 or 64).
const MAX_REVISION: usize = 256;

/// Progress on a terminal only: `verifying 1200/5000 commits`.
pub fn progress(what: &'static str) -> impl FnMut(usize, usize) {
    let on = std::io::stderr().is_terminal();
    move |done, total| {
        if on && total >= 200 && (done.is_multiple_of(100) || done == total) {
            err!("\r{what} {done}/{total} commits");
            if done == total {
                err!("\r\x1b[K");
            }
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    if let Some(r) = &args.root {
        // No commit is named so; said here, where the value can be echoed
        // safely, rather than shown raw.
        if r.len() > MAX_REVISION || r.chars().any(char::is_control) {
            return Err(Failure::Input(format!(
                "--root '{}': no such commit",
                echo(r)
            )));
        }
    }
    let repo = Repo::open(&ctx.dir)?;
    if let Some(recovery) = repo.recover_interrupted()? {
        errln!("note: {recovery}");
    }
    let outcome = verify_clone(
        &repo,
        args.root.as_deref(),
        args.full,
        &mut progress("verifying"),
    )?;
    match outcome {
        Ok(verified) => {
            if let Some(why) = &verified.unsaved {
                errln!("note: could not save the verification cache ({why}); the next run checks these commits again"
                );
            }
            match args.json {
                true => json(&verified),
                false => outln!("{verified}"),
            }
        }
        Err(refused) => {
            if args.json {
                json(&refused)?;
            }
            Err(Failure::Verification(refused.violation.to_string()))
        }
    }
}
