//! Link analysis: the entity graph projection and its endpoints — neighbourhoods, shortest
//! paths, charts with layout, centrality and communities, their exports, merge suggestions,
//! analyst merges and relations, and exclusions of known-benign values.
//!
//! The graph is kept in memory by each node and rebuilt from the journal at start. It follows the
//! journal one step behind text analysis and photo fingerprints, whose results it reads from the
//! store; merges, exclusions and relations are journal entries of their own. Every answer is cut
//! to the caller's [`Visibility`]: a node shows only through a mention they may see, a link only
//! through evidence they may see, and only that evidence is listed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use humdex_graph::{
    Candidate, Chart, EntityInput, EntitySummary, Graph, LinkKind, MentionInput, NodeKind,
    PhotoMatch, RelationInput, Suggestion, Visibility,
};
use humdex_model::{Change, ChangeKind, EntityKind, Label, NewRelation, Reader, RecordId, Seq};
use humdex_store::{Projection, ProjectionRunner, RecordGraphInput, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::RwLock;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, JsonBody};
use crate::images::Images;

const GRAPH: &str = "graph";

/// The most nodes one chart may hold: beyond this a link chart is unreadable, and the caller
/// pages instead.
const MAX_CHART_NODES: usize = 5_000;
/// Nodes in a chart when the caller names no limit.
const DEFAULT_CHART_NODES: usize = 300;

/// The in-memory entity graph of this node and how far it has followed the journal.
pub(crate) struct LinkGraph {
    store: Store,
    analysis: ProjectionRunner,
    images: Arc<Images>,
    image_runner: ProjectionRunner,
    graph: RwLock<Graph>,
    position: AtomicI64,
}

/// The id of the graph node that stands for photo `sha256`. Photos are not text entities, so
/// they get ids of their own, recognisable by the prefix.
fn photo_entity(sha256: &str) -> String {
    format!("photo-{sha256}")
}

impl LinkGraph {
    pub(crate) fn new(
        store: Store,
        analysis: ProjectionRunner,
        images: Arc<Images>,
        image_runner: ProjectionRunner,
    ) -> Self {
        Self {
            store,
            analysis,
            images,
            image_runner,
            graph: RwLock::new(Graph::new()),
            position: AtomicI64::new(0),
        }
    }

    /// Re-reads what the store says about `records` and replaces their part of the graph.
    async fn refresh_records(&self, records: &[RecordId]) -> humdex_store::Result<()> {
        let inputs = self.store.graph_inputs(records).await?;
        let matches = self.photo_matches(&inputs).await?;
        let mut graph = self.graph.write().await;
        for input in inputs {
            let mut mentions = Vec::with_capacity(input.mentions.len() + input.photos.len());
            for mention in &input.mentions {
                mentions.push(MentionInput {
                    entity: EntityInput {
                        id: mention.entity.clone(),
                        kind: NodeKind::Entity(mention.kind),
                        name: mention.name.clone(),
                    },
                    label: graph.label(&mention.label),
                });
            }
            for photo in &input.photos {
                mentions.push(MentionInput {
                    entity: EntityInput {
                        id: photo_entity(&photo.sha256),
                        kind: NodeKind::Photo,
                        name: photo.sha256.clone(),
                    },
                    label: graph.label(&photo.label),
                });
            }
            let photo_matches = matches
                .get(&input.record)
                .into_iter()
                .flatten()
                .map(|found| PhotoMatch {
                    photo: photo_entity(&found.own),
                    other: EntityInput {
                        id: photo_entity(&found.other),
                        kind: NodeKind::Photo,
                        name: found.other.clone(),
                    },
                    other_record: found.other_record,
                    other_label: graph.label(&found.other_label),
                })
                .collect();
            let mentions = if input.exists { mentions } else { Vec::new() };
            graph.set_record(input.record, mentions, photo_matches);
        }
        Ok(())
    }

    /// Other records' photos that are copies of each record's photos.
    async fn photo_matches(
        &self,
        inputs: &[RecordGraphInput],
    ) -> humdex_store::Result<BTreeMap<RecordId, Vec<FoundCopy>>> {
        let mut owner: BTreeMap<i64, (RecordId, &str)> = BTreeMap::new();
        for input in inputs.iter().filter(|input| input.exists) {
            for photo in &input.photos {
                for id in &photo.fingerprints {
                    owner.insert(*id, (input.record, photo.sha256.as_str()));
                }
            }
        }
        if owner.is_empty() {
            return Ok(BTreeMap::new());
        }
        let own: Vec<i64> = owner.keys().copied().collect();
        let pairs = self.images.copies(&own).await?;
        let others: Vec<i64> = pairs
            .iter()
            .map(|(_, other)| *other)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut carriers: BTreeMap<i64, Vec<(RecordId, String, String)>> = BTreeMap::new();
        for (id, record, sha256, label) in self.store.photos_of_fingerprints(&others).await? {
            carriers
                .entry(id)
                .or_default()
                .push((record, sha256, label));
        }
        let mut found: BTreeMap<RecordId, Vec<FoundCopy>> = BTreeMap::new();
        for (own_id, other_id) in pairs {
            let Some((record, own_sha)) = owner.get(&own_id) else {
                continue;
            };
            for (other_record, other_sha, other_label) in
                carriers.get(&other_id).into_iter().flatten()
            {
                // The same file in two records is one photo entity already.
                if other_sha == own_sha || other_record == record {
                    continue;
                }
                found.entry(*record).or_default().push(FoundCopy {
                    own: (*own_sha).to_owned(),
                    other: other_sha.clone(),
                    other_record: *other_record,
                    other_label: other_label.clone(),
                });
            }
        }
        Ok(found)
    }

    /// Applies a merge, exclusion or relation entry as the store now has it.
    async fn apply_decision(&self, change: &Change) -> humdex_store::Result<()> {
        match change.change {
            ChangeKind::EntitiesMerged | ChangeKind::EntityMergeUndone => {
                let Ok(id) = change.subject.parse::<Uuid>() else {
                    return Ok(());
                };
                let Some(merge) = self.store.entity_merge(id).await? else {
                    return Ok(());
                };
                let mut graph = self.graph.write().await;
                if change.change == ChangeKind::EntitiesMerged {
                    graph.merge(&change.subject, &merge.into, &merge.merged);
                } else {
                    graph.undo_merge(&change.subject);
                }
            }
            ChangeKind::EntityExcluded => self.graph.write().await.exclude(&change.subject),
            ChangeKind::EntityExclusionRemoved => {
                self.graph.write().await.include(&change.subject);
            }
            ChangeKind::RelationAdded => {
                let Ok(id) = change.subject.parse::<Uuid>() else {
                    return Ok(());
                };
                let Some(relation) = self.store.relation(id).await? else {
                    return Ok(());
                };
                let Ok(kind) = relation.kind.parse::<LinkKind>() else {
                    return Ok(());
                };
                let mut labels = Vec::with_capacity(relation.evidence.len());
                for record in &relation.evidence {
                    // A record deleted since is evidence no more.
                    if let Some(found) = self.store.record_for_projection(*record).await? {
                        let label = Label::both(found.label.as_ref(), relation.label.as_ref())
                            .map_err(|error| humdex_store::Error::Projection(error.to_string()))?;
                        labels.push((*record, label));
                    }
                }
                let mut graph = self.graph.write().await;
                let evidence = labels
                    .into_iter()
                    .map(|(record, label)| {
                        (
                            record,
                            graph.label(label.as_ref().map_or("", Label::as_str)),
                        )
                    })
                    .collect();
                graph.add_relation(RelationInput {
                    id: change.subject.clone(),
                    kind,
                    from: relation.from,
                    to: relation.to,
                    evidence,
                });
            }
            ChangeKind::RelationRemoved => {
                self.graph.write().await.remove_relation(&change.subject);
            }
            _ => {}
        }
        Ok(())
    }
}

/// A copy of one of a record's photos in another record.
struct FoundCopy {
    own: String,
    other: String,
    other_record: RecordId,
    other_label: String,
}

/// The graph as a journal projection.
pub(crate) struct GraphProjection(pub(crate) Arc<LinkGraph>);

#[async_trait]
impl Projection for GraphProjection {
    fn name(&self) -> &'static str {
        GRAPH
    }

    async fn last_applied(&self) -> humdex_store::Result<Seq> {
        // Kept in memory only: a restart replays the journal.
        Ok(self.0.position.load(Ordering::Acquire))
    }

    async fn apply(&self, changes: &[Change]) -> humdex_store::Result<()> {
        let graph = &self.0;
        let from = graph.position.load(Ordering::Acquire);
        let Some(last) = changes.last().map(|change| change.seq) else {
            return Ok(());
        };
        // Mentions and fingerprints are written by their own projections; read them once those
        // have seen every change of this step.
        graph.analysis.caught_up(last).await;
        graph.image_runner.caught_up(last).await;
        let mut records = BTreeSet::new();
        for change in changes.iter().filter(|change| change.seq > from) {
            match change.change {
                ChangeKind::RecordCreated
                | ChangeKind::RecordUpdated
                | ChangeKind::RecordRelabelled
                | ChangeKind::AttachmentAdded => {
                    if let Ok(record) = change.subject.parse::<RecordId>() {
                        records.insert(record);
                    }
                }
                _ => {}
            }
        }
        let records: Vec<RecordId> = records.into_iter().collect();
        graph.refresh_records(&records).await?;
        for change in changes.iter().filter(|change| change.seq > from) {
            graph.apply_decision(change).await?;
        }
        graph.position.store(last, Ordering::Release);
        Ok(())
    }
}

/// What the caller may see of the graph, with the labels evaluated once for this request.
fn visibility(graph: &Graph, reader: &Reader) -> Visibility {
    graph.visibility(|text| {
        text.parse::<Label>()
            .is_ok_and(|label| reader.satisfies(Some(&label)))
    })
}

/// Link charts draw across records; a caller who may see only their own records (a partner)
/// has no business with them.
pub(crate) fn reads_across(caller: &Caller) -> Result<Reader, ApiError> {
    caller.must_work_records()?;
    let reader = caller.reader();
    if reader.only_records_of().is_some() {
        return Err(ApiError::Forbidden(
            "link analysis reads across all records".to_owned(),
        ));
    }
    Ok(reader)
}

fn chart_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit.unwrap_or(DEFAULT_CHART_NODES) {
        0 => Err(ApiError::invalid(
            "limit",
            "a chart needs at least one node",
        )),
        limit if limit > MAX_CHART_NODES => Err(ApiError::invalid(
            "limit",
            format!("a chart holds at most {MAX_CHART_NODES} nodes; page with `offset`"),
        )),
        limit => Ok(limit),
    }
}

/// Lays a chart out and measures it: positions, degree, betweenness and communities.
async fn finish(mut chart: Chart) -> Result<Chart, ApiError> {
    tokio::task::spawn_blocking(move || {
        humdex_graph::measure(&mut chart);
        humdex_graph::lay_out(&mut chart);
        chart
    })
    .await
    .map_err(|_| ApiError::Internal)
}

/// How far and how wide a neighbourhood reaches.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Reach {
    /// Hops from the entity, 1 to 3 (default 1).
    depth: Option<u32>,
    /// The most nodes (default 300, at most 5,000); what is left out is counted.
    limit: Option<usize>,
}

/// The entities linked to an entity within `depth` hops, laid out as a chart.
#[utoipa::path(get, path = "/api/v1/graph/entity/{id}", tag = "graph", security(("bearer" = [])),
    params(("id" = String, Path), Reach),
    responses((status = 200, body = Chart), (status = 404, body = ErrorBody)))]
async fn neighbourhood(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(reach): ApiQuery<Reach>,
) -> Result<Json<Chart>, ApiError> {
    let found = async {
        let reader = reads_across(&caller)?;
        let depth = reach.depth.unwrap_or(1);
        if !(1..=3).contains(&depth) {
            return Err(ApiError::invalid("depth", "depth is 1, 2 or 3"));
        }
        let limit = chart_limit(reach.limit)?;
        let chart = {
            let graph = state.graph.graph.read().await;
            let visible = visibility(&graph, &reader);
            graph
                .neighbourhood(&visible, &id, depth, limit)
                .ok_or(ApiError::NotFound)?
        };
        finish(chart).await
    }
    .await;
    let chart = state
        .audit_read(&caller, "graph.neighbourhood", &id, found, chart_detail)
        .await?;
    Ok(Json(chart))
}

fn chart_detail(chart: &Chart) -> serde_json::Value {
    json!({
        "nodes": chart.nodes.len(),
        "edges": chart.edges.len(),
        "nodes_left_out": chart.nodes_left_out,
    })
}

/// The two ends of a path search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PathQuery {
    /// The entity to start from.
    from: String,
    /// The entity to reach.
    to: String,
    /// The longest path looked for, in hops (1 to 6, the default).
    max_depth: Option<u32>,
    /// The most paths returned (default 10, at most 100).
    max_paths: Option<usize>,
}

/// The shortest paths between two entities.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathsJson {
    /// Each path, as indices into the chart's nodes, from `from` to `to`.
    paths: Vec<Vec<u32>>,
    /// Whether there are more shortest paths than listed.
    more: bool,
    /// The nodes and links on the paths, laid out.
    chart: Chart,
}

/// The shortest paths between two entities through links the caller may see; none when they
/// are not connected within `max_depth` hops.
#[utoipa::path(get, path = "/api/v1/graph/path", tag = "graph", security(("bearer" = [])),
    params(PathQuery),
    responses((status = 200, body = PathsJson), (status = 404, body = ErrorBody)))]
async fn shortest_paths(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PathQuery>,
) -> Result<Json<PathsJson>, ApiError> {
    let target = format!("{}..{}", query.from, query.to);
    let found = async {
        let reader = reads_across(&caller)?;
        let max_depth = query.max_depth.unwrap_or(6);
        if !(1..=6).contains(&max_depth) {
            return Err(ApiError::invalid("max_depth", "max_depth is 1 to 6"));
        }
        let max_paths = query.max_paths.unwrap_or(10);
        if !(1..=100).contains(&max_paths) {
            return Err(ApiError::invalid("max_paths", "max_paths is 1 to 100"));
        }
        let paths = {
            let graph = state.graph.graph.read().await;
            let visible = visibility(&graph, &reader);
            graph
                .paths(&visible, &query.from, &query.to, max_depth, max_paths)
                .ok_or(ApiError::NotFound)?
        };
        Ok(PathsJson {
            paths: paths.paths,
            more: paths.more,
            chart: finish(paths.chart).await?,
        })
    }
    .await;
    let paths = state
        .audit_read(
            &caller,
            "graph.path",
            &target,
            found,
            |paths| json!({"paths": paths.paths.len()}),
        )
        .await?;
    Ok(Json(paths))
}

/// What to chart.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartRequest {
    /// Entities to start from, by id.
    #[serde(default)]
    entities: Vec<String>,
    /// Records whose entities to start from.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    records: Vec<RecordId>,
    /// Hops to add around them, 0 to 2 (default 1).
    expand: Option<u32>,
    /// Nodes per page (default 300, at most 5,000).
    limit: Option<usize>,
    /// Nodes to skip: the page's start.
    #[serde(default)]
    offset: usize,
}

impl ChartRequest {
    async fn chart(&self, state: &AppState, reader: &Reader) -> Result<Chart, ApiError> {
        if self.entities.is_empty() && self.records.is_empty() {
            return Err(ApiError::invalid(
                "entities",
                "name at least one entity or record to chart",
            ));
        }
        if self.entities.len() + self.records.len() > MAX_CHART_NODES {
            return Err(ApiError::invalid(
                "entities",
                format!("at most {MAX_CHART_NODES} entities and records"),
            ));
        }
        let expand = self.expand.unwrap_or(1);
        if expand > 2 {
            return Err(ApiError::invalid("expand", "expand is 0, 1 or 2"));
        }
        let limit = chart_limit(self.limit)?;
        let chart = {
            let graph = state.graph.graph.read().await;
            let visible = visibility(&graph, reader);
            graph.chart(
                &visible,
                &self.entities,
                &self.records,
                expand,
                limit,
                self.offset,
            )
        };
        finish(chart).await
    }

    fn target(&self) -> String {
        let mut named: Vec<String> = self.entities.clone();
        named.extend(self.records.iter().map(ToString::to_string));
        named.join(",")
    }
}

/// A link chart of the given entities and records' entities, expanded, paged, laid out and
/// measured (degree, betweenness, communities). Anything the page leaves out is counted.
#[utoipa::path(post, path = "/api/v1/graph/chart", tag = "graph", security(("bearer" = [])),
    request_body = ChartRequest,
    responses((status = 200, body = Chart), (status = 400, body = ErrorBody)))]
async fn chart(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody { value: request, .. }: JsonBody<ChartRequest>,
) -> Result<Json<Chart>, ApiError> {
    let found = async {
        let reader = reads_across(&caller)?;
        request.chart(&state, &reader).await
    }
    .await;
    let chart = state
        .audit_read(
            &caller,
            "graph.chart",
            &request.target(),
            found,
            chart_detail,
        )
        .await?;
    Ok(Json(chart))
}

/// The file format of an exported chart.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportFormat {
    /// `graphml`, `svg` or `png`.
    format: String,
    /// Width of a PNG in pixels (default 1600, 200 to 8000).
    width: Option<u32>,
}

/// A link chart as a file: GraphML for other analysis tools, SVG or PNG for a report. Exports
/// are audited like any release of what the chart shows.
#[utoipa::path(post, path = "/api/v1/graph/chart/export", tag = "graph", security(("bearer" = [])),
    params(ExportFormat), request_body = ChartRequest,
    responses((status = 200, description = "the file"), (status = 400, body = ErrorBody)))]
async fn export_chart(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(format): ApiQuery<ExportFormat>,
    JsonBody { value: request, .. }: JsonBody<ChartRequest>,
) -> Result<Response, ApiError> {
    let width = format.width.unwrap_or(1600);
    let found = async {
        let reader = reads_across(&caller)?;
        if !(200..=8000).contains(&width) {
            return Err(ApiError::invalid("width", "width is 200 to 8000 pixels"));
        }
        let (media_type, extension) = match format.format.as_str() {
            "graphml" => ("application/graphml+xml", "graphml"),
            "svg" => ("image/svg+xml", "svg"),
            "png" => ("image/png", "png"),
            _ => {
                return Err(ApiError::invalid(
                    "format",
                    "the format is graphml, svg or png",
                ));
            }
        };
        let chart = request.chart(&state, &reader).await?;
        let nodes = chart.nodes.len();
        let body = tokio::task::spawn_blocking(move || match extension {
            "graphml" => Ok(humdex_graph::to_graphml(&chart).into_bytes()),
            "svg" => Ok(humdex_graph::to_svg(&chart).into_bytes()),
            _ => humdex_graph::to_png(&chart, width),
        })
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|error| {
            tracing::warn!(%error, "a chart could not be drawn");
            ApiError::Internal
        })?;
        Ok((media_type, extension, nodes, body))
    }
    .await;
    let (media_type, extension, _, body) = state
        .audit_read(
            &caller,
            "graph.export",
            &request.target(),
            found,
            |(_, extension, nodes, body)| {
                json!({"format": extension, "nodes": nodes, "bytes": body.len()})
            },
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"chart.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// An entity as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityJson {
    /// Its id (the surviving one, when others were merged into it).
    id: String,
    /// Its type.
    #[serde(rename = "type")]
    kind: String,
    /// Its name or normalised value.
    name: String,
    /// Records the caller may see that mention it.
    records: u32,
    /// Entities an analyst merged into it.
    merged: Vec<String>,
    /// Whether it is excluded from linking as a known-benign value.
    excluded: bool,
}

impl From<EntitySummary> for EntityJson {
    fn from(entity: EntitySummary) -> Self {
        Self {
            id: entity.id,
            kind: entity.kind.as_str().to_owned(),
            name: entity.name,
            records: entity.records,
            merged: entity.merged,
            excluded: entity.excluded,
        }
    }
}

/// A search for entities by name or value.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FindQuery {
    /// Part of the name or value; for phone numbers, digits are compared whatever the
    /// punctuation.
    q: String,
    /// Only this type (`person`, `phone`, `photo`…).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// The most entities (default 20, at most 200).
    limit: Option<usize>,
}

/// Entities whose name or value contains the text, most mentioned first: where a chart starts.
#[utoipa::path(get, path = "/api/v1/graph/entities", tag = "graph", security(("bearer" = [])),
    params(FindQuery),
    responses((status = 200, body = Vec<EntityJson>), (status = 400, body = ErrorBody)))]
async fn find_entities(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<FindQuery>,
) -> Result<Json<Vec<EntityJson>>, ApiError> {
    let reader = reads_across(&caller)?;
    let kinds: Vec<NodeKind> = match &query.kind {
        Some(kind) => vec![
            kind.parse()
                .map_err(|error: String| ApiError::invalid("type", error))?,
        ],
        None => EntityKind::ALL
            .into_iter()
            .map(NodeKind::Entity)
            .chain([NodeKind::Photo])
            .collect(),
    };
    let limit = query.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit is 1 to 200"));
    }
    let wanted = query.q.trim().to_lowercase();
    if wanted.is_empty() {
        return Err(ApiError::invalid("q", "say what to look for"));
    }
    let digits: String = wanted.chars().filter(char::is_ascii_digit).collect();
    let mut found: Vec<EntitySummary> = {
        let graph = state.graph.graph.read().await;
        let visible = visibility(&graph, &reader);
        graph
            .nodes(&visible, &kinds)
            .into_iter()
            .filter(|entity| {
                let name = entity.name.to_lowercase();
                name.contains(&wanted)
                    || (entity.kind == NodeKind::Entity(EntityKind::Phone)
                        && digits.len() >= 4
                        && name
                            .chars()
                            .filter(char::is_ascii_digit)
                            .collect::<String>()
                            .contains(&digits))
            })
            .collect()
    };
    found.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.id.cmp(&b.id)));
    found.truncate(limit);
    Ok(Json(found.into_iter().map(EntityJson::from).collect()))
}

/// One entity: its name, type, merges and how many records the caller may see mention it.
#[utoipa::path(get, path = "/api/v1/graph/entity/{id}/summary", tag = "graph", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = EntityJson), (status = 404, body = ErrorBody)))]
async fn entity_summary(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EntityJson>, ApiError> {
    let reader = reads_across(&caller)?;
    let graph = state.graph.graph.read().await;
    let visible = visibility(&graph, &reader);
    let entity = graph.entity(&visible, &id).ok_or(ApiError::NotFound)?;
    Ok(Json(entity.into()))
}

/// The records the caller may see that mention an entity.
#[utoipa::path(get, path = "/api/v1/graph/entity/{id}/records", tag = "graph", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<String>), (status = 404, body = ErrorBody)))]
async fn entity_records(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<RecordId>>, ApiError> {
    let found = async {
        let reader = reads_across(&caller)?;
        let graph = state.graph.graph.read().await;
        let visible = visibility(&graph, &reader);
        graph.entity(&visible, &id).ok_or(ApiError::NotFound)?;
        Ok(graph.records_of(&visible, &id))
    }
    .await;
    let records = state
        .audit_read(
            &caller,
            "graph.records",
            &id,
            found,
            |records| json!({"records": records.len()}),
        )
        .await?;
    Ok(Json(records))
}

/// Which suggestions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SuggestionQuery {
    /// `person` or `organization` (default both).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// The most suggestions (default 50, at most 500).
    limit: Option<usize>,
}

/// People and organisations that may be one, by name similarity and shared identifiers, for an
/// analyst to merge or dismiss. Built only from what the caller may see.
#[utoipa::path(get, path = "/api/v1/graph/suggestions", tag = "graph", security(("bearer" = [])),
    params(SuggestionQuery),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
async fn suggestions(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SuggestionQuery>,
) -> Result<Json<Vec<Suggestion>>, ApiError> {
    let reader = reads_across(&caller)?;
    let kinds = match query.kind.as_deref() {
        None => vec![
            NodeKind::Entity(EntityKind::Person),
            NodeKind::Entity(EntityKind::Organization),
        ],
        Some("person") => vec![NodeKind::Entity(EntityKind::Person)],
        Some("organization") => vec![NodeKind::Entity(EntityKind::Organization)],
        Some(_) => {
            return Err(ApiError::invalid(
                "type",
                "suggestions are for person or organization",
            ));
        }
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit is 1 to 500"));
    }
    let candidates: Vec<Candidate> = {
        let graph = state.graph.graph.read().await;
        let visible = visibility(&graph, &reader);
        graph
            .nodes(&visible, &kinds)
            .into_iter()
            .map(|entity| Candidate {
                identifiers: graph.identifiers(&visible, &entity.id),
                id: entity.id,
                kind: entity.kind,
                name: entity.name,
            })
            .collect()
    };
    let found = tokio::task::spawn_blocking(move || humdex_graph::suggest(&candidates, limit))
        .await
        .map_err(|_| ApiError::Internal)?;
    Ok(Json(found))
}

/// An analyst's decision that two entities are one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The entity that remains.
    into: String,
    /// The entity merged into it.
    merged: String,
    /// Why: what shows they are one.
    reason: String,
}

/// A merge, as made or listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeJson {
    /// Its id, to undo it by.
    id: String,
    /// The entity that remains.
    into: String,
    /// The entity merged into it.
    merged: String,
    /// Why.
    reason: String,
    /// Who merged them.
    actor: String,
    /// When.
    at: String,
    /// Who undid it and when, if it was undone.
    undone: Option<(String, String)>,
}

impl From<humdex_model::EntityMerge> for MergeJson {
    fn from(merge: humdex_model::EntityMerge) -> Self {
        Self {
            id: merge.id.to_string(),
            into: merge.into,
            merged: merge.merged,
            reason: merge.reason,
            actor: merge.actor,
            at: merge.at.to_string(),
            undone: merge.undone.map(|(who, at)| (who, at.to_string())),
        }
    }
}

/// Merges one entity into another (people and organisations with similar names, whom an
/// analyst knows to be one). Undone with `DELETE /api/v1/graph/merges/{id}`.
#[utoipa::path(post, path = "/api/v1/graph/merges", tag = "graph", security(("bearer" = [])),
    request_body = MergeRequest,
    responses((status = 201, body = MergeJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody { value: request, .. }: JsonBody<MergeRequest>,
) -> Result<(StatusCode, Json<MergeJson>), ApiError> {
    reads_across(&caller)?;
    if request.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "say why they are one"));
    }
    let merge = state
        .store
        .merge_entities(
            &caller.reader(),
            &request.into,
            &request.merged,
            &request.reason,
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(merge.into())))
}

/// Undoes a merge: the entities are apart again, each with its own links.
#[utoipa::path(delete, path = "/api/v1/graph/merges/{id}", tag = "graph", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = MergeJson), (status = 404, body = ErrorBody)))]
async fn undo_merge(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<MergeJson>, ApiError> {
    reads_across(&caller)?;
    let merge = state
        .store
        .undo_merge(&caller.reader(), id, state.now())
        .await?;
    Ok(Json(merge.into()))
}

/// The merges of entities the caller may see, undone ones included: their provenance.
#[utoipa::path(get, path = "/api/v1/graph/merges", tag = "graph", security(("bearer" = [])),
    responses((status = 200, body = Vec<MergeJson>)))]
async fn merges(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MergeJson>>, ApiError> {
    let reader = reads_across(&caller)?;
    let all = state.store.entity_merges().await?;
    let graph = state.graph.graph.read().await;
    let visible = visibility(&graph, &reader);
    let shown = all
        .into_iter()
        .filter(|merge| {
            graph.entity(&visible, &merge.into).is_some()
                && graph.entity(&visible, &merge.merged).is_some()
        })
        .map(MergeJson::from)
        .collect();
    Ok(Json(shown))
}

/// A relation an analyst states between two entities, on the evidence of records.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationRequest {
    /// `associate`, `family`, `employer`, `uses_phone`, `owns_vehicle`, `travelled_to` or `paid`.
    kind: String,
    /// One end.
    from: String,
    /// The other end.
    to: String,
    /// The records that show it; at least one.
    #[schema(value_type = Vec<String>)]
    evidence: Vec<RecordId>,
    /// A label restricting who sees the relation, besides its evidence's labels.
    #[schema(value_type = Option<String>)]
    label: Option<Label>,
    /// A note.
    #[serde(default)]
    note: String,
}

/// A relation, as stated.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationJson {
    /// Its id.
    id: String,
    /// Its kind.
    kind: String,
    /// One end.
    from: String,
    /// The other end.
    to: String,
    /// The records that show it.
    #[schema(value_type = Vec<String>)]
    evidence: Vec<RecordId>,
    /// Its label.
    #[schema(value_type = Option<String>)]
    label: Option<Label>,
    /// The note.
    note: String,
    /// Who stated it.
    actor: String,
    /// When.
    at: String,
}

impl From<humdex_model::Relation> for RelationJson {
    fn from(relation: humdex_model::Relation) -> Self {
        Self {
            id: relation.id.to_string(),
            kind: relation.kind,
            from: relation.from,
            to: relation.to,
            evidence: relation.evidence,
            label: relation.label,
            note: relation.note,
            actor: relation.actor,
            at: relation.at.to_string(),
        }
    }
}

/// States a relation between two entities (associate, family, employer, uses-phone,
/// owns-vehicle, travelled-to, paid), with the records that show it.
#[utoipa::path(post, path = "/api/v1/graph/relations", tag = "graph", security(("bearer" = [])),
    request_body = RelationRequest,
    responses((status = 201, body = RelationJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_relation(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody { value: request, .. }: JsonBody<RelationRequest>,
) -> Result<(StatusCode, Json<RelationJson>), ApiError> {
    reads_across(&caller)?;
    match request.kind.parse::<LinkKind>() {
        Ok(kind) if kind.is_relation() => {}
        _ => {
            return Err(ApiError::invalid(
                "kind",
                "a relation is associate, family, employer, uses_phone, owns_vehicle, \
                 travelled_to or paid",
            ));
        }
    }
    let relation = state
        .store
        .add_relation(
            &caller.reader(),
            NewRelation {
                kind: request.kind,
                from: request.from,
                to: request.to,
                evidence: request.evidence,
                label: request.label,
                note: request.note,
            },
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(relation.into())))
}

/// Removes a relation.
#[utoipa::path(delete, path = "/api/v1/graph/relations/{id}", tag = "graph", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_relation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    reads_across(&caller)?;
    state
        .store
        .remove_relation(&caller.reader(), id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A known-benign value to keep from linking everything.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionRequest {
    /// The entity: a hotel chain's switchboard, a platform's domain.
    entity: String,
    /// Why it links nothing.
    reason: String,
}

/// An excluded entity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExclusionJson {
    /// The entity.
    entity: String,
    /// Its type.
    #[serde(rename = "type")]
    kind: String,
    /// Its key (normalised value).
    key: String,
    /// Why.
    reason: String,
    /// Who excluded it.
    actor: String,
    /// When.
    at: String,
}

/// Excludes a known-benign value (admins): it stays an entity but links nothing by co-mention.
#[utoipa::path(post, path = "/api/v1/graph/exclusions", tag = "graph", security(("bearer" = [])),
    request_body = ExclusionRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn exclude(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody { value: request, .. }: JsonBody<ExclusionRequest>,
) -> Result<StatusCode, ApiError> {
    caller.must_be_admin()?;
    if request.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "say why it is benign"));
    }
    state
        .store
        .exclude_entity(
            &caller.reader(),
            &request.entity,
            &request.reason,
            state.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lets an excluded entity link again (admins).
#[utoipa::path(delete, path = "/api/v1/graph/exclusions/{entity}", tag = "graph", security(("bearer" = [])),
    params(("entity" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn include(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(entity): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    caller.must_be_admin()?;
    state
        .store
        .include_entity(&caller.reader(), &entity, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The excluded entities (admins).
#[utoipa::path(get, path = "/api/v1/graph/exclusions", tag = "graph", security(("bearer" = [])),
    responses((status = 200, body = Vec<ExclusionJson>), (status = 403, body = ErrorBody)))]
async fn exclusions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ExclusionJson>>, ApiError> {
    caller.must_be_admin()?;
    let all = state.store.entity_exclusions().await?;
    Ok(Json(
        all.into_iter()
            .map(|exclusion| ExclusionJson {
                entity: exclusion.entity,
                kind: exclusion.kind.as_str().to_owned(),
                key: exclusion.key,
                reason: exclusion.reason,
                actor: exclusion.actor,
                at: exclusion.at.to_string(),
            })
            .collect(),
    ))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(neighbourhood))
        .routes(routes!(entity_summary))
        .routes(routes!(entity_records))
        .routes(routes!(find_entities))
        .routes(routes!(shortest_paths))
        .routes(routes!(chart))
        .routes(routes!(export_chart))
        .routes(routes!(suggestions))
        .routes(routes!(merge, merges))
        .routes(routes!(undo_merge))
        .routes(routes!(add_relation))
        .routes(routes!(remove_relation))
        .routes(routes!(exclude, exclusions))
        .routes(routes!(include))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_have_ids_of_their_own() {
        assert_eq!(photo_entity("ab12"), "photo-ab12");
    }
}
