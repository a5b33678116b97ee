//! charter-sk-provider: a **TEST-ONLY** software FIDO authenticator that
//! OpenSSH loads with `dlopen` as a SecurityKeyProvider (sk-api version 10,
//! the same ABI as OpenSSH's `regress/misc/sk-dummy`).
//!
//! !!! THIS OFFERS NO SECURITY WHATSOEVER !!!
//! The "key handle" that OpenSSH stores in the private key file is the raw
//! 32-byte ed25519 seed, unwrapped and unencrypted. Anyone who can read the
//! `sk-ssh-ed25519@openssh.com` private key file can sign with it. It exists
//! only so that tests can exercise security-key code paths without hardware.
//!
//! Only ed25519 is implemented. Every buffer handed to OpenSSH is allocated
//! with the C allocator, because OpenSSH releases it with `free()`. No panic
//! may unwind into C, so every entry point runs inside `catch_unwind`.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

const SSH_SK_VERSION_MAJOR: u32 = 0x000a_0000;
const SSH_SK_USER_PRESENCE_REQD: u8 = 0x01;
const SSH_SK_ED25519: u32 = 0x01;
const SSH_SK_ERR_GENERAL: c_int = -1;
const SSH_SK_ERR_UNSUPPORTED: c_int = -2;

/// Set to `1` to make `sk_sign` fail, as a real key does when nobody touches it.
const DENY_ENV: &str = "CHARTER_SK_PROVIDER_DENY";

/// Names the files of a device model's attestation key and certificate
/// (without `.pk8`/`.der`): enrolments are then attested with them.
const ATTESTATION_ENV: &str = "CHARTER_SK_PROVIDER_ATTESTATION";

/// Length of an ed25519 seed, which is also our key handle.
const SEED_LEN: usize = 32;

#[repr(C)]
pub struct SkEnrollResponse {
    flags: u8,
    public_key: *mut u8,
    public_key_len: usize,
    key_handle: *mut u8,
    key_handle_len: usize,
    signature: *mut u8,
    signature_len: usize,
    attestation_cert: *mut u8,
    attestation_cert_len: usize,
    authdata: *mut u8,
    authdata_len: usize,
}

#[repr(C)]
pub struct SkSignResponse {
    flags: u8,
    counter: u32,
    sig_r: *mut u8,
    sig_r_len: usize,
    sig_s: *mut u8,
    sig_s_len: usize,
}

#[repr(C)]
pub struct SkOption {
    name: *mut c_char,
    value: *mut c_char,
    required: u8,
}

/// `struct sk_resident_key`: never built here (resident keys are unsupported),
/// so it is only needed as an opaque pointee.
#[repr(C)]
pub struct SkResidentKey {
    _opaque: [u8; 0],
}

extern "C" {
    fn calloc(n: usize, size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

/// Runs an entry point body; a panic becomes SSH_SK_ERR_GENERAL instead of
/// unwinding across the C ABI.
fn guarded(body: impl FnOnce() -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(SSH_SK_ERR_GENERAL)
}

/// A zeroed C allocation for one `T` (OpenSSH frees it with `free`).
unsafe fn c_new<T>() -> *mut T {
    calloc(1, std::mem::size_of::<T>()).cast()
}

/// Copies `data` into a C allocation and stores pointer and length.
/// Returns false if the allocation failed.
unsafe fn c_put(data: &[u8], ptr_out: &mut *mut u8, len_out: &mut usize) -> bool {
    // Never calloc(0): its result may be NULL, which OpenSSH treats as missing.
    let p: *mut u8 = calloc(data.len().max(1), 1).cast();
    if p.is_null() {
        return false;
    }
    ptr::copy_nonoverlapping(data.as_ptr(), p, data.len());
    *ptr_out = p;
    *len_out = data.len();
    true
}

unsafe fn free_enroll(r: *mut SkEnrollResponse) {
    if let Some(r) = r.as_mut() {
        for p in [
            r.public_key,
            r.key_handle,
            r.signature,
            r.attestation_cert,
            r.authdata,
        ] {
            free(p.cast());
        }
    }
    free(r.cast());
}

unsafe fn free_sign(r: *mut SkSignResponse) {
    if let Some(r) = r.as_mut() {
        free(r.sig_r.cast());
        free(r.sig_s.cast());
    }
    free(r.cast());
}

/// OpenSSH only sends "device" and "user", both as optional hints; like a real
/// authenticator we must refuse any *required* option we do not understand.
unsafe fn options_ok(options: *mut *mut SkOption) -> bool {
    if options.is_null() {
        return true;
    }
    let mut i = 0;
    while let Some(opt) = (*options.add(i)).as_ref() {
        let name = if opt.name.is_null() {
            &[][..]
        } else {
            CStr::from_ptr(opt.name).to_bytes()
        };
        if opt.required != 0 && name != b"device" && name != b"user" {
            return false;
        }
        i += 1;
    }
    true
}

unsafe fn bytes<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    match (p.is_null(), len) {
        (_, 0) => Some(&[]),
        (true, _) => None,
        (false, _) => Some(std::slice::from_raw_parts(p, len)),
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// FIDO authenticator data without attested credential data:
/// SHA-256(application) || flags || counter (big-endian u32).
fn auth_data(application: &[u8], flags: u8, counter: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(37);
    v.extend_from_slice(&sha256(application));
    v.push(flags);
    v.extend_from_slice(&counter.to_be_bytes());
    v
}

/// Authenticator data of a new credential (WebAuthn §6.1): SHA-256(application)
/// ‖ flags UP|AT ‖ counter 0 ‖ AAGUID (zero) ‖ credential id ‖ the COSE ed25519
/// key. A real device's credential id is the key handle; this one's handle is
/// the seed, so the id here is its hash, to keep the seed out of attestations.
fn enroll_auth_data(application: &[u8], seed: &[u8; SEED_LEN], public_key: &[u8; 32]) -> Vec<u8> {
    let mut v = auth_data(application, 0x41, 0);
    v.extend_from_slice(&[0; 16]);
    v.extend_from_slice(&32u16.to_be_bytes());
    v.extend_from_slice(&sha256(seed));
    // {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
    v.extend_from_slice(&[0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20]);
    v.extend_from_slice(public_key);
    v
}

/// `data` as one CBOR byte string.
fn cbor_bytes(data: &[u8]) -> Vec<u8> {
    let mut v = match data.len() {
        n if n < 24 => vec![0x40 | n as u8],
        n if n < 256 => vec![0x58, n as u8],
        n => {
            let mut h = vec![0x59];
            h.extend_from_slice(&(n as u16).to_be_bytes());
            h
        }
    };
    v.extend_from_slice(data);
    v
}

/// The attestation of the device model whose files `prefix` names
/// (`PREFIX.der`, its certificate, and `PREFIX.pk8`, its P-256 key):
/// the ECDSA signature (DER) over `signed`, and the certificate.
fn model_attestation(prefix: &std::ffi::OsStr, signed: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::DecodePrivateKey;
    let path = |ext: &str| {
        let mut p = prefix.to_os_string();
        p.push(ext);
        p
    };
    let cert = std::fs::read(path(".der")).ok()?;
    let key = p256::ecdsa::SigningKey::from_pkcs8_der(&std::fs::read(path(".pk8")).ok()?).ok()?;
    let signature: p256::ecdsa::DerSignature = key.sign(signed);
    Some((signature.as_bytes().to_vec(), cert))
}

/// Signature counter. Real keys keep it in the device; a fresh `ssh-sk-helper`
/// process loads us for every operation, so floor it at the Unix time to keep
/// it increasing across processes too (and +1 within one process).
fn next_counter() -> u32 {
    static LAST: AtomicU32 = AtomicU32::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0);
    let step = |c: u32| c.saturating_add(1).max(now);
    // The closure never returns None, so this is always Ok.
    let prev = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| Some(step(c)))
        .unwrap_or(0);
    step(prev)
}

#[no_mangle]
pub extern "C" fn sk_api_version() -> u32 {
    SSH_SK_VERSION_MAJOR
}

/// Creates a new key. Key handle = the seed itself (TEST ONLY, see crate docs).
///
/// # Safety
/// Called by OpenSSH with pointers that follow the sk-api contract.
#[no_mangle]
pub unsafe extern "C" fn sk_enroll(
    alg: u32,
    challenge: *const u8,
    challenge_len: usize,
    application: *const c_char,
    flags: u8,
    _pin: *const c_char,
    options: *mut *mut SkOption,
    enroll_response: *mut *mut SkEnrollResponse,
) -> c_int {
    guarded(|| {
        if enroll_response.is_null() {
            return SSH_SK_ERR_GENERAL;
        }
        *enroll_response = ptr::null_mut();
        if alg != SSH_SK_ED25519 {
            return SSH_SK_ERR_UNSUPPORTED;
        }
        if application.is_null() || !options_ok(options) {
            return SSH_SK_ERR_GENERAL;
        }
        let Some(challenge) = bytes(challenge, challenge_len) else {
            return SSH_SK_ERR_GENERAL;
        };
        let application = CStr::from_ptr(application).to_bytes();

        let mut seed = [0u8; SEED_LEN];
        if getrandom::getrandom(&mut seed).is_err() {
            return SSH_SK_ERR_GENERAL;
        }
        let key = SigningKey::from_bytes(&seed);
        let public_key = key.verifying_key().to_bytes();
        // The FIDO "packed" attestation: over authenticator data ‖
        // SHA-256(challenge), by the model's attestation key when a test
        // names one, else by the new key itself (self attestation).
        let authdata = enroll_auth_data(application, &seed, &public_key);
        let mut signed = authdata.clone();
        signed.extend_from_slice(&sha256(challenge));
        let (signature, cert) = match std::env::var_os(ATTESTATION_ENV) {
            Some(prefix) => match model_attestation(&prefix, &signed) {
                Some(made) => made,
                None => return SSH_SK_ERR_GENERAL,
            },
            None => (key.sign(&signed).to_bytes().to_vec(), Vec::new()),
        };
        // libfido2 hands OpenSSH the authenticator data CBOR-encoded.
        let authdata = cbor_bytes(&authdata);

        let r = c_new::<SkEnrollResponse>();
        let Some(resp) = r.as_mut() else {
            return SSH_SK_ERR_GENERAL;
        };
        resp.flags = flags;
        // attestation_cert stays NULL/0 for a self attestation.
        let ok = c_put(&public_key, &mut resp.public_key, &mut resp.public_key_len)
            && (cert.is_empty()
                || c_put(
                    &cert,
                    &mut resp.attestation_cert,
                    &mut resp.attestation_cert_len,
                ))
            && c_put(&seed, &mut resp.key_handle, &mut resp.key_handle_len)
            && c_put(&signature, &mut resp.signature, &mut resp.signature_len)
            && c_put(&authdata, &mut resp.authdata, &mut resp.authdata_len);
        seed.fill(0);
        if !ok {
            free_enroll(r);
            return SSH_SK_ERR_GENERAL;
        }
        *enroll_response = r;
        0
    })
}

/// Signs like a FIDO authenticator does for ed25519: the signature covers
/// SHA-256(application) || flags || counter || SHA-256(data).
///
/// # Safety
/// Called by OpenSSH with pointers that follow the sk-api contract.
#[no_mangle]
pub unsafe extern "C" fn sk_sign(
    alg: u32,
    data: *const u8,
    data_len: usize,
    application: *const c_char,
    key_handle: *const u8,
    key_handle_len: usize,
    flags: u8,
    _pin: *const c_char,
    options: *mut *mut SkOption,
    sign_response: *mut *mut SkSignResponse,
) -> c_int {
    guarded(|| {
        if sign_response.is_null() {
            return SSH_SK_ERR_GENERAL;
        }
        *sign_response = ptr::null_mut();
        // Test knob: behave like a key nobody touched before the timeout.
        if std::env::var_os(DENY_ENV).is_some_and(|v| v == "1") {
            return SSH_SK_ERR_GENERAL;
        }
        if alg != SSH_SK_ED25519 {
            return SSH_SK_ERR_UNSUPPORTED;
        }
        if application.is_null() || key_handle_len != SEED_LEN || !options_ok(options) {
            return SSH_SK_ERR_GENERAL;
        }
        let (Some(data), Some(handle)) = (bytes(data, data_len), bytes(key_handle, key_handle_len))
        else {
            return SSH_SK_ERR_GENERAL;
        };
        let Ok(seed) = <[u8; SEED_LEN]>::try_from(handle) else {
            return SSH_SK_ERR_GENERAL;
        };
        let application = CStr::from_ptr(application).to_bytes();
        // Presence is "asserted" only when the key demands it, so keys made
        // with `-O no-touch-required` sign without the flag, like real ones.
        let flags_out = flags & SSH_SK_USER_PRESENCE_REQD;
        let counter = next_counter();
        let mut signed = auth_data(application, flags_out, counter);
        signed.extend_from_slice(&sha256(data));
        let signature = SigningKey::from_bytes(&seed).sign(&signed).to_bytes();

        let r = c_new::<SkSignResponse>();
        let Some(resp) = r.as_mut() else {
            return SSH_SK_ERR_GENERAL;
        };
        resp.flags = flags_out;
        resp.counter = counter;
        if !c_put(&signature, &mut resp.sig_r, &mut resp.sig_r_len) {
            free_sign(r);
            return SSH_SK_ERR_GENERAL;
        }
        *sign_response = r;
        0
    })
}

/// Resident (discoverable) keys are not implemented.
///
/// # Safety
/// Called by OpenSSH with pointers that follow the sk-api contract.
#[no_mangle]
pub unsafe extern "C" fn sk_load_resident_keys(
    _pin: *const c_char,
    _options: *mut *mut SkOption,
    rks: *mut *mut *mut SkResidentKey,
    nrks: *mut usize,
) -> c_int {
    guarded(|| {
        if !rks.is_null() {
            *rks = ptr::null_mut();
        }
        if !nrks.is_null() {
            *nrks = 0;
        }
        SSH_SK_ERR_UNSUPPORTED
    })
}
