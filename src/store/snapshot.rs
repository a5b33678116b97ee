//! A read-only view of one commit's tree: every command reads the HEAD tree
//! through it, and `verify` reads each commit's. Files are checked as they
//! are read: no symlinks, UTF-8 only, bounded size.

use git2::{ObjectType, Oid, Repository, Tree};

use crate::model::error::{Error, Problem, Result};
use crate::model::tree;
pub use crate::model::tree::{join, MAX_FILE};

const MODE_LINK: i32 = 0o120000;
const MODE_COMMIT: i32 = 0o160000;

pub struct Snapshot<'r> {
    repo: &'r Repository,
    tree: Tree<'r>,
}

/// One entry of a folder listing.
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
    pub id: Oid,
}

impl<'r> Snapshot<'r> {
    pub fn new(repo: &'r Repository, tree: Tree<'r>) -> Self {
        Self { repo, tree }
    }

    pub fn tree_id(&self) -> Oid {
        self.tree.id()
    }

    /// The id of the blob or tree at `path`, if any.
    pub fn id(&self, path: &str) -> Option<Oid> {
        self.tree
            .get_path(std::path::Path::new(path))
            .ok()
            .map(|e| e.id())
    }

    /// Reads the text file at `path`, or `None` if nothing is there.
    pub fn read(&self, path: &str) -> Result<Option<String>> {
        match self.file(path)? {
            Some(id) => Ok(Some(self.blob_text(path, id)?)),
            None => Ok(None),
        }
    }

    /// Reads the file at `path` as text, bytes that are not UTF-8 replaced:
    /// for signature files, which OpenSSH reads as bytes and where such
    /// bytes can only stand after the armor (ignored) or spoil it.
    pub fn read_lossy(&self, path: &str) -> Result<Option<String>> {
        let Some(id) = self.file(path)? else {
            return Ok(None);
        };
        let blob = self.checked_blob(path, id)?;
        Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
    }

    /// The blob id of the regular file at `path`, if any.
    fn file(&self, path: &str) -> Result<Option<Oid>> {
        let entry = match self.tree.get_path(std::path::Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        check_mode(path, entry.filemode())?;
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(Error::parse(path, "expected a file, found a folder"));
        }
        Ok(Some(entry.id()))
    }

    /// Reads a file that must exist.
    pub fn require(&self, path: &str) -> Result<String> {
        self.read(path)?
            .ok_or_else(|| Error::parse(path, "missing"))
    }

    pub fn blob_text(&self, path: &str, id: Oid) -> Result<String> {
        let blob = self.checked_blob(path, id)?;
        String::from_utf8(blob.content().to_vec()).map_err(|_| Error::file(path, Problem::NotUtf8))
    }

    /// The blob `id`, read only once its object header says it is within
    /// [`MAX_FILE`]: a hostile 200 MB blob is refused without inflating it.
    fn checked_blob(&self, path: &str, id: Oid) -> Result<git2::Blob<'r>> {
        let (size, kind) = self.repo.odb()?.read_header(id)?;
        if kind != ObjectType::Blob {
            return Err(Error::parse(
                path,
                format!("expected a file, found a {kind}"),
            ));
        }
        if size > MAX_FILE {
            return Err(Error::file(path, Problem::TooLarge(MAX_FILE)));
        }
        Ok(self.repo.find_blob(id)?)
    }

    /// Lists the folder at `path` (empty if absent), refusing links and
    /// submodules.
    pub fn list(&self, path: &str) -> Result<Vec<Entry>> {
        let tree = if path.is_empty() {
            self.tree.clone()
        } else {
            match self.tree.get_path(std::path::Path::new(path)) {
                Ok(e) if e.kind() == Some(ObjectType::Tree) => self.repo.find_tree(e.id())?,
                Ok(e) => {
                    check_mode(path, e.filemode())?;
                    return Err(Error::parse(path, "expected a folder, found a file"));
                }
                Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            }
        };
        let mut out = Vec::with_capacity(tree.len());
        for e in tree.iter() {
            let Some(name) = e.name() else {
                return Err(Error::file(format!("{path}/<name>"), Problem::NotUtf8));
            };
            let full = join(path, name);
            check_mode(&full, e.filemode())?;
            out.push(Entry {
                name: name.to_string(),
                is_dir: e.kind() == Some(ObjectType::Tree),
                id: e.id(),
            });
        }
        Ok(out)
    }

    /// Every file under `path`, recursively, as paths relative to `path`.
    pub fn files_under(&self, path: &str) -> Result<Vec<(String, Oid)>> {
        let mut out = Vec::new();
        let mut stack = vec![String::new()];
        while let Some(rel) = stack.pop() {
            for e in self.list(&join(path, &rel))? {
                let child = join(&rel, &e.name);
                if e.is_dir {
                    stack.push(child);
                } else {
                    out.push((child, e.id));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

fn check_mode(path: &str, mode: i32) -> Result<()> {
    match mode {
        MODE_LINK => Err(Error::file(path, Problem::Symlink)),
        MODE_COMMIT => Err(Error::parse(path, "submodules are not allowed")),
        _ => Ok(()),
    }
}

impl tree::Tree for Snapshot<'_> {
    fn read(&self, path: &str) -> Result<Option<String>> {
        Snapshot::read(self, path)
    }

    fn read_lossy(&self, path: &str) -> Result<Option<String>> {
        Snapshot::read_lossy(self, path)
    }

    fn content_id(&self, path: &str) -> Option<String> {
        self.id(path).map(|id| id.to_string())
    }

    fn entries(&self, path: &str) -> Result<Vec<tree::Entry>> {
        Ok(self
            .list(path)?
            .into_iter()
            .map(|e| tree::Entry {
                name: e.name,
                is_dir: e.is_dir,
            })
            .collect())
    }
}
