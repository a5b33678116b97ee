//! Writes the planned history as git objects: the acts' signatures and
//! their blobs are made on every core, then trees and signed commits one
//! after another (each commit names its parent's id), all into one pack.
//! Commits are signed with the library's `commit_signature`, and their text
//! is laid out as libgit2 lays out the commits `charter` writes.

use std::collections::BTreeMap;

use charter::store::repo::commit_signature;

use crate::keys::Keys;
use crate::ledger::{Commit, Content, Res, Unsigned};
use crate::pack::{pack_whole, Id, Kind, PackWriter, Packed, Written};
use crate::tree::hex;

/// A folder as git stores it. Entries are keyed as git sorts them (a
/// folder's name followed by '/'), so the map's order is the tree's.
#[derive(Default)]
struct Dir {
    entries: BTreeMap<String, Node>,
    /// Its id, unless changed since it was last written.
    id: Option<Id>,
    /// Its last written version, to store the next one as a delta.
    last: Option<(Vec<u8>, Written)>,
}

enum Node {
    Blob(Id),
    Dir(Dir),
}

impl Dir {
    fn put(&mut self, path: &str, blob: Id) {
        self.id = None;
        match path.split_once('/') {
            None => {
                self.entries.insert(path.to_string(), Node::Blob(blob));
            }
            Some((first, rest)) => {
                let node = self
                    .entries
                    .entry(format!("{first}/"))
                    .or_insert_with(|| Node::Dir(Dir::default()));
                if let Node::Dir(d) = node {
                    d.put(rest, blob);
                }
            }
        }
    }

    fn delete(&mut self, path: &str) {
        self.id = None;
        match path.split_once('/') {
            None => {
                self.entries.remove(path);
            }
            Some((first, rest)) => {
                let key = format!("{first}/");
                if let Some(Node::Dir(d)) = self.entries.get_mut(&key) {
                    d.delete(rest);
                    if d.entries.is_empty() {
                        self.entries.remove(&key);
                    }
                }
            }
        }
    }

    /// Writes this folder and every changed one under it; returns its id.
    fn write(&mut self, pack: &mut PackWriter) -> std::io::Result<Id> {
        if let Some(id) = self.id {
            return Ok(id);
        }
        let mut bytes = Vec::with_capacity(self.entries.len() * 48);
        for (key, node) in self.entries.iter_mut() {
            let (mode, name, id): (&[u8], &str, Id) = match node {
                Node::Blob(id) => (b"100644", key.as_str(), *id),
                Node::Dir(d) => (b"40000", key.trim_end_matches('/'), d.write(pack)?),
            };
            bytes.extend(mode);
            bytes.push(b' ');
            bytes.extend(name.as_bytes());
            bytes.push(0);
            bytes.extend(id);
        }
        let base = self.last.as_ref().map(|(b, w)| (b.as_slice(), *w));
        let (id, written) = pack.add_object(Kind::Tree, &bytes, base)?;
        if let Some(w) = written {
            self.last = Some((bytes, w));
        }
        self.id = Some(id);
        Ok(id)
    }
}

/// The genesis tree, read back with git2 (the genesis is written by the
/// library's own `init`).
fn read_tree(repo: &git2::Repository, tree: &git2::Tree<'_>) -> Res<Dir> {
    let mut dir = Dir::default();
    for e in tree.iter() {
        let name = e.name().ok_or("genesis: a name is not UTF-8")?;
        let id = oid_bytes(e.id())?;
        if e.kind() == Some(git2::ObjectType::Tree) {
            let sub = read_tree(repo, &repo.find_tree(e.id())?)?;
            dir.entries.insert(format!("{name}/"), Node::Dir(sub));
        } else {
            dir.entries.insert(name.to_string(), Node::Blob(id));
        }
    }
    dir.id = Some(oid_bytes(tree.id())?);
    Ok(dir)
}

fn oid_bytes(oid: git2::Oid) -> Res<Id> {
    Ok(oid.as_bytes().try_into()?)
}

/// Every act's signature (SSHSIG over its canonical message, by the
/// library's key) and its two blobs packed, on all cores.
pub fn sign_acts(acts: &[Unsigned], keys: &Keys) -> Res<Vec<(Packed, Packed)>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = acts.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = acts
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || -> Result<Vec<(Packed, Packed)>, String> {
                    part.iter()
                        .map(|a| {
                            let sig = keys
                                .get(a.key)
                                .sign(charter::model::record::NAMESPACE, a.text.as_bytes())
                                .map_err(|e| e.to_string())?;
                            Ok((
                                pack_whole(Kind::Blob, a.text.as_bytes()),
                                pack_whole(Kind::Blob, sig.as_bytes()),
                            ))
                        })
                        .collect()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(acts.len());
        for h in handles {
            out.extend(h.join().map_err(|_| "a signing thread failed")??);
        }
        Ok(out)
    })
}

/// What was written: the tip, and each review tag's commit.
pub struct Output {
    pub tip: git2::Oid,
    pub tags: Vec<(String, git2::Oid)>,
    pub pack: std::path::PathBuf,
}

/// Writes every planned commit on top of `genesis` into one pack in the
/// repository at `git_dir`.
pub fn write(
    repo: &git2::Repository,
    genesis: git2::Oid,
    commits: &[Commit],
    signed: &[(Packed, Packed)],
    keys: &Keys,
) -> Res<Output> {
    let pack_dir = repo.path().join("objects/pack");
    let mut pack = PackWriter::create(&pack_dir)?;
    let mut root = read_tree(repo, &repo.find_commit(genesis)?.tree()?)?;
    let mut parent = oid_bytes(genesis)?;
    let mut tags = Vec::new();
    for c in commits {
        for (path, content) in &c.edits {
            let id = match content {
                Content::Text(text) => {
                    let packed = pack_whole(Kind::Blob, text.as_bytes());
                    pack.add(&packed)?;
                    packed.id
                }
                Content::Sig(n) => {
                    let (msg, sig) = &signed[*n];
                    pack.add(msg)?;
                    pack.add(sig)?;
                    sig.id
                }
            };
            root.put(path, id);
        }
        for path in &c.deletes {
            root.delete(path);
        }
        let tree = root.write(&mut pack)?;
        let who = format!("{} <{}> {} +0000", c.name, c.email, c.date);
        let unsigned = format!(
            "tree {}\nparent {}\nauthor {who}\ncommitter {who}\n\n{}",
            hex(&tree),
            hex(&parent),
            c.message
        );
        let signature = commit_signature(&unsigned, keys.get(c.key))?;
        let bytes = with_signature(&unsigned, &signature);
        let (id, _) = pack.add_object(Kind::Commit, bytes.as_bytes(), None)?;
        parent = id;
        if let Some(tag) = &c.tag {
            tags.push((tag.clone(), git2::Oid::from_bytes(&id)?));
        }
    }
    let pack = pack.finish(&pack_dir)?;
    Ok(Output {
        tip: git2::Oid::from_bytes(&parent)?,
        tags,
        pack,
    })
}

/// The signed commit as libgit2's `commit_signed` makes it: a `gpgsig`
/// header after the committer, each line of the signature after the first
/// indented by one space, the signature's own last newline included.
fn with_signature(unsigned: &str, signature: &str) -> String {
    let (headers, message) = unsigned.split_once("\n\n").unwrap_or((unsigned, ""));
    format!(
        "{headers}\ngpgsig {}\n\n{message}",
        signature.replace('\n', "\n ")
    )
}
