//! A security key's attestation: the proof, made when the key was created,
//! that it lives on a device of a model some vendor vouches for.
//!
//! OpenSSH writes it with `ssh-keygen -t ed25519-sk -O challenge=FILE -O
//! write-attestation=FILE` (PROTOCOL.u2f, "ssh-sk-attest-v01"): the
//! device's attestation certificate, its FIDO "packed" signature, and the
//! authenticator data, which holds the new credential's public key. It is
//! checked as a FIDO relying party checks a registration: the signature
//! over authenticator data ‖ SHA-256(challenge) is the certificate's; the
//! authenticator data names the key's application and point and says the
//! device was touched; the certificate was issued by one of the group's
//! roots and was valid on the day of the registration.

use std::path::Path;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256, Sha384};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Document, Encode};
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use crate::crypto::input::{echo_path, read_bounded, ReadError};
use crate::crypto::key::PublicKey;

/// Attestation files are a certificate and a few signatures; anything
/// larger is not one.
const MAX_FILE: usize = 64 * 1024;

const MAGIC: &[u8] = b"ssh-sk-attest-v01";
const MAGIC_V00: &[u8] = b"ssh-sk-attest-v00";

/// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const ATTESTED_CREDENTIAL: u8 = 0x40;

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// Why an attestation does not prove a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    #[error("not an OpenSSH attestation (ssh-sk-attest-v01): {0}")]
    Format(&'static str),
    #[error("an ssh-sk-attest-v00 attestation lacks the authenticator data; make the key with OpenSSH 8.4 or later")]
    V00,
    #[error("the attestation has no certificate: the security key only attests itself")]
    NoCertificate,
    #[error("the attestation's certificate cannot be read: {0}")]
    Certificate(String),
    #[error("the attestation's authenticator data is malformed: {0}")]
    AuthData(&'static str),
    #[error("the attestation is of another key")]
    OtherKey,
    #[error("the attestation is for another application than the key's")]
    Application,
    #[error("the attestation says no one touched the security key")]
    NoPresence,
    #[error("the attestation's signature does not verify with its certificate ({subject})")]
    Signature { subject: String },
    #[error("the attestation's certificate ({subject}) was not issued by a root governance.toml lists (its issuer: {issuer})")]
    Untrusted { subject: String, issuer: String },
    #[error("the attestation's certificate ({subject}) was not valid on {date}")]
    NotValid { subject: String, date: String },
    #[error(
        "not a security key; governance.toml asks for an attested sk-ssh-ed25519@openssh.com key"
    )]
    NotSecurityKey,
    #[error("no attestation; governance.toml asks for one with every key registered (ssh-keygen -t ed25519-sk -O challenge=FILE -O write-attestation=FILE)")]
    Missing,
    #[error("an attestation was given, but governance.toml lists no attestation_roots to check it against")]
    NotAsked,
    #[error("not PEM certificates: {0}")]
    Roots(String),
    #[error("not base64: {0}")]
    Base64(&'static str),
}

/// A security key's attestation and the challenge it was made for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    pub blob: Vec<u8>,
    pub challenge: Vec<u8>,
}

/// Reading the two files a registration names.
#[derive(Debug, thiserror::Error)]
pub enum ReadAttestationError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{}: {source}", echo_path(path))]
    Bad {
        path: String,
        source: AttestationError,
    },
}

impl Attestation {
    /// Reads `ssh-keygen`'s attestation file and the challenge file given
    /// to it; the attestation must at least be one in form.
    pub fn read(attestation: &Path, challenge: &Path) -> Result<Self, ReadAttestationError> {
        let blob = read_bounded(attestation, MAX_FILE)?;
        let challenge = read_bounded(challenge, MAX_FILE)?;
        Parsed::new(&blob).map_err(|source| ReadAttestationError::Bad {
            path: attestation.display().to_string(),
            source,
        })?;
        Ok(Self { blob, challenge })
    }

    /// From the base64 of a member or proposal file.
    pub fn from_base64(blob: &str, challenge: &str) -> Result<Self, AttestationError> {
        let decode = |what, s: &str| {
            Base64::decode_vec(s.trim()).map_err(|_| AttestationError::Base64(what))
        };
        Ok(Self {
            blob: decode("attestation", blob)?,
            challenge: decode("attestation_challenge", challenge)?,
        })
    }

    pub fn blob_base64(&self) -> String {
        Base64::encode_string(&self.blob)
    }

    pub fn challenge_base64(&self) -> String {
        Base64::encode_string(&self.challenge)
    }

    /// Whether it proves `key` under one of `roots`, registered at `at`
    /// (seconds since the epoch).
    pub fn check(&self, key: &PublicKey, roots: &Roots, at: i64) -> Result<(), AttestationError> {
        let Some(application) = key.application() else {
            return Err(AttestationError::NotSecurityKey);
        };
        let parsed = Parsed::new(&self.blob)?;
        if parsed.cert.is_empty() {
            return Err(AttestationError::NoCertificate);
        }
        let cert = Certificate::from_der(parsed.cert)
            .map_err(|e| AttestationError::Certificate(e.to_string()))?;
        let subject = cert.tbs_certificate.subject.to_string();
        let data = AuthData::parse(parsed.auth_data)?;
        if data.rp_id_hash != Sha256::digest(application.as_bytes()).as_slice() {
            return Err(AttestationError::Application);
        }
        if data.flags & USER_PRESENT == 0 {
            return Err(AttestationError::NoPresence);
        }
        if data.point != key.point() {
            return Err(AttestationError::OtherKey);
        }
        // The packed format's signed data; OpenSSH hands the device
        // SHA-256(challenge) as the client data hash.
        let signed = [data.raw, &Sha256::digest(&self.challenge)[..]].concat();
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let alg = ecdsa_for(spki).ok_or_else(|| AttestationError::Signature {
            subject: subject.clone(),
        })?;
        if !verifies(spki, &alg, &signed, Some(parsed.signature)) {
            return Err(AttestationError::Signature { subject });
        }
        let date = || {
            chrono::DateTime::from_timestamp(at, 0)
                .map(|d| d.to_rfc3339())
                .unwrap_or_default()
        };
        if !valid_at(&cert, at) {
            return Err(AttestationError::NotValid {
                subject,
                date: date(),
            });
        }
        // The outer algorithm is not signed: it must be the signed one.
        if cert.signature_algorithm != cert.tbs_certificate.signature {
            return Err(AttestationError::Certificate(
                "its two signature algorithms differ".into(),
            ));
        }
        let tbs = cert
            .tbs_certificate
            .to_der()
            .map_err(|e| AttestationError::Certificate(e.to_string()))?;
        let issued = roots.0.iter().any(|root| {
            root.tbs_certificate.subject == cert.tbs_certificate.issuer
                && valid_at(root, at)
                && verifies(
                    &root.tbs_certificate.subject_public_key_info,
                    &cert.signature_algorithm.oid,
                    &tbs,
                    cert.signature.as_bytes(),
                )
        });
        if !issued {
            return Err(AttestationError::Untrusted {
                subject,
                issuer: cert.tbs_certificate.issuer.to_string(),
            });
        }
        Ok(())
    }
}

/// The certificates a group trusts to have issued its members' security
/// keys' attestation certificates (governance.toml's `attestation_roots`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roots(Vec<Certificate>);

impl Roots {
    /// Each entry one or more PEM certificates, with nothing but white
    /// space around them.
    pub fn parse<S: AsRef<str>>(pems: &[S]) -> Result<Self, AttestationError> {
        let bad = AttestationError::Roots;
        let mut roots = Vec::new();
        for pem in pems {
            let mut rest = pem.as_ref();
            while !rest.trim().is_empty() {
                let text = rest.trim_start();
                if !text.starts_with(PEM_BEGIN) {
                    return Err(bad(format!("expected {PEM_BEGIN}")));
                }
                let end = text
                    .find(PEM_END)
                    .ok_or_else(|| bad(format!("no {PEM_END}")))?
                    + PEM_END.len();
                // Decoded whole before it is parsed: der's streaming PEM
                // reader (`from_pem`) loops for ever on a certificate cut
                // short inside its base64 (found by the fuzz target).
                let (_, der) = Document::from_pem(&text[..end]).map_err(|e| bad(e.to_string()))?;
                let cert = Certificate::from_der(der.as_bytes()).map_err(|e| bad(e.to_string()))?;
                roots.push(cert);
                rest = &text[end..];
            }
        }
        if roots.is_empty() {
            return Err(bad("no PEM certificate".into()));
        }
        Ok(Self(roots))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn valid_at(cert: &Certificate, at: i64) -> bool {
    let v = &cert.tbs_certificate.validity;
    let secs = |t: x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    secs(v.not_before) <= at && at <= secs(v.not_after)
}

/// The ECDSA algorithm a packed attestation signature by this key uses:
/// the hash that goes with its curve.
fn ecdsa_for(spki: &SubjectPublicKeyInfoOwned) -> Option<ObjectIdentifier> {
    match curve(spki)? {
        c if c == P256 => Some(ECDSA_SHA256),
        c if c == P384 => Some(ECDSA_SHA384),
        _ => None,
    }
}

fn curve(spki: &SubjectPublicKeyInfoOwned) -> Option<ObjectIdentifier> {
    if spki.algorithm.oid != EC_PUBLIC_KEY {
        return None;
    }
    spki.algorithm.parameters.as_ref()?.decode_as().ok()
}

/// Whether `signature` by the key of `spki` over `msg` verifies, with the
/// X.509 signature algorithm `alg` (ECDSA P-256/SHA-256, P-384/SHA-384,
/// RSA PKCS#1 v1.5 SHA-256: what FIDO attestation chains use).
fn verifies(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &ObjectIdentifier,
    msg: &[u8],
    signature: Option<&[u8]>,
) -> bool {
    let Some(signature) = signature else {
        return false;
    };
    let point = spki.subject_public_key.raw_bytes();
    match *alg {
        a if a == ECDSA_SHA256 && curve(spki) == Some(P256) => {
            use p256::ecdsa::signature::DigestVerifier;
            let (Ok(key), Ok(sig)) = (
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point),
                p256::ecdsa::Signature::from_der(signature),
            ) else {
                return false;
            };
            key.verify_digest(Sha256::new_with_prefix(msg), &sig)
                .is_ok()
        }
        a if a == ECDSA_SHA384 && curve(spki) == Some(P384) => {
            use p384::ecdsa::signature::DigestVerifier;
            let (Ok(key), Ok(sig)) = (
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point),
                p384::ecdsa::Signature::from_der(signature),
            ) else {
                return false;
            };
            key.verify_digest(Sha384::new_with_prefix(msg), &sig)
                .is_ok()
        }
        a if a == RSA_SHA256 && spki.algorithm.oid == RSA => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::signature::Verifier;
            let (Ok(key), Ok(sig)) = (
                rsa::RsaPublicKey::from_pkcs1_der(point),
                rsa::pkcs1v15::Signature::try_from(signature),
            ) else {
                return false;
            };
            rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
                .verify(msg, &sig)
                .is_ok()
        }
        _ => false,
    }
}

/// The fields of an "ssh-sk-attest-v01" blob charter reads.
struct Parsed<'a> {
    cert: &'a [u8],
    signature: &'a [u8],
    auth_data: &'a [u8],
}

impl<'a> Parsed<'a> {
    fn new(blob: &'a [u8]) -> Result<Self, AttestationError> {
        let mut r = Reader(blob);
        let magic = r.string().ok_or(AttestationError::Format("truncated"))?;
        if magic == MAGIC_V00 {
            return Err(AttestationError::V00);
        }
        if magic != MAGIC {
            return Err(AttestationError::Format("unknown format"));
        }
        let mut field = || r.string().ok_or(AttestationError::Format("truncated"));
        let cert = field()?;
        let signature = field()?;
        let cbor = field()?;
        // The reserved flags and string end it, unused (as OpenSSH 8.4 to
        // 10 write them): a use charter does not know is not read past.
        let (Some(0), Some([]), true) = (r.u32(), r.string(), r.0.is_empty()) else {
            return Err(AttestationError::Format(
                "truncated, trailing data or reserved fields in use",
            ));
        };
        Ok(Self {
            cert,
            signature,
            auth_data: cbor_bytes(cbor)
                .ok_or(AttestationError::AuthData("not a CBOR byte string"))?,
        })
    }
}

/// SSH wire format: big-endian u32 and length-prefixed strings.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u32()?).ok()?;
        self.take(n)
    }
}

/// The content of a CBOR byte string that is the whole of `cbor`, as
/// libfido2 gives authenticator data.
fn cbor_bytes(cbor: &[u8]) -> Option<&[u8]> {
    let mut c = Cbor(cbor);
    let (major, len) = c.head()?;
    let content = c.take(usize::try_from(len).ok()?)?;
    (major == 2 && c.0.is_empty()).then_some(content)
}

/// Just enough CBOR for a COSE ed25519 key: heads, integers, byte strings.
struct Cbor<'a>(&'a [u8]);

impl<'a> Cbor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    /// A data item's major type and argument (definite lengths only).
    fn head(&mut self) -> Option<(u8, u64)> {
        let first = *self.take(1)?.first()?;
        let (major, info) = (first >> 5, first & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(*self.take(1)?.first()?),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        };
        Some((major, arg))
    }

    /// An integer (major type 0 or 1).
    fn int(&mut self) -> Option<i64> {
        match self.head()? {
            (0, n) => i64::try_from(n).ok(),
            (1, n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }
}

/// Authenticator data with attested credential data (WebAuthn §6.1).
struct AuthData<'a> {
    raw: &'a [u8],
    rp_id_hash: &'a [u8],
    flags: u8,
    point: [u8; 32],
}

impl<'a> AuthData<'a> {
    fn parse(raw: &'a [u8]) -> Result<Self, AttestationError> {
        let bad = AttestationError::AuthData;
        let mut r = Cbor(raw);
        let rp_id_hash = r.take(32).ok_or(bad("truncated"))?;
        let flags = *r.take(1).and_then(|f| f.first()).ok_or(bad("truncated"))?;
        r.take(4).ok_or(bad("truncated"))?; // the signature counter
        if flags & ATTESTED_CREDENTIAL == 0 {
            return Err(bad("no attested credential"));
        }
        r.take(16).ok_or(bad("truncated"))?; // the model's AAGUID
        let id_len = r.take(2).ok_or(bad("truncated"))?;
        r.take(usize::from(u16::from_be_bytes([id_len[0], id_len[1]])))
            .ok_or(bad("truncated"))?;
        let point = cose_ed25519(&mut r).ok_or(bad("the credential is not a COSE ed25519 key"))?;
        Ok(Self {
            raw,
            rp_id_hash,
            flags,
            point,
        })
    }
}

/// A COSE_Key map {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}, in
/// any order; the point.
fn cose_ed25519(c: &mut Cbor) -> Option<[u8; 32]> {
    let (major, entries) = c.head()?;
    if major != 5 || entries > 16 {
        return None;
    }
    let (mut kty, mut alg, mut crv, mut x) = (None, None, None, None);
    for _ in 0..entries {
        match c.int()? {
            1 => kty = Some(c.int()?),
            3 => alg = Some(c.int()?),
            -1 => crv = Some(c.int()?),
            -2 => {
                let (2, len) = c.head()? else { return None };
                x = Some(c.take(usize::try_from(len).ok()?)?);
            }
            _ => return None,
        }
    }
    if (kty, crv) != (Some(1), Some(6)) || alg.is_some_and(|a| a != -8) {
        return None;
    }
    x?.try_into().ok()
}

#[cfg(test)]
mod tests;
