//! `charter`: a group's charter of principles and its membership, kept in a git
//! repository where every decision is a signed record anyone can verify.
//!
//! The library is the domain: the model (charter, members, proposals), the rules
//! of the process, signing and verification. It never prints and never exits;
//! the `charter` binary is a thin command line on top of it.

pub mod act;
pub mod amendment;
pub mod charter;
pub mod clock;
pub mod diff;
pub mod error;
pub mod finalization;
pub mod governance;
pub mod group;
pub mod history;
pub mod id;
pub mod key;
pub mod member;
pub mod membership;
pub mod proposal;
pub mod repo;
pub mod report;
pub mod review;
pub mod rules;
pub mod signature;
pub mod snapshot;
pub mod sshsig;
pub mod statement;
pub mod sync;
pub mod template;
pub mod verify;

pub use error::{Error, Result};
