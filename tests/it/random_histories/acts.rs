//! The acts a member or candidate may make, which of them the rules allow
//! in a clone, and running one with the binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::support::{charter_as, registered, View};
use super::CANDIDATES;
use crate::common::*;

fn display_name(id: &str) -> &'static str {
    match id {
        "jp" => "Japan",
        "outsider" => "Outsider",
        "ca" => "Canada",
        _ => "Someone",
    }
}

/// One act a member or candidate may make.
#[derive(Debug, Clone)]
pub(crate) enum Act {
    Amend(String),
    Second(String),
    Accept(String),
    Object(String),
    WithdrawObjection(String),
    Withdraw(String),
    Finalize(String),
    ProposeMember(String),
    Remove(String),
    /// To the new key at this path (filled in once chosen).
    Rotate(PathBuf),
    Leave,
    Apply,
}

impl Act {
    /// An act that moves an open proposal towards its decision.
    pub(crate) fn is_response(&self) -> bool {
        matches!(
            self,
            Act::Second(_)
                | Act::Accept(_)
                | Act::WithdrawObjection(_)
                | Act::Finalize(_)
                | Act::ProposeMember(_)
        )
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Act::Amend(p) => format!("propose amend {p}"),
            Act::Second(id) => format!("second {id}"),
            Act::Accept(id) => format!("accept {id}"),
            Act::Object(id) => format!("object {id} --reason ..."),
            Act::WithdrawObjection(id) => format!("object {id} --withdraw"),
            Act::Withdraw(id) => format!("withdraw {id}"),
            Act::Finalize(id) => format!("finalize {id}"),
            Act::ProposeMember(c) => format!("propose member {c}"),
            Act::Remove(m) => format!("propose remove-member {m}"),
            Act::Rotate(p) => format!(
                "key rotate --new-key {}",
                p.file_name().unwrap_or_default().to_string_lossy()
            ),
            Act::Leave => "leave".to_string(),
            Act::Apply => "apply --statement ...".to_string(),
        }
    }
}

/// The acts `who` may make in the clone at `repo` by the rules, as its
/// `view` shows them, with weights that favour finishing what is open.
/// `remover` restricts who may propose a removal (property 1), as
/// `principles` restricts what `who` amends.
pub(crate) fn choices(
    who: &str,
    v: &View,
    repo: &Path,
    principles: &[&str],
    remover: Option<fn(&str) -> &'static str>,
) -> Vec<(u32, Act)> {
    let signed = |id: &str, act: &str| {
        repo.join(proposal_dir(id))
            .join(format!("signatures/{who}.{act}.msg"))
            .exists()
    };
    let mut out = Vec::new();
    if v.members.iter().any(|m| m == who) {
        for p in &v.open {
            if matches!(p.kind.as_str(), "leave" | "rotate-key") {
                // Normally finalized with its act; open only if a sync
                // replayed it without its finalization. Anyone may finish it.
                if p.missing.is_empty() && !p.blocked {
                    out.push((200, Act::Finalize(p.id.clone())));
                }
                continue;
            }
            if !matches!(p.kind.as_str(), "amend" | "member" | "remove-member") {
                continue;
            }
            let Some(proposer) = &p.proposer else {
                if p.kind == "member" {
                    if let Some(c) = &p.member {
                        out.push((200, Act::ProposeMember(c.clone())));
                    }
                }
                continue;
            };
            let mine = proposer == who;
            let concerned = p.kind == "remove-member" && p.member.as_deref() == Some(who);
            if !concerned {
                // A second counts as an acceptance: one is enough, more are
                // rare.
                if !mine && !signed(&p.id, "second") {
                    let w = if p.seconded.is_empty() { 200 } else { 3 };
                    out.push((w, Act::Second(p.id.clone())));
                }
                let could_second = !mine && p.seconded.is_empty();
                if !could_second && !p.accepted.iter().any(|m| m == who) {
                    let w = 100 + 50 * p.accepted.len() as u32;
                    out.push((w, Act::Accept(p.id.clone())));
                }
                if !mine && !signed(&p.id, "object") && p.objections.is_empty() {
                    out.push((4, Act::Object(p.id.clone())));
                }
                if p.objections.iter().any(|m| m == who) {
                    out.push((250, Act::WithdrawObjection(p.id.clone())));
                }
            }
            if mine {
                out.push((2, Act::Withdraw(p.id.clone())));
            }
            if p.missing.is_empty() && !p.blocked && !p.seconded.is_empty() {
                out.push((200, Act::Finalize(p.id.clone())));
            }
        }
        // One open proposal of one's own, a few in all: finish first.
        let own = v
            .open
            .iter()
            .filter(|p| p.proposer.as_deref() == Some(who))
            .count();
        if own == 0 && v.open.len() < 4 {
            for pr in principles {
                out.push((30, Act::Amend(pr.to_string())));
            }
        }
        if v.members.len() > 3 {
            for m in &v.members {
                let pending = v
                    .open
                    .iter()
                    .any(|p| p.kind == "remove-member" && p.member.as_ref() == Some(m));
                if m != who && !pending && remover.is_none_or(|r| r(m) == who) {
                    out.push((2, Act::Remove(m.clone())));
                }
            }
            out.push((2, Act::Leave));
        }
        out.push((3, Act::Rotate(PathBuf::new())));
    } else if CANDIDATES.contains(&who)
        && !registered(repo, who)
        && !v
            .open
            .iter()
            .any(|p| p.kind == "member" && p.member.as_deref() == Some(who))
    {
        out.push((40, Act::Apply));
    }
    out.retain(|(_, a)| !skipped(a));
    out
}

/// Whether `CHARTER_PROPTEST_SKIP` (a comma-separated list of act names:
/// amend, second, accept, object, withdraw-objection, withdraw, finalize,
/// propose-member, remove-member, rotate, leave, apply) excludes `act`.
fn skipped(act: &Act) -> bool {
    let Ok(list) = std::env::var("CHARTER_PROPTEST_SKIP") else {
        return false;
    };
    let name = match act {
        Act::Amend(_) => "amend",
        Act::Second(_) => "second",
        Act::Accept(_) => "accept",
        Act::Object(_) => "object",
        Act::WithdrawObjection(_) => "withdraw-objection",
        Act::Withdraw(_) => "withdraw",
        Act::Finalize(_) => "finalize",
        Act::ProposeMember(_) => "propose-member",
        Act::Remove(_) => "remove-member",
        Act::Rotate(_) => "rotate",
        Act::Leave => "leave",
        Act::Apply => "apply",
    };
    list.split(',').any(|s| s.trim() == name)
}

/// Runs one act as `who` with `key` in `g`'s clone; `tag` makes its texts
/// unique.
pub(crate) fn run_act(g: &Group, who: &str, key: &Path, act: &Act, tag: &str) -> Output {
    let mut cmd = charter_as(g, key);
    match act {
        Act::Amend(p) => {
            let title = |lang: &str| {
                std::fs::read_to_string(g.repo.join(format!("charter/{p}.{lang}.md")))
                    .unwrap_or_else(|e| panic!("charter/{p}.{lang}.md: {e}"))
                    .lines()
                    .next()
                    .unwrap_or("# Untitled")
                    .to_string()
            };
            let en = format!(
                "{}\n\n{who} proposes this text for {p} ({tag}).\n",
                title("en")
            );
            let fr = format!(
                "{}\n\n{who} propose ce texte pour {p} ({tag}).\n",
                title("fr")
            );
            let texts = g.texts(&format!("{p}-{tag}"), &en, &fr);
            cmd.args(["propose", "amend", p]).args(&texts);
        }
        Act::Second(id) => {
            cmd.args(["second", id]);
        }
        Act::Accept(id) => {
            cmd.args(["accept", id]);
        }
        Act::Object(id) => {
            cmd.args(["object", id, "--reason"])
                .arg(format!("{who} needs more time to read it ({tag})"));
        }
        Act::WithdrawObjection(id) => {
            cmd.args(["object", id, "--withdraw"]);
        }
        Act::Withdraw(id) => {
            cmd.args(["withdraw", id]);
        }
        Act::Finalize(id) => {
            cmd.args(["finalize", id]);
        }
        Act::ProposeMember(c) => {
            cmd.args(["propose", "member", c]);
        }
        Act::Remove(m) => {
            cmd.args(["propose", "remove-member", m, "--reason"])
                .arg(format!("{who} asks for it ({tag})"));
        }
        Act::Rotate(new) => {
            cmd.args(["key", "rotate", "--new-key"]).arg(new);
        }
        Act::Leave => {
            cmd.arg("leave");
        }
        Act::Apply => {
            let statement = g.statement_file(
                &format!("{who}-{tag}"),
                &fill_statement(&g.statement_template()),
            );
            cmd.args([
                "apply",
                "--id",
                who,
                "--name",
                display_name(who),
                "--statement",
            ])
            .arg(statement);
        }
    }
    cmd.output().unwrap()
}
