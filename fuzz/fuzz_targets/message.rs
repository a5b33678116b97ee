//! A signed record's message (`signatures/*.msg`) and record file names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::message(data);
});
