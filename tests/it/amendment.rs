//! The amendment process end to end, through the built binary.

use crate::common::*;

#[test]
fn init_propose_second_accept_by_all_applies_the_text() {
    let g = Group::d5();
    let id = g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(id, "2026-001-open-source");
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert_eq!(g.read_file("charter/open-source.fr.md"), OPEN_SOURCE_FR);
    assert_eq!(
        g.git_out(&["show", "HEAD:charter/open-source.en.md"]),
        OPEN_SOURCE_EN.trim()
    );
    insta::assert_snapshot!(g.shown(&["text", "open-source"]), @"
    ## 3. Open source

    Government code is open source by default.
    ");
    assert_eq!(g.git_out(&["status", "--porcelain"]), "");
    insta::assert_snapshot!(g.shown(&["verify"]), @"verified: 7 commits from trust root 7746aafd78a1 to 7a4af35d6f1d (0 new): 5 signatures, 1 proposal, 1 finalization; 5 members, 9 principles");
}

/// `Group::d5` copies a fixture built once; the copy is the group built
/// afresh, and the same acts give the same commits in both.
#[test]
fn a_group_copied_from_its_fixture_is_the_group_built_afresh() {
    let copied = Group::d5();
    let fresh = Group::found_d5(NOW);
    assert_ne!(copied.env.path(), fresh.env.path());
    assert_eq!(copied.tree_state(), fresh.tree_state());
    assert_eq!(copied.env.now, fresh.env.now);
    for g in [&copied, &fresh] {
        g.adopt_amendment("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
        g.assert_verify_passes();
    }
    assert_eq!(copied.tree_state(), fresh.tree_state());
}
