use charter::history::views::proposal::Standing;
use charter::history::views::status::StatusView;
use charter::model::clock;
use charter::model::count::Count;

use super::output::{colour, json, paint, Paint};
use super::{CmdResult, Ctx};

/// Open proposals: who has signed, who must still act, deadlines.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// List every proposal, decided ones too.
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group_to_read()?;
    let view = StatusView::of(group.repo(), &group.state()?, args.all, &clock::now()?)?;
    if args.json {
        return json(&view);
    }
    let on = colour();
    let count = match view.proposals.len() {
        0 => "no open proposals".to_string(),
        n => Count(n, "proposal").to_string(),
    };
    outln!("{}: {}, {count}", view.group, Count(view.members, "member"))?;
    for p in &view.proposals {
        outln!()?;
        out!("{}", render_standing(p, on))?;
    }
    if !view.warnings.is_empty() {
        outln!()?;
    }
    for w in &view.warnings {
        outln!("{} {w}", paint(on, Paint::Yellow, "warning:"))?;
    }
    Ok(())
}

/// A proposal's standing, as `status` lists it and `show` starts with.
pub fn render_standing(p: &Standing, on: bool) -> String {
    let names = |ids: &[charter::model::id::MemberId]| {
        ids.iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let yellow = |text: &str| paint(on, Paint::Yellow, text);
    let mut out = format!(
        "{}  {}  [{}]\n",
        paint(on, Paint::Bold, p.id.as_str()),
        p.title,
        p.status
    );
    if p.kind == charter::model::proposal::Kind::Member {
        let candidate = p.member.as_ref().map(|m| m.as_str()).unwrap_or_default();
        let waiting = match p.proposer {
            None => format!("; {}", yellow("no member has proposed it yet")),
            Some(_) => String::new(),
        };
        out.push_str(&format!(
            "  applied      {candidate} on {}{waiting}\n",
            p.created
        ));
    }
    if let Some(by) = &p.proposer {
        let date = p.proposed.as_ref().unwrap_or(&p.created);
        out.push_str(&format!("  proposed by  {by} on {date}\n"));
    }
    if let Some(deadline) = &p.deadline {
        out.push_str(&format!("  deadline     {deadline}\n"));
    }
    let nobody = |list: &[charter::model::id::MemberId]| match list.is_empty() {
        true => yellow("nobody yet"),
        false => names(list),
    };
    out.push_str(&format!("  seconded by  {}\n", nobody(&p.seconded_by)));
    out.push_str(&format!("  accepted by  {}\n", nobody(&p.accepted_by)));
    if !p.missing.is_empty() {
        out.push_str(&format!("  waiting for  {}\n", yellow(&names(&p.missing))));
    } else if let Some(why) = &p.blocked {
        out.push_str(&format!("  blocked      {}\n", yellow(why)));
    }
    for o in &p.objections {
        out.push_str(&format!(
            "  {}  {}: {}\n",
            paint(on, Paint::Red, "objection  "),
            o.member,
            o.reason
        ));
    }
    if let Some(d) = &p.decided {
        out.push_str(&format!("  adopted      {d}\n"));
    }
    out
}
