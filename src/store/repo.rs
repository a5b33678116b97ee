//! The git adapter: reads trees, writes signed commits atomically, keeps the
//! clone's own state (trust root, lock) under `.git/charter/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::{Commit, Oid, Repository, RepositoryInitOptions, Signature};

use crate::crypto::exec;
use crate::crypto::key::SigningKey;
use crate::model::clock::Timestamp;
use crate::model::error::{Error, Result};
use crate::store::journal::Move;
use crate::store::lock::write_durably;
pub use crate::store::lock::Lock;
use crate::store::owner;
use crate::store::snapshot::Snapshot;

/// The SSHSIG namespace git uses for commit signatures.
const GIT_NAMESPACE: &str = "git";
const BRANCH: &str = "refs/heads/main";

/// Files a commit writes and deletes, relative to the repository root.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    pub write: BTreeMap<String, Vec<u8>>,
    pub delete: BTreeSet<String>,
}

impl Edits {
    pub fn put(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.write.insert(path.into(), text.into().into_bytes());
    }
}

/// Who a commit is by, and the key that signs it.
pub struct Committer<'k> {
    pub name: String,
    pub email: String,
    pub key: &'k SigningKey,
    pub when: Timestamp,
}

pub struct Repo {
    git: Repository,
}

impl Repo {
    pub fn open(path: &Path) -> Result<Self> {
        configure_libgit2();
        let git = Repository::discover(path).map_err(|e| match e.code() {
            git2::ErrorCode::Owner => Error::NotOwned {
                path: owner::top(path),
            },
            _ => Error::NotAGroup {
                path: path.to_path_buf(),
            },
        })?;
        Ok(Self { git })
    }

    /// Creates a new repository at `path`, which must not hold one already.
    pub fn init(path: &Path) -> Result<Self> {
        if path.join(".git").exists() {
            return Err(Error::Exists {
                path: path.join(".git"),
            });
        }
        configure_libgit2();
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let git = Repository::init_opts(path, &opts)?;
        Ok(Self { git })
    }

    /// Another handle on the same repository, for another thread: a
    /// libgit2 handle is not shared between threads.
    pub fn reopen(&self) -> Result<Self> {
        Ok(Self {
            git: Repository::open(self.git.path())?,
        })
    }

    pub(in crate::store) fn git(&self) -> &Repository {
        &self.git
    }

    pub fn workdir(&self) -> PathBuf {
        self.git
            .workdir()
            .unwrap_or_else(|| self.git.path())
            .to_path_buf()
    }

    pub fn head(&self) -> Result<Option<Oid>> {
        match self.git.head() {
            Ok(r) => Ok(Some(r.peel_to_commit()?.id())),
            Err(e) if e.code() == git2::ErrorCode::UnbornBranch => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn snapshot(&self, commit: Oid) -> Result<Snapshot<'_>> {
        let tree = self.git.find_commit(commit)?.tree()?;
        Ok(Snapshot::new(&self.git, tree))
    }

    /// The clone's own state folder, `.git/charter/`.
    pub fn state_dir(&self) -> PathBuf {
        self.git.path().join("charter")
    }

    /// The genesis commit: the trust root recorded in this clone, or on first
    /// use the root commit HEAD's history starts from.
    pub fn root(&self) -> Result<Oid> {
        self.refuse_shallow()?;
        let path = self.state_dir().join("root");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Oid::from_str(text.trim())
                .map_err(|_| Error::parse(path.display().to_string(), "not a commit id"));
        }
        let root = self.find_root()?;
        // A read-only clone still verifies; it just finds the root again.
        let _ = self.record_root(root);
        Ok(root)
    }

    pub fn record_root(&self, root: Oid) -> Result<()> {
        self.write_state("root", &format!("{root}\n"))
    }

    /// The trust root recorded in this clone, without looking for one.
    pub fn recorded_root(&self) -> Option<Oid> {
        let text = std::fs::read_to_string(self.state_dir().join("root")).ok()?;
        Oid::from_str(text.trim()).ok()
    }

    /// The last commit verified against `root` in this clone, if any, with
    /// the counts (commits, signatures, finalizations) up to it.
    pub fn verified(&self, root: Oid) -> Option<(Oid, [usize; 3])> {
        let text = std::fs::read_to_string(self.state_dir().join("verified")).ok()?;
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [r, tip, a, b, c] = fields.as_slice() else {
            return None;
        };
        if Oid::from_str(r).ok()? != root {
            return None;
        }
        Some((
            Oid::from_str(tip).ok()?,
            [a.parse().ok()?, b.parse().ok()?, c.parse().ok()?],
        ))
    }

    pub fn record_verified(&self, root: Oid, tip: Oid, counts: [usize; 3]) -> Result<()> {
        let [a, b, c] = counts;
        self.write_state("verified", &format!("{root} {tip} {a} {b} {c}\n"))
    }

    /// The `charter-<year>` tags (name, commit) judged sound when
    /// `verified` was recorded against `root`, and the tip they were
    /// judged at: a later tip that descends from it need not judge them
    /// again while they stay on the same commits.
    pub fn verified_tags(&self, root: Oid) -> Option<(Oid, Vec<(String, Oid)>)> {
        let text = std::fs::read_to_string(self.state_dir().join("verified-tags")).ok()?;
        let mut lines = text.lines();
        let (r, tip) = lines.next()?.split_once(' ')?;
        if Oid::from_str(r).ok()? != root {
            return None;
        }
        let tags = lines
            .map(|l| {
                let (name, target) = l.split_once(' ')?;
                Some((name.to_string(), Oid::from_str(target).ok()?))
            })
            .collect::<Option<_>>()?;
        Some((Oid::from_str(tip).ok()?, tags))
    }

    pub fn record_verified_tags(&self, root: Oid, tip: Oid, tags: &[(String, Oid)]) -> Result<()> {
        let mut text = format!("{root} {tip}\n");
        for (name, target) in tags {
            text.push_str(&format!("{name} {target}\n"));
        }
        self.write_state("verified-tags", &text)
    }

    /// The last tip of `remote` this clone verified and took.
    pub fn remote_tip(&self, remote: &str) -> Option<Oid> {
        let text = std::fs::read_to_string(self.state_dir().join(remote_file(remote))).ok()?;
        Oid::from_str(text.trim()).ok()
    }

    pub fn record_remote_tip(&self, remote: &str, tip: Oid) -> Result<()> {
        self.write_state(&remote_file(remote), &format!("{tip}\n"))
    }

    fn write_state(&self, name: &str, text: &str) -> Result<()> {
        self.record_state(name, text.as_bytes())
    }

    /// Replaces the state file `name` (a path under `.git/charter/`) with
    /// `bytes`, durably.
    pub fn record_state(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.state_dir().join(name);
        let dir = path.parent().unwrap_or(&path).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        write_durably(&path, bytes)
    }

    /// The state file `name`, if it is there and a regular file of at most
    /// `limit` bytes: what it holds is the clone's own cache, so anything
    /// else is as good as absent.
    pub fn state_bytes(&self, name: &str, limit: u64) -> Option<Vec<u8>> {
        use std::io::Read;
        let path = self.state_dir().join(name);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > limit {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        let file = std::fs::File::open(&path).ok()?;
        file.take(limit + 1).read_to_end(&mut bytes).ok()?;
        (bytes.len() as u64 <= limit).then_some(bytes)
    }

    /// Follows first parents from HEAD to the commit that has none.
    pub fn find_root(&self) -> Result<Oid> {
        let head = self.head()?.ok_or_else(|| Error::NotAGroup {
            path: self.workdir(),
        })?;
        let mut commit = self.git.find_commit(head)?;
        while let Ok(parent) = commit.parent(0) {
            commit = parent;
        }
        Ok(commit.id())
    }

    /// Serialises the commands that write in one clone: held until
    /// dropped, or until the process ends however it ends.
    pub fn lock(&self) -> Result<Lock> {
        let dir = self.state_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Lock::acquire(&dir.join("lock"))
    }

    /// The lock, if no other command holds it now: for a command that
    /// only saves a cache and would rather skip it than wait.
    pub fn try_lock(&self) -> Option<Lock> {
        let dir = self.state_dir();
        std::fs::create_dir_all(&dir).ok()?;
        Lock::try_acquire(&dir.join("lock"))
    }

    /// Writes one signed commit on top of `parent` (HEAD) applying `edits`,
    /// then moves the branch to it (see [`Repo::advance`]).
    pub fn commit(
        &self,
        parent: Option<Oid>,
        edits: &Edits,
        message: &str,
        who: &Committer<'_>,
    ) -> Result<Oid> {
        let oid = self.write_commit(parent, edits, message, who)?;
        self.advance(&Move::new(parent, oid, message))?;
        Ok(oid)
    }

    /// Writes one signed commit object; moves nothing.
    pub fn write_commit(
        &self,
        parent: Option<Oid>,
        edits: &Edits,
        message: &str,
        who: &Committer<'_>,
    ) -> Result<Oid> {
        let parent = parent.map(|p| self.git.find_commit(p)).transpose()?;
        let parent = parent.as_ref();
        let tree_id = self.write_tree(parent.map(|p| p.id()), edits)?;
        let tree = self.git.find_tree(tree_id)?;
        let time = git2::Time::new(who.when.timestamp(), 0);
        let sig = Signature::new(&git_ident(&who.name), &git_ident(&who.email), &time)?;
        let parents: Vec<&Commit<'_>> = parent.into_iter().collect();
        let buffer = self
            .git
            .commit_create_buffer(&sig, &sig, message, &tree, &parents)?;
        let buffer = std::str::from_utf8(&buffer)
            .map_err(|_| Error::Invalid("commit text is not UTF-8".into()))?
            .to_string();
        let signature = commit_signature(&buffer, who.key)?;
        Ok(self.git.commit_signed(&buffer, &signature, None)?)
    }

    /// Runs the system `git` in this repository, so the user's SSH
    /// configuration and credential helpers apply. Returns stdout. It must
    /// end within its time limit ([`exec::GIT_TIMEOUT`], or
    /// `CHARTER_GIT_TIMEOUT` seconds) and print at most
    /// [`exec::GIT_OUTPUT`] bytes on each stream.
    pub fn run_git(&self, args: &[&str]) -> std::result::Result<String, String> {
        let limits = exec::Limits {
            time: exec::time_limit("CHARTER_GIT_TIMEOUT", exec::GIT_TIMEOUT)?,
            output: exec::GIT_OUTPUT,
        };
        let mut cmd = std::process::Command::new("git");
        // No background maintenance: a command killed mid-way must not
        // leave git's own `maintenance.lock` behind in the clone.
        cmd.arg("-C")
            .arg(self.workdir())
            .args(["-c", "maintenance.auto=false", "-c", "gc.auto=0"])
            .args(args)
            .stdin(std::process::Stdio::null());
        // The subcommand, past `-c name=value` options.
        let mut rest = args.iter().copied();
        let what = loop {
            match rest.next() {
                Some("-c") => {
                    rest.next();
                }
                other => break other.unwrap_or_default(),
            }
        };
        let out = exec::run(&mut cmd, limits).map_err(|e| match e {
            exec::ExecError::TimedOut(_) => {
                format!("git {what}: {e} (CHARTER_GIT_TIMEOUT sets the limit in seconds)")
            }
            e => format!("git {what}: {e}"),
        })?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(err
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; "))
        }
    }

    pub fn branch_name(&self) -> String {
        match self.git.find_reference("HEAD") {
            Ok(r) => r
                .symbolic_target()
                .map(str::to_string)
                .unwrap_or_else(|| BRANCH.to_string()),
            Err(_) => BRANCH.to_string(),
        }
    }

    /// A shallow clone's oldest commit is not the genesis: nothing can be
    /// verified or signed until the whole history is fetched.
    pub fn refuse_shallow(&self) -> Result<()> {
        if self.git.is_shallow() {
            return Err(Error::Shallow {
                path: self.workdir(),
            });
        }
        Ok(())
    }

    /// The tree `base` with blobs put at `put` (path, blob id) and `delete`
    /// removed: how `verify` builds the states a merge passes through.
    pub fn tree_with(&self, base: Oid, put: &[(String, Oid)], delete: &[String]) -> Result<Oid> {
        let mut update = git2::build::TreeUpdateBuilder::new();
        for path in delete {
            update.remove(path.as_str());
        }
        for (path, blob) in put {
            update.upsert(path.as_str(), *blob, git2::FileMode::Blob);
        }
        let base = self.git.find_tree(base)?;
        Ok(update.create_updated(&self.git, &base)?)
    }

    /// The bytes of blob `id`, refused unread when its header says it is
    /// larger than [`crate::model::tree::MAX_FILE`].
    pub fn blob_bytes(&self, id: Oid) -> Result<Vec<u8>> {
        let (size, kind) = self.git.odb()?.read_header(id)?;
        if kind != git2::ObjectType::Blob || size > crate::model::tree::MAX_FILE {
            return Err(Error::Internal(format!("{id} is not a record's blob")));
        }
        Ok(self.git.find_blob(id)?.content().to_vec())
    }

    /// Stores `bytes` as a blob.
    pub fn blob(&self, bytes: &[u8]) -> Result<Oid> {
        Ok(self.git.blob(bytes)?)
    }

    /// Keeps every object written from now on in memory, gone with `self`:
    /// for a harness that writes throwaway commits by the thousand (the
    /// `repository` fuzz target), where compressing each loose object and
    /// writing it to disk was most of the time.
    pub fn write_objects_in_memory(&self) -> Result<()> {
        // Above the loose (1) and pack (2) backends: written there first.
        self.git.odb()?.add_new_mempack_backend(1000)?;
        Ok(())
    }

    /// A read-only view of tree `tree`.
    pub fn tree_snapshot(&self, tree: Oid) -> Result<Snapshot<'_>> {
        Ok(Snapshot::new(&self.git, self.git.find_tree(tree)?))
    }

    /// Writes the tree of `parent` with `edits` applied; moves nothing.
    /// Only the folders on the edited paths are rewritten: the cost follows
    /// the edit, not the size of the tree (a history of 200,000 acts has
    /// 400,000 record files).
    pub fn write_tree(&self, parent: Option<Oid>, edits: &Edits) -> Result<Oid> {
        let base = match parent {
            Some(p) => self.git.find_commit(p)?.tree()?,
            None => self.git.find_tree(self.git.treebuilder(None)?.write()?)?,
        };
        let mut update = git2::build::TreeUpdateBuilder::new();
        for path in &edits.delete {
            update.remove(path.as_str());
        }
        for (path, bytes) in &edits.write {
            update.upsert(path.as_str(), self.git.blob(bytes)?, git2::FileMode::Blob);
        }
        Ok(update.create_updated(&self.git, &base)?)
    }
}

/// `text` as a commit's author may carry it: without the angle brackets
/// and control characters git refuses there, as `git commit` drops them
/// from a name. A member's name itself is kept whole in its file.
fn git_ident(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !matches!(c, '<' | '>') && !c.is_control())
        .collect();
    match kept.trim() {
        "" => "charter".into(),
        kept => kept.into(),
    }
}

/// The signature git's SSH format carries in a commit's `gpgsig` header:
/// SSHSIG over the unsigned commit text, in git's namespace. Public so that
/// a commit written by other means (the federation generator) is signed
/// exactly as [`Repo::write_commit`] signs.
pub fn commit_signature(unsigned: &str, key: &SigningKey) -> Result<String> {
    Ok(key.sign(GIT_NAMESPACE, unsigned.as_bytes())?)
}

/// A path from git's configuration as seen from `dir`: the repository's
/// config when `dir` is in one, else the user's.
pub fn config_path(dir: &Path, key: &str) -> Option<PathBuf> {
    let config = match Repository::discover(dir) {
        Ok(repo) => repo.config().ok()?,
        Err(_) => git2::Config::open_default().ok()?,
    };
    config.get_path(key).ok()
}

/// The signing key git itself would use: `user.signingkey` when
/// `gpg.format` is `ssh`, as git reads it (a literal key, given as
/// `key::ssh-ed25519 ...` or starting with `ssh-`; else a path, `~`
/// expanded).
#[derive(Debug, PartialEq, Eq)]
pub enum GitSigningKey {
    Literal(String),
    File(PathBuf),
}

pub fn git_signing_key(dir: &Path) -> Option<GitSigningKey> {
    let config = match Repository::discover(dir) {
        Ok(repo) => repo.config().ok()?,
        Err(_) => git2::Config::open_default().ok()?,
    };
    if config.get_string("gpg.format").ok()? != "ssh" {
        return None;
    }
    let value = config.get_string("user.signingkey").ok()?;
    if let Some(literal) = value.strip_prefix("key::") {
        return Some(GitSigningKey::Literal(literal.to_string()));
    }
    if value.starts_with("ssh-") || value.starts_with("sk-ssh-") {
        return Some(GitSigningKey::Literal(value));
    }
    config
        .get_path("user.signingkey")
        .ok()
        .map(GitSigningKey::File)
}

/// Sets libgit2's process-wide options, once:
///
/// - it fsyncs every object, reference and index it writes (off by
///   default), as git's `core.fsync`: records must be on disk before the
///   branch that names them moves, or a power cut can lose an act the user
///   saw succeed;
/// - it caches large trees, within a small cache and mapped-pack limit;
/// - it does not hash objects again as it reads them, as git does not.
fn configure_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        libgit2_sys::init();
        // SAFETY: GIT_OPT_ENABLE_FSYNC_GITDIR takes one int; libgit2 is
        // initialised above and the option is process-wide, set once.
        unsafe {
            libgit2_sys::git_libgit2_opts(libgit2_sys::GIT_OPT_ENABLE_FSYNC_GITDIR as _, 1);
        }
        // libgit2 caches no tree over 4 KiB: a year's folder of proposals
        // and a proposal's signatures are larger, and every file read
        // through them inflated and parsed them again (a third of `verify
        // --full`). Failing to raise the limit only costs time.
        // SAFETY: a process-wide option taking a size, set once.
        let _ = unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, TREE_CACHE) };
        // As git, objects are not hashed again each time they are read:
        // `git fetch` and `git clone` hash every object they receive, and
        // `git fsck` checks a clone's store. Re-hashing each version of a
        // folder read was a quarter of `verify --full`.
        git2::opts::strict_hash_verification(false);
        // Memory stays bounded at any history's size: the object cache
        // (256 MiB by default) and the pack files mapped at once (8 GiB,
        // in windows of 1 GiB). The cache is kept small: a walk reads each
        // version of a folder once or twice, and libgit2 evicts from a
        // full cache by scanning its table from the start, which at 32 MiB
        // cost more than the reading it saved and grew with the history.
        // SAFETY: process-wide options taking one ssize_t / size_t, set once.
        unsafe {
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_SET_CACHE_MAX_SIZE as _,
                CACHE_MAX as libc_ssize,
            );
            // A pack is mapped in windows of this size (1 GiB by default:
            // a whole federation's pack at once, past any limit).
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_SET_MWINDOW_SIZE as _,
                MAPPED_MAX / 4,
            );
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_SET_MWINDOW_MAPPED_LIMIT as _,
                MAPPED_MAX,
            );
        }
    });
}

/// The largest tree libgit2 keeps in its object cache.
const TREE_CACHE: usize = 256 * 1024;
/// libgit2's object cache, all objects together.
const CACHE_MAX: usize = 2 * 1024 * 1024;
/// Pack file bytes mapped at once.
const MAPPED_MAX: usize = 64 * 1024 * 1024;
/// C's `ssize_t`, which `GIT_OPT_SET_CACHE_MAX_SIZE` takes.
#[allow(non_camel_case_types)]
type libc_ssize = isize;

/// A remote's state file: its name, made safe as a file name.
fn remote_file(remote: &str) -> String {
    let safe: String = remote
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("remote-{safe}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loose_objects(dir: &Path) -> usize {
        let objects = dir.join(".git/objects");
        std::fs::read_dir(objects)
            .unwrap()
            .flatten()
            .filter(|d| d.file_name().len() == 2)
            .map(|d| std::fs::read_dir(d.path()).unwrap().count())
            .sum()
    }

    #[test]
    fn objects_written_in_memory_are_read_back_and_never_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        // Control: an object written before lands on disk.
        let on_disk = repo.blob(b"before\n").unwrap();
        assert_eq!(loose_objects(dir.path()), 1);
        repo.write_objects_in_memory().unwrap();
        let mut edits = Edits::default();
        edits.put("a/b", "in memory\n");
        let tree = repo.write_tree(None, &edits).unwrap();
        let blob = repo.tree_snapshot(tree).unwrap().read("a/b").unwrap();
        assert_eq!(blob.as_deref(), Some("in memory\n"));
        assert_eq!(repo.blob_bytes(on_disk).unwrap(), b"before\n");
        assert_eq!(loose_objects(dir.path()), 1);
        // Another handle on the repository does not see them.
        assert!(Repo::open(dir.path()).unwrap().git.find_tree(tree).is_err());
    }
}
