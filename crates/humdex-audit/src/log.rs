//! Whole-log verification, for `humdex audit verify`.

use ed25519_dalek::VerifyingKey;

use crate::checkpoint::SignedCheckpoint;
use crate::error::{Error, Result};
use crate::hash::{Hash, leaf_hash};
use crate::tree::Frontier;

/// What a verified log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    /// The number of entries.
    pub entries: u64,
    /// The number of checkpoints, all validly signed and matching the entries.
    pub checkpoints: usize,
    /// The size of the last checkpoint: entries from here on are not yet vouched for by a
    /// signature.
    pub checkpointed: u64,
    /// The root of the tree of all entries.
    pub root: Hash,
}

/// Replays a log entry by entry, rebuilding its tree and checking each checkpoint when the log
/// reaches its size, and stops at the first sign of tampering.
///
/// For a store that streams its entries; [`verify_log`] does the same over an iterator.
#[derive(Debug, Clone)]
pub struct LogVerifier {
    key: VerifyingKey,
    checkpoints: Vec<SignedCheckpoint>,
    /// The position in `checkpoints` of the next one to check.
    next_checkpoint: usize,
    /// The size of the last checkpoint checked.
    checkpointed: Option<u64>,
    frontier: Frontier,
}

impl LogVerifier {
    /// Starts a replay against `checkpoints` (as stored, oldest first), signed by `key`.
    pub fn new(
        key: &VerifyingKey,
        checkpoints: impl IntoIterator<Item = SignedCheckpoint>,
    ) -> Self {
        Self {
            key: *key,
            checkpoints: checkpoints.into_iter().collect(),
            next_checkpoint: 0,
            checkpointed: None,
            frontier: Frontier::new(),
        }
    }

    /// Takes the next entry: its index, its stored bytes and, when the store keeps it, its stored
    /// leaf hash.
    pub fn push(
        &mut self,
        index: u64,
        leaf_bytes: &[u8],
        stored_leaf_hash: Option<&Hash>,
    ) -> Result<()> {
        self.check_due_checkpoints()?;
        let expected = self.frontier.size();
        if index > expected {
            return Err(Error::EntriesMissing {
                expected,
                found: index,
            });
        }
        if index < expected {
            return Err(Error::EntryOutOfOrder {
                expected,
                found: index,
            });
        }
        let hash = leaf_hash(leaf_bytes);
        if stored_leaf_hash.is_some_and(|stored| *stored != hash) {
            return Err(Error::LeafHashMismatch { index });
        }
        self.frontier.append(hash)?;
        Ok(())
    }

    /// Ends the replay: checks the checkpoints still due and that none is beyond the log.
    pub fn finish(mut self) -> Result<LogSummary> {
        self.check_due_checkpoints()?;
        if let Some(beyond) = self.checkpoints.get(self.next_checkpoint) {
            return Err(Error::CheckpointBeyondLog {
                size: beyond.checkpoint().size,
                log_size: self.frontier.size(),
            });
        }
        Ok(LogSummary {
            entries: self.frontier.size(),
            checkpoints: self.checkpoints.len(),
            checkpointed: self.checkpointed.unwrap_or(0),
            root: self.frontier.root(),
        })
    }

    /// Checks every checkpoint whose size the log has reached.
    fn check_due_checkpoints(&mut self) -> Result<()> {
        while let Some(signed) = self.checkpoints.get(self.next_checkpoint) {
            let size = signed.checkpoint().size;
            if let Some(previous) = self.checkpointed
                && size <= previous
            {
                return Err(Error::CheckpointsOutOfOrder { previous, size });
            }
            if size > self.frontier.size() {
                return Ok(());
            }
            let checkpoint =
                signed
                    .verify(&self.key)
                    .map_err(|reason| Error::CheckpointSignature {
                        size,
                        reason: Box::new(reason),
                    })?;
            if checkpoint.root != self.frontier.root() {
                return Err(Error::CheckpointRootMismatch {
                    size,
                    first_suspect: self.checkpointed.unwrap_or(0),
                });
            }
            self.checkpointed = Some(size);
            self.next_checkpoint += 1;
        }
        Ok(())
    }
}

/// Verifies a whole log: `entries` as `(index, leaf bytes, stored leaf hash)` in index order,
/// `checkpoints` as stored, oldest first, signed by `key`.
///
/// Recomputes the tree and returns the first sign of tampering: a changed entry, a missing or
/// inserted one, a checkpoint that is badly signed, out of order, beyond the log, or whose root
/// the entries no longer give.
pub fn verify_log<B: AsRef<[u8]>>(
    entries: impl IntoIterator<Item = (u64, B, Option<Hash>)>,
    checkpoints: impl IntoIterator<Item = SignedCheckpoint>,
    key: &VerifyingKey,
) -> Result<LogSummary> {
    let mut verifier = LogVerifier::new(key, checkpoints);
    for (index, leaf_bytes, stored_leaf_hash) in entries {
        verifier.push(index, leaf_bytes.as_ref(), stored_leaf_hash.as_ref())?;
    }
    verifier.finish()
}
