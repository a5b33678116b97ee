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
        self.finish(mv, &paths)
            .map_err(|e| Error::WorkTree(e.to_string()))?;
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
            let paths = self.changed_paths(mv.old, mv.new)?;
            self.finish(&mv, &paths)?;
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
    fn finish(&self, mv: &Move, paths: &[PathBuf]) -> Result<()> {
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
        self.check_out(mv.new, paths)
    }

    /// Writes `paths` of `commit` into the work tree and index (deleting
    /// those it lacks). Only the paths the move changed: the rest of the
    /// work tree is the user's. Done by hand rather than by libgit2's
    /// checkout, which compares with HEAD — already moved, so after a crash
    /// it would judge half-written paths done.
    fn check_out(&self, commit: Oid, paths: &[PathBuf]) -> Result<()> {
        let git = self.git();
        let Some(workdir) = git.workdir() else {
            return Ok(());
        };
        if paths.is_empty() {
            return Ok(());
        }
        let tree = git.find_commit(commit)?.tree()?;
        let mut index = git.index()?;
        for path in paths {
            let file = workdir.join(path);
            match tree.get_path(path) {
                Ok(entry) => {
                    let on_disk = std::fs::symlink_metadata(&file)
                        .ok()
                        .filter(|m| m.is_file())
                        .and_then(|_| Oid::hash_file(ObjectType::Blob, &file).ok());
                    if on_disk != Some(entry.id()) {
                        let blob = git.find_blob(entry.id())?;
                        if let Some(dir) = file.parent() {
                            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                        }
                        if std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_dir()) {
                            std::fs::remove_dir_all(&file).map_err(|e| Error::io(&file, e))?;
                        }
                        std::fs::write(&file, blob.content()).map_err(|e| Error::io(&file, e))?;
                    }
                    index.add_path(path)?;
                }
                Err(_) => {
                    match std::fs::remove_file(&file) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            return Err(Error::io(&file, e))
                        }
                        _ => {}
                    }
                    remove_empty_parents(workdir, &file);
                    if index.get_path(path, 0).is_some() {
                        index.remove_path(path)?;
                    }
                }
            }
        }
        index.write()?;
        Ok(())
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
    /// or hold what the old tip or the new one holds.
    fn refuse_local_changes(&self, mv: &Move, paths: &[PathBuf]) -> Result<()> {
        let git = self.git();
        let Some(workdir) = git.workdir() else {
            return Ok(());
        };
        let blob = |commit: Option<Oid>, path: &Path| -> Result<Option<Oid>> {
            let Some(c) = commit else { return Ok(None) };
            let tree = git.find_commit(c)?.tree()?;
            Ok(tree.get_path(path).ok().map(|e| e.id()))
        };
        let index = git.index()?;
        let mut changed = Vec::new();
        for path in paths {
            let allowed = [blob(mv.old, path)?, blob(Some(mv.new), path)?];
            let file = workdir.join(path);
            let on_disk = match std::fs::symlink_metadata(&file) {
                Ok(m) if m.is_file() => Some(Oid::hash_file(ObjectType::Blob, &file)?),
                Ok(_) => {
                    changed.push(path.display().to_string());
                    continue;
                }
                Err(_) => None,
            };
            let staged = index.get_path(path, 0).map(|e| e.id);
            let fine = |id: Option<Oid>| id.is_none() || allowed.contains(&id);
            if !fine(on_disk) || !fine(staged) {
                changed.push(path.display().to_string());
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        Err(Error::LocalChanges { paths: changed })
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

/// Removes the folders above `file` that are left empty, up to `top`, as
/// git does when it deletes a file.
fn remove_empty_parents(top: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| *d != top && d.starts_with(top)) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
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
