//! `charter publish` (issue 12): the public site is built from a history
//! that verifies and from nothing else, its untrusted texts stay inert, it
//! is the same for the same repository, its links hold, and its signature
//! files verify with OpenSSH alone. The real-browser checks (axe, HTML
//! validity, phone width) are `scripts/site-check`, run by `.ci/run`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{
    assert_one_line_error, fill_statement, proposal_dir, stdout, Group, OPEN_SOURCE_FR,
};

/// A principle text that would run code if the site let HTML through.
const HOSTILE_EN: &str = "# Open source\n\nOpen by default. <script>window.__charter_pwned=1</script>\n\n<img src=x onerror=\"window.__charter_pwned=1\">\n\n[more](javascript:window.__charter_pwned=1)\n";

/// The D5 group over two years: a hostile amendment adopted in 2026, a
/// second amendment in 2027, and an amendment still open.
fn history() -> Group {
    let mut g = Group::d5();
    g.adopt_amendment("open-source", HOSTILE_EN, OPEN_SOURCE_FR);
    // The review of 2026 re-affirms the charter: tag charter-2026.
    g.run_as("uk", &["review", "open", "2026"]);
    let close = g.run_as("ee", &["review", "close", "2026"]);
    g.act("uk", "second", &close);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &close);
    }
    g.at("2027-03-01T10:00:00Z");
    g.adopt_amendment(
        "user-needs",
        "# User needs\n\nServices are designed around what people need.\n",
        "# Besoins des usagers\n\nLes services partent des besoins des personnes.\n",
    );
    let open = g.propose_amend(
        "nz",
        "connectivity",
        "# Connectivity\n\nEveryone can get online.\n",
        "# Connectivité\n\nChacun peut se connecter.\n",
    );
    // A reason is untrusted text too.
    g.charter("kr")
        .args([
            "object",
            &open,
            "--reason",
            "<img src=x onerror=\"alert(1)\"> no",
        ])
        .assert()
        .success();
    g
}

fn publish(g: &Group, out: &Path) -> std::process::Output {
    g.read()
        .args(["publish", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

fn published(g: &Group, name: &str) -> PathBuf {
    let out = g.env.path().join(name);
    let run = publish(g, &out);
    assert!(
        run.status.success(),
        "publish: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The values of `attr="…"` in `html`, entities of `&amp;` undone.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| rest[..end].replace("&amp;", "&"))
        })
        .collect()
}

#[test]
fn a_site_holds_the_record_in_every_language() {
    let g = history();
    let site = published(&g, "site");
    let files = tree(&site);
    let page = |rel: &str| {
        String::from_utf8(
            files
                .get(rel)
                .unwrap_or_else(|| panic!("{rel} missing"))
                .clone(),
        )
        .unwrap()
    };
    let ids: Vec<String> = files
        .keys()
        .filter_map(|k| k.strip_prefix("decisions/")?.strip_suffix("/index.html"))
        .map(str::to_string)
        .collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    for rel in [
        "index.html",
        "charter/en.html",
        "charter/fr.html",
        "versions/index.html",
        "versions/founding/en.html",
        "versions/founding/fr.html",
        "versions/charter-2026/en.html",
        "versions/charter-2026/fr.html",
        "principles/open-source/en.html",
        "principles/open-source/fr.html",
        "members/index.html",
        "members/uk/index.html",
        "decisions/index.html",
        "reports/index.html",
        "reports/2026.html",
        "reports/2027.html",
        "verify.html",
        "feed.xml",
        "style.css",
        "allowed_signers",
    ] {
        assert!(files.contains_key(rel), "{rel} missing");
    }
    // Each page says its language; the charter in French is in French,
    // with a way back to the same principle in English.
    assert!(page("charter/fr.html").contains("<html lang=\"fr\">"));
    assert!(page("charter/fr.html").contains("Logiciel libre"));
    assert!(page("charter/fr.html").contains("href=\"en.html#open-source\""));
    assert!(page("charter/en.html").contains("<section id=\"open-source\""));
    // Point in time: the founding charter still has the old text.
    assert!(!page("versions/founding/en.html").contains("Open by default"));
    assert!(page("charter/en.html").contains("Open by default"));
    assert!(page("versions/index.html").contains("re-affirmed (charter-2026)"));
    assert!(page("reports/2026.html").contains("Re-affirmed by all members"));
    // The principle's history names the decision and its signatories,
    // with the words added marked for a screen reader.
    let history = page("principles/user-needs/en.html");
    assert!(history.contains("seconded by ee"), "{history}");
    assert!(history.contains("<ins><span class=\"vh\">[added: </span>"));
    // The open proposal says who must still act.
    let open = ids.iter().find(|id| id.contains("connectivity")).unwrap();
    let decision = page(&format!("decisions/{open}/index.html"));
    assert!(decision.contains("Still to accept"), "{decision}");
    assert!(
        decision.contains("kr: &lt;img src=x onerror=&quot;alert(1)&quot;&gt; no"),
        "{decision}"
    );
    assert!(page("feed.xml").contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(page("feed.xml").contains("Open: "));
    // The stamp names the commit it was built from.
    assert!(page("index.html").contains(&g.head()));
    assert_eq!(page("allowed_signers"), g.read_file("keys/allowed_signers"));
}

#[test]
fn untrusted_text_stays_inert() {
    let g = history();
    let site = published(&g, "site");
    assert!(
        inert_and_shown(
            &site,
            "&lt;script&gt;window.__charter_pwned=1&lt;/script&gt;"
        ),
        "the hostile text is shown as text somewhere"
    );
}

/// Asserts no page or feed of `site` holds a script, an image, an event
/// attribute or a `javascript:` link; whether one shows `escaped`.
fn inert_and_shown(site: &Path, escaped: &str) -> bool {
    let mut shown = false;
    for (rel, bytes) in tree(site) {
        if !rel.ends_with(".html") && !rel.ends_with(".xml") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        let lower = text.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{rel}: a script element");
        assert!(!lower.contains("<img"), "{rel}: an image");
        for name in attribute_names(&text) {
            assert!(!name.starts_with("on"), "{rel}: an event attribute {name}");
        }
        for href in attrs(&text, "href") {
            assert!(
                !href.to_ascii_lowercase().contains("javascript:"),
                "{rel}: {href}"
            );
        }
        shown |= text.contains(escaped);
    }
    shown
}

/// A candidate's name is its own text: markup in it is kept whole in the
/// record, shown as text on the site, and dropped only from the commit's
/// author, where git refuses angle brackets (it once stopped `apply`).
#[test]
fn a_candidate_named_with_markup_applies_and_its_name_stays_inert() {
    let g = Group::d5();
    let name = "<img src=x onerror=\"window.__charter_pwned=1\">Ruritania";
    let statement = fill_statement(&g.statement_template());
    let file = g.statement_file("yy", &statement);
    let out = g
        .charter("jp")
        .args(["apply", "--id", "yy", "--name", name, "--statement"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "apply: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout(&out).trim().to_string();
    let toml = g.read_file(&format!("{}/proposal.toml", proposal_dir(&id)));
    assert!(
        toml.contains(&format!("title = 'Admit {name} (yy)'")),
        "{toml}"
    );
    assert_eq!(
        g.git_out(&["log", "-1", "--format=%an <%ae>"]),
        "img src=x onerror=\"window.__charter_pwned=1\"Ruritania <yy@charter.invalid>"
    );
    g.assert_verify_passes();
    let site = published(&g, "site");
    assert!(
        inert_and_shown(&site, "&lt;img src=x onerror="),
        "the name is shown as text somewhere"
    );
}

/// The names of the attributes of every tag in `html`, lower-cased. Text
/// never holds a raw `<` (it is escaped), so each `<` opens a tag.
fn attribute_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        // Quoted values are dropped first: they may hold spaces and `=`.
        let mut bare = String::new();
        let mut quoted = false;
        for c in tag.chars() {
            match c {
                '"' => quoted = !quoted,
                c if !quoted => bare.push(c),
                _ => {}
            }
        }
        for word in bare.split_whitespace().skip(1) {
            let name = word.split('=').next().unwrap_or_default();
            names.push(name.to_ascii_lowercase());
        }
    }
    names
}

#[test]
fn every_link_and_anchor_resolves_to_a_file() {
    let g = history();
    let site = published(&g, "site");
    assert_links_resolve(&tree(&site));
}

/// A generated federation has what a hand-made history lacks: departures,
/// rotations, applications refused or expired, several years of reviews.
#[test]
fn a_generated_federation_publishes_with_every_link_resolving() {
    let env = crate::common::Env::new();
    let out = crate::federation::generate(
        &env,
        &[
            "--members",
            "6",
            "--proposals",
            "30",
            "--years",
            "3",
            "--seed",
            "7",
            "--out",
            "fed",
            "--keys",
            "fed-keys",
        ],
    );
    assert!(out.status.success());
    let g = Group {
        repo: env.path().join("fed"),
        env,
    };
    let site = published(&g, "site");
    let files = tree(&site);
    assert!(
        files.keys().any(|k| k.starts_with("versions/charter-")),
        "a review's version"
    );
    assert_links_resolve(&files);
}

fn assert_links_resolve(files: &BTreeMap<String, Vec<u8>>) {
    let mut checked = 0;
    for (rel, bytes) in files {
        if !rel.ends_with(".html") {
            continue;
        }
        let text = String::from_utf8(bytes.clone()).unwrap();
        let base = Path::new(rel).parent().unwrap_or(Path::new(""));
        for href in attrs(&text, "href").into_iter().chain(attrs(&text, "src")) {
            if href.starts_with("http") || href.starts_with("mailto:") {
                continue;
            }
            assert!(!href.starts_with('/'), "{rel}: absolute link {href}");
            let (file, anchor) = href.split_once('#').unwrap_or((&href, ""));
            let target = if file.is_empty() {
                rel.clone()
            } else {
                normalize(&base.join(file))
            };
            let Some(content) = files.get(&target) else {
                panic!("{rel}: broken link {href} ({target})");
            };
            if !anchor.is_empty() {
                let content = String::from_utf8_lossy(content);
                assert!(
                    content.contains(&format!("id=\"{anchor}\"")),
                    "{rel}: no anchor {href}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} links");
}

/// Principles named like the ids the theme gives its own elements get
/// pages where every id is still unique, and every link still lands.
#[test]
fn principles_named_like_the_themes_ids_leave_every_id_unique() {
    let g = Group::d5();
    for principle in ["main", "h-open-source"] {
        let dir = g.env.path().join(principle);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = g.charter("uk");
        cmd.args(["propose", "add", principle]);
        for (lang, title) in [("en", "Main"), ("fr", "Principal")] {
            let file = dir.join(format!("{lang}.md"));
            std::fs::write(&file, format!("# {title}\n\nText.\n")).unwrap();
            cmd.arg("--text").arg(format!("{lang}={}", file.display()));
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = stdout(&out).trim().to_string();
        g.act("ee", "second", &id);
        for who in ["il", "nz", "kr"] {
            g.act(who, "accept", &id);
        }
    }
    let site = published(&g, "site");
    let mut pages = 0;
    for (rel, bytes) in tree(&site) {
        if !rel.ends_with(".html") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        let ids = attrs(&text, "id");
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{rel}: an id twice in {ids:?}");
        pages += 1;
    }
    assert!(pages > 10);
    let charter = std::fs::read_to_string(site.join("charter/en.html")).unwrap();
    assert!(charter.contains("<section id=\"main\""), "{charter}");
    assert_links_resolve(&tree(&site));
}

/// `a/b/../c` → `a/c`.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[test]
fn signature_files_verify_with_openssh_alone() {
    let g = history();
    let site = published(&g, "site");
    let decisions = site.join("decisions");
    let mut checked = 0;
    for entry in std::fs::read_dir(&decisions).unwrap() {
        let dir = entry.unwrap().path().join("signatures");
        let Ok(records) = std::fs::read_dir(&dir) else {
            continue;
        };
        let page = std::fs::read_to_string(dir.parent().unwrap().join("index.html")).unwrap();
        for r in records {
            let msg = r.unwrap().path();
            if msg.extension().is_none_or(|e| e != "msg") {
                continue;
            }
            let name = msg.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&msg).unwrap();
            let signer = field(&text, "signer");
            let date = field(&text, "date");
            let time: String = date.chars().filter(char::is_ascii_digit).collect();
            // The command the page gives, as a reader would run it.
            let command = format!(
                "ssh-keygen -Y verify -f allowed_signers -I {signer} -n charter -Overify-time={time}Z -s {name}.sig &lt; {name}.msg"
            );
            assert!(page.contains(&command), "{command}");
            let out = Command::new("ssh-keygen")
                .current_dir(&dir)
                .args(["-Y", "verify", "-f"])
                .arg(site.join("allowed_signers"))
                .args(["-I", &signer, "-n", "charter"])
                .arg(format!("-Overify-time={time}Z"))
                .args(["-s", &format!("{name}.sig")])
                .stdin(std::fs::File::open(&msg).unwrap())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                msg.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18, "every signature of the history");
}

fn field(msg: &str, name: &str) -> String {
    msg.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {msg}"))
        .to_string()
}

#[test]
fn the_same_repository_gives_the_same_site_and_republishing_writes_only_changes() {
    let mut g = history();
    let a = published(&g, "a");
    let b = published(&g, "b");
    assert!(tree(&a) == tree(&b), "two publications differ");
    let again = publish(&g, &a);
    assert!(
        stdout(&again).contains("0 written, 0 removed"),
        "{}",
        stdout(&again)
    );

    // One more act: republishing writes some files, and the result is the
    // site a fresh publication gives.
    g.at("2027-03-02T10:00:00Z");
    let open = g.read().args(["status", "--json"]).output().unwrap();
    assert!(open.status.success());
    let id = stdout(&open)
        .split('"')
        .find(|w| w.contains("connectivity"))
        .unwrap()
        .to_string();
    g.charter("nz").args(["withdraw", &id]).assert().success();
    let again = publish(&g, &a);
    assert!(again.status.success());
    assert!(!stdout(&again).contains(" 0 written"), "{}", stdout(&again));
    let c = published(&g, "c");
    assert!(
        tree(&a) == tree(&c),
        "a republished site differs from a fresh one"
    );
}

#[test]
fn a_history_that_does_not_verify_is_not_published() {
    let g = history();
    g.write("charter/open-source.en.md", "# Open source\n\nClosed.\n");
    g.git_commit_all("edit the charter by hand");
    let out = g.env.path().join("site");
    let run = publish(&g, &out);
    assert_one_line_error(
        &run,
        1,
        &["charter/open-source.en.md", "no site is published"],
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_folder_publish_did_not_make_is_left_alone() {
    let g = history();
    let out = g.env.path().join("photos");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("holiday.jpg"), "not a site").unwrap();
    let run = publish(&g, &out);
    assert_one_line_error(&run, 2, &["photos", "not empty"]);
    assert_eq!(tree(&out).into_keys().collect::<Vec<_>>(), ["holiday.jpg"]);
}

#[test]
fn a_theme_replaces_the_built_in_templates_and_style() {
    let g = history();
    let theme = g.env.path().join("theme");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("style.css"), "body { color: #000; }\n").unwrap();
    std::fs::write(
        theme.join("home.html"),
        "{% extends \"base.html\" %}{% block title %}Welcome{% endblock %}{% block main %}<h1>Our charter</h1>{% endblock %}",
    )
    .unwrap();
    let out = g.env.path().join("site");
    let run = g
        .read()
        .args(["publish", "--out"])
        .arg(&out)
        .arg("--theme")
        .arg(&theme)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("style.css")).unwrap(),
        "body { color: #000; }\n"
    );
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("<h1>Our charter</h1>"), "{home}");
    // The other pages keep the built-in templates.
    assert!(std::fs::read_to_string(out.join("charter/en.html"))
        .unwrap()
        .contains("The charter of Digital 5"));

    // A file the theme cannot hold, or a template that does not parse, is
    // named, and nothing is written.
    for (name, text, needle) in [
        ("homepage.html", "x", "not a file of the site's theme"),
        ("member.html", "{% if %}", "member.html"),
    ] {
        let bad = g.env.path().join(format!("bad-{name}"));
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join(name), text).unwrap();
        let out = g.env.path().join(format!("site-{name}"));
        let run = g
            .read()
            .args(["publish", "--out"])
            .arg(&out)
            .arg("--theme")
            .arg(&bad)
            .output()
            .unwrap();
        assert_one_line_error(&run, 2, &[name, needle]);
        assert!(!out.exists());
    }
}

/// A folder published into may hold links (a forge's pages checkout, a
/// restored cache): publish never writes or deletes through one.
#[test]
fn links_in_the_site_folder_are_refused_never_followed() {
    let g = history();
    let outside = g.env.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim.txt"), "keep me").unwrap();

    // A dangling link where a page goes.
    let site = published(&g, "site");
    std::fs::remove_file(site.join("verify.html")).unwrap();
    std::os::unix::fs::symlink(outside.join("pwned.html"), site.join("verify.html")).unwrap();
    let run = publish(&g, &site);
    assert_one_line_error(&run, 2, &["verify.html", "symbolic link"]);
    assert!(
        !outside.join("pwned.html").exists(),
        "written through a link"
    );

    // A folder of the site replaced by a link, and a manifest that lists a
    // file behind it as the earlier site's.
    let site = published(&g, "site2");
    std::fs::remove_dir_all(site.join("reports")).unwrap();
    std::os::unix::fs::symlink(&outside, site.join("reports")).unwrap();
    let manifest = site.join(".charter-site");
    let mut lines = std::fs::read_to_string(&manifest).unwrap();
    lines.push_str("0 reports/victim.txt\n");
    std::fs::write(&manifest, lines).unwrap();
    let run = publish(&g, &site);
    assert_one_line_error(&run, 2, &["reports", "symbolic link"]);
    assert_eq!(
        tree(&outside).into_keys().collect::<Vec<_>>(),
        ["victim.txt"],
        "nothing written or removed outside the site"
    );
}
