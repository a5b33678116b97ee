//! Charter templates embedded in the binary, from the top-level `charter/` folder.

pub struct Template {
    pub name: &'static str,
    pub description: &'static str,
    pub languages: &'static [&'static str],
    pub files: &'static [(&'static str, &'static str)],
}

pub const D5: Template = Template {
    name: "d5",
    description: "The Digital 5 charter of 2014: nine principles, in English and French",
    languages: &["en", "fr"],
    files: &[
        (
            "assisted-digital.en.md",
            include_str!("../charter/d5/assisted-digital.en.md"),
        ),
        (
            "assisted-digital.fr.md",
            include_str!("../charter/d5/assisted-digital.fr.md"),
        ),
        (
            "commitment-to-share-and-learn.en.md",
            include_str!("../charter/d5/commitment-to-share-and-learn.en.md"),
        ),
        (
            "commitment-to-share-and-learn.fr.md",
            include_str!("../charter/d5/commitment-to-share-and-learn.fr.md"),
        ),
        (
            "connectivity.en.md",
            include_str!("../charter/d5/connectivity.en.md"),
        ),
        (
            "connectivity.fr.md",
            include_str!("../charter/d5/connectivity.fr.md"),
        ),
        ("index.toml", include_str!("../charter/d5/index.toml")),
        (
            "open-government.en.md",
            include_str!("../charter/d5/open-government.en.md"),
        ),
        (
            "open-government.fr.md",
            include_str!("../charter/d5/open-government.fr.md"),
        ),
        (
            "open-markets.en.md",
            include_str!("../charter/d5/open-markets.en.md"),
        ),
        (
            "open-markets.fr.md",
            include_str!("../charter/d5/open-markets.fr.md"),
        ),
        (
            "open-source.en.md",
            include_str!("../charter/d5/open-source.en.md"),
        ),
        (
            "open-source.fr.md",
            include_str!("../charter/d5/open-source.fr.md"),
        ),
        (
            "open-standards.en.md",
            include_str!("../charter/d5/open-standards.en.md"),
        ),
        (
            "open-standards.fr.md",
            include_str!("../charter/d5/open-standards.fr.md"),
        ),
        (
            "teach-children-to-code.en.md",
            include_str!("../charter/d5/teach-children-to-code.en.md"),
        ),
        (
            "teach-children-to-code.fr.md",
            include_str!("../charter/d5/teach-children-to-code.fr.md"),
        ),
        (
            "user-needs.en.md",
            include_str!("../charter/d5/user-needs.en.md"),
        ),
        (
            "user-needs.fr.md",
            include_str!("../charter/d5/user-needs.fr.md"),
        ),
    ],
};

pub const ALL: &[&Template] = &[&D5];

pub fn find(name: &str) -> Option<&'static Template> {
    ALL.iter().copied().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d5_has_nine_principles_in_two_languages() {
        let index = D5.files.iter().find(|(n, _)| *n == "index.toml").unwrap().1;
        let index = crate::charter::Index::parse(index).unwrap();
        assert_eq!(index.principles.len(), 9);
        assert_eq!(D5.files.len(), 1 + 9 * 2);
        for (name, text) in D5.files.iter().filter(|(n, _)| n.ends_with(".md")) {
            crate::charter::Text::parse(name, text).unwrap();
        }
    }
}
