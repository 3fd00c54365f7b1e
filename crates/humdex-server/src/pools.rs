//! Analyst pools: groups that records can be assigned to and members can claim from.

use axum::Json;
use axum::extract::State;
use humdex_model::Username;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, JsonBody};

/// A pool and its members.
#[derive(Serialize, ToSchema)]
pub struct Pool {
    /// The pool's name; assign records to it as `pool:NAME`.
    name: String,
    /// Usernames of its members.
    members: Vec<String>,
}

/// The members a pool should have.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolMembers {
    /// Usernames; each must be a user.
    #[schema(value_type = Vec<String>)]
    members: Vec<Username>,
}

/// Lists the pools.
#[utoipa::path(get, path = "/api/v1/pools", tag = "workflow", security(("bearer" = [])),
    responses((status = 200, body = Vec<Pool>)))]
async fn list_pools(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Pool>>, ApiError> {
    caller.must_work_records()?;
    let pools = state.store.pools().await?;
    Ok(Json(
        pools
            .into_iter()
            .map(|(name, members)| Pool { name, members })
            .collect(),
    ))
}

/// Creates a pool or replaces its members. For admins and supervisors.
#[utoipa::path(put, path = "/api/v1/pools/{name}", tag = "workflow", security(("bearer" = [])),
    request_body = PoolMembers, params(("name" = String, Path)),
    responses((status = 200, body = Pool), (status = 403, body = ErrorBody)))]
async fn put_pool(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<Username>,
    body: JsonBody<PoolMembers>,
) -> Result<Json<Pool>, ApiError> {
    if !caller.user.role.manages_pools() {
        return Err(ApiError::Forbidden(
            "only admins and supervisors manage pools".to_owned(),
        ));
    }
    let members = body.value.members;
    state
        .store
        .set_pool(caller.name(), name.as_str(), members.clone(), state.now())
        .await?;
    Ok(Json(Pool {
        name: name.to_string(),
        members: members.into_iter().map(String::from).collect(),
    }))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pools))
        .routes(routes!(put_pool))
}
