//! Records over HTTP: intake, reads, edits, workflow moves, claims and attachments.

use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use humdex_model::{
    Assignee, Attachment, Channel, Kind, Label, NewRecord, Record, RecordId, RecordPatch,
    RecordView, State as WorkflowState, VisibleRecord,
};
use humdex_store::{IdempotencyKey, RecordFilter};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, JsonBody, if_match, read_body};
use crate::privileges::shown;

/// What a write answers.
#[derive(Serialize, ToSchema)]
pub struct Written {
    /// The record's id.
    id: RecordId,
    /// Its version after the write.
    version: i64,
}

/// A page of records.
#[derive(Serialize, ToSchema)]
pub struct RecordList {
    /// The records, newest first: each as the caller may see it (fields above their clearance
    /// are `{"withheld": true}`; a pointer record shows only its id, kind, origin and point of
    /// contact).
    #[schema(value_type = Vec<Record>)]
    records: Vec<RecordView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<RecordId>,
}

/// Filters and paging for the record list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only records in this workflow state.
    #[param(value_type = Option<String>)]
    state: Option<WorkflowState>,
    /// Only records assigned to `user:NAME` or `pool:NAME`.
    #[param(value_type = Option<String>)]
    assignee: Option<Assignee>,
    /// Only reports or only requests.
    #[param(value_type = Option<String>)]
    kind: Option<Kind>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<String>)]
    cursor: Option<RecordId>,
    /// Records per page, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// A workflow move and/or a change of hands.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The state to move to.
    #[serde(default)]
    to: Option<WorkflowState>,
    /// `user:NAME` or `pool:NAME` to hand the record to, or `null` to unassign.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    assignee: Option<Option<Assignee>>,
}

fn present<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Assignee>>, D::Error> {
    Option::<Assignee>::deserialize(deserializer).map(Some)
}

/// The name of an uploaded file.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Upload {
    /// The file's name.
    filename: String,
    /// The access expression guarding the file, besides the record's label.
    #[param(value_type = Option<String>)]
    label: Option<Label>,
}

/// What an upload answers.
#[derive(Serialize, ToSchema)]
pub struct Attached {
    /// The stored attachment.
    attachment: Attachment,
    /// The record's version after the upload.
    version: i64,
}

fn idempotency_key(headers: &HeaderMap, body: &[u8]) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()))
        .ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                "an Idempotency-Key is 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(IdempotencyKey {
        key: key.to_owned(),
        request_hash: hex::encode(Sha256::digest(body)),
    }))
}

/// Takes in a report or a request. Answers once the record is durable. With an
/// `Idempotency-Key`, a retry answers the record the first attempt created.
#[utoipa::path(post, path = "/api/v1/records", tag = "records", security(("bearer" = [])),
    request_body = NewRecord,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses((status = 201, body = Written), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_record(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: JsonBody<NewRecord>,
) -> Result<Response, ApiError> {
    let idempotency = idempotency_key(&headers, &body.bytes)?;
    let created = state
        .store
        .create_record(
            &caller.reader(),
            body.value,
            Channel::Api,
            idempotency,
            state.now(),
        )
        .await?;
    let location = HeaderValue::try_from(format!("/api/v1/records/{}", created.id))
        .map_err(|_| ApiError::Internal)?;
    let mut response = (
        StatusCode::CREATED,
        [(LOCATION, location)],
        Json(Written {
            id: created.id,
            version: created.version,
        }),
    )
        .into_response();
    if created.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Lists records, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/records", tag = "records", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = RecordList), (status = 400, body = ErrorBody)))]
async fn list_records(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<RecordList>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit is 1 to 500"));
    }
    let filter = RecordFilter {
        state: query.state,
        assignee: query.assignee,
        kind: query.kind,
    };
    let page = state
        .store
        .records(&caller.reader(), &filter, query.cursor, limit)
        .await
        .map_err(ApiError::from);
    let page = state
        .audit_read(
            &caller,
            "records.list",
            "records",
            page,
            |page| json!({"records": page.records.iter().map(shown).collect::<Vec<_>>()}),
        )
        .await?;
    Ok(Json(RecordList {
        records: page.records,
        next_cursor: page.next_cursor,
    }))
}

/// One state of the workflow.
#[derive(Serialize, ToSchema)]
pub struct WorkflowStep {
    /// The state.
    state: WorkflowState,
    /// The states a record may move to from it.
    next: &'static [WorkflowState],
}

/// The workflow's states in order, each with the states a record may move to from it: the one
/// rule, for clients that offer the moves.
#[utoipa::path(get, path = "/api/v1/workflow", tag = "workflow", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkflowStep>)))]
async fn workflow(_caller: Caller) -> Json<Vec<WorkflowStep>> {
    Json(
        WorkflowState::ALL
            .iter()
            .map(|&state| WorkflowStep {
                state,
                next: state.next(),
            })
            .collect(),
    )
}

/// Reads a record as the caller may see it: fields above their clearance come back as
/// `{"withheld": true}`; a record above it is `404`, unless it is a pointer, which shows only its
/// id, kind, origin and point of contact. The `ETag` is the version, for `If-Match` on the next
/// edit.
#[utoipa::path(get, path = "/api/v1/records/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Record), (status = 404, body = ErrorBody)))]
async fn get_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Response, ApiError> {
    let view = state
        .store
        .record(&caller.reader(), id)
        .await
        .map_err(ApiError::from);
    let view = state
        .audit_read(&caller, "record.read", &id.to_string(), view, shown)
        .await?;
    let mut response = Json(&view).into_response();
    if let RecordView::Full(visible) = &view {
        let etag = HeaderValue::try_from(format!("\"{}\"", visible.record().version))
            .map_err(|_| ApiError::Internal)?;
        response.headers_mut().insert(ETAG, etag);
    }
    Ok(response)
}

/// Every version of a record the caller may see, oldest first: what it said, and when, before
/// each change.
#[utoipa::path(get, path = "/api/v1/records/{id}/versions", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<Record>), (status = 404, body = ErrorBody)))]
async fn record_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Json<Vec<VisibleRecord>>, ApiError> {
    let versions = state
        .store
        .record_versions(&caller.reader(), id)
        .await
        .map_err(ApiError::from);
    let versions = state
        .audit_read(
            &caller,
            "record.versions",
            &id.to_string(),
            versions,
            |versions| {
                json!({"versions": versions.iter().map(|visible| json!({
                "version": visible.record().version,
                "withheld": visible.withheld_fields(),
                "withheld_attachments": visible.withheld_attachments(),
            })).collect::<Vec<_>>()})
            },
        )
        .await?;
    Ok(Json(versions))
}

/// Edits a record. `If-Match` must carry the version edited; a stale one gets `409`.
#[utoipa::path(patch, path = "/api/v1/records/{id}", tag = "records", security(("bearer" = [])),
    request_body = RecordPatch,
    params(("id" = String, Path), ("If-Match" = String, Header, description = "the version edited")),
    responses((status = 200, body = Written), (status = 409, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn patch_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
    headers: HeaderMap,
    body: JsonBody<RecordPatch>,
) -> Result<Json<Written>, ApiError> {
    caller.must_work_records()?;
    let expected = if_match(&headers)?.ok_or(ApiError::PreconditionRequired)?;
    let version = state
        .store
        .update_record(&caller.reader(), id, expected, body.value, state.now())
        .await?;
    Ok(Json(Written { id, version }))
}

/// Moves a record along `intake → analysis → dissemination → archived` (and back to analysis),
/// and/or hands it to a user or a pool. `If-Match` is optional here.
#[utoipa::path(post, path = "/api/v1/records/{id}/transition", tag = "workflow", security(("bearer" = [])),
    request_body = Transition, params(("id" = String, Path)),
    responses((status = 200, body = Written), (status = 409, body = ErrorBody)))]
async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
    headers: HeaderMap,
    body: JsonBody<Transition>,
) -> Result<Json<Written>, ApiError> {
    caller.must_work_records()?;
    let Transition { to, assignee } = body.value;
    if to.is_none() && assignee.is_none() {
        return Err(ApiError::invalid(
            "to",
            "say where the record goes (`to`), who takes it (`assignee`), or both",
        ));
    }
    let expected = if_match(&headers)?;
    let version = state
        .store
        .transition(&caller.reader(), id, to, assignee, expected, state.now())
        .await?;
    Ok(Json(Written { id, version }))
}

/// Claims a record assigned to a pool the caller belongs to.
#[utoipa::path(post, path = "/api/v1/records/{id}/claim", tag = "workflow", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Written), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn claim(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Json<Written>, ApiError> {
    caller.must_work_records()?;
    let version = state.store.claim(&caller.reader(), id, state.now()).await?;
    Ok(Json(Written { id, version }))
}

/// Attaches a file: the body is the file, `Content-Type` its media type.
#[utoipa::path(post, path = "/api/v1/records/{id}/attachments", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path), Upload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attached), (status = 413, body = ErrorBody)))]
async fn upload_attachment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
    ApiQuery(upload): ApiQuery<Upload>,
    request: Request,
) -> Result<(StatusCode, Json<Attached>), ApiError> {
    let Upload { filename, label } = upload;
    if filename.is_empty()
        || filename.len() > 255
        || filename.contains(['/', '\\'])
        || filename.contains(char::is_control)
    {
        return Err(ApiError::invalid(
            "filename",
            "a file name is 1 to 255 characters without slashes",
        ));
    }
    let media_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let content = read_body(request, &state).await?;
    let (attachment, version) = state
        .store
        .attach(
            &caller.reader(),
            id,
            filename,
            media_type,
            label,
            content.to_vec(),
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Attached {
            attachment,
            version,
        }),
    ))
}

/// Downloads an attachment by its SHA-256.
#[utoipa::path(get, path = "/api/v1/records/{id}/attachments/{sha256}", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path), ("sha256" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, sha256)): ApiPath<(RecordId, String)>,
) -> Result<Response, ApiError> {
    let download = state
        .store
        .attachment(&caller.reader(), id, &sha256)
        .await
        .map_err(ApiError::from);
    let (attachment, content) = state
        .audit_read(
            &caller,
            "attachment.read",
            &id.to_string(),
            download,
            |(attachment, _)| json!({"sha256": attachment.sha256, "filename": attachment.filename}),
        )
        .await?;
    // Served as a download and never sniffed, so an uploaded page cannot run in our origin.
    let media_type = HeaderValue::try_from(attachment.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let filename = attachment.filename.replace('"', "");
    let disposition = HeaderValue::try_from(format!("attachment; filename=\"{filename}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (CONTENT_TYPE, media_type),
            (CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        Body::from(content),
    )
        .into_response())
}

pub(crate) fn routes(max_attachment_bytes: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload_attachment))
        .layer(DefaultBodyLimit::max(max_attachment_bytes));
    OpenApiRouter::new()
        .routes(routes!(create_record, list_records))
        .routes(routes!(get_record, patch_record))
        .routes(routes!(record_versions))
        .routes(routes!(transition))
        .routes(routes!(workflow))
        .routes(routes!(claim))
        .routes(routes!(download_attachment))
        .merge(uploads)
}
