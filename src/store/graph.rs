//! Questions about the commit graph and tree differences, answered for the
//! layers above without handing them git's types: `verify` walks and
//! compares, `history` finds decisions and versions, `sync` replays.

use std::path::Path;

use git2::{ObjectType, Oid, Sort};

use crate::model::error::Result;
use crate::store::repo::Repo;
use crate::store::snapshot::Entry;

/// What a commit is made of.
pub struct CommitInfo {
    pub id: Oid,
    pub tree: Oid,
    pub parents: Vec<Oid>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    /// `None` when not UTF-8.
    pub message: Option<String>,
}

/// A commit as a step of a first-parent line: what `history`'s index of
/// decisions reads of each commit, and nothing more.
pub struct Link {
    pub tree: Oid,
    pub parent: Option<Oid>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// How a path differs between two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Deleted,
    Modified,
    /// A file became a link or a submodule, or the reverse (a file that
    /// becomes a folder is a deletion and additions, as in git).
    Other,
}

pub struct TreeChange {
    /// `None` when the path is not UTF-8.
    pub path: Option<String>,
    pub status: Status,
    /// The content after the change (before it, for a deletion).
    pub id: Oid,
}

impl Repo {
    pub fn commit_info(&self, id: Oid) -> Result<CommitInfo> {
        let c = self.git().find_commit(id)?;
        let author = c.author();
        Ok(CommitInfo {
            id,
            tree: c.tree_id(),
            parents: c.parent_ids().collect(),
            time: c.time().seconds(),
            author_name: author.name().map(String::from),
            author_email: author.email().map(String::from),
            message: c.message().map(String::from),
        })
    }

    /// The tree, first parent and time of commit `id`.
    pub fn link(&self, id: Oid) -> Result<Link> {
        let c = self.git().find_commit(id)?;
        Ok(Link {
            tree: c.tree_id(),
            parent: c.parent_ids().next(),
            time: c.time().seconds(),
        })
    }

    /// The entries of tree `tree`, as they are: unlike a snapshot's
    /// listing, links and submodules are listed (not refused), so that a
    /// walk over history can step over what a reader would refuse. Names
    /// that are not UTF-8 are left out.
    pub fn tree_entries(&self, tree: Oid) -> Result<Vec<Entry>> {
        let tree = self.git().find_tree(tree)?;
        Ok(tree
            .iter()
            .filter_map(|e| {
                Some(Entry {
                    name: e.name()?.to_string(),
                    is_dir: e.kind() == Some(ObjectType::Tree),
                    id: e.id(),
                })
            })
            .collect())
    }

    /// Is `commit` `tip` or one of its ancestors?
    pub fn holds(&self, tip: Oid, commit: Oid) -> bool {
        commit == tip || self.git().graph_descendant_of(tip, commit).unwrap_or(false)
    }

    /// The id of the entry at `path` in tree `tree`, if any.
    pub fn entry_id(&self, tree: Oid, path: &str) -> Result<Option<Oid>> {
        let tree = self.git().find_tree(tree)?;
        Ok(tree.get_path(Path::new(path)).ok().map(|e| e.id()))
    }

    /// The commits of `tip` not in `hide`, parents before children.
    pub fn commits_oldest_first(&self, tip: Oid, hide: Option<Oid>) -> Result<Vec<Oid>> {
        let mut walk = self.git().revwalk()?;
        walk.push(tip)?;
        if let Some(h) = hide {
            walk.hide(h)?;
        }
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        Ok(walk.collect::<std::result::Result<_, _>>()?)
    }

    /// The names of the tags matching a glob (`charter-*`).
    pub fn tag_names(&self, glob: &str) -> Result<Vec<String>> {
        let names = self.git().tag_names(Some(glob))?;
        Ok(names.iter().flatten().map(String::from).collect())
    }

    /// The commit a tag points to.
    pub fn tag_commit(&self, name: &str) -> Result<Oid> {
        Ok(self
            .git()
            .revparse_single(&format!("refs/tags/{name}"))?
            .peel_to_commit()?
            .id())
    }

    /// The commit a revision (`HEAD~2`, an id, a tag) names, if any.
    pub fn revparse_commit(&self, spec: &str) -> Option<Oid> {
        self.git()
            .revparse_single(spec)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .ok()
    }

    /// The commit a reference points to, if it exists.
    pub fn ref_target(&self, name: &str) -> Option<Oid> {
        self.git().refname_to_id(name).ok()
    }

    /// Points reference `name` at `target`; `force` moves an existing one.
    pub fn set_ref(&self, name: &str, target: Oid, force: bool, log: &str) -> Result<()> {
        self.git().reference(name, target, force, log)?;
        Ok(())
    }

    /// Deletes reference `name` if it exists.
    pub fn delete_ref(&self, name: &str) {
        let _ = self.git().find_reference(name).and_then(|mut r| r.delete());
    }

    /// The full names of the references matching a glob.
    pub fn refs_matching(&self, glob: &str) -> Result<Vec<String>> {
        Ok(self
            .git()
            .references_glob(glob)?
            .filter_map(|r| r.ok().and_then(|r| r.name().map(str::to_string)))
            .collect())
    }

    /// Does a tag of that name exist?
    pub fn has_tag(&self, name: &str) -> bool {
        self.git()
            .find_reference(&format!("refs/tags/{name}"))
            .is_ok()
    }

    /// Tags `commit` as `name` (lightweight), refusing to move a tag.
    pub fn tag(&self, name: &str, commit: Oid) -> Result<()> {
        let object = self.git().find_object(commit, None)?;
        self.git().tag_lightweight(name, &object, false)?;
        Ok(())
    }
}
