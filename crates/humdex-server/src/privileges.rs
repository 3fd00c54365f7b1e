//! Privileges over HTTP: the caller's own authorizations, the authorizations an admin has
//! defined, and granting them to users.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use humdex_model::{AuthorizationDefinition, Reader, RecordView, Role, Username};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::audit::outcome_of;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, JsonBody};

impl Caller {
    /// The caller as a reader of records: every read and write of records goes through it.
    pub fn reader(&self) -> Reader {
        Reader::new(&self.user).at_address(self.address().to_string())
    }
}

/// What the audit log keeps of one record a reader was shown: which version, and which fields and
/// attachments were withheld from them (so an audit can tell who saw a victim's name).
pub(crate) fn shown(view: &RecordView) -> Value {
    match view {
        RecordView::Full(visible) => json!({
            "id": visible.record().id,
            "version": visible.record().version,
            "withheld": visible.withheld_fields(),
            "withheld_attachments": visible.withheld_attachments(),
        }),
        RecordView::Pointer(pointer) => json!({"id": pointer.id, "pointer": true}),
    }
}

impl AppState {
    /// Audits a read by `caller` of `target` with its outcome and `detail`, before the answer
    /// goes out: a read that cannot be audited is not answered.
    pub(crate) async fn audit_read<T>(
        &self,
        caller: &Caller,
        action: &str,
        target: &str,
        result: Result<T, ApiError>,
        detail: impl FnOnce(&T) -> Value,
    ) -> Result<T, ApiError> {
        let outcome = outcome_of(&result);
        let detail = match &result {
            Ok(value) => detail(value),
            Err(error) => json!({"error": error.to_string()}),
        };
        let source = Some(caller.address().to_string());
        self.audit(caller.name(), action, target, outcome, source, detail)
            .await?;
        result
    }
}

/// Who the caller is and the privilege key they hold.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The login name.
    #[schema(value_type = String)]
    username: Username,
    /// Their role.
    role: Role,
    /// The authorizations they hold, which labels are checked against.
    authorizations: Vec<String>,
}

/// Who the caller is, with their authorizations.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Json<Me> {
    let mut authorizations = caller.user.authorizations;
    authorizations.sort();
    Json(Me {
        username: caller.user.username,
        role: caller.user.role,
        authorizations,
    })
}

/// An authorization to define.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthorization {
    /// The token labels will name, such as `VICTIM_PII`.
    name: String,
    /// What holding it means.
    description: String,
}

/// The authorizations labels may name (admins only).
#[utoipa::path(get, path = "/api/v1/authorizations", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<AuthorizationDefinition>), (status = 403, body = ErrorBody)))]
async fn list_authorizations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AuthorizationDefinition>>, ApiError> {
    caller.must_be_admin()?;
    Ok(Json(state.store.authorization_definitions().await?))
}

/// Defines an authorization, so labels may name it and users may be granted it (admins only).
#[utoipa::path(post, path = "/api/v1/authorizations", tag = "auth", security(("bearer" = [])),
    request_body = NewAuthorization,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn define_authorization(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewAuthorization>,
) -> Result<axum::http::StatusCode, ApiError> {
    caller.must_be_admin()?;
    let NewAuthorization { name, description } = body.value;
    state
        .store
        .define_authorization(caller.name(), &name, &description, state.now())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The authorizations a user is to hold.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Every authorization they hold from now on; each must be defined.
    authorizations: BTreeSet<String>,
}

/// What a grant changed.
#[derive(Serialize, ToSchema)]
pub struct Granted {
    /// Authorizations the user did not hold before.
    granted: Vec<String>,
    /// Authorizations the user no longer holds.
    revoked: Vec<String>,
}

/// Sets the authorizations a user holds (admins only). Takes effect on their next request.
#[utoipa::path(put, path = "/api/v1/users/{username}/authorizations", tag = "auth",
    security(("bearer" = [])), request_body = Grant, params(("username" = String, Path)),
    responses((status = 200, body = Granted), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_authorizations(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
    body: JsonBody<Grant>,
) -> Result<Json<Granted>, ApiError> {
    caller.must_be_admin()?;
    let (granted, revoked) = state
        .store
        .set_authorizations(
            caller.name(),
            &username,
            body.value.authorizations,
            state.now(),
        )
        .await?;
    Ok(Json(Granted { granted, revoked }))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_authorizations, define_authorization))
        .routes(routes!(set_authorizations))
}
