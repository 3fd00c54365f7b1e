//! Multi-index hashing (Norouzi, Punjani and Fleet, 2012): the 256 bits cut into 16 substrings
//! of 16 bits, each the key of a table of buckets. A stored hash within `d` of a needle differs
//! from it in at most `d / 16` bits in some substring, so probing the buckets near each of the
//! needle's substrings and checking every candidate's full distance finds all of them.

use std::fmt;
use std::sync::LazyLock;

use super::{Hit, LinearIndex, Match, finish};
use crate::Hash256;

const TABLES: usize = 16;
const BUCKETS: usize = 1 << 16;

/// The cost of probing one bucket and of checking one candidate, in nanoseconds on one core:
/// mostly cache misses (see `benches/hamming.rs`).
const PROBE_NS: f64 = 30.0;
const CANDIDATE_NS: f64 = 25.0;

/// Every 16-bit mask, fewest set bits first: the buckets within `r` bits of a key are the key
/// XOR the first `masks_within(r)` of these.
static MASKS_BY_WEIGHT: LazyLock<Vec<u16>> = LazyLock::new(|| {
    let mut masks: Vec<u16> = (0..=u16::MAX).collect();
    masks.sort_by_key(|mask| (mask.count_ones(), *mask));
    masks
});

/// Why a multi-index was not built: positions are 32-bit, to keep the tables at 64 B per hash.
#[derive(Debug, thiserror::Error)]
#[error("a multi-index holds at most {} hashes, not {}", u32::MAX, .entries.len())]
pub struct TooManyHashes {
    /// The entries, given back.
    pub entries: LinearIndex,
}

/// A [`LinearIndex`] with 16 tables of buckets over its hashes (about 104 B per hash in all):
/// exact, and at millions of hashes far faster than scanning them.
#[derive(Clone)]
pub struct MihIndex {
    entries: LinearIndex,
    tables: Vec<Table>,
}

/// One substring's buckets in compressed-row form: bucket `k` holds the positions
/// `positions[offsets[k]..offsets[k + 1]]`, in ascending order.
#[derive(Clone)]
struct Table {
    offsets: Vec<u32>,
    positions: Vec<u32>,
}

impl MihIndex {
    /// Builds the tables over `entries` (a counting sort per table, linear in their number).
    pub fn build(entries: LinearIndex) -> Result<Self, TooManyHashes> {
        if u32::try_from(entries.len()).is_err() {
            return Err(TooManyHashes { entries });
        }
        let tables = (0..TABLES)
            .map(|table| Table::build(&entries, table))
            .collect();
        Ok(Self { entries, tables })
    }

    /// The stored hashes and ids.
    pub fn entries(&self) -> &LinearIndex {
        &self.entries
    }

    /// The number of stored hashes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The approximate heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.entries.heap_bytes()
            + self
                .tables
                .iter()
                .map(|table| (table.offsets.capacity() + table.positions.capacity()) * 4)
                .sum::<usize>()
    }

    /// As [`LinearIndex::search`]. The work grows with the number of buckets probed per needle
    /// and table: 17 up to distance 31, 137 up to 47, 697 up to 63.
    pub fn search(&self, needles: &[Hash256], max_distance: u32) -> Vec<Match> {
        let mut hits = Vec::new();
        self.hits(needles, max_distance, &mut hits);
        finish(
            hits.iter()
                .filter_map(|hit| Some(hit.to_match(self.entries.id(hit.position)?)))
                .collect(),
        )
    }

    /// The expected time of a search, in nanoseconds, from the sizes of the buckets it would
    /// probe (so skewed buckets count as they are).
    pub(super) fn search_ns(&self, needles: &[Hash256], max_distance: u32) -> f64 {
        let radii = radii(max_distance);
        let (probes, candidates) = needles
            .iter()
            .flat_map(|needle| self.buckets(needle, radii))
            .fold((0, 0), |(probes, candidates), bucket| {
                (probes + 1, candidates + bucket.len())
            });
        probes as f64 * PROBE_NS + candidates as f64 * CANDIDATE_NS
    }

    /// Appends every hit within `max_distance`, possibly several per position.
    pub(super) fn hits(&self, needles: &[Hash256], max_distance: u32, out: &mut Vec<Hit>) {
        let radii = radii(max_distance);
        for (needle_index, needle) in needles.iter().enumerate() {
            for &position in self.buckets(needle, radii).flatten() {
                let position = position as usize;
                if let Some(distance) = self.entries.distance_within(position, needle, max_distance)
                {
                    out.push(Hit {
                        position,
                        distance,
                        needle: needle_index,
                    });
                }
            }
        }
    }

    /// The buckets to probe for `needle`: in each table, those within its radius of the
    /// needle's key.
    fn buckets(
        &self,
        needle: &Hash256,
        radii: [Option<u32>; TABLES],
    ) -> impl Iterator<Item = &[u32]> {
        self.tables
            .iter()
            .zip(radii)
            .zip(keys(&needle.0))
            .flat_map(|((table, radius), key)| {
                let masks = radius
                    .and_then(|radius| MASKS_BY_WEIGHT.get(..masks_within(radius)))
                    .unwrap_or_default();
                masks.iter().map(move |mask| table.bucket(key ^ mask))
            })
    }
}

impl fmt::Debug for MihIndex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MihIndex")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Table {
    fn build(entries: &LinearIndex, table: usize) -> Self {
        let (word, shift) = (table / 4, table % 4 * 16);
        let keys = || {
            entries
                .column(word)
                .map(move |word| usize::from((word >> shift) as u16))
        };
        // Counts land one slot up, so the running sum leaves each bucket's start in its slot.
        let mut offsets = vec![0u32; BUCKETS + 1];
        for key in keys() {
            if let Some(count) = offsets.get_mut(key + 1) {
                *count += 1;
            }
        }
        let mut total = 0;
        for offset in &mut offsets {
            total += *offset;
            *offset = total;
        }
        let mut cursors = offsets.clone();
        let mut positions = vec![0u32; entries.len()];
        for (position, key) in (0u32..).zip(keys()) {
            if let Some(cursor) = cursors.get_mut(key)
                && let Some(slot) = positions.get_mut(*cursor as usize)
            {
                *slot = position;
                *cursor += 1;
            }
        }
        Self { offsets, positions }
    }

    fn bucket(&self, key: u16) -> &[u32] {
        let key = usize::from(key);
        match (self.offsets.get(key), self.offsets.get(key + 1)) {
            (Some(&start), Some(&end)) => self.positions.get(start as usize..end as usize),
            _ => None,
        }
        .unwrap_or_default()
    }
}

/// The 16 substrings of a hash, in table order: bits `16 t ..` of the 256 for table `t`.
fn keys(words: &[u64; 4]) -> impl Iterator<Item = u16> {
    words
        .iter()
        .flat_map(|&word| [0, 16, 32, 48].map(|shift| (word >> shift) as u16))
}

/// The probe radius of each table for `max_distance`. Write it as `16 q + a`: if the first `a + 1`
/// substrings each differed in more than `q` bits and the others in more than `q - 1`, the whole
/// would differ in at least `16 q + a + 1`; so radius `q` in `a + 1` tables and `q - 1` in the
/// rest (none where that is negative) misses nothing, and at small distances skips tables.
fn radii(max_distance: u32) -> [Option<u32>; TABLES] {
    let spread = max_distance as usize / TABLES;
    let remainder = max_distance as usize % TABLES;
    std::array::from_fn(|table| {
        let radius = if table <= remainder {
            spread
        } else {
            spread.checked_sub(1)?
        };
        u32::try_from(radius).ok()
    })
}

/// How many 16-bit masks have at most `radius` bits set.
fn masks_within(radius: u32) -> usize {
    MASKS_BY_WEIGHT.partition_point(|mask| mask.count_ones() <= radius)
}
