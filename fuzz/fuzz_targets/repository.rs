//! A commit of an honest group rewritten by the input (one record file
//! replaced, dropped or added), then verified: see `charter_fuzz::repository`.
#![no_main]

use std::path::Path;
use std::sync::Mutex;

use charter_fuzz::Fixture;
use libfuzzer_sys::fuzz_target;

/// The fixture is rebuilt after this many inputs, so that the objects the
/// fuzzed commits leave in its repository stay few.
const REBUILD_EVERY: usize = 5000;

static FIXTURE: Mutex<Option<(Fixture, usize)>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut guard = FIXTURE.lock().unwrap_or_else(|e| e.into_inner());
    if guard.as_ref().is_none_or(|(_, n)| *n >= REBUILD_EVERY) {
        *guard = None;
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/keys");
        *guard = Some((Fixture::new(&keys), 0));
    }
    if let Some((fixture, n)) = guard.as_mut() {
        *n += 1;
        charter_fuzz::repository(fixture, data);
    }
});
