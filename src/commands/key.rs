use std::path::PathBuf;

use charter::crypto::attestation::Attestation;
use clap::Subcommand;

use super::{CmdResult, Ctx};

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Write a new ed25519 key: PATH (OpenSSH private key, mode 0600) and PATH.pub.
    Generate {
        /// Where to write the private key.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// The comment stored in the key (e.g. the member's id).
        #[arg(long, default_value = "charter")]
        comment: String,
        #[arg(long)]
        json: bool,
    },
    /// Print the acting key's public key and fingerprint.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Replace your key (the acting key) by a new one: a record signed by
    /// both, in force at once.
    Rotate {
        /// The new key: its private key file (e.g. from charter key
        /// generate), or its public key when an ssh-agent holds it.
        #[arg(long, value_name = "PATH")]
        new_key: PathBuf,
        #[command(flatten)]
        proof: Proof,
        #[arg(long)]
        json: bool,
    },
}

/// A security key's attestation, for a group whose governance.toml asks
/// for one with every key registered.
#[derive(clap::Args, Debug)]
pub struct Proof {
    /// The key's attestation, as `ssh-keygen -t ed25519-sk -O
    /// write-attestation=FILE` wrote it.
    #[arg(long, value_name = "FILE", requires = "challenge")]
    attestation: Option<PathBuf>,
    /// The challenge given to that `ssh-keygen` (`-O challenge=FILE`).
    #[arg(long, value_name = "FILE", requires = "attestation")]
    challenge: Option<PathBuf>,
}

impl Proof {
    pub fn read(&self, ctx: &Ctx) -> charter::Result<Option<Attestation>> {
        match (&self.attestation, &self.challenge) {
            (Some(a), Some(c)) => Ok(Some(Attestation::read(&ctx.dir.join(a), &ctx.dir.join(c))?)),
            _ => Ok(None),
        }
    }
}

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> CmdResult {
    match cmd {
        KeyCommand::Generate { out, comment, json } => {
            let out = ctx.dir.join(out);
            let public = charter::crypto::key::pub_path(&out);
            let json_paths = json
                .then(|| {
                    Ok::<_, super::Failure>((
                        super::output::json_path(&out)?,
                        super::output::json_path(&public)?,
                    ))
                })
                .transpose()?;
            let key = charter::crypto::key::generate(&out, &comment)?;
            errln!("wrote {} and {}", out.display(), public.display());
            errln!(
                "hint: to sign with it in a group's clone: git -C CLONE config charter.key {}",
                std::fs::canonicalize(&out).unwrap_or(out.clone()).display()
            );
            if let Some((private, public)) = json_paths {
                return super::output::json(&serde_json::json!({
                    "private": private,
                    "public": public,
                    "key": key.to_openssh(),
                    "fingerprint": key.fingerprint(),
                }));
            }
            outln!("{}", key.fingerprint())?;
        }
        KeyCommand::Rotate {
            new_key,
            proof,
            json,
        } => {
            let attestation = proof.read(ctx)?;
            let group = ctx.group_to_act()?;
            let old = ctx.signing_key()?;
            let new = charter::crypto::key::SigningKey::open(
                &ctx.dir.join(&new_key),
                ctx.agent().as_deref(),
                &super::output::passphrase,
            )?
            .on_touch(|line| errln!("{line}"));
            let id = group.rotate_key(&old, &new, attestation, charter::model::clock::now()?)?;
            super::act::report(
                &group,
                &old,
                json,
                charter::model::act::Act::Propose,
                &id,
                None,
            )?;
            ctx.key_hint(&ctx.dir, &ctx.dir.join(new_key));
        }
        KeyCommand::Show { json } => {
            let key = ctx.signing_key()?;
            if json {
                return super::output::json(&serde_json::json!({
                    "key": key.public().to_openssh(),
                    "fingerprint": key.public().fingerprint(),
                }));
            }
            outln!(
                "{} {}",
                key.public().to_openssh(),
                key.public().fingerprint()
            )?;
        }
    }
    Ok(())
}
