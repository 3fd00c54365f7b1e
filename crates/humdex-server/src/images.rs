//! Photo fingerprints: the projection that fingerprints every image attachment (PDQ), the
//! in-memory Hamming index of every node's fingerprints, hash lists of known images that raise
//! alerts on intake, and the endpoints that find other copies of a photo among the records the
//! caller may see.
//!
//! The store keeps the fingerprints; each node's index follows them by row id (ids grow in commit
//! order), so a fingerprint stored by any node is found by all. Hashes of quality below
//! [`QUALITY_THRESHOLD`] are stored but never matched: they rest on too little detail.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use humdex_imagehash::index::HammingIndex;
use humdex_imagehash::pdq::{self, Fingerprint, QUALITY_THRESHOLD};
use humdex_imagehash::{Hash256, parse_hash_list};
use humdex_model::{Change, ChangeKind, Reader, RecordId, RecordView, Seq};
use humdex_store::{
    HashList, ImageAlert, ImageBatch, NewFingerprint, NewImageAlert, Projection, Store,
    StoredFingerprint,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::RwLock;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::{AppState, Clock};

const IMAGES: &str = "images";

/// The most pixels an attachment or query photo may decode to.
const MAX_PIXELS: u64 = 100_000_000;

/// How many fingerprints a node loads from the store per query while following it.
const FOLLOW_STEP: u32 = 50_000;

/// The names of the dihedral transforms, in the order of [`Fingerprint::dihedral`].
const TRANSFORMS: [&str; 8] = [
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_vertical",
    "flip_horizontal",
    "transpose",
    "transverse",
];

/// A Hamming index and the last store row it holds.
#[derive(Default)]
struct Followed {
    index: HammingIndex,
    last: i64,
}

/// The fingerprints and hash lists of this node, and how far apart photos may be to match.
pub(crate) struct Images {
    store: Store,
    clock: Clock,
    max_distance: u32,
    fingerprints: RwLock<Followed>,
    /// Hash-list entries, by entry id, and the lists' distances.
    lists: RwLock<(Followed, BTreeMap<i64, u32>)>,
}

impl Images {
    pub(crate) fn new(store: Store, clock: Clock, max_distance: u32) -> Self {
        Self {
            store,
            clock,
            max_distance,
            fingerprints: RwLock::default(),
            lists: RwLock::default(),
        }
    }

    /// Loads the fingerprints stored since this node last looked (by any node).
    async fn follow_fingerprints(&self) -> humdex_store::Result<()> {
        let mut followed = self.fingerprints.write().await;
        loop {
            let rows = self
                .store
                .fingerprints_after(followed.last, FOLLOW_STEP)
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            followed.last = last.id;
            for row in rows {
                if row.fingerprint.quality >= QUALITY_THRESHOLD {
                    let id = u64::try_from(row.id).unwrap_or_default();
                    followed
                        .index
                        .insert(id, Hash256::from_bytes(&row.fingerprint.hash));
                }
            }
        }
        if followed.index.needs_merge() {
            let job = followed.index.merge_job();
            drop(followed);
            let merged = tokio::task::spawn_blocking(move || job.run())
                .await
                .map_err(|error| humdex_store::Error::Projection(error.to_string()))?;
            // A merge taken before another was installed is simply dropped; the next one folds it.
            let _ = self.fingerprints.write().await.index.install(merged);
        }
        Ok(())
    }

    /// Loads the hash-list entries stored since this node last looked.
    async fn follow_lists(&self) -> humdex_store::Result<()> {
        let mut guard = self.lists.write().await;
        let (followed, distances) = &mut *guard;
        let before = followed.last;
        loop {
            let rows = self
                .store
                .hash_list_entries_after(followed.last, FOLLOW_STEP)
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            followed.last = last.id;
            for row in rows {
                let id = u64::try_from(row.id).unwrap_or_default();
                followed.index.insert(id, Hash256::from_bytes(&row.hash));
            }
        }
        if followed.last != before {
            let by_list: BTreeMap<_, _> = self
                .store
                .hash_lists()
                .await?
                .into_iter()
                .map(|list| (list.id, list.max_distance))
                .collect();
            // Entry ids are few compared to fingerprints; their list's distance is looked up once.
            let mut entry = 0;
            loop {
                let rows = self
                    .store
                    .hash_list_entries_after(entry, FOLLOW_STEP)
                    .await?;
                let Some(last) = rows.last() else {
                    break;
                };
                entry = last.id;
                for row in rows {
                    if let Some(distance) = by_list.get(&row.list) {
                        distances.insert(row.id, *distance);
                    }
                }
            }
            followed.index.merge();
        }
        drop(guard);
        self.scan_new_lists().await
    }

    /// The hash-list entries within their list's distance of any of `fingerprints`' dihedral
    /// hashes, with the distance.
    async fn listed(&self, fingerprints: &[NewFingerprint]) -> Vec<(i64, u32)> {
        let guard = self.lists.read().await;
        let (followed, distances) = &*guard;
        let widest = distances.values().copied().max().unwrap_or(0);
        let mut found = BTreeMap::new();
        for fingerprint in fingerprints
            .iter()
            .filter(|fingerprint| fingerprint.quality >= QUALITY_THRESHOLD)
        {
            let needles = fingerprint.dihedral.map(|hash| Hash256::from_bytes(&hash));
            for hit in followed.index.search(&needles, widest) {
                let entry = i64::try_from(hit.id).unwrap_or_default();
                if distances
                    .get(&entry)
                    .is_some_and(|max| hit.distance <= *max)
                {
                    let distance = found.entry(entry).or_insert(hit.distance);
                    *distance = (*distance).min(hit.distance);
                }
            }
        }
        found.into_iter().collect()
    }

    /// The stored fingerprints within `max_distance` of any dihedral hash of `query`, each with
    /// its smallest distance and the transform that gave it.
    async fn near(&self, query: &[Fingerprint], max_distance: u32) -> Vec<(i64, u32, usize)> {
        let followed = self.fingerprints.read().await;
        let mut found: BTreeMap<i64, (u32, usize)> = BTreeMap::new();
        for fingerprint in query
            .iter()
            .filter(|fingerprint| fingerprint.quality >= QUALITY_THRESHOLD)
        {
            for hit in followed.index.search(&fingerprint.dihedral, max_distance) {
                let id = i64::try_from(hit.id).unwrap_or_default();
                let best = found.entry(id).or_insert((hit.distance, hit.needle));
                if hit.distance < best.0 {
                    *best = (hit.distance, hit.needle);
                }
            }
        }
        found
            .into_iter()
            .map(|(id, (distance, needle))| (id, distance, needle))
            .collect()
    }

    /// The stored fingerprints that are copies of the fingerprints `ids` (within the node's
    /// match distance, any dihedral transform), as (one of `ids`, its copy) pairs: what the link
    /// graph draws image-match links from.
    pub(crate) async fn copies(&self, ids: &[i64]) -> humdex_store::Result<Vec<(i64, i64)>> {
        self.follow_fingerprints().await?;
        let mut pairs = Vec::new();
        for row in self.store.fingerprints_by_id(ids).await? {
            for (other, _, _) in self.near(&[from_store(&row)], self.max_distance).await {
                if other != row.id {
                    pairs.push((row.id, other));
                }
            }
        }
        Ok(pairs)
    }

    /// The records `reader` may see that carry, where they may see it, a photo within
    /// `max_distance` of `query`: nearest first.
    async fn matches(
        &self,
        reader: &Reader,
        query: &[Fingerprint],
        max_distance: u32,
    ) -> Result<Vec<ImageMatch>, ApiError> {
        self.follow_fingerprints().await?;
        let near = self.near(query, max_distance).await;
        let ids: Vec<i64> = near.iter().map(|(id, _, _)| *id).collect();
        let rows: BTreeMap<i64, StoredFingerprint> = self
            .store
            .fingerprints_by_id(&ids)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        // The nearest of each file's variants.
        let mut by_blob: BTreeMap<String, (u32, usize, String)> = BTreeMap::new();
        for (id, distance, needle) in near {
            let Some(row) = rows.get(&id) else { continue };
            let entry = by_blob.entry(row.fingerprint.blob.clone()).or_insert((
                distance,
                needle,
                row.fingerprint.variant.clone(),
            ));
            if distance < entry.0 {
                *entry = (distance, needle, row.fingerprint.variant.clone());
            }
        }
        let mut matches = Vec::new();
        for (blob, (distance, needle, variant)) in by_blob {
            for record in self.store.records_carrying(&blob).await? {
                let Ok(RecordView::Full(visible)) = self.store.record(reader, record).await else {
                    continue;
                };
                // Withheld attachments are not in the reader's view of the record.
                let Some(attachment) = visible
                    .record()
                    .attachments
                    .iter()
                    .find(|attachment| attachment.sha256 == blob)
                else {
                    continue;
                };
                matches.push(ImageMatch {
                    record,
                    title: visible.record().title.clone(),
                    attachment: blob.clone(),
                    filename: attachment.filename.clone(),
                    distance,
                    transform: TRANSFORMS.get(needle).copied().unwrap_or("original"),
                    variant: variant.clone(),
                });
            }
        }
        matches.sort_by(|a, b| {
            (a.distance, a.record, &a.attachment).cmp(&(b.distance, b.record, &b.attachment))
        });
        Ok(matches)
    }

    /// Matches the photos stored before each new hash list came (by any node or the command
    /// line) against it, once. Only the original orientation of a listed hash can be checked
    /// here (a list holds no dihedral hashes); rotated copies are caught as their records' photos
    /// arrive.
    async fn scan_new_lists(&self) -> humdex_store::Result<()> {
        let lists = self.store.unscanned_hash_lists().await?;
        if lists.is_empty() {
            return Ok(());
        }
        self.follow_fingerprints().await?;
        for list in lists {
            let mut alerts = Vec::new();
            for entry in self.store.hash_list_entries(list.id).await? {
                let hits = self
                    .fingerprints
                    .read()
                    .await
                    .index
                    .search(&[Hash256::from_bytes(&entry.hash)], list.max_distance);
                let distances: BTreeMap<i64, u32> = hits
                    .iter()
                    .map(|hit| (i64::try_from(hit.id).unwrap_or_default(), hit.distance))
                    .collect();
                let ids: Vec<i64> = distances.keys().copied().collect();
                for row in self.store.fingerprints_by_id(&ids).await? {
                    let distance = distances.get(&row.id).copied().unwrap_or(u32::MAX);
                    for record in self.store.records_carrying(&row.fingerprint.blob).await? {
                        alerts.push(NewImageAlert {
                            record,
                            blob: row.fingerprint.blob.clone(),
                            entry: entry.id,
                            distance,
                        });
                    }
                }
            }
            self.store
                .finish_hash_list_scan(list.id, &alerts, (self.clock)())
                .await?;
        }
        Ok(())
    }

    /// Follows hash lists imported anywhere: loads their entries and matches the stored photos
    /// against new lists, every few seconds.
    pub(crate) async fn watch_lists(self: Arc<Self>) {
        loop {
            if let Err(error) = self.follow_lists().await {
                tracing::warn!(%error, "hash lists could not be followed; retrying");
            }
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }
}

/// A fingerprint as the store keeps it.
fn from_store(row: &StoredFingerprint) -> Fingerprint {
    Fingerprint {
        hash: Hash256::from_bytes(&row.fingerprint.hash),
        quality: row.fingerprint.quality,
        dihedral: row
            .fingerprint
            .dihedral
            .map(|hash| Hash256::from_bytes(&hash)),
    }
}

/// The fingerprints of a photo (the whole image, and with uniform borders cut when that differs),
/// or why it has none.
fn fingerprint(bytes: &[u8]) -> Result<Vec<Fingerprint>, pdq::ImageError> {
    let fingerprints = pdq::fingerprint_image(bytes, MAX_PIXELS)?;
    Ok(std::iter::once(fingerprints.full)
        .chain(fingerprints.trimmed)
        .collect())
}

/// Fingerprints as stored for file `blob`.
fn stored(blob: &str, fingerprints: &[Fingerprint]) -> Vec<NewFingerprint> {
    fingerprints
        .iter()
        .zip(["full", "trimmed"])
        .map(|(fingerprint, variant)| NewFingerprint {
            blob: blob.to_owned(),
            variant: variant.to_owned(),
            hash: fingerprint.hash.to_bytes(),
            quality: fingerprint.quality,
            dihedral: fingerprint.dihedral.map(|hash| hash.to_bytes()),
        })
        .collect()
}

/// Changes after which a record may carry other files.
fn changes_files(change: &Change) -> bool {
    matches!(
        change.change,
        ChangeKind::RecordCreated | ChangeKind::AttachmentAdded
    )
}

/// The projection that fingerprints image attachments and raises hash-list alerts.
pub(crate) struct ImageProjection(pub(crate) Arc<Images>);

#[async_trait]
impl Projection for ImageProjection {
    fn name(&self) -> &'static str {
        IMAGES
    }

    async fn last_applied(&self) -> humdex_store::Result<Seq> {
        self.0.store.projection_position(IMAGES).await
    }

    async fn apply(&self, changes: &[Change]) -> humdex_store::Result<()> {
        let images = &self.0;
        let Some(last) = changes.last() else {
            return Ok(());
        };
        let after = images.store.projection_position(IMAGES).await?;
        let ids: BTreeSet<RecordId> = changes
            .iter()
            .filter(|change| change.seq > after && changes_files(change))
            .filter_map(|change| change.subject.parse().ok())
            .collect();
        images.follow_lists().await?;
        let mut batch = ImageBatch::default();
        // Fingerprints of this batch's photos, new or stored, by file.
        let mut known: BTreeMap<String, Vec<NewFingerprint>> = BTreeMap::new();
        for id in ids {
            let Some(record) = images.store.record_for_projection(id).await? else {
                continue;
            };
            let blobs: Vec<String> = record
                .attachments
                .iter()
                .map(|attachment| attachment.sha256.clone())
                .collect();
            for attachment in &record.attachments {
                let blob = &attachment.sha256;
                if !known.contains_key(blob) {
                    let fingerprints = self
                        .fingerprints_of(blob, &attachment.filename, &mut batch)
                        .await?;
                    known.insert(blob.clone(), fingerprints);
                }
                let fingerprints = known.get(blob).map(Vec::as_slice).unwrap_or_default();
                for (entry, distance) in images.listed(fingerprints).await {
                    batch.alerts.push(NewImageAlert {
                        record: id,
                        blob: blob.clone(),
                        entry,
                        distance,
                    });
                }
            }
            batch.carried.push((id, blobs));
        }
        let saved = images
            .store
            .save_images(IMAGES, after, last.seq, &batch, (images.clock)())
            .await?;
        if saved && !batch.fingerprints.is_empty() {
            images.follow_fingerprints().await?;
        }
        Ok(())
    }
}

impl ImageProjection {
    /// The fingerprints of file `blob`: stored ones, or computed now (and added to `batch`) when
    /// the file is a photo not fingerprinted before. Other files have none.
    async fn fingerprints_of(
        &self,
        blob: &str,
        filename: &str,
        batch: &mut ImageBatch,
    ) -> humdex_store::Result<Vec<NewFingerprint>> {
        let store = &self.0.store;
        if !store.fingerprinted(&[blob.to_owned()]).await?.is_empty() {
            return Ok(store
                .fingerprints_of(blob)
                .await?
                .into_iter()
                .map(|row| row.fingerprint)
                .collect());
        }
        let Some(content) = store.blob_for_projection(blob).await? else {
            return Ok(Vec::new());
        };
        if !matches!(
            humdex_ingest::detect(filename, &content),
            Some(humdex_ingest::Format::Image(_))
        ) {
            return Ok(Vec::new());
        }
        let computed = tokio::task::spawn_blocking(move || fingerprint(&content))
            .await
            .map_err(|error| humdex_store::Error::Projection(error.to_string()))?;
        match computed {
            Ok(fingerprints) => {
                let fingerprints = stored(blob, &fingerprints);
                batch.fingerprints.extend(fingerprints.iter().cloned());
                Ok(fingerprints)
            }
            Err(error) => {
                batch.failures.push((blob.to_owned(), error.to_string()));
                Ok(Vec::new())
            }
        }
    }
}

/// A record holding a copy of the photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageMatch {
    /// The record.
    #[schema(value_type = String)]
    record: RecordId,
    /// Its title.
    title: String,
    /// The matching file's SHA-256.
    attachment: String,
    /// Its name in the record.
    filename: String,
    /// How many of the 256 bits differ.
    distance: u32,
    /// How the query photo must be turned to match: `original`, `rotate90`, `rotate180`,
    /// `rotate270`, `flip_vertical`, `flip_horizontal`, `transpose` or `transverse`.
    transform: &'static str,
    /// `full`, or `trimmed` when the stored photo matched once its uniform borders were cut.
    variant: String,
}

/// The fingerprint of a photo, as shown with its matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct FingerprintJson {
    /// `full`, or `trimmed` (uniform borders cut).
    variant: &'static str,
    /// The PDQ hash, 64 hex digits.
    hash: String,
    /// PDQ quality, 0–100; under 50 a photo is never matched.
    quality: u8,
}

/// Other copies of a photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct Matches {
    /// The photo's fingerprints.
    fingerprints: Vec<FingerprintJson>,
    /// Whether the photo has detail enough to be matched (quality ≥ 50).
    matchable: bool,
    /// The distance used.
    max_distance: u32,
    /// The records, among those the caller may see, holding a copy, nearest first.
    matches: Vec<ImageMatch>,
}

/// How far apart two photos may be and still match.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Distance {
    /// Bits of 256 (default: the node's setting, 31); at most 64.
    max_distance: Option<u32>,
}

impl Distance {
    fn or(&self, default: u32) -> Result<u32, ApiError> {
        match self.max_distance {
            Some(distance) if distance > 64 => Err(ApiError::invalid(
                "max_distance",
                "at most 64 bits: beyond that unrelated photos match",
            )),
            Some(distance) => Ok(distance),
            None => Ok(default),
        }
    }
}

fn matches_json(
    fingerprints: &[Fingerprint],
    max_distance: u32,
    matches: Vec<ImageMatch>,
) -> Matches {
    Matches {
        fingerprints: fingerprints
            .iter()
            .zip(["full", "trimmed"])
            .map(|(fingerprint, variant)| FingerprintJson {
                variant,
                hash: fingerprint.hash.to_string(),
                quality: fingerprint.quality,
            })
            .collect(),
        matchable: fingerprints
            .iter()
            .any(|fingerprint| fingerprint.quality >= QUALITY_THRESHOLD),
        max_distance,
        matches,
    }
}

/// Records holding other copies of an attachment's photo (re-encoded, resized, rotated or
/// mirrored), among those the caller may see.
#[utoipa::path(get, path = "/api/v1/attachments/{sha256}/matches", tag = "images", security(("bearer" = [])),
    params(("sha256" = String, Path), Distance),
    responses((status = 200, body = Matches), (status = 404, body = ErrorBody)))]
async fn attachment_matches(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(sha256): ApiPath<String>,
    ApiQuery(distance): ApiQuery<Distance>,
) -> Result<Json<Matches>, ApiError> {
    let images = &state.images;
    let max_distance = distance.or(images.max_distance)?;
    let reader = caller.reader();
    // Only a caller who may see the file in some record learns anything about it.
    let mut seen = false;
    for record in state.store.records_carrying(&sha256).await? {
        if let Ok(RecordView::Full(visible)) = state.store.record(&reader, record).await {
            seen |= visible
                .record()
                .attachments
                .iter()
                .any(|attachment| attachment.sha256 == sha256);
        }
    }
    let found = async {
        if !seen {
            return Err(ApiError::NotFound);
        }
        let rows = state.store.fingerprints_of(&sha256).await?;
        if rows.is_empty() {
            let reason = state.store.fingerprint_failure(&sha256).await?;
            return Err(ApiError::invalid(
                "sha256",
                reason.unwrap_or_else(|| {
                    "the attachment is not a photo (or not fingerprinted yet)".to_owned()
                }),
            ));
        }
        let fingerprints: Vec<Fingerprint> = rows.iter().map(from_store).collect();
        let matches = images.matches(&reader, &fingerprints, max_distance).await?;
        Ok(matches_json(&fingerprints, max_distance, matches))
    }
    .await;
    let matches = state
        .audit_read(
            &caller,
            "image.match",
            &sha256,
            found,
            |found| json!({"matches": found.matches.len(), "max_distance": max_distance}),
        )
        .await?;
    Ok(Json(matches))
}

/// Records holding copies of an uploaded photo (the body), among those the caller may see. The
/// photo itself is not stored.
#[utoipa::path(post, path = "/api/v1/images/match", tag = "images", security(("bearer" = [])),
    params(Distance),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Matches), (status = 400, body = ErrorBody)))]
async fn match_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(distance): ApiQuery<Distance>,
    body: Bytes,
) -> Result<Json<Matches>, ApiError> {
    let images = &state.images;
    let max_distance = distance.or(images.max_distance)?;
    let reader = caller.reader();
    let found = async {
        let fingerprints = tokio::task::spawn_blocking(move || fingerprint(&body))
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(|error| ApiError::invalid("body", error.to_string()))?;
        let matches = images.matches(&reader, &fingerprints, max_distance).await?;
        Ok(matches_json(&fingerprints, max_distance, matches))
    }
    .await;
    let matches = state
        .audit_read(&caller, "image.match", "upload", found, |found| {
            json!({
                "hashes": found.fingerprints.iter().map(|f| f.hash.clone()).collect::<Vec<_>>(),
                "matches": found.matches.len(),
            })
        })
        .await?;
    Ok(Json(matches))
}

/// A new hash list's name and distance.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NewList {
    /// The list's name, e.g. the partner it came from.
    name: String,
    /// Photos within this many bits of a listed hash raise an alert (default 31, at most 64).
    max_distance: Option<u32>,
}

/// A hash list, as created or listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct HashListJson {
    /// Its id.
    id: String,
    /// Its name.
    name: String,
    /// Its match distance.
    max_distance: u32,
    /// How many distinct hashes it holds.
    size: u64,
    /// Who imported it.
    created_by: String,
    /// When.
    created: String,
}

impl From<HashList> for HashListJson {
    fn from(list: HashList) -> Self {
        Self {
            id: list.id.to_string(),
            name: list.name,
            max_distance: list.max_distance,
            size: list.size,
            created_by: list.created_by,
            created: list.created.to_string(),
        }
    }
}

/// Imports a hash list (admins): the body is a text file of PDQ hashes, one per line (first
/// column; `#` comments and a header line are skipped). Every stored and future photo within the
/// list's distance raises an alert on its records.
#[utoipa::path(post, path = "/api/v1/hash-lists", tag = "images", security(("bearer" = [])),
    params(NewList),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 201, body = HashListJson), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_hash_list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(new): ApiQuery<NewList>,
    body: String,
) -> Result<(StatusCode, Json<HashListJson>), ApiError> {
    caller.must_be_admin()?;
    let max_distance = Distance {
        max_distance: new.max_distance,
    }
    .or(state.images.max_distance)?;
    let hashes =
        parse_hash_list(&body).map_err(|error| ApiError::invalid("body", error.to_string()))?;
    let bytes: Vec<_> = hashes.iter().map(Hash256::to_bytes).collect();
    let list = state
        .store
        .create_hash_list(caller.name(), &new.name, max_distance, &bytes, state.now())
        .await?;
    state
        .audit(
            caller.name(),
            "hash_list.create",
            &list.id.to_string(),
            humdex_audit::Outcome::Success,
            Some(caller.address().to_string()),
            json!({"name": list.name, "size": list.size, "max_distance": max_distance}),
        )
        .await?;
    let images = state.images.clone();
    tokio::spawn(async move {
        if let Err(error) = images.follow_lists().await {
            tracing::warn!(%error, "stored photos were not matched against a new hash list yet");
        }
    });
    Ok((StatusCode::CREATED, Json(list.into())))
}

/// The hash lists (admins).
#[utoipa::path(get, path = "/api/v1/hash-lists", tag = "images", security(("bearer" = [])),
    responses((status = 200, body = Vec<HashListJson>), (status = 403, body = ErrorBody)))]
async fn hash_lists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<HashListJson>>, ApiError> {
    caller.must_be_admin()?;
    let lists = state.store.hash_lists().await?;
    Ok(Json(lists.into_iter().map(HashListJson::from).collect()))
}

/// The hash-list alerts on a record's photos that the caller may see.
#[utoipa::path(get, path = "/api/v1/records/{id}/image-alerts", tag = "images", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ImageAlertJson>), (status = 404, body = ErrorBody)))]
async fn record_image_alerts(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Json<Vec<ImageAlertJson>>, ApiError> {
    let found = async {
        let RecordView::Full(visible) = state.store.record(&caller.reader(), id).await? else {
            return Err(ApiError::NotFound);
        };
        let shown: BTreeSet<String> = visible
            .record()
            .attachments
            .iter()
            .map(|attachment| attachment.sha256.clone())
            .collect();
        Ok(state.store.image_alerts(id, &shown).await?)
    }
    .await;
    // Who looked at which photos matched a list of known images is itself worth an audit.
    let alerts = state
        .audit_read(
            &caller,
            "image_alerts.read",
            &id.to_string(),
            found,
            |alerts| json!({"alerts": alerts.len()}),
        )
        .await?;
    Ok(Json(alerts.into_iter().map(ImageAlertJson::from).collect()))
}

/// A record's photo matched a listed hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageAlertJson {
    /// The file (SHA-256).
    attachment: String,
    /// The list's name.
    list: String,
    /// The listed hash.
    listed_hash: String,
    /// Bits apart.
    distance: u32,
    /// When it was found.
    raised: String,
}

impl From<ImageAlert> for ImageAlertJson {
    fn from(alert: ImageAlert) -> Self {
        Self {
            attachment: alert.attachment,
            list: alert.list,
            listed_hash: alert.listed_hash,
            distance: alert.distance,
            raised: alert.raised.to_string(),
        }
    }
}

pub(crate) fn routes(max_attachment_bytes: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(match_upload))
        .routes(routes!(create_hash_list, hash_lists))
        .layer(DefaultBodyLimit::max(max_attachment_bytes));
    OpenApiRouter::new()
        .routes(routes!(attachment_matches))
        .routes(routes!(record_image_alerts))
        .merge(uploads)
}
