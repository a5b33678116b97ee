use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use charter::crypto::key::{KeyError, SigningKey};
use charter::model::act::Act;
use charter::process::group::{Change, Draft, Founder, Group, InitOptions};
use charter::process::membership::Application;
use charter::{Error, Result};

use super::{CmdResult, Ctx};

/// Play the whole story on the D5 charter in a fresh repository: five
/// founding members, one amendment proposed, seconded and accepted by all.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The governance repository to create (default: a new folder in the
    /// temporary directory). Keys go beside it, in DIR-keys.
    dir: Option<PathBuf>,
}

const FOUNDERS: [(&str, &str); 5] = [
    ("uk", "United Kingdom"),
    ("ee", "Estonia"),
    ("il", "Israel"),
    ("nz", "New Zealand"),
    ("kr", "Republic of Korea"),
];

const OPEN_SOURCE_EN: &str = "# Open source\n\nOpen source: future government systems, tools and services will be made open source by default and shared between members, with exceptions explained in public.\n";
const OPEN_SOURCE_FR: &str = "# Logiciel libre\n\nLogiciel libre : les futurs systèmes, outils et services de l’administration seront libres (open source) par défaut et partagés entre les membres ; toute exception est expliquée publiquement.\n";

fn fresh_dir(arg: Option<PathBuf>, ctx: &Ctx) -> Result<PathBuf> {
    let dir = match arg {
        Some(d) => ctx.dir.join(d),
        None => {
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            std::env::temp_dir().join(format!("charter-demo-{stamp}-{}", std::process::id()))
        }
    };
    Ok(dir)
}

fn keys_dir(dir: &Path) -> PathBuf {
    sibling(dir, "-keys")
}

/// `DIR` with `suffix` added to its name: a folder beside it.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut s = dir.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn step(text: &str) -> CmdResult {
    outln!("\n== {text}")
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let dir = fresh_dir(args.dir, ctx)?;
    let keys = keys_dir(&dir);
    let site = sibling(&dir, "-site");
    for beside in [&keys, &site] {
        if beside.exists() {
            return Err(Error::Exists {
                path: beside.clone(),
            }
            .into());
        }
    }
    let occupied = std::fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if occupied {
        return Err(Error::Invalid(format!(
            "{}: not empty; the demo needs a new or empty folder",
            dir.display()
        ))
        .into());
    }
    let now = charter::model::clock::now()?;
    step(&format!(
        "Five founding members generate their keys in {}",
        keys.display()
    ))?;
    std::fs::create_dir_all(&keys).map_err(|e| Error::io(&keys, e))?;
    let mut signing: BTreeMap<&str, SigningKey> = BTreeMap::new();
    let mut founders = Vec::new();
    let no_pass = |p: &Path| -> std::result::Result<String, KeyError> {
        Err(KeyError::key(p.display().to_string(), "no passphrase"))
    };
    for (id, name) in FOUNDERS {
        let path = keys.join(id);
        let public = charter::crypto::key::generate(&path, id)?;
        outln!("  {id:<3} {name:<18} {}", public.fingerprint())?;
        founders.push(Founder {
            id: id.parse()?,
            name: Some(name.to_string()),
            key: public,
            attestation: None,
        });
        signing.insert(id, SigningKey::load(&path, &no_pass)?);
    }
    let key = |id: &str| {
        signing
            .get(id)
            .ok_or_else(|| Error::Invalid(format!("no demo key {id}")))
    };

    step(&format!(
        "uk creates the Digital 5 repository with the 2014 charter in {}",
        dir.display()
    ))?;
    let root = charter::process::group::init(
        &dir,
        InitOptions {
            template: &charter::model::template::D5,
            attestation_roots: Vec::new(),
            name: "Digital 5".into(),
            founders,
            key: key("uk")?,
            now,
        },
    )?;
    outln!("  trust root {root}")?;
    let group = Group::open(&dir)?;

    step("uk proposes to amend principle 3, open source, in English and French")?;
    let mut texts = BTreeMap::new();
    texts.insert("en".parse()?, OPEN_SOURCE_EN.to_string());
    texts.insert("fr".parse()?, OPEN_SOURCE_FR.to_string());
    let id = group.propose(
        key("uk")?,
        Draft {
            change: Change::Amend {
                principle: "open-source".parse()?,
                texts,
            },
            title: Some("Open source by default".into()),
            deadline: None,
            review: None,
            unchanged: Vec::new(),
        },
        now,
    )?;
    outln!("  {id}")?;
    step("ee seconds; il and nz accept")?;
    for (who, act) in [
        ("ee", Act::Second),
        ("il", Act::Accept),
        ("nz", Act::Accept),
    ] {
        group.act(key(who)?, id.as_str(), act, None, now)?;
        outln!("  {who} {act}")?;
    }
    let here = Ctx {
        dir: dir.clone(),
        key: None,
        yes: true,
    };
    step("charter status")?;
    super::status::run(
        &here,
        super::status::Args {
            all: false,
            json: false,
        },
    )?;

    step("kr accepts: the last acceptance finalizes the amendment")?;
    let outcome = group.act(key("kr")?, id.as_str(), Act::Accept, None, now)?;
    if let Some(c) = outcome.finalized {
        outln!("  finalized in commit {c}")?;
    }
    step(&format!("charter show {id}"))?;
    super::show::run(
        &here,
        super::show::Args {
            id: id.to_string(),
            json: false,
        },
    )?;

    step("Canada applies to join: its statement of interest covers every principle")?;
    let ca_path = keys.join("ca");
    let ca_public = charter::crypto::key::generate(&ca_path, "ca")?;
    outln!("  ca  Canada             {}", ca_public.fingerprint())?;
    let ca = SigningKey::load(&ca_path, &no_pass)?;
    let statement = canada_statement(&group)?;
    let application = group.apply(
        &ca,
        Application {
            id: "ca".parse()?,
            name: "Canada".into(),
            organisation: None,
            statement,
            deadline: None,
            attestation: None,
        },
        now,
    )?;
    outln!("  {application}")?;
    step("nz proposes Canada, kr seconds, everyone else accepts: the D5 grows to six")?;
    group.propose_member(key("nz")?, &"ca".parse()?, now)?;
    group.act(key("kr")?, application.as_str(), Act::Second, None, now)?;
    for who in ["uk", "ee", "il"] {
        group.act(key(who)?, application.as_str(), Act::Accept, None, now)?;
    }
    step("charter members")?;
    super::members::run(
        &here,
        super::members::Args {
            at: None,
            json: false,
        },
    )?;

    step("charter verify")?;
    super::verify::run(
        &here,
        super::verify::Args {
            root: None,
            full: false,
            json: false,
        },
    )?;

    step(&format!("charter publish --out {}", site.display()))?;
    let repo = charter::store::repo::Repo::open(&dir)?;
    let published = charter::publish::publish(&repo, &site, None)?;
    outln!(
        "  {} pages; open {}",
        published.pages,
        site.join("index.html").display()
    )?;

    let uk_key = keys.join("uk");
    let charter = invocation();
    outln!(
        "\n== Try next\n  cd {dir}\n  {charter} principles\n  {charter} text open-source --lang fr\n  {charter} status --all\n  {charter} show {id}\n  {charter} verify\n  git -c gpg.ssh.allowedSignersFile=keys/allowed_signers log --show-signature\n  ssh-keygen -Y verify -f keys/allowed_signers -I kr -n charter -s {sig}.sig < {sig}.msg\n  {charter} members\n  {charter} show {application}\n  {charter} --key {uk} propose retire open-markets\n",
        dir = dir.display(),
        sig = format!("{}/signatures/kr.accept", id.dir()),
        uk = uk_key.display(),
    )?;
    Ok(())
}

/// How to run this very binary from a shell: `charter` when that name on
/// PATH is this binary, else its full path (`cargo run -- demo` leaves it
/// in target/), so that the commands printed work as printed.
fn invocation() -> String {
    let Ok(me) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "charter".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|dir| std::fs::canonicalize(dir.join("charter")).is_ok_and(|found| found == me))
    });
    if on_path {
        return "charter".into();
    }
    let path = me.display().to_string();
    if path.contains(|c: char| c.is_whitespace() || c == '\'') {
        format!("'{}'", path.replace('\'', "'\\''"))
    } else {
        path
    }
}

/// The statement-of-interest template, filled in.
fn canada_statement(group: &Group) -> Result<String> {
    let state = group.state()?;
    let charter = state.charter()?;
    let lang = state
        .governance
        .reference_language()
        .ok_or_else(|| Error::Invalid("no language".into()))?;
    let template = charter::model::statement::template(&state.governance.name, &charter, lang);
    let mut out = String::new();
    for line in template.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("## ") {
            out.push_str("\nCanada's Digital Standards and the Canadian Digital Service put this into practice.\n");
        }
    }
    Ok(out)
}
