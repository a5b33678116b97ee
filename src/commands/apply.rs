use std::path::PathBuf;

use charter::model::id::MemberId;
use charter::process::membership::Application;
use charter::Error;

use super::act::{filed, report};
use super::propose::read_text_file;
use super::{CmdResult, Ctx};

/// Apply to join, as a candidate: records your statement of interest and
/// your public key, signed with your key (the acting key).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a statement-of-interest template for the charter in force.
    #[arg(long, conflicts_with_all = ["id", "name", "statement"])]
    template: bool,
    /// The id you ask to be registered under (e.g. "jp").
    #[arg(long, required_unless_present = "template")]
    id: Option<MemberId>,
    /// Your display name (e.g. "Japan").
    #[arg(long, required_unless_present = "template")]
    name: Option<String>,
    #[arg(long)]
    organisation: Option<String>,
    /// Your statement of interest (Markdown, from --template).
    #[arg(long, value_name = "FILE", required_unless_present = "template")]
    statement: Option<PathBuf>,
    /// When the application expires (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    deadline: Option<String>,
    #[command(flatten)]
    proof: super::key::Proof,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_act()?;
    let state = group.state()?;
    if args.template {
        let charter = state.charter()?;
        let lang = state
            .governance
            .reference_language()
            .ok_or_else(|| Error::Invalid("the charter has no language".into()))?;
        out!(
            "{}",
            charter::model::statement::template(&state.governance.name, &charter, lang)
        )?;
        return Ok(());
    }
    let (Some(id), Some(name), Some(statement)) = (args.id, args.name, args.statement) else {
        return Err(Error::Invalid("give --id, --name and --statement".into()).into());
    };
    let statement = read_text_file(&ctx.dir.join(statement), false)?;
    let key = ctx.signing_key()?;
    let deadline = super::propose::parse_deadline(args.deadline.as_deref())?;
    let attestation = args.proof.read(ctx)?;
    let id = filed(group.apply(
        &key,
        Application {
            id,
            name,
            organisation: args.organisation,
            statement,
            deadline,
            attestation,
        },
        charter::model::clock::now()?,
    ))?;
    report(
        &group,
        &key,
        args.json,
        charter::model::act::Act::Apply,
        &id,
        None,
    )?;
    Ok(())
}
