//! Keeps the library's layers one way, as rust-analyzer's `tidy` does: a
//! module may name only its own layer and the layers below it, and only the
//! store names `git2`. The order is the one ARCHITECTURE.md explains.

use std::path::{Path, PathBuf};

/// From the bottom up.
const LAYERS: [&str; 8] = [
    "crypto", "model", "store", "rules", "verify", "history", "publish", "process",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers a file names through `crate::…`, including inside `use
/// crate::{a, b}` groups.
fn named_layers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(inner.split(',').map(|p| first_segment(p.trim())));
        } else {
            out.push(first_segment(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn first_segment(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn layer_of(name: &str) -> Option<usize> {
    match name {
        // The crate root re-exports the model's error type only.
        "Error" | "Result" => Some(1),
        _ => LAYERS.iter().position(|l| *l == name),
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn layers_depend_only_downwards() {
    let mut wrong = Vec::new();
    for (own, layer) in LAYERS.iter().enumerate() {
        let mut files = Vec::new();
        rust_files(&src().join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ is missing");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for named in named_layers(&text) {
                match layer_of(&named) {
                    Some(l) if l <= own => {}
                    Some(_) => wrong.push(format!(
                        "{}: names crate::{named}, a layer above {layer}",
                        file.display()
                    )),
                    None => wrong.push(format!(
                        "{}: names crate::{named}, which is in no layer",
                        file.display()
                    )),
                }
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
}

#[test]
fn only_the_store_names_git2() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let store = src().join("store");
    let mut wrong: Vec<String> = files
        .into_iter()
        .filter(|f| !f.starts_with(&store) && !f.ends_with("tidy.rs"))
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("git2"))
        .map(|f| f.display().to_string())
        .collect();
    wrong.sort();
    assert!(
        wrong.is_empty(),
        "git2 named outside src/store/:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_nested_paths() {
    let text =
        "use crate::model::id::MemberId;\nuse crate::{store, rules::x};\nlet e = crate::Error::x;";
    assert_eq!(named_layers(text), ["model", "store", "rules", "Error"]);
}
