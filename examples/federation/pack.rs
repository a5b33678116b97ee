//! A git pack written in one pass, with its index: the history's objects
//! go straight into `.git/objects/pack/` instead of one loose file each.
//! A tree is stored as a delta against the previous version of the same
//! folder (most acts add two entries to one folder), with chains at most
//! [`MAX_DEPTH`] long, as `git gc` would leave them; everything else is
//! stored whole. The layout is git's (Documentation/gitformat-pack.txt).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::write::ZlibEncoder;
use flate2::Compression;
use sha1::{Digest, Sha1};

pub type Id = [u8; 20];

/// git's default `pack.depth`.
pub const MAX_DEPTH: u32 = 50;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Commit = 1,
    Tree = 2,
    Blob = 3,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
        }
    }
}

const OFS_DELTA: u8 = 6;

/// The id git gives an object: SHA-1 of `<kind> <size>\0<bytes>`.
pub fn object_id(kind: Kind, bytes: &[u8]) -> Id {
    let mut h = Sha1::new();
    h.update(format!("{} {}\0", kind.name(), bytes.len()).as_bytes());
    h.update(bytes);
    h.finalize().into()
}

pub fn blob_id(bytes: &[u8]) -> Id {
    object_id(Kind::Blob, bytes)
}

/// One object ready for the pack: its id and its packed entry (header and
/// compressed data), made apart from the writer so that it can be made on
/// another thread.
pub struct Packed {
    pub id: Id,
    pub entry: Vec<u8>,
}

pub fn pack_whole(kind: Kind, bytes: &[u8]) -> Packed {
    let mut entry = header(kind as u8, bytes.len());
    entry.extend(deflate(bytes));
    Packed {
        id: object_id(kind, bytes),
        entry,
    }
}

/// Where a written object is, to delta against it.
#[derive(Clone, Copy)]
pub struct Written {
    pub offset: u64,
    pub depth: u32,
}

pub struct PackWriter {
    path: PathBuf,
    out: BufWriter<File>,
    offset: u64,
    /// (id, offset, crc32 of the packed entry) of every object.
    index: Vec<(Id, u64, u32)>,
    seen: std::collections::HashSet<Id>,
}

impl PackWriter {
    /// Starts a pack in `dir`; its object count is written at the end.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("tmp-federation.pack");
        // Read back at the end for the checksum, hence read and write.
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(b"PACK\0\0\0\x02\0\0\0\0")?;
        Ok(Self {
            path,
            out,
            offset: 12,
            index: Vec::new(),
            seen: Default::default(),
        })
    }

    /// Adds a packed object, once.
    pub fn add(&mut self, packed: &Packed) -> std::io::Result<Option<Written>> {
        if !self.seen.insert(packed.id) {
            return Ok(None);
        }
        let offset = self.raw(packed.id, &packed.entry)?;
        Ok(Some(Written { offset, depth: 0 }))
    }

    /// Adds a tree (or any object) `bytes`, as a delta against `base` (an
    /// earlier version, `base_bytes`) when that is short and the chain not
    /// too deep. Returns its id and where it went (`None` if it was
    /// already in the pack).
    pub fn add_object(
        &mut self,
        kind: Kind,
        bytes: &[u8],
        base: Option<(&[u8], Written)>,
    ) -> std::io::Result<(Id, Option<Written>)> {
        let id = object_id(kind, bytes);
        if !self.seen.insert(id) {
            return Ok((id, None));
        }
        if let Some((old, at)) = base.filter(|(_, at)| at.depth < MAX_DEPTH) {
            let delta = delta(old, bytes);
            if delta.len() < bytes.len() / 2 {
                let mut entry = header(OFS_DELTA, delta.len());
                entry.extend(ofs(self.offset - at.offset));
                entry.extend(deflate(&delta));
                let offset = self.raw(id, &entry)?;
                let depth = at.depth + 1;
                return Ok((id, Some(Written { offset, depth })));
            }
        }
        let mut entry = header(kind as u8, bytes.len());
        entry.extend(deflate(bytes));
        let offset = self.raw(id, &entry)?;
        Ok((id, Some(Written { offset, depth: 0 })))
    }

    fn raw(&mut self, id: Id, entry: &[u8]) -> std::io::Result<u64> {
        let offset = self.offset;
        self.out.write_all(entry)?;
        self.offset += entry.len() as u64;
        self.index.push((id, offset, crc32fast::hash(entry)));
        Ok(offset)
    }

    /// Writes the object count and the checksum, then the index, and moves
    /// both to their names in `dir`. Returns the pack's path.
    pub fn finish(self, dir: &Path) -> std::io::Result<PathBuf> {
        let PackWriter {
            path,
            out,
            mut index,
            ..
        } = self;
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        let count = u32::try_from(index.len())
            .map_err(|_| std::io::Error::other("more objects than a pack holds"))?;
        file.seek(SeekFrom::Start(8))?;
        file.write_all(&count.to_be_bytes())?;
        // The trailer is the SHA-1 of everything before it: read it back
        // once rather than hash as we go and patch the count.
        file.seek(SeekFrom::Start(0))?;
        let mut h = Sha1::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        let sum: Id = h.finalize().into();
        file.seek(SeekFrom::End(0))?;
        file.write_all(&sum)?;
        file.sync_all()?;
        drop(file);

        index.sort_unstable_by_key(|a| a.0);
        let name = crate::tree::hex(&sum);
        let idx_path = dir.join(format!("pack-{name}.idx"));
        write_index(&idx_path, &index, &sum)?;
        let pack_path = dir.join(format!("pack-{name}.pack"));
        std::fs::rename(&path, &pack_path)?;
        Ok(pack_path)
    }
}

/// The version 2 pack index: fan-out, ids, CRCs, offsets.
fn write_index(path: &Path, index: &[(Id, u64, u32)], pack_sum: &Id) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(index.len() * 28 + 2048);
    out.extend(b"\xfftOc\0\0\0\x02");
    let mut fanout = [0u32; 256];
    for (id, _, _) in index {
        fanout[id[0] as usize] += 1;
    }
    let mut total = 0u32;
    for n in fanout {
        total += n;
        out.extend(total.to_be_bytes());
    }
    for (id, _, _) in index {
        out.extend(id);
    }
    for (_, _, crc) in index {
        out.extend(crc.to_be_bytes());
    }
    let mut large = Vec::new();
    for (_, offset, _) in index {
        if *offset < 0x8000_0000 {
            out.extend((*offset as u32).to_be_bytes());
        } else {
            out.extend((0x8000_0000 | large.len() as u32).to_be_bytes());
            large.push(*offset);
        }
    }
    for offset in large {
        out.extend(offset.to_be_bytes());
    }
    out.extend(pack_sum);
    let sum: Id = Sha1::digest(&out).into();
    out.extend(sum);
    std::fs::write(path, out)
}

/// An entry's header: its type and size, 4 bits then 7 per byte.
fn header(kind: u8, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    let mut byte = (kind << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest > 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(byte);
    out
}

/// The distance back to a delta's base, as OFS_DELTA writes it.
fn ofs(mut distance: u64) -> Vec<u8> {
    let mut out = vec![(distance & 0x7f) as u8];
    distance >>= 7;
    while distance > 0 {
        distance -= 1;
        out.push(0x80 | (distance & 0x7f) as u8);
        distance >>= 7;
    }
    out.reverse();
    out
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = z.write_all(bytes);
    z.finish().unwrap_or_default()
}

fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A delta from `old` to `new`: their common beginning and end copied,
/// the middle inserted. A version of a folder differs from the last by a
/// few entries in one place, so this is nearly as short as git's own.
fn delta(old: &[u8], new: &[u8]) -> Vec<u8> {
    let max = old.len().min(new.len());
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max - prefix)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = Vec::with_capacity(64 + new.len() - prefix - suffix);
    varint(&mut out, old.len());
    varint(&mut out, new.len());
    copy(&mut out, 0, prefix);
    for chunk in new[prefix..new.len() - suffix].chunks(0x7f) {
        out.push(chunk.len() as u8);
        out.extend(chunk);
    }
    copy(&mut out, old.len() - suffix, suffix);
    out
}

/// Copy instructions for `len` bytes of the base from `offset`.
fn copy(out: &mut Vec<u8>, mut offset: usize, mut len: usize) {
    while len > 0 {
        let n = len.min(0xff_ffff);
        let mut op = 0x80u8;
        let mut args = Vec::with_capacity(7);
        for i in 0..4 {
            let b = ((offset >> (8 * i)) & 0xff) as u8;
            if b != 0 {
                op |= 1 << i;
                args.push(b);
            }
        }
        for i in 0..3 {
            let b = ((n >> (8 * i)) & 0xff) as u8;
            if b != 0 {
                op |= 0x10 << i;
                args.push(b);
            }
        }
        out.push(op);
        out.extend(args);
        offset += n;
        len -= n;
    }
}

/// `cargo test --example federation`; `tests/it/federation.rs` has git
/// itself read a whole generated pack.
#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a delta as git does, to check [`delta`].
    fn apply(base: &[u8], d: &[u8]) -> Vec<u8> {
        let mut i = 0;
        let mut read = || {
            let mut n = 0usize;
            let mut shift = 0;
            loop {
                let b = d[i];
                i += 1;
                n |= ((b & 0x7f) as usize) << shift;
                shift += 7;
                if b & 0x80 == 0 {
                    return n;
                }
            }
        };
        assert_eq!(read(), base.len());
        let size = read();
        let mut out = Vec::new();
        while i < d.len() {
            let op = d[i];
            i += 1;
            if op & 0x80 != 0 {
                let (mut off, mut len) = (0usize, 0usize);
                for b in 0..4 {
                    if op & (1 << b) != 0 {
                        off |= (d[i] as usize) << (8 * b);
                        i += 1;
                    }
                }
                for b in 0..3 {
                    if op & (0x10 << b) != 0 {
                        len |= (d[i] as usize) << (8 * b);
                        i += 1;
                    }
                }
                if len == 0 {
                    len = 0x10000;
                }
                out.extend(&base[off..off + len]);
            } else {
                out.extend(&d[i..i + op as usize]);
                i += op as usize;
            }
        }
        assert_eq!(out.len(), size);
        out
    }

    #[test]
    fn deltas_rebuild_the_new_version() {
        let old = b"100644 a\0aaaaaaaaaaaaaaaaaaaa100644 c\0cccccccccccccccccccc".to_vec();
        let mut new = old.clone();
        new.splice(29..29, b"100644 b\0bbbbbbbbbbbbbbbbbbbb".iter().copied());
        for (a, b) in [(&old, &new), (&new, &old), (&old, &old)] {
            assert_eq!(&apply(a, &delta(a, b)), b);
        }
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut other = big.clone();
        other[150_000] = 7;
        assert_eq!(apply(&big, &delta(&big, &other)), other);
    }
}
