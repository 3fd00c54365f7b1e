//! Search: the projection that keeps the tantivy index of record views, and the search endpoint.
//!
//! The projection waits a moment for text analysis before it indexes a batch, so most records
//! are indexed once, with their entities. A record whose analysis is still pending is indexed
//! on its text at once (searchable within a second of its `201`) and again when its analysis
//! lands; the index's commit payload keeps the position below the oldest such record, so a
//! restart re-indexes it rather than forget its entities.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use humdex_model::{Change, ChangeKind, Reader, RecordId, RecordView, Seq};
use humdex_search::index::{Facets, Found, MAX_OFFSET, Page, SearchIndex, Snippet, Sort};
use humdex_search::{ParseContext, Query, View};
use humdex_store::{Projection, ProjectionRunner, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;
use crate::subscriptions::Percolation;

const SEARCH: &str = "search";

/// How long a batch waits for text analysis before it is indexed without entities.
const ANALYSIS_WAIT: Duration = Duration::from_millis(400);

/// The most hits on one page.
const MAX_LIMIT: usize = 100;

/// The search index in `dir`, or in memory.
pub(crate) fn open_index(dir: Option<&std::path::Path>) -> Result<SearchIndex, ApiError> {
    let index = match dir {
        Some(dir) => SearchIndex::open(dir),
        None => SearchIndex::in_memory(),
    };
    index.map_err(|error| {
        tracing::error!(%error, "the search index cannot be opened");
        ApiError::Internal
    })
}

/// What the index's commit payload records.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// Every change up to here is indexed with its analysis.
    complete: Seq,
}

/// The projection that keeps the search index, and hands each analysed record version to the
/// percolator.
pub(crate) struct SearchProjection {
    store: Store,
    index: Arc<SearchIndex>,
    analysis: ProjectionRunner,
    percolation: Arc<Percolation>,
    /// Records indexed before their analysis, by the sequence of the change that needs it.
    pending: Mutex<BTreeMap<RecordId, Seq>>,
    /// One step at a time: the journal tail and the analysis follower share the index writer.
    step: tokio::sync::Mutex<()>,
    /// The last journal change applied.
    applied: AtomicI64,
    /// Every change up to here is indexed with its analysis, and percolated.
    complete: tokio::sync::watch::Sender<Seq>,
}

/// One record to index: its views, and whether they hold its analysis.
struct Indexed {
    id: RecordId,
    views: Vec<View>,
    analysed: bool,
}

/// The views of the current version of record `id`, with its analysis when that is of this
/// version; `None` if there is no such record.
async fn load_views(store: &Store, id: RecordId) -> humdex_store::Result<Option<Indexed>> {
    let Some(record) = store.record_for_projection(id).await? else {
        return Ok(None);
    };
    let (mentions, analysed) = match store.analysis_for_projection(id).await? {
        Some((version, mentions)) if version == record.version => (mentions, true),
        _ => (Vec::new(), false),
    };
    Ok(Some(Indexed {
        id,
        views: View::of_record(&record, &mentions),
        analysed,
    }))
}

/// How many records and view documents a rebuild indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reindexed {
    /// Records indexed.
    pub records: u64,
    /// Of those, records whose text analysis was not done yet: the server indexes their
    /// entities when it is.
    pub unanalysed: u64,
}

/// Rebuilds the search index in `dir` from the journal of `store`, telling `progress` how many
/// records of how many it has indexed. The server must not be running on the same index.
pub async fn reindex(
    store: &Store,
    dir: &std::path::Path,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<Reindexed> {
    let index = SearchIndex::open(dir)?;
    let head = store.journal_head().await?;
    // The last change of each record, so one left unanalysed is redone from there.
    let mut records: BTreeMap<RecordId, Seq> = BTreeMap::new();
    let mut position = 0;
    loop {
        let changes = store.journal_after(position, 1000).await?;
        let Some(last) = changes.last() else { break };
        position = last.seq;
        for change in changes.iter().filter(|change| change.kind.is_some()) {
            if let Ok(id) = change.subject.parse() {
                records.insert(id, change.seq);
            }
        }
        if position >= head {
            break;
        }
    }
    index.clear()?;
    let total = records.len() as u64;
    let mut done = 0;
    let mut oldest_unanalysed: Option<Seq> = None;
    let mut unanalysed = 0;
    for (id, seq) in &records {
        if let Some(indexed) = load_views(store, *id).await? {
            if !indexed.analysed {
                unanalysed += 1;
                oldest_unanalysed = Some(oldest_unanalysed.map_or(*seq, |oldest| oldest.min(*seq)));
            }
            index.replace(indexed.id, &indexed.views)?;
        }
        done += 1;
        progress(done, total);
    }
    let complete = oldest_unanalysed.map_or(position, |oldest| oldest - 1);
    index.commit(&serde_json::to_string(&Payload { complete })?)?;
    Ok(Reindexed {
        records: total,
        unanalysed,
    })
}

impl SearchProjection {
    pub(crate) fn new(
        store: Store,
        index: Arc<SearchIndex>,
        analysis: ProjectionRunner,
        percolation: Arc<Percolation>,
    ) -> Self {
        Self {
            store,
            index,
            analysis,
            percolation,
            pending: Mutex::new(BTreeMap::new()),
            step: tokio::sync::Mutex::new(()),
            applied: AtomicI64::new(0),
            complete: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Waits until every change up to `seq` is indexed with its analysis and percolated.
    pub(crate) async fn completed(&self, seq: Seq) {
        let mut complete = self.complete.subscribe();
        // An error means the projection stopped; there is nothing more to wait for.
        let _ = complete.wait_for(|complete| *complete >= seq).await;
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, BTreeMap<RecordId, Seq>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The views of the current version of each record in `ids`.
    async fn load(
        &self,
        ids: impl IntoIterator<Item = RecordId>,
    ) -> humdex_store::Result<Vec<Indexed>> {
        let mut loaded = Vec::new();
        for id in ids {
            loaded.extend(load_views(&self.store, id).await?);
        }
        Ok(loaded)
    }

    /// Indexes `records`, percolates the analysed ones, and commits with the position below
    /// which everything is indexed with its analysis.
    async fn index(&self, records: Vec<Indexed>, applied: Seq) -> humdex_store::Result<()> {
        let complete = {
            let pending = self.pending();
            pending.values().min().map_or(applied, |oldest| oldest - 1)
        };
        if records.is_empty() {
            // Nothing to write; a restart re-reads these changes and finds nothing either.
            self.complete.send_replace(complete);
            return Ok(());
        }
        let index = self.index.clone();
        let analysed: Vec<Vec<View>> = records
            .iter()
            .filter(|record| record.analysed)
            .map(|record| record.views.clone())
            .collect();
        tokio::task::spawn_blocking(move || {
            for record in &records {
                index.replace(record.id, &record.views)?;
            }
            let payload = serde_json::to_string(&Payload { complete }).unwrap_or_default();
            index.commit(&payload)
        })
        .await
        .map_err(|error| humdex_store::Error::Projection(error.to_string()))?
        .map_err(|error| humdex_store::Error::Projection(error.to_string()))?;
        // After the commit: a subscription made meanwhile finds these records by its backfill
        // search, and the percolator's notifications are keyed so none repeats.
        self.percolation.percolate(analysed).await?;
        self.complete.send_replace(complete);
        Ok(())
    }

    /// Re-indexes, with their analysis, the pending records whose analysis has landed; runs
    /// for as long as the server does.
    pub(crate) async fn follow_analysis(self: Arc<Self>) {
        let mut position = 0;
        loop {
            let analysed = self.analysis.applied();
            if analysed == position {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            position = analysed;
            let ready: Vec<RecordId> = self
                .pending()
                .iter()
                .filter(|(_, seq)| **seq <= analysed)
                .map(|(id, _)| *id)
                .collect();
            if ready.is_empty() {
                continue;
            }
            let _step = self.step.lock().await;
            let result = async {
                let records = self.load(ready.iter().copied()).await?;
                {
                    let mut pending = self.pending();
                    for record in records.iter().filter(|record| record.analysed) {
                        pending.remove(&record.id);
                    }
                }
                self.index(records, self.applied.load(Ordering::Acquire))
                    .await
            };
            if let Err(error) = result.await {
                tracing::warn!(%error, "re-indexing analysed records failed; retrying");
                position = 0;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    /// The position the index has reached, from the last commit's payload.
    fn committed(&self) -> humdex_store::Result<Seq> {
        let payload = self
            .index
            .payload()
            .map_err(|error| humdex_store::Error::Projection(error.to_string()))?;
        Ok(payload
            .and_then(|payload| serde_json::from_str::<Payload>(&payload).ok())
            .map_or(0, |payload| payload.complete))
    }
}

#[async_trait]
impl Projection for SearchProjection {
    fn name(&self) -> &'static str {
        SEARCH
    }

    async fn last_applied(&self) -> humdex_store::Result<Seq> {
        self.committed()
    }

    async fn apply(&self, changes: &[Change]) -> humdex_store::Result<()> {
        let Some(last) = changes.last().map(|change| change.seq) else {
            return Ok(());
        };
        let _step = self.step.lock().await;
        let mut touched: BTreeMap<RecordId, Seq> = BTreeMap::new();
        for change in changes.iter().filter(|change| change.kind.is_some()) {
            if let Ok(id) = change.subject.parse() {
                touched.insert(id, change.seq);
            }
        }
        if !touched.is_empty() {
            // Most records are analysed within this wait, and are then indexed only once.
            let _ = tokio::time::timeout(ANALYSIS_WAIT, self.analysis.caught_up(last)).await;
        }
        let records = self.load(touched.keys().copied()).await?;
        {
            let mut pending = self.pending();
            for record in &records {
                match (record.analysed, touched.get(&record.id)) {
                    (true, _) => {
                        pending.remove(&record.id);
                    }
                    (false, Some(seq)) => {
                        pending.entry(record.id).or_insert(*seq);
                    }
                    (false, None) => {}
                }
            }
        }
        self.applied.store(last, Ordering::Release);
        self.index(records, last).await
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// The parameters of a search.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// The query: words, "phrases", `AND`/`OR`/`NOT`, parentheses, prefix*, and filters
    /// `title:`, `kind:`, `state:`, `source:`, `entity:`, `<entity type>:` (e.g.
    /// `phone:+15555550123`), `has:<entity type>`, `after:`/`before:`/`on:YYYY-MM-DD`,
    /// `near:LAT,LON,25km` and `bbox:SOUTH,WEST,NORTH,EAST`.
    #[serde(default)]
    q: String,
    /// Where the previous page ended (`next_cursor` of the previous answer).
    cursor: Option<String>,
    /// Hits per page, 1 to 100 (default 20).
    limit: Option<usize>,
    /// `relevance` (default), `newest` or `oldest`.
    sort: Option<String>,
}

/// What a search found that the caller may see.
#[derive(Serialize, ToSchema)]
pub(crate) struct SearchResults {
    /// How many records match.
    total: u64,
    /// This page of them.
    hits: Vec<SearchHit>,
    /// Matching records counted by kind, state, source and entity type.
    facets: FacetCounts,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// One matching record.
#[derive(Serialize, ToSchema)]
pub(crate) struct SearchHit {
    /// The record's id.
    #[schema(value_type = String)]
    id: RecordId,
    /// Its title.
    title: String,
    /// Report or request.
    #[schema(value_type = String)]
    kind: humdex_model::Kind,
    /// Its workflow state.
    #[schema(value_type = String)]
    state: humdex_model::State,
    /// When it was received.
    #[schema(value_type = String, format = DateTime)]
    received: jiff::Timestamp,
    /// How well it matches (0 when sorted by time).
    score: f32,
    /// Passages that show the words searched for, as escaped HTML with them in `<b>`.
    snippets: Vec<SnippetBody>,
    /// How many of its fields are withheld from the caller.
    withheld_fields: usize,
}

/// A passage of a record's text.
#[derive(Serialize, ToSchema)]
pub(crate) struct SnippetBody {
    /// `title`, `narrative` or `fields.<name>`.
    part: String,
    /// The passage, escaped, the matching words in `<b>`.
    html: String,
}

/// Matching records counted by attribute.
#[derive(Serialize, ToSchema)]
pub(crate) struct FacetCounts {
    /// By kind.
    kind: BTreeMap<String, u64>,
    /// By workflow state.
    state: BTreeMap<String, u64>,
    /// By source channel.
    source: BTreeMap<String, u64>,
    /// By the types of the entities they hold.
    entity_types: BTreeMap<String, u64>,
}

impl From<Facets> for FacetCounts {
    fn from(facets: Facets) -> Self {
        Self {
            kind: facets.kind,
            state: facets.state,
            source: facets.source,
            entity_types: facets.entity_types,
        }
    }
}

/// Parses a query written by a person; errors say where.
pub(crate) fn parse_query(
    state: &AppState,
    field: &'static str,
    text: &str,
) -> Result<Query, ApiError> {
    let context = ParseContext {
        phone_region: state.config.phone_region.clone(),
    };
    humdex_search::parse(text, &context).map_err(|error| ApiError::InvalidQuery {
        field,
        message: error.message,
        position: error.position,
        length: error.length,
    })
}

fn decode_cursor(cursor: &str) -> Result<usize, ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor from a previous answer");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let offset = text
        .strip_prefix("offset:")
        .and_then(|offset| offset.parse().ok())
        .ok_or_else(bad)?;
    if offset > MAX_OFFSET {
        return Err(ApiError::invalid(
            "cursor",
            format!("results end after {MAX_OFFSET} hits; narrow the query"),
        ));
    }
    Ok(offset)
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// The most journal changes a search looks past the index's position; further behind, the index
/// is catching up and searches wait.
const UNINDEXED_LIMIT: u32 = 10_000;

impl AppState {
    /// The records whose labels or text changed after the search index's position: until it
    /// has them, their documents may hold what their readers may no longer see, so searches
    /// leave them out (for a moment) rather than count or rank them.
    async fn changed_since_indexed(&self) -> Result<Vec<RecordId>, ApiError> {
        let changes = self
            .store
            .journal_after(self.search.applied(), UNINDEXED_LIMIT)
            .await?;
        if changes.len() == UNINDEXED_LIMIT as usize {
            tracing::warn!("the search index is far behind the journal");
            return Err(ApiError::Unavailable);
        }
        Ok(changes
            .iter()
            .filter(|change| {
                matches!(
                    change.change,
                    ChangeKind::RecordUpdated | ChangeKind::RecordRelabelled
                )
            })
            .filter_map(|change| change.subject.parse().ok())
            .collect())
    }

    /// Runs `query` for `reader` on a blocking thread.
    pub(crate) async fn run_search(
        &self,
        reader: Reader,
        query: Query,
        page: Page,
    ) -> Result<(Query, Found), ApiError> {
        let excluded = self.changed_since_indexed().await?;
        let index = self.search_index.clone();
        tokio::task::spawn_blocking(move || {
            let found = index.search_excluding(&reader, &query, page, &excluded);
            (query, found)
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "search task failed");
            ApiError::Internal
        })
        .and_then(|(query, found)| {
            let found = found.map_err(|error| {
                tracing::error!(%error, "search failed");
                ApiError::Internal
            })?;
            Ok((query, found))
        })
    }
}

/// Searches the records the caller may see. Words, phrases, counts, facets, ranking and
/// snippets all see only what the caller may see: a field withheld from them can never make a
/// record match, nor shape the order of the hits.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let result = search_records(&state, &caller, &params).await;
    let results = state
        .audit_read(&caller, "search", &params.q, result, |found| {
            json!({"total": found.total, "shown": found.hits.iter().map(|hit| hit.id.to_string()).collect::<Vec<_>>()})
        })
        .await?;
    Ok(Json(results))
}

async fn search_records(
    state: &AppState,
    caller: &Caller,
    params: &SearchQuery,
) -> Result<SearchResults, ApiError> {
    let query = parse_query(state, "q", &params.q)?;
    let limit = params.limit.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit is 1 to {MAX_LIMIT}"),
        ));
    }
    let sort = match params.sort.as_deref() {
        None | Some("relevance") => Sort::Relevance,
        Some("newest") => Sort::Newest,
        Some("oldest") => Sort::Oldest,
        Some(other) => {
            return Err(ApiError::invalid(
                "sort",
                format!("unknown sort `{other}` (relevance, newest, oldest)"),
            ));
        }
    };
    let offset = params
        .cursor
        .as_deref()
        .map(decode_cursor)
        .transpose()?
        .unwrap_or(0);
    search_results(
        state,
        &caller.reader(),
        query,
        Page {
            offset,
            limit,
            sort,
        },
    )
    .await
}

/// A page of the records matching `query` that `reader` may see, as the API shows them.
pub(crate) async fn search_results(
    state: &AppState,
    reader: &Reader,
    query: Query,
    page: Page,
) -> Result<SearchResults, ApiError> {
    let (query, found) = state.run_search(reader.clone(), query, page).await?;
    let mut hits = Vec::with_capacity(found.hits.len());
    for hit in &found.hits {
        // The record as the caller may see it now: the one redaction path, which also drops a
        // hit whose record changed label since it was indexed.
        let RecordView::Full(visible) = state.store.record(reader, hit.record).await? else {
            continue;
        };
        let record = visible.record();
        let texts: Vec<(String, &str)> = record
            .text_parts()
            .into_iter()
            .map(|(part, text)| (part.to_string(), text))
            .collect();
        let snippets = state
            .search_index
            .snippets(
                &query,
                texts.iter().map(|(part, text)| (part.as_str(), *text)),
            )
            .into_iter()
            .map(|Snippet { part, html }| SnippetBody { part, html })
            .collect();
        hits.push(SearchHit {
            id: record.id,
            title: record.title.clone(),
            kind: record.kind,
            state: record.state,
            received: record.received,
            score: hit.score,
            snippets,
            withheld_fields: visible.withheld_fields().len(),
        });
    }
    let next = page.offset + found.hits.len();
    let next_cursor = (u64::try_from(next).unwrap_or(u64::MAX) < found.total && next <= MAX_OFFSET)
        .then(|| encode_cursor(next));
    Ok(SearchResults {
        total: found.total,
        hits,
        facets: found.facets.into(),
        next_cursor,
    })
}
