use std::path::PathBuf;

use charter::process::group::{Founder, InitOptions};
use charter::{Error, Result};

use super::{CmdResult, Ctx};

/// Create a governance repository with its charter and founding members.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to create it (a new or empty folder).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The charter to start from.
    #[arg(long, default_value = "d5", value_parser = ["d5", "dn2021"])]
    template: String,
    /// The group's name.
    #[arg(long)]
    name: String,
    /// A founding member: ID=PUBKEY_FILE, or ID:NAME=PUBKEY_FILE with a
    /// display name. Repeat for each member; the acting key must be one.
    #[arg(long = "member", value_name = "ID[:NAME]=PUBKEY_FILE", required = true)]
    members: Vec<String>,
    #[arg(long)]
    json: bool,
}

fn founder(ctx: &Ctx, spec: &str) -> Result<Founder> {
    let (who, file) = spec.split_once('=').ok_or_else(|| {
        Error::Invalid(format!(
            "--member '{}': expected ID=PUBKEY_FILE",
            charter::crypto::input::echo(spec)
        ))
    })?;
    let (id, name) = match who.split_once(':') {
        Some((id, name)) => (id, Some(name.trim().to_string())),
        None => (who, None),
    };
    Ok(Founder {
        id: id.parse()?,
        name,
        key: charter::crypto::key::read_public(&ctx.dir.join(file))?,
    })
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let founders: Vec<Founder> = args
        .members
        .iter()
        .map(|m| founder(ctx, m))
        .collect::<Result<Vec<_>>>()?;
    let template = charter::model::template::find(&args.template)
        .ok_or_else(|| Error::Invalid(format!("unknown template '{}'", args.template)))?;
    let key = ctx.signing_key()?;
    let dir = ctx.dir.join(&args.dir);
    let listed: Vec<serde_json::Value> = founders
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id.to_string(),
                "name": f.name,
                "fingerprint": f.key.fingerprint(),
            })
        })
        .collect();
    let name = args.name.clone();
    let root = charter::process::group::init(
        &dir,
        InitOptions {
            template,
            name: args.name,
            founders,
            key: &key,
            now: charter::model::clock::now()?,
        },
    )?;
    errln!("created {} (trust root {root})", dir.display());
    if let Some(key) = ctx.key_path() {
        ctx.key_hint(&dir, &key);
    }
    if args.json {
        return super::output::json(&serde_json::json!({
            "dir": dir,
            "name": name,
            "root": root.to_string(),
            "template": args.template,
            "members": listed,
        }));
    }
    outln!("{root}")?;
    Ok(())
}
