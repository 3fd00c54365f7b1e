//! The map: every located thing as a feature under its label — record locations (EXIF
//! positions among them), geocoded place mentions, coordinates in text, layer features, track
//! positions — clustered on the server, aggregated to H3 cells, exported as GeoJSON or KML;
//! layers of help (shelters, offices, hospitals, border crossings) with the nearest to a point;
//! and tracks with their positions over time.
//!
//! Like the graph, the map is kept in memory by each node and rebuilt from the journal at
//! start; it follows the journal one step behind text analysis, whose place mentions it reads.
//! Each feature keeps the labels of the part it came from, and every answer shows, counts and
//! clusters only the features the caller may see.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use humdex_geo::{
    BBox, Clustered, ExportFeature, Gazetteer, LayerColumns, LayerFormat, MAX_FEATURES,
    SpatialIndex,
};
use humdex_ingest::Limits;
use humdex_model::{
    Change, ChangeKind, EntityKind, FieldValue, Label, NewLayer, NewLayerFeature, NewPosition,
    NewTrack, Reader, Record, RecordId, Seq,
};
use humdex_search::index::{Page, Sort};
use humdex_store::{Projection, Store};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::RwLock;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, JsonBody};

const MAP: &str = "map";

/// Points returned one by one up to this many; beyond, clusters. A browser map stays fluid with
/// a few thousand markers, not with tens of thousands.
const MAX_POINTS: usize = 2_000;
/// The most features one export or one search-filtered view holds.
const MAX_EXPORT: usize = 100_000;
/// The most records a search query may narrow the map to.
const MAX_QUERY_RECORDS: usize = 10_000;

/// What a located thing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FeatureKind {
    /// A location field of a record (a photo's EXIF position is one).
    Record,
    /// A place named in a record's text, geocoded.
    Place,
    /// Coordinates written in a record's text.
    Coordinates,
    /// A feature of a map layer.
    Layer,
}

impl FeatureKind {
    fn as_str(self) -> &'static str {
        match self {
            FeatureKind::Record => "record",
            FeatureKind::Place => "place",
            FeatureKind::Coordinates => "coordinates",
            FeatureKind::Layer => "layer",
        }
    }

    fn parse(text: &str) -> Result<Self, ApiError> {
        match text {
            "record" => Ok(FeatureKind::Record),
            "place" => Ok(FeatureKind::Place),
            "coordinates" => Ok(FeatureKind::Coordinates),
            "layer" => Ok(FeatureKind::Layer),
            _ => Err(ApiError::invalid(
                "kind",
                "a kind is record, place, coordinates or layer",
            )),
        }
    }
}

/// A located thing.
#[derive(Debug, Clone)]
struct Feature {
    kind: FeatureKind,
    lat: f64,
    lon: f64,
    /// Every label the caller must satisfy to see it.
    labels: Vec<Label>,
    name: String,
    /// The record it comes from, or the layer.
    source: Source,
    /// When it happened: the record's creation; none for layer features.
    time: Option<Timestamp>,
    /// Where in the record (`fields.location`, `narrative`) or the layer feature's properties.
    detail: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Record(RecordId),
    Layer(Uuid),
}

impl Feature {
    fn visible_to(&self, reader: &Reader) -> bool {
        self.labels
            .iter()
            .all(|label| reader.satisfies(Some(label)))
    }

    fn export(&self, id: usize) -> ExportFeature {
        let mut properties = serde_json::Map::new();
        match self.source {
            Source::Record(record) => {
                properties.insert("record".to_owned(), json!(record.to_string()));
            }
            Source::Layer(layer) => {
                properties.insert("layer".to_owned(), json!(layer.to_string()));
            }
        }
        properties.insert("detail".to_owned(), self.detail.clone());
        ExportFeature {
            id: id.to_string(),
            kind: self.kind.as_str().to_owned(),
            name: self.name.clone(),
            lat: self.lat,
            lon: self.lon,
            time: self.time.map(|time| time.to_string()),
            properties,
        }
    }
}

/// All features of this node, with a spatial index over them.
#[derive(Default)]
struct Features {
    /// By slot; a removed feature leaves a hole for the next one.
    slots: Vec<Option<Feature>>,
    free: Vec<usize>,
    by_source: HashMap<Source, Vec<usize>>,
    index: SpatialIndex<usize>,
}

impl Features {
    fn replace(&mut self, source: Source, features: Vec<Feature>) {
        for slot in self.by_source.remove(&source).unwrap_or_default() {
            if let Some(Some(old)) = self.slots.get_mut(slot).map(Option::take) {
                self.index.remove(old.lat, old.lon, &slot);
                self.free.push(slot);
            }
        }
        let mut taken = Vec::with_capacity(features.len());
        for feature in features {
            let (lat, lon) = (feature.lat, feature.lon);
            let slot = match self.free.pop() {
                Some(slot) => {
                    if let Some(place) = self.slots.get_mut(slot) {
                        *place = Some(feature);
                    }
                    slot
                }
                None => {
                    self.slots.push(Some(feature));
                    self.slots.len() - 1
                }
            };
            self.index.insert(lat, lon, slot);
            taken.push(slot);
        }
        if !taken.is_empty() {
            self.by_source.insert(source, taken);
        }
    }

    fn get(&self, slot: usize) -> Option<&Feature> {
        self.slots.get(slot).and_then(Option::as_ref)
    }
}

/// The map of this node and how far it has followed the journal.
pub(crate) struct MapFeatures {
    store: Store,
    analysis: humdex_store::ProjectionRunner,
    features: RwLock<Features>,
    position: AtomicI64,
}

impl MapFeatures {
    pub(crate) fn new(store: Store, analysis: humdex_store::ProjectionRunner) -> Self {
        Self {
            store,
            analysis,
            features: RwLock::default(),
            position: AtomicI64::new(0),
        }
    }

    async fn refresh_record(&self, id: RecordId) -> humdex_store::Result<()> {
        let Some(record) = self.store.record_for_projection(id).await? else {
            self.features
                .write()
                .await
                .replace(Source::Record(id), Vec::new());
            return Ok(());
        };
        let mut features = record_features(&record);
        for (mention, label) in self.store.labelled_mentions_for_projection(id).await? {
            let kind = match mention.kind {
                EntityKind::Location => FeatureKind::Place,
                EntityKind::Coordinates => FeatureKind::Coordinates,
                _ => continue,
            };
            let (Some(lat), Some(lon)) = (
                mention.normalized.get("lat").and_then(Value::as_f64),
                mention.normalized.get("lon").and_then(Value::as_f64),
            ) else {
                continue;
            };
            let part = mention.part.to_string();
            let name = mention
                .normalized
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&mention.text)
                .to_owned();
            features.push(Feature {
                kind,
                lat,
                lon,
                labels: label.into_iter().collect(),
                name,
                source: Source::Record(id),
                time: Some(record.created),
                detail: json!({"part": part, "text": mention.text}),
            });
        }
        self.features
            .write()
            .await
            .replace(Source::Record(id), features);
        Ok(())
    }

    async fn refresh_layer(&self, id: Uuid) -> humdex_store::Result<()> {
        let features = match self.store.layer(id).await? {
            Some(layer) => self
                .store
                .layer_features(id)
                .await?
                .into_iter()
                .map(|feature| Feature {
                    kind: FeatureKind::Layer,
                    lat: feature.lat,
                    lon: feature.lon,
                    labels: feature.label.into_iter().collect(),
                    name: feature.name,
                    source: Source::Layer(id),
                    time: None,
                    detail: json!({
                        "layer_name": layer.name,
                        "properties": serde_json::from_str::<Value>(&feature.properties)
                            .unwrap_or(Value::Null),
                    }),
                })
                .collect(),
            None => Vec::new(),
        };
        self.features
            .write()
            .await
            .replace(Source::Layer(id), features);
        Ok(())
    }
}

/// The located fields of a record, each under the record's label and the field's.
fn record_features(record: &Record) -> Vec<Feature> {
    let mut features = Vec::new();
    for (name, field) in &record.fields {
        let values: Vec<&FieldValue> = match &field.value {
            FieldValue::List(items) => items.iter().collect(),
            value => vec![value],
        };
        for value in values {
            let FieldValue::Location(location) = value else {
                continue;
            };
            features.push(Feature {
                kind: FeatureKind::Record,
                lat: location.lat,
                lon: location.lon,
                labels: record.label.iter().chain(&field.label).cloned().collect(),
                name: location
                    .place
                    .clone()
                    .unwrap_or_else(|| record.title.clone()),
                source: Source::Record(record.id),
                time: Some(record.created),
                detail: json!({"part": format!("fields.{name}"), "title": record.title}),
            });
        }
    }
    features
}

/// The map as a journal projection.
pub(crate) struct MapProjection(pub(crate) Arc<MapFeatures>);

#[async_trait]
impl Projection for MapProjection {
    fn name(&self) -> &'static str {
        MAP
    }

    async fn last_applied(&self) -> humdex_store::Result<Seq> {
        // Kept in memory only: a restart replays the journal.
        Ok(self.0.position.load(Ordering::Acquire))
    }

    async fn apply(&self, changes: &[Change]) -> humdex_store::Result<()> {
        let map = &self.0;
        let from = map.position.load(Ordering::Acquire);
        let Some(last) = changes.last().map(|change| change.seq) else {
            return Ok(());
        };
        map.analysis.caught_up(last).await;
        let mut records = std::collections::BTreeSet::new();
        let mut layers = std::collections::BTreeSet::new();
        for change in changes.iter().filter(|change| change.seq > from) {
            match change.change {
                ChangeKind::RecordCreated
                | ChangeKind::RecordUpdated
                | ChangeKind::RecordRelabelled => {
                    if let Ok(record) = change.subject.parse::<RecordId>() {
                        records.insert(record);
                    }
                }
                ChangeKind::LayerCreated | ChangeKind::LayerDeleted => {
                    if let Ok(layer) = change.subject.parse::<Uuid>() {
                        layers.insert(layer);
                    }
                }
                _ => {}
            }
        }
        for record in records {
            map.refresh_record(record).await?;
        }
        for layer in layers {
            map.refresh_layer(layer).await?;
        }
        map.position.store(last, Ordering::Release);
        Ok(())
    }
}

/// Which features to show.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FeatureQuery {
    /// `west,south,east,north` in degrees (west > east crosses the antimeridian); the whole
    /// world by default.
    bbox: Option<String>,
    /// Only features from this time on (RFC 3339); layer features have no time and are left
    /// out when a time range is given.
    from: Option<Timestamp>,
    /// Only features up to this time (RFC 3339).
    to: Option<Timestamp>,
    /// Only this kind: `record`, `place`, `coordinates` or `layer`.
    kind: Option<String>,
    /// Only features of records matching this search query.
    q: Option<String>,
    /// Only the features of this record.
    #[param(value_type = Option<String>)]
    record: Option<RecordId>,
    /// The web map's zoom (0–20), which sets the size of clusters (default 2).
    zoom: Option<u8>,
    /// `h3:<resolution>` (0–15): counts per H3 cell instead of points or clusters.
    aggregate: Option<String>,
}

/// The features a query selects, as the caller may see them.
struct Selection {
    features: Vec<(usize, Feature)>,
    /// Whether the search query matched more records than the map takes.
    records_left_out: u64,
    /// How many of the features the other filters select fall in each month (`YYYY-MM`, UTC),
    /// whatever the time range: the bars behind the map's time slider.
    months: BTreeMap<String, u64>,
}

impl FeatureQuery {
    async fn select(
        &self,
        state: &AppState,
        reader: &Reader,
        limit: usize,
    ) -> Result<Selection, ApiError> {
        let bbox = match &self.bbox {
            Some(text) => {
                BBox::parse(text).map_err(|error| ApiError::invalid("bbox", error.to_string()))?
            }
            None => BBox::WORLD,
        };
        let kind = self.kind.as_deref().map(FeatureKind::parse).transpose()?;
        let mut records_left_out = 0;
        let records = match self.q.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => {
                let query = crate::search::parse_query(state, "q", text)?;
                let page = Page {
                    offset: 0,
                    limit: MAX_QUERY_RECORDS,
                    sort: Sort::Newest,
                };
                let (_, found) = state.run_search(reader.clone(), query, page).await?;
                records_left_out = found.total.saturating_sub(found.hits.len() as u64);
                Some(
                    found
                        .hits
                        .iter()
                        .map(|hit| hit.record)
                        .collect::<std::collections::HashSet<_>>(),
                )
            }
            _ => None,
        };
        let features = state.map.features.read().await;
        let mut selected = Vec::new();
        let mut months = BTreeMap::new();
        for slot in features.index.within(&bbox, |_| true) {
            let Some(feature) = features.get(*slot) else {
                continue;
            };
            if kind.is_some_and(|kind| kind != feature.kind) || !feature.visible_to(reader) {
                continue;
            }
            if let Some(records) = &records {
                let Source::Record(record) = feature.source else {
                    continue;
                };
                if !records.contains(&record) {
                    continue;
                }
            }
            if self
                .record
                .is_some_and(|record| feature.source != Source::Record(record))
            {
                continue;
            }
            if let Some(month) = feature
                .time
                .and_then(|time| time.to_string().get(..7).map(str::to_owned))
            {
                *months.entry(month).or_default() += 1;
            }
            if self.from.is_some() || self.to.is_some() {
                let Some(time) = feature.time else {
                    continue;
                };
                if self.from.is_some_and(|from| time < from) || self.to.is_some_and(|to| time > to)
                {
                    continue;
                }
            }
            selected.push((*slot, feature.clone()));
            if selected.len() > limit {
                return Err(ApiError::invalid(
                    "bbox",
                    format!("more than {limit} features; narrow the area, time or kind"),
                ));
            }
        }
        Ok(Selection {
            features: selected,
            records_left_out,
            months,
        })
    }
}

/// Features as GeoJSON: points when few, else server-side clusters (`cluster: true`, `count`,
/// `bbox` to zoom into), or H3 cell counts with `aggregate=h3:<resolution>`; with `total`, and
/// `timeline`, the features per month whatever `from` and `to`. Only what the caller may see
/// is shown or counted.
#[utoipa::path(get, path = "/api/v1/map/features", tag = "map", security(("bearer" = [])),
    params(FeatureQuery),
    responses((status = 200, description = "a GeoJSON FeatureCollection"), (status = 400, body = ErrorBody)))]
async fn features(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<FeatureQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = async {
        let reader = crate::graph::reads_across(&caller)?;
        let zoom = query.zoom.unwrap_or(2);
        if zoom > 20 {
            return Err(ApiError::invalid("zoom", "zoom is 0 to 20"));
        }
        let aggregate = query
            .aggregate
            .as_deref()
            .map(humdex_geo::parse_aggregate)
            .transpose()
            .map_err(|error| ApiError::invalid("aggregate", error.to_string()))?;
        let selection = query.select(&state, &reader, usize::MAX).await?;
        let total = selection.features.len();
        let records_left_out = selection.records_left_out;
        let timeline: Vec<Value> = (selection.months.iter())
            .map(|(month, count)| json!({"month": month, "count": count}))
            .collect();
        tokio::task::spawn_blocking(move || feature_collection(selection, zoom, aggregate))
            .await
            .map_err(|_| ApiError::Internal)?
            .map(|collection| {
                let collection = with(collection, "total", json!(total));
                let collection = with(collection, "timeline", json!(timeline));
                with(collection, "records_left_out", json!(records_left_out))
            })
    }
    .await;
    let collection = state
        .audit_read(
            &caller,
            "map.features",
            "map",
            found,
            |collection| json!({"total": collection["total"]}),
        )
        .await?;
    Ok(Json(collection))
}

/// `collection` with member `key` set: the counts a feature collection carries besides its
/// features.
fn with(mut collection: Value, key: &str, value: Value) -> Value {
    if let Some(members) = collection.as_object_mut() {
        members.insert(key.to_owned(), value);
    }
    collection
}

fn feature_collection(
    selection: Selection,
    zoom: u8,
    aggregate: Option<u8>,
) -> Result<Value, ApiError> {
    if let Some(resolution) = aggregate {
        let cells = humdex_geo::aggregate(
            selection
                .features
                .iter()
                .map(|(_, feature)| (feature.lat, feature.lon)),
            resolution,
        )
        .map_err(|error| ApiError::invalid("aggregate", error.to_string()))?;
        return Ok(humdex_geo::cells_to_geojson(&cells));
    }
    let points = selection
        .features
        .into_iter()
        .map(|(slot, feature)| (feature.lat, feature.lon, (slot, feature)));
    Ok(match humdex_geo::cluster(points, zoom, MAX_POINTS) {
        Clustered::Points(points) => {
            let exported: Vec<ExportFeature> = points
                .iter()
                .map(|(_, _, (slot, feature))| feature.export(*slot))
                .collect();
            with(humdex_geo::to_geojson(&exported), "clustered", json!(false))
        }
        Clustered::Clusters(clusters) => {
            let features: Vec<Value> = clusters
                .iter()
                .map(|cluster| {
                    json!({
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]},
                        "properties": {
                            "cluster": true,
                            "count": cluster.count,
                            "bbox": [cluster.bbox.west, cluster.bbox.south, cluster.bbox.east, cluster.bbox.north],
                        },
                    })
                })
                .collect();
            json!({"type": "FeatureCollection", "features": features, "clustered": true})
        }
    })
}

/// The export format of a map view.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MapExport {
    /// `geojson` or `kml`.
    format: String,
}

/// Any filtered view of the map as a file, every feature unclustered (at most 100,000):
/// GeoJSON or KML. Audited like any release of what it holds.
#[utoipa::path(get, path = "/api/v1/map/export", tag = "map", security(("bearer" = [])),
    params(FeatureQuery, MapExport),
    responses((status = 200, description = "the file"), (status = 400, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<FeatureQuery>,
    ApiQuery(format): ApiQuery<MapExport>,
) -> Result<Response, ApiError> {
    let found = async {
        let reader = crate::graph::reads_across(&caller)?;
        let (media_type, extension) = match format.format.as_str() {
            "geojson" => ("application/geo+json", "geojson"),
            "kml" => ("application/vnd.google-earth.kml+xml", "kml"),
            _ => return Err(ApiError::invalid("format", "the format is geojson or kml")),
        };
        let selection = query.select(&state, &reader, MAX_EXPORT).await?;
        let exported: Vec<ExportFeature> = selection
            .features
            .iter()
            .map(|(slot, feature)| feature.export(*slot))
            .collect();
        let body = if extension == "kml" {
            humdex_geo::to_kml(&exported, "Humdex map export")
        } else {
            humdex_geo::to_geojson(&exported).to_string()
        };
        Ok((media_type, extension, exported.len(), body))
    }
    .await;
    let (media_type, extension, _, body) = state
        .audit_read(
            &caller,
            "map.export",
            "map",
            found,
            |(_, extension, features, _)| json!({"format": extension, "features": features}),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"map.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Where to look for help.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NearestQuery {
    /// Latitude of the point.
    lat: f64,
    /// Longitude of the point.
    lon: f64,
    /// The layer, by id or name.
    layer: String,
    /// How many (default 5, at most 100).
    k: Option<usize>,
}

/// A feature near a point.
#[derive(Debug, Serialize, ToSchema)]
pub struct Nearby {
    /// Its name.
    name: String,
    /// Latitude.
    lat: f64,
    /// Longitude.
    lon: f64,
    /// Great-circle distance in metres.
    distance_m: f64,
    /// Its properties from the layer file.
    properties: Value,
}

/// The features of a layer nearest a point (shelters, offices, hospitals), nearest first, among
/// those the caller may see.
#[utoipa::path(get, path = "/api/v1/map/nearest", tag = "map", security(("bearer" = [])),
    params(NearestQuery),
    responses((status = 200, body = Vec<Nearby>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn nearest(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<NearestQuery>,
) -> Result<Json<Vec<Nearby>>, ApiError> {
    let reader = caller.reader();
    if !(-90.0..=90.0).contains(&query.lat) || !(-180.0..=180.0).contains(&query.lon) {
        return Err(ApiError::invalid(
            "lat",
            "latitude is −90 to 90, longitude −180 to 180",
        ));
    }
    let k = query.k.unwrap_or(5);
    if !(1..=100).contains(&k) {
        return Err(ApiError::invalid("k", "k is 1 to 100"));
    }
    let layer = visible_layer(&state, &reader, &query.layer).await?;
    let features = state.map.features.read().await;
    let found = features.index.nearest(query.lat, query.lon, k, |slot| {
        features.get(*slot).is_some_and(|feature| {
            feature.source == Source::Layer(layer) && feature.visible_to(&reader)
        })
    });
    Ok(Json(
        found
            .into_iter()
            .filter_map(|(slot, distance_m)| {
                let feature = features.get(*slot)?;
                Some(Nearby {
                    name: feature.name.clone(),
                    lat: feature.lat,
                    lon: feature.lon,
                    distance_m,
                    properties: feature
                        .detail
                        .get("properties")
                        .cloned()
                        .unwrap_or(Value::Null),
                })
            })
            .collect(),
    ))
}

/// The layer the caller names by id or name, if they may see it.
async fn visible_layer(state: &AppState, reader: &Reader, named: &str) -> Result<Uuid, ApiError> {
    let layers = state.store.layers_for(reader).await?;
    layers
        .iter()
        .find(|layer| layer.id.to_string() == named || layer.name == named)
        .map(|layer| layer.id)
        .ok_or(ApiError::NotFound)
}

/// A layer file and how to read it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NewLayerQuery {
    /// The layer's name, e.g. `Shelters`.
    name: String,
    /// The file's name; its extension names the format (`.csv`, `.xlsx`, `.geojson`, `.kml`)
    /// when the content does not.
    filename: Option<String>,
    /// What the layer holds.
    description: Option<String>,
    /// Whether callers without an account may see it (the SOS service's nearest help); a
    /// public layer carries no label.
    #[serde(default)]
    public: bool,
    /// The label restricting the layer (safe-house locations).
    label: Option<String>,
    /// The column with each feature's name (guessed from the header when absent).
    name_column: Option<String>,
    /// The latitude column.
    latitude: Option<String>,
    /// The longitude column.
    longitude: Option<String>,
    /// A place column (city, town), geocoded with the gazetteer when a row has no coordinates.
    place: Option<String>,
    /// An address column, geocoded likewise.
    address: Option<String>,
}

/// A layer, as created or listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerJson {
    /// Its id.
    id: String,
    /// Its name.
    name: String,
    /// What it holds.
    description: String,
    /// Whether callers without an account may see it.
    public: bool,
    /// Its label.
    label: Option<String>,
    /// The file format it came from.
    source: String,
    /// How many features it holds.
    features: u64,
    /// Who created it.
    actor: String,
    /// When.
    at: String,
}

impl From<humdex_model::Layer> for LayerJson {
    fn from(layer: humdex_model::Layer) -> Self {
        Self {
            id: layer.id.to_string(),
            name: layer.name,
            description: layer.description,
            public: layer.public,
            label: layer.label.map(|label| label.as_str().to_owned()),
            source: layer.source,
            features: layer.features,
            actor: layer.actor,
            at: layer.at.to_string(),
        }
    }
}

/// A row or feature that could not be placed on the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnplacedJson {
    /// The data row (1-based, header not counted) or feature number.
    row: usize,
    /// Why.
    reason: String,
}

/// A new layer and what could not be placed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedLayer {
    /// The layer.
    layer: LayerJson,
    /// Rows placed by geocoding a place or address, not by coordinates.
    geocoded: u64,
    /// Rows that could not be placed, and why.
    unplaced: Vec<UnplacedJson>,
}

/// Creates a map layer from a CSV or XLSX file (latitude/longitude columns, or place/address
/// columns geocoded with the gazetteer), GeoJSON or KML. Rows that could not be placed are
/// listed; a file with none placed creates nothing.
#[utoipa::path(post, path = "/api/v1/layers", tag = "map", security(("bearer" = [])),
    params(NewLayerQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = CreatedLayer), (status = 400, body = ErrorBody)))]
async fn create_layer(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<NewLayerQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedLayer>), ApiError> {
    caller.must_work_records()?;
    let label = query
        .label
        .as_deref()
        .filter(|label| !label.trim().is_empty())
        .map(str::parse::<Label>)
        .transpose()
        .map_err(|error| ApiError::invalid("label", error.to_string()))?;
    let filename = query.filename.clone().unwrap_or_default();
    let format = LayerFormat::detect(&filename, &body).ok_or_else(|| {
        ApiError::invalid(
            "filename",
            "not a CSV, XLSX, GeoJSON or KML file; name it with its extension",
        )
    })?;
    let columns = LayerColumns {
        name: query.name_column.clone(),
        latitude: query.latitude.clone(),
        longitude: query.longitude.clone(),
        place: query.place.clone(),
        address: query.address.clone(),
    };
    let read = tokio::task::spawn_blocking(move || match format {
        // Tables are read by the one spreadsheet reader, with its guards against hostile files.
        LayerFormat::Csv | LayerFormat::Xlsx => {
            let limits = Limits {
                max_rows: MAX_FEATURES as u64,
                ..Limits::default()
            };
            let table = humdex_ingest::read_table(&filename, &body, &limits)
                .map_err(|error| error.to_string())?;
            humdex_geo::place_rows(
                table.header(),
                table.rows(),
                &columns,
                Gazetteer::embedded(),
            )
            .map_err(|error| error.to_string())
        }
        LayerFormat::GeoJson | LayerFormat::Kml => {
            humdex_geo::read_layer(&body, format, &columns, Gazetteer::embedded())
                .map_err(|error| error.to_string())
        }
    })
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(|reason| ApiError::invalid("body", reason))?;
    let unplaced: Vec<UnplacedJson> = read
        .unplaced
        .into_iter()
        .map(|unplaced| UnplacedJson {
            row: unplaced.row,
            reason: unplaced.reason,
        })
        .collect();
    if read.features.is_empty() {
        let first = unplaced
            .first()
            .map(|row| format!(": {}", row.reason))
            .unwrap_or_default();
        return Err(ApiError::invalid(
            "body",
            format!("no row or feature could be placed on the map{first}"),
        ));
    }
    let geocoded = read
        .features
        .iter()
        .filter(|feature| feature.geocoded.is_some())
        .count() as u64;
    let features = read
        .features
        .into_iter()
        .map(|feature| {
            let mut properties = feature.properties;
            if let Some(place) = feature.geocoded {
                properties.insert("geocoded".to_owned(), json!(place));
            }
            NewLayerFeature {
                name: feature.name,
                lat: feature.lat,
                lon: feature.lon,
                geometry: feature
                    .geometry
                    .and_then(|geometry| serde_json::to_string(&geometry).ok()),
                properties: Value::Object(properties).to_string(),
                label: None,
            }
        })
        .collect();
    let layer = state
        .store
        .create_layer(
            &caller.reader(),
            NewLayer {
                name: query.name,
                description: query.description.unwrap_or_default(),
                public: query.public,
                label,
                source: format.as_str().to_owned(),
                features,
            },
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedLayer {
            layer: layer.into(),
            geocoded,
            unplaced,
        }),
    ))
}

/// The layers the caller may see.
#[utoipa::path(get, path = "/api/v1/layers", tag = "map", security(("bearer" = [])),
    responses((status = 200, body = Vec<LayerJson>)))]
async fn layers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<LayerJson>>, ApiError> {
    let layers = state.store.layers_for(&caller.reader()).await?;
    Ok(Json(layers.into_iter().map(LayerJson::from).collect()))
}

/// A layer's features the caller may see, as GeoJSON.
#[utoipa::path(get, path = "/api/v1/layers/{id}", tag = "map", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "a GeoJSON FeatureCollection"), (status = 404, body = ErrorBody)))]
async fn layer_features(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let reader = caller.reader();
    let layer = visible_layer(&state, &reader, &id).await?;
    let features = state.map.features.read().await;
    let exported: Vec<ExportFeature> = features
        .by_source
        .get(&Source::Layer(layer))
        .into_iter()
        .flatten()
        .filter_map(|slot| {
            let feature = features.get(*slot)?;
            feature.visible_to(&reader).then(|| feature.export(*slot))
        })
        .collect();
    Ok(Json(humdex_geo::to_geojson(&exported)))
}

/// Deletes a layer.
#[utoipa::path(delete, path = "/api/v1/layers/{id}", tag = "map", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_layer(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    caller.must_work_records()?;
    state
        .store
        .delete_layer(&caller.reader(), id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A track to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackRequest {
    /// Its name: a vessel's, a vehicle's plate, a journey.
    name: String,
    /// `vessel`, `vehicle`, `person` or `other`.
    kind: String,
    /// The label restricting it.
    #[schema(value_type = Option<String>)]
    label: Option<Label>,
}

/// A track, as created or listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackJson {
    /// Its id.
    id: String,
    /// Its name.
    name: String,
    /// What moves.
    kind: String,
    /// Its label.
    label: Option<String>,
    /// How many positions it holds.
    positions: u64,
    /// The time of its first position.
    first: Option<String>,
    /// The time of its last position.
    last: Option<String>,
}

impl From<humdex_model::Track> for TrackJson {
    fn from(track: humdex_model::Track) -> Self {
        Self {
            id: track.id.to_string(),
            name: track.name,
            kind: track.kind,
            label: track.label.map(|label| label.as_str().to_owned()),
            positions: track.positions,
            first: track.first.map(|time| time.to_string()),
            last: track.last.map(|time| time.to_string()),
        }
    }
}

/// Creates a track.
#[utoipa::path(post, path = "/api/v1/tracks", tag = "map", security(("bearer" = [])),
    request_body = TrackRequest,
    responses((status = 201, body = TrackJson), (status = 400, body = ErrorBody)))]
async fn create_track(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody { value: request, .. }: JsonBody<TrackRequest>,
) -> Result<(StatusCode, Json<TrackJson>), ApiError> {
    caller.must_work_records()?;
    let track = state
        .store
        .create_track(
            &caller.reader(),
            NewTrack {
                name: request.name,
                kind: request.kind,
                label: request.label,
            },
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(track.into())))
}

/// A position of a track.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionJson {
    /// When it was there (RFC 3339).
    #[schema(value_type = String)]
    at: Timestamp,
    /// Latitude.
    lat: f64,
    /// Longitude.
    lon: f64,
    /// Anything else the feed says (speed, heading, source).
    #[serde(default)]
    properties: serde_json::Map<String, Value>,
}

/// Positions added.
#[derive(Debug, Serialize, ToSchema)]
pub struct Added {
    /// How many.
    added: u64,
}

/// Adds positions to a track: a live feed posts them as they come (at most 10,000 at once).
#[utoipa::path(post, path = "/api/v1/tracks/{id}/positions", tag = "map", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Vec<PositionJson>,
    responses((status = 200, body = Added), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_positions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    JsonBody {
        value: positions, ..
    }: JsonBody<Vec<PositionJson>>,
) -> Result<Json<Added>, ApiError> {
    caller.must_work_records()?;
    let positions: Vec<NewPosition> = positions
        .into_iter()
        .map(|position| NewPosition {
            at: position.at,
            lat: position.lat,
            lon: position.lon,
            properties: Value::Object(position.properties).to_string(),
        })
        .collect();
    let added = state
        .store
        .add_positions(&caller.reader(), id, &positions, state.now())
        .await?;
    Ok(Json(Added { added }))
}

/// The tracks the caller may see.
#[utoipa::path(get, path = "/api/v1/tracks", tag = "map", security(("bearer" = [])),
    responses((status = 200, body = Vec<TrackJson>)))]
async fn tracks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TrackJson>>, ApiError> {
    let tracks = state.store.tracks_for(&caller.reader()).await?;
    Ok(Json(tracks.into_iter().map(TrackJson::from).collect()))
}

/// A time window of a track.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Window {
    /// From this time on (RFC 3339).
    from: Option<Timestamp>,
    /// Up to this time (RFC 3339).
    to: Option<Timestamp>,
}

/// A track's positions in a time window, as GeoJSON: the line it followed and each position
/// with its time, for the map's time slider.
#[utoipa::path(get, path = "/api/v1/tracks/{id}", tag = "map", security(("bearer" = [])),
    params(("id" = String, Path), Window),
    responses((status = 200, description = "a GeoJSON FeatureCollection"), (status = 404, body = ErrorBody)))]
async fn track(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(window): ApiQuery<Window>,
) -> Result<Json<Value>, ApiError> {
    let found = async {
        state
            .store
            .track(&caller.reader(), id, window.from, window.to)
            .await?
            .ok_or(ApiError::NotFound)
    }
    .await;
    let (track, positions) = state
        .audit_read(
            &caller,
            "track.read",
            &id.to_string(),
            found,
            |(_, positions)| json!({"positions": positions.len()}),
        )
        .await?;
    let line: Vec<[f64; 2]> = positions
        .iter()
        .map(|position| [position.lon, position.lat])
        .collect();
    let mut features = vec![json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": line},
        "properties": {"track": track.id.to_string(), "name": track.name, "kind": track.kind},
    })];
    features.extend(positions.iter().map(|position| {
        json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [position.lon, position.lat]},
            "properties": {
                "time": position.at.to_string(),
                "properties": serde_json::from_str::<Value>(&position.properties).unwrap_or(Value::Null),
            },
        })
    }));
    Ok(Json(
        json!({"type": "FeatureCollection", "features": features}),
    ))
}

pub(crate) fn routes(max_layer_bytes: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(create_layer, layers))
        .layer(DefaultBodyLimit::max(max_layer_bytes));
    OpenApiRouter::new()
        .routes(routes!(features))
        .routes(routes!(export))
        .routes(routes!(nearest))
        .routes(routes!(layer_features, delete_layer))
        .routes(routes!(create_track, tracks))
        .routes(routes!(track))
        .routes(routes!(add_positions))
        .merge(uploads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in [
            FeatureKind::Record,
            FeatureKind::Place,
            FeatureKind::Coordinates,
            FeatureKind::Layer,
        ] {
            assert_eq!(FeatureKind::parse(kind.as_str()).ok(), Some(kind));
        }
        assert!(FeatureKind::parse("ship").is_err());
    }

    #[test]
    fn replacing_a_source_frees_its_slots() {
        let record = RecordId::new(Timestamp::UNIX_EPOCH);
        let feature = |lat: f64| Feature {
            kind: FeatureKind::Record,
            lat,
            lon: 10.0,
            labels: Vec::new(),
            name: "x".to_owned(),
            source: Source::Record(record),
            time: None,
            detail: Value::Null,
        };
        let mut features = Features::default();
        features.replace(Source::Record(record), vec![feature(1.0), feature(2.0)]);
        assert_eq!(features.index.len(), 2);
        features.replace(Source::Record(record), vec![feature(3.0)]);
        assert_eq!(features.index.len(), 1);
        assert_eq!(features.slots.len(), 2);
        features.replace(Source::Record(record), Vec::new());
        assert_eq!(features.index.len(), 0);
        assert!(!features.by_source.contains_key(&Source::Record(record)));
    }
}
