//! Every index against brute force, on random hashes with planted near-duplicates.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::Hash256;

/// Compares every entry with every needle: what each index must answer.
fn brute_force(
    entries: impl IntoIterator<Item = (u64, Hash256)>,
    needles: &[Hash256],
    max_distance: u32,
) -> Vec<Match> {
    let mut best: BTreeMap<u64, (u32, usize)> = BTreeMap::new();
    for (id, hash) in entries {
        for (needle, query) in needles.iter().enumerate() {
            let distance = hash.distance(query);
            if distance <= max_distance {
                let entry = best.entry(id).or_insert((distance, needle));
                *entry = (*entry).min((distance, needle));
            }
        }
    }
    let mut matches: Vec<Match> = best
        .into_iter()
        .map(|(id, (distance, needle))| Match {
            id,
            distance,
            needle,
        })
        .collect();
    matches.sort_by_key(|found| (found.distance, found.id));
    matches
}

fn random_hash(rng: &mut StdRng) -> Hash256 {
    Hash256(rng.random())
}

fn flip_bits(hash: Hash256, bits: usize, rng: &mut StdRng) -> Hash256 {
    let mut words = hash.0;
    for bit in rand::seq::index::sample(rng, 256, bits) {
        words[bit / 64] ^= 1 << (bit % 64);
    }
    Hash256(words)
}

/// Random hashes, and for each needle copies with 0 to 50 bits flipped; ids repeat now and then
/// (an id with several hashes), and so do hashes (one hash under several ids).
fn haystack(rng: &mut StdRng, size: usize, needles: &[Hash256]) -> Vec<(u64, Hash256)> {
    let mut entries: Vec<(u64, Hash256)> = Vec::with_capacity(size);
    for _ in 0..size {
        let id = if rng.random_bool(0.1) {
            rng.random_range(0..=size as u64)
        } else {
            rng.random()
        };
        let hash = match rng.random_range(0..10) {
            0..4 if !needles.is_empty() => {
                let needle = needles[rng.random_range(0..needles.len())];
                let bits = rng.random_range(0..=50);
                flip_bits(needle, bits, rng)
            }
            4 if !entries.is_empty() => entries[rng.random_range(0..entries.len())].1,
            _ => random_hash(rng),
        };
        entries.push((id, hash));
    }
    entries
}

fn needles(rng: &mut StdRng, count: usize) -> Vec<Hash256> {
    (0..count).map(|_| random_hash(rng)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn linear_and_multi_index_equal_brute_force(
        seed in any::<u64>(),
        size in 0usize..600,
        needle_count in 0usize..=10,
        max_distance in 0u32..=47,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let query = needles(&mut rng, needle_count);
        let entries = haystack(&mut rng, size, &query);
        let expected = brute_force(entries.iter().copied(), &query, max_distance);
        let linear: LinearIndex = entries.iter().copied().collect();
        prop_assert_eq!(&linear.search(&query, max_distance), &expected);
        let multi = MihIndex::build(linear).unwrap();
        prop_assert_eq!(&multi.search(&query, max_distance), &expected);
        let combined: HammingIndex = entries.iter().copied().collect();
        prop_assert_eq!(&combined.search(&query, max_distance), &expected);
    }

    #[test]
    fn the_combined_index_equals_brute_force_through_inserts_removes_and_merges(
        seed in any::<u64>(),
        operations in 1usize..400,
        max_distance in 0u32..=47,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let query = needles(&mut rng, 8);
        let mut model = Model::default();
        let mut index = HammingIndex::new();
        let mut pending: Option<(MergeJob, bool)> = None;
        let pool = haystack(&mut rng, operations, &query);
        for (step, &(id, hash)) in pool.iter().enumerate() {
            match rng.random_range(0..20) {
                0..12 => {
                    index.insert(id, hash);
                    model.entries.push((id, hash, true));
                }
                12..16 => {
                    // Mostly ids that are stored, some that never were.
                    let target = if rng.random_bool(0.8) && !model.entries.is_empty() {
                        model.entries[rng.random_range(0..model.entries.len())].0
                    } else {
                        id
                    };
                    prop_assert_eq!(index.remove(target), model.remove(target));
                }
                16 => {
                    index.merge();
                    // A job taken before this merge is now stale.
                    if let Some((_, fresh)) = &mut pending {
                        *fresh = false;
                    }
                }
                17 => pending = Some((index.merge_job(), true)),
                _ => {
                    if let Some((job, fresh)) = pending.take() {
                        prop_assert_eq!(index.install(job.run()).is_ok(), fresh);
                    }
                }
            }
            prop_assert_eq!(index.len(), model.live().count(), "step {}", step);
            if step % 10 == 0 {
                prop_assert_eq!(
                    index.search(&query, max_distance),
                    brute_force(model.live(), &query, max_distance),
                    "step {}", step
                );
            }
        }
        prop_assert_eq!(
            index.search(&query, max_distance),
            brute_force(model.live(), &query, max_distance)
        );
        index.merge();
        prop_assert_eq!(index.len(), model.live().count());
        prop_assert_eq!(
            index.search(&query, max_distance),
            brute_force(model.live(), &query, max_distance)
        );
    }
}

/// What the combined index should hold: every insertion, and whether it was removed since.
#[derive(Default)]
struct Model {
    entries: Vec<(u64, Hash256, bool)>,
}

impl Model {
    fn remove(&mut self, id: u64) -> bool {
        let mut any = false;
        for entry in self
            .entries
            .iter_mut()
            .filter(|entry| entry.0 == id && entry.2)
        {
            entry.2 = false;
            any = true;
        }
        any
    }

    fn live(&self) -> impl Iterator<Item = (u64, Hash256)> + '_ {
        self.entries
            .iter()
            .filter(|entry| entry.2)
            .map(|&(id, hash, _)| (id, hash))
    }
}

#[test]
fn a_large_combined_index_probes_or_scans_and_stays_exact() {
    // Large enough for a multi-indexed base, which probes for few needles and small distances
    // and scans otherwise.
    let mut rng = StdRng::seed_from_u64(7);
    let query = needles(&mut rng, 8);
    let mut entries: Vec<(u64, Hash256)> = (0..60_000u64)
        .map(|id| (id, random_hash(&mut rng)))
        .collect();
    for (id, entry) in entries.iter_mut().enumerate().step_by(600) {
        entry.1 = flip_bits(query[id % 8], id % 51, &mut rng);
    }
    let mut index: HammingIndex = entries.iter().copied().collect();
    let mut model = Model {
        entries: entries.iter().map(|&(id, hash)| (id, hash, true)).collect(),
    };
    for round in 0..3 {
        for step in 0..200u64 {
            let id = 1_000_000 * (round + 1) + step;
            let hash = flip_bits(query[(step % 8) as usize], (step % 48) as usize, &mut rng);
            index.insert(id, hash);
            model.entries.push((id, hash, true));
        }
        for id in (0..60_000).step_by(1_800) {
            assert_eq!(index.remove(id + round), model.remove(id + round));
        }
        assert!(index.remove(1_000_000 * (round + 1) + 3));
        model.remove(1_000_000 * (round + 1) + 3);
        for needle_count in [1, 8] {
            for max_distance in [0, 16, 31, 47] {
                let needles = &query[..needle_count];
                let found = index.search(needles, max_distance);
                assert_eq!(found, brute_force(model.live(), needles, max_distance));
                assert!(!found.is_empty() || max_distance == 0);
            }
        }
        assert_eq!(index.len(), model.live().count());
        index.merge();
        assert_eq!(index.len(), model.live().count());
    }
    assert_eq!(
        index.search(&query, 31),
        brute_force(model.live(), &query, 31)
    );
}

#[test]
fn empty_indexes_and_needles_find_nothing() {
    let mut rng = StdRng::seed_from_u64(1);
    let query = needles(&mut rng, 8);
    assert!(LinearIndex::new().search(&query, 256).is_empty());
    assert!(
        MihIndex::build(LinearIndex::new())
            .unwrap()
            .search(&query, 47)
            .is_empty()
    );
    let mut index = HammingIndex::new();
    assert!(index.search(&query, 256).is_empty());
    assert!(index.is_empty());
    assert!(!index.remove(3));
    index.merge();
    assert!(index.is_empty());
    index.insert(3, query[0]);
    assert!(index.search(&[], 256).is_empty());
}

#[test]
fn distance_zero_finds_exact_copies_under_every_id_and_each_id_once() {
    let mut rng = StdRng::seed_from_u64(2);
    let photo = random_hash(&mut rng);
    let rotated = random_hash(&mut rng);
    let near = flip_bits(photo, 1, &mut rng);
    let entries = [
        (9, photo),
        (4, photo),
        (5, near),
        (4, rotated),
        (6, rotated),
        (7, near),
    ];
    let linear: LinearIndex = entries.into_iter().collect();
    let multi = MihIndex::build(linear.clone()).unwrap();
    let mut combined = HammingIndex::new();
    for (id, hash) in entries {
        combined.insert(id, hash);
    }
    let exact = [
        Match {
            id: 4,
            distance: 0,
            needle: 0,
        },
        Match {
            id: 6,
            distance: 0,
            needle: 1,
        },
        Match {
            id: 9,
            distance: 0,
            needle: 0,
        },
    ];
    assert_eq!(linear.search(&[photo, rotated], 0), exact);
    assert_eq!(multi.search(&[photo, rotated], 0), exact);
    assert_eq!(combined.search(&[photo, rotated], 0), exact);
    // Needle 2 repeats needle 0: the tie goes to the lower index.
    let with_near = [
        Match {
            id: 4,
            distance: 0,
            needle: 0,
        },
        Match {
            id: 9,
            distance: 0,
            needle: 0,
        },
        Match {
            id: 5,
            distance: 1,
            needle: 0,
        },
        Match {
            id: 7,
            distance: 1,
            needle: 0,
        },
    ];
    assert_eq!(combined.search(&[photo, photo], 1), with_near);
    combined.merge();
    assert_eq!(combined.search(&[photo, photo], 1), with_near);
    assert!(combined.remove(4));
    assert_eq!(combined.len(), 4);
    assert_eq!(
        combined.search(&[photo], 0),
        [Match {
            id: 9,
            distance: 0,
            needle: 0
        }]
    );
    // An id inserted again after its removal is found again; its old hashes stay gone.
    combined.insert(4, near);
    assert_eq!(
        combined.search(&[rotated], 0),
        [Match {
            id: 6,
            distance: 0,
            needle: 0
        }]
    );
    assert_eq!(
        combined.search(&[near], 0)[0],
        Match {
            id: 4,
            distance: 0,
            needle: 0
        }
    );
}

#[test]
fn more_than_eight_needles_keep_their_indexes() {
    let mut rng = StdRng::seed_from_u64(3);
    let query = needles(&mut rng, 11);
    let linear: LinearIndex = query
        .iter()
        .enumerate()
        .map(|(id, &hash)| (id as u64, hash))
        .collect();
    let found = linear.search(&query, 0);
    assert_eq!(found.len(), 11);
    assert!(found.iter().all(|found| found.needle as u64 == found.id));
}

#[test]
fn a_merge_of_an_older_state_is_refused_and_the_index_unchanged() {
    let mut rng = StdRng::seed_from_u64(4);
    let hash = random_hash(&mut rng);
    let mut index = HammingIndex::new();
    index.insert(1, hash);
    let stale = index.merge_job();
    index.merge();
    index.insert(2, hash);
    assert_eq!(index.install(stale.run()), Err(StaleMerge));
    assert_eq!(index.len(), 2);
    assert_eq!(index.search(&[hash], 0).len(), 2);
}
