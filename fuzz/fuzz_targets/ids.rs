//! Member, principle, proposal ids, languages, acts, digests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::ids(data);
});
