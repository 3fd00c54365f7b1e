//! API tokens for machines, presented as `Authorization: Bearer hdx_…`. A token carries its
//! user's rights, limited to its [`Scope`]s, until it expires or is revoked; it stops working
//! while its user is disabled. The secret is shown once, at creation, and stored as its SHA-256.
//!
//! Any signed-in user creates tokens for themselves, from a session (a token cannot make
//! tokens); an admin may create one for another user (a service account). Users list and revoke
//! their own tokens; admins list and revoke everyone's.
//!
//! Which scope a route needs is decided here, in one table ([`TokenRule::of`]), so that handlers
//! need not say: a route the table does not name is closed to tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use humdex_model::Username;
use humdex_store::{ApiToken, NewApiToken};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{API_TOKEN_PREFIX, Caller, random_token, token_hash};
use crate::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, JsonBody};

/// How far ahead a token may expire.
const MAX_LIFETIME: SignedDuration = SignedDuration::from_hours(366 * 24);
/// The longest token name.
const MAX_NAME_CHARS: usize = 100;

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Read records, their versions and attachments.
    #[serde(rename = "records:read")]
    RecordsRead,
    /// Create, edit, move and claim records, and attach files.
    #[serde(rename = "records:write")]
    RecordsWrite,
    /// Read the journal and the dashboard.
    #[serde(rename = "journal:read")]
    JournalRead,
    /// List pools.
    #[serde(rename = "pools:read")]
    PoolsRead,
    /// Create pools and change their members.
    #[serde(rename = "pools:write")]
    PoolsWrite,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::RecordsRead,
        Scope::RecordsWrite,
        Scope::JournalRead,
        Scope::PoolsRead,
        Scope::PoolsWrite,
    ];

    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecordsRead => "records:read",
            Self::RecordsWrite => "records:write",
            Self::JournalRead => "journal:read",
            Self::PoolsRead => "pools:read",
            Self::PoolsWrite => "pools:write",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// Stored scope names as scopes. A name this build does not know grants nothing.
pub(super) fn parse_scopes(names: &[String]) -> Vec<Scope> {
    names
        .iter()
        .filter_map(|name| {
            let scope = Scope::from_name(name);
            if scope.is_none() {
                tracing::warn!(name, "an API token names an unknown scope");
            }
            scope
        })
        .collect()
}

/// What an API token needs to call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenRule {
    /// Any token may.
    Open,
    /// A token with this scope may.
    Needs(Scope),
    /// No token may: sign-in, accounts, second factors, tokens and anything not named here.
    SessionsOnly,
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl TokenRule {
    /// The rule for `method` on the route `path` (its pattern, such as `/api/v1/records/{id}`).
    /// New areas add their line here; until they do, tokens cannot reach them.
    pub(super) fn of(method: &Method, path: &str) -> Self {
        let read = method.is_safe();
        if path == "/api/v1/auth/me" || path == "/api/v1/me" {
            Self::Open
        } else if under(path, "/api/v1/records")
            || (read && (under(path, "/api/v1/queue") || path == "/api/v1/workflow"))
        {
            Self::Needs(if read {
                Scope::RecordsRead
            } else {
                Scope::RecordsWrite
            })
        } else if under(path, "/api/v1/import") {
            Self::Needs(Scope::RecordsWrite)
        } else if (read && (under(path, "/api/v1/jobs") || under(path, "/api/v1/attachments")))
            || path == "/api/v1/images/match"
        {
            // Matching an uploaded photo reads records; it stores nothing.
            Self::Needs(Scope::RecordsRead)
        } else if [
            "/api/v1/graph",
            "/api/v1/map",
            "/api/v1/layers",
            "/api/v1/tracks",
        ]
        .iter()
        .any(|prefix| under(path, prefix))
        {
            // Charting and exporting a chart are reads, though posted.
            let reads =
                read || path == "/api/v1/graph/chart" || path == "/api/v1/graph/chart/export";
            Self::Needs(if reads {
                Scope::RecordsRead
            } else {
                Scope::RecordsWrite
            })
        } else if read && (under(path, "/api/v1/journal") || under(path, "/api/v1/dashboard")) {
            Self::Needs(Scope::JournalRead)
        } else if under(path, "/api/v1/pools") {
            Self::Needs(if read {
                Scope::PoolsRead
            } else {
                Scope::PoolsWrite
            })
        } else {
            Self::SessionsOnly
        }
    }
}

/// A token to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What it is for, such as `hotline bridge`.
    name: String,
    /// What it may do; at least one.
    scopes: Vec<Scope>,
    /// When it stops working: in the future, at most 366 days ahead.
    #[schema(value_type = String, format = DateTime)]
    expires: Timestamp,
    /// The user whose rights it carries (within its scopes); only admins may name another user.
    /// The caller by default.
    #[schema(value_type = Option<String>)]
    user: Option<Username>,
}

/// A token as listed; never its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    /// Its id, to revoke it by.
    id: String,
    /// What it is for.
    name: String,
    /// The user whose rights it carries.
    user: String,
    /// What it may do.
    scopes: Vec<Scope>,
    /// Who created it.
    created_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    created: Timestamp,
    /// When it stops working.
    #[schema(value_type = String, format = DateTime)]
    expires: Timestamp,
    /// When it was revoked, if it was.
    #[schema(value_type = Option<String>, format = DateTime)]
    revoked: Option<Timestamp>,
}

impl From<ApiToken> for TokenView {
    fn from(token: ApiToken) -> Self {
        Self {
            scopes: parse_scopes(&token.scopes),
            id: token.id,
            name: token.name,
            user: token.username,
            created_by: token.created_by,
            created: token.created,
            expires: token.expires,
            revoked: token.revoked,
        }
    }
}

/// A new token, with its secret.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// Send as `Authorization: Bearer <token>`. Shown only now.
    token: String,
    /// The token as it will be listed.
    #[serde(flatten)]
    details: TokenView,
}

/// Creates an API token and answers its secret, the only time it is shown. From a session only;
/// only admins may create one for another user.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let TokenRequest {
        name,
        mut scopes,
        expires,
        user,
    } = body.value;
    let user = user.unwrap_or_else(|| caller.user.username.clone());
    if user != caller.user.username {
        caller.must_be_admin()?;
    }
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(
            "name",
            format!("a token's name has 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    scopes.sort_by_key(|scope| scope.as_str());
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "name at least one scope"));
    }
    let now = state.now();
    if expires <= now || expires > now + MAX_LIFETIME {
        return Err(ApiError::invalid(
            "expires",
            "a token expires in the future, at most 366 days ahead",
        ));
    }
    let token = format!("{API_TOKEN_PREFIX}{}", random_token());
    let created = state
        .store
        .create_api_token(
            caller.name(),
            NewApiToken {
                token_hash: token_hash(&token),
                username: user,
                name,
                scopes: scopes
                    .iter()
                    .map(|scope| scope.as_str().to_owned())
                    .collect(),
                expires,
            },
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token,
            details: created.into(),
        }),
    ))
}

/// Lists the caller's API tokens, revoked and expired ones included; admins see everyone's.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let owner = (!caller.is_admin()).then(|| caller.name());
    let tokens = state.store.api_tokens(owner).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Revokes an API token: it stops working at once. Users revoke their own, admins anyone's.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let token = state.store.api_token(&id).await?;
    // Someone else's token is as unknown as a token that does not exist.
    if token.username != caller.name() && !caller.is_admin() {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .revoke_api_token(caller.name(), &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_scopes() {
        let rule = |method: Method, path: &str| TokenRule::of(&method, path);
        assert_eq!(
            rule(Method::GET, "/api/v1/records/{id}"),
            TokenRule::Needs(Scope::RecordsRead)
        );
        assert_eq!(
            rule(Method::POST, "/api/v1/records"),
            TokenRule::Needs(Scope::RecordsWrite)
        );
        assert_eq!(
            rule(Method::GET, "/api/v1/journal"),
            TokenRule::Needs(Scope::JournalRead)
        );
        assert_eq!(
            rule(Method::PUT, "/api/v1/pools/{name}"),
            TokenRule::Needs(Scope::PoolsWrite)
        );
        assert_eq!(rule(Method::GET, "/api/v1/auth/me"), TokenRule::Open);
        assert_eq!(
            rule(Method::GET, "/api/v1/recordsx"),
            TokenRule::SessionsOnly
        );
        assert_eq!(
            rule(Method::POST, "/api/v1/tokens"),
            TokenRule::SessionsOnly
        );
        for scope in Scope::ALL {
            assert_eq!(
                serde_json::to_value(scope).unwrap(),
                serde_json::Value::String(scope.as_str().to_owned())
            );
        }
    }
}
