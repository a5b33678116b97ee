use std::collections::BTreeMap;
use std::path::PathBuf;

use charter::crypto::attestation::Attestation;
use charter::model::id::MemberId;
use charter::process::group::{Founder, InitOptions};
use charter::{Error, Result};

use super::propose::read_text_file;
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
    /// Require every key registered, now and later, to be a security key
    /// attested under one of the PEM certificates in FILE (its vendors'
    /// attestation roots); written to governance.toml.
    #[arg(long, value_name = "FILE")]
    attestation_roots: Option<PathBuf>,
    /// A founding member's attestation (ssh-keygen -O write-attestation):
    /// ID=FILE. Repeat for each member.
    #[arg(long = "attestation", value_name = "ID=FILE")]
    attestations: Vec<String>,
    /// The challenge each attestation was made for (-O challenge): ID=FILE.
    #[arg(long = "challenge", value_name = "ID=FILE")]
    challenges: Vec<String>,
    #[arg(long)]
    json: bool,
}

/// `ID=FILE` pairs of a repeated flag, by member id.
fn by_member(flag: &str, specs: &[String]) -> Result<BTreeMap<MemberId, PathBuf>> {
    let mut out = BTreeMap::new();
    for spec in specs {
        let (id, file) = spec.split_once('=').ok_or_else(|| {
            Error::Invalid(format!(
                "--{flag} '{}': expected ID=FILE",
                charter::crypto::input::echo(spec)
            ))
        })?;
        if out.insert(id.parse()?, PathBuf::from(file)).is_some() {
            return Err(Error::Invalid(format!(
                "--{flag}: member '{id}' is named twice"
            )));
        }
    }
    Ok(out)
}

fn founder(
    ctx: &Ctx,
    spec: &str,
    attestations: &mut BTreeMap<MemberId, PathBuf>,
    challenges: &mut BTreeMap<MemberId, PathBuf>,
) -> Result<Founder> {
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
    let id: MemberId = id.parse()?;
    let attestation = match (attestations.remove(&id), challenges.remove(&id)) {
        (Some(a), Some(c)) => Some(Attestation::read(&ctx.dir.join(a), &ctx.dir.join(c))?),
        (None, None) => None,
        (Some(_), None) => {
            return Err(Error::Invalid(format!(
                "--attestation {id}=… needs --challenge {id}=…"
            )))
        }
        (None, Some(_)) => {
            return Err(Error::Invalid(format!(
                "--challenge {id}=… needs --attestation {id}=…"
            )))
        }
    };
    Ok(Founder {
        id,
        name,
        key: charter::crypto::key::read_public(&ctx.dir.join(file))?,
        attestation,
    })
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let mut attestations = by_member("attestation", &args.attestations)?;
    let mut challenges = by_member("challenge", &args.challenges)?;
    let founders: Vec<Founder> = args
        .members
        .iter()
        .map(|m| founder(ctx, m, &mut attestations, &mut challenges))
        .collect::<Result<Vec<_>>>()?;
    if let Some(id) = attestations.keys().chain(challenges.keys()).next() {
        return Err(Error::Invalid(format!("'{id}' is not a founding member (--member)")).into());
    }
    let attestation_roots = match &args.attestation_roots {
        Some(file) => {
            let path = ctx.dir.join(file);
            let pem = read_text_file(&path, false)?;
            charter::crypto::attestation::Roots::parse(&[&pem]).map_err(|e| {
                Error::Invalid(format!("{}: {e}", charter::crypto::input::echo_path(&path)))
            })?;
            vec![pem]
        }
        None => Vec::new(),
    };
    let template = charter::model::template::find(&args.template)
        .ok_or_else(|| Error::Invalid(format!("unknown template '{}'", args.template)))?;
    let key = ctx.signing_key()?;
    let dir = ctx.dir.join(&args.dir);
    let json_dir = args
        .json
        .then(|| super::output::json_path(&dir))
        .transpose()?;
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
            attestation_roots,
            founders,
            key: &key,
            now: charter::model::clock::now()?,
        },
    )?;
    errln!("created {} (trust root {root})", dir.display());
    if let Some(key) = ctx.key_path() {
        ctx.key_hint(&dir, &key);
    }
    if let Some(dir) = json_dir {
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
