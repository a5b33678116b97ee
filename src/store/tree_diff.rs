//! Tree differences by comparing entry ids: a subtree whose id is the same
//! on both sides is never opened, so the cost of one commit's difference is
//! the size of the folders it changed, not of the whole tree (as git's own
//! tree diff prunes). A history of 200,000 records adds one or two files a
//! commit; a libgit2 diff of the whole tree grew with every record.

use std::cmp::Ordering;

use git2::{FileMode, Oid, Tree, TreeEntry};

use crate::model::error::Result;
use crate::store::graph::{Status, TreeChange};
use crate::store::repo::Repo;

/// One entry of a tree, as much as a difference needs.
#[derive(Clone)]
struct Entry {
    id: Oid,
    mode: i32,
}

impl Entry {
    fn is_tree(&self) -> bool {
        self.mode == i32::from(FileMode::Tree)
    }

    /// Blob, executable, link and submodule differ in kind; the two blob
    /// modes differ only in mode.
    fn kind(&self) -> i32 {
        if self.mode == i32::from(FileMode::BlobExecutable) {
            i32::from(FileMode::Blob)
        } else {
            self.mode
        }
    }
}

impl Repo {
    /// The differences from tree `old` (or nothing) to tree `new`, limited
    /// to paths under the folder `under` when given. A file that becomes a
    /// link or a folder, or the reverse, is one change of status `Other`.
    pub fn tree_changes(
        &self,
        old: Option<Oid>,
        new: Oid,
        under: Option<&str>,
    ) -> Result<Vec<TreeChange>> {
        let mut out = Vec::new();
        let (old, new) = match under {
            None => (old.map(root_entry), Some(root_entry(new))),
            Some(dir) => (
                match old {
                    Some(t) => self.entry_at(t, dir)?,
                    None => None,
                },
                self.entry_at(new, dir)?,
            ),
        };
        let prefix = under.map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        self.compare(&prefix, old.as_ref(), new.as_ref(), &mut out)?;
        Ok(out)
    }

    /// The entry at `path` in tree `tree`, named by `path`'s last part.
    fn entry_at(&self, tree: Oid, path: &str) -> Result<Option<Entry>> {
        let tree = self.git().find_tree(tree)?;
        Ok(tree
            .get_path(std::path::Path::new(path))
            .ok()
            .map(|e| entry(&e)))
    }

    /// Appends the changes between two entries at `path` (empty: the root).
    fn compare(
        &self,
        path: &[u8],
        old: Option<&Entry>,
        new: Option<&Entry>,
        out: &mut Vec<TreeChange>,
    ) -> Result<()> {
        match (old, new) {
            (None, None) => Ok(()),
            (Some(o), Some(n)) if o.id == n.id && o.mode == n.mode => Ok(()),
            (Some(o), Some(n)) if o.is_tree() && n.is_tree() => {
                let (old, new) = (self.tree(o.id)?, self.tree(n.id)?);
                self.compare_lists(path, Some(&old), Some(&new), out)
            }
            // In git's order the file comes before the folder's contents.
            (Some(o), Some(n)) if o.is_tree() => {
                self.compare(path, None, Some(n), out)?;
                self.compare(path, Some(o), None, out)
            }
            (Some(o), Some(n)) if n.is_tree() => {
                self.compare(path, Some(o), None, out)?;
                self.compare(path, None, Some(n), out)
            }
            (Some(o), Some(n)) if o.kind() != n.kind() => {
                out.push(change(path, Status::Other, n.id));
                Ok(())
            }
            (Some(_), Some(n)) => {
                out.push(change(path, Status::Modified, n.id));
                Ok(())
            }
            (Some(o), None) if o.is_tree() => {
                let old = self.tree(o.id)?;
                self.compare_lists(path, Some(&old), None, out)
            }
            (None, Some(n)) if n.is_tree() => {
                let new = self.tree(n.id)?;
                self.compare_lists(path, None, Some(&new), out)
            }
            (Some(o), None) => {
                out.push(change(path, Status::Deleted, o.id));
                Ok(())
            }
            (None, Some(n)) => {
                out.push(change(path, Status::Added, n.id));
                Ok(())
            }
        }
    }

    /// Two folders' entries, matched by name. Both are in git's order (a
    /// folder sorts as `name/`), so one merge pass pairs them; a file and a
    /// folder of one name stay apart, as a deletion and additions, as git
    /// reports them. Entries the same on both sides are passed over as
    /// they stand in the tree, unread.
    fn compare_lists(
        &self,
        path: &[u8],
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
        out: &mut Vec<TreeChange>,
    ) -> Result<()> {
        let (mut i, mut j) = (0, 0);
        loop {
            let o = old.and_then(|t| t.get(i));
            let n = new.and_then(|t| t.get(j));
            let (o, n) = match (o, n) {
                (None, None) => return Ok(()),
                (Some(o), Some(n)) => match git_order(&o, &n) {
                    Ordering::Less => (Some(o), None),
                    Ordering::Greater => (None, Some(n)),
                    Ordering::Equal if o.id() == n.id() && o.filemode() == n.filemode() => {
                        i += 1;
                        j += 1;
                        continue;
                    }
                    Ordering::Equal => (Some(o), Some(n)),
                },
                (o, n) => (o, n),
            };
            i += usize::from(o.is_some());
            j += usize::from(n.is_some());
            let name = o
                .as_ref()
                .or(n.as_ref())
                .map(|e| e.name_bytes())
                .unwrap_or_default();
            let child = join(path, name);
            let (o, n) = (o.map(|e| entry(&e)), n.map(|e| entry(&e)));
            self.compare(&child, o.as_ref(), n.as_ref(), out)?;
        }
    }

    fn tree(&self, id: Oid) -> Result<Tree<'_>> {
        Ok(self.git().find_tree(id)?)
    }
}

fn entry(e: &TreeEntry<'_>) -> Entry {
    Entry {
        id: e.id(),
        mode: e.filemode(),
    }
}

fn root_entry(tree: Oid) -> Entry {
    Entry {
        id: tree,
        mode: i32::from(FileMode::Tree),
    }
}

/// git's order of entries in a tree: by name, a folder as if `name/`.
fn git_order(a: &TreeEntry<'_>, b: &TreeEntry<'_>) -> Ordering {
    let (x, y) = (a.name_bytes(), b.name_bytes());
    let n = x.len().min(y.len());
    // The byte after the common part: a folder's name ends with `/`.
    let next = |name: &[u8], e: &TreeEntry<'_>| {
        name.get(n)
            .copied()
            .or((e.filemode() == i32::from(FileMode::Tree)).then_some(b'/'))
    };
    x[..n]
        .cmp(&y[..n])
        .then_with(|| next(x, a).cmp(&next(y, b)))
}

fn join(path: &[u8], name: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return name.to_vec();
    }
    let mut p = Vec::with_capacity(path.len() + 1 + name.len());
    p.extend_from_slice(path);
    p.push(b'/');
    p.extend_from_slice(name);
    p
}

fn change(path: &[u8], status: Status, id: Oid) -> TreeChange {
    TreeChange {
        path: std::str::from_utf8(path).ok().map(String::from),
        status,
        id,
    }
}

#[cfg(test)]
mod tests {
    use git2::{DiffOptions, Repository};

    use super::*;

    /// A tree of `(path, mode, content)` files.
    fn tree(git: &Repository, files: &[(&str, FileMode, &str)]) -> Oid {
        fn build(git: &Repository, files: &[(Vec<&str>, FileMode, &str)]) -> Oid {
            let mut b = git.treebuilder(None).unwrap();
            let mut dirs: Vec<&str> = Vec::new();
            for (parts, mode, content) in files {
                if parts.len() == 1 {
                    let id = git.blob(content.as_bytes()).unwrap();
                    b.insert(parts[0], id, i32::from(*mode)).unwrap();
                } else if !dirs.contains(&parts[0]) {
                    dirs.push(parts[0]);
                }
            }
            for dir in dirs {
                let inner: Vec<_> = files
                    .iter()
                    .filter(|(p, _, _)| p.len() > 1 && p[0] == dir)
                    .map(|(p, m, c)| (p[1..].to_vec(), *m, *c))
                    .collect();
                b.insert(dir, build(git, &inner), i32::from(FileMode::Tree))
                    .unwrap();
            }
            b.write().unwrap()
        }
        let split: Vec<_> = files
            .iter()
            .map(|(p, m, c)| (p.split('/').collect(), *m, *c))
            .collect();
        build(git, &split)
    }

    /// What libgit2's own tree diff reports, as (path, status, id).
    fn libgit2(git: &Repository, old: Oid, new: Oid, under: Option<&str>) -> Vec<String> {
        let (old, new) = (git.find_tree(old).unwrap(), git.find_tree(new).unwrap());
        let mut opts = DiffOptions::new();
        opts.include_typechange(true);
        if let Some(dir) = under {
            opts.pathspec(dir);
        }
        let diff = git
            .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))
            .unwrap();
        diff.deltas()
            .map(|d| {
                let (status, file) = match d.status() {
                    git2::Delta::Added => (Status::Added, d.new_file()),
                    git2::Delta::Deleted => (Status::Deleted, d.old_file()),
                    git2::Delta::Modified => (Status::Modified, d.new_file()),
                    _ => (Status::Other, d.new_file()),
                };
                let path = file.path().unwrap().to_str().unwrap();
                format!("{path} {status:?} {}", file.id())
            })
            .collect()
    }

    fn ours(repo: &Repo, old: Oid, new: Oid, under: Option<&str>) -> Vec<String> {
        repo.tree_changes(Some(old), new, under)
            .unwrap()
            .into_iter()
            .map(|c| format!("{} {:?} {}", c.path.unwrap(), c.status, c.id))
            .collect()
    }

    #[test]
    fn pruned_differences_are_libgit2s() {
        use FileMode::{Blob, BlobExecutable, Link};
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let git = repo.git();
        let base = [
            ("governance.toml", Blob, "g"),
            ("charter/en.md", Blob, "en"),
            ("charter/fr.md", Blob, "fr"),
            ("a", Blob, "a"),
            ("a.b", Blob, "ab"),
            ("proposals/2026/x/proposal.toml", Blob, "p"),
            ("proposals/2026/x/signatures/uk.propose.msg", Blob, "m"),
            ("proposals/2026/y/proposal.toml", Blob, "q"),
        ];
        let variants: Vec<Vec<(&str, FileMode, &str)>> = vec![
            // A record added deep down, beside unchanged folders.
            [
                &base[..],
                &[("proposals/2026/x/signatures/ee.second.msg", Blob, "s")],
            ]
            .concat(),
            // Modified, deleted, a mode change and a link.
            vec![
                ("governance.toml", BlobExecutable, "g"),
                ("charter/en.md", Blob, "EN"),
                ("a", Link, "a"),
                ("a.b", Blob, "ab"),
                ("proposals/2026/y/proposal.toml", Blob, "q"),
            ],
            // A file becomes a folder and a folder a file.
            vec![
                ("governance.toml", Blob, "g"),
                ("charter", Blob, "flat"),
                ("a/inner", Blob, "a"),
                ("a.b", Blob, "ab"),
                ("proposals/2026/x/proposal.toml", Blob, "p"),
                ("proposals/2027/z/proposal.toml", Blob, "z"),
            ],
            base.to_vec(),
        ];
        let old = tree(git, &base);
        for files in &variants {
            let new = tree(git, files);
            for (a, b) in [(old, new), (new, old)] {
                for under in [None, Some("proposals"), Some("charter")] {
                    assert_eq!(
                        ours(&repo, a, b, under),
                        libgit2(git, a, b, under),
                        "{files:?} under {under:?}"
                    );
                }
            }
        }
        // Nothing before: every file is added.
        let added = repo.tree_changes(None, old, None).unwrap();
        assert_eq!(added.len(), base.len());
        assert!(added.iter().all(|c| c.status == Status::Added));
    }
}
