use charter::model::id::{Lang, PrincipleId};
use charter::Error;
use serde_json::json;

use super::output::{colour, json, paint, Paint};
use super::{CmdResult, Ctx};

/// Print the charter as it stands, or one principle.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this principle.
    principle: Option<PrincipleId>,
    /// The language (default: the reference language, the first of governance.toml).
    #[arg(long)]
    lang: Option<Lang>,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let state = group.state()?;
    let charter = state.charter()?;
    let langs = &state.governance.languages;
    let lang = match args.lang {
        Some(l) if langs.contains(&l) => l,
        Some(l) => {
            return Err(Error::Invalid(format!("'{l}' is not a language of this charter")).into())
        }
        None => langs
            .first()
            .cloned()
            .ok_or_else(|| Error::Invalid("no language".into()))?,
    };
    let chosen: Vec<_> = match &args.principle {
        Some(id) => {
            let p = charter
                .get(id)
                .ok_or_else(|| Error::Invalid(format!("no principle '{id}' in the charter")))?;
            vec![(charter.position(id).unwrap_or(0), p)]
        }
        None => charter.principles.iter().enumerate().collect(),
    };
    if args.json {
        let list: Vec<_> = chosen
            .iter()
            .filter_map(|(i, p)| {
                let t = p.texts.get(&lang)?;
                Some(json!({"id": p.id.as_str(), "number": i + 1, "lang": lang.as_str(), "title": t.title, "text": t.body}))
            })
            .collect();
        json(&json!(list))?;
        return Ok(());
    }
    let on = colour();
    if args.principle.is_none() {
        outln!(
            "{}\n",
            paint(on, Paint::Bold, &format!("# {}", state.governance.name))
        )?;
    }
    for (i, p) in chosen {
        if let Some(t) = p.texts.get(&lang) {
            outln!(
                "{}\n\n{}\n",
                paint(on, Paint::Bold, &format!("## {}. {}", i + 1, t.title)),
                t.body
            )?;
        }
    }
    Ok(())
}
