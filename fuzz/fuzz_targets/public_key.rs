//! An OpenSSH public key line (member files, `--member`, `--pubkey`) and the `allowed_signers` lines it makes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::public_key(data);
});
