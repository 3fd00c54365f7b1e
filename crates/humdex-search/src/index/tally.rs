//! Facet counts from one packed fast field: a view's kind, state, source and the set of its
//! entity types in one `u64`, so counting a matching document costs one column read and a few
//! increments (reading four dictionary-encoded columns cost a quarter of a broad search).

use humdex_model::{Channel, EntityKind, Kind, State};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::Facets;

const KIND_SHIFT: u32 = 0;
const STATE_SHIFT: u32 = 2;
const SOURCE_SHIFT: u32 = 5;
const TYPES_SHIFT: u32 = 16;
const KIND_MASK: u64 = 0b11;
const STATE_MASK: u64 = 0b111;
const SOURCE_MASK: u64 = 0b1111;

/// Counts by position in `Kind::ALL`, `State::ALL`, `Channel::ALL` and `EntityKind::ALL`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counts {
    kind: [u64; Kind::ALL.len()],
    state: [u64; State::ALL.len()],
    source: [u64; Channel::ALL.len()],
    types: [u64; EntityKind::ALL.len()],
}

fn position<T: PartialEq>(all: &[T], value: &T) -> u64 {
    all.iter()
        .position(|candidate| candidate == value)
        .unwrap_or(0) as u64
}

/// The packed facet value of a view.
pub(super) fn pack(kind: Kind, state: State, source: Channel, types: &[EntityKind]) -> u64 {
    let mut packed = position(&Kind::ALL, &kind) << KIND_SHIFT
        | position(&State::ALL, &state) << STATE_SHIFT
        | position(&Channel::ALL, &source) << SOURCE_SHIFT;
    for kind in types {
        packed |= 1 << (TYPES_SHIFT + position(&EntityKind::ALL, kind) as u32);
    }
    packed
}

impl Counts {
    fn add(&mut self, packed: u64) {
        let bump = |counts: &mut [u64], index: u64| {
            if let Some(count) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                *count += 1;
            }
        };
        bump(&mut self.kind, (packed >> KIND_SHIFT) & KIND_MASK);
        bump(&mut self.state, (packed >> STATE_SHIFT) & STATE_MASK);
        bump(&mut self.source, (packed >> SOURCE_SHIFT) & SOURCE_MASK);
        let mut types = packed >> TYPES_SHIFT;
        while types != 0 {
            let index = u64::from(types.trailing_zeros());
            bump(&mut self.types, index);
            types &= types - 1;
        }
    }

    fn merge(&mut self, other: &Counts) {
        let pairs = [
            (&mut self.kind[..], &other.kind[..]),
            (&mut self.state[..], &other.state[..]),
            (&mut self.source[..], &other.source[..]),
            (&mut self.types[..], &other.types[..]),
        ];
        for (into, from) in pairs {
            for (into, from) in into.iter_mut().zip(from) {
                *into += from;
            }
        }
    }

    /// The counts by name, leaving out zeros.
    pub(super) fn facets(&self) -> Facets {
        fn named<T>(
            all: &[T],
            counts: &[u64],
            name: impl Fn(&T) -> &'static str,
        ) -> std::collections::BTreeMap<String, u64> {
            all.iter()
                .zip(counts)
                .filter(|(_, count)| **count > 0)
                .map(|(value, count)| (name(value).to_owned(), *count))
                .collect()
        }
        Facets {
            kind: named(&Kind::ALL, &self.kind, |kind| kind.as_str()),
            state: named(&State::ALL, &self.state, |state| state.as_str()),
            source: named(&Channel::ALL, &self.source, |source| source.as_str()),
            entity_types: named(&EntityKind::ALL, &self.types, |kind| kind.as_str()),
        }
    }
}

/// Counts the matching documents by facet.
pub(super) struct Tally {
    field: &'static str,
}

impl Tally {
    pub(super) fn new(field: &'static str) -> Self {
        Self { field }
    }
}

pub(super) struct SegmentTally {
    column: Column<u64>,
    counts: Counts,
}

impl Collector for Tally {
    type Fruit = Counts;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        Ok(SegmentTally {
            column: reader.fast_fields().u64(self.field)?,
            counts: Counts::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut merged = Counts::default();
        for segment in &segments {
            merged.merge(segment);
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(packed) = self.column.first(doc) {
            self.counts.add(packed);
        }
    }

    fn harvest(self) -> Counts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_survives_packing() {
        for kind in Kind::ALL {
            for state in State::ALL {
                for source in Channel::ALL {
                    let mut counts = Counts::default();
                    counts.add(pack(kind, state, source, &EntityKind::ALL));
                    let facets = counts.facets();
                    assert_eq!(facets.kind.get(kind.as_str()), Some(&1));
                    assert_eq!(facets.state.get(state.as_str()), Some(&1));
                    assert_eq!(facets.source.get(source.as_str()), Some(&1));
                    assert_eq!(facets.entity_types.len(), EntityKind::ALL.len());
                }
            }
        }
    }
}
