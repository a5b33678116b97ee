use charter::history::diff::Piece;
use charter::model::count::Count;

use super::output::{json, word_diff};
use super::{CmdResult, Ctx};

/// The year's findings for non-members: the charter as re-affirmed, the
/// amendments with their diffs, members who joined or left, every decision
/// with its signatories, and the verification result.
#[derive(clap::Args, Debug)]
pub struct Args {
    year: i32,
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    Md,
    Json,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let report = charter::history::report::build(group.repo(), &group.state()?, args.year)?;
    match args.format {
        _ if args.json => json(&report),
        Format::Json => json(&report),
        Format::Md => out!("{}", markdown(&report)),
    }
}

fn markdown(r: &charter::history::report::Report) -> String {
    let mut s = format!("# {}: findings of {}\n\n", r.group, r.year);
    s.push_str("## The charter\n\n");
    match (&r.charter.tag, &r.charter.reaffirmed_on) {
        (Some(tag), Some(on)) => s.push_str(&format!(
            "Re-affirmed by all members on {on} (`{tag}`, commit `{}`).\n",
            r.charter.commit
        )),
        _ => s.push_str(&format!(
            "The review of {} is not closed; this is the charter as it stands (commit `{}`).\n",
            r.year, r.charter.commit
        )),
    }
    for p in &r.charter.principles {
        for t in &p.texts {
            s.push_str(&format!(
                "\n### {}. {} ({}, {})\n\n{}\n",
                p.number, t.title, p.id, t.lang, t.text
            ));
        }
    }
    s.push_str("\n## Amendments\n\n");
    if r.amendments.is_empty() {
        s.push_str("None.\n");
    }
    for a in &r.amendments {
        s.push_str(&format!(
            "### {}: {}\n\nAdopted {} (commit `{}`).\n\n",
            a.id, a.title, a.adopted, a.commit
        ));
        for c in &a.changes {
            s.push_str(&format!("`{}`:\n\n> {}\n\n", c.path, quote(&c.diff)));
        }
    }
    s.push_str("## Members\n\n");
    if r.joined.is_empty() && r.left.is_empty() {
        s.push_str("No member joined or left.\n");
    }
    for m in &r.joined {
        s.push_str(&format!("- joined: {} ({}), {}\n", m.name, m.id, m.date));
    }
    for m in &r.left {
        s.push_str(&format!("- left: {} ({}), {}\n", m.name, m.id, m.date));
    }
    s.push_str("\n## Decisions\n\n");
    if r.decisions.is_empty() {
        s.push_str("None.\n");
    }
    for d in &r.decisions {
        s.push_str(&format!(
            "- **{}** {} ({}), adopted {}; proposed by {}, seconded by {}, accepted by {}. Signatures: {}.\n",
            d.id,
            d.title,
            d.kind,
            d.adopted,
            d.proposer.as_deref().unwrap_or("-"),
            list(&d.seconders),
            list(&d.acceptors),
            d.signatures
                .iter()
                .map(|x| format!("{} {} {}", x.member, x.act, x.date))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    s.push_str("\n## Verification\n\n");
    match (&r.verification.summary, &r.verification.violation) {
        (Some(v), _) => s.push_str(&format!(
            "The history holds: {} from the trust root `{}` to `{}`, {}, {}.\n",
            Count(v.commits, "commit"),
            v.root,
            v.head,
            Count(v.signatures, "signature"),
            Count(v.finalizations, "finalization")
        )),
        (_, Some(v)) => s.push_str(&format!("The history does NOT hold: {v}\n")),
        _ => {}
    }
    s
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

/// A word diff as one quoted Markdown paragraph.
fn quote(pieces: &[Piece]) -> String {
    word_diff(false, pieces).replace('\n', "\n> ")
}
