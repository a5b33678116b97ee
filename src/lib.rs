//! `charter`: a group's charter of principles and its membership, kept in a git
//! repository where every decision is a signed record anyone can verify.
//!
//! The library is the domain; the `charter` binary is a thin command line on
//! top of it. It is laid out in layers, each a folder, that depend on the
//! layers before them only (see ARCHITECTURE.md; `tests/tidy.rs` enforces it):
//!
//! crypto → model → store → rules → verify → history → process
//!
//! It never prints and never exits.

pub mod crypto;
pub mod history;
pub mod model;
pub mod process;
pub mod publish;
pub mod rules;
pub mod store;
pub mod verify;

pub use model::error::{Error, Result};

#[cfg(test)]
mod tidy;
