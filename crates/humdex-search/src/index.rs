//! The tantivy index of record views.
//!
//! Every view of a record is one tantivy document, tagged with the labels it needs (`labels`) and
//! the record's field labels it lacks (`excluded`). A reader's filter keeps, per segment, the
//! documents whose `labels` they all satisfy and none of whose `excluded` they do: one view per
//! record at most, the one that holds exactly what they may see. The filter is a bitset cached
//! per segment and per verdict over the segment's labels, so readers with the same privileges
//! share it and it costs almost nothing after its first use; segments never change, so it stays
//! right until a merge drops the segment.
//!
//! Ranking, counts, facets and snippets see only the reader's documents: BM25 statistics are
//! counted over them too, so the order of the hits cannot tell whether a word occurs in a field
//! the reader may not see.

mod filter;
mod tally;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use humdex_model::{Reader, RecordId};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, PhraseQuery, Query as Search, RangeQuery, RegexQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    BytesOptions, FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};

use crate::analyzer::{self, KEY, TEXT};
use crate::geo::{GeoArea, point_cells};
use crate::{Exact, Query, TextField, View};
use filter::{GeoFilter, Visibility, VisibleStatistics};
use tally::Tally;

/// How much memory the writer may fill before it writes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// The deepest page of hits: deeper paging is slower than refining the query.
pub const MAX_OFFSET: usize = 10_000;
/// The longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;

/// Something went wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// tantivy failed.
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index directory could not be opened.
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// The index directory could not be cleared.
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
}

/// What [`SearchIndex`] methods return.
pub type Result<T> = std::result::Result<T, Error>;

/// The fields of a view document.
#[derive(Clone, Copy)]
struct Fields {
    record: Field,
    labels: Field,
    excluded: Field,
    created_by: Field,
    kind: Field,
    state: Field,
    source: Field,
    received: Field,
    text: Field,
    title: Field,
    words: Field,
    title_words: Field,
    entity: Field,
    entity_typed: Field,
    has: Field,
    cells: Field,
    points: Field,
    facets: Field,
}

mod name {
    pub const RECORD: &str = "record";
    pub const LABELS: &str = "labels";
    pub const EXCLUDED: &str = "excluded";
    pub const CREATED_BY: &str = "created_by";
    pub const KIND: &str = "kind";
    pub const STATE: &str = "state";
    pub const SOURCE: &str = "source";
    pub const RECEIVED: &str = "received";
    pub const TEXT: &str = "text";
    pub const TITLE: &str = "title";
    pub const WORDS: &str = "words";
    pub const TITLE_WORDS: &str = "title_words";
    pub const ENTITY: &str = "entity";
    pub const ENTITY_TYPED: &str = "entity_typed";
    pub const HAS: &str = "has";
    pub const CELLS: &str = "cells";
    pub const POINTS: &str = "points";
    pub const FACETS: &str = "facets";
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let fields = Fields {
        record: builder.add_text_field(name::RECORD, STRING | FAST),
        labels: builder.add_text_field(name::LABELS, STRING),
        excluded: builder.add_text_field(name::EXCLUDED, STRING),
        created_by: builder.add_text_field(name::CREATED_BY, STRING),
        kind: builder.add_text_field(name::KIND, STRING),
        state: builder.add_text_field(name::STATE, STRING),
        source: builder.add_text_field(name::SOURCE, STRING),
        received: builder.add_i64_field(name::RECEIVED, INDEXED | FAST),
        text: builder.add_text_field(
            name::TEXT,
            text(TEXT, IndexRecordOption::WithFreqsAndPositions),
        ),
        title: builder.add_text_field(
            name::TITLE,
            text(TEXT, IndexRecordOption::WithFreqsAndPositions),
        ),
        words: builder.add_text_field(name::WORDS, text(KEY, IndexRecordOption::Basic)),
        title_words: builder.add_text_field(name::TITLE_WORDS, text(KEY, IndexRecordOption::Basic)),
        entity: builder.add_text_field(name::ENTITY, STRING),
        entity_typed: builder.add_text_field(name::ENTITY_TYPED, STRING),
        has: builder.add_text_field(name::HAS, STRING),
        cells: builder.add_text_field(name::CELLS, STRING),
        points: builder.add_bytes_field(name::POINTS, BytesOptions::default().set_fast()),
        facets: builder.add_u64_field(name::FACETS, FAST),
    };
    (builder.build(), fields)
}

/// The term of a typed entity in the index and in the percolator: `<type>=<key>`.
pub fn typed_entity(kind: humdex_model::EntityKind, key: &str) -> String {
    format!("{}={key}", kind.as_str())
}

/// The index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    visibility: Visibility,
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Most recently received first.
    Newest,
    /// Least recently received first.
    Oldest,
}

/// A page of a search.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Hits to skip, at most [`MAX_OFFSET`].
    pub offset: usize,
    /// Hits to return.
    pub limit: usize,
    /// Their order.
    pub sort: Sort,
}

/// What a search found that its reader may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// How many records match.
    pub total: u64,
    /// The page of hits.
    pub hits: Vec<Hit>,
    /// Matching records by kind, state, source and the entity types they hold.
    pub facets: Facets,
}

/// One matching record.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The record.
    pub record: RecordId,
    /// Its relevance (0 when sorted by time).
    pub score: f32,
}

/// Counts of matching records by attribute value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// By kind.
    pub kind: BTreeMap<String, u64>,
    /// By workflow state.
    pub state: BTreeMap<String, u64>,
    /// By source channel.
    pub source: BTreeMap<String, u64>,
    /// By the entity types they hold.
    pub entity_types: BTreeMap<String, u64>,
}

/// A highlighted passage of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The part of the record it is from.
    pub part: String,
    /// The passage as HTML, escaped, with the matching words in `<b>`.
    pub html: String,
}

impl SearchIndex {
    /// The index in `dir`, created there if it does not exist; an index of another schema (from
    /// an older version) is replaced by an empty one, which the projection then fills from the
    /// journal.
    #[expect(
        clippy::disallowed_methods,
        reason = "the caller gives the directory; making it is the index's own edge"
    )]
    pub fn open(dir: &Path) -> Result<Self> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir)?;
        let index = match Index::open_or_create(MmapDirectory::open(dir)?, schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(error)) => {
                tracing::warn!(%error, dir = %dir.display(), "search index of another schema: rebuilding");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
            Err(error) => return Err(error.into()),
        };
        Self::with_index(index, fields)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self> {
        index.tokenizers().register(TEXT, analyzer::text_analyzer());
        index.tokenizers().register(KEY, analyzer::key_analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            visibility: Visibility::default(),
        })
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter> {
        // A panic in another writer call leaves nothing half-done that a commit would keep.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the documents of `record` with `views`, on the next commit.
    pub fn replace(&self, record: RecordId, views: &[View]) -> Result<()> {
        let writer = self.writer();
        writer.delete_term(Term::from_field_text(
            self.fields.record,
            &record.to_string(),
        ));
        for view in views {
            writer.add_document(self.document(view))?;
        }
        Ok(())
    }

    /// Removes every document, on the next commit.
    pub fn clear(&self) -> Result<()> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes every change so far durable and searchable, with `payload` (the position in the
    /// journal they reach) stored atomically with them.
    pub fn commit(&self, payload: &str) -> Result<()> {
        let mut writer = self.writer();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// The payload of the last commit.
    pub fn payload(&self) -> Result<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    /// How many view documents the index holds.
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// How many view documents hold the analysed `term` in `field`, for the percolator's choice
    /// of anchors.
    pub fn doc_freq(&self, field: TextField, term: &str) -> tantivy::Result<u64> {
        let field = match field {
            TextField::Any => self.fields.text,
            TextField::Title => self.fields.title,
        };
        self.reader
            .searcher()
            .doc_freq(&Term::from_field_text(field, term))
    }

    fn document(&self, view: &View) -> TantivyDocument {
        let f = &self.fields;
        let mut document = TantivyDocument::default();
        document.add_text(f.record, view.record.to_string());
        for label in &view.labels {
            document.add_text(f.labels, label);
        }
        for label in &view.excluded {
            document.add_text(f.excluded, label);
        }
        document.add_text(f.created_by, &view.created_by);
        document.add_text(f.kind, view.kind.as_str());
        document.add_text(f.state, view.state.as_str());
        document.add_text(f.source, view.source.as_str());
        document.add_i64(f.received, view.received.as_millisecond());
        for text in &view.texts {
            document.add_text(f.text, &text.text);
            document.add_text(f.words, &text.text);
            if text.part == "title" {
                document.add_text(f.title, &text.text);
                document.add_text(f.title_words, &text.text);
            }
        }
        let mut kinds: Vec<humdex_model::EntityKind> = Vec::new();
        for entity in &view.entities {
            document.add_text(f.entity, &entity.key);
            document.add_text(f.entity_typed, typed_entity(entity.kind, &entity.key));
            kinds.push(entity.kind);
        }
        kinds.sort_unstable();
        kinds.dedup();
        for kind in &kinds {
            document.add_text(f.has, kind.as_str());
        }
        document.add_u64(
            f.facets,
            tally::pack(view.kind, view.state, view.source, &kinds),
        );
        if !view.points.is_empty() {
            let mut cells: Vec<String> =
                view.points.iter().copied().flat_map(point_cells).collect();
            cells.sort_unstable();
            cells.dedup();
            for cell in cells {
                document.add_text(f.cells, cell);
            }
            document.add_bytes(f.points, &filter::pack_points(&view.points));
        }
        document
    }

    /// The tantivy query for `query`.
    fn compile(&self, query: &Query) -> Box<dyn Search> {
        let f = &self.fields;
        let text_field = |field: TextField| match field {
            TextField::Any => f.text,
            TextField::Title => f.title,
        };
        let keyword = |field: Field, value: &str| -> Box<dyn Search> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        match query {
            Query::All => Box::new(AllQuery),
            Query::Term { field, term } => Box::new(TermQuery::new(
                Term::from_field_text(text_field(*field), term),
                IndexRecordOption::WithFreqs,
            )),
            Query::Phrase { field, terms } => {
                let field = text_field(*field);
                let terms: Vec<Term> = terms
                    .iter()
                    .map(|term| Term::from_field_text(field, term))
                    .collect();
                match terms.as_slice() {
                    [] => Box::new(AllQuery),
                    [term] => Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    _ => Box::new(PhraseQuery::new(terms)),
                }
            }
            Query::Prefix { field, prefix } => {
                let field = match field {
                    TextField::Any => f.words,
                    TextField::Title => f.title_words,
                };
                let pattern = format!("{}.*", escape_regex(prefix));
                match RegexQuery::from_pattern(&pattern, field) {
                    Ok(query) => Box::new(query),
                    // Our own escaping makes every prefix a valid pattern; should it not, the
                    // prefix matches nothing rather than everything.
                    Err(_) => Box::new(tantivy::query::EmptyQuery),
                }
            }
            Query::Exact(exact) => match exact {
                Exact::Kind(kind) => keyword(f.kind, kind.as_str()),
                Exact::State(state) => keyword(f.state, state.as_str()),
                Exact::Source(source) => keyword(f.source, source.as_str()),
                Exact::Entity { kind: None, key } => keyword(f.entity, key),
                Exact::Entity {
                    kind: Some(kind),
                    key,
                } => keyword(f.entity_typed, &typed_entity(*kind, key)),
                Exact::Has(kind) => keyword(f.has, kind.as_str()),
            },
            Query::Received { from, to } => {
                let bound = |at: &Option<jiff::Timestamp>, inclusive: bool| match at {
                    None => std::ops::Bound::Unbounded,
                    Some(at) => {
                        let term = Term::from_field_i64(f.received, at.as_millisecond());
                        if inclusive {
                            std::ops::Bound::Included(term)
                        } else {
                            std::ops::Bound::Excluded(term)
                        }
                    }
                };
                Box::new(RangeQuery::new(bound(from, true), bound(to, false)))
            }
            Query::Within(area) => Box::new(self.geo_filter(*area)),
            Query::And(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Search>)> = children
                    .iter()
                    .map(|child| match child {
                        Query::Not(inner) => (Occur::MustNot, self.compile(inner)),
                        child => (Occur::Must, self.compile(child)),
                    })
                    .collect();
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Or(children) => Box::new(BooleanQuery::new(
                children
                    .iter()
                    .map(|child| (Occur::Should, self.compile(child)))
                    .collect(),
            )),
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Search>),
                (Occur::MustNot, self.compile(inner)),
            ])),
        }
    }

    fn geo_filter(&self, area: GeoArea) -> GeoFilter {
        let cover = area.cover().map(|cells| {
            cells
                .iter()
                .map(|cell| Term::from_field_text(self.fields.cells, cell))
                .collect()
        });
        GeoFilter::new(area, cover)
    }

    /// The records matching `query` that `reader` may see, a page of them and their facets.
    pub fn search(&self, reader: &Reader, query: &Query, page: Page) -> Result<Found> {
        self.search_excluding(reader, query, page, &[])
    }

    /// [`SearchIndex::search`] without the records `excluded`: those changed since the index
    /// last caught up, whose documents may still carry labels they no longer have.
    pub fn search_excluding(
        &self,
        reader: &Reader,
        query: &Query,
        page: Page,
        excluded: &[RecordId],
    ) -> Result<Found> {
        let searcher = self.reader.searcher();
        let visible = self.visibility.filter(&searcher, reader, &self.fields)?;
        let statistics = VisibleStatistics::new(&searcher, &visible, self.fields.text);
        let mut clauses = vec![
            (Occur::Must, self.compile(query)),
            (Occur::Must, Box::new(visible.clone()) as Box<dyn Search>),
        ];
        if !excluded.is_empty() {
            let terms = excluded
                .iter()
                .map(|id| Term::from_field_text(self.fields.record, &id.to_string()));
            clauses.push((Occur::MustNot, Box::new(TermSetQuery::new(terms))));
        }
        let filtered = BooleanQuery::new(clauses);
        let offset = page.offset.min(MAX_OFFSET);
        let top = TopDocs::with_limit(page.limit.max(1)).and_offset(offset);
        let tally = Tally::new(name::FACETS);
        let (total, addresses, tallies) = match page.sort {
            Sort::Relevance => {
                let (total, top, tallies) = searcher.search_with_statistics_provider(
                    &filtered,
                    &(Count, top.order_by_score(), tally),
                    &statistics,
                )?;
                (total, top, tallies)
            }
            Sort::Newest | Sort::Oldest => {
                let order = if page.sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let (total, top, tallies) = searcher.search(
                    &filtered,
                    &(
                        Count,
                        top.order_by_fast_field::<i64>(name::RECEIVED, order),
                        tally,
                    ),
                )?;
                let top = top.into_iter().map(|(_, address)| (0.0, address)).collect();
                (total, top, tallies)
            }
        };
        let hits = if page.limit == 0 {
            Vec::new()
        } else {
            self.hits(&searcher, addresses)?
        };
        Ok(Found {
            total: total as u64,
            hits,
            facets: tallies.facets(),
        })
    }

    fn hits(&self, searcher: &Searcher, addresses: Vec<(f32, DocAddress)>) -> Result<Vec<Hit>> {
        let mut columns = HashMap::new();
        let mut hits = Vec::with_capacity(addresses.len());
        let mut id = String::new();
        for (score, address) in addresses {
            let segment = searcher.segment_reader(address.segment_ord);
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(segment.fast_fields().str(name::RECORD)?)
                }
            };
            let Some(column) = column else { continue };
            let Some(ord) = column.term_ords(address.doc_id).next() else {
                continue;
            };
            id.clear();
            column.ord_to_str(ord, &mut id)?;
            if let Ok(record) = id.parse() {
                hits.push(Hit { record, score });
            }
        }
        Ok(hits)
    }

    /// Passages of `texts` (a record's texts as its reader sees them: part and text) that show
    /// the words `query` looks for, the best first, at most one per part.
    pub fn snippets<'a>(
        &self,
        query: &Query,
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<Snippet> {
        let mut terms = BTreeMap::new();
        positive_terms(query, &mut |term| {
            terms.insert(term.to_owned(), 1.0);
        });
        if terms.is_empty() {
            return Vec::new();
        }
        let mut generator = SnippetGenerator::new(
            terms,
            analyzer::text_analyzer(),
            self.fields.text,
            SNIPPET_CHARS,
        );
        generator.set_max_num_chars(SNIPPET_CHARS);
        let mut snippets: Vec<(usize, Snippet)> = texts
            .into_iter()
            .filter_map(|(part, text)| {
                let snippet = generator.snippet(text);
                let highlighted = snippet.highlighted().len();
                (highlighted > 0).then(|| {
                    (
                        highlighted,
                        Snippet {
                            part: part.to_owned(),
                            html: snippet.to_html(),
                        },
                    )
                })
            })
            .collect();
        snippets.sort_by_key(|(highlighted, _)| std::cmp::Reverse(*highlighted));
        snippets.into_iter().map(|(_, snippet)| snippet).collect()
    }
}

/// Calls `found` with every text term `query` looks for, leaving out those under a `NOT`.
fn positive_terms<'a>(query: &'a Query, found: &mut impl FnMut(&'a str)) {
    match query {
        Query::Term { term, .. } => found(term),
        Query::Phrase { terms, .. } => terms.iter().for_each(|term| found(term)),
        Query::And(children) | Query::Or(children) => {
            for child in children {
                positive_terms(child, found);
            }
        }
        Query::All
        | Query::Prefix { .. }
        | Query::Exact(_)
        | Query::Received { .. }
        | Query::Within(_)
        | Query::Not(_) => {}
    }
}

/// `text` as a regular expression that matches just it.
fn escape_regex(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if !c.is_alphanumeric() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
