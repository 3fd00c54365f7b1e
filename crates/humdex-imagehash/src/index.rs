//! Exact Hamming search over 256-bit hashes: every stored id within a distance of any of a
//! query's needles (typically the eight dihedral hashes of a photo), exactly as comparing
//! them all would find.
//!
//! [`LinearIndex`] compares every stored hash; [`MihIndex`] adds multi-index hashing tables that
//! make millions of hashes fast; [`HammingIndex`] combines a base of either kind with a small
//! delta of recent insertions and tombstones of removals, and folds them into a new base on
//! demand, on any thread.
//!
//! The scans rely on `u64::count_ones` compiling to one instruction, which on x86-64 needs a
//! target of at least `x86-64-v2` (see `bench/hamming.sh`).

mod hamming;
mod linear;
mod mih;
#[cfg(test)]
mod tests;

pub use hamming::{HammingIndex, MergeJob, Merged, StaleMerge};
pub use linear::LinearIndex;
pub use mih::{MihIndex, TooManyHashes};

/// The distance up to which two photos' hashes count as the same photo by default.
pub const DEFAULT_MAX_DISTANCE: u32 = 31;

/// A stored id near a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match {
    /// The id the hash was stored under.
    pub id: u64,
    /// The smallest distance between one of its hashes and a needle.
    pub distance: u32,
    /// The index, among the query's needles, of the nearest one (the lowest on a tie).
    pub needle: usize,
}

/// Two of a hash's four words. The index keeps words 0–1 and 2–3 in separate arrays: the first
/// pair alone rejects nearly every stored hash, so scans stream half the memory and the
/// multi-index's random reads of candidates touch one 16-byte-aligned pair, in one cache line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(align(16))]
struct Pair([u64; 2]);

/// A stored hash (by position) within the bound of a needle.
#[derive(Debug, Clone, Copy)]
struct Hit {
    position: usize,
    distance: u32,
    needle: usize,
}

impl Hit {
    fn to_match(self, id: u64) -> Match {
        Match {
            id,
            distance: self.distance,
            needle: self.needle,
        }
    }
}

/// Keeps each id's best match (smallest distance, then lowest needle) and sorts by distance,
/// then id.
fn finish(mut matches: Vec<Match>) -> Vec<Match> {
    matches.sort_unstable_by_key(|found| (found.id, found.distance, found.needle));
    matches.dedup_by_key(|found| found.id);
    matches.sort_unstable_by_key(|found| (found.distance, found.id));
    matches
}
