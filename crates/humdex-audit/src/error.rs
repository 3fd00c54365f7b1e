use crate::tree::NodeId;

/// Everything that can go wrong in the audit log's mathematics, named after what happened.
///
/// The variants from [`LeafHashMismatch`](Error::LeafHashMismatch) on are found by
/// [`verify_log`](crate::verify_log) and name the first sign of tampering it met.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A leaf index that is not in the tree.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The size of the tree.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("tree size {size1} is larger than tree size {size2}")]
    SizesOutOfOrder {
        /// The size of the earlier tree.
        size1: u64,
        /// The size of the later tree.
        size2: u64,
    },
    /// A consistency proof from the empty tree, which RFC 9162 does not define (and which would
    /// prove nothing).
    #[error("a consistency proof needs an earlier tree of at least one leaf")]
    ConsistencyFromEmptyTree,
    /// A proof with more or fewer hashes than the tree sizes call for.
    #[error("the proof has {actual} hashes where {expected} are needed")]
    WrongProofLength {
        /// How many hashes the tree sizes call for.
        expected: usize,
        /// How many the proof has.
        actual: usize,
    },
    /// A proof that does not lead to the given root of the tree of this size.
    #[error("the proof does not lead to the given root of the tree of size {size}")]
    RootMismatch {
        /// The size of the tree whose root did not match.
        size: u64,
    },
    /// The caller's lookup had no hash for a tree node it was asked for.
    #[error("no hash was supplied for tree node {0}")]
    MissingNode(NodeId),
    /// An append to a tree that already holds `u64::MAX` leaves.
    #[error("the tree is full")]
    TreeFull,
    /// Leaf bytes that are not the JSON of an audit entry.
    #[error("leaf bytes are not an audit entry: {0}")]
    MalformedEntry(String),
    /// Text that breaks the signed-note format.
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// Note text that is not a Humdex checkpoint in canonical form.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// A key name that is empty or holds a space or a `+`.
    #[error("key name {0:?} is empty or holds a space or a '+'")]
    InvalidKeyName(String),
    /// A note with no signature by the key it was checked against.
    #[error("the note has no signature by this key")]
    NoSignatureByKey,
    /// A note whose signature by the key does not match its text.
    #[error("the note's signature by this key does not verify")]
    BadSignature,
    /// An entry whose bytes do not hash to the leaf hash stored beside it.
    #[error("entry {index} was changed: its bytes no longer hash to its stored leaf hash")]
    LeafHashMismatch {
        /// The index of the changed entry.
        index: u64,
    },
    /// A gap in the entry indexes: entries were removed.
    #[error("entry {expected} is missing (the next is {found}): entries were removed")]
    EntriesMissing {
        /// The first missing index.
        expected: u64,
        /// The index that came instead.
        found: u64,
    },
    /// An index that came again or out of order: an entry was inserted.
    #[error("entry {found} came where entry {expected} was due: an entry was inserted or repeated")]
    EntryOutOfOrder {
        /// The index that was due.
        expected: u64,
        /// The index that came instead.
        found: u64,
    },
    /// A checkpoint whose signature fails under the log's key.
    #[error("the checkpoint at size {size} is not validly signed by the log's key: {reason}")]
    CheckpointSignature {
        /// The checkpoint's tree size.
        size: u64,
        /// Why the signature was refused.
        reason: Box<Error>,
    },
    /// A checkpoint whose root is not the root of the log at its size: entries were changed
    /// together with their stored leaf hashes (or none were stored), or renumbered.
    #[error(
        "an entry before index {size} was changed after the checkpoint at size {size} \
         (the changed entry's index is at least {first_suspect})"
    )]
    CheckpointRootMismatch {
        /// The checkpoint's tree size.
        size: u64,
        /// The size of the last checkpoint that still matched (0 if none): entries before it
        /// are unchanged.
        first_suspect: u64,
    },
    /// A checkpoint larger than the log: entries were removed from its end.
    #[error(
        "the checkpoint at size {size} is beyond the log's {log_size} entries: entries were removed from the end"
    )]
    CheckpointBeyondLog {
        /// The checkpoint's tree size.
        size: u64,
        /// The number of entries in the log.
        log_size: u64,
    },
    /// A checkpoint no larger than the one before it.
    #[error("the checkpoint at size {size} follows one at size {previous}: checkpoints must grow")]
    CheckpointsOutOfOrder {
        /// The size of the checkpoint before.
        previous: u64,
        /// The size of this checkpoint.
        size: u64,
    },
}

/// The result of the audit log's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
