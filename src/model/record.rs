//! Signed records: the canonical message of an act and its SSHSIG signature,
//! stored as `signatures/<signer>.<act>.msg` and `.sig` in the proposal.

use crate::crypto::key::{PreparedCheck, PublicKey, SignatureError, SigningKey};
use crate::model::act::Act;
use crate::model::clock::{self, Timestamp};
use crate::model::id::{MemberId, ProposalId};
use crate::model::proposal::Digest;

/// The SSHSIG namespace of every act: a signature made for anything else
/// (git commits, ssh logins) cannot be replayed as an act, nor the reverse.
pub const NAMESPACE: &str = "charter";
const HEADER: &str = "charter signature v1";
/// A reason is one line of text; longer explanations belong in a proposal.
const MAX_REASON: usize = 1000;

/// The canonical text a signer signs. Its exact bytes are stored beside the
/// signature, so anyone can check it with `ssh-keygen -Y verify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub repository: String,
    pub proposal: ProposalId,
    pub digest: Digest,
    pub act: Act,
    pub signer: MemberId,
    pub date: Timestamp,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("not a charter signature message: {0}")]
    Malformed(String),
    #[error("the reason must be one line of at most 1000 characters")]
    BadReason,
}

impl Message {
    pub fn text(&self) -> String {
        let mut s = format!(
            "{HEADER}\nrepository {}\nproposal {}\ndigest {}\nact {}\nsigner {}\ndate {}\n",
            self.repository,
            self.proposal,
            self.digest,
            self.act,
            self.signer,
            clock::format(&self.date)
        );
        if let Some(reason) = &self.reason {
            s.push_str(&format!("reason {reason}\n"));
        }
        s
    }

    pub fn check_reason(reason: &str) -> Result<(), MessageError> {
        if reason.trim().is_empty()
            || reason.len() > MAX_REASON
            || reason.chars().any(char::is_control)
        {
            return Err(MessageError::BadReason);
        }
        Ok(())
    }

    /// Parses a message strictly: it must be exactly the canonical text, so
    /// two different byte strings never mean the same act.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let bad = |what: &str| MessageError::Malformed(what.to_string());
        let mut lines = text.split_terminator('\n');
        let mut field = |name: &str| -> Result<String, MessageError> {
            let line = lines
                .next()
                .ok_or_else(|| bad(&format!("missing '{name}'")))?;
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("expected '{name} ...'")))
        };
        if field("charter")? != "signature v1" {
            return Err(bad("unknown version"));
        }
        let repository = field("repository")?;
        if repository.len() != 40 || !repository.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("repository is not a commit id"));
        }
        let proposal = field("proposal")?
            .parse()
            .map_err(|_| bad("bad proposal id"))?;
        let digest = field("digest")?.parse().map_err(|_| bad("bad digest"))?;
        let act = field("act")?.parse().map_err(|_| bad("unknown act"))?;
        let signer = field("signer")?.parse().map_err(|_| bad("bad signer id"))?;
        let date = clock::parse_timestamp(&field("date")?).map_err(|_| bad("bad date"))?;
        let reason = if act == Act::Object {
            let r = field("reason")?;
            Message::check_reason(&r)?;
            Some(r)
        } else {
            None
        };
        let message = Message {
            repository,
            proposal,
            digest,
            act,
            signer,
            date,
            reason,
        };
        if message.text() != text {
            return Err(bad("not in canonical form"));
        }
        Ok(message)
    }

    /// The file names of this act's record, relative to the proposal folder.
    pub fn file_stem(&self) -> String {
        format!("signatures/{}.{}", self.signer, self.act)
    }

    /// The paths of this act's message and signature files in the proposal
    /// folder `dir`.
    pub fn record_paths(&self, dir: &str) -> (String, String) {
        let stem = crate::model::tree::join(dir, &self.file_stem());
        (format!("{stem}.msg"), format!("{stem}.sig"))
    }
}

/// An act as stored: the message and its armored signature.
#[derive(Clone, Debug)]
pub struct SignedAct {
    pub message: Message,
    pub signature: String,
}

impl SignedAct {
    pub fn sign(message: Message, key: &SigningKey) -> crate::model::error::Result<Self> {
        let signature = key.sign(NAMESPACE, message.text().as_bytes())?;
        Ok(Self { message, signature })
    }

    pub fn verify(&self, key: &PublicKey) -> Result<(), SignatureError> {
        self.prepare(key)?.check()
    }

    /// All of [`Self::verify`] but the curve arithmetic, left to the check.
    pub fn prepare(&self, key: &PublicKey) -> Result<PreparedCheck, SignatureError> {
        key.prepare(NAMESPACE, self.message.text().as_bytes(), &self.signature)
    }
}

/// Splits a record file name `<signer>.<act>.msg|sig` into its parts.
pub fn parse_record_name(name: &str) -> Option<(MemberId, Act, &str)> {
    let (rest, ext) = name.rsplit_once('.')?;
    if ext != "msg" && ext != "sig" {
        return None;
    }
    let (signer, act) = rest.split_once('.')?;
    Some((signer.parse().ok()?, act.parse().ok()?, ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        Message {
            repository: "a".repeat(40),
            proposal: "2026-001-open-source".parse().unwrap(),
            digest: format!("sha256:{}", "0".repeat(64)).parse().unwrap(),
            act: Act::Object,
            signer: "uk".parse().unwrap(),
            date: clock::parse_timestamp("2026-11-23T10:00:00Z").unwrap(),
            reason: Some("too vague".into()),
        }
    }

    #[test]
    fn message_round_trips_and_is_canonical() {
        let m = sample();
        let text = m.text();
        assert_eq!(Message::parse(&text).unwrap(), m);
        assert!(text.starts_with("charter signature v1\nrepository aaaa"));
        for bad in [
            text.replace("act object", "act  object"),
            text.replace("\n", "\r\n"),
            format!("{text}extra\n"),
            text.trim_end().to_string(),
            text.replace("2026-11-23T10:00:00Z", "2026-11-23T11:00:00+01:00"),
        ] {
            assert!(Message::parse(&bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn record_names() {
        let (who, act, ext) = parse_record_name("uk.withdraw-objection.sig").unwrap();
        assert_eq!(
            (who.as_str(), act, ext),
            ("uk", Act::WithdrawObjection, "sig")
        );
        assert!(parse_record_name("../uk.accept.sig").is_none());
        assert!(parse_record_name("uk.accept.txt").is_none());
    }
}
