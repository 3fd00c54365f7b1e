//! The mathematics of Humdex's tamper-evident audit log: an append-only Merkle tree with RFC 9162
//! hashing ([`leaf_hash`], [`node_hash`]), its incremental right edge ([`Frontier`]), inclusion
//! and consistency proofs composed from stored perfect subtrees ([`NodeId`]), the log line
//! ([`AuditEntry`]) and its canonical leaf bytes, checkpoints signed as C2SP signed notes
//! ([`SignedCheckpoint`]), and whole-log verification ([`verify_log`]).
//!
//! This crate must not know storage or HTTP: it takes node hashes through lookups and entries
//! through iterators, and the clock through the timestamps it is given. `humdex-store` keeps the
//! entries and the perfect nodes [`Frontier::append`] reports; the `humdex audit verify` command
//! feeds the log back to [`verify_log`].
//!
//! ```
//! use std::collections::HashMap;
//! use humdex_audit::{Frontier, inclusion_proof, inclusion_proof_nodes, leaf_hash, verify_inclusion};
//!
//! # fn main() -> humdex_audit::Result<()> {
//! let mut frontier = Frontier::new();
//! let mut stored = HashMap::new();
//! for entry in ["a", "b", "c"] {
//!     stored.extend(frontier.append(leaf_hash(entry.as_bytes()))?);
//! }
//! // The store fetches these rows in one query, then the proof is composed from them.
//! let needed = inclusion_proof_nodes(1, 3)?;
//! let rows: HashMap<_, _> = needed.iter().map(|id| (*id, stored[id])).collect();
//! let proof = inclusion_proof(1, 3, |id| rows.get(&id).copied())?;
//! verify_inclusion(&leaf_hash(b"b"), 1, 3, &proof, &frontier.root())?;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod checkpoint;
mod entry;
mod error;
mod hash;
mod log;
mod proof;
mod tree;

pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use entry::{AuditEntry, Outcome};
pub use error::{Error, Result};
pub use hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};
pub use log::{LogSummary, LogVerifier, verify_log};
pub use proof::{
    consistency_proof, consistency_proof_nodes, inclusion_proof, inclusion_proof_nodes,
    verify_consistency, verify_inclusion,
};
pub use tree::{Frontier, NodeId, root_at};
