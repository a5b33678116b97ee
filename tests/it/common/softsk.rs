//! A software FIDO authenticator for `sk-ssh-ed25519@openssh.com` keys:
//! what a security key does when it signs (OpenSSH's `ssh-ed25519-sk.c`),
//! with the user-presence flag set or not. Its signatures are checked with
//! stock `ssh-keygen -Y verify` by the tests that use it.

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};
use ssh_key::public::{Ed25519PublicKey, KeyData, SkEd25519};
use ssh_key::{Algorithm, HashAlg, LineEnding, SshSig};

pub const USER_PRESENT: u8 = 0x01;

pub struct SoftSk {
    key: ed25519_dalek::SigningKey,
    application: String,
    counter: std::cell::Cell<u32>,
}

impl SoftSk {
    pub fn new(seed: u8) -> Self {
        Self {
            key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
            application: "ssh:".to_string(),
            counter: std::cell::Cell::new(0),
        }
    }

    fn key_data(&self) -> KeyData {
        let ed = Ed25519PublicKey(self.key.verifying_key().to_bytes());
        KeyData::SkEd25519(SkEd25519::new(ed, self.application.clone()))
    }

    /// `sk-ssh-ed25519@openssh.com AAAA... comment`.
    pub fn public_line(&self, comment: &str) -> String {
        ssh_key::PublicKey::new(self.key_data(), comment)
            .to_openssh()
            .unwrap()
    }

    /// An armored SSHSIG of `msg` in `namespace`, the authenticator
    /// reporting `flags`.
    pub fn sign(&self, namespace: &str, msg: &[u8], flags: u8) -> String {
        let counter = self.counter.get() + 1;
        self.counter.set(counter);
        let data = SshSig::signed_data(namespace, HashAlg::Sha512, msg).unwrap();
        let signed = [
            &Sha256::digest(self.application.as_bytes())[..],
            &[flags],
            &counter.to_be_bytes(),
            &Sha256::digest(&data),
        ]
        .concat();
        let signature = self.key.sign(&signed).to_bytes();
        let blob = [&signature[..], &[flags], &counter.to_be_bytes()].concat();
        let signature = ssh_key::Signature::new(Algorithm::SkEd25519, blob).unwrap();
        SshSig::new(self.key_data(), namespace, HashAlg::Sha512, signature)
            .unwrap()
            .to_pem(LineEnding::LF)
            .unwrap()
    }
}
