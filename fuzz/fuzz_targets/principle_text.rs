//! A principle's text (`charter/<principle>.<lang>.md`, amendment texts).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::principle_text(data);
});
