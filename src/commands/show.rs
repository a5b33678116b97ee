use charter::history::diff;
use charter::model::clock;
use serde_json::{json, Value};

use super::output::{colour, json, paint, word_diff, Paint};
use super::status::{render, standing};
use super::{CmdResult, Ctx};

/// A proposal: its change as a word diff, every signature, who is missing.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The proposal's id, or any unique prefix of it.
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let state = group.state()?;
    let now = clock::now()?;
    let p = state.proposal(&state.find(&args.id)?)?;
    let view = standing(&state, &p, &now);
    let changes = diff::proposal(&state.snapshot, &p)?;
    let signatures: Vec<Value> = p
        .records
        .iter()
        .map(|r| {
            let m = &r.act.message;
            let valid = charter::rules::signing_key(&p, &state.members, m)
                .map(|key| r.act.verify(key).is_ok());
            json!({
                "signer": m.signer.as_str(),
                "act": m.act.as_str(),
                "date": clock::format(&m.date),
                "reason": m.reason,
                "valid": valid,
                "path": r.path,
            })
        })
        .collect();
    let gaps = match (&p.statement, charter::rules::status(&p, &now)) {
        (Some(s), charter::rules::Status::Open) => state.statement_gaps(s)?,
        _ => Vec::new(),
    };
    let untouched = charter::process::amendment::untouched_languages(
        &p,
        &state.governance.languages,
        &state.snapshot,
    );
    if args.json {
        let mut v = view;
        v["untouched_languages"] = json!(untouched);
        v["digest"] = json!(p.digest.to_string());
        v["statement"] = json!(p.statement);
        v["statement_gaps"] = json!(gaps);
        v["key"] = json!(p.new_key.as_ref().map(|k| k.to_openssh()));
        v["changes"] = json!(changes
            .iter()
            .map(|(path, pieces)| json!({"path": path, "diff": pieces}))
            .collect::<Vec<_>>());
        v["signatures"] = json!(signatures);
        json(&v)?;
        return Ok(());
    }
    let on = colour();
    let mut out = render(
        &state.governance.name,
        state.members.len(),
        std::slice::from_ref(&view),
        on,
    );
    out = out
        .split_once('\n')
        .map(|(_, rest)| rest.trim_start().to_string())
        .unwrap_or(out);
    out.push_str(&format!("  digest       {}\n", p.digest));
    if let Some(key) = &p.new_key {
        out.push_str(&format!("  key          {}\n", key.fingerprint()));
    }
    if let Some(reason) = &p.file.reason {
        out.push_str(&format!("  reason       {reason}\n"));
    }
    if let Some(statement) = &p.statement {
        out.push_str(&format!(
            "\n{}\n\n",
            paint(on, Paint::Bold, "Statement of interest")
        ));
        for line in statement.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        if !gaps.is_empty() {
            out.push_str(&format!(
                "\n{} the statement does not cover, in the charter as it now stands: {}\n",
                paint(on, Paint::Yellow, "warning:"),
                gaps.join("; ")
            ));
        }
    }
    if !changes.is_empty() {
        out.push_str(&format!("\n{}\n", paint(on, Paint::Bold, "Change")));
    }
    for (path, pieces) in &changes {
        let note = if p.file.removes.contains(path) {
            " (removed)"
        } else {
            ""
        };
        out.push_str(&format!("\n{}{note}\n", paint(on, Paint::Dim, path)));
        for line in word_diff(on, pieces).lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    for gap in &untouched {
        out.push_str(&format!(
            "\n{} {}\n",
            paint(on, Paint::Yellow, "warning:"),
            super::status::untouched_message(gap)
        ));
    }
    out.push_str(&format!("\n{}\n", paint(on, Paint::Bold, "Signatures")));
    let mut rows = Vec::new();
    for s in &signatures {
        let valid = match s["valid"].as_bool() {
            Some(true) => paint(on, Paint::Green, "good"),
            Some(false) => paint(on, Paint::Red, "BAD"),
            None => paint(on, Paint::Yellow, "no key in force"),
        };
        let mut row = vec![
            format!("  {}", s["signer"].as_str().unwrap_or_default()),
            s["act"].as_str().unwrap_or_default().to_string(),
            s["date"].as_str().unwrap_or_default().to_string(),
            valid,
        ];
        if let Some(r) = s["reason"].as_str() {
            row.push(r.to_string());
        }
        rows.push(row);
    }
    out.push_str(&super::output::table(&rows));
    out!("{out}")?;
    Ok(())
}
