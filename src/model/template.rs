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
            include_str!("../../charter/d5/assisted-digital.en.md"),
        ),
        (
            "assisted-digital.fr.md",
            include_str!("../../charter/d5/assisted-digital.fr.md"),
        ),
        (
            "commitment-to-share-and-learn.en.md",
            include_str!("../../charter/d5/commitment-to-share-and-learn.en.md"),
        ),
        (
            "commitment-to-share-and-learn.fr.md",
            include_str!("../../charter/d5/commitment-to-share-and-learn.fr.md"),
        ),
        (
            "connectivity.en.md",
            include_str!("../../charter/d5/connectivity.en.md"),
        ),
        (
            "connectivity.fr.md",
            include_str!("../../charter/d5/connectivity.fr.md"),
        ),
        ("index.toml", include_str!("../../charter/d5/index.toml")),
        (
            "open-government.en.md",
            include_str!("../../charter/d5/open-government.en.md"),
        ),
        (
            "open-government.fr.md",
            include_str!("../../charter/d5/open-government.fr.md"),
        ),
        (
            "open-markets.en.md",
            include_str!("../../charter/d5/open-markets.en.md"),
        ),
        (
            "open-markets.fr.md",
            include_str!("../../charter/d5/open-markets.fr.md"),
        ),
        (
            "open-source.en.md",
            include_str!("../../charter/d5/open-source.en.md"),
        ),
        (
            "open-source.fr.md",
            include_str!("../../charter/d5/open-source.fr.md"),
        ),
        (
            "open-standards.en.md",
            include_str!("../../charter/d5/open-standards.en.md"),
        ),
        (
            "open-standards.fr.md",
            include_str!("../../charter/d5/open-standards.fr.md"),
        ),
        (
            "teach-children-to-code.en.md",
            include_str!("../../charter/d5/teach-children-to-code.en.md"),
        ),
        (
            "teach-children-to-code.fr.md",
            include_str!("../../charter/d5/teach-children-to-code.fr.md"),
        ),
        (
            "user-needs.en.md",
            include_str!("../../charter/d5/user-needs.en.md"),
        ),
        (
            "user-needs.fr.md",
            include_str!("../../charter/d5/user-needs.fr.md"),
        ),
    ],
};

pub const DN2021: Template = Template {
    name: "dn2021",
    description: "The Digital Nations charter of 2021: ten principles, in English and French",
    languages: &["en", "fr"],
    files: &[
        (
            "co-creation-and-experimentation.en.md",
            include_str!("../../charter/dn2021/co-creation-and-experimentation.en.md"),
        ),
        (
            "co-creation-and-experimentation.fr.md",
            include_str!("../../charter/dn2021/co-creation-and-experimentation.fr.md"),
        ),
        (
            "digital-inclusion-and-accessibility.en.md",
            include_str!("../../charter/dn2021/digital-inclusion-and-accessibility.en.md"),
        ),
        (
            "digital-inclusion-and-accessibility.fr.md",
            include_str!("../../charter/dn2021/digital-inclusion-and-accessibility.fr.md"),
        ),
        (
            "digital-skills-and-training.en.md",
            include_str!("../../charter/dn2021/digital-skills-and-training.en.md"),
        ),
        (
            "digital-skills-and-training.fr.md",
            include_str!("../../charter/dn2021/digital-skills-and-training.fr.md"),
        ),
        (
            "index.toml",
            include_str!("../../charter/dn2021/index.toml"),
        ),
        (
            "necessary-safeguards.en.md",
            include_str!("../../charter/dn2021/necessary-safeguards.en.md"),
        ),
        (
            "necessary-safeguards.fr.md",
            include_str!("../../charter/dn2021/necessary-safeguards.fr.md"),
        ),
        (
            "open-government.en.md",
            include_str!("../../charter/dn2021/open-government.en.md"),
        ),
        (
            "open-government.fr.md",
            include_str!("../../charter/dn2021/open-government.fr.md"),
        ),
        (
            "open-markets.en.md",
            include_str!("../../charter/dn2021/open-markets.en.md"),
        ),
        (
            "open-markets.fr.md",
            include_str!("../../charter/dn2021/open-markets.fr.md"),
        ),
        (
            "open-source.en.md",
            include_str!("../../charter/dn2021/open-source.en.md"),
        ),
        (
            "open-source.fr.md",
            include_str!("../../charter/dn2021/open-source.fr.md"),
        ),
        (
            "open-standards.en.md",
            include_str!("../../charter/dn2021/open-standards.en.md"),
        ),
        (
            "open-standards.fr.md",
            include_str!("../../charter/dn2021/open-standards.fr.md"),
        ),
        (
            "sustainability.en.md",
            include_str!("../../charter/dn2021/sustainability.en.md"),
        ),
        (
            "sustainability.fr.md",
            include_str!("../../charter/dn2021/sustainability.fr.md"),
        ),
        (
            "user-needs.en.md",
            include_str!("../../charter/dn2021/user-needs.en.md"),
        ),
        (
            "user-needs.fr.md",
            include_str!("../../charter/dn2021/user-needs.fr.md"),
        ),
    ],
};

pub const ALL: &[&Template] = &[&D5, &DN2021];

pub fn find(name: &str) -> Option<&'static Template> {
    ALL.iter().copied().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dn2021_has_ten_principles_in_two_languages() {
        let index = DN2021
            .files
            .iter()
            .find(|(n, _)| *n == "index.toml")
            .unwrap()
            .1;
        let index = crate::model::charter::Index::parse(index).unwrap();
        assert_eq!(index.principles.len(), 10);
        assert_eq!(DN2021.files.len(), 1 + 10 * 2);
        for (name, text) in DN2021.files.iter().filter(|(n, _)| n.ends_with(".md")) {
            crate::model::charter::Text::parse(name, text).unwrap();
        }
    }

    #[test]
    fn d5_has_nine_principles_in_two_languages() {
        let index = D5.files.iter().find(|(n, _)| *n == "index.toml").unwrap().1;
        let index = crate::model::charter::Index::parse(index).unwrap();
        assert_eq!(index.principles.len(), 9);
        assert_eq!(D5.files.len(), 1 + 9 * 2);
        for (name, text) in D5.files.iter().filter(|(n, _)| n.ends_with(".md")) {
            crate::model::charter::Text::parse(name, text).unwrap();
        }
    }
}
