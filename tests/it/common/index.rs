//! Helpers for the index of decisions a clone keeps in
//! `.git/charter/index/`: what the reading commands print, and the index
//! file corrupted or forged as a careless hand or a forger would.

use std::path::PathBuf;
use std::process::Output;

use sha2::{Digest, Sha256};

use super::{stderr, stdout, Group};

/// The first line of the index's files.
const HEADER: &str = "charter index v1";

impl Group {
    /// The clone's index of decisions.
    pub fn index_file(&self) -> PathBuf {
        self.repo.join(".git/charter/index/decisions")
    }

    /// Removes the clone's index, every file of it.
    pub fn drop_index(&self) {
        let dir = self.repo.join(".git/charter/index");
        if dir.exists() {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    /// What each of `reads` prints, in order; each must succeed without a
    /// word on stderr.
    pub fn outputs(&self, reads: &[&[&str]]) -> Vec<String> {
        reads
            .iter()
            .map(|args| {
                let out = self.read().args(*args).output().unwrap();
                assert!(out.status.success(), "charter {args:?}: {}", stderr(&out));
                assert_eq!(stderr(&out), "", "charter {args:?}");
                stdout(&out)
            })
            .collect()
    }

    /// Asserts that each read of `reads` printed the same in `got` as in
    /// `want`, naming the first that did not (and only it).
    pub fn assert_same_reads(
        &self,
        reads: &[&[&str]],
        got: &[String],
        want: &[String],
        what: &str,
    ) {
        assert_eq!(got.len(), want.len(), "{what}");
        for ((args, got), want) in reads.iter().zip(got).zip(want) {
            assert_eq!(got, want, "{what}: charter {args:?}");
        }
    }

    /// The index's JSON body, once its header and checksum are checked.
    pub fn index_json(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.index_file()).unwrap();
        let mut lines = text.splitn(3, '\n');
        assert_eq!(lines.next(), Some(HEADER));
        let (sum, body) = (lines.next().unwrap(), lines.next().unwrap());
        assert_eq!(sum, hex(&Sha256::digest(body.as_bytes())));
        serde_json::from_str(body).unwrap()
    }

    /// Rewrites the index with `edit` made to its JSON body and a checksum
    /// that matches: a forgery by someone who knows the format.
    pub fn forge_index(&self, edit: impl FnOnce(&mut serde_json::Value)) {
        let mut body = self.index_json();
        edit(&mut body);
        let body = serde_json::to_string(&body).unwrap();
        let sum = hex(&Sha256::digest(body.as_bytes()));
        std::fs::write(self.index_file(), format!("{HEADER}\n{sum}\n{body}")).unwrap();
    }

    /// Replaces `from` by `to` in the index file, its checksum left as it
    /// was: an edit by a careless hand.
    pub fn edit_index(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.index_file()).unwrap();
        assert!(text.contains(from), "{from} is not in the index");
        std::fs::write(self.index_file(), text.replacen(from, to, 1)).unwrap();
    }

    /// `charter args` run as `nobody`, who may read the clone but not
    /// write it (git's ownership check passed with safe.directory, as a
    /// careful user would).
    pub fn run_read_only(&self, args: &[&str]) -> Output {
        let home = self.env.path().join("nobody-home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(home.join(".gitconfig"), "[safe]\n\tdirectory = *\n").unwrap();
        let chmod = std::process::Command::new("chmod")
            .args(["-R", "o+rX"])
            .arg(self.env.path())
            .status()
            .unwrap();
        assert!(chmod.success());
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("charter"))
            .args(args)
            .current_dir(&self.repo)
            .env("HOME", &home)
            .env_remove("GIT_CONFIG_GLOBAL")
            .env("TZ", "UTC")
            .env("CHARTER_NOW", &self.env.now)
            .output()
            .unwrap()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
