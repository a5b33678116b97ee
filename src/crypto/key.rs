//! Ed25519 keys in OpenSSH's formats: members' public keys, the acting
//! private key, and SSHSIG signatures made and checked with them.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use ssh_key::public::{Ed25519PublicKey, KeyData};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, SshSig};

use crate::crypto::agent::{Agent, AgentError};
use crate::crypto::exec;
use crate::crypto::input::{echo_path, read_bounded, ReadError};

/// What can go wrong with a key file. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{}: {message}", echo_path(path))]
    Key { path: String, message: String },
    #[error("{}: weak (small-order) ed25519 public key refused", echo_path(path))]
    Weak { path: String },
    #[error("{}: {source}", echo_path(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The key file could not be read: not a file, too large, unreadable.
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{}: not valid UTF-8", echo_path(path))]
    NotUtf8 { path: String },
    #[error("{}: already exists", echo_path(path))]
    Exists { path: PathBuf },
    #[error("{}: {source}", echo_path(path))]
    Agent { path: String, source: AgentError },
}

impl KeyError {
    pub fn key(path: impl Into<String>, message: impl ToString) -> Self {
        KeyError::Key {
            path: path.into(),
            message: message.to_string(),
        }
    }

    fn agent(path: impl Into<String>, source: AgentError) -> Self {
        KeyError::Agent {
            path: path.into(),
            source,
        }
    }

    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KeyError::Io {
            path: path.into(),
            source,
        }
    }
}

type Result<T, E = KeyError> = std::result::Result<T, E>;

/// Private key files are small; anything larger is not one.
const MAX_KEY_FILE: usize = 64 * 1024;

/// A member's ed25519 public key; never a weak (small-order) one. It may
/// live on a FIDO security key (`sk-ssh-ed25519@openssh.com`), whose
/// signatures must carry the user-presence flag.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    /// A security key's application (`ssh:` unless chosen at enrolment).
    application: Option<String>,
}

/// The authenticator's flag that a person touched the security key.
const USER_PRESENT: u8 = 0x01;

impl PublicKey {
    /// Parses an OpenSSH public key line (`ssh-ed25519 AAAA... [comment]`);
    /// `origin` names where it came from, for the error.
    pub fn parse(origin: &str, line: &str) -> Result<Self> {
        let parsed = ssh_key::PublicKey::from_openssh(line.trim())
            .map_err(|e| KeyError::key(origin, format!("not an OpenSSH public key ({e})")))?;
        Self::from_key_data(origin, parsed.key_data())
    }

    fn from_key_data(origin: &str, data: &KeyData) -> Result<Self> {
        let (bytes, application) = match data {
            KeyData::Ed25519(pk) => (pk.0, None),
            KeyData::SkEd25519(sk) => (sk.public_key().0, Some(sk.application().to_string())),
            _ => {
                return Err(KeyError::key(
                    origin,
                    format!(
                        "{} key refused: only ssh-ed25519 and sk-ssh-ed25519@openssh.com keys are accepted",
                        data.algorithm()
                    ),
                ))
            }
        };
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError::key(origin, "not a valid ed25519 point"))?;
        if key.is_weak() {
            return Err(KeyError::Weak {
                path: origin.to_string(),
            });
        }
        Ok(Self { key, application })
    }

    /// The ed25519 point, whatever the key's form.
    pub fn point(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether both are the same ed25519 point, whatever their form.
    pub fn same_point(&self, other: &PublicKey) -> bool {
        self.key == other.key
    }

    /// A security key's application; `None` for a plain key.
    pub fn application(&self) -> Option<&str> {
        self.application.as_deref()
    }

    /// Whether the key lives on a FIDO security key.
    pub fn is_security_key(&self) -> bool {
        self.application.is_some()
    }

    fn key_data(&self) -> KeyData {
        let ed = Ed25519PublicKey(self.key.to_bytes());
        match &self.application {
            None => KeyData::Ed25519(ed),
            Some(app) => KeyData::SkEd25519(ssh_key::public::SkEd25519::new(ed, app.clone())),
        }
    }

    /// The key as OpenSSH writes it, without a comment: `ssh-ed25519 AAAA...`.
    pub fn to_openssh(&self) -> String {
        ssh_key::PublicKey::new(self.key_data(), "")
            .to_openssh()
            .unwrap_or_default()
    }

    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.ssh().fingerprint(HashAlg::Sha256).to_string()
    }

    fn ssh(&self) -> ssh_key::PublicKey {
        ssh_key::PublicKey::new(self.key_data(), "")
    }

    /// Checks an armored SSHSIG signature over `msg` strictly: this key, this
    /// namespace, ed25519, and `verify_strict` (no malleable encodings). The
    /// file is read as OpenSSH reads it (see [`crate::crypto::sshsig`]).
    pub fn verify(&self, namespace: &str, msg: &[u8], armored: &str) -> Result<(), SignatureError> {
        self.prepare(namespace, msg, armored)?.check()
    }

    /// Everything [`Self::verify`] checks but the curve arithmetic, which
    /// the returned check does: a history's signatures are read in order
    /// and their arithmetic done in parallel ([`check_all`]).
    pub fn prepare(
        &self,
        namespace: &str,
        msg: &[u8],
        armored: &str,
    ) -> Result<PreparedCheck, SignatureError> {
        let sig = crate::crypto::sshsig::parse(armored.as_bytes())?;
        if sig.namespace != namespace.as_bytes() {
            return Err(SignatureError::Namespace(
                String::from_utf8_lossy(&sig.namespace).into_owned(),
            ));
        }
        let application = self.application.as_ref().map(|a| a.as_bytes());
        if sig.public_key != self.key.to_bytes() || sig.application.as_deref() != application {
            return Err(SignatureError::WrongKey);
        }
        let mut data = SshSig::signed_data(namespace, sig.hash_alg, msg)
            .map_err(|_| SignatureError::Malformed)?;
        if let (Some(app), Some(sk)) = (application, sig.sk) {
            // What the authenticator signed (OpenSSH's ssh-ed25519-sk.c):
            // the application's and the message's SHA-256 around its flags
            // and counter. OpenSSH's allowed_signers never asks for the
            // user-presence flag; charter does.
            if sk.flags & USER_PRESENT == 0 {
                return Err(SignatureError::NoUserPresence);
            }
            data = [
                &Sha256::digest(app)[..],
                &[sk.flags],
                &sk.counter.to_be_bytes(),
                &Sha256::digest(&data),
            ]
            .concat();
        }
        Ok(PreparedCheck {
            key: self.key,
            data,
            signature: ed25519_dalek::Signature::from_bytes(&sig.signature),
        })
    }
}

/// The strict ed25519 check left of a signature once its file is read:
/// the exact bytes signed, the signature and the key.
#[derive(Clone)]
pub struct PreparedCheck {
    key: VerifyingKey,
    data: Vec<u8>,
    signature: ed25519_dalek::Signature,
}

impl PreparedCheck {
    pub fn check(&self) -> Result<(), SignatureError> {
        self.key
            .verify_strict(&self.data, &self.signature)
            .map_err(|_| SignatureError::Invalid)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("not an armored SSH signature (truncated or damaged)")]
    Malformed,
    #[error("signed for namespace '{0}', not 'charter'")]
    Namespace(String),
    #[error("not an ed25519 signature")]
    Algorithm,
    #[error("made with another key than the signer's")]
    WrongKey,
    #[error("does not verify")]
    Invalid,
    #[error("made by a security key without the user-presence flag (no one touched it)")]
    NoUserPresence,
}

/// The key that acts: an OpenSSH private key file, or a key an ssh-agent
/// holds, named by its public key.
pub struct SigningKey {
    backing: Backing,
    public: PublicKey,
    path: PathBuf,
    /// Told, before each signature a security key makes, what to ask of
    /// the person (touch it): the library does not print.
    touch: Option<TouchPrompt>,
}

type TouchPrompt = Box<dyn Fn(&str) + Send + Sync>;

enum Backing {
    File(Box<PrivateKey>),
    Agent {
        agent: Agent,
        key: ssh_key::PublicKey,
    },
    /// A security key's handle file, signed with by `ssh-keygen -Y sign`
    /// (as git does), which talks to the device.
    SshKeygen {
        handle: PathBuf,
    },
}

/// How long `ssh-keygen` may wait for the security key to be touched.
const TOUCH_TIME: std::time::Duration = std::time::Duration::from_secs(120);

impl SigningKey {
    /// Loads the private key file `path`; an encrypted key asks
    /// `passphrase` for its passphrase. No agent is used.
    pub fn load(path: &Path, passphrase: &dyn Fn(&Path) -> Result<String>) -> Result<Self> {
        let bytes = read_bounded(path, MAX_KEY_FILE)?;
        Self::parse(path, &bytes, passphrase)
    }

    /// Opens the acting key named by `path`, as git's `user.signingkey`
    /// names one: a private key file, or a public key file whose private
    /// half the ssh-agent at `agent` (`SSH_AUTH_SOCK`) holds. An encrypted
    /// private key the agent holds is used through the agent, without
    /// asking its passphrase (as `ssh-keygen -Y sign` does).
    pub fn open(
        path: &Path,
        agent: Option<&Path>,
        passphrase: &dyn Fn(&Path) -> Result<String>,
    ) -> Result<Self> {
        let bytes = read_bounded(path, MAX_KEY_FILE)?;
        let origin = path.display().to_string();
        if !is_private(&bytes) {
            if let Some(line) = public_line(&bytes) {
                let key = ssh_key::PublicKey::from_openssh(line).map_err(|e| {
                    KeyError::key(&origin, format!("not an OpenSSH public key ({e})"))
                })?;
                return Self::from_agent(path, key, agent);
            }
        }
        if let Some(agent) = agent {
            if let Ok(key) = PrivateKey::from_openssh(&bytes) {
                let public = key.public_key().clone();
                // Asking an agent that is not there would only hide the
                // passphrase prompt behind an error.
                let held = || {
                    Agent::new(Some(agent))
                        .and_then(|a| a.holds(&public))
                        .unwrap_or(false)
                };
                let security_key = public.key_data().is_sk_ed25519();
                if (key.is_encrypted() || security_key) && held() {
                    return Self::from_agent(path, public, Some(agent));
                }
            }
        }
        Self::parse(path, &bytes, passphrase)
    }

    /// The key `key` (read from `path`, or given literally) through the
    /// agent at `agent`, which must hold it.
    pub fn from_agent(path: &Path, key: ssh_key::PublicKey, agent: Option<&Path>) -> Result<Self> {
        let origin = path.display().to_string();
        let public = PublicKey::from_key_data(&origin, key.key_data())?;
        let agent = Agent::new(agent).map_err(|e| KeyError::agent(&origin, e))?;
        if !agent.holds(&key).map_err(|e| KeyError::agent(&origin, e))? {
            let private = path.with_extension("");
            let add = if path.extension().is_some_and(|e| e == "pub") && private.is_file() {
                private.display().to_string()
            } else {
                "PRIVATE_KEY_FILE".to_string()
            };
            return Err(KeyError::agent(
                &origin,
                AgentError::NotHeld {
                    fingerprint: public.fingerprint(),
                    add,
                },
            ));
        }
        Ok(Self {
            backing: Backing::Agent { agent, key },
            public,
            path: path.to_path_buf(),
            touch: None,
        })
    }

    /// Reads the bytes of the private key file `path` (named in errors and
    /// given to `passphrase`); what [`SigningKey::load`] does once it has
    /// read the file.
    pub fn parse(
        path: &Path,
        bytes: &[u8],
        passphrase: &dyn Fn(&Path) -> Result<String>,
    ) -> Result<Self> {
        let origin = path.display().to_string();
        if bytes.len() > MAX_KEY_FILE {
            return Err(ReadError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_KEY_FILE,
            }
            .into());
        }
        if !is_private(bytes) && public_line(bytes).is_some() {
            return Err(KeyError::key(
                &origin,
                "a public key, not a private one: give the private key file, or add it to an ssh-agent (ssh-add) and give the public key with SSH_AUTH_SOCK set",
            ));
        }
        let mut key = PrivateKey::from_openssh(bytes)
            .map_err(|e| KeyError::key(&origin, format!("not an OpenSSH private key ({e})")))?;
        if key.is_encrypted() && key.public_key().key_data().is_sk_ed25519() {
            // ssh-keygen asks the handle's passphrase itself.
            let public = PublicKey::from_key_data(&origin, key.public_key().key_data())?;
            return Ok(Self::security_key_handle(path, public));
        }
        if key.is_encrypted() {
            let pass = passphrase(path)?;
            key = key
                .decrypt(pass.as_bytes())
                .map_err(|_| KeyError::key(&origin, "wrong passphrase"))?;
        }
        let public = PublicKey::from_key_data(&origin, key.public_key().key_data())?;
        if public.is_security_key() {
            return Ok(Self::security_key_handle(path, public));
        }
        Ok(Self {
            backing: Backing::File(Box::new(key)),
            public,
            path: path.to_path_buf(),
            touch: None,
        })
    }

    /// Only the device can sign: `ssh-keygen` asks it, as git does.
    fn security_key_handle(path: &Path, public: PublicKey) -> Self {
        Self {
            backing: Backing::SshKeygen {
                handle: path.to_path_buf(),
            },
            public,
            path: path.to_path_buf(),
            touch: None,
        }
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `prompt` is called with a line to show before each signature a
    /// security key makes.
    pub fn on_touch(mut self, prompt: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.touch = Some(Box::new(prompt));
        self
    }

    /// Whether an ssh-agent makes the signatures.
    pub fn in_agent(&self) -> bool {
        matches!(self.backing, Backing::Agent { .. })
    }

    /// An armored SSHSIG signature, as `ssh-keygen -Y sign` makes.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<String> {
        let origin = self.path.display().to_string();
        let cannot = |e: ssh_key::Error| KeyError::key(&origin, format!("cannot sign ({e})"));
        match &self.backing {
            Backing::File(key) => key
                .sign(namespace, HashAlg::Sha512, msg)
                .and_then(|s| s.to_pem(LineEnding::LF))
                .map_err(cannot),
            Backing::Agent { agent, key } => {
                let data = SshSig::signed_data(namespace, HashAlg::Sha512, msg).map_err(cannot)?;
                self.ask_touch();
                let signature = agent
                    .sign(key, &data)
                    .map_err(|e| KeyError::agent(&origin, e))?;
                let armored = SshSig::new(
                    key.key_data().clone(),
                    namespace,
                    HashAlg::Sha512,
                    signature,
                )
                .and_then(|s| s.to_pem(LineEnding::LF))
                .map_err(cannot)?;
                self.checked("the ssh-agent's signature", namespace, msg, armored)
            }
            Backing::SshKeygen { handle } => {
                self.ask_touch();
                let armored = ssh_keygen_sign(handle, namespace, msg)
                    .map_err(|m| KeyError::key(&origin, format!("ssh-keygen -Y sign: {m}")))?;
                self.checked("ssh-keygen's signature", namespace, msg, armored)
            }
        }
    }

    fn ask_touch(&self) {
        if let (true, Some(prompt)) = (self.public.is_security_key(), &self.touch) {
            prompt(&format!(
                "touch your security key to sign ({})",
                self.public.fingerprint()
            ));
        }
    }

    /// A signature another program made, checked as `verify` will check it
    /// before it is written anywhere.
    fn checked(&self, what: &str, namespace: &str, msg: &[u8], armored: String) -> Result<String> {
        self.public
            .verify(namespace, msg, &armored)
            .map_err(|e| KeyError::key(self.path.display().to_string(), format!("{what} {e}")))?;
        Ok(armored)
    }
}

/// `ssh-keygen -Y sign -f HANDLE -n NAMESPACE`, the message on its stdin
/// and the armored signature on its stdout; what it said, if it failed.
fn ssh_keygen_sign(
    handle: &Path,
    namespace: &str,
    msg: &[u8],
) -> std::result::Result<String, String> {
    let (reader, mut writer) = std::io::pipe().map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(handle)
        .stdin(reader);
    let msg = msg.to_vec();
    // Written beside the run, so that a message larger than the pipe
    // cannot block it; the pipe closes when the writer ends.
    std::thread::spawn(move || writer.write_all(&msg));
    let limits = exec::Limits {
        time: TOUCH_TIME,
        output: MAX_KEY_FILE,
    };
    let out = exec::run(&mut cmd, limits).map_err(|e| e.to_string())?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let last = said
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("failed");
        return Err(crate::crypto::input::echo(last.trim()));
    }
    String::from_utf8(out.stdout).map_err(|_| "its output is not text".to_string())
}

/// A public key given as a line of text (git's literal
/// `user.signingkey`), as the agent knows it.
pub fn parse_public_literal(origin: &Path, line: &str) -> Result<ssh_key::PublicKey> {
    ssh_key::PublicKey::from_openssh(line.trim()).map_err(|e| {
        KeyError::key(
            origin.display().to_string(),
            format!("not an OpenSSH public key ({e})"),
        )
    })
}

/// Whether `bytes` look like a private key file (OpenSSH's or PEM's).
fn is_private(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    head.windows(11).any(|w| w == b"PRIVATE KEY")
}

/// The first line of a public key file, if it looks like one (`TYPE BASE64
/// [comment]`).
fn public_line(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let kind = line.split_whitespace().next()?;
    (kind.starts_with("ssh-") || kind.starts_with("sk-") || kind.starts_with("ecdsa-"))
        .then_some(line)
}

/// Writes a new ed25519 key pair: `out` (mode 0600) and `out.pub`. Refuses
/// to overwrite either.
pub fn generate(out: &Path, comment: &str) -> Result<PublicKey> {
    let pub_path = pub_path(out);
    for p in [out, pub_path.as_path()] {
        if p.exists() {
            return Err(KeyError::Exists { path: p.into() });
        }
    }
    let mut key = PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519)
        .map_err(|e| KeyError::key(out.display().to_string(), e))?;
    key.set_comment(comment);
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| KeyError::key(out.display().to_string(), e))?;
    let public_line = key
        .public_key()
        .to_openssh()
        .map_err(|e| KeyError::key(out.display().to_string(), e))?;
    write_new(out, private.as_bytes(), 0o600)?;
    write_new(&pub_path, format!("{public_line}\n").as_bytes(), 0o644)?;
    PublicKey::from_key_data(&out.display().to_string(), key.public_key().key_data())
}

pub fn pub_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| KeyError::io(path, e))?;
    file.write_all(bytes).map_err(|e| KeyError::io(path, e))
}

/// Reads a public key file (`id_ed25519.pub`), refusing oversized files.
pub fn read_public(path: &Path) -> Result<PublicKey> {
    let origin = path.display().to_string();
    let bytes = read_bounded(path, MAX_KEY_FILE)?;
    let text = String::from_utf8(bytes).map_err(|_| KeyError::NotUtf8 {
        path: origin.clone(),
    })?;
    PublicKey::parse(&origin, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_pass(p: &Path) -> Result<String> {
        Err(KeyError::key(p.display().to_string(), "no passphrase"))
    }

    #[test]
    fn sign_then_verify_strict() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        generate(&path, "test").unwrap();
        let key = SigningKey::load(&path, &no_pass).unwrap();
        let sig = key.sign("charter", b"hello").unwrap();
        assert_eq!(key.public().verify("charter", b"hello", &sig), Ok(()));
        assert_eq!(
            key.public().verify("charter", b"hellO", &sig),
            Err(SignatureError::Invalid)
        );
        assert!(matches!(
            key.public().verify("git", b"hello", &sig),
            Err(SignatureError::Namespace(_))
        ));
        let truncated = &sig[..sig.len() / 2];
        assert_eq!(
            key.public().verify("charter", b"hello", truncated),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn weak_key_is_refused() {
        // The identity point: a small-order key that "verifies" forged signatures.
        let mut bytes = [0u8; 32];
        bytes[0] = 1;
        let data = KeyData::Ed25519(Ed25519PublicKey(bytes));
        let line = ssh_key::PublicKey::new(data, "").to_openssh().unwrap();
        assert!(matches!(
            PublicKey::parse("weak.pub", &line),
            Err(KeyError::Weak { .. })
        ));
    }

    #[test]
    fn generate_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        generate(&path, "a").unwrap();
        assert!(matches!(generate(&path, "b"), Err(KeyError::Exists { .. })));
    }
}
