//! The filters that are no term lookups: the reader's visibility, and geographic areas.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use humdex_model::{Label, Reader};
use tantivy::BitSet;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, Bm25StatisticsProvider, ConstScorer, EnableScoring, Explanation, Query as Search,
    Scorer, TermSetQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::{Fields, name};
use crate::Point;
use crate::geo::GeoArea;

/// Which documents of one segment one class of readers may see.
struct SegmentVisibility {
    docs: BitSet,
    /// How many.
    count: u64,
    /// Tokens in their `text` and `title` fields, for BM25's average length.
    tokens: [u64; 2],
    /// Whether that is every live document of the segment.
    everything: bool,
    /// How many of them hold each term asked for so far: counting walks
    /// the term's postings, which broad queries would otherwise pay on every search.
    doc_freqs: Mutex<HashMap<Term, u64>>,
}

/// The most document frequencies one segment's filter remembers before it starts afresh.
const DOC_FREQS_KEPT: usize = 100_000;

/// What decides a reader's visibility in one segment: their verdict on each label in it, and
/// whose records alone they see. Keyed by the verdicts, not by a hash of them, so two classes of
/// readers can never share a filter by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Signature {
    segment: SegmentId,
    /// Deletes come to a segment later; a filter made before them counts deleted documents.
    deleted: u32,
    verdicts: Vec<bool>,
    own_records_of: Option<String>,
}

/// The cache of visibility bitsets.
#[derive(Default)]
pub(super) struct Visibility {
    cache: Mutex<HashMap<Signature, Arc<SegmentVisibility>>>,
}

/// The labels of one field in one segment: its term dictionary, a few dozen terms at most.
fn labels_in(segment: &SegmentReader, field: Field) -> tantivy::Result<Vec<String>> {
    let inverted = segment.inverted_index(field)?;
    let mut stream = inverted.terms().stream()?;
    let mut labels = Vec::new();
    while stream.advance() {
        labels.push(String::from_utf8_lossy(stream.key()).into_owned());
    }
    Ok(labels)
}

/// Calls `each` with every document of `segment` that holds `label` in `field`.
fn documents_with(
    segment: &SegmentReader,
    field: Field,
    label: &str,
    mut each: impl FnMut(DocId),
) -> tantivy::Result<()> {
    let term = Term::from_field_text(field, label);
    if let Some(mut postings) = segment
        .inverted_index(field)?
        .read_postings(&term, IndexRecordOption::Basic)?
    {
        let mut doc = postings.doc();
        while doc != TERMINATED {
            each(doc);
            doc = postings.advance();
        }
    }
    Ok(())
}

fn satisfies(reader: &Reader, label: &str) -> bool {
    // A label the index holds was parsed before it was written; one that no longer parses
    // is treated as unsatisfiable, which hides rather than shows.
    label
        .parse::<Label>()
        .is_ok_and(|label| reader.satisfies(Some(&label)))
}

impl Visibility {
    /// The filter of the documents `reader` may see in `searcher`.
    pub(super) fn filter(
        &self,
        searcher: &Searcher,
        reader: &Reader,
        fields: &Fields,
    ) -> tantivy::Result<VisibleFilter> {
        let mut segments = HashMap::new();
        for segment in searcher.segment_readers() {
            let needed = labels_in(segment, fields.labels)?;
            let excluded = labels_in(segment, fields.excluded)?;
            let needed_verdicts: Vec<bool> = needed
                .iter()
                .map(|label| satisfies(reader, label))
                .collect();
            let excluded_verdicts: Vec<bool> = excluded
                .iter()
                .map(|label| satisfies(reader, label))
                .collect();
            let signature = Signature {
                segment: segment.segment_id(),
                deleted: segment.num_deleted_docs(),
                verdicts: needed_verdicts
                    .iter()
                    .chain(&excluded_verdicts)
                    .copied()
                    .collect(),
                own_records_of: reader.only_records_of().map(str::to_owned),
            };
            let cached = self
                .cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&signature)
                .cloned();
            let visibility = match cached {
                Some(visibility) => visibility,
                None => {
                    // Only now, on a miss, are the postings of the hiding labels read.
                    let hiding: Vec<(Field, &String)> = needed
                        .iter()
                        .zip(&needed_verdicts)
                        .filter(|(_, satisfied)| !**satisfied)
                        .map(|(label, _)| (fields.labels, label))
                        .chain(
                            excluded
                                .iter()
                                .zip(&excluded_verdicts)
                                .filter(|(_, satisfied)| **satisfied)
                                .map(|(label, _)| (fields.excluded, label)),
                        )
                        .collect();
                    let visibility =
                        Arc::new(build(segment, &hiding, reader.only_records_of(), fields)?);
                    self.cache
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(signature, visibility.clone());
                    visibility
                }
            };
            segments.insert(segment.segment_id(), visibility);
        }
        self.forget_merged(searcher);
        Ok(VisibleFilter { segments })
    }

    /// Drops the filters of segments the searcher no longer has (merged away), and those made
    /// before the segment's latest deletes.
    fn forget_merged(&self, searcher: &Searcher) {
        let live: std::collections::HashMap<SegmentId, u32> = searcher
            .segment_readers()
            .iter()
            .map(|segment| (segment.segment_id(), segment.num_deleted_docs()))
            .collect();
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|signature, _| live.get(&signature.segment) == Some(&signature.deleted));
    }
}

fn build(
    segment: &SegmentReader,
    hiding: &[(Field, &String)],
    own_records_of: Option<&str>,
    fields: &Fields,
) -> tantivy::Result<SegmentVisibility> {
    let max_doc = segment.max_doc();
    let mut docs = BitSet::with_max_value_and_full(max_doc);
    let mut everything = true;
    for (field, label) in hiding {
        documents_with(segment, *field, label, |doc| {
            docs.remove(doc);
            everything = false;
        })?;
    }
    if let Some(owner) = own_records_of {
        let mut own = BitSet::with_max_value(max_doc);
        documents_with(segment, fields.created_by, owner, |doc| {
            own.insert(doc);
        })?;
        for doc in 0..max_doc {
            if !own.contains(doc) {
                docs.remove(doc);
                everything = false;
            }
        }
    }
    if let Some(alive) = segment.alive_bitset() {
        for doc in 0..max_doc {
            if alive.is_deleted(doc) {
                docs.remove(doc);
            }
        }
    }
    let norms = [
        segment.get_fieldnorms_reader(fields.text)?,
        segment.get_fieldnorms_reader(fields.title)?,
    ];
    let mut tokens = [0u64; 2];
    let mut count = 0;
    for doc in 0..max_doc {
        if docs.contains(doc) {
            count += 1;
            for (sum, norms) in tokens.iter_mut().zip(&norms) {
                *sum += u64::from(norms.fieldnorm(doc));
            }
        }
    }
    Ok(SegmentVisibility {
        docs,
        count,
        tokens,
        everything,
        doc_freqs: Mutex::default(),
    })
}

/// The documents one reader may see, segment by segment.
#[derive(Clone)]
pub(super) struct VisibleFilter {
    segments: HashMap<SegmentId, Arc<SegmentVisibility>>,
}

impl fmt::Debug for VisibleFilter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("VisibleFilter")
            .field("segments", &self.segments.len())
            .finish()
    }
}

impl Search for VisibleFilter {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for VisibleFilter {
    fn scorer(&self, segment: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = match self.segments.get(&segment.segment_id()) {
            Some(visibility) => visibility.docs.clone(),
            // A segment that appeared after the filter was made: nothing of it is known to be
            // visible.
            None => BitSet::with_max_value(segment.max_doc()),
        };
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), 0.0)))
    }

    fn explain(&self, segment: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let visible = self
            .segments
            .get(&segment.segment_id())
            .is_some_and(|visibility| visibility.docs.contains(doc));
        Ok(Explanation::new(
            if visible { "visible" } else { "not visible" },
            0.0,
        ))
    }
}

/// BM25 statistics over the documents one reader may see.
pub(super) struct VisibleStatistics<'a> {
    searcher: &'a Searcher,
    filter: &'a VisibleFilter,
    text: Field,
}

impl<'a> VisibleStatistics<'a> {
    pub(super) fn new(searcher: &'a Searcher, filter: &'a VisibleFilter, text: Field) -> Self {
        Self {
            searcher,
            filter,
            text,
        }
    }

    fn visibility(&self, segment: &SegmentReader) -> Option<&SegmentVisibility> {
        self.filter
            .segments
            .get(&segment.segment_id())
            .map(Arc::as_ref)
    }
}

impl Bm25StatisticsProvider for VisibleStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let which = usize::from(field != self.text);
        Ok(self
            .searcher
            .segment_readers()
            .iter()
            .filter_map(|segment| self.visibility(segment))
            .map(|visibility| visibility.tokens.get(which).copied().unwrap_or(0))
            .sum())
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self
            .searcher
            .segment_readers()
            .iter()
            .filter_map(|segment| self.visibility(segment))
            .map(|visibility| visibility.count)
            .sum())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut total = 0;
        for segment in self.searcher.segment_readers() {
            let Some(visibility) = self.visibility(segment) else {
                continue;
            };
            let inverted = segment.inverted_index(term.field())?;
            if visibility.everything && segment.alive_bitset().is_none() {
                total += u64::from(inverted.doc_freq(term)?);
                continue;
            }
            let key = term.clone();
            let known = visibility
                .doc_freqs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&key)
                .copied();
            if let Some(known) = known {
                total += known;
                continue;
            }
            let mut count = 0;
            if let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? {
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    count += u64::from(visibility.docs.contains(doc));
                    doc = postings.advance();
                }
            }
            let mut doc_freqs = visibility
                .doc_freqs
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if doc_freqs.len() >= DOC_FREQS_KEPT {
                doc_freqs.clear();
            }
            doc_freqs.insert(key, count);
            total += count;
        }
        Ok(total)
    }
}

/// Points packed for the `points` fast field: latitude and longitude, little-endian f64s.
pub(super) fn pack_points(points: &[Point]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(points.len() * 16);
    for point in points {
        bytes.extend_from_slice(&point.lat.to_le_bytes());
        bytes.extend_from_slice(&point.lon.to_le_bytes());
    }
    bytes
}

fn unpack_points(bytes: &[u8]) -> impl Iterator<Item = Point> + '_ {
    bytes.chunks_exact(16).filter_map(|chunk| {
        let (lat, lon) = chunk.split_at(8);
        Some(Point {
            lat: f64::from_le_bytes(lat.try_into().ok()?),
            lon: f64::from_le_bytes(lon.try_into().ok()?),
        })
    })
}

/// The documents with a point in an area: those in the area's cells (or, for an area too large
/// to cover, all with points), checked exactly.
#[derive(Clone, Debug)]
pub(super) struct GeoFilter {
    area: GeoArea,
    cover: Option<TermSetQuery>,
}

impl GeoFilter {
    pub(super) fn new(area: GeoArea, cover: Option<Vec<Term>>) -> Self {
        Self {
            area,
            cover: cover.map(TermSetQuery::new),
        }
    }
}

impl Search for GeoFilter {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let cover = match &self.cover {
            Some(cover) => {
                Some(cover.weight(EnableScoring::disabled_from_schema(scoring.schema()))?)
            }
            None => None,
        };
        Ok(Box::new(GeoWeight {
            area: self.area,
            cover,
        }))
    }
}

struct GeoWeight {
    area: GeoArea,
    cover: Option<Box<dyn Weight>>,
}

impl GeoWeight {
    fn matches(&self, segment: &SegmentReader) -> tantivy::Result<BitSet> {
        let max_doc = segment.max_doc();
        let mut matches = BitSet::with_max_value(max_doc);
        let Some(points) = segment.fast_fields().bytes(name::POINTS)? else {
            return Ok(matches);
        };
        let mut bytes = Vec::new();
        let mut check = |doc: DocId| -> tantivy::Result<()> {
            for ord in points.term_ords(doc) {
                bytes.clear();
                points.ord_to_bytes(ord, &mut bytes)?;
                if unpack_points(&bytes).any(|point| self.area.contains(point)) {
                    matches.insert(doc);
                    break;
                }
            }
            Ok(())
        };
        match &self.cover {
            Some(cover) => {
                let mut candidates = cover.scorer(segment, 1.0)?;
                let mut doc = candidates.doc();
                while doc != TERMINATED {
                    check(doc)?;
                    doc = candidates.advance();
                }
            }
            None => {
                for doc in 0..max_doc {
                    check(doc)?;
                }
            }
        }
        Ok(matches)
    }
}

impl Weight for GeoWeight {
    fn scorer(&self, segment: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(self.matches(segment)?),
            0.0,
        )))
    }

    fn explain(&self, segment: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inside = self.matches(segment)?.contains(doc);
        Ok(Explanation::new(
            if inside {
                "in the area"
            } else {
                "outside the area"
            },
            0.0,
        ))
    }
}
