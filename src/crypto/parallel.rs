//! Signature checks done on every core while the caller reads on: a
//! history's records are read and judged in order on one thread, and the
//! curve arithmetic of their signatures, nine tenths of the cost of
//! reading them, is queued here.
//!
//! Each signature is verified on its own, strictly. A batch equation would
//! be cheaper, but ed25519 batch verification can accept a signature whose
//! `R` carries a small torsion component, which the strict check (and
//! OpenSSH) refuse; only the key's holder can make one, and ruling it out
//! per signature costs as much as the strict check it would save.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::crypto::key::PreparedCheck;

/// Checks handed to a worker at once.
const CHUNK: usize = 256;

type Chunk<T> = Vec<(usize, PreparedCheck, T)>;

/// Checks run in the background; `T` says what to report of one that
/// fails.
pub struct CheckQueue<T: Send + 'static> {
    chunk: Chunk<T>,
    next: usize,
    sender: Option<SyncSender<Chunk<T>>>,
    workers: Vec<JoinHandle<Option<(usize, T)>>>,
    /// The first failure among checks no worker could take.
    here: Option<(usize, T)>,
}

/// A worker thread panicked: what it was given is not judged.
#[derive(Debug, thiserror::Error)]
#[error("a signature-checking thread failed")]
pub struct WorkerFailed;

impl<T: Send + 'static> Default for CheckQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static> CheckQueue<T> {
    /// No thread starts until a whole chunk is queued: a history of a few
    /// records (`verify` after one act) is checked on the caller's thread
    /// rather than paying a thread per core to start.
    pub fn new() -> Self {
        Self {
            chunk: Vec::with_capacity(CHUNK),
            next: 0,
            sender: None,
            workers: Vec::new(),
            here: None,
        }
    }

    fn start_workers(&mut self) {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Bounded: the reader waits rather than holding a whole history.
        let (sender, receiver) = sync_channel::<Chunk<T>>(threads * 2);
        let receiver = Arc::new(Mutex::new(receiver));
        self.workers = (0..threads)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                std::thread::spawn(move || work(&receiver))
            })
            .collect();
        self.sender = Some(sender);
    }

    /// Queues one check; `blame` is what [`Self::finish`] returns if it is
    /// the first to fail.
    pub fn push(&mut self, check: PreparedCheck, blame: T) {
        self.chunk.push((self.next, check, blame));
        self.next += 1;
        if self.chunk.len() == CHUNK {
            if self.workers.is_empty() {
                self.start_workers();
            }
            self.send();
        }
    }

    fn send(&mut self) {
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        let unsent = match &self.sender {
            Some(sender) => sender.send(chunk).err().map(|e| e.0),
            None => Some(chunk),
        };
        // No worker started (a short history) or none left: check it here.
        if let Some(chunk) = unsent {
            keep_first(&mut self.here, first_bad(chunk));
        }
    }

    /// Waits for every check; the blame of the first queued that failed.
    pub fn finish(mut self) -> Result<Option<T>, WorkerFailed> {
        self.send();
        self.sender = None;
        let mut worst = self.here.take();
        for worker in std::mem::take(&mut self.workers) {
            keep_first(&mut worst, worker.join().map_err(|_| WorkerFailed)?);
        }
        Ok(worst.map(|(_, t)| t))
    }
}

fn keep_first<T>(worst: &mut Option<(usize, T)>, found: Option<(usize, T)>) {
    if let Some((seq, blame)) = found {
        if worst.as_ref().is_none_or(|(w, _)| seq < *w) {
            *worst = Some((seq, blame));
        }
    }
}

fn work<T>(receiver: &Mutex<Receiver<Chunk<T>>>) -> Option<(usize, T)> {
    let mut worst: Option<(usize, T)> = None;
    loop {
        // A poisoned lock means another worker panicked: finish reports it.
        let Ok(Ok(chunk)) = receiver.lock().map(|r| r.recv()) else {
            return worst;
        };
        keep_first(&mut worst, first_bad(chunk));
    }
}

fn first_bad<T>(chunk: Chunk<T>) -> Option<(usize, T)> {
    chunk
        .into_iter()
        .find(|(_, check, _)| check.check().is_err())
        .map(|(seq, _, blame)| (seq, blame))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::key::{generate, KeyError, SigningKey};

    /// `n` checks of one key's signatures, those at `bad` over a message
    /// other than the one signed.
    fn checks(n: usize, bad: &[usize]) -> Vec<PreparedCheck> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        generate(&path, "test").unwrap();
        let no_pass = |p: &std::path::Path| Err(KeyError::key(p.display().to_string(), "none"));
        let key = SigningKey::load(&path, &no_pass).unwrap();
        (0..n)
            .map(|i| {
                let msg = format!("record {i}");
                let sig = key.sign("charter", msg.as_bytes()).unwrap();
                let signed = if bad.contains(&i) { "forged" } else { &msg };
                key.public()
                    .prepare("charter", signed.as_bytes(), &sig)
                    .unwrap()
            })
            .collect()
    }

    fn first_failing(checks: Vec<PreparedCheck>) -> Option<usize> {
        let mut queue = CheckQueue::new();
        for (i, check) in checks.into_iter().enumerate() {
            queue.push(check, i);
        }
        queue.finish().unwrap()
    }

    #[test]
    fn the_first_failure_in_queue_order_is_reported() {
        // Control: all good, over several chunks.
        assert_eq!(first_failing(checks(3 * CHUNK + 5, &[])), None);
        // Failures in different chunks, the later one checked first by
        // the workers' interleaving or not: the earliest is named.
        let bad = [2 * CHUNK + 7, CHUNK + 1, 3 * CHUNK + 2];
        assert_eq!(first_failing(checks(3 * CHUNK + 5, &bad)), Some(CHUNK + 1));
        // A last, partial chunk is checked too.
        assert_eq!(first_failing(checks(10, &[9])), Some(9));
        assert_eq!(first_failing(Vec::new()), None);
    }
}
