//! The two guards on what comes from outside, used by every layer above:
//! files the user names are read only if they are regular files, and never
//! more than a limit ([`read_bounded`]); values the user gave are echoed in
//! messages escaped and shortened ([`echo`]), so that an error stays one
//! readable line whatever was typed.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file the user named was not read. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A FIFO, a device, a socket or a folder: reading it could block or
    /// never end, so it is refused before it is opened.
    #[error("{}: not a regular file ({what}); give a file", echo_path(path))]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("{}: larger than the limit of {limit} bytes", echo_path(path))]
    TooLarge { path: PathBuf, limit: usize },
    #[error("{}: {source}", echo_path(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads the regular file at `path` (a link to one is followed), refusing
/// anything else and any file larger than `limit` bytes: its size is checked
/// before it is read, and at most `limit + 1` bytes are read, so a file that
/// grows meanwhile is refused too.
pub fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // `metadata` does not open the file: a FIFO is refused before an open
    // that would wait for a writer.
    check_regular(path, &std::fs::metadata(path).map_err(io)?, limit)?;
    let file = std::fs::File::open(path).map_err(io)?;
    // The file opened may not be the one looked at (it was replaced
    // meanwhile): look again at what was opened.
    check_regular(path, &file.metadata().map_err(io)?, limit)?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

fn check_regular(path: &Path, meta: &std::fs::Metadata, limit: usize) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            path: path.to_path_buf(),
            what: kind_of(&meta.file_type()),
        });
    }
    if meta.len() > limit as u64 {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(())
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// How many characters of a value [`echo`] shows.
pub const ECHO_CHARS: usize = 60;

/// How many characters of a path [`echo_path`] shows: more than a value,
/// since a path is only useful whole, yet bounded.
const ECHO_PATH_CHARS: usize = 1024;

/// A value the user gave, as an error message may show it: control and
/// invisible formatting characters escaped (`\n`, `\u{202e}`), cut after
/// [`ECHO_CHARS`] characters with `…`.
pub fn echo(value: &str) -> String {
    shorten(value, ECHO_CHARS)
}

/// A path, as an error message may show it: escaped as [`echo`] does, cut
/// only when it is longer than any real path.
pub fn echo_path(path: impl AsRef<Path>) -> String {
    shorten(&path.as_ref().display().to_string(), ECHO_PATH_CHARS)
}

fn shorten(value: &str, max: usize) -> String {
    let pieces = || {
        value.chars().map(|c| {
            if needs_escape(c) {
                c.escape_debug().collect::<String>()
            } else {
                c.to_string()
            }
        })
    };
    // At most `max + 1` characters are ever made, whatever the length.
    let whole: String = pieces()
        .flat_map(|p| p.chars().collect::<Vec<_>>())
        .take(max + 1)
        .collect();
    if whole.chars().count() <= max {
        return whole;
    }
    // Cut between two characters of the value, never inside an escape.
    let mut out = String::new();
    let mut shown = 0;
    for piece in pieces() {
        let n = piece.chars().count();
        if shown + n > max.saturating_sub(1) {
            break;
        }
        out.push_str(&piece);
        shown += n;
    }
    out.push('…');
    out
}

/// Control characters, and the invisible ones that reorder or hide text.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_escapes_control_characters_and_shortens() {
        assert_eq!(echo("2026-001"), "2026-001");
        assert_eq!(echo("a\nb\tc\r\u{1b}[31m"), "a\\nb\\tc\\r\\u{1b}[31m");
        assert_eq!(echo("evil\u{202e}txt"), "evil\\u{202e}txt");
        assert_eq!(echo("é and 日本"), "é and 日本");
        let long = "x".repeat(100_000);
        let shown = echo(&long);
        assert_eq!(shown.chars().count(), ECHO_CHARS);
        assert!(shown.ends_with('…'));
        assert_eq!(echo(&"x".repeat(ECHO_CHARS)), "x".repeat(ECHO_CHARS));
        let newlines = echo(&"\n".repeat(1000));
        assert!(!newlines.contains('\n'));
        // Cut between escapes, never inside one.
        assert_eq!(newlines, format!("{}…", "\\n".repeat((ECHO_CHARS - 1) / 2)));
    }

    #[test]
    fn read_bounded_reads_a_file_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_bounded(&path, 5).unwrap(), b"12345");
        assert!(matches!(
            read_bounded(&path, 4),
            Err(ReadError::TooLarge { limit: 4, .. })
        ));
        assert!(matches!(
            read_bounded(dir.path(), 5),
            Err(ReadError::NotAFile {
                what: "a folder",
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn read_bounded_refuses_a_device_without_reading_it() {
        let e = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: not a regular file (a device); give a file"
        );
    }
}
