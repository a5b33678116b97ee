//! Rule `kind-paths`: a proposal of one kind changes only the paths of its
//! kind, derived from its principle or language. Each attack is built by
//! hand with stock git and `ssh-keygen -Y sign`, from the files the tool
//! itself writes for an honest proposal of the same shape; beside each, that
//! honest proposal filed the same way verifies.

use crate::common::*;

/// A proposal's content files: path in the repository → text.
type Content = Vec<(String, String)>;

/// Runs `args` as `who` (a command that files a proposal) and undoes it:
/// the proposal's id and its content files as the tool wrote them (no
/// records).
fn filed_then_undone(g: &Group, who: &str, args: &[&str]) -> (String, Content) {
    let id = g.run_as(who, args);
    let dir = proposal_dir(&id);
    let files: Content = g
        .git_out(&["ls-files", &dir])
        .lines()
        .filter(|p| !p.contains("/signatures/"))
        .map(|p| (p.to_string(), g.read_file(p)))
        .collect();
    assert!(!files.is_empty(), "{id} filed nothing");
    g.git_out(&["reset", "-q", "--hard", "HEAD~1"]);
    (id, files)
}

/// `charter propose amend open-source` by uk, undone.
fn honest_amend(g: &Group) -> (String, Content) {
    let texts = g.texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let mut args = vec!["propose", "amend", "open-source"];
    args.extend(texts.iter().map(String::as_str));
    filed_then_undone(g, "uk", &args)
}

const OPEN_DATA_EN: &str = "# Open data\n\nWe publish our data openly.\n";
const OPEN_DATA_FR: &str = "# Données ouvertes\n\nNous publions nos données.\n";

/// `charter propose add open-data --after open-source` by uk.
fn add_args(g: &Group) -> Vec<String> {
    let mut args: Vec<String> = ["propose", "add", "open-data", "--after", "open-source"]
        .map(String::from)
        .to_vec();
    args.extend(g.texts("open-data", OPEN_DATA_EN, OPEN_DATA_FR));
    args
}

fn honest_add(g: &Group) -> (String, Content) {
    let args = add_args(g);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    filed_then_undone(g, "uk", &args)
}

/// uk's review of 2026 opened (kept), then its closing filed and undone.
fn honest_review_close(g: &Group) -> (String, Content) {
    g.run_as("uk", &["review", "open", "2026"]);
    filed_then_undone(g, "uk", &["review", "close", "2026"])
}

/// The text of `rel` (a path inside the proposal folder) in `files`.
fn file<'a>(files: &'a Content, id: &str, rel: &str) -> &'a str {
    let path = format!("{}/{rel}", proposal_dir(id));
    files
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("no {path} in {files:?}"))
}

/// `files` with `rel` (inside the proposal folder) set to `text`.
fn with(files: &Content, id: &str, rel: &str, text: &str) -> Content {
    let path = format!("{}/{rel}", proposal_dir(id));
    let mut out: Content = files.iter().filter(|(p, _)| *p != path).cloned().collect();
    out.push((path, text.to_string()));
    out
}

/// `proposal.toml` with `removes` listing `removes` and a base for each of
/// `based` (their blob ids at HEAD) added to its `[base]` table.
fn with_removes_and_base(g: &Group, toml: &str, removes: &[&str], based: &[&str]) -> String {
    assert!(
        toml.contains("\n[base]\n") && !toml.contains("removes"),
        "{toml}"
    );
    let mut out = toml.to_string();
    if !removes.is_empty() {
        let list: Vec<String> = removes.iter().map(|p| format!("\"{p}\"")).collect();
        out = out.replacen(
            "\n[base]\n",
            &format!("removes = [{}]\n\n[base]\n", list.join(", ")),
            1,
        );
    }
    for path in based {
        let blob = g.git_out(&["rev-parse", &format!("HEAD:{path}")]);
        out.push_str(&format!("\"{path}\" = \"{blob}\"\n"));
    }
    out
}

/// The D5 index without the principles `drop`, in the tool's format.
fn index_without(drop: &[&str]) -> String {
    let mut s = String::from("principles = [\n");
    for p in D5_PRINCIPLES.iter().filter(|p| !drop.contains(p)) {
        s.push_str(&format!("  \"{p}\",\n"));
    }
    s.push_str("]\n");
    s
}

/// Files `files` by hand, with uk's `propose`: one commit. Returns it.
fn file_by_hand(g: &Group, id: &str, files: &Content) -> String {
    for (path, text) in files {
        g.write(path, text);
    }
    g.sign_by_hand(id, "uk", "propose");
    g.git_commit_all(&format!("uk proposes {id}, by hand"));
    g.head()
}

/// ee's second, il's, nz's and kr's acceptances of `id` (one commit each),
/// then its finalization by hand: `decision.toml`, the files of its
/// `change/` copied into place and the paths in `removes` deleted.
fn adopt_by_hand(g: &Group, id: &str, removes: &[&str]) -> String {
    g.sign_by_hand(id, "ee", "second");
    g.git_commit_all(&format!("ee seconds {id}"));
    for who in ["il", "nz", "kr"] {
        g.sign_by_hand(id, who, "accept");
        g.git_commit_all(&format!("{who} accepts {id}"));
    }
    let dir = proposal_dir(id);
    g.write(&format!("{dir}/decision.toml"), &decision(NOW));
    let change = format!("{dir}/change/");
    for path in g.git_out(&["ls-files", &change]).lines() {
        let text = g.read_file(path);
        g.write(path.strip_prefix(&change).unwrap(), &text);
    }
    for path in removes {
        g.git_out(&["rm", "-q", path]);
    }
    g.git_commit_all(&format!("finalize {id}"));
    g.head()
}

/// `charter verify` (and `--full`) fails in commit `at`, under
/// `kind-paths`, at exactly `path`; returns the violation.
fn refused_at(g: &Group, at: &str, path: &str, says: &str) {
    let f = g.verify_failure_with(&[]);
    assert_eq!(f.rule, "kind-paths", "wrong rule: {}", f.stderr);
    assert_eq!(f.path, path, "wrong path: {}", f.stderr);
    assert_eq!(f.commit, at[..12], "wrong commit: {}", f.stderr);
    assert!(f.message.contains(says), "{}", f.stderr);
}

// ---------------------------------------------------------------------------
// An amendment of one principle that changes others.
// ---------------------------------------------------------------------------

/// The control: uk's amendment of open-source as the tool files it, filed,
/// signed and finalized by hand, verifies.
#[test]
fn control_an_amendment_by_hand_through_its_finalization_verifies() {
    let g = Group::d5();
    let (id, files) = honest_amend(&g);
    file_by_hand(&g, &id, &files);
    g.assert_verify_passes();
    adopt_by_hand(&g, &id, &[]);
    g.assert_verify_passes();
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
}

/// The reported attack: an amendment of open-source whose change/ also
/// holds charter/index.toml without open-markets, and whose `removes` lists
/// open-markets's texts, signed by all and finalized (9 → 8 principles):
/// refused at its filing.
#[test]
fn an_amendment_that_also_retires_another_principle_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_amend(&g);
    let retired = ["charter/open-markets.en.md", "charter/open-markets.fr.md"];
    let toml = file(&files, &id, "proposal.toml");
    let mut based = retired.to_vec();
    based.push("charter/index.toml");
    let toml = with_removes_and_base(&g, toml, &retired, &based);
    let files = with(&files, &id, "proposal.toml", &toml);
    let files = with(
        &files,
        &id,
        "change/charter/index.toml",
        &index_without(&["open-markets"]),
    );
    let filing = file_by_hand(&g, &id, &files);
    adopt_by_hand(&g, &id, &retired);
    assert!(
        !exists(&g, "charter/open-markets.en.md"),
        "the attack went through"
    );
    let path = format!("{}/change/charter/index.toml", proposal_dir(&id));
    refused_at(
        &g,
        &filing,
        &path,
        "an amendment of 'open-source' changes only its texts",
    );
}

/// The same amendment listing open-markets's texts in `removes` alone:
/// refused at its filing, at its proposal.toml, naming the text.
#[test]
fn an_amendment_that_removes_another_principles_texts_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_amend(&g);
    let retired = ["charter/open-markets.en.md", "charter/open-markets.fr.md"];
    let toml = with_removes_and_base(&g, file(&files, &id, "proposal.toml"), &retired, &retired);
    let files = with(&files, &id, "proposal.toml", &toml);
    let filing = file_by_hand(&g, &id, &files);
    refused_at(
        &g,
        &filing,
        &format!("{}/proposal.toml", proposal_dir(&id)),
        "may not remove charter/open-markets.en.md",
    );
}

/// An amendment of open-source whose change/ also holds a new text of
/// open-markets, signed by all and finalized: refused at its filing, at
/// that text.
#[test]
fn an_amendment_of_one_principle_changing_anothers_text_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_amend(&g);
    let other = "charter/open-markets.en.md";
    let toml = with_removes_and_base(&g, file(&files, &id, "proposal.toml"), &[], &[other]);
    let files = with(&files, &id, "proposal.toml", &toml);
    let files = with(
        &files,
        &id,
        &format!("change/{other}"),
        "# Open markets\n\nOnly our own suppliers.\n",
    );
    let filing = file_by_hand(&g, &id, &files);
    adopt_by_hand(&g, &id, &[]);
    assert!(g.read_file(other).contains("Only our own suppliers"));
    let path = format!("{}/change/{other}", proposal_dir(&id));
    refused_at(
        &g,
        &filing,
        &path,
        "may not change charter/open-markets.en.md",
    );
}

/// Acting on the hand-filed amendment works; on the one that also retires
/// open-markets, `charter second` is refused and nothing written.
#[test]
fn second_refuses_an_amendment_that_retires_another_principle() {
    let g = Group::d5();
    let (id, files) = honest_amend(&g);
    let start = g.head();
    file_by_hand(&g, &id, &files);
    g.act("ee", "second", &id);
    g.assert_verify_passes();

    g.git_out(&["reset", "-q", "--hard", &start]);
    let toml = with_removes_and_base(
        &g,
        file(&files, &id, "proposal.toml"),
        &[],
        &["charter/index.toml"],
    );
    let files = with(&files, &id, "proposal.toml", &toml);
    let files = with(
        &files,
        &id,
        "change/charter/index.toml",
        &index_without(&["open-markets"]),
    );
    file_by_hand(&g, &id, &files);
    g.assert_refused_unverified(
        g.charter("ee").args(["second", &id]),
        &["[kind-paths]", "change/charter/index.toml"],
    );
}

// ---------------------------------------------------------------------------
// A review's closing carrying a change.
// ---------------------------------------------------------------------------

/// The control: the tool's closing of the review, filed by hand, verifies,
/// and the others' acts through the tool adopt it.
#[test]
fn control_a_review_close_by_hand_verifies() {
    let g = Group::d5();
    let (id, files) = honest_review_close(&g);
    assert!(
        files.iter().all(|(p, _)| p.ends_with("/proposal.toml")),
        "{files:?}"
    );
    file_by_hand(&g, &id, &files);
    g.assert_verify_passes();
    g.second_and_accept_all("uk", "ee", &id);
    assert!(g.read_file("reviews/2026.toml").contains("closing"));
    g.assert_verify_passes();
}

/// A closing of the review whose change/ holds a new open-source text
/// (which its finalization would never apply): refused at its filing.
#[test]
fn a_review_close_carrying_a_text_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_review_close(&g);
    let files = with(
        &files,
        &id,
        "change/charter/open-source.en.md",
        OPEN_SOURCE_EN,
    );
    let filing = file_by_hand(&g, &id, &files);
    let path = format!("{}/change/charter/open-source.en.md", proposal_dir(&id));
    refused_at(&g, &filing, &path, "it changes no file");
    g.assert_refused_unverified(
        g.charter("ee").args(["second", &id]),
        &["[kind-paths]", "change/charter/open-source.en.md"],
    );
}

/// A closing of the review carrying a statement.md: refused at its filing.
#[test]
fn a_review_close_carrying_a_statement_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_review_close(&g);
    let files = with(
        &files,
        &id,
        "statement.md",
        "# Findings\n\nopen-markets is retired.\n",
    );
    let filing = file_by_hand(&g, &id, &files);
    let path = format!("{}/statement.md", proposal_dir(&id));
    refused_at(
        &g,
        &filing,
        &path,
        "only an application carries a statement",
    );
}

// ---------------------------------------------------------------------------
// A new principle, a retirement: the index changed by their principle alone.
// ---------------------------------------------------------------------------

/// The control: the tool's addition of open-data after open-source, filed
/// and finalized by hand, verifies.
#[test]
fn control_an_addition_by_hand_through_its_finalization_verifies() {
    let g = Group::d5();
    let (id, files) = honest_add(&g);
    let index = file(&files, &id, "change/charter/index.toml");
    assert!(
        index.contains("\"open-source\",\n  \"open-data\",\n"),
        "{index}"
    );
    file_by_hand(&g, &id, &files);
    g.assert_verify_passes();
    adopt_by_hand(&g, &id, &[]);
    g.assert_verify_passes();
    assert!(exists(&g, "charter/open-data.fr.md"));
}

/// An addition of open-data whose index also drops open-markets, or moves
/// another principle: refused at its filing, at the index.
#[test]
fn an_addition_whose_index_does_more_than_add_it_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_add(&g);
    let start = g.head();
    let index = file(&files, &id, "change/charter/index.toml").to_string();
    let path = format!("{}/change/charter/index.toml", proposal_dir(&id));
    for bad in [
        // open-markets retired on the way,
        index.replace("  \"open-markets\",\n", ""),
        // user-needs moved,
        index.replace("  \"user-needs\",\n", "").replace(
            "  \"connectivity\",\n",
            "  \"connectivity\",\n  \"user-needs\",\n",
        ),
        // or a second principle added with it.
        index.replace("]\n", "  \"open-borders\",\n]\n"),
    ] {
        assert_ne!(bad, index);
        g.git_out(&["reset", "-q", "--hard", &start]);
        let filing = file_by_hand(
            &g,
            &id,
            &with(&files, &id, "change/charter/index.toml", &bad),
        );
        refused_at(
            &g,
            &filing,
            &path,
            "adding 'open-data' may change charter/index.toml only by inserting it",
        );
    }
}

/// The control: the tool's retirement of open-markets, filed and finalized
/// by hand, verifies.
#[test]
fn control_a_retirement_by_hand_through_its_finalization_verifies() {
    let g = Group::d5();
    let (id, files) = filed_then_undone(&g, "uk", &["propose", "retire", "open-markets"]);
    file_by_hand(&g, &id, &files);
    g.assert_verify_passes();
    adopt_by_hand(
        &g,
        &id,
        &["charter/open-markets.en.md", "charter/open-markets.fr.md"],
    );
    g.assert_verify_passes();
}

/// A retirement of open-markets whose index also drops connectivity:
/// refused at its filing, at the index; one that also removes
/// connectivity's texts, at its proposal.toml.
#[test]
fn a_retirement_of_more_than_its_principle_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = filed_then_undone(&g, "uk", &["propose", "retire", "open-markets"]);
    let start = g.head();
    let index = index_without(&["open-markets", "connectivity"]);
    let filing = file_by_hand(
        &g,
        &id,
        &with(&files, &id, "change/charter/index.toml", &index),
    );
    refused_at(
        &g,
        &filing,
        &format!("{}/change/charter/index.toml", proposal_dir(&id)),
        "retiring 'open-markets' may change charter/index.toml only by taking it out",
    );

    g.git_out(&["reset", "-q", "--hard", &start]);
    let toml = file(&files, &id, "proposal.toml").replace(
        "\"charter/open-markets.fr.md\"]",
        "\"charter/open-markets.fr.md\", \"charter/connectivity.en.md\"]",
    );
    assert!(toml.contains("connectivity"), "{toml}");
    let files = with(&files, &id, "proposal.toml", &toml);
    let filing = file_by_hand(&g, &id, &files);
    refused_at(
        &g,
        &filing,
        &format!("{}/proposal.toml", proposal_dir(&id)),
        "may not remove charter/connectivity.en.md",
    );
}

/// A retirement made against an index that is not (yet) the one in force
/// cannot take effect, so its filing stands; once an addition makes that
/// index the one in force, its index (which also reorders the charter) is
/// judged: `charter second` refuses it, and its finalization by hand is
/// refused under `kind-paths`. The honest retirement made the same way
/// verifies.
#[test]
fn a_retirement_made_against_a_later_index_is_judged_at_its_finalization() {
    let g = Group::d5();
    let start = g.head();
    let add_args = add_args(&g);
    let add_args: Vec<&str> = add_args.iter().map(String::as_str).collect();
    // The retirement as the tool files it once open-data is added.
    let add = g.run_as("uk", &add_args);
    g.second_and_accept_all("uk", "ee", &add);
    let (id, files) = filed_then_undone(&g, "uk", &["propose", "retire", "open-markets"]);
    let later_index = file(&files, &id, "change/charter/index.toml").to_string();
    let reordered = later_index.replace("  \"user-needs\",\n", "").replace(
        "  \"connectivity\",\n",
        "  \"connectivity\",\n  \"user-needs\",\n",
    );
    assert_ne!(reordered, later_index);
    let removes = ["charter/open-markets.en.md", "charter/open-markets.fr.md"];

    for (index, honest) in [(&later_index, true), (&reordered, false)] {
        g.git_out(&["reset", "-q", "--hard", &start]);
        assert_eq!(g.run_as("uk", &add_args), add);
        file_by_hand(
            &g,
            &id,
            &with(&files, &id, "change/charter/index.toml", index),
        );
        g.assert_verify_passes();
        g.second_and_accept_all("uk", "ee", &add);
        g.assert_verify_passes();
        if honest {
            adopt_by_hand(&g, &id, &removes);
            g.assert_verify_passes();
            continue;
        }
        g.assert_refused(
            g.charter("ee").args(["second", &id]),
            &["change/charter/index.toml", "only by taking it out"],
        );
        let finalization = adopt_by_hand(&g, &id, &removes);
        refused_at(
            &g,
            &finalization,
            &format!("{}/change/charter/index.toml", proposal_dir(&id)),
            "only by taking it out",
        );
    }
}

/// An amendment of open-source that also brings its text in German, a
/// language the charter does not have: refused at its filing, at that text.
#[test]
fn an_amendment_in_a_language_the_charter_lacks_is_refused_at_filing() {
    let g = Group::d5();
    let (id, files) = honest_amend(&g);
    let german = "charter/open-source.de.md";
    let toml =
        file(&files, &id, "proposal.toml").to_string() + &format!("\"{german}\" = \"absent\"\n");
    let files = with(&files, &id, "proposal.toml", &toml);
    let files = with(
        &files,
        &id,
        &format!("change/{german}"),
        "# Freie Software\n\nOffen.\n",
    );
    let filing = file_by_hand(&g, &id, &files);
    let path = format!("{}/change/{german}", proposal_dir(&id));
    refused_at(&g, &filing, &path, "not a language of the charter (en, fr)");
}
