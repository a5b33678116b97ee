//! The word diff's cost at its bound (`history::diff::MAX_DIFFERING`),
//! against the same texts diffed without the bound.
//!
//! ```sh
//! cargo bench --bench diff
//! ```
//!
//! Texts of `n` words each unlike the other are the word diff's worst case:
//! its cost grows with the square of `n`. Up to the bound they are diffed
//! word by word; past it their differing middle is shown replaced whole.
//! Read the ratios, not the seconds: the machine may be busy.

use std::time::{Duration, Instant};

use charter::history::diff::{words, MAX_DIFFERING};
use similar::{Algorithm, TextDiff};

fn text(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{tag}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn time(f: impl Fn()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn main() {
    // A word and the space after it are two tokens.
    let at_bound = MAX_DIFFERING / 4;
    let base = time(|| {
        words(&text("a", at_bound), &text("b", at_bound));
    });
    println!(
        "{:>9} words a side   bounded   unbounded   (ratio to the bound's)",
        ""
    );
    for n in [at_bound, 2 * at_bound, 4 * at_bound, 8 * at_bound, 100_000] {
        let (old, new) = (text("a", n), text("b", n));
        let bounded = time(|| {
            words(&old, &new);
        });
        let unbounded = (n <= 8 * at_bound).then(|| {
            time(|| {
                let diff = TextDiff::configure()
                    .algorithm(Algorithm::Patience)
                    .diff_unicode_words(&old, &new);
                diff.iter_all_changes().count();
            })
        });
        let ratio = |d: Duration| d.as_secs_f64() / base.as_secs_f64();
        println!(
            "{n:>9} ({:>4} KiB)   {:>7.2}   {}",
            old.len() / 1024,
            ratio(bounded),
            unbounded.map_or("(not run)".into(), |d| format!("{:>9.2}", ratio(d))),
        );
    }
    println!("(1.00 = {:.0} ms)", base.as_secs_f64() * 1000.0);
}
