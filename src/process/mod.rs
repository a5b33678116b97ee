//! The processes that change the record, one module each: amendments, the
//! join process and other membership decisions, the annual review, and sync
//! across clones. Each act is one transaction on HEAD: one signed commit or
//! nothing.

pub mod amendment;
pub mod group;
pub mod membership;
pub mod review;
pub mod sync;
pub mod transaction;
