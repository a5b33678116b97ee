//! `charter publish`: the public record as a static web site, built from a
//! history that verifies and from nothing else. Pages are rendered from
//! templates a group may override (see [`render`]) and written so that the
//! same repository always gives the same files (see [`write`]).

pub mod gather;
pub mod markdown;
pub mod render;
pub mod write;

use std::path::{Path, PathBuf};

use crate::model::count::Count;
use crate::model::error::{Error, Result};
use crate::store::repo::Repo;
use crate::verify::clone::verify_clone;

/// What a publication wrote.
#[derive(Debug)]
pub struct Published {
    pub out: PathBuf,
    /// Files of the site, pages among them.
    pub files: usize,
    pub pages: usize,
    /// Files written (the others were already as they must be).
    pub written: usize,
    /// Files of an earlier publication removed.
    pub removed: usize,
}

/// Verifies HEAD's history and publishes it to `out`, with templates from
/// `theme` where it has them. A history that does not verify is refused
/// ([`Error::Unverified`]) and nothing is written.
pub fn publish(repo: &Repo, out: &Path, theme: Option<&Path>) -> Result<Published> {
    let head = repo.head()?.ok_or_else(|| Error::NotAGroup {
        path: repo.workdir(),
    })?;
    let templates = render::Templates::load(theme)?;
    write::check_out_dir(out)?;
    let verified = match verify_clone(repo, None, false, &mut |_, _| {})? {
        Ok(v) => v,
        Err(refused) => {
            return Err(Error::Unverified(format!(
                "{}; no site is published from a history that does not verify",
                refused.violation
            )))
        }
    };
    // The site is built from the commit that was verified, or not at all.
    if verified.summary.head != head.to_string() {
        return Err(Error::Invalid(
            "HEAD moved while the history was verified (a sync?); publish again".into(),
        ));
    }
    let s = &verified.summary;
    let summary = format!(
        "{}, {}, {}, {}; {}, {}",
        Count(s.commits, "commit"),
        Count(s.signatures, "signature"),
        Count(s.proposals, "proposal"),
        Count(s.finalizations, "finalization"),
        Count(s.members, "member"),
        Count(s.principles, "principle")
    );
    let site = gather::gather(repo, head, summary)?;
    let mut writer = write::Writer::new(out, repo)?;
    templates.render(&site, &mut |file| writer.add(file))?;
    let done = writer.finish()?;
    Ok(Published {
        out: out.to_path_buf(),
        files: done.files,
        pages: done.pages,
        written: done.written,
        removed: done.removed,
    })
}
