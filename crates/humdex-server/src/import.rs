//! Importing files: emails, PDFs, documents, spreadsheets, photos and JSON, each read by
//! `humdex-ingest` into the records it holds, which are taken in with their attachments.
//!
//! One job runner serves `POST /api/v1/import` and `humdex import`: it reads a few files at once
//! (reading is CPU work, so on blocking threads), creates each file's records, and keeps the
//! job's progress in an [`ImportJobs`] registry, which `GET /api/v1/jobs/{id}` reads. A file that
//! cannot be read fails alone, with the reason; the batch goes on. Every record's idempotency key
//! is the file's SHA-256 and the record's place in it, so a file imported again is recognised and
//! creates nothing twice.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use humdex_audit::Outcome;
use humdex_ingest::{ColumnMapping, Extracted, Format, Options, ReadError};
use humdex_model::{Channel, Label, Reader};
use humdex_store::{IdempotencyKey, Store};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Caller, Scope};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::{AppState, Clock};

/// How many records of one file are in the writer's queue at once: enough to fill its group
/// commits, so a spreadsheet of many rows does not wait for one commit per row.
const RECORDS_IN_FLIGHT: usize = 256;
/// How many files a job lists; the rest are only counted.
const MAX_LISTED_FILES: usize = 10_000;
/// How many reasons a file's result gives for records the store refused.
const MAX_REASONS: usize = 10;
/// How long a finished job stays readable.
const KEEP_FINISHED: Duration = Duration::from_secs(60 * 60);
/// How many finished jobs are kept at most.
const MAX_FINISHED: usize = 100;

/// A file to import.
pub struct ImportFile {
    /// Its name as the job lists it: the upload's file name, or the path on disk.
    name: String,
    /// Its size in bytes.
    size: u64,
    content: Content,
}

enum Content {
    InMemory(Vec<u8>),
    /// Read only when its turn comes, so a large folder is never in memory at once.
    OnDisk(PathBuf),
}

impl ImportFile {
    /// A file received whole, such as an upload.
    pub fn in_memory(name: String, bytes: Vec<u8>) -> Self {
        Self {
            name,
            size: bytes.len() as u64,
            content: Content::InMemory(bytes),
        }
    }

    /// The file at `path`, of `size` bytes, listed as `name`; read when its turn comes.
    pub fn on_disk(name: String, path: PathBuf, size: u64) -> Self {
        Self {
            name,
            size,
            content: Content::OnDisk(path),
        }
    }

    /// The name the job lists the file under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// What to import, and how.
pub struct ImportBatch {
    /// The files.
    pub files: Vec<ImportFile>,
    /// Limits against hostile files, and how spreadsheet columns map to record fields.
    pub options: Options,
    /// The access expression put on every record created, instead of the one it came with.
    pub label: Option<Label>,
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Records were created from it (some may have been refused: see `rejected`).
    Created,
    /// An earlier import of the same content (by SHA-256) had created its records; none was
    /// created again.
    Duplicate,
    /// It could not be read, or the store refused every record it holds; nothing of it was kept.
    Failed,
}

/// The result of one file of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FileResult {
    /// The file's name: the upload's file name, or its path for `humdex import`.
    pub name: String,
    /// Hex SHA-256 of its content; null if it could not be loaded.
    pub sha256: Option<String>,
    /// Its size in bytes.
    pub bytes: u64,
    /// What became of it.
    pub status: FileStatus,
    /// Records this job created from it. A spreadsheet, CSV or JSON file yields one per row or
    /// object, and none of them carries the file itself.
    pub records: u64,
    /// Records an earlier import of the same file had created, found again and not duplicated.
    pub duplicates: u64,
    /// Records the store refused (such as a label naming an undefined authorization).
    pub rejected: u64,
    /// Files attached to the records created: the file itself for a single-record file such as a
    /// PDF, or an email's attachments.
    pub attachments: u64,
    /// Why it failed, or why records were refused (the first few).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether a job is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Files are still being read or stored.
    Running,
    /// Every file has its result.
    Finished,
}

/// A job's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportCounts {
    /// Files in the job.
    pub files_total: u64,
    /// Files with a result.
    pub files_done: u64,
    /// Files that failed.
    pub files_failed: u64,
    /// Files imported before.
    pub files_duplicate: u64,
    /// Records created.
    pub records_created: u64,
    /// Records found from an earlier import and not created again.
    pub records_duplicate: u64,
    /// Records the store refused.
    pub records_rejected: u64,
    /// Bytes in the job's files.
    pub bytes_total: u64,
    /// Bytes of the files with a result.
    pub bytes_done: u64,
}

impl ImportCounts {
    fn add(&mut self, result: &FileResult) {
        self.files_done += 1;
        self.bytes_done += result.bytes;
        self.records_created += result.records;
        self.records_duplicate += result.duplicates;
        self.records_rejected += result.rejected;
        match result.status {
            FileStatus::Created => {}
            FileStatus::Duplicate => self.files_duplicate += 1,
            FileStatus::Failed => self.files_failed += 1,
        }
    }
}

/// An import job as `GET /api/v1/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportJob {
    /// The job's id.
    pub id: Uuid,
    /// Who started it; only they and admins may read it.
    pub started_by: String,
    /// Whether it is still going.
    pub state: JobState,
    /// Its counters.
    #[serde(flatten)]
    pub counts: ImportCounts,
    /// Files finished per second so far.
    pub files_per_second: f64,
    /// Bytes finished per second so far.
    pub bytes_per_second: f64,
    /// Seconds left at the rate so far, while running and once a file has finished.
    pub eta_seconds: Option<u64>,
    /// When it started.
    #[schema(value_type = String, format = DateTime)]
    pub started: Timestamp,
    /// When it finished.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished: Option<Timestamp>,
    /// The results of the files finished, in the order they finished: the first 10,000.
    pub files: Vec<FileResult>,
    /// Files finished beyond those listed.
    pub files_not_listed: u64,
}

/// A job as the registry keeps it.
struct Job {
    owner: String,
    counts: ImportCounts,
    started: Timestamp,
    started_at: Instant,
    finished: Option<(Timestamp, Instant)>,
    files: Vec<FileResult>,
    files_not_listed: u64,
}

impl Job {
    fn view(&self, id: Uuid) -> ImportJob {
        let elapsed = self
            .finished
            .map_or_else(|| self.started_at.elapsed(), |(_, at)| at - self.started_at)
            .as_secs_f64();
        let per_second = |count: u64| {
            if elapsed > 0.0 {
                count as f64 / elapsed
            } else {
                0.0
            }
        };
        let bytes_per_second = per_second(self.counts.bytes_done);
        let eta_seconds = (self.finished.is_none() && bytes_per_second > 0.0).then(|| {
            let left = self
                .counts
                .bytes_total
                .saturating_sub(self.counts.bytes_done);
            (left as f64 / bytes_per_second).ceil() as u64
        });
        ImportJob {
            id,
            started_by: self.owner.clone(),
            state: if self.finished.is_some() {
                JobState::Finished
            } else {
                JobState::Running
            },
            counts: self.counts,
            files_per_second: per_second(self.counts.files_done),
            bytes_per_second,
            eta_seconds,
            started: self.started,
            finished: self.finished.map(|(at, _)| at),
            files: self.files.clone(),
            files_not_listed: self.files_not_listed,
        }
    }
}

/// The import jobs of this process, running and recently finished (the last hour's, at most
/// 100 of them). Cheap to clone.
#[derive(Clone, Default)]
pub struct ImportJobs {
    jobs: Arc<Mutex<HashMap<Uuid, Job>>>,
}

impl ImportJobs {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Job>> {
        // A panic while holding the lock leaves only counters half-updated; keep serving.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Job `id` as it stands, if it is still kept.
    pub fn get(&self, id: Uuid) -> Option<ImportJob> {
        let mut jobs = self.lock();
        forget_old(&mut jobs);
        jobs.get(&id).map(|job| job.view(id))
    }

    /// Registers job `id` for `batch`, to be run as `writer` (whom the job names as having
    /// started it), and answers the work that runs it: spawn it, or await it. `on_file` hears of each file as it finishes,
    /// with the job's counters after it.
    pub fn start(
        &self,
        id: Uuid,
        store: Store,
        writer: Reader,
        batch: ImportBatch,
        clock: Clock,
        on_file: impl Fn(&FileResult, &ImportCounts) + Send + 'static,
    ) -> impl Future<Output = ()> + Send + 'static {
        let counts = ImportCounts {
            files_total: batch.files.len() as u64,
            bytes_total: batch.files.iter().map(ImportFile::size).sum(),
            ..ImportCounts::default()
        };
        {
            let mut jobs = self.lock();
            forget_old(&mut jobs);
            jobs.insert(
                id,
                Job {
                    owner: writer.name().to_owned(),
                    counts,
                    started: clock(),
                    started_at: Instant::now(),
                    finished: None,
                    files: Vec::new(),
                    files_not_listed: 0,
                },
            );
        }
        let jobs = self.clone();
        async move {
            let ImportBatch {
                files,
                options,
                label,
            } = batch;
            let run = Run {
                store,
                writer,
                options: Arc::new(options),
                label,
                clock: clock.clone(),
            };
            let run = &run;
            let mut results = futures::stream::iter(files)
                .map(|file| run.import(file))
                .buffer_unordered(files_at_once());
            while let Some(result) = results.next().await {
                let counts = jobs.finish_file(id, &result);
                on_file(&result, &counts);
            }
            if let Some(job) = jobs.lock().get_mut(&id) {
                job.finished = Some((clock(), Instant::now()));
            }
        }
    }

    /// Counts `result` into job `id`; answers the job's counters after it.
    fn finish_file(&self, id: Uuid, result: &FileResult) -> ImportCounts {
        let mut jobs = self.lock();
        let Some(job) = jobs.get_mut(&id) else {
            return ImportCounts::default();
        };
        job.counts.add(result);
        if job.files.len() < MAX_LISTED_FILES {
            job.files.push(result.clone());
        } else {
            job.files_not_listed += 1;
        }
        job.counts
    }
}

/// Drops the jobs that finished over an hour ago, and the oldest finished beyond 100.
fn forget_old(jobs: &mut HashMap<Uuid, Job>) {
    jobs.retain(|_, job| {
        job.finished
            .is_none_or(|(_, at)| at.elapsed() < KEEP_FINISHED)
    });
    let mut finished: Vec<(Instant, Uuid)> = jobs
        .iter()
        .filter_map(|(id, job)| job.finished.map(|(_, at)| (at, *id)))
        .collect();
    if finished.len() > MAX_FINISHED {
        finished.sort();
        let excess = finished.len() - MAX_FINISHED;
        for (_, id) in finished.into_iter().take(excess) {
            jobs.remove(&id);
        }
    }
}

/// How many files are read at once: reading is CPU work, so about one per core, two to four.
fn files_at_once() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(2, 4)
}

/// What every file of a job shares.
struct Run {
    store: Store,
    writer: Reader,
    options: Arc<Options>,
    label: Option<Label>,
    clock: Clock,
}

/// A file read: its SHA-256 and its records, or why it could not be read.
struct Read {
    sha256: String,
    records: Result<Vec<Extracted>, ReadError>,
}

/// What became of one record.
enum Stored {
    Created { attachments: u64 },
    Found,
    Refused(String),
    Failed(humdex_store::Error),
}

impl Run {
    /// Reads `file` and creates its records.
    async fn import(&self, file: ImportFile) -> FileResult {
        let mut result = FileResult {
            name: file.name.clone(),
            sha256: None,
            bytes: file.size,
            status: FileStatus::Failed,
            records: 0,
            duplicates: 0,
            rejected: 0,
            attachments: 0,
            error: None,
        };
        let options = self.options.clone();
        let read = match tokio::task::spawn_blocking(move || read(file, &options)).await {
            Ok(Ok(read)) => read,
            Ok(Err(reason)) => {
                result.error = Some(reason);
                return result;
            }
            Err(error) => {
                tracing::error!(%error, file = result.name, "a file reader crashed");
                result.error = Some("the reader crashed on this file".to_owned());
                return result;
            }
        };
        let Read { sha256, records } = read;
        result.sha256 = Some(sha256.clone());
        let records = match records {
            Ok(records) => records,
            Err(error) => {
                result.error = Some(error.to_string());
                return result;
            }
        };
        let mut reasons = Vec::new();
        let sha256 = sha256.as_str();
        let mut stored = futures::stream::iter(records.into_iter().enumerate())
            .map(|(index, extracted)| async move {
                (index, self.store_record(sha256, index, extracted).await)
            })
            .buffered(RECORDS_IN_FLIGHT);
        while let Some((index, outcome)) = stored.next().await {
            match outcome {
                Stored::Created { attachments } => {
                    result.records += 1;
                    result.attachments += attachments;
                }
                Stored::Found => result.duplicates += 1,
                Stored::Refused(reason) => {
                    result.rejected += 1;
                    reasons.push(format!("record {}: {reason}", index + 1));
                }
                Stored::Failed(error) => {
                    tracing::error!(%error, file = result.name, "cannot store an imported record");
                    result.rejected += 1;
                    reasons.push(format!("record {}: cannot store it: {error}", index + 1));
                }
            }
        }
        let refused = reasons.len();
        if refused > 0 {
            reasons.truncate(MAX_REASONS);
            let mut error = reasons.join("; ");
            if refused > MAX_REASONS {
                error.push_str(&format!("; and {} more", refused - MAX_REASONS));
            }
            result.error = Some(error);
        }
        result.status = if result.records > 0 {
            FileStatus::Created
        } else if result.duplicates > 0 {
            FileStatus::Duplicate
        } else if result.rejected > 0 {
            FileStatus::Failed
        } else {
            // A file that holds no records, such as an empty spreadsheet, is read all the same.
            FileStatus::Created
        };
        result
    }

    /// Creates record `index` of the file whose SHA-256 is `sha256`, with its attachments, in
    /// one transaction.
    async fn store_record(&self, sha256: &str, index: usize, extracted: Extracted) -> Stored {
        let Extracted {
            mut record,
            attachments,
        } = extracted;
        if let Some(label) = &self.label {
            record.label = Some(label.clone());
        }
        let count = attachments.len() as u64;
        let attachments = attachments
            .into_iter()
            .map(|file| (file.name, file.media_type, file.bytes))
            .collect();
        // The content decides: the same file again, under any name, finds its records. The
        // request hash is left empty so a later import with another label finds them too.
        let key = IdempotencyKey {
            key: format!("file:{sha256}:{index}"),
            request_hash: String::new(),
        };
        let created = self
            .store
            .create_with_attachments(
                &self.writer,
                record,
                Channel::Import,
                attachments,
                Some(key),
                (self.clock)(),
            )
            .await;
        match created {
            Ok(created) if created.replayed => Stored::Found,
            Ok(_) => Stored::Created { attachments: count },
            Err(error @ (humdex_store::Error::Invalid(_) | humdex_store::Error::Denied(_))) => {
                Stored::Refused(error.to_string())
            }
            Err(error) => Stored::Failed(error),
        }
    }
}

/// Loads and reads `file`, on a blocking thread. Errs with the reason when it cannot be loaded.
fn read(file: ImportFile, options: &Options) -> Result<Read, String> {
    let bytes = match file.content {
        Content::InMemory(bytes) => bytes,
        Content::OnDisk(path) => {
            // Checked before loading, so that a huge file is refused without filling memory.
            let limit = options.limits.max_file_bytes;
            if file.size > limit {
                return Err(format!(
                    "the file is larger than the limit of {limit} bytes for one file"
                ));
            }
            #[expect(
                clippy::disallowed_methods,
                reason = "a path the operator named, read when its turn comes"
            )]
            let bytes = std::fs::read(&path);
            bytes.map_err(|error| format!("cannot read the file: {error}"))?
        }
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    // Readers name attachments after the file: its own name, without the folders.
    let name = file
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&file.name)
        .to_owned();
    let media_type = humdex_ingest::detect(&name, &bytes)
        .map_or("application/octet-stream", Format::media_type)
        .to_owned();
    let file = humdex_ingest::File {
        name,
        media_type,
        bytes,
    };
    let records = humdex_ingest::read(&file, options);
    Ok(Read { sha256, records })
}

/// The parts of an import upload (`multipart/form-data`).
#[derive(ToSchema)]
pub struct ImportForm {
    /// The files: one part each, named `file`, with a file name.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<ImportFile>,
    /// How spreadsheet and CSV columns map to record fields, as JSON; guessed from the header
    /// row when absent.
    #[schema(value_type = Option<Object>)]
    mapping: Option<ColumnMapping>,
    /// An access expression put on every record created, such as `LE&VICTIM_PII`.
    #[schema(value_type = Option<String>)]
    label: Option<Label>,
}

/// What starting an import answers.
#[derive(Serialize, ToSchema)]
pub struct ImportStarted {
    /// The job's id.
    job: Uuid,
    /// Where to follow it.
    status_url: String,
}

fn multipart_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::Invalid {
            message: error.body_text(),
            field: None,
        }
    }
}

async fn text(field: Field<'_>, name: &str) -> Result<String, ApiError> {
    let bytes = field.bytes().await.map_err(multipart_error)?;
    String::from_utf8(bytes.into())
        .map_err(|_| ApiError::invalid(name, format!("the {name} part is not UTF-8 text")))
}

impl ImportForm {
    async fn read(mut multipart: Multipart) -> Result<Self, ApiError> {
        let mut form = Self {
            file: Vec::new(),
            mapping: None,
            label: None,
        };
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name().unwrap_or_default() {
                "file" => {
                    let name = field
                        .file_name()
                        .filter(|name| !name.trim().is_empty())
                        .map_or_else(|| format!("file {}", form.file.len() + 1), str::to_owned);
                    let bytes = field.bytes().await.map_err(multipart_error)?;
                    form.file.push(ImportFile::in_memory(name, bytes.into()));
                }
                "mapping" => {
                    let mapping = text(field, "mapping").await?;
                    form.mapping = Some(
                        serde_json::from_str(&mapping)
                            .map_err(|error| ApiError::invalid("mapping", error.to_string()))?,
                    );
                }
                "label" => {
                    let label = text(field, "label").await?;
                    form.label = Some(label.trim().parse().map_err(
                        |error: humdex_model::LabelError| {
                            ApiError::invalid("label", error.to_string())
                        },
                    )?);
                }
                other => {
                    return Err(ApiError::invalid(
                        other,
                        "the parts are `file` (one or more), `mapping` and `label`",
                    ));
                }
            }
        }
        if form.file.is_empty() {
            return Err(ApiError::invalid("file", "send at least one `file` part"));
        }
        Ok(form)
    }
}

/// Imports files: emails (`.eml`, `.mbox`), PDFs, Word documents, spreadsheets and CSV, photos,
/// JSON and text. Answers `202` at once with the job to follow; the files are read and their
/// records created in the background, each record with its attachments. A file imported before
/// (same SHA-256) creates nothing again; a file that cannot be read fails alone.
#[utoipa::path(post, path = "/api/v1/import", tag = "records", security(("bearer" = [])),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 202, body = ImportStarted), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn start_import(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    caller.require_scope(Scope::RecordsWrite)?;
    let multipart = multipart.map_err(|rejection| ApiError::Invalid {
        message: rejection.body_text(),
        field: None,
    })?;
    let form = ImportForm::read(multipart).await?;
    let writer = caller.reader();
    if let Some(label) = &form.label {
        state.store.check_label(&writer, "label", label).await?;
    }
    let id = Uuid::now_v7();
    let detail = json!({
        "files": form.file.iter().map(|file| json!({"name": file.name, "bytes": file.size})).collect::<Vec<_>>(),
        "label": form.label,
    });
    // Audited before it starts: an import that cannot be audited does not run.
    state
        .audit(
            caller.name(),
            "import.start",
            &id.to_string(),
            Outcome::Success,
            Some(caller.address().to_string()),
            detail,
        )
        .await?;
    let batch = ImportBatch {
        files: form.file,
        options: Options {
            mapping: form.mapping,
            ..Options::default()
        },
        label: form.label,
    };
    let run = state.imports.start(
        id,
        state.store.clone(),
        writer,
        batch,
        state.clock.clone(),
        |_, _| {},
    );
    tokio::spawn(run);
    let status_url = format!("/api/v1/jobs/{id}");
    let location = HeaderValue::try_from(&status_url).map_err(|_| ApiError::Internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(LOCATION, location)],
        Json(ImportStarted {
            job: id,
            status_url,
        }),
    )
        .into_response())
}

/// An import job: its progress, rates and time left while it runs, and each file's result.
/// Only whoever started it, and admins, may read it.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ImportJob), (status = 404, body = ErrorBody)))]
async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ImportJob>, ApiError> {
    state
        .imports
        .get(id)
        .filter(|job| caller.is_admin() || job.started_by == caller.name())
        .map(Json)
        .ok_or(ApiError::NotFound)
}

pub(crate) fn routes(max_import_bytes: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(start_import))
        .layer(DefaultBodyLimit::max(max_import_bytes));
    OpenApiRouter::new().routes(routes!(get_job)).merge(uploads)
}
