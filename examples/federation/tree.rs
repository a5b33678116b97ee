//! The tree the planner drafts on: every file's text in memory, read by the
//! library's model and rules through [`charter::model::tree::Tree`], so
//! that each proposal, record and decision is judged and built by the same
//! code as when `charter` acts on a repository, without git in the loop.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use charter::model::error::Result;
use charter::model::tree::{Entry, Tree};

use crate::pack::blob_id;

/// A file: its text, and its git blob id once asked for (proposals record
/// the blob ids of the charter files they change).
struct File {
    text: Arc<str>,
    id: OnceLock<String>,
}

#[derive(Default)]
struct Dir {
    entries: BTreeMap<String, Node>,
}

enum Node {
    File(File),
    Dir(Dir),
}

#[derive(Default)]
pub struct MemTree {
    root: Dir,
}

impl MemTree {
    /// Writes `text` at `path`, creating its folders.
    pub fn put(&mut self, path: &str, text: Arc<str>) {
        let mut parts: Vec<&str> = path.split('/').collect();
        let name = parts.pop().unwrap_or_default();
        let mut dir = &mut self.root;
        for part in parts {
            let node = dir
                .entries
                .entry(part.to_string())
                .or_insert_with(|| Node::Dir(Dir::default()));
            if let Node::File(_) = node {
                *node = Node::Dir(Dir::default());
            }
            match node {
                Node::Dir(d) => dir = d,
                Node::File(_) => return,
            }
        }
        let file = File {
            text,
            id: OnceLock::new(),
        };
        dir.entries.insert(name.to_string(), Node::File(file));
    }

    /// Deletes the file at `path`, and the folders it leaves empty, as git
    /// has no empty folders.
    pub fn delete(&mut self, path: &str) {
        fn remove(dir: &mut Dir, parts: &[&str]) {
            match parts {
                [] => {}
                [name] => {
                    dir.entries.remove(*name);
                }
                [first, rest @ ..] => {
                    if let Some(Node::Dir(d)) = dir.entries.get_mut(*first) {
                        remove(d, rest);
                        if d.entries.is_empty() {
                            dir.entries.remove(*first);
                        }
                    }
                }
            }
        }
        let parts: Vec<&str> = path.split('/').collect();
        remove(&mut self.root, &parts);
    }

    fn node(&self, path: &str) -> Option<&Node> {
        if path.is_empty() {
            return None;
        }
        let mut dir = &self.root;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            let node = dir.entries.get(part)?;
            if parts.peek().is_none() {
                return Some(node);
            }
            match node {
                Node::Dir(d) => dir = d,
                Node::File(_) => return None,
            }
        }
        None
    }

    fn dir(&self, path: &str) -> Option<&Dir> {
        if path.is_empty() {
            return Some(&self.root);
        }
        match self.node(path)? {
            Node::Dir(d) => Some(d),
            Node::File(_) => None,
        }
    }

    fn file(&self, path: &str) -> Option<&File> {
        match self.node(path)? {
            Node::File(f) => Some(f),
            Node::Dir(_) => None,
        }
    }

    /// The number of entries in the folder `path` (0 if absent).
    pub fn count(&self, path: &str) -> usize {
        self.dir(path).map_or(0, |d| d.entries.len())
    }
}

impl Tree for MemTree {
    fn read(&self, path: &str) -> Result<Option<String>> {
        Ok(self.file(path).map(|f| f.text.to_string()))
    }

    fn read_lossy(&self, path: &str) -> Result<Option<String>> {
        self.read(path)
    }

    fn entries(&self, path: &str) -> Result<Vec<Entry>> {
        Ok(self
            .dir(path)
            .map(|d| {
                d.entries
                    .iter()
                    .map(|(name, node)| Entry {
                        name: name.clone(),
                        is_dir: matches!(node, Node::Dir(_)),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The blob id of a file. Proposals only ever name files, so a folder
    /// has none here.
    fn content_id(&self, path: &str) -> Option<String> {
        let f = self.file(path)?;
        Some(
            f.id.get_or_init(|| hex(&blob_id(f.text.as_bytes())))
                .clone(),
        )
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
