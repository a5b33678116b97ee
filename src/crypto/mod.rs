//! Keys and signatures: ed25519 keys in OpenSSH's formats and SSHSIG
//! signatures read exactly as OpenSSH reads them. Knows nothing of the
//! charter's model or of git.

pub mod key;
pub mod sshsig;
