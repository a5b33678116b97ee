//! Chance and words: a seeded generator (the same seed plans the same
//! history) and the texts members write, in English and French.

/// splitmix64: small, fast, and good enough to vary a history.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const EN: [&str; 32] = [
    "government",
    "services",
    "citizens",
    "data",
    "open",
    "standards",
    "code",
    "users",
    "needs",
    "shared",
    "platforms",
    "public",
    "digital",
    "trust",
    "privacy",
    "access",
    "every",
    "design",
    "teams",
    "learn",
    "publish",
    "reuse",
    "secure",
    "simple",
    "clear",
    "evidence",
    "skills",
    "connect",
    "inclusive",
    "measure",
    "improve",
    "together",
];
const FR: [&str; 32] = [
    "administration",
    "services",
    "citoyens",
    "données",
    "ouvert",
    "normes",
    "code",
    "usagers",
    "besoins",
    "partagé",
    "plateformes",
    "public",
    "numérique",
    "confiance",
    "vie privée",
    "accès",
    "chaque",
    "conception",
    "équipes",
    "apprendre",
    "publier",
    "réutiliser",
    "sûr",
    "simple",
    "clair",
    "preuves",
    "compétences",
    "relier",
    "inclusif",
    "mesurer",
    "améliorer",
    "ensemble",
];

/// A few sentences of `words`, starting with `lead`.
fn sentences(rng: &mut Rng, words: &[&str], lead: &str) -> String {
    let mut out = String::from(lead);
    for s in 0..2 + rng.below(4) {
        if s > 0 {
            out.push(' ');
        }
        let n = 6 + rng.below(10);
        for w in 0..n {
            let word = words[rng.below(words.len())];
            if w == 0 {
                let mut c = word.chars();
                if let Some(first) = c.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        out.push('.');
    }
    out
}

/// A principle's text in `lang` (`# title`, a blank line, the body), the
/// `version`-th the group has drafted.
pub fn principle(rng: &mut Rng, lang: &str, title: &str, version: usize) -> String {
    let (words, lead) = match lang {
        "fr" => (&FR, format!("Version {version}. ")),
        _ => (&EN, format!("Version {version}. ")),
    };
    let mut body = sentences(rng, words, &lead);
    if rng.chance(0.5) {
        body.push_str("\n\n");
        body.push_str(&sentences(rng, words, ""));
    }
    format!("# {title}\n\n{body}\n")
}

/// One line of text, for a reason or a statement's section.
pub fn line(rng: &mut Rng, lead: &str) -> String {
    let mut s = sentences(rng, &EN, lead);
    s.truncate(s.char_indices().nth(400).map_or(s.len(), |(i, _)| i));
    s
}

/// Topics a new principle may be about: (id words, English, French).
pub const TOPICS: [(&str, &str, &str); 8] = [
    ("digital-identity", "Digital identity", "Identité numérique"),
    (
        "data-protection",
        "Data protection",
        "Protection des données",
    ),
    ("responsible-ai", "Responsible AI", "IA responsable"),
    ("green-it", "Sustainable technology", "Numérique durable"),
    ("cyber-security", "Cyber security", "Cybersécurité"),
    (
        "digital-inclusion",
        "Digital inclusion",
        "Inclusion numérique",
    ),
    ("interoperability", "Interoperability", "Interopérabilité"),
    ("once-only", "Once only", "Une seule fois"),
];
