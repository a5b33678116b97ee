//! Rewriting `main` with plain git: a `git fast-export` stream, parsed,
//! edited and `git fast-import`ed.

use std::collections::BTreeSet;

use super::support::{git, git_ok, git_stdin, head};
use crate::common::*;

/// One commit of a `git fast-export` stream.
#[derive(Debug, Clone)]
pub(crate) struct Exported {
    refname: String,
    mark: String,
    original: String,
    headers: Vec<String>,
    message: Vec<u8>,
    from: Option<String>,
    merges: Vec<String>,
    files: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Item {
    Commit(Exported),
    Line(String),
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek_line(&self) -> Option<String> {
        if self.pos >= self.b.len() {
            return None;
        }
        let end = self.b[self.pos..]
            .iter()
            .position(|c| *c == b'\n')
            .map_or(self.b.len(), |i| self.pos + i);
        Some(String::from_utf8_lossy(&self.b[self.pos..end]).to_string())
    }

    fn line(&mut self) -> Option<String> {
        let l = self.peek_line()?;
        self.pos = (self.pos + l.len() + 1).min(self.b.len());
        Some(l)
    }
}

/// A `git fast-export --no-data --show-original-ids` stream, parsed.
fn parse_export(b: &[u8]) -> Vec<Item> {
    let mut cur = Cursor { b, pos: 0 };
    let mut items = Vec::new();
    while let Some(line) = cur.line() {
        let Some(refname) = line.strip_prefix("commit ") else {
            items.push(Item::Line(line));
            continue;
        };
        let mut c = Exported {
            refname: refname.to_string(),
            mark: String::new(),
            original: String::new(),
            headers: Vec::new(),
            message: Vec::new(),
            from: None,
            merges: Vec::new(),
            files: Vec::new(),
        };
        while let Some(l) = cur.line() {
            if let Some(n) = l.strip_prefix("data ") {
                let n: usize = n.parse().expect("data length");
                c.message = cur.b[cur.pos..cur.pos + n].to_vec();
                cur.pos += n;
                if !c.message.ends_with(b"\n") && cur.b.get(cur.pos) == Some(&b'\n') {
                    cur.pos += 1;
                }
                break;
            } else if let Some(m) = l.strip_prefix("mark ") {
                c.mark = m.to_string();
            } else if let Some(o) = l.strip_prefix("original-oid ") {
                c.original = o.to_string();
            } else {
                c.headers.push(l);
            }
        }
        while let Some(l) = cur.peek_line() {
            if l.is_empty() {
                cur.line();
                break;
            } else if let Some(f) = l.strip_prefix("from ") {
                c.from = Some(f.to_string());
            } else if let Some(m) = l.strip_prefix("merge ") {
                c.merges.push(m.to_string());
            } else if l.starts_with("M ")
                || l.starts_with("D ")
                || l.starts_with("C ")
                || l.starts_with("R ")
                || l == "deleteall"
            {
                c.files.push(l);
            } else {
                break;
            }
            cur.line();
        }
        items.push(Item::Commit(c));
    }
    items
}

fn write_export(items: &[Item], refname: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let rename = |r: &str| {
        if r == "refs/heads/main" {
            refname.to_string()
        } else {
            r.to_string()
        }
    };
    for item in items {
        match item {
            Item::Line(l) => {
                let l = match l.strip_prefix("reset ") {
                    Some(r) => format!("reset {}", rename(r)),
                    None => l.clone(),
                };
                out.extend_from_slice(l.as_bytes());
                out.push(b'\n');
            }
            Item::Commit(c) => {
                let mut head = format!("commit {}\nmark {}\n", rename(&c.refname), c.mark);
                if !c.original.is_empty() {
                    head.push_str(&format!("original-oid {}\n", c.original));
                }
                for h in &c.headers {
                    head.push_str(h);
                    head.push('\n');
                }
                head.push_str(&format!("data {}\n", c.message.len()));
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(&c.message);
                if !c.message.ends_with(b"\n") {
                    out.push(b'\n');
                }
                let mut tail = String::new();
                if let Some(f) = &c.from {
                    tail.push_str(&format!("from {f}\n"));
                }
                for m in &c.merges {
                    tail.push_str(&format!("merge {m}\n"));
                }
                for f in &c.files {
                    tail.push_str(f);
                    tail.push('\n');
                }
                tail.push('\n');
                out.extend_from_slice(tail.as_bytes());
            }
        }
    }
    out
}

fn commits_mut(items: &mut [Item]) -> impl Iterator<Item = &mut Exported> {
    items.iter_mut().filter_map(|i| match i {
        Item::Commit(c) => Some(c),
        Item::Line(_) => None,
    })
}

/// Drops the commit `oid`: its children continue from its first parent,
/// and nothing it changed is kept.
pub(crate) fn drop_commit(items: &mut Vec<Item>, oid: &str) {
    let at = items
        .iter()
        .position(|i| matches!(i, Item::Commit(c) if c.original == oid))
        .expect("the dropped commit is exported");
    let Item::Commit(gone) = items.remove(at) else {
        unreachable!()
    };
    let parent = gone.from.expect("a dropped commit has a parent");
    for c in commits_mut(items) {
        if c.from.as_deref() == Some(gone.mark.as_str()) {
            c.from = Some(parent.clone());
        }
        for m in &mut c.merges {
            if *m == gone.mark {
                *m = parent.clone();
            }
        }
        let from = c.from.clone();
        let mut seen = BTreeSet::new();
        c.merges
            .retain(|m| Some(m) != from.as_ref() && seen.insert(m.clone()));
    }
}

/// `M <mode> <blob> <path>` lines for `path` with blob `old` take `new`.
pub(crate) fn replace_blob(items: &mut [Item], path: &str, old: &str, new: &str) {
    for c in commits_mut(items) {
        for f in &mut c.files {
            let parts: Vec<&str> = f.splitn(4, ' ').collect();
            if parts.len() == 4 && parts[0] == "M" && parts[2] == old && parts[3] == path {
                *f = format!("M {} {new} {path}", parts[1]);
            }
        }
    }
}

/// Every `M`/`D` line of `from` is about `to` instead.
pub(crate) fn rename_path(items: &mut [Item], from: &str, to: &str) {
    for c in commits_mut(items) {
        for f in &mut c.files {
            let parts: Vec<&str> = f.splitn(4, ' ').collect();
            if parts.len() == 4 && parts[0] == "M" && parts[3] == from {
                *f = format!("M {} {} {to}", parts[1], parts[2]);
            } else if f.strip_prefix("D ") == Some(from) {
                *f = format!("D {to}");
            }
        }
    }
}

/// Rewrites `main` with plain git: `git fast-export` of every commit not
/// reachable from `excluded`, `edit`ed, `git fast-import`ed, and the branch
/// reset to the new tip. Commits before the edit keep their ids (and the
/// trust root its own); rewritten ones lose their git signatures, which no
/// rule reads.
pub(crate) fn rewrite(s: &Group, excluded: &[String], edit: impl FnOnce(&mut Vec<Item>)) -> String {
    let tip = head(s);
    let mut args = vec![
        "fast-export".to_string(),
        "--no-data".to_string(),
        "--show-original-ids".to_string(),
        "--reference-excluded-parents".to_string(),
        "main".to_string(),
    ];
    args.extend(excluded.iter().map(|e| format!("^{e}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = git(s, &args);
    assert!(out.status.success(), "fast-export: {}", stderr(&out));
    let mut items = parse_export(&out.stdout);
    edit(&mut items);
    let tip_mark = items
        .iter()
        .find_map(|i| match i {
            Item::Commit(c) if c.original == tip => Some(c.mark.clone()),
            _ => None,
        })
        .expect("the tip is exported");
    let mut stream = write_export(&items, "refs/heads/mutated");
    stream.extend_from_slice(format!("reset refs/heads/mutated\nfrom {tip_mark}\n\n").as_bytes());
    git_stdin(s, &["fast-import", "--quiet", "--force"], stream);
    let new = git_ok(s, &["rev-parse", "refs/heads/mutated"]);
    git_ok(s, &["reset", "-q", "--hard", &new]);
    git_ok(s, &["update-ref", "-d", "refs/heads/mutated"]);
    new
}

/// The parents of every commit that added `path`: rewriting from there
/// keeps every older commit as it is.
pub(crate) fn parents_of_adders(s: &Group, path: &str) -> Vec<String> {
    let adders = git_ok(
        s,
        &[
            "log",
            "--full-history",
            "--diff-filter=A",
            "--format=%H",
            "HEAD",
            "--",
            path,
        ],
    );
    adders
        .lines()
        .flat_map(|c| {
            git_ok(s, &["rev-parse", &format!("{c}^@")])
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}
