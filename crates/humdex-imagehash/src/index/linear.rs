//! The linear scan: every stored hash against every needle, in one pass.

use std::fmt;

use super::{Hit, Match, Pair, finish};
use crate::Hash256;

/// The most needles compared per pass: a query image's eight dihedral hashes.
const LANES: usize = 8;

/// The cost of scanning one stored hash, in nanoseconds on one core (x86-64-v2): per pass, and
/// per lane of the pass (see `benches/hamming.rs`).
const PASS_NS: f64 = 0.4;
const LANE_NS: f64 = 0.5;

/// Hashes and their ids in parallel arrays, searched by comparing every one with the needles.
/// Fastest below some tens of thousands of hashes, and the delta of a [`super::HammingIndex`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LinearIndex {
    ids: Vec<u64>,
    /// Words 0 and 1 of each hash.
    low: Vec<Pair>,
    /// Words 2 and 3.
    high: Vec<Pair>,
}

impl LinearIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty index with room for `capacity` hashes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            ids: Vec::with_capacity(capacity),
            low: Vec::with_capacity(capacity),
            high: Vec::with_capacity(capacity),
        }
    }

    /// Stores `hash` under `id`. An id may carry several hashes; a search answers it once.
    pub fn push(&mut self, id: u64, hash: Hash256) {
        let [word0, word1, word2, word3] = hash.0;
        self.ids.push(id);
        self.low.push(Pair([word0, word1]));
        self.high.push(Pair([word2, word3]));
    }

    /// The number of stored hashes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The stored `(id, hash)` pairs in storage order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u64, Hash256)> + '_ {
        self.ids
            .iter()
            .zip(self.low.iter().zip(&self.high))
            .map(|(&id, (low, high))| (id, join(low, high)))
    }

    /// Every stored id within `max_distance` of any needle, each once, with its smallest distance
    /// and the needle that gave it (the lowest index on a tie), sorted by distance, then id.
    pub fn search(&self, needles: &[Hash256], max_distance: u32) -> Vec<Match> {
        let mut hits = Vec::new();
        self.hits(needles, max_distance, &mut hits);
        finish(
            hits.iter()
                .filter_map(|hit| Some(hit.to_match(self.id(hit.position)?)))
                .collect(),
        )
    }

    /// The approximate heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity() * size_of::<u64>()
            + (self.low.capacity() + self.high.capacity()) * size_of::<Pair>()
    }

    pub(super) fn ids(&self) -> &[u64] {
        &self.ids
    }

    pub(super) fn id(&self, position: usize) -> Option<u64> {
        self.ids.get(position).copied()
    }

    /// Word `word` (0–3) of every stored hash, in storage order.
    pub(super) fn column(&self, word: usize) -> impl ExactSizeIterator<Item = u64> + '_ {
        let pairs = if word < 2 { &self.low } else { &self.high };
        pairs
            .iter()
            .map(move |pair| pair.0.get(word % 2).copied().unwrap_or_default())
    }

    /// The distance between `needle` and the hash at `position`, if at most `max_distance`.
    pub(super) fn distance_within(
        &self,
        position: usize,
        needle: &Hash256,
        max_distance: u32,
    ) -> Option<u32> {
        let [needle0, needle1, needle2, needle3] = needle.0;
        let [word0, word1] = self.low.get(position)?.0;
        let low = (word0 ^ needle0).count_ones() + (word1 ^ needle1).count_ones();
        if low > max_distance {
            return None;
        }
        let [word2, word3] = self.high.get(position)?.0;
        let distance = low + (word2 ^ needle2).count_ones() + (word3 ^ needle3).count_ones();
        (distance <= max_distance).then_some(distance)
    }

    /// The expected time of a scan for `needles` needles, in nanoseconds.
    pub(super) fn scan_ns(&self, needles: usize) -> f64 {
        let (passes, filled) = (0..needles)
            .step_by(LANES)
            .map(|first| lanes((needles - first).min(LANES)))
            .fold((0, 0), |(passes, filled), lanes| {
                (passes + 1, filled + lanes)
            });
        self.len() as f64 * (passes as f64 * PASS_NS + filled as f64 * LANE_NS)
    }

    /// Appends every hit within `max_distance` (one per position and group of eight needles).
    pub(super) fn hits(&self, needles: &[Hash256], max_distance: u32, out: &mut Vec<Hit>) {
        for (group_index, group) in needles.chunks(LANES).enumerate() {
            let first_needle = group_index * LANES;
            let scan = match lanes(group.len()) {
                1 => Self::scan_group::<1>,
                2 => Self::scan_group::<2>,
                4 => Self::scan_group::<4>,
                _ => Self::scan_group::<LANES>,
            };
            scan(self, group, first_needle, max_distance, out);
        }
    }

    /// Scans for up to `L` needles at once. The first two words' distance is a lower bound of
    /// the whole: against a random hash it is about 64 ± 6, so it rejects nearly every stored
    /// hash for bounds up to 47 before the other two words are read. The fixed lane count lets
    /// the compiler unroll (and with AVX-512 vectorise) the needle loop; a short group is padded
    /// with its first needle, which cannot win a tie against itself.
    fn scan_group<const L: usize>(
        &self,
        group: &[Hash256],
        first_needle: usize,
        max_distance: u32,
        out: &mut Vec<Hit>,
    ) {
        let padded: [Hash256; L] = std::array::from_fn(|lane| {
            group
                .get(lane)
                .or(group.first())
                .copied()
                .unwrap_or_default()
        });
        let low_needles: [[u64; 2]; L] = padded.map(|needle| [needle.0[0], needle.0[1]]);
        // Zipped, not indexed: the high words are read only for the rare near hash.
        for (position, (low, high)) in self.low.iter().zip(&self.high).enumerate() {
            let [word0, word1] = low.0;
            let near = low_needles.iter().fold(false, |near, [needle0, needle1]| {
                near | ((word0 ^ needle0).count_ones() + (word1 ^ needle1).count_ones()
                    <= max_distance)
            });
            if near
                && let Some((needle, distance)) = nearest(&join(low, high), group)
                && distance <= max_distance
            {
                out.push(Hit {
                    position,
                    distance,
                    needle: first_needle + needle,
                });
            }
        }
    }
}

impl fmt::Debug for LinearIndex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("LinearIndex")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl FromIterator<(u64, Hash256)> for LinearIndex {
    fn from_iter<I: IntoIterator<Item = (u64, Hash256)>>(entries: I) -> Self {
        let mut index = Self::new();
        index.extend(entries);
        index
    }
}

impl Extend<(u64, Hash256)> for LinearIndex {
    fn extend<I: IntoIterator<Item = (u64, Hash256)>>(&mut self, entries: I) {
        let entries = entries.into_iter();
        let additional = entries.size_hint().0;
        self.ids.reserve(additional);
        self.low.reserve(additional);
        self.high.reserve(additional);
        for (id, hash) in entries {
            self.push(id, hash);
        }
    }
}

/// The lanes of a pass for `needles` (1–8): a power of two, so only four variants are compiled.
fn lanes(needles: usize) -> usize {
    needles.next_power_of_two().min(LANES)
}

fn join(low: &Pair, high: &Pair) -> Hash256 {
    let ([word0, word1], [word2, word3]) = (low.0, high.0);
    Hash256([word0, word1, word2, word3])
}

/// The needle nearest to `hash` (the first on a tie) and its distance.
fn nearest(hash: &Hash256, needles: &[Hash256]) -> Option<(usize, u32)> {
    needles
        .iter()
        .map(|needle| needle.distance(hash))
        .enumerate()
        .min_by_key(|&(needle, distance)| (distance, needle))
}
