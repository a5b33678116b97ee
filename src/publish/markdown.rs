//! Markdown from the repository (principle texts, statements of interest)
//! as HTML that stays inert: every text in a repository is untrusted, so
//! raw HTML is shown as text, never passed through, and a link keeps only
//! a destination that cannot run anything.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

/// `text` as HTML: raw HTML escaped, links only to `http:`, `https:`,
/// `mailto:` or a relative place, images shown as links (a site fetches
/// nothing from elsewhere).
pub fn to_html(text: &str) -> String {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let events = parser.map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }
            | Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            },
        ) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// A destination a reader can follow without running anything; anything
/// else becomes `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let scheme = lower
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None | Some("http" | "https" | "mailto") => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("Hello <script>alert(1)</script>\n\n<img src=x onerror=\"alert(1)\">\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn links_that_run_code_go_nowhere() {
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "vbscript:x",
        ] {
            let html = to_html(&format!("[x]({bad})"));
            assert!(html.contains("href=\"#\""), "{bad}: {html}");
        }
        let html = to_html("[a](https://example.org/) [b](page.html#x) [c](mailto:a@b.c)");
        assert!(html.contains("href=\"https://example.org/\""), "{html}");
        assert!(html.contains("href=\"page.html#x\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
    }

    #[test]
    fn autolinks_are_judged_too() {
        let html = to_html("<javascript:alert(1)> and <https://example.org>");
        assert!(
            html.contains("<a href=\"#\">javascript:alert(1)</a>"),
            "{html}"
        );
        assert!(html.contains("href=\"https://example.org\""), "{html}");
    }

    #[test]
    fn images_become_links() {
        let html = to_html("![a cat](https://example.org/cat.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.org/cat.png\">a cat</a>"),
            "{html}"
        );
    }

    #[test]
    fn markdown_still_renders() {
        let html = to_html("Some *emphasis* and a list:\n\n- one\n- two\n");
        assert!(html.contains("<em>emphasis</em>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }
}
