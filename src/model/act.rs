//! The acts a signer can make on a proposal.

use std::fmt;
use std::str::FromStr;

use crate::model::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Act {
    // Declared in the order acts of one moment are replayed: an
    // application before its proposal, a proposal before its votes.
    Apply,
    Propose,
    Second,
    Accept,
    /// The new key's half of a key rotation.
    ConfirmKey,
    Object,
    WithdrawObjection,
    Withdraw,
}

impl serde::Serialize for Act {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Act {
    pub const ALL: [Act; 8] = [
        Act::Propose,
        Act::Second,
        Act::Accept,
        Act::Object,
        Act::WithdrawObjection,
        Act::Withdraw,
        Act::Apply,
        Act::ConfirmKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Act::Propose => "propose",
            Act::Second => "second",
            Act::Accept => "accept",
            Act::Object => "object",
            Act::WithdrawObjection => "withdraw-objection",
            Act::Withdraw => "withdraw",
            Act::Apply => "apply",
            Act::ConfirmKey => "confirm-key",
        }
    }

    /// Proposing and seconding count as accepting.
    pub fn is_acceptance(self) -> bool {
        matches!(self, Act::Propose | Act::Second | Act::Accept)
    }
}

impl FromStr for Act {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Act::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!("unknown act '{}'", crate::crypto::input::echo(s)))
            })
    }
}

impl fmt::Display for Act {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
