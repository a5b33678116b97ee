//! Reading the record: the log of decisions, word diffs between versions of
//! the charter, and the annual report; the index of decisions they answer
//! from.

pub mod diff;
pub mod index;
pub mod log;
pub mod report;
pub mod translations;
pub mod views;
