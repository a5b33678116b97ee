use std::collections::BTreeMap;

use clap::Subcommand;
use serde_json::json;

use charter::model::clock;
use charter::model::proposal::Kind;
use charter::model::review;
use charter::rules::{self, Status};
use charter::Error;

use super::act::print_id;
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
    let group = ctx.group()?;
    match cmd {
        ReviewCommand::Open {
            year,
            deadline,
            json,
        } => {
            let key = ctx.signing_key()?;
            let id = group.review_open(&key, year, parse_deadline(deadline.as_deref())?, now)?;
            print_id(json, &id, None)?;
        }
        ReviewCommand::Close {
            year,
            deadline,
            json,
        } => {
            let key = ctx.signing_key()?;
            let id = group.review_close(&key, year, parse_deadline(deadline.as_deref())?, now)?;
            print_id(json, &id, None)?;
        }
        ReviewCommand::Status {
            year,
            json: as_json,
        } => {
            let state = group.state()?;
            let reviews = review::load_all(&state.snapshot)?;
            let year = match year.or_else(|| reviews.keys().next_back().copied()) {
                Some(y) => y,
                None => {
                    return Err(Error::Invalid(
                        "no review has been opened (charter review open YEAR)".into(),
                    )
                    .into())
                }
            };
            let r = reviews
                .get(&year)
                .ok_or_else(|| Error::Invalid(format!("no review of {year}")))?;
            // A closed review is read against the charter it re-affirmed.
            let charter = match r.closed {
                Some(_) => match charter::history::log::resolve(group.repo(), &review::tag(year)) {
                    Ok(commit) => charter::history::log::charter_at(group.repo(), commit)?.1,
                    Err(_) => state.charter()?,
                },
                None => state.charter()?,
            };
            let mut fates: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
            let mut order: Vec<String> = charter
                .principles
                .iter()
                .map(|p| p.id.to_string())
                .collect();
            for id in state.proposal_ids()? {
                let p = state.proposal(&id)?;
                if p.file.review != Some(year) || !p.file.kind.is_amendment() {
                    continue;
                }
                let Some(principle) = p.file.principle.as_ref().map(ToString::to_string) else {
                    continue;
                };
                let status = rules::status(&p, &now);
                let entry = fates
                    .entry(principle.clone())
                    .or_insert(("retained".into(), Vec::new()));
                entry.1.push(format!("{} ({status})", p.id));
                if status == Status::Adopted {
                    entry.0 = match p.file.kind {
                        Kind::Add => "added",
                        Kind::Retire => "retired",
                        _ => "amended",
                    }
                    .into();
                }
                if !order.contains(&principle) {
                    order.push(principle);
                }
            }
            let rows: Vec<_> = order
                .iter()
                .map(|id| {
                    let (fate, proposals) = fates
                        .get(id)
                        .cloned()
                        .unwrap_or(("retained".into(), Vec::new()));
                    (id.clone(), fate, proposals)
                })
                .collect();
            if as_json {
                json(&json!({
                    "year": year,
                    "opened": r.opened,
                    "closed": r.closed,
                    "closing": r.closing.as_ref().map(|c| c.as_str()),
                    "principles": rows.iter().map(|(id, fate, props)| json!({"id": id, "fate": fate, "proposals": props})).collect::<Vec<_>>(),
                }))?;
            } else {
                let state_line = match &r.closed {
                    Some(c) => format!(
                        "closed {c} by {}",
                        r.closing.as_ref().map(|c| c.as_str()).unwrap_or_default()
                    ),
                    None => "open".to_string(),
                };
                outln!(
                    "Review of {year}: opened {} by {}, {state_line}\n",
                    r.opened,
                    r.opened_by
                )?;
                let table_rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|(id, fate, props)| vec![id, fate, props.join(", ")])
                    .collect();
                out!("{}", table(&table_rows))?;
            }
        }
    }
    Ok(())
}
