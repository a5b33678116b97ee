use charter::model::clock::{self, Timestamp};
use charter::process::group::State;

use charter::model::proposal::Proposal;
use charter::rules::{self, Status, Tally};
use serde_json::{json, Value};

use super::output::{colour, field, joined, json, paint, Paint};
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

/// One proposal's standing, shared by `status` and `show`.
pub fn standing(state: &State<'_>, p: &Proposal, now: &Timestamp) -> Value {
    let tally = Tally::of(p);
    let status = rules::status(p, now);
    let missing = if status == Status::Open {
        tally.missing(&rules::electorate(p, &state.members))
    } else {
        Vec::new()
    };
    let ids = |v: &mut dyn Iterator<Item = &charter::model::id::MemberId>| -> Vec<String> {
        v.map(ToString::to_string).collect()
    };
    // Everyone accepted, yet it is still open: say what holds it.
    let blocked = match status {
        Status::Open if missing.is_empty() => rules::check_finalize(
            p,
            &state.members,
            &state.snapshot,
            &rules::decision_date(p, &state.snapshot, *now),
        )
        .err()
        .map(|e| e.to_string()),
        _ => None,
    };
    json!({
        "id": p.id.as_str(),
        "title": p.file.title,
        "kind": p.file.kind.as_str(),
        "principle": p.file.principle.as_ref().map(|x| x.as_str()),
        "status": status,
        "proposer": p.proposer().map(|m| m.as_str()),
        "member": p.file.member.as_ref().map(|m| m.as_str()),
        "created": p.file.created,
        "deadline": p.file.deadline,
        "seconded_by": ids(&mut tally.seconders.iter()),
        "accepted_by": ids(&mut tally.accepted.iter()),
        "missing": ids(&mut missing.iter()),
        "objections": tally.objections.iter().map(|(m, r)| json!({"member": m.as_str(), "reason": r})).collect::<Vec<_>>(),
        "decided": p.decision.as_ref().map(|d| d.date.clone()),
        "blocked": blocked,
    })
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let group = ctx.group()?;
    let state = group.state()?;
    let now = clock::now()?;
    let mut list = Vec::new();
    for id in state.proposal_ids()? {
        let p = state.proposal(&id)?;
        if args.all || rules::status(&p, &now) == Status::Open {
            list.push(standing(&state, &p, &now));
        }
    }
    let warnings = warnings(&state, &now)?;
    if args.json {
        json(&json!({
            "group": state.governance.name,
            "members": state.members.len(),
            "proposals": list,
            "warnings": warnings,
        }))?;
        return Ok(());
    }
    let on = colour();
    out!(
        "{}",
        render(&state.governance.name, state.members.len(), &list, on)
    )?;
    if !warnings.is_empty() {
        outln!()?;
    }
    for w in warnings {
        outln!("{} {w}", paint(on, Paint::Yellow, "warning:"))?;
    }
    Ok(())
}

/// What needs attention: an overdue annual review, translations the last
/// amendment of a principle left as they were.
fn warnings(state: &State<'_>, now: &Timestamp) -> Result<Vec<String>, charter::Error> {
    let mut out = Vec::new();
    let reviews = charter::model::review::load_all(&state.snapshot)?;
    let founded = state.members.everyone().map(|m| m.joined).min();
    if let Some(founded) = founded {
        if let Some(year) =
            charter::model::review::overdue(&reviews, state.governance.review_month, &founded, now)
        {
            let month = chrono::Month::try_from(state.governance.review_month as u8)
                .map(|m| m.name().to_string())
                .unwrap_or_default();
            let next = match reviews.get(&year) {
                Some(r) if r.is_open() => "close",
                _ => "open",
            };
            out.push(format!(
                "the annual review of {year} is overdue (due by the end of {month} {year}): charter review {next} {year}"
            ));
        }
    }
    for gap in charter::process::amendment::translation_gaps(state)? {
        out.push(untouched_message(&gap));
    }
    Ok(out)
}

pub fn untouched_message(gap: &charter::process::amendment::UntouchedLanguage) -> String {
    let why = if gap.on_purpose {
        "declared unchanged on purpose"
    } else {
        "not declared unchanged: check the translation"
    };
    format!(
        "the '{}' text of {} was not changed by {} ({why})",
        gap.lang, gap.principle, gap.proposal
    )
}

pub fn render(group: &str, members: usize, list: &[Value], on: bool) -> String {
    let mut out = format!("{group}: {members} members, ");
    if list.is_empty() {
        out.push_str("no open proposals\n");
        return out;
    }
    out.push_str(&format!("{} proposal(s)\n", list.len()));
    for p in list {
        let s = |k: &str| field(p, k);
        let names = |k: &str| joined(p, k);
        out.push_str(&format!(
            "\n{}  {}  [{}]\n",
            paint(on, Paint::Bold, &s("id")),
            s("title"),
            s("status")
        ));
        match p["proposer"].as_str() {
            Some(by) => out.push_str(&format!("  proposed by  {by} on {}\n", s("created"))),
            None => out.push_str(&format!(
                "  applied      {} on {}; {}\n",
                s("member"),
                s("created"),
                paint(on, Paint::Yellow, "no member has proposed it yet")
            )),
        }
        if !s("deadline").is_empty() {
            out.push_str(&format!("  deadline     {}\n", s("deadline")));
        }
        let seconded = names("seconded_by");
        out.push_str(&format!(
            "  seconded by  {}\n",
            if seconded.is_empty() {
                paint(on, Paint::Yellow, "nobody yet")
            } else {
                seconded
            }
        ));
        out.push_str(&format!("  accepted by  {}\n", names("accepted_by")));
        let missing = names("missing");
        if !missing.is_empty() {
            out.push_str(&format!(
                "  waiting for  {}\n",
                paint(on, Paint::Yellow, &missing)
            ));
        } else if let Some(why) = p["blocked"].as_str() {
            out.push_str(&format!(
                "  blocked      {}\n",
                paint(on, Paint::Yellow, why)
            ));
        }
        for o in p["objections"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  {}  {}: {}\n",
                paint(on, Paint::Red, "objection  "),
                o["member"].as_str().unwrap_or_default(),
                o["reason"].as_str().unwrap_or_default()
            ));
        }
        if let Some(d) = p["decided"].as_str() {
            out.push_str(&format!("  adopted      {d}\n"));
        }
    }
    out
}
