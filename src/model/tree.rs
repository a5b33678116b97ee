//! How the model reads a tree of files (one commit's, in practice) without
//! knowing where it is kept: the store implements [`Tree`] over git trees.
//! Files are checked as they are read: no symlinks or submodules, UTF-8 only,
//! bounded size.

use crate::model::error::{Error, Result};

/// No governed or signed file is anywhere near this; a larger one is hostile.
pub const MAX_FILE: usize = 1024 * 1024;

/// One entry of a folder listing.
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

pub trait Tree {
    /// Reads the text file at `path`, or `None` if nothing is there.
    fn read(&self, path: &str) -> Result<Option<String>>;

    /// Reads the file at `path` as text, bytes that are not UTF-8 replaced:
    /// for signature files, which OpenSSH reads as bytes and where such
    /// bytes can only stand after the armor (ignored) or spoil it.
    fn read_lossy(&self, path: &str) -> Result<Option<String>>;

    /// Lists the folder at `path` (empty if absent).
    fn entries(&self, path: &str) -> Result<Vec<Entry>>;

    /// The id the store gives the content at `path` (a git object id), as
    /// recorded in a proposal's base; `None` if nothing is there.
    fn content_id(&self, path: &str) -> Option<String>;

    /// Reads a file that must exist.
    fn require(&self, path: &str) -> Result<String> {
        self.read(path)?
            .ok_or_else(|| Error::parse(path, "missing"))
    }

    /// Every file under `path`, recursively, as sorted paths relative to it.
    fn files(&self, path: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stack = vec![String::new()];
        while let Some(rel) = stack.pop() {
            for e in self.entries(&join(path, &rel))? {
                let child = join(&rel, &e.name);
                if e.is_dir {
                    stack.push(child);
                } else {
                    out.push(child);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else if name.is_empty() {
        dir.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
