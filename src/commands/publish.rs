use std::path::PathBuf;

use charter::store::repo::Repo;

use super::{CmdResult, Ctx};

/// Publish the record as a static web site: the charter in every language,
/// every version, members, decisions with their signatures, annual
/// reports and an Atom feed. Refused if the history does not verify.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The site's folder: new, empty, or an earlier publication.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A folder of templates and style.css replacing the built-in ones.
    #[arg(long, value_name = "DIR")]
    theme: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let repo = Repo::open(&ctx.dir)?;
    if let Some(recovery) = repo.recover_interrupted()? {
        errln!("note: {recovery}");
    }
    let out = ctx.dir.join(&args.out);
    let theme = args.theme.map(|t| ctx.dir.join(t));
    let index = out.join("index.html");
    let json_paths = args
        .json
        .then(|| {
            Ok::<_, super::Failure>((
                super::output::json_path(&out)?,
                super::output::json_path(&index)?,
            ))
        })
        .transpose()?;
    let done = charter::publish::publish(&repo, &out, theme.as_deref())?;
    if let Some((out, index)) = json_paths {
        return super::output::json(&serde_json::json!({
            "out": out,
            "index": index,
            "files": done.files,
            "pages": done.pages,
            "written": done.written,
            "removed": done.removed,
        }));
    }
    outln!(
        "published {} ({} pages) to {}; {} written, {} removed",
        charter::model::count::Count(done.files, "file"),
        done.pages,
        done.out.display(),
        done.written,
        done.removed
    )?;
    outln!("open {}", index.display())
}
