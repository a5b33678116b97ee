//! Attestations built by hand as a FIDO device and OpenSSH make them,
//! signed with the TEST-ONLY fixture devices of tests/fixtures/attestation.

use p256::ecdsa::signature::Signer;
use p256::pkcs8::DecodePrivateKey;

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/attestation");
/// 2026-01-01T00:00:00Z.
const AT: i64 = 1_767_225_600;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn roots(name: &str) -> Roots {
    Roots::parse(&[String::from_utf8(fixture(&format!("{name}-root.pem"))).unwrap()]).unwrap()
}

fn sk_key(point: [u8; 32], application: &str) -> PublicKey {
    let data = ssh_key::public::KeyData::SkEd25519(ssh_key::public::SkEd25519::new(
        ssh_key::public::Ed25519PublicKey(point),
        application.to_string(),
    ));
    let line = ssh_key::PublicKey::new(data, "").to_openssh().unwrap();
    PublicKey::parse("test", &line).unwrap()
}

fn point(seed: u8) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
        .verifying_key()
        .to_bytes()
}

/// What a device makes: the choices a test varies.
struct Device {
    model: &'static str,
    point: [u8; 32],
    application: &'static str,
    flags: u8,
    challenge: Vec<u8>,
    with_cert: bool,
}

impl Device {
    fn new(model: &'static str) -> Self {
        Self {
            model,
            point: point(7),
            application: "ssh:",
            flags: USER_PRESENT | ATTESTED_CREDENTIAL,
            challenge: b"charter registration".to_vec(),
            with_cert: true,
        }
    }

    fn auth_data(&self) -> Vec<u8> {
        let mut d = Sha256::digest(self.application.as_bytes()).to_vec();
        d.push(self.flags);
        d.extend_from_slice(&0u32.to_be_bytes());
        d.extend_from_slice(&[0; 16]);
        d.extend_from_slice(&4u16.to_be_bytes());
        d.extend_from_slice(b"hdl1");
        d.extend_from_slice(&[0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20]);
        d.extend_from_slice(&self.point);
        d
    }

    /// The attestation as `ssh-keygen -O write-attestation` writes it, and
    /// the challenge the device signed.
    fn attest(&self) -> Attestation {
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(&fixture(&format!(
            "{}-device.pk8",
            self.model
        )))
        .unwrap();
        let auth = self.auth_data();
        let signed = [&auth[..], &Sha256::digest(&self.challenge)[..]].concat();
        let sig: p256::ecdsa::DerSignature = key.sign(&signed);
        let cert = if self.with_cert {
            fixture(&format!("{}-device.der", self.model))
        } else {
            Vec::new()
        };
        let mut cbor = vec![0x59];
        cbor.extend_from_slice(&u16::try_from(auth.len()).unwrap().to_be_bytes());
        cbor.extend_from_slice(&auth);
        Attestation {
            blob: blob(MAGIC, &[&cert, sig.as_bytes(), &cbor]),
            challenge: b"charter registration".to_vec(),
        }
    }
}

fn blob(magic: &[u8], strings: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in std::iter::once(magic).chain(strings.iter().copied()) {
        out.extend_from_slice(&u32::try_from(s.len()).unwrap().to_be_bytes());
        out.extend_from_slice(s);
    }
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out
}

fn check(device: &Device, roots_of: &str) -> Result<(), AttestationError> {
    device
        .attest()
        .check(&sk_key(point(7), "ssh:"), &roots(roots_of), AT)
}

#[test]
fn a_device_attested_under_a_listed_rsa_or_ec_root_proves_its_key() {
    assert_eq!(check(&Device::new("rsa"), "rsa"), Ok(()));
    assert_eq!(check(&Device::new("ec"), "ec"), Ok(()));
    let both = Roots::parse(&[
        String::from_utf8(fixture("ec-root.pem")).unwrap(),
        String::from_utf8(fixture("rsa-root.pem")).unwrap(),
    ])
    .unwrap();
    let key = sk_key(point(7), "ssh:");
    assert_eq!(Device::new("rsa").attest().check(&key, &both, AT), Ok(()));
}

#[test]
fn a_device_of_another_root_is_untrusted() {
    assert!(matches!(
        check(&Device::new("ec"), "rsa"),
        Err(AttestationError::Untrusted { .. })
    ));
}

#[test]
fn an_attestation_of_another_key_proves_nothing_of_this_one() {
    let other = Device {
        point: point(8),
        ..Device::new("rsa")
    };
    assert!(matches!(
        check(&other, "rsa"),
        Err(AttestationError::OtherKey)
    ));
}

#[test]
fn another_application_untouched_device_or_changed_challenge_is_refused() {
    let app = Device {
        application: "ssh:other",
        ..Device::new("rsa")
    };
    assert_eq!(check(&app, "rsa"), Err(AttestationError::Application));
    let untouched = Device {
        flags: ATTESTED_CREDENTIAL,
        ..Device::new("rsa")
    };
    assert_eq!(check(&untouched, "rsa"), Err(AttestationError::NoPresence));
    let other_challenge = Device {
        challenge: b"another".to_vec(),
        ..Device::new("rsa")
    };
    assert!(matches!(
        check(&other_challenge, "rsa"),
        Err(AttestationError::Signature { .. })
    ));
}

#[test]
fn a_self_attestation_a_plain_key_or_a_date_outside_the_certificate_is_refused() {
    let selfish = Device {
        with_cert: false,
        ..Device::new("rsa")
    };
    assert_eq!(check(&selfish, "rsa"), Err(AttestationError::NoCertificate));
    let plain = PublicKey::parse(
        "test",
        &ssh_key::PublicKey::new(
            ssh_key::public::KeyData::Ed25519(ssh_key::public::Ed25519PublicKey(point(7))),
            "",
        )
        .to_openssh()
        .unwrap(),
    )
    .unwrap();
    let att = Device::new("rsa").attest();
    assert!(matches!(
        att.check(&plain, &roots("rsa"), AT),
        Err(AttestationError::NotSecurityKey)
    ));
    // 1999-12-31, before the fixture certificates' validity.
    let key = sk_key(point(7), "ssh:");
    assert!(matches!(
        att.check(&key, &roots("rsa"), 946_598_400),
        Err(AttestationError::NotValid { .. })
    ));
}

#[test]
fn every_truncation_and_a_v00_blob_are_refused_without_panic() {
    let att = Device::new("rsa").attest();
    let key = sk_key(point(7), "ssh:");
    let roots = roots("rsa");
    for n in 0..att.blob.len() {
        let cut = Attestation {
            blob: att.blob[..n].to_vec(),
            challenge: att.challenge.clone(),
        };
        assert!(cut.check(&key, &roots, AT).is_err(), "cut at {n}");
    }
    let mut flipped = att.clone();
    for i in 0..flipped.blob.len() {
        flipped.blob[i] ^= 0x55;
        assert!(flipped.check(&key, &roots, AT).is_err(), "flipped byte {i}");
        flipped.blob[i] ^= 0x55;
    }
    let v00 = Attestation {
        blob: blob(MAGIC_V00, &[b"", b""]),
        challenge: Vec::new(),
    };
    assert_eq!(v00.check(&key, &roots, AT), Err(AttestationError::V00));
    let round = Attestation::from_base64(&att.blob_base64(), &att.challenge_base64()).unwrap();
    assert_eq!(round, att);
}

#[test]
fn roots_must_be_pem_certificates() {
    assert!(Roots::parse(&["not a certificate"]).is_err());
    assert!(Roots::parse(&[""]).is_err());
    let pem = String::from_utf8(fixture("ec-root.pem")).unwrap();
    for bad in [
        format!("{pem}trailing words"),
        pem.replace("-----END CERTIFICATE-----", ""),
        pem.replace('M', "!"),
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".to_string(),
        // Cut short inside the base64: der's streaming reader never ended.
        "-----BEGIN CERTIFICATE-----\nGIJT\n-----END CERTIFICATE-----\n".to_string(),
        format!(
            "{}\n-----END CERTIFICATE-----\n",
            pem.lines().take(3).collect::<Vec<_>>().join("\n")
        ),
    ] {
        assert!(Roots::parse(&[bad]).is_err());
    }
    let two = Roots::parse(&[format!(
        "{pem}\n{}",
        String::from_utf8(fixture("rsa-root.pem")).unwrap()
    )])
    .unwrap();
    assert_eq!(two.0.len(), 2);
    assert!(!roots("ec").is_empty());
}
