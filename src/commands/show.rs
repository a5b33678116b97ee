use charter::history::views::proposal::ProposalView;
use charter::model::clock;

use super::output::{colour, json, paint, table, word_diff, Paint};
use super::status::render_standing;
use super::{CmdResult, Ctx};

/// A proposal: its change as a word diff, every signature, who is missing.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The proposal's id, or its year and number (2026-001), perhaps with
    /// the beginning of its words (2026-001-open).
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let state = group.state()?;
    let p = state.proposal(&state.find(&args.id)?)?;
    let view = ProposalView::of(&state, &p, &clock::now()?)?;
    if args.json {
        return json(&view);
    }
    out!("{}", render(&view, colour()))
}

pub fn render(view: &ProposalView, on: bool) -> String {
    let warning = paint(on, Paint::Yellow, "warning:");
    let mut out = render_standing(&view.standing, on);
    out.push_str(&format!("  digest       {}\n", view.digest));
    if let Some(fingerprint) = &view.fingerprint {
        out.push_str(&format!("  key          {fingerprint}\n"));
    }
    if let Some(reason) = &view.reason {
        out.push_str(&format!("  reason       {reason}\n"));
    }
    if let Some(statement) = &view.statement {
        out.push_str(&format!(
            "\n{}\n\n",
            paint(on, Paint::Bold, "Statement of interest")
        ));
        for line in statement.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        if !view.statement_gaps.is_empty() {
            out.push_str(&format!(
                "\n{warning} the statement does not cover, in the charter as it now stands: {}\n",
                view.statement_gaps.join("; ")
            ));
        }
    }
    if !view.changes.is_empty() {
        out.push_str(&format!("\n{}\n", paint(on, Paint::Bold, "Change")));
    }
    for change in &view.changes {
        let note = if change.removed { " (removed)" } else { "" };
        out.push_str(&format!(
            "\n{}{note}\n",
            paint(on, Paint::Dim, &change.path)
        ));
        for line in word_diff(on, &change.diff).lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    for gap in &view.untouched_languages {
        out.push_str(&format!("\n{warning} {gap}\n"));
    }
    out.push_str(&format!("\n{}\n", paint(on, Paint::Bold, "Signatures")));
    let rows: Vec<Vec<String>> = view
        .signatures
        .iter()
        .map(|s| {
            let valid = match s.valid {
                Some(true) => paint(on, Paint::Green, "good"),
                Some(false) => paint(on, Paint::Red, "BAD"),
                None => paint(on, Paint::Yellow, "no key in force"),
            };
            let mut row = vec![
                format!("  {}", s.signer),
                s.act.to_string(),
                s.date.clone(),
                valid,
            ];
            row.extend(s.reason.clone());
            row
        })
        .collect();
    out.push_str(&table(&rows));
    out
}
