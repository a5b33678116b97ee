//! A candidate's statement of interest: one section per principle of the
//! charter saying what it does to meet it, and its record of excellence.

use crate::model::charter::Charter;
use crate::model::id::Lang;

pub const RECORD: &str = "Record of excellence";

/// The Markdown template `charter apply --template` prints.
pub fn template(group: &str, charter: &Charter, lang: &Lang) -> String {
    let mut s = format!(
        "# Statement of interest in joining {group}\n\n\
         <!-- For each principle, say what your government does to meet it. Keep every heading. -->\n"
    );
    for (i, p) in charter.principles.iter().enumerate() {
        s.push_str(&format!(
            "\n## {}. {} ({})\n\n\n",
            i + 1,
            p.title(lang),
            p.id
        ));
    }
    s.push_str(&format!(
        "\n## {RECORD}\n\n<!-- Your record of excellence in digital government. -->\n\n"
    ));
    s
}

/// The sections a statement lacks or leaves empty: the titles of
/// uncovered principles, and the record of excellence.
pub fn missing_sections(text: &str, charter: &Charter, lang: &Lang) -> Vec<String> {
    let sections = sections(text);
    let filled = |matches: &dyn Fn(&str) -> bool| {
        sections
            .iter()
            .any(|(heading, body)| matches(heading) && !body.is_empty())
    };
    let mut missing = Vec::new();
    for p in &charter.principles {
        let title = p.title(lang).to_lowercase();
        let id = format!("({})", p.id);
        let covers = |h: &str| {
            let h = h.to_lowercase();
            h.contains(&id) || strip_number(&h) == title
        };
        if !filled(&covers) {
            missing.push(format!("{} ({})", p.title(lang), p.id));
        }
    }
    let record = RECORD.to_lowercase();
    if !filled(&|h: &str| h.to_lowercase().contains(&record)) {
        missing.push(RECORD.to_string());
    }
    missing
}

fn strip_number(h: &str) -> &str {
    h.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .trim()
}

/// `## ` headings and the text under each, without HTML comments.
fn sections(text: &str) -> Vec<(String, String)> {
    let text = strip_comments(text);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((h.trim().to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            if !line.trim().is_empty() {
                body.push_str(line.trim());
                body.push('\n');
            }
        }
    }
    out
}

fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::charter::{Principle, Text};
    use std::collections::BTreeMap;

    fn charter() -> Charter {
        let en: Lang = "en".parse().unwrap();
        let p = |id: &str, title: &str| {
            let mut texts = BTreeMap::new();
            texts.insert(
                en.clone(),
                Text::parse("x", &format!("# {title}\n\nbody\n")).unwrap(),
            );
            Principle {
                id: id.parse().unwrap(),
                texts,
            }
        };
        Charter {
            principles: vec![
                p("user-needs", "User needs"),
                p("open-source", "Open source"),
            ],
        }
    }

    #[test]
    fn the_template_is_incomplete_until_filled() {
        let en: Lang = "en".parse().unwrap();
        let t = template("Digital 5", &charter(), &en);
        assert_eq!(
            missing_sections(&t, &charter(), &en),
            vec![
                "User needs (user-needs)",
                "Open source (open-source)",
                RECORD
            ]
        );
        let filled = "## 1. User needs (user-needs)\nWe do.\n## Open source\nWe share.\n## Record of excellence\nGov.uk\n";
        assert!(missing_sections(filled, &charter(), &en).is_empty());
        let empty_record =
            "## User needs\nx\n## Open source\ny\n## Record of excellence\n<!-- todo -->\n";
        assert_eq!(
            missing_sections(empty_record, &charter(), &en),
            vec![RECORD]
        );
    }
}
