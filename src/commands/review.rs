use clap::Subcommand;

use charter::history::views::review;
use charter::model::clock;

use super::act::{filed, report_filed};
use super::output::{json, table};
use super::propose::parse_deadline;
use super::{CmdResult, Ctx};

#[derive(Subcommand, Debug)]
pub enum ReviewCommand {
    /// Open the annual review of every principle (a signed act, no vote).
    Open {
        year: i32,
        /// When amendments of this review should be decided by.
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Propose to close the review: every member re-affirms the charter as it
    /// stands; on the last acceptance the version is tagged charter-YEAR.
    Close {
        year: i32,
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What happened to every principle in a review.
    Status {
        /// Default: the newest review.
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: ReviewCommand) -> CmdResult {
    let now = clock::now()?;
    let group = match cmd {
        ReviewCommand::Status { .. } => ctx.group_to_read()?,
        _ => ctx.group_to_act()?,
    };
    match cmd {
        ReviewCommand::Open {
            year,
            deadline,
            json,
        } => {
            let key = ctx.signing_key()?;
            let id =
                filed(group.review_open(&key, year, parse_deadline(deadline.as_deref())?, now))?;
            report_filed(&group, &key, json, &id)?;
        }
        ReviewCommand::Close {
            year,
            deadline,
            json,
        } => {
            let key = ctx.signing_key()?;
            let id =
                filed(group.review_close(&key, year, parse_deadline(deadline.as_deref())?, now))?;
            report_filed(&group, &key, json, &id)?;
        }
        ReviewCommand::Status {
            year,
            json: as_json,
        } => {
            let r = review::status(group.repo(), &group.state()?, year, &now)?;
            if as_json {
                return json(&r);
            }
            let state_line = match (&r.closed, &r.closing) {
                (Some(c), Some(by)) => format!("closed {c} by {by}"),
                (Some(c), None) => format!("closed {c}"),
                (None, _) => "open".to_string(),
            };
            outln!(
                "Review of {}: opened {} by {}, {state_line}\n",
                r.year,
                r.opened,
                r.opened_by
            )?;
            let rows: Vec<Vec<String>> = r
                .principles
                .iter()
                .map(|p| {
                    let proposals = p
                        .proposals
                        .iter()
                        .map(|q| format!("{} ({})", q.id, q.status))
                        .collect::<Vec<_>>()
                        .join(", ");
                    vec![p.id.to_string(), p.fate.in_review().to_string(), proposals]
                })
                .collect();
            out!("{}", table(&rows))?;
        }
    }
    Ok(())
}
