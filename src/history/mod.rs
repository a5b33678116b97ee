//! Reading the record: the log of decisions, word diffs between versions of
//! the charter, and the annual report.

pub mod diff;
pub mod log;
pub mod report;
pub mod translations;
pub mod views;
