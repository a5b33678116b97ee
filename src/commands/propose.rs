use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use charter::crypto::input::echo;
use charter::model::error::Problem;
use charter::model::id::{Lang, MemberId, PrincipleId};
use charter::process::group::{Change, Draft, NewLanguage};
use charter::{Error, Result};

use super::{act::filed, act::report, act::report_filed, CmdResult, Ctx};

/// The largest principle text accepted.
const MAX_TEXT: usize = 64 * 1024;

#[derive(Subcommand, Debug)]
pub enum ProposeCommand {
    /// Propose new text for a principle, in every language of the charter.
    Amend {
        principle: PrincipleId,
        #[command(flatten)]
        texts: Texts,
        #[command(flatten)]
        common: Common,
    },
    /// Propose a new principle.
    Add {
        principle: PrincipleId,
        #[command(flatten)]
        texts: Texts,
        /// Place it after this principle (default: last).
        #[arg(long, value_name = "PRINCIPLE")]
        after: Option<PrincipleId>,
        #[command(flatten)]
        common: Common,
    },
    /// Propose to retire a principle from the charter.
    Retire {
        principle: PrincipleId,
        #[command(flatten)]
        common: Common,
    },
    /// Propose a new authentic language for the whole charter.
    AddLanguage {
        lang: Lang,
        /// A folder with the text of every principle in that language, one
        /// file per principle: <principle-id>.md, starting with "# <title>".
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Propose a candidate who has applied (charter apply) as a member.
    Member {
        candidate: MemberId,
        #[arg(long)]
        json: bool,
    },
    /// Propose to remove a member; all other members decide.
    RemoveMember {
        member: MemberId,
        /// Why: one line, part of the signed proposal.
        #[arg(long)]
        reason: String,
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Propose a new key for a member who lost its own; all other members decide.
    ReplaceKey {
        member: MemberId,
        /// The member's new OpenSSH public key file.
        #[arg(long, value_name = "FILE")]
        pubkey: PathBuf,
        #[command(flatten)]
        proof: super::key::Proof,
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args, Debug)]
pub struct Texts {
    /// The text in one language: LANG=FILE, the file starting with "# <title>".
    /// Give one for every language of the charter.
    #[arg(long = "text", value_name = "LANG=FILE", required = true)]
    texts: Vec<String>,
    /// A language whose text stays as it is, on purpose (amend only).
    #[arg(long, value_name = "LANG")]
    unchanged: Vec<Lang>,
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// A one-line title (default: from the principle).
    #[arg(long)]
    title: Option<String>,
    /// The day (YYYY-MM-DD, end of day UTC) or RFC 3339 time the proposal expires.
    #[arg(long)]
    deadline: Option<String>,
    /// The annual review this proposal belongs to (it must be open).
    #[arg(long, value_name = "YEAR")]
    review: Option<i32>,
    /// Print {"id": ...} as JSON.
    #[arg(long)]
    json: bool,
}

fn read_texts(ctx: &Ctx, t: &Texts) -> Result<BTreeMap<Lang, String>> {
    let mut out = BTreeMap::new();
    for spec in &t.texts {
        let (lang, file) = spec.split_once('=').ok_or_else(|| {
            Error::Invalid(format!("--text '{}': expected LANG=FILE", echo(spec)))
        })?;
        let lang: Lang = lang.parse()?;
        let text = read_text_file(&ctx.dir.join(file), true)?;
        if out.insert(lang.clone(), text).is_some() {
            return Err(Error::Invalid(format!("--text {lang} is given twice")));
        }
    }
    Ok(out)
}

/// Reads a UTF-8 text file of bounded size (a regular file only); a
/// principle's text must also have its `# title` line.
pub fn read_text_file(path: &Path, principle: bool) -> Result<String> {
    let bytes = charter::crypto::input::read_bounded(path, MAX_TEXT)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::file(path.display().to_string(), Problem::NotUtf8))?;
    if principle {
        charter::model::charter::Text::parse(&path.display().to_string(), &text)?;
    }
    Ok(text)
}

pub fn parse_deadline(given: Option<&str>) -> Result<Option<charter::model::clock::Timestamp>> {
    given
        .map(|d| {
            charter::model::clock::parse_deadline(d).ok_or_else(|| {
                Error::Invalid(format!(
                    "--deadline '{}': expected YYYY-MM-DD or an RFC 3339 date-time, from {} to {}",
                    echo(d),
                    charter::model::clock::EARLIEST,
                    charter::model::clock::LATEST
                ))
            })
        })
        .transpose()
}

pub fn run(ctx: &Ctx, cmd: ProposeCommand) -> CmdResult {
    let now = charter::model::clock::now()?;
    let (change, common, unchanged) = match cmd {
        ProposeCommand::AddLanguage { lang, dir, common } => {
            let dir = ctx.dir.join(dir);
            let mut texts = BTreeMap::new();
            let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
            for entry in entries {
                let path = entry.map_err(|e| Error::io(&dir, e))?.path();
                let Some(stem) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".md"))
                else {
                    continue;
                };
                let id: PrincipleId = stem.parse()?;
                texts.insert(id, read_text_file(&path, true)?);
            }
            let group = ctx.group_to_act()?;
            let key = ctx.signing_key()?;
            let deadline = parse_deadline(common.deadline.as_deref())?;
            let language = NewLanguage {
                lang,
                texts,
                title: common.title,
                deadline,
            };
            let id = filed(group.propose_language(&key, language, now))?;
            report_filed(&group, &key, common.json, &id)?;
            return Ok(());
        }
        ProposeCommand::Member { candidate, json } => {
            let group = ctx.group_to_act()?;
            let key = ctx.signing_key()?;
            let outcome = group.propose_member(&key, &candidate, now)?;
            report(
                &group,
                &key,
                json,
                charter::model::act::Act::Propose,
                &outcome.id,
                outcome.finalized,
            )?;
            return Ok(());
        }
        ProposeCommand::RemoveMember {
            member,
            reason,
            deadline,
            json,
        } => {
            let group = ctx.group_to_act()?;
            let key = ctx.signing_key()?;
            let deadline = parse_deadline(deadline.as_deref())?;
            let id = filed(group.propose_removal(&key, &member, &reason, deadline, now))?;
            report_filed(&group, &key, json, &id)?;
            return Ok(());
        }
        ProposeCommand::ReplaceKey {
            member,
            pubkey,
            proof,
            deadline,
            json,
        } => {
            let group = ctx.group_to_act()?;
            let key = ctx.signing_key()?;
            let new_key = charter::crypto::key::read_public(&ctx.dir.join(pubkey))?;
            let attestation = proof.read(ctx)?;
            let deadline = parse_deadline(deadline.as_deref())?;
            let id = filed(group.propose_key_replacement(
                &key,
                &member,
                &new_key,
                attestation,
                deadline,
                now,
            ))?;
            report_filed(&group, &key, json, &id)?;
            return Ok(());
        }
        ProposeCommand::Amend {
            principle,
            texts,
            common,
        } => (
            Change::Amend {
                principle,
                texts: read_texts(ctx, &texts)?,
            },
            common,
            texts.unchanged,
        ),
        ProposeCommand::Add {
            principle,
            texts,
            after,
            common,
        } => (
            Change::Add {
                principle,
                texts: read_texts(ctx, &texts)?,
                after,
            },
            common,
            texts.unchanged,
        ),
        ProposeCommand::Retire { principle, common } => {
            (Change::Retire { principle }, common, Vec::new())
        }
    };
    let deadline = parse_deadline(common.deadline.as_deref())?;
    let group = ctx.group_to_act()?;
    let key = ctx.signing_key()?;
    let id = filed(group.propose(
        &key,
        Draft {
            change,
            title: common.title,
            deadline,
            review: common.review,
            unchanged,
        },
        now,
    ))?;
    report_filed(&group, &key, common.json, &id)?;
    Ok(())
}
