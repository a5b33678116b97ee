//! Transcripts: Markdown files under `tests/transcripts/` that tell a story
//! of the process in prose and in `$ charter …` sessions with their output,
//! run as tests (in the manner of heartwood's `radicle-cli/examples/*.md`).
//!
//! The format (`tests/transcripts/README.md` has an example):
//!
//! - A fenced block whose info string starts with `console` is run. Its
//!   other words may be `as=KEY`, the key that acts in this block only
//!   (`CHARTER_KEY=~/.ssh/KEY`; without it no key is given), and
//!   `at=2026-01-10T10:00:00Z`, the clock (`CHARTER_NOW`) for this block
//!   and the following ones (until the first `at=`, [`NOW`]). Every fixture
//!   key of `tests/fixtures/keys/` is in `~/.ssh/` (private halves with
//!   mode 0600): `uk`, `ee`, `il`, `nz`, `kr`, `jp`, `outsider`, ….
//! - In a run block, a line `$ COMMAND` runs a command; the lines after it,
//!   up to the next `$ ` line, are its output, stdout and stderr together
//!   in the order written. A line ending with ` \` goes on on the next
//!   line. Words are split as a shell splits plain words, `'…'` and `"…"`;
//!   `~/` at the start of a word is the home folder; a last `< FILE` is the
//!   standard input. The commands are the built `charter`, stock `git`,
//!   `ssh-keygen` and `ssh-add` (the first starts an `ssh-agent` of the
//!   transcript's own, which every later command reaches), and `cd DIR`.
//! - A command that exits with status N ≠ 0 ends its output with `[exit N]`.
//! - Any other fenced block with a word `file=PATH` in its info string
//!   writes its content to PATH (relative to the current directory).
//! - Output is compared line by line, literally, once the home folder's
//!   path is replaced by `~` and the scratch directory's by `[ROOT]`;
//!   `[..]` in an expected line matches any text within that line. Blank
//!   lines at the end of an output are not compared.
//!
//! Every transcript runs in a scratch directory of its own (`[ROOT]`,
//! where the commands start), with a cleared environment: a temporary
//! HOME, no git configuration, `TZ=UTC`, `NO_COLOR`. On a mismatch the
//! test fails naming the file and line of each command and showing a
//! diff; `UPDATE_TRANSCRIPTS=1 cargo test transcript` rewrites the
//! expected outputs in place instead (lines with `[..]` that still match
//! are kept).

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::agent::SshAgent;
use crate::common::{fixture_key, hermetic_env, NOW};

/// Where the transcripts are.
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts")
}

/// One command of a run block: its first line (1-based), its words, the
/// lines of its expected output (their range in the file) and the key
/// that acts.
struct Step {
    line: usize,
    words: Vec<String>,
    expected: std::ops::Range<usize>,
    key: Option<String>,
}

/// A scratch directory and the state a transcript builds as it runs.
struct Session {
    root: tempfile::TempDir,
    cwd: PathBuf,
    now: String,
    /// The ssh-agent the first `ssh-add` starts; every later command
    /// reaches it through `SSH_AUTH_SOCK`.
    agent: Option<SshAgent>,
}

impl Session {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        let ssh = root.path().join(".home/.ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        for entry in std::fs::read_dir(fixture_key("")).unwrap() {
            let from = entry.unwrap().path();
            let name = from.file_name().unwrap();
            if name != "README.md" {
                let to = ssh.join(name);
                std::fs::copy(&from, &to).unwrap();
                if from.extension().is_none() {
                    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
                }
            }
        }
        let cwd = root.path().to_path_buf();
        Self {
            root,
            cwd,
            now: NOW.to_string(),
            agent: None,
        }
    }

    /// Runs one command; returns its output (stdout and stderr as written,
    /// paths of the scratch directory replaced) and an `[exit N]` line.
    fn run(&mut self, step: &Step, file: &str) -> Vec<String> {
        let mut words: Vec<String> = step
            .words
            .iter()
            .map(|w| match w.strip_prefix("~/") {
                Some(rest) => self.home().join(rest).display().to_string(),
                None => w.clone(),
            })
            .collect();
        let stdin = match words.iter().position(|w| w == "<") {
            Some(i) if i + 2 == words.len() => {
                let f = words.pop().unwrap();
                words.pop();
                Some(self.cwd.join(f))
            }
            _ => None,
        };
        let (program, args) = words
            .split_first()
            .unwrap_or_else(|| panic!("{file}:{}: an empty command", step.line));
        let mut cmd = match program.as_str() {
            "cd" => {
                assert_eq!(args.len(), 1, "{file}:{}: cd DIR", step.line);
                self.cwd = self.cwd.join(&args[0]);
                assert!(self.cwd.is_dir(), "{file}:{}: no such folder", step.line);
                return Vec::new();
            }
            "charter" => Command::new(assert_cmd::cargo::cargo_bin("charter")),
            "git" | "ssh-keygen" => Command::new(program),
            "ssh-add" => {
                self.agent.get_or_insert_with(SshAgent::start);
                Command::new(program)
            }
            other => panic!("{file}:{}: `{other}` is not a command transcripts run (charter, git, ssh-keygen, ssh-add, cd)", step.line),
        };
        let root = self.root.path();
        cmd.args(args)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(hermetic_env(&self.home(), &self.now))
            .env("NO_COLOR", "1");
        if let Some(agent) = &self.agent {
            cmd.env("SSH_AUTH_SOCK", &agent.socket);
        }
        if let Some(key) = &step.key {
            cmd.env("CHARTER_KEY", self.home().join(".ssh").join(key));
        }
        // One file for stdout and stderr, so that their lines keep their order.
        let out_path = root.join(".output");
        let out = File::create(&out_path).unwrap();
        cmd.stdout(out.try_clone().unwrap()).stderr(out);
        cmd.stdin(match stdin {
            Some(p) => {
                Stdio::from(File::open(&p).unwrap_or_else(|e| panic!("{file}:{}: {e}", step.line)))
            }
            None => Stdio::null(),
        });
        let status = cmd
            .status()
            .unwrap_or_else(|e| panic!("{file}:{}: {program}: {e}", step.line));
        let text = std::fs::read_to_string(&out_path).expect("UTF-8 output");
        let mut lines: Vec<String> = self.redact(&text).lines().map(str::to_string).collect();
        trim_blank_end(&mut lines);
        match status.code() {
            Some(0) => {}
            Some(n) => lines.push(format!("[exit {n}]")),
            None => lines.push(format!("[killed: {status}]")),
        }
        lines
    }

    fn home(&self) -> PathBuf {
        self.root.path().join(".home")
    }

    /// The output with the home folder's path replaced by `~`, then the
    /// scratch directory's by `[ROOT]`.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        let root = self.root.path();
        for (dir, name) in [(self.home(), "~"), (root.to_path_buf(), "[ROOT]")] {
            for p in [dir.canonicalize().unwrap(), dir] {
                text = text.replace(p.to_str().unwrap(), name);
            }
        }
        text
    }
}

fn trim_blank_end(lines: &mut Vec<String>) {
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
}

/// Splits a command line as a shell does for plain words and quotes.
fn split(line: &str, at: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => w.extend(chars.next()),
                        Some(x) => w.push(x),
                        None => panic!("{at}: unclosed quote"),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Whether `actual` is `expected`, where `[..]` in `expected` matches any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let mut parts = expected.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

fn lines_match(expected: &[String], actual: &[String]) -> bool {
    expected.len() == actual.len() && expected.iter().zip(actual).all(|(e, a)| line_matches(e, a))
}

/// Runs the transcript `name` (a file of `tests/transcripts/`).
pub fn run(name: &str) {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let update = std::env::var_os("UPDATE_TRANSCRIPTS").is_some_and(|v| v != "0");
    let mut session = Session::new();
    let mut failures = Vec::new();
    // Replacements of expected output, made at the end (last first).
    let mut rewrites: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let mut ran = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```").map(str::trim) else {
            i += 1;
            continue;
        };
        let words: Vec<&str> = info.split_whitespace().collect();
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("{name}:{}: a fenced block is not closed", i + 1));
        let body = i + 1..end;
        if words.first() == Some(&"console") {
            let mut key = None;
            for w in &words[1..] {
                match w.split_once('=') {
                    Some(("as", k)) => key = Some(k.to_string()),
                    Some(("at", t)) => session.now = t.to_string(),
                    _ => panic!("{name}:{}: unknown word in the info string: {w}", i + 1),
                }
            }
            for step in steps(&lines, body, key, name) {
                let at = format!("{name}:{}", step.line);
                let actual = session.run(&step, name);
                ran += 1;
                let mut expected = lines[step.expected.clone()].to_vec();
                trim_blank_end(&mut expected);
                if lines_match(&expected, &actual) {
                    continue;
                }
                if update {
                    // Keep the wildcard lines that still match.
                    let new = actual
                        .iter()
                        .enumerate()
                        .map(|(k, a)| match expected.get(k) {
                            Some(e) if line_matches(e, a) => e.clone(),
                            _ => a.clone(),
                        })
                        .collect();
                    let n = expected.len();
                    rewrites.push((step.expected.start..step.expected.start + n, new));
                } else {
                    failures.push(format!(
                        "{at}: $ {}\n{}",
                        step.words.join(" "),
                        diff(&expected, &actual)
                    ));
                }
            }
        } else if let Some(target) = words.iter().find_map(|w| w.strip_prefix("file=")) {
            let dest = session.cwd.join(target);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            let mut content = lines[body].join("\n");
            content.push('\n');
            std::fs::write(&dest, content).unwrap();
        }
        i = end + 1;
    }
    assert!(ran > 0, "{name}: no command was run");
    if update && !rewrites.is_empty() {
        for (range, new) in rewrites.into_iter().rev() {
            lines.splice(range, new);
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        eprintln!("{name}: expected output rewritten");
    }
    assert!(
        failures.is_empty(),
        "transcript {name} does not match ({} command(s)); UPDATE_TRANSCRIPTS=1 rewrites it\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The commands of a run block, each with the lines of its output.
fn steps(
    lines: &[String],
    body: std::ops::Range<usize>,
    key: Option<String>,
    name: &str,
) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut j = body.start;
    while j < body.end {
        let Some(first) = lines[j].strip_prefix("$ ") else {
            assert!(
                !steps.is_empty() || lines[j].trim().is_empty(),
                "{name}:{}: output before any `$ ` command",
                j + 1
            );
            j += 1;
            continue;
        };
        let line = j + 1;
        let mut command = first.to_string();
        while command.ends_with(" \\") && j + 1 < body.end {
            command.truncate(command.len() - 2);
            j += 1;
            command.push(' ');
            command.push_str(lines[j].trim_start());
        }
        j += 1;
        let start = j;
        while j < body.end && !lines[j].starts_with("$ ") {
            j += 1;
        }
        steps.push(Step {
            line,
            words: split(&command, &format!("{name}:{line}")),
            expected: start..j,
            key: key.clone(),
        });
    }
    steps
}

/// A line diff of expected and actual output.
fn diff(expected: &[String], actual: &[String]) -> String {
    let e = expected.join("\n") + "\n";
    let a = actual.join("\n") + "\n";
    similar::TextDiff::from_lines(&e, &a)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}

// ---- The transcripts ----

/// Every transcript in the folder has its test below.
#[test]
fn every_transcript_is_run() {
    let mut found: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    found.sort();
    assert_eq!(found, TRANSCRIPTS);
}

const TRANSCRIPTS: [&str; 4] = ["amendment.md", "join.md", "review.md", "walkthrough.md"];

#[test]
fn amendment() {
    run("amendment.md");
}

#[test]
fn join() {
    run("join.md");
}

#[test]
fn review() {
    run("review.md");
}

#[test]
fn walkthrough() {
    run("walkthrough.md");
}

#[test]
fn wildcards_match_within_a_line_only() {
    assert!(line_matches(
        "verified: [..] commits",
        "verified: 12 commits"
    ));
    assert!(line_matches("[..]", "anything"));
    assert!(line_matches("a[..]b[..]c", "a-x-b-y-c"));
    assert!(!line_matches("a[..]b[..]c", "a-x-c-y-b"));
    assert!(!line_matches("verified: 12", "verified: 123"));
    assert!(!line_matches("x[..]", "y"));
    assert_eq!(
        split(
            r#"charter init d5 --name "Digital 5" --member 'uk:United Kingdom=uk.pub' a\ b"#,
            "t"
        ),
        [
            "charter",
            "init",
            "d5",
            "--name",
            "Digital 5",
            "--member",
            "uk:United Kingdom=uk.pub",
            "a b"
        ]
    );
}
