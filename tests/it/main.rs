//! charter's integration tests: one binary (as ripgrep's and jj's are),
//! every test driving the built `charter` in a scratch directory. Helpers
//! live only in [`common`]; each other module holds the tests of one part
//! of the process.

mod common;

mod adversary_acts;
mod adversary_merges;
mod agent;
mod amendment;
mod attestation;
mod bad_input;
mod cli_output;
mod completions;
mod crash_safety;
mod federation;
mod fuzz_regressions;
mod index;
mod keys_and_signatures;
mod kind_paths;
mod limits;
mod listings;
mod membership;
mod membership_attacks;
mod openssh_agreement;
mod process;
mod publish;
mod random_histories;
mod review_and_history;
mod roundtrip;
mod security_keys;
mod sync;
mod transcript;
mod verify_attacks;
mod verify_walk;
mod work_tree;
