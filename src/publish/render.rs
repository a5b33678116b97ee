//! The site's pages from templates (minijinja, with HTML escaping on):
//! the built-in ones in the project's `site/` folder, each replaceable by a
//! file of the same name in a group's theme folder.

use std::path::Path;

use minijinja::value::Value;
use minijinja::{context, AutoEscape, Environment};

use crate::model::error::{Error, Problem, Result};
use crate::model::tree::MAX_FILE;
use crate::publish::gather::{DecisionPage, Site};
use crate::publish::write::{Content, File};

/// The built-in templates and static files, by name.
const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../site/base.html")),
    ("home.html", include_str!("../../site/home.html")),
    ("charter.html", include_str!("../../site/charter.html")),
    ("versions.html", include_str!("../../site/versions.html")),
    ("version.html", include_str!("../../site/version.html")),
    ("principle.html", include_str!("../../site/principle.html")),
    ("members.html", include_str!("../../site/members.html")),
    ("member.html", include_str!("../../site/member.html")),
    ("decisions.html", include_str!("../../site/decisions.html")),
    ("decision.html", include_str!("../../site/decision.html")),
    ("reports.html", include_str!("../../site/reports.html")),
    ("report.html", include_str!("../../site/report.html")),
    ("verify.html", include_str!("../../site/verify.html")),
    ("feed.xml", include_str!("../../site/feed.xml")),
    ("style.css", include_str!("../../site/style.css")),
];

pub struct Templates {
    env: Environment<'static>,
    style: String,
}

impl Templates {
    /// The built-in templates, each replaced by `theme/NAME` when that
    /// file exists. A theme file of another name is refused: a typo would
    /// otherwise be silently ignored.
    pub fn load(theme: Option<&Path>) -> Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("day", day);
        env.add_filter("diff", diff_html);
        // As minijinja escapes, but `/` stays itself: links read as written.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(text) if !value.is_safe() && *state.auto_escape() != AutoEscape::None => {
                out.write_str(&escape(text)).map_err(minijinja::Error::from)
            }
            _ => minijinja::escape_formatter(out, state, value),
        });
        let mut style = String::new();
        if let Some(dir) = theme {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if !BUILT_IN.iter().any(|(n, _)| *n == name) {
                    let known: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
                    return Err(Error::parse(
                        entry.path().display().to_string(),
                        format!("not a file of the site's theme ({})", known.join(", ")),
                    ));
                }
            }
        }
        for (name, built_in) in BUILT_IN {
            let given = match theme.map(|dir| dir.join(name)) {
                Some(path) if path.exists() => Some((path.clone(), theme_file(&path)?)),
                _ => None,
            };
            let (origin, text) = match given {
                Some((path, text)) => (path.display().to_string(), text),
                None => (format!("built-in {name}"), (*built_in).to_string()),
            };
            if *name == "style.css" {
                style = text;
                continue;
            }
            env.add_template_owned(*name, text)
                .map_err(|e| template_error(&origin, &e))?;
        }
        Ok(Templates { env, style })
    }

    /// Every file of the site, in a fixed order, each given to `sink` as
    /// soon as it is made.
    pub fn render(&self, site: &Site, sink: &mut dyn FnMut(File) -> Result<()>) -> Result<()> {
        let common = context! {
            group => &site.group,
            languages => ser(&site.languages),
            reference => site.languages.first().map(|l| l.code.clone()).unwrap_or_default(),
            stamp => ser(&site.stamp),
            updated => &site.updated,
        };
        let out = sink;
        let page = |out: &mut dyn FnMut(File) -> Result<()>,
                    name: &str,
                    path: String,
                    lang: &str,
                    ctx: Value| {
            let depth = path.matches('/').count();
            let root = "../".repeat(depth);
            // Pages that exist in every language link to each other.
            let translated = matches!(name, "charter.html" | "version.html" | "principle.html");
            let ctx =
                context! { site => common.clone(), root, lang, path => &path, translated, ..ctx };
            let html = self
                .env
                .get_template(name)
                .and_then(|t| t.render(ctx))
                .map_err(|e| template_error(name, &e))?;
            out(File {
                path,
                content: Content::Bytes(html.into_bytes()),
            })
        };
        let reference = site
            .languages
            .first()
            .map(|l| l.code.clone())
            .unwrap_or_default();
        // Lists of every proposal carry what a list shows, not each
        // proposal's signatures and changes.
        let listed: Vec<Listed> = site.decisions.iter().map(Listed::of).collect();
        let open: Vec<_> = site
            .decisions
            .iter()
            .filter(|d| d.status_name == "open")
            .collect();
        let recent: Vec<_> = site
            .decisions
            .iter()
            .filter(|d| d.status_name == "adopted")
            .take(5)
            .collect();
        page(
            out,
            "home.html",
            "index.html".into(),
            &reference,
            context! { charter => ser(&site.charter), open => ser(&open), recent => ser(&recent),
            members => site.members.iter().filter(|m| m.left.is_none()).count(),
            reports => ser(&site.reports.iter().map(|r| r.year).collect::<Vec<_>>()) },
        )?;
        for l in &site.languages {
            page(
                out,
                "charter.html",
                format!("charter/{}.html", l.code),
                &l.code,
                context! { charter => ser(&site.charter), versions => site.versions.len() },
            )?;
        }
        page(
            out,
            "versions.html",
            "versions/index.html".into(),
            &reference,
            context! { versions => ser(&site.versions) },
        )?;
        for v in &site.versions {
            for l in &site.languages {
                page(
                    out,
                    "version.html",
                    format!("versions/{}/{}.html", v.key, l.code),
                    &l.code,
                    context! { version => ser(v) },
                )?;
            }
        }
        for p in &site.principles {
            for l in &site.languages {
                page(
                    out,
                    "principle.html",
                    format!("principles/{}/{}.html", p.id, l.code),
                    &l.code,
                    context! { principle => ser(p) },
                )?;
            }
        }
        page(
            out,
            "members.html",
            "members/index.html".into(),
            &reference,
            context! { members => ser(&site.members), timeline => ser(&site.timeline) },
        )?;
        for m in &site.members {
            page(
                out,
                "member.html",
                format!("members/{}/index.html", m.id),
                &reference,
                context! { member => ser(m) },
            )?;
        }
        page(
            out,
            "decisions.html",
            "decisions/index.html".into(),
            &reference,
            context! { decisions => ser(&listed) },
        )?;
        for d in &site.decisions {
            let dir = format!("decisions/{}", d.standing.id);
            page(
                out,
                "decision.html",
                format!("{dir}/index.html"),
                &reference,
                context! { decision => ser(d) },
            )?;
            for s in &d.signatures {
                out(File {
                    path: format!("{dir}/signatures/{}.msg", s.name),
                    content: Content::Blob(s.msg),
                })?;
                out(File {
                    path: format!("{dir}/signatures/{}.sig", s.name),
                    content: Content::Blob(s.sig),
                })?;
            }
        }
        page(
            out,
            "reports.html",
            "reports/index.html".into(),
            &reference,
            context! { reports => ser(&site.reports.iter().map(|r| r.year).collect::<Vec<_>>()) },
        )?;
        for r in &site.reports {
            page(
                out,
                "report.html",
                format!("reports/{}.html", r.year),
                &reference,
                context! { report => ser(r) },
            )?;
        }
        page(
            out,
            "verify.html",
            "verify.html".into(),
            &reference,
            context! {},
        )?;
        page(
            out,
            "feed.xml",
            "feed.xml".into(),
            &reference,
            context! { decisions => ser(&listed) },
        )?;
        out(File {
            path: "style.css".into(),
            content: Content::Bytes(self.style.clone().into_bytes()),
        })?;
        out(File {
            path: "allowed_signers".into(),
            content: Content::Bytes(site.allowed_signers.clone().into_bytes()),
        })
    }
}

fn ser<T: serde::Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// A theme file: a regular file of at most [`MAX_FILE`] bytes, in UTF-8.
fn theme_file(path: &Path) -> Result<String> {
    let bytes = crate::crypto::input::read_bounded(path, MAX_FILE)?;
    String::from_utf8(bytes).map_err(|_| Error::file(path.display().to_string(), Problem::NotUtf8))
}

/// A proposal as a list of them shows it.
#[derive(serde::Serialize)]
struct Listed<'a> {
    id: &'a str,
    title: &'a str,
    kind_name: &'a str,
    status_name: &'a str,
    created: &'a str,
    proposed: Option<&'a str>,
    decided: Option<&'a str>,
    deadline: Option<&'a str>,
    proposer: Option<&'a str>,
    missing: Vec<&'a str>,
    accepted_by: Vec<&'a str>,
}

impl<'a> Listed<'a> {
    fn of(d: &'a DecisionPage) -> Self {
        let s = &d.standing;
        Listed {
            id: s.id.as_str(),
            title: &s.title,
            kind_name: d.kind_name,
            status_name: &d.status_name,
            created: &s.created,
            proposed: s.proposed.as_deref(),
            decided: s.decided.as_deref(),
            deadline: s.deadline.as_deref(),
            proposer: s.proposer.as_ref().map(|m| m.as_str()),
            missing: s.missing.iter().map(|m| m.as_str()).collect(),
            accepted_by: s.accepted_by.iter().map(|m| m.as_str()).collect(),
        }
    }
}

fn template_error(origin: &str, e: &minijinja::Error) -> Error {
    let line = e.line().map(|l| format!(" (line {l})")).unwrap_or_default();
    Error::file(
        origin.to_string(),
        Problem::Parse(format!("template: {}{line}", e.kind())),
    )
}

/// `2026-11-23T10:00:00Z` → `2026-11-23`.
fn day(value: String) -> String {
    value.get(..10).unwrap_or(&value).to_string()
}

/// A word diff as HTML: `<ins>` and `<del>`, each with words a screen
/// reader says (most do not announce those elements).
fn diff_html(pieces: Value) -> std::result::Result<Value, minijinja::Error> {
    let mut html = String::new();
    for piece in pieces.try_iter()? {
        let op = piece.get_attr("op")?;
        let text = piece.get_attr("text")?;
        let text = escape(text.as_str().unwrap_or_default());
        match op.as_str().unwrap_or_default() {
            "added" => html.push_str(&format!(
                "<ins><span class=\"vh\">[added: </span>{text}<span class=\"vh\">]</span></ins>"
            )),
            "removed" => html.push_str(&format!(
                "<del><span class=\"vh\">[removed: </span>{text}<span class=\"vh\">]</span></del>"
            )),
            _ => html.push_str(&text),
        }
    }
    Ok(Value::from_safe_string(html))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Neither HTML nor XML allows these: a title holding one would
            // make the feed unreadable.
            c if (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}') =>
            {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_a_page_or_the_feed() {
        assert_eq!(
            escape("a\u{1}b\u{c}c\td\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\td\u{FFFD}"
        );
    }

    #[test]
    fn a_diff_is_escaped_and_spoken() {
        let pieces = ser(&vec![
            crate::history::diff::Piece::Same("a <b>".into()),
            crate::history::diff::Piece::Added("<script>".into()),
            crate::history::diff::Piece::Removed("old".into()),
        ]);
        let html = diff_html(pieces).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(
            html,
            "a &lt;b&gt;<ins><span class=\"vh\">[added: </span>&lt;script&gt;<span class=\"vh\">]</span></ins>\
             <del><span class=\"vh\">[removed: </span>old<span class=\"vh\">]</span></del>"
        );
    }
}
