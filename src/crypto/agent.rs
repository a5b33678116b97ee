//! Signing through an ssh-agent (`SSH_AUTH_SOCK`), as `ssh-keygen -Y sign`
//! does when the agent holds the key: the private key never leaves the
//! agent (or the security key behind it).

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ssh_agent_client_rs::{Client, Identity};
use ssh_key::{HashAlg, PublicKey, Signature};

use crate::crypto::input::echo_path;

/// How long the agent may take to answer: long enough for a delegate to
/// confirm (`ssh-add -c`) or touch a security key, short enough that a
/// wedged agent does not hang an act.
const ANSWER_TIME: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(
        "no ssh-agent: SSH_AUTH_SOCK is not set (start one with `eval \"$(ssh-agent)\"`, then `ssh-add` the key)"
    )]
    NoAgent,
    #[error("cannot reach the ssh-agent at {} ({source})", echo_path(socket))]
    Connect {
        socket: PathBuf,
        source: std::io::Error,
    },
    #[error("the ssh-agent at {} failed: {message}", echo_path(socket))]
    Protocol { socket: PathBuf, message: String },
    /// `add` is the command that would add it, when its private key file
    /// is known.
    #[error("the ssh-agent does not hold the key {fingerprint}; add it with `ssh-add {add}`")]
    NotHeld { fingerprint: String, add: String },
    #[error(
        "the ssh-agent refused to sign with {fingerprint} (confirmation denied, or the security key was not touched)"
    )]
    Refused { fingerprint: String },
}

/// The agent at `socket`.
pub struct Agent {
    socket: PathBuf,
}

impl Agent {
    /// The agent named by `socket` (the value of `SSH_AUTH_SOCK`), if any.
    pub fn new(socket: Option<&Path>) -> Result<Self, AgentError> {
        match socket {
            Some(s) if !s.as_os_str().is_empty() => Ok(Self {
                socket: s.to_path_buf(),
            }),
            _ => Err(AgentError::NoAgent),
        }
    }

    fn connect(&self) -> Result<Client, AgentError> {
        let connect = |source| AgentError::Connect {
            socket: self.socket.clone(),
            source,
        };
        let stream = UnixStream::connect(&self.socket).map_err(connect)?;
        stream
            .set_read_timeout(Some(ANSWER_TIME))
            .and_then(|()| stream.set_write_timeout(Some(ANSWER_TIME)))
            .map_err(connect)?;
        Ok(Client::with_read_write(Box::new(stream)))
    }

    fn protocol(&self, e: ssh_agent_client_rs::Error) -> AgentError {
        let message = match e {
            ssh_agent_client_rs::Error::AgentCommunicationError(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                format!("no answer in {} s", ANSWER_TIME.as_secs())
            }
            other => other.to_string(),
        };
        AgentError::Protocol {
            socket: self.socket.clone(),
            message,
        }
    }

    /// Whether the agent holds the private half of `key`.
    pub fn holds(&self, key: &PublicKey) -> Result<bool, AgentError> {
        let mut client = self.connect()?;
        let identities = client.list_all_identities().map_err(|e| self.protocol(e))?;
        Ok(identities.iter().any(|identity| match identity {
            Identity::PublicKey(held) => held.key_data() == key.key_data(),
            Identity::Certificate(_) => false,
        }))
    }

    /// The agent's signature of `data` with `key`.
    pub fn sign(&self, key: &PublicKey, data: &[u8]) -> Result<Signature, AgentError> {
        let mut client = self.connect()?;
        client.sign(key, data).map_err(|e| match e {
            ssh_agent_client_rs::Error::RemoteFailure => AgentError::Refused {
                fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
            },
            other => self.protocol(other),
        })
    }
}
