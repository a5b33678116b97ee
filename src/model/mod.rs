//! The charter's model, parsed from text: ids, dates, the governance file,
//! the charter, members, acts, proposals and their signed records, reviews,
//! statements of interest and the built-in templates. Reads trees through the
//! [`tree::Tree`] trait and never names git.

pub mod act;
pub mod charter;
pub mod clock;
pub mod count;
pub mod error;
pub mod governance;
pub mod id;
pub mod member;
pub mod proposal;
pub mod record;
pub mod refusal;
pub mod review;
pub mod statement;
pub mod template;
pub mod tree;
