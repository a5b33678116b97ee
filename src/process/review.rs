//! The annual review as a process: opening it (a member's signed act, no
//! vote) and proposing to close it (every member re-affirms the charter).

use crate::model::clock::{self, Timestamp};
use crate::model::error::Result;
use crate::model::governance::Governance;
use crate::model::id::{MemberId, ProposalId};
use crate::model::proposal::{has_decision, Kind, Proposal, ProposalFile};
use crate::model::review::load;
use crate::model::tree::{join, Tree};
use crate::process::group::NewProposal;

impl crate::process::group::Group {
    /// Opens the annual review of `year`: a member's signed act, no vote.
    pub fn review_open(
        &self,
        key: &crate::crypto::key::SigningKey,
        year: i32,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let tx = self.begin(key, now)?;
        let state = tx.state();
        let member = tx.signer();
        if load(&state.snapshot, year)?.is_some() {
            return Err(crate::rules::RuleError::ReviewExists { year }.into());
        }
        let new = opening(&member.id, year, deadline, now);
        tx.file(new)
    }

    /// Proposes to close the review of `year`: every member re-affirms the
    /// charter exactly as it stands now (its every file is the proposal's
    /// base, and its digest is signed).
    pub fn review_close(
        &self,
        key: &crate::crypto::key::SigningKey,
        year: i32,
        deadline: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ProposalId> {
        let tx = self.begin(key, now)?;
        let state = tx.state();
        let member = tx.signer();
        match load(&state.snapshot, year)? {
            Some(r) if r.is_open() => {}
            _ => return Err(crate::rules::RuleError::ReviewNotOpen { year }.into()),
        }
        for id in state.proposal_ids()? {
            // A decided proposal, or one of another kind, is not read whole.
            if has_decision(&state.snapshot, &id)
                || Proposal::load_content(&state.snapshot, &id)?.file.kind != Kind::ReviewClose
            {
                continue;
            }
            let p = state.proposal(&id)?;
            if p.file.kind == Kind::ReviewClose
                && p.file.review == Some(year)
                && crate::rules::status(&p, &now) == crate::rules::Status::Open
            {
                return Err(
                    crate::rules::RuleError::ReviewCloseProposed { proposal: id, year }.into(),
                );
            }
        }
        let busy = crate::rules::review_busy(year, None, &state.snapshot, &now);
        if !busy.is_empty() {
            return Err(crate::rules::RuleError::ReviewBusy { year, open: busy }.into());
        }
        let new = closing(
            &state.snapshot,
            &state.governance,
            &member.id,
            year,
            deadline,
            now,
        )?;
        tx.file(new)
    }
}

/// The opening of the review of `year` by `member`. The builders here are
/// pure, so that a history can be drafted without a repository (the
/// federation generator) exactly as the commands draft it.
pub fn opening(
    member: &MemberId,
    year: i32,
    deadline: Option<Timestamp>,
    now: Timestamp,
) -> NewProposal {
    let mut file = ProposalFile::new(
        Kind::ReviewOpen,
        format!("Open the review of {year}"),
        Some(member.clone()),
        now,
    );
    file.review = Some(year);
    file.deadline = deadline.map(|d| clock::format(&d));
    NewProposal {
        slug: format!("open-review-{year}"),
        file,
        changes: Default::default(),
        statement: None,
    }
}

/// The closing of the review of `year` by `member`: the charter of `tree`
/// (whose rules are `governance`), every file of it as the base, and the
/// digest of its whole text.
pub fn closing(
    tree: &dyn Tree,
    governance: &Governance,
    member: &MemberId,
    year: i32,
    deadline: Option<Timestamp>,
    now: Timestamp,
) -> Result<NewProposal> {
    let mut texts = Vec::new();
    let mut file = ProposalFile::new(
        Kind::ReviewClose,
        format!("Close the review of {year}: re-affirm the charter"),
        Some(member.clone()),
        now,
    );
    for rel in tree.files(crate::model::charter::DIR)? {
        let path = join(crate::model::charter::DIR, &rel);
        texts.push((rel, tree.require(&path)?));
        let id = tree
            .content_id(&path)
            .ok_or_else(|| crate::model::error::Error::parse(&path, "missing"))?;
        file.base.insert(path, id);
    }
    let digest =
        crate::model::proposal::digest(texts.iter().map(|(p, t)| (p.as_str(), t.as_bytes())));
    file.review = Some(year);
    file.charter_digest = Some(digest.to_string());
    file.deadline = governance.deadline(deadline, now)?;
    Ok(NewProposal {
        slug: format!("close-review-{year}"),
        file,
        changes: Default::default(),
        statement: None,
    })
}
