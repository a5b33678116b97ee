use charter::model::act::Act;
use charter::model::id::ProposalId;
use charter::model::refusal::RuleError;
use charter::store::Oid;
use charter::Error;

use super::{CmdResult, Ctx};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The proposal's id, or its year and number (2026-001), perhaps with
    /// the beginning of its words (2026-001-open).
    id: String,
    /// Print {"id": ...} as JSON.
    #[arg(long)]
    json: bool,
}

/// Object to a proposal (blocks it until withdrawn), or withdraw your objection.
#[derive(clap::Args, Debug)]
pub struct ObjectArgs {
    /// The proposal's id, or its year and number (2026-001), perhaps with
    /// the beginning of its words (2026-001-open).
    id: String,
    /// Why: one line, recorded in the signed objection.
    #[arg(
        long,
        required_unless_present = "withdraw",
        conflicts_with = "withdraw"
    )]
    reason: Option<String>,
    /// Withdraw your standing objection.
    #[arg(long)]
    withdraw: bool,
    #[arg(long)]
    json: bool,
}

/// A proposal filed, or found already filed and open (the same content by
/// the same member, as when a command is re-run after a crash): either way
/// its id, so a re-run converges.
pub fn filed(result: Result<ProposalId, Error>) -> Result<ProposalId, super::Failure> {
    match result {
        Err(Error::Rule(RuleError::AlreadyFiled { proposal })) => {
            errln!("note: the same proposal is already filed and open as {proposal}; nothing new was filed");
            Ok(proposal)
        }
        other => Ok(other?),
    }
}

pub fn print_id(json: bool, id: &ProposalId, finalized: Option<Oid>) -> CmdResult {
    if json {
        #[derive(serde::Serialize)]
        struct Filed<'a> {
            id: &'a ProposalId,
            #[serde(skip_serializing_if = "Option::is_none")]
            finalized: Option<String>,
        }
        super::output::json(&Filed {
            id,
            finalized: finalized.map(|f| f.to_string()),
        })
    } else {
        outln!("{id}")?;
        if let Some(f) = finalized {
            errln!("{id} is adopted: finalized in commit {f}");
        }
        Ok(())
    }
}

pub fn run(ctx: &Ctx, args: Args, act: Act) -> CmdResult {
    sign(ctx, &args.id, act, None, args.json)
}

pub fn object(ctx: &Ctx, args: ObjectArgs) -> CmdResult {
    if args.withdraw {
        sign(ctx, &args.id, Act::WithdrawObjection, None, args.json)
    } else {
        sign(ctx, &args.id, Act::Object, args.reason, args.json)
    }
}

fn sign(ctx: &Ctx, id: &str, act: Act, reason: Option<String>, json: bool) -> CmdResult {
    let group = ctx.group()?;
    let key = ctx.signing_key()?;
    let outcome = group.act(&key, id, act, reason, charter::model::clock::now()?)?;
    print_id(json, &outcome.id, outcome.finalized)?;
    Ok(())
}

pub fn finalize(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let key = ctx.signing_key()?;
    let state = group.state()?;
    let id = state.find(&args.id)?;
    let commit = group.finalize(&key, &args.id, charter::model::clock::now()?)?;
    print_id(args.json, &id, Some(commit))?;
    Ok(())
}
