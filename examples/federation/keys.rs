//! Every identity's keys, made with the library's own key generator into
//! KEYDIR: `<id>` (unencrypted OpenSSH private key) and `<id>.pub` hold the
//! key an identity holds at the end; a key rotated away moves to
//! `KEYDIR/retired/<id>-<n>`, so it can be shown to be refused.

use std::path::{Path, PathBuf};

use charter::crypto::key::{generate, pub_path, KeyError, SigningKey};

pub struct Keys {
    dir: PathBuf,
    pub keys: Vec<SigningKey>,
    retired: usize,
}

fn no_passphrase(p: &Path) -> Result<String, KeyError> {
    Err(KeyError::key(
        p.display().to_string(),
        "unexpected passphrase",
    ))
}

impl Keys {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            keys: Vec::new(),
            retired: 0,
        }
    }

    /// A new key for `id`, written to `KEYDIR/<id>`; returns its index.
    /// An earlier key of `id` there is moved to `retired/` first.
    pub fn generate(&mut self, id: &str) -> Result<usize, Box<dyn std::error::Error>> {
        let path = self.dir.join(id);
        if path.exists() {
            self.retired += 1;
            let retired = self.dir.join("retired");
            std::fs::create_dir_all(&retired)?;
            let to = retired.join(format!("{id}-{}", self.retired));
            std::fs::rename(&path, &to)?;
            std::fs::rename(pub_path(&path), pub_path(&to))?;
        }
        generate(&path, id)?;
        let key = SigningKey::load(&path, &no_passphrase)?;
        self.keys.push(key);
        Ok(self.keys.len() - 1)
    }

    pub fn get(&self, index: usize) -> &SigningKey {
        &self.keys[index]
    }
}
