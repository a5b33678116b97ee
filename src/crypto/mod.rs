//! Keys and signatures: ed25519 keys in OpenSSH's formats and SSHSIG
//! signatures read exactly as OpenSSH reads them; and, as the lowest layer
//! that reads what the user names, the guards on input (`input`: bounded
//! reads of regular files, values echoed safely; `exec`: other programs
//! run with a time limit and bounded output). Knows nothing of the
//! charter's model or of git.

pub mod agent;
pub mod attestation;
pub mod exec;
pub mod input;
pub mod key;
pub mod parallel;
pub mod sshsig;
