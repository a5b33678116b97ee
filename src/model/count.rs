//! "1 commit", "2 commits": a number with its noun, for sentences.

use std::fmt;

/// `n` and `noun`, plural unless `n` is 1. Nouns take an `s`, which holds
/// for every noun the tool counts.
pub struct Count(pub usize, pub &'static str);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Count(n, noun) = *self;
        match n {
            1 => write!(f, "1 {noun}"),
            _ => write!(f, "{n} {noun}s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Count;

    #[test]
    fn one_is_singular_and_others_plural() {
        assert_eq!(Count(1, "commit").to_string(), "1 commit");
        assert_eq!(Count(0, "proposal").to_string(), "0 proposals");
        assert_eq!(Count(7, "signature").to_string(), "7 signatures");
    }
}
