//! A security key's attestation and its challenge, and `attestation_roots` PEM.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::attestation(data);
});
