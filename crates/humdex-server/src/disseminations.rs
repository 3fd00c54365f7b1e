//! Dissemination over HTTP: releasing a record to users and pools, the record's release list,
//! and each user's queue of what was released to them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use humdex_model::{Dissemination, NewDissemination, Record, RecordId, RecordView};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, JsonBody};
use crate::privileges::shown;

/// Releases the record's current version to users and pools, for a purpose and under a
/// handling code. Every recipient must be able to read the record; each sees only the fields
/// their clearance allows. Recorded in the journal and the audit log.
#[utoipa::path(post, path = "/api/v1/records/{id}/disseminate", tag = "workflow",
    security(("bearer" = [])), request_body = NewDissemination, params(("id" = String, Path)),
    responses((status = 201, body = Vec<Dissemination>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn disseminate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
    body: JsonBody<NewDissemination>,
) -> Result<(StatusCode, Json<Vec<Dissemination>>), ApiError> {
    caller.must_work_records()?;
    let released = state
        .store
        .disseminate(&caller.reader(), id, body.value, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(released)))
}

/// Every release of the record, oldest first.
#[utoipa::path(get, path = "/api/v1/records/{id}/disseminations", tag = "workflow",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<Dissemination>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn disseminations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Json<Vec<Dissemination>>, ApiError> {
    caller.must_work_records()?;
    let listed = state
        .store
        .disseminations(&caller.reader(), id)
        .await
        .map_err(ApiError::from);
    let listed = state
        .audit_read(
            &caller,
            "record.disseminations",
            &id.to_string(),
            listed,
            |listed| json!({"entries": listed.len()}),
        )
        .await?;
    Ok(Json(listed))
}

/// Paging of the queue.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Entries to return, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// A release to the caller and the record as they may see it now.
#[derive(Serialize, ToSchema)]
pub struct Received {
    /// The release.
    dissemination: Dissemination,
    /// The record, with the fields above the caller's clearance withheld.
    #[schema(value_type = Record)]
    record: RecordView,
}

/// What was released to the caller, directly or through their pools, newest first.
#[utoipa::path(get, path = "/api/v1/queue", tag = "workflow", security(("bearer" = [])),
    params(QueueQuery), responses((status = 200, body = Vec<Received>)))]
async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> Result<Json<Vec<Received>>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit is 1 to 500"));
    }
    let queue = state
        .store
        .queue(&caller.reader(), limit)
        .await
        .map_err(ApiError::from);
    let queue = state
        .audit_read(&caller, "queue.read", "queue", queue, |queue| {
            json!({"records": queue.iter().map(|(_, view)| shown(view)).collect::<Vec<_>>()})
        })
        .await?;
    Ok(Json(
        queue
            .into_iter()
            .map(|(dissemination, record)| Received {
                dissemination,
                record,
            })
            .collect(),
    ))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(disseminate))
        .routes(routes!(disseminations))
        .routes(routes!(queue))
}
