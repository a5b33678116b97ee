//! Moving the branch so that a crash at any point leaves the clone as it
//! was or with the move done, and the next command can tell which.
//!
//! Before the branch moves, a journal (`.git/charter/journal`) records the
//! move: the old and new tips and the tags that go with it. Then the branch
//! moves (the one atomic step), the tags follow, the work tree and index
//! follow, and the journal goes. A command that finds a journal finishes
//! the move if the branch moved, or drops it if the branch did not: as git
//! keeps `ORIG_HEAD` and jj its operation log, but for one step only.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid};

use crate::model::error::{Error, Result};
use crate::store::lock::{remove_durably, write_durably};
use crate::store::repo::Repo;

const JOURNAL: &str = "journal";

/// The `git` arguments that make a clone sparse as a large group's should
/// be (see the README): the charter, keys and reviews in the work tree,
/// the record of proposals only in git's objects, and git's sparse index,
/// so that an act costs the same at any length of history.
pub const SPARSE_CHECKOUT: [&str; 7] = [
    "sparse-checkout",
    "set",
    "--cone",
    "--sparse-index",
    "charter",
    "keys",
    "reviews",
];

/// A tag set to a commit (`Some`) or deleted (`None`).
pub type TagMove = (String, Option<Oid>);

/// One move of the branch, with the tags set (`Some`) or deleted (`None`)
/// along with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub old: Option<Oid>,
    pub new: Oid,
    /// The first line of what was done, for the reflog and for recovery.
    pub message: String,
    pub tags: Vec<TagMove>,
}

impl Move {
    pub fn new(old: Option<Oid>, new: Oid, message: &str) -> Self {
        Move {
            old,
            new,
            message: message.lines().next().unwrap_or("charter").to_string(),
            tags: Vec::new(),
        }
    }

    fn text(&self) -> String {
        let oid = |o: Option<Oid>| o.map_or_else(|| "-".to_string(), |o| o.to_string());
        let mut text = format!("old {}\nnew {}\n", oid(self.old), self.new);
        for (name, target) in &self.tags {
            text.push_str(&format!("tag {name} {}\n", oid(*target)));
        }
        text.push_str(&format!("message {}\n", self.message));
        text
    }

    fn parse(text: &str) -> Option<Move> {
        let oid = |s: &str| match s {
            "-" => Some(None),
            s => Oid::from_str(s).ok().map(Some),
        };
        let mut old = None;
        let mut new = None;
        let mut message = String::new();
        let mut tags = Vec::new();
        for line in text.lines() {
            let (key, value) = line.split_once(' ')?;
            match key {
                "old" => old = Some(oid(value)?),
                "new" => new = oid(value)?,
                "message" => message = value.to_string(),
                "tag" => {
                    let (name, target) = value.split_once(' ')?;
                    tags.push((name.to_string(), oid(target)?));
                }
                _ => return None,
            }
        }
        Some(Move {
            old: old?,
            new: new?,
            message,
            tags,
        })
    }
}

/// What a command found and did about a move a previous one left unfinished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The branch had moved: the tags, work tree and index were brought up
    /// to it.
    Completed { message: String },
    /// The branch had not moved: nothing was recorded.
    Undone { message: String },
    /// The branch has moved elsewhere since (by hand): the journal was
    /// dropped.
    Dropped { message: String },
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recovery::Completed { message } => write!(
                f,
                "an interrupted command had recorded '{message}'; its work tree update is now complete"
            ),
            Recovery::Undone { message } => write!(
                f,
                "an interrupted command ('{message}') had recorded nothing; its leftovers are removed"
            ),
            Recovery::Dropped { message } => write!(
                f,
                "an interrupted command ('{message}') was superseded: the branch has moved since"
            ),
        }
    }
}

impl Repo {
    /// Moves the branch from `mv.old` (refusing if it moved meanwhile) to
    /// `mv.new`, with its tags, then brings the work tree and index along.
    /// Local changes the move would overwrite are refused before anything
    /// changes.
    pub fn advance(&self, mv: &Move) -> Result<()> {
        let paths = self.changed_paths(mv.old, mv.new)?;
        self.refuse_local_changes(mv, &paths)?;
        let journal = self.state_dir().join(JOURNAL);
        std::fs::create_dir_all(self.state_dir()).map_err(|e| Error::io(self.state_dir(), e))?;
        write_durably(&journal, mv.text().as_bytes())?;
        if let Err(e) = self.move_branch(mv) {
            // The branch may have moved and only a later step failed (an
            // fsync, say): then the journal stays, for the next command.
            if self.ref_target(&self.branch_name()) != Some(mv.new) {
                remove_durably(&journal)?;
            }
            return Err(e);
        }
        self.finish(mv).map_err(|e| match e {
            Error::WorkTree(_) => e,
            e => Error::WorkTree(e.to_string()),
        })?;
        remove_durably(&journal)
    }

    /// Finishes or drops a move an interrupted command left in the
    /// journal. The caller holds the lock.
    pub fn recover(&self) -> Result<Option<Recovery>> {
        let journal = self.state_dir().join(JOURNAL);
        let text = match std::fs::read_to_string(&journal) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&journal, e)),
        };
        let Some(mv) = Move::parse(&text) else {
            remove_durably(&journal)?;
            return Ok(Some(Recovery::Dropped {
                message: "an unreadable journal".into(),
            }));
        };
        self.remove_stale_locks(&mv);
        let message = mv.message.clone();
        let tip = self.ref_target(&self.branch_name());
        let recovery = if tip == Some(mv.new) {
            self.finish(&mv)?;
            Recovery::Completed { message }
        } else if tip == mv.old {
            Recovery::Undone { message }
        } else {
            Recovery::Dropped { message }
        };
        remove_durably(&journal)?;
        Ok(Some(recovery))
    }

    /// Takes the lock and recovers, if a command was interrupted: what
    /// every command does first.
    pub fn recover_interrupted(&self) -> Result<Option<Recovery>> {
        if !self.state_dir().join(JOURNAL).exists() {
            return Ok(None);
        }
        let _lock = self.lock()?;
        self.recover()
    }

    fn move_branch(&self, mv: &Move) -> Result<()> {
        let git = self.git();
        let branch = self.branch_name();
        match mv.old {
            Some(old) => git.reference_matching(&branch, mv.new, true, old, &mv.message)?,
            None => git.reference(&branch, mv.new, false, &mv.message)?,
        };
        Ok(())
    }

    /// Tags, then the work tree and index: the steps after the branch moved,
    /// each safe to repeat.
    fn finish(&self, mv: &Move) -> Result<()> {
        for (name, target) in &mv.tags {
            let reference = format!("refs/tags/{name}");
            match target {
                Some(t) if self.ref_target(&reference) != Some(*t) => {
                    self.set_ref(&reference, *t, true, &mv.message)?
                }
                Some(_) => {}
                None => self.delete_ref(&reference),
            }
        }
        self.check_out(mv.old, mv.new)?;
        self.remove_linked_locks(mv)
    }

    /// libgit2 puts a lock file in place of a ref by `link` then `unlink`,
    /// and ignores a failed `unlink`: the lock left behind, the very file
    /// the ref now is, would block git's next write to that ref. Only such
    /// a lock is removed; another process's lock is another file.
    fn remove_linked_locks(&self, mv: &Move) -> Result<()> {
        let git = self.git().path();
        let mut refs = vec![self.branch_name(), "packed-refs".to_string()];
        refs.extend(mv.tags.iter().map(|(name, _)| format!("refs/tags/{name}")));
        for name in refs {
            let lock = git.join(format!("{name}.lock"));
            if same_file(&git.join(&name), &lock) {
                std::fs::remove_file(&lock).map_err(|e| Error::io(&lock, e))?;
            }
        }
        Ok(())
    }

    /// Brings the work tree and index from `old` to `new`, as `git checkout`
    /// would: stock git's two-tree `read-tree`, which honours a sparse
    /// checkout and git's sparse index (libgit2 reads neither; at federation
    /// scale a full index of 400,000 records costs a second an act). With
    /// `--reset` it overwrites the changed paths whatever they hold, so it
    /// also completes a copy a crash interrupted; local changes to those
    /// paths were refused before the branch moved. It never compares with
    /// HEAD, which has already moved.
    fn check_out(&self, old: Option<Oid>, new: Oid) -> Result<()> {
        if self.git().workdir().is_none() {
            return Ok(());
        }
        let (old, new) = (old.map(|o| o.to_string()), new.to_string());
        let mut args = vec!["-c", "core.fsync=index", "read-tree", "--reset", "-u"];
        args.extend(old.as_deref());
        args.push(&new);
        self.run_git(&args).map(drop).map_err(Error::WorkTree)
    }

    /// The paths that differ between the trees of `old` and `new`, in
    /// path order.
    fn changed_paths(&self, old: Option<Oid>, new: Oid) -> Result<Vec<PathBuf>> {
        let git = self.git();
        let old = old
            .map(|o| git.find_commit(o).map(|c| c.tree_id()))
            .transpose()?;
        self.paths_between(old, git.find_commit(new)?.tree_id())
    }

    /// The files that differ between trees `old` and `new`, on either
    /// side. Folders whose ids are equal are not opened, so the cost
    /// follows the change, not the size of the tree (a federation's has
    /// 400,000 files); a name that is not UTF-8 is left to libgit2's diff.
    fn paths_between(&self, old: Option<Oid>, new: Oid) -> Result<Vec<PathBuf>> {
        let changes = self.tree_changes(old, new, None)?;
        let mut paths = BTreeSet::new();
        if changes.iter().all(|c| c.path.is_some()) {
            paths.extend(
                changes
                    .into_iter()
                    .filter_map(|c| c.path.map(PathBuf::from)),
            );
            return Ok(paths.into_iter().collect());
        }
        let git = self.git();
        let old = old.map(|o| git.find_tree(o)).transpose()?;
        let diff = git.diff_tree_to_tree(old.as_ref(), Some(&git.find_tree(new)?), None)?;
        for delta in diff.deltas() {
            for file in [delta.old_file(), delta.new_file()] {
                if let Some(p) = file.path() {
                    paths.insert(p.to_path_buf());
                }
            }
        }
        Ok(paths.into_iter().collect())
    }

    /// Refuses a move that would overwrite a file (or a staged change) the
    /// user made by hand, as `git checkout` does: each path must be absent
    /// or hold what the old tip or the new one holds. A folder git's sparse
    /// index keeps as one entry is judged the same way, by its tree.
    fn refuse_local_changes(&self, mv: &Move, paths: &[PathBuf]) -> Result<()> {
        let git = self.git();
        let Some(workdir) = git.workdir() else {
            return Ok(());
        };
        let tree = |commit: Option<Oid>| -> Result<Option<git2::Tree<'_>>> {
            Ok(commit.map(|c| git.find_commit(c)?.tree()).transpose()?)
        };
        let trees = [tree(mv.old)?, tree(Some(mv.new))?];
        let allowed = |path: &Path, id: Option<Oid>| {
            id.is_none()
                || trees.iter().any(|t| {
                    t.as_ref()
                        .and_then(|t| t.get_path(path).ok())
                        .map(|e| e.id())
                        == id
                })
        };
        let mut changed = BTreeSet::new();
        for path in paths {
            let file = workdir.join(path);
            let on_disk = match std::fs::symlink_metadata(&file) {
                Ok(m) if m.is_file() => Some(Oid::hash_file(ObjectType::Blob, &file)?),
                Ok(_) => {
                    changed.insert(path.clone());
                    continue;
                }
                Err(_) => None,
            };
            if !allowed(path, on_disk) {
                changed.insert(path.clone());
            }
        }
        for (path, staged) in self.staged_changes(mv.old)? {
            let concerned = paths.iter().any(|p| p.starts_with(&path));
            if concerned && !allowed(&path, staged) {
                changed.insert(path);
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        Err(Error::LocalChanges {
            paths: changed.iter().map(|p| p.display().to_string()).collect(),
        })
    }

    /// What the index holds that differs from commit `old`: each path (a
    /// file, or a folder a sparse index keeps whole) with its staged id,
    /// `None` where the index lacks it. Asked of stock git, which reads a
    /// sparse index without expanding it.
    fn staged_changes(&self, old: Option<Oid>) -> Result<Vec<(PathBuf, Option<Oid>)>> {
        let Some(old) = old else {
            return Ok(Vec::new());
        };
        let old = old.to_string();
        let args = [
            "diff-index",
            "--cached",
            "--raw",
            "-z",
            "--no-renames",
            "--no-abbrev",
            &old,
        ];
        let out = self.run_git(&args).map_err(Error::Internal)?;
        parse_raw_diff(&out)
            .ok_or_else(|| Error::Internal(format!("git diff-index printed {out:?}")))
    }

    /// Lock files a process killed mid-write leaves behind. Only called
    /// with the clone's lock held and a journal found, so they are ours.
    fn remove_stale_locks(&self, mv: &Move) {
        let git = self.git().path();
        let mut stale = vec![
            git.join("index.lock"),
            git.join("packed-refs.lock"),
            git.join(format!("{}.lock", self.branch_name())),
        ];
        for (name, _) in &mv.tags {
            stale.push(git.join(format!("refs/tags/{name}.lock")));
        }
        for path in stale {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether `a` and `b` are names of one file.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Reads `git diff-index --raw -z`: a `:modes ids status` field, then the
/// path, for each change. Gives each path with its new id (`None` when
/// the all-zero id says it is gone).
fn parse_raw_diff(out: &str) -> Option<Vec<(PathBuf, Option<Oid>)>> {
    let mut fields = out.split('\0').filter(|f| !f.is_empty());
    let mut changes = Vec::new();
    while let Some(meta) = fields.next() {
        let id = Oid::from_str(meta.strip_prefix(':')?.split(' ').nth(3)?).ok()?;
        let path = PathBuf::from(fields.next()?);
        changes.push((path, (!id.is_zero()).then_some(id)));
    }
    Some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paths_found_by_ids_are_those_a_full_diff_finds() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let tree = |files: &[(&str, &str)]| {
            let mut edits = crate::store::repo::Edits::default();
            for (path, text) in files {
                edits.put(*path, *text);
            }
            repo.write_tree(None, &edits).unwrap()
        };
        let old = tree(&[
            ("a", "1"),
            ("d/x", "2"),
            ("d/y", "3"),
            ("e/z", "4"),
            ("f", "5"),
        ]);
        let new = tree(&[
            ("a", "changed"),
            ("d/x", "2"),
            ("d/y", "3"),
            ("f/g", "6"),
            ("n/m/o", "7"),
        ]);
        let git = repo.git();
        for (a, b) in [(Some(old), new), (Some(new), old), (None, new)] {
            let by_ids: BTreeSet<PathBuf> = repo.paths_between(a, b).unwrap().into_iter().collect();
            let a = a.map(|t| git.find_tree(t).unwrap());
            let diff = git
                .diff_tree_to_tree(a.as_ref(), Some(&git.find_tree(b).unwrap()), None)
                .unwrap();
            let full: BTreeSet<PathBuf> = diff
                .deltas()
                .flat_map(|d| [d.old_file().path(), d.new_file().path()])
                .flatten()
                .map(Path::to_path_buf)
                .collect();
            assert_eq!(by_ids, full);
        }
        assert!(repo.paths_between(Some(new), new).unwrap().is_empty());
    }

    #[test]
    fn a_lock_left_linked_to_its_ref_is_removed_and_another_kept() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let mut edits = crate::store::repo::Edits::default();
        edits.put("a", "1");
        let tree = repo.write_tree(None, &edits).unwrap();
        let git = repo.git();
        let sig = git2::Signature::now("t", "t@example.org").unwrap();
        let tree = git.find_tree(tree).unwrap();
        let commit = git.commit(None, &sig, &sig, "c", &tree, &[]).unwrap();
        let mut mv = Move::new(None, commit, "c");
        mv.tags = vec![("charter-2026".into(), Some(commit))];
        repo.advance(&mv).unwrap();
        let tags = git.path().join("refs/tags");
        // What a failed unlink after libgit2's link leaves: the ref's own file.
        let linked = tags.join("charter-2026.lock");
        std::fs::hard_link(tags.join("charter-2026"), &linked).unwrap();
        // Control: a lock another process holds is a file of its own.
        let branch = git.path().join(format!("{}.lock", repo.branch_name()));
        std::fs::write(&branch, "another process's\n").unwrap();
        repo.remove_linked_locks(&mv).unwrap();
        assert!(!linked.exists());
        assert!(tags.join("charter-2026").exists());
        assert!(branch.exists());
    }

    #[test]
    fn a_raw_diff_gives_each_path_its_staged_id() {
        let id = "8e953e84d803f13fd06416a1bd8161dcd93cfd00";
        let zero = "0000000000000000000000000000000000000000";
        let out = format!(
            ":000000 100644 {zero} {id} A\0charter/a b.md\0\
             :040000 040000 {id} {id} M\0proposals\0:100644 000000 {id} {zero} D\0keys/x\0"
        );
        let id = Oid::from_str(id).ok();
        assert_eq!(
            parse_raw_diff(&out),
            Some(vec![
                (PathBuf::from("charter/a b.md"), id),
                (PathBuf::from("proposals"), id),
                (PathBuf::from("keys/x"), None),
            ])
        );
        assert_eq!(parse_raw_diff(""), Some(Vec::new()));
        assert_eq!(parse_raw_diff(":100644 100644 x y M\0a\0"), None);
        assert_eq!(
            parse_raw_diff(&format!(":000000 100644 {zero} {zero} A\0")),
            None
        );
    }

    #[test]
    fn a_journal_reads_back_as_written() {
        let a = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let b = Oid::from_str("2222222222222222222222222222222222222222").unwrap();
        let mut mv = Move::new(Some(a), b, "finalize 2026-001-x: a title\n\nbody");
        mv.tags = vec![
            ("charter-2026".into(), Some(b)),
            ("charter-2025".into(), None),
        ];
        assert_eq!(Move::parse(&mv.text()), Some(mv.clone()));
        let first = Move::new(None, b, "init");
        assert_eq!(Move::parse(&first.text()), Some(first));
        assert_eq!(Move::parse("old -\nnew nonsense\n"), None);
        assert_eq!(Move::parse(""), None);
    }
}
