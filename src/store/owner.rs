//! A clone git refuses to open because another user owns it (git's
//! `safe.directory` check): where that clone is, for the hint.

use std::path::{Path, PathBuf};

/// The top of the repository `path` is in, as git's `safe.directory` names
/// it: the first folder from `path` up that holds `.git` (or is a bare
/// repository), else `path` made absolute.
pub(crate) fn top(path: &Path) -> PathBuf {
    let start = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists() || is_bare(dir))
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

fn is_bare(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}
