//! The journal, the dashboard's counters, and the node's health.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use humdex_model::{Change, Kind, Seq, State as WorkflowState};
use humdex_store::ProjectionRunner;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;

/// Paging through the journal.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    /// Entries after this sequence (default 0: from the start).
    after: Option<Seq>,
    /// Entries per page, 1 to 1000 (default 100).
    limit: Option<u32>,
}

/// A page of the journal.
#[derive(Serialize, ToSchema)]
pub struct JournalPage {
    /// The entries the caller may see, in order.
    changes: Vec<Change>,
    /// Pass as `after` for the next page: entries the caller may not see are skipped past.
    next_after: Seq,
    /// The highest sequence in the journal.
    head: Seq,
}

/// How far a projection has got.
#[derive(Serialize, ToSchema)]
pub struct ProjectionStatus {
    /// The projection.
    name: &'static str,
    /// The last journal sequence it applied.
    applied: Seq,
    /// How many sequence numbers it is behind the journal head.
    lag: Seq,
}

/// The dashboard's counters.
#[derive(Serialize, ToSchema)]
pub struct Dashboard {
    /// Records by workflow state, then by kind.
    #[schema(value_type = Object)]
    states: BTreeMap<WorkflowState, BTreeMap<Kind, i64>>,
    /// How current the counters are.
    projection: ProjectionStatus,
}

/// The node's health.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
    /// The highest journal sequence.
    journal_head: Seq,
    /// Every projection's position.
    projections: Vec<ProjectionStatus>,
}

/// Reads the journal in order: every change, with its sequence, actor and time.
#[utoipa::path(get, path = "/api/v1/journal", tag = "journal", security(("bearer" = [])), params(JournalQuery),
    responses((status = 200, body = JournalPage), (status = 403, body = ErrorBody)))]
async fn journal(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<JournalQuery>,
) -> Result<Json<JournalPage>, ApiError> {
    caller.must_work_records()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit is 1 to 1000"));
    }
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid(
            "after",
            "after is a journal sequence, 0 or more",
        ));
    }
    let head = state.store.journal_head().await?;
    let page = state
        .store
        .journal_for(&caller.reader(), after, limit)
        .await
        .map_err(ApiError::from);
    let (changes, read_to) = state
        .audit_read(&caller, "journal.read", "journal", page, |(changes, read_to)| {
            json!({"after": after, "read_to": read_to, "entries": changes.len()})
        })
        .await?;
    Ok(Json(JournalPage {
        changes,
        next_after: read_to,
        head,
    }))
}

fn status(runner: &ProjectionRunner, head: Seq) -> ProjectionStatus {
    let applied = runner.applied();
    ProjectionStatus {
        name: runner.name(),
        applied,
        lag: (head - applied).max(0),
    }
}

/// Counts records by workflow state and kind.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "journal", security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Dashboard>, ApiError> {
    caller.must_work_records()?;
    let counts = state.store.state_counts(&caller.reader()).await?;
    let projection = status(&state.state_counts, state.store.journal_head().await?);
    Ok(Json(Dashboard {
        states: counts.counts,
        projection,
    }))
}

/// Tells whether the node is up and how far its projections lag. Needs no sign-in.
#[utoipa::path(get, path = "/health", tag = "journal", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let journal_head = state.store.journal_head().await?;
    let backend = match state.store.backend() {
        humdex_store::Backend::Sqlite => "sqlite",
        humdex_store::Backend::Postgres => "postgres",
    };
    Ok(Json(Health {
        status: "ok",
        backend,
        journal_head,
        projections: [
            &state.state_counts,
            &state.analysis,
            &state.search,
            &state.image_runner,
            &state.graph_runner,
            &state.map_runner,
        ]
        .into_iter()
        .map(|runner| status(runner, journal_head))
        .collect(),
    }))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(journal))
        .routes(routes!(dashboard))
        .routes(routes!(health))
}
