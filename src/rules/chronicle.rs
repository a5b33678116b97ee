//! What a membership decision must know of the history below it: the
//! latest decision recorded and each member's latest act. Read from a tree
//! by listing every proposal ([`Scan`], as an act does once), or kept
//! record by record by a walk that judged every record of that tree
//! ([`Kept`]): at federation scale a listing per decision made `verify
//! --full` grow with the square of the history.

use std::collections::HashMap;

use crate::model::act::Act;
use crate::model::clock::{self, Timestamp};
use crate::model::error::{self, Error, Result};
use crate::model::id::{MemberId, ProposalId};
use crate::model::proposal::{self, Decision};
use crate::model::record::Message;
use crate::model::tree::{self, Tree};

/// The latest-dated decision and acts of one tree.
pub trait Chronicle {
    /// The latest-dated decision recorded, with its proposal.
    fn last_decision(&self) -> Result<Option<(ProposalId, Timestamp)>>;
    /// The latest-dated act `subject` signed as a member (not as a
    /// candidate or with a key it was confirming): the record's path and
    /// date.
    fn last_act_by(&self, subject: &MemberId) -> Result<Option<(String, Timestamp)>>;
}

/// Acts a member signs with a key of its own making, not as a member.
fn as_member(act: Act) -> bool {
    !matches!(act, Act::Apply | Act::ConfirmKey)
}

/// The chronicle of a tree, read by listing its proposals. Of records of
/// one date, the first in proposal and file name order is named.
pub struct Scan<'a>(pub &'a dyn Tree);

impl Chronicle for Scan<'_> {
    fn last_decision(&self) -> Result<Option<(ProposalId, Timestamp)>> {
        let mut last: Option<(ProposalId, Timestamp)> = None;
        for id in proposal::list(self.0)? {
            let path = tree::join(&id.dir(), proposal::DECISION);
            let Some(text) = self.0.read(&path)? else {
                continue;
            };
            let decision: Decision = error::from_toml(&path, &text)?;
            let date = clock::parse_timestamp(&decision.date)
                .map_err(|_| Error::parse(&path, "date is not an RFC 3339 date-time"))?;
            if last.as_ref().is_none_or(|(_, t)| date > *t) {
                last = Some((id, date));
            }
        }
        Ok(last)
    }

    fn last_act_by(&self, subject: &MemberId) -> Result<Option<(String, Timestamp)>> {
        // A member id holds no '.', so each act has one file name: look those
        // up rather than list every proposal's records (a federation holds
        // hundreds of thousands). In name order, as a listing would meet them.
        let mut names: Vec<String> = Act::ALL
            .into_iter()
            .filter(|act| as_member(*act))
            .map(|act| format!("{subject}.{act}.msg"))
            .collect();
        names.sort();
        let mut last: Option<(String, Timestamp)> = None;
        for id in proposal::list(self.0)? {
            let dir = format!("{}/{}", id.dir(), proposal::SIGNATURES);
            for name in &names {
                let path = format!("{dir}/{name}");
                if self.0.content_id(&path).is_none() {
                    continue;
                }
                let text = self.0.require(&path)?;
                let message = Message::parse(&text).map_err(|err| Error::parse(&path, err))?;
                if last.as_ref().is_none_or(|(_, t)| message.date > *t) {
                    last = Some((path, message.date));
                }
            }
        }
        Ok(last)
    }
}

/// The chronicle kept by a walk, record by record, in the tree's order
/// of ties: it answers exactly as [`Scan`] of a tree holding every record
/// and decision given to it, and nothing else.
#[derive(Clone, Default)]
pub struct Kept {
    decision: Option<(ProposalId, Timestamp)>,
    acts: HashMap<MemberId, (ProposalId, String, Timestamp)>,
}

impl Kept {
    /// A record `name` of `signatures/` in proposal `id`.
    pub fn record(&mut self, id: &ProposalId, name: &str, message: &Message) {
        if !as_member(message.act) {
            return;
        }
        let later = |(at, n, t): &(ProposalId, String, Timestamp)| {
            (message.date, std::cmp::Reverse((id, name)))
                > (*t, std::cmp::Reverse((at, n.as_str())))
        };
        match self.acts.get_mut(&message.signer) {
            Some(last) if !later(last) => {}
            Some(last) => *last = (id.clone(), name.to_string(), message.date),
            None => {
                self.acts.insert(
                    message.signer.clone(),
                    (id.clone(), name.to_string(), message.date),
                );
            }
        }
    }

    /// The decision on proposal `id`, dated `date`.
    pub fn decided(&mut self, id: &ProposalId, date: Timestamp) {
        let later = |(at, t): &(ProposalId, Timestamp)| {
            (date, std::cmp::Reverse(id)) > (*t, std::cmp::Reverse(at))
        };
        if self.decision.as_ref().is_none_or(later) {
            self.decision = Some((id.clone(), date));
        }
    }
}

impl Chronicle for Kept {
    fn last_decision(&self) -> Result<Option<(ProposalId, Timestamp)>> {
        Ok(self.decision.clone())
    }

    fn last_act_by(&self, subject: &MemberId) -> Result<Option<(String, Timestamp)>> {
        Ok(self.acts.get(subject).map(|(id, name, date)| {
            (
                format!("{}/{}/{name}", id.dir(), proposal::SIGNATURES),
                *date,
            )
        }))
    }
}

/// A chronicle and the acts recorded beside a decision, in its own step
/// (one commit made by hand can hold both): the decision is judged against
/// every act before it or beside it, so that an act of a departing member
/// dated after its departure cannot ride along in the same commit.
pub struct Beside<'a> {
    past: &'a dyn Chronicle,
    step: Kept,
}

impl<'a> Beside<'a> {
    /// `past`, and the records `(proposal, file name, message)` of the step.
    pub fn new(past: &'a dyn Chronicle, records: &[(ProposalId, String, Message)]) -> Self {
        let mut step = Kept::default();
        for (id, name, message) in records {
            step.record(id, name, message);
        }
        Self { past, step }
    }
}

impl Chronicle for Beside<'_> {
    fn last_decision(&self) -> Result<Option<(ProposalId, Timestamp)>> {
        self.past.last_decision()
    }

    fn last_act_by(&self, subject: &MemberId) -> Result<Option<(String, Timestamp)>> {
        let past = self.past.last_act_by(subject)?;
        let step = self.step.last_act_by(subject)?;
        Ok(match (past, step) {
            (Some(past), Some(step)) if step.1 > past.1 => Some(step),
            (None, step) => step,
            (past, _) => past,
        })
    }
}

/// Both chronicles, answering only where they agree: in debug builds (every
/// test), a walk's kept chronicle is checked against a listing each time it
/// is asked.
#[cfg(debug_assertions)]
pub struct Checked<'a> {
    pub kept: &'a Kept,
    pub scan: Scan<'a>,
}

#[cfg(debug_assertions)]
impl Chronicle for Checked<'_> {
    fn last_decision(&self) -> Result<Option<(ProposalId, Timestamp)>> {
        agree(self.kept.last_decision()?, self.scan.last_decision()?)
    }

    fn last_act_by(&self, subject: &MemberId) -> Result<Option<(String, Timestamp)>> {
        agree(
            self.kept.last_act_by(subject)?,
            self.scan.last_act_by(subject)?,
        )
    }
}

#[cfg(debug_assertions)]
fn agree<T: PartialEq + std::fmt::Debug>(kept: T, scan: T) -> Result<T> {
    if kept == scan {
        Ok(kept)
    } else {
        Err(Error::Internal(format!(
            "the kept chronicle says {kept:?}, the tree {scan:?}"
        )))
    }
}
