//! An OpenSSH private key file (`--key`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::private_key(data);
});
