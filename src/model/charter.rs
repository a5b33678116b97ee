//! The charter: an ordered list of principles, each with a text in every
//! language (`charter/index.toml`, `charter/<principle>.<lang>.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::error::{from_toml, Error, Result};
use crate::model::id::{Lang, PrincipleId};
use crate::model::tree::Tree;

pub const DIR: &str = "charter";
pub const INDEX: &str = "charter/index.toml";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub principles: Vec<PrincipleId>,
}

impl Index {
    pub fn parse(text: &str) -> Result<Self> {
        let index: Index = from_toml(INDEX, text)?;
        let mut seen = index.principles.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != index.principles.len() {
            return Err(Error::parse(INDEX, "a principle is listed twice"));
        }
        // What `propose retire` refuses, verify refuses too.
        if index.principles.is_empty() {
            return Err(Error::parse(
                INDEX,
                "the charter has no principle (the last principle of a charter cannot be retired)",
            ));
        }
        Ok(index)
    }

    pub fn to_toml(&self) -> String {
        let mut s = String::from("principles = [\n");
        for p in &self.principles {
            s.push_str(&format!("  \"{p}\",\n"));
        }
        s.push_str("]\n");
        s
    }
}

pub fn text_path(principle: &PrincipleId, lang: &Lang) -> String {
    format!("{DIR}/{principle}.{lang}.md")
}

/// The principle and language whose text `path` is
/// (`charter/<principle>.<lang>.md`), if it is one: [`text_path`] read back.
pub fn text_of(path: &str) -> Option<(PrincipleId, Lang)> {
    let name = path
        .strip_prefix(DIR)?
        .strip_prefix('/')?
        .strip_suffix(".md")?;
    let (principle, lang) = name.split_once('.')?;
    Some((principle.parse().ok()?, lang.parse().ok()?))
}

/// One principle's text in one language: a `# Title` line, then the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
    pub raw: String,
}

impl Text {
    pub fn parse(path: &str, raw: &str) -> Result<Self> {
        let first = raw.lines().next().unwrap_or_default();
        let title = first
            .strip_prefix("# ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::parse(path, "the first line must be '# <title>'"))?;
        let body = raw[first.len()..].trim().to_string();
        if body.is_empty() {
            return Err(Error::parse(path, "the text is empty"));
        }
        if raw.contains('\r') {
            return Err(Error::parse(path, "use '\\n' line endings"));
        }
        Ok(Self {
            title: title.to_string(),
            body,
            raw: raw.to_string(),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Principle {
    pub id: PrincipleId,
    pub texts: BTreeMap<Lang, Text>,
}

impl Principle {
    pub fn title(&self, lang: &Lang) -> &str {
        self.texts.get(lang).map(|t| t.title.as_str()).unwrap_or("")
    }
}

/// The charter as it stands in one tree.
#[derive(Clone, Debug)]
pub struct Charter {
    pub principles: Vec<Principle>,
}

impl Charter {
    /// A tree's governance file and the charter in its languages: the pair
    /// every reader of a version needs.
    pub fn load_governed(snap: &dyn Tree) -> Result<(crate::model::governance::Governance, Self)> {
        use crate::model::governance::{Governance, PATH};
        let gov = Governance::parse(&snap.require(PATH)?)?;
        let charter = Charter::load(snap, &gov.languages)?;
        Ok((gov, charter))
    }

    /// Loads and checks the charter: every principle has a text in every
    /// language, and nothing else lives in `charter/`.
    pub fn load(snap: &dyn Tree, languages: &[Lang]) -> Result<Self> {
        let index = Index::parse(&snap.require(INDEX)?)?;
        let mut principles = Vec::new();
        let mut expected = vec!["index.toml".to_string()];
        for id in &index.principles {
            let mut texts = BTreeMap::new();
            for lang in languages {
                let path = text_path(id, lang);
                let raw = snap.read(&path)?.ok_or_else(|| {
                    Error::parse(
                        &path,
                        format!("missing: principle '{id}' has no '{lang}' text"),
                    )
                })?;
                texts.insert(lang.clone(), Text::parse(&path, &raw)?);
                expected.push(format!("{id}.{lang}.md"));
            }
            principles.push(Principle {
                id: id.clone(),
                texts,
            });
        }
        for entry in snap.entries(DIR)? {
            if entry.is_dir || !expected.contains(&entry.name) {
                return Err(Error::parse(
                    format!("{DIR}/{}", entry.name),
                    "not part of the charter (not in charter/index.toml, or a language governance.toml does not list)",
                ));
            }
        }
        Ok(Self { principles })
    }

    pub fn get(&self, id: &PrincipleId) -> Option<&Principle> {
        self.principles.iter().find(|p| &p.id == id)
    }

    pub fn position(&self, id: &PrincipleId) -> Option<usize> {
        self.principles.iter().position(|p| &p.id == id)
    }

    pub fn index(&self) -> Index {
        Index {
            principles: self.principles.iter().map(|p| p.id.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_needs_title_and_body() {
        let t = Text::parse("x.md", "# Open source\n\nShare code.\n").unwrap();
        assert_eq!(t.title, "Open source");
        assert_eq!(t.body, "Share code.");
        assert!(Text::parse("x.md", "Open source\n\nShare.\n").is_err());
        assert!(Text::parse("x.md", "# Open source\n\n").is_err());
        assert!(Text::parse("x.md", "# \n\nbody\n").is_err());
        assert!(Text::parse("x.md", "").is_err());
    }

    #[test]
    fn index_refuses_duplicates() {
        assert!(Index::parse("principles = [\"a\", \"a\"]\n").is_err());
        assert!(Index::parse("principles = []\n").is_err());
        assert!(Index::parse("principles = [\"a\"]\nlanguages = []\n").is_err());
        let i = Index::parse("principles = [\"a\", \"b\"]\n").unwrap();
        assert_eq!(Index::parse(&i.to_toml()).unwrap(), i);
    }

    #[test]
    fn text_paths_read_back() {
        let (p, l): (PrincipleId, Lang) = ("open-source".parse().unwrap(), "fr".parse().unwrap());
        assert_eq!(text_of(&text_path(&p, &l)), Some((p, l)));
        for other in [
            INDEX,
            "charter/open-source.md",
            "charter/open-source.en.fr.md",
            "charter/Open.en.md",
            "keys/open-source.en.md",
            "charter/open-source.en.toml",
        ] {
            assert_eq!(text_of(other), None, "{other}");
        }
    }
}
