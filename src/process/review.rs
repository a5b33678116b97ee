//! The annual review as a process: opening it (a member's signed act, no
//! vote) and proposing to close it (every member re-affirms the charter).

use crate::model::clock::{self, Timestamp};
use crate::model::error::Result;
use crate::model::id::ProposalId;
use crate::model::proposal::{has_decision, Kind, Proposal, ProposalFile};
use crate::model::review::load;
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
        let mut file = ProposalFile::new(
            Kind::ReviewOpen,
            format!("Open the review of {year}"),
            Some(member.id.clone()),
            now,
        );
        file.review = Some(year);
        file.deadline = deadline.map(|d| clock::format(&d));
        let new = NewProposal {
            slug: format!("open-review-{year}"),
            file,
            changes: Default::default(),
            statement: None,
        };
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
        let files = state.snapshot.files_under(crate::model::charter::DIR)?;
        let mut texts = Vec::new();
        let mut file = ProposalFile::new(
            Kind::ReviewClose,
            format!("Close the review of {year}: re-affirm the charter"),
            Some(member.id.clone()),
            now,
        );
        for (rel, blob) in &files {
            let path = format!("{}/{rel}", crate::model::charter::DIR);
            texts.push((rel.clone(), state.snapshot.blob_text(&path, *blob)?));
            file.base.insert(path, blob.to_string());
        }
        let digest =
            crate::model::proposal::digest(texts.iter().map(|(p, t)| (p.as_str(), t.as_bytes())));
        file.review = Some(year);
        file.charter_digest = Some(digest.to_string());
        file.deadline = state.deadline(deadline, now)?;
        let new = NewProposal {
            slug: format!("close-review-{year}"),
            file,
            changes: Default::default(),
            statement: None,
        };
        tx.file(new)
    }
}
