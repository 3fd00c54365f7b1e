//! Facet counts over string fast fields, by term ordinal while collecting and by value at the
//! end, so that counting costs an array increment per document.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts the matching documents by each value of some string fast fields.
pub(super) struct Tally {
    fields: Vec<&'static str>,
}

impl Tally {
    pub(super) fn new(fields: &[&'static str]) -> Self {
        Self {
            fields: fields.to_vec(),
        }
    }
}

/// Counts by value, one map per field.
type Counts = Vec<BTreeMap<String, u64>>;

pub(super) struct SegmentTally {
    columns: Vec<Option<(StrColumn, Vec<u64>)>>,
}

impl Collector for Tally {
    type Fruit = Counts;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let columns = self
            .fields
            .iter()
            .map(|field| {
                Ok(reader.fast_fields().str(field)?.map(|column| {
                    let terms = column.dictionary().num_terms();
                    (column, vec![0; terms])
                }))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(SegmentTally { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut merged: Counts = vec![BTreeMap::new(); self.fields.len()];
        for segment in segments {
            for (into, counts) in merged.iter_mut().zip(segment) {
                for (value, count) in counts {
                    *into.entry(value).or_default() += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter_mut().flatten() {
            for ord in column.term_ords(doc) {
                if let Some(count) = usize::try_from(ord)
                    .ok()
                    .and_then(|ord| counts.get_mut(ord))
                {
                    *count += 1;
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        self.columns
            .into_iter()
            .map(|column| {
                let mut counts = BTreeMap::new();
                let Some((column, ords)) = column else {
                    return counts;
                };
                let mut value = String::new();
                for (ord, count) in ords.into_iter().enumerate().filter(|(_, count)| *count > 0) {
                    value.clear();
                    if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                        counts.insert(value.clone(), count);
                    }
                }
                counts
            })
            .collect()
    }
}
