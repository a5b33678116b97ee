//! `keys/<member>.toml` and the `allowed_signers` the members generate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::member(data);
});
