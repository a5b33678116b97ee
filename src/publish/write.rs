//! Writing the site's folder. A folder is published into only when it is
//! empty, absent, or an earlier publication (it holds [`MANIFEST`]): a
//! mistyped `--out` never overwrites someone's files. A file already as it
//! must be is left alone, so republishing a large site after one decision
//! writes only what changed; files of the earlier publication that the new
//! one lacks are removed. Files are written as they are rendered, a batch
//! at a time on every core: a federation's site is hundreds of thousands
//! of small files, and never all in memory at once.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::error::{Error, Result};
use crate::store::repo::Repo;
use crate::store::Oid;

/// The list of a publication's files, each with what fixes its bytes: the
/// SHA-256 of a page, the git blob id of a record copied from the history.
pub const MANIFEST: &str = ".charter-site";

/// Files rendered before they are written together.
const BATCH: usize = 4096;

/// One file of the site: its path under the site's folder, and its bytes.
pub struct File {
    pub path: String,
    pub content: Content,
}

pub enum Content {
    Bytes(Vec<u8>),
    /// A blob of the history, read only if the site does not have it yet.
    Blob(Oid),
}

/// Refuses a folder that is neither empty nor an earlier publication.
pub fn check_out_dir(out: &Path) -> Result<()> {
    match std::fs::read_dir(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(out, e)),
        Ok(mut entries) => {
            if entries.next().is_none() || out.join(MANIFEST).is_file() {
                Ok(())
            } else {
                Err(Error::Invalid(format!(
                    "{}: not empty and not a site charter published; give a new or empty folder",
                    crate::crypto::input::echo_path(out)
                )))
            }
        }
    }
}

pub struct Writer<'r> {
    out: PathBuf,
    repo: &'r Repo,
    earlier: BTreeSet<String>,
    manifest: Vec<String>,
    pending: Vec<(PathBuf, Vec<u8>)>,
    /// Folders of the site known to be real folders, not links.
    made: BTreeSet<PathBuf>,
    paths: BTreeSet<String>,
    pub written: usize,
    pub files: usize,
    pub pages: usize,
}

impl<'r> Writer<'r> {
    /// Starts a publication into `out`, marking the folder as a site at
    /// once: were this one cut short, the next takes the folder as its own.
    pub fn new(out: &Path, repo: &'r Repo) -> Result<Self> {
        let manifest = out.join(MANIFEST);
        let earlier = match std::fs::read_to_string(&manifest) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
                replace(&manifest, b"")?;
                String::new()
            }
            Err(e) => return Err(Error::io(&manifest, e)),
        };
        Ok(Writer {
            out: out.to_path_buf(),
            repo,
            earlier: earlier.lines().map(str::to_string).collect(),
            manifest: Vec::new(),
            pending: Vec::new(),
            made: BTreeSet::new(),
            paths: BTreeSet::new(),
            written: 0,
            files: 0,
            pages: 0,
        })
    }

    /// Takes one file of the site; writes it (with others) unless the
    /// earlier publication has it as it must be.
    pub fn add(&mut self, file: File) -> Result<()> {
        let line = match &file.content {
            Content::Bytes(bytes) => format!("{:x} {}", Sha256::digest(bytes), file.path),
            Content::Blob(id) => format!("git:{id} {}", file.path),
        };
        let path = self.out.join(&file.path);
        if !self.paths.insert(file.path.clone()) {
            return Err(Error::Internal(format!(
                "two files of the site at {}",
                file.path
            )));
        }
        self.files += 1;
        self.pages += usize::from(file.path.ends_with(".html"));
        let unchanged = self.earlier.contains(&line)
            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if !unchanged {
            let bytes = match file.content {
                Content::Bytes(bytes) => bytes,
                Content::Blob(id) => self.repo.blob_bytes(id)?,
            };
            if let Some(dir) = Path::new(&file.path).parent() {
                self.real_dirs(dir)?;
            }
            self.pending.push((path, bytes));
            if self.pending.len() >= BATCH {
                self.flush()?;
            }
        }
        self.manifest.push(line);
        Ok(())
    }

    /// Makes the folder `rel` of the site and each above it, refusing any
    /// that is a symbolic link: a folder published into (a forge's pages
    /// checkout, a cache) may hold links, and following one would write or
    /// delete outside the site.
    fn real_dirs(&mut self, rel: &Path) -> Result<()> {
        let mut at = PathBuf::new();
        for part in rel.components() {
            at.push(part);
            if self.made.contains(&at) {
                continue;
            }
            let dir = self.out.join(&at);
            match std::fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(not_real(&dir)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
                }
                Err(e) => return Err(Error::io(&dir, e)),
            }
            self.made.insert(at.clone());
        }
        Ok(())
    }

    /// Writes what is pending, on every core.
    fn flush(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        self.written += pending.len();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = pending.len().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            let workers: Vec<_> = pending
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().try_for_each(|(p, b)| put(p, b))))
                .collect();
            workers.into_iter().try_for_each(|w| {
                w.join()
                    .map_err(|_| Error::Internal("a thread writing the site failed".into()))?
            })
        })
    }

    /// Writes the rest, removes what the earlier publication had and this
    /// one has not, and writes the manifest last.
    pub fn finish(mut self) -> Result<Written> {
        self.flush()?;
        let paths = std::mem::take(&mut self.paths);
        let earlier = std::mem::take(&mut self.earlier);
        let mut removed = 0;
        for line in &earlier {
            let Some((_, path)) = line.split_once(' ') else {
                continue;
            };
            // Only a relative path of the earlier site's own making goes.
            let safe =
                !path.starts_with('/') && !path.split('/').any(|p| p == ".." || p.is_empty());
            let through_real = Path::new(path)
                .parent()
                .is_none_or(|dir| self.real_dirs(dir).is_ok());
            if safe
                && through_real
                && !paths.contains(path)
                && std::fs::remove_file(self.out.join(path)).is_ok()
            {
                removed += 1;
                remove_empty_parents(&self.out, path);
            }
        }
        let mut manifest = self.manifest.join("\n");
        manifest.push('\n');
        replace(&self.out.join(MANIFEST), manifest.as_bytes())?;
        Ok(Written {
            files: self.files,
            pages: self.pages,
            written: self.written,
            removed,
        })
    }
}

/// What a publication wrote.
pub struct Written {
    pub files: usize,
    pub pages: usize,
    pub written: usize,
    pub removed: usize,
}

/// Writes one file of the site. A file a reader may be reading is
/// replaced whole (see [`replace`]); a new one is written in place: were
/// it cut short, the manifest, written last, would not list it, and the
/// next publication writes it again. A link where a file goes is refused,
/// never followed.
fn put(path: &Path, bytes: &[u8]) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => replace(path, bytes),
        Ok(_) => Err(not_real(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_new(path, bytes),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Replaces a file whole: a reader of the site never sees half a page.
fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal(format!("{} has no folder", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover (or planted) name is removed, a link itself and not what
    // it points to; the new file is created only where nothing is.
    let _ = std::fs::remove_file(&tmp);
    create_new(&tmp, bytes)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Creates `path` with `bytes`, refusing anything already there (`O_EXCL`
/// follows no link).
fn create_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))
}

fn not_real(path: &Path) -> Error {
    Error::Invalid(format!(
        "{}: not a plain file or folder (a symbolic link?); publish writes only files and folders of its own in the site's folder",
        crate::crypto::input::echo_path(path)
    ))
}

fn remove_empty_parents(out: &Path, path: &str) {
    let mut dir = Path::new(path).parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if std::fs::remove_dir(out.join(d)).is_err() {
            break;
        }
        dir = d.parent();
    }
}
