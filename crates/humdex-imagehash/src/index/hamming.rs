//! The index the application keeps: a base (scanned, or multi-indexed when large) plus a delta
//! of recent insertions and tombstones, folded into a new base on demand.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::{Hit, LinearIndex, Match, MihIndex, TooManyHashes, finish};
use crate::Hash256;

/// From this many hashes a base gets multi-index tables: below it, scanning for a query image's
/// eight needles at distance 31 is about as fast as probing (measured by `benches/hamming.rs`).
const MIH_MIN_LEN: usize = 20_000;

/// The delta insertions plus tombstones past which [`HammingIndex::needs_merge`] says so:
/// scanning 65 536 delta hashes for eight needles costs about 0.3 ms.
const DELTA_LIMIT: usize = 1 << 16;

/// Exact Hamming search that also takes insertions and removals.
///
/// An id may carry several hashes (a search answers it once); [`HammingIndex::remove`] removes
/// them all. Insertions go to a delta that is scanned; once [`HammingIndex::needs_merge`], fold
/// it into the base with [`HammingIndex::merge`], or off the caller's thread: take a
/// [`HammingIndex::merge_job`], [`MergeJob::run`] it anywhere (it holds no borrow) while the
/// index goes on answering and changing, then [`HammingIndex::install`] the result.
///
/// ```
/// use std::sync::RwLock;
/// use humdex_imagehash::Hash256;
/// use humdex_imagehash::index::{DEFAULT_MAX_DISTANCE, HammingIndex};
///
/// let photo: Hash256 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22".parse()?;
/// let index = RwLock::new(HammingIndex::new());
/// index.write().unwrap().insert(7, photo);
///
/// // In the background: snapshot under the lock, build without it, swap in under it.
/// let job = index.read().unwrap().merge_job();
/// let merged = std::thread::spawn(move || job.run()).join().unwrap();
/// index.write().unwrap().install(merged)?;
///
/// let found = index.read().unwrap().search(&[photo], DEFAULT_MAX_DISTANCE);
/// assert_eq!((found[0].id, found[0].distance), (7, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct HammingIndex {
    /// Sorted by id, so an id's hashes can be counted by binary search.
    base: Arc<Base>,
    delta: LinearIndex,
    tombstones: Tombstones,
    /// Stored hashes that the tombstones hide.
    removed: usize,
    /// Counts installed merges, so that a merge of an older state is refused.
    generation: u64,
}

impl HammingIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `hash` under `id` (to the delta).
    pub fn insert(&mut self, id: u64, hash: Hash256) {
        self.delta.push(id, hash);
    }

    /// Hides every hash stored under `id` so far; returns whether there were any.
    pub fn remove(&mut self, id: u64) -> bool {
        let now = self.delta.len();
        let hidden = match self.tombstones.0.get(&id) {
            None => self.base.count(id) + count_id(&self.delta, id, 0..now),
            Some(&since) => count_id(&self.delta, id, since..now),
        };
        if hidden == 0 {
            return false;
        }
        self.tombstones.0.insert(id, now);
        self.removed += hidden;
        true
    }

    /// Every id within `max_distance` of any needle, each once, with its smallest distance and
    /// the needle that gave it (the lowest index on a tie), sorted by distance, then id.
    pub fn search(&self, needles: &[Hash256], max_distance: u32) -> Vec<Match> {
        let mut hits = Vec::new();
        self.base.hits(needles, max_distance, &mut hits);
        let base_ids = self.base.entries();
        let mut matches: Vec<Match> = hits
            .iter()
            .filter_map(|hit| base_ids.id(hit.position).map(|id| hit.to_match(id)))
            .filter(|found| !self.tombstones.hides_base(found.id))
            .collect();
        hits.clear();
        self.delta.hits(needles, max_distance, &mut hits);
        matches.extend(hits.iter().filter_map(|hit| {
            let id = self.delta.id(hit.position)?;
            (!self.tombstones.hides_delta(id, hit.position)).then(|| hit.to_match(id))
        }));
        finish(matches)
    }

    /// The number of stored hashes, not counting removed ones.
    pub fn len(&self) -> usize {
        self.base.entries().len() + self.delta.len() - self.removed
    }

    /// Whether no hash is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the delta and tombstones have grown enough to be worth a merge.
    pub fn needs_merge(&self) -> bool {
        self.delta.len() + self.tombstones.0.len() >= DELTA_LIMIT
    }

    /// Folds the delta and tombstones into a new base, on this thread.
    pub fn merge(&mut self) {
        let merged = self.merge_job().run();
        self.apply(merged);
    }

    /// What a merge needs of the current state: a shared reference to the base and copies of
    /// the delta and tombstones, which are small.
    pub fn merge_job(&self) -> MergeJob {
        MergeJob {
            base: Arc::clone(&self.base),
            delta: self.delta.clone(),
            tombstones: self.tombstones.clone(),
            generation: self.generation,
        }
    }

    /// Swaps in a merge's base, keeping what was inserted or removed since its job was taken.
    /// Refuses a merge whose job was taken before another merge was installed.
    pub fn install(&mut self, merged: Merged) -> Result<(), StaleMerge> {
        if merged.generation != self.generation {
            return Err(StaleMerge);
        }
        self.apply(merged);
        Ok(())
    }

    fn apply(&mut self, merged: Merged) {
        self.base = Arc::new(merged.base);
        self.delta = self.delta.iter().skip(merged.folded).collect();
        // The merge applied the tombstones set before its job took the delta (those with
        // `since < folded`); a later one still hides its id's hashes that the new base took.
        self.tombstones = Tombstones(
            self.tombstones
                .0
                .iter()
                .filter_map(|(&id, &since)| Some((id, since.checked_sub(merged.folded)?)))
                .collect(),
        );
        self.removed = self.tombstones.hidden(&self.base, &self.delta);
        self.generation += 1;
    }
}

impl FromIterator<(u64, Hash256)> for HammingIndex {
    /// An index whose base holds `entries` (multi-indexed if there are many): how to load one.
    fn from_iter<I: IntoIterator<Item = (u64, Hash256)>>(entries: I) -> Self {
        let mut entries: Vec<(u64, Hash256)> = entries.into_iter().collect();
        // One pass when loaded in id order.
        entries.sort_by_key(|&(id, _)| id);
        Self {
            base: Arc::new(Base::build(entries.into_iter().collect())),
            ..Self::default()
        }
    }
}

impl fmt::Debug for HammingIndex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HammingIndex")
            .field("base", &self.base)
            .field("delta", &self.delta.len())
            .field("tombstones", &self.tombstones.0.len())
            .field("removed", &self.removed)
            .finish_non_exhaustive()
    }
}

/// A snapshot to merge, from [`HammingIndex::merge_job`].
#[must_use = "a merge job does nothing until run and installed"]
pub struct MergeJob {
    base: Arc<Base>,
    delta: LinearIndex,
    tombstones: Tombstones,
    generation: u64,
}

impl MergeJob {
    /// Builds the new base: the live hashes of the base and delta, sorted by id, multi-indexed
    /// if there are many (seconds at ten million).
    pub fn run(self) -> Merged {
        let tombstones = &self.tombstones;
        let kept = self
            .base
            .entries()
            .iter()
            .filter(|&(id, _)| !tombstones.hides_base(id));
        let mut recent: Vec<(u64, Hash256)> = self
            .delta
            .iter()
            .enumerate()
            .filter(|&(position, (id, _))| !tombstones.hides_delta(id, position))
            .map(|(_, entry)| entry)
            .collect();
        recent.sort_by_key(|&(id, _)| id);
        let capacity = self.base.entries().len() + recent.len();
        Merged {
            base: Base::build(merge_by_id(kept, recent, capacity)),
            folded: self.delta.len(),
            generation: self.generation,
        }
    }
}

impl fmt::Debug for MergeJob {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MergeJob")
            .field("base", &self.base)
            .field("delta", &self.delta.len())
            .finish_non_exhaustive()
    }
}

/// A new base, for [`HammingIndex::install`].
#[must_use = "a merge has no effect until installed"]
pub struct Merged {
    base: Base,
    /// How many delta hashes (from the start) it holds.
    folded: usize,
    generation: u64,
}

impl fmt::Debug for Merged {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Merged")
            .field("base", &self.base)
            .field("folded", &self.folded)
            .finish_non_exhaustive()
    }
}

/// Why [`HammingIndex::install`] refused a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("another merge was installed after this one's job was taken")]
pub struct StaleMerge;

/// Removed ids, each with the delta's length when it was removed: it hides the id's hashes in
/// the base and those before that in the delta, not any inserted later.
#[derive(Debug, Clone, Default)]
struct Tombstones(HashMap<u64, usize>);

impl Tombstones {
    fn hides_base(&self, id: u64) -> bool {
        self.0.contains_key(&id)
    }

    fn hides_delta(&self, id: u64, position: usize) -> bool {
        self.0.get(&id).is_some_and(|&since| position < since)
    }

    /// How many stored hashes these hide.
    fn hidden(&self, base: &Base, delta: &LinearIndex) -> usize {
        let in_base: usize = self.0.keys().map(|&id| base.count(id)).sum();
        let in_delta = delta
            .ids()
            .iter()
            .enumerate()
            .filter(|&(position, &id)| self.hides_delta(id, position))
            .count();
        in_base + in_delta
    }
}

#[derive(Debug)]
enum Base {
    Linear(LinearIndex),
    Mih(MihIndex),
}

impl Default for Base {
    fn default() -> Self {
        Self::Linear(LinearIndex::new())
    }
}

impl Base {
    fn build(entries: LinearIndex) -> Self {
        if entries.len() < MIH_MIN_LEN {
            return Self::Linear(entries);
        }
        match MihIndex::build(entries) {
            Ok(index) => Self::Mih(index),
            Err(TooManyHashes { entries }) => Self::Linear(entries),
        }
    }

    fn entries(&self) -> &LinearIndex {
        match self {
            Self::Linear(entries) => entries,
            Self::Mih(index) => index.entries(),
        }
    }

    /// How many hashes are stored under `id` (the entries are sorted by id).
    fn count(&self, id: u64) -> usize {
        let ids = self.entries().ids();
        ids.partition_point(|&stored| stored <= id) - ids.partition_point(|&stored| stored < id)
    }

    /// Probes the tables unless scanning is expected to be cheaper: at large distances, or
    /// for many needles near the size where the tables start to pay.
    fn hits(&self, needles: &[Hash256], max_distance: u32, out: &mut Vec<Hit>) {
        match self {
            Self::Mih(index)
                if index.search_ns(needles, max_distance)
                    < index.entries().scan_ns(needles.len()) =>
            {
                index.hits(needles, max_distance, out);
            }
            _ => self.entries().hits(needles, max_distance, out),
        }
    }
}

fn count_id(entries: &LinearIndex, id: u64, positions: std::ops::Range<usize>) -> usize {
    entries
        .ids()
        .get(positions)
        .unwrap_or_default()
        .iter()
        .filter(|&&stored| stored == id)
        .count()
}

/// The entries of two sequences sorted by id, in id order.
fn merge_by_id(
    first: impl IntoIterator<Item = (u64, Hash256)>,
    second: impl IntoIterator<Item = (u64, Hash256)>,
    capacity: usize,
) -> LinearIndex {
    let mut merged = LinearIndex::with_capacity(capacity);
    let (mut first, mut second) = (first.into_iter().peekable(), second.into_iter().peekable());
    loop {
        let next = match (first.peek(), second.peek()) {
            (Some(&(id, _)), Some(&(other, _))) if other < id => second.next(),
            (Some(_), _) => first.next(),
            (None, _) => second.next(),
        };
        let Some((id, hash)) = next else {
            return merged;
        };
        merged.push(id, hash);
    }
}
