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
    print_outcome(json, id, finalized, None)
}

/// Prints what an act did: its proposal's id on stdout (or JSON), then,
/// on stderr, one line on what happens next (also `next` in the JSON).
/// [`report`] for a proposal just filed (signed `propose`, nothing
/// finalized).
pub fn report_filed(
    group: &charter::process::group::Group,
    key: &charter::crypto::key::SigningKey,
    json: bool,
    id: &ProposalId,
) -> CmdResult {
    report(group, key, json, Act::Propose, id, None)
}

pub fn report(
    group: &charter::process::group::Group,
    key: &charter::crypto::key::SigningKey,
    json: bool,
    act: Act,
    id: &ProposalId,
    finalized: Option<Oid>,
) -> CmdResult {
    // The act is done: a line that cannot be made is left out, not an error.
    let next = super::next::line(group, key.public(), act, id, finalized).ok();
    print_outcome(json, id, finalized, next)
}

fn print_outcome(
    json: bool,
    id: &ProposalId,
    finalized: Option<Oid>,
    next: Option<String>,
) -> CmdResult {
    if json {
        #[derive(serde::Serialize)]
        struct Filed<'a> {
            id: &'a ProposalId,
            #[serde(skip_serializing_if = "Option::is_none")]
            finalized: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            next: Option<String>,
        }
        super::output::json(&Filed {
            id,
            finalized: finalized.map(|f| f.to_string()),
            next,
        })
    } else {
        outln!("{id}")?;
        match (next, finalized) {
            (Some(line), _) => errln!("{line}"),
            (None, Some(f)) => errln!("{id} is adopted: finalized in commit {f}"),
            (None, None) => {}
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
    let group = ctx.group_to_act()?;
    let key = ctx.signing_key()?;
    let outcome = group.act(&key, id, act, reason, charter::model::clock::now()?)?;
    report(&group, &key, json, act, &outcome.id, outcome.finalized)
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

/// On a terminal, shows what is about to be signed (as `show` does: the
/// change as a word diff, or the statement or member concerned, the
/// digest, the deadline, who has signed) and asks. The library calls it
/// under the lock, with the proposal exactly as it will be signed. With
/// `--yes`, or without a terminal, it signs without asking, as git commits
/// do.
pub fn ask_before_signing(ctx: &Ctx, group: &mut charter::process::group::Group) {
    use std::io::IsTerminal;
    if ctx.yes || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return;
    }
    group.confirm_with(Box::new(|state, p, act, who| {
        let now = charter::model::clock::now()?;
        let view = charter::history::views::proposal::ProposalView::of(state, p, &now)?;
        err!("{}", super::show::render(&view, false));
        err!("\nSign '{}' on {} as {who}? [y/N] ", act.as_str(), p.id);
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Error::io("stdin", e))?;
        match answer.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => Ok(()),
            _ => Err(Error::Invalid("not confirmed: nothing was signed".into())),
        }
    }));
}
