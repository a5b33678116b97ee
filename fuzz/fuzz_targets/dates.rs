//! RFC 3339 date-times and deadlines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    charter_fuzz::dates(data);
});
