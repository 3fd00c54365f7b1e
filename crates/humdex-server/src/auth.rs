//! Who is calling: password hashing, sign-in and sign-out, and the [`Caller`] extractor that
//! every authenticated handler takes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use humdex_model::{Role, User};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::JsonBody;

/// The cookie that carries the session token for the browser UI.
const SESSION_COOKIE: &str = "humdex_session";
/// A session ends after this long without use.
const IDLE_LIMIT: SignedDuration = SignedDuration::from_mins(30);
/// A session ends this long after sign-in, however busy.
const AGE_LIMIT: SignedDuration = SignedDuration::from_hours(12);
/// How stale a session's last-seen time may get before a request refreshes it: refreshing on
/// every request would turn every read into a write.
const TOUCH_INTERVAL: SignedDuration = SignedDuration::from_secs(60);

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| {
            tracing::error!(%error, "password hashing failed");
            ApiError::Internal
        })
}

/// Checks a password against a PHC hash.
fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The signed-in user making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who they are.
    pub user: User,
    token_hash: String,
}

impl Caller {
    /// The caller's username, as the journal names actors.
    pub fn name(&self) -> &str {
        self.user.username.as_str()
    }

    /// Fails unless the caller's role works records.
    pub fn must_work_records(&self) -> Result<(), ApiError> {
        if self.user.role.works_records() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role cannot do this",
                self.user.role
            )))
        }
    }

    /// Partners see only the records they submitted: for them, their own name.
    pub fn only_own_records(&self) -> Option<&str> {
        (self.user.role == Role::Partner).then(|| self.name())
    }

    /// Whether the caller may see a record created by `creator`.
    pub fn may_read_record_of(&self, creator: &str) -> bool {
        self.only_own_records().is_none_or(|own| own == creator)
    }
}

fn presented_token(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    bearer.or_else(|| {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == SESSION_COOKIE)
            .map(|cookie| cookie.value().to_owned())
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    #[tracing::instrument(skip_all)]
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = presented_token(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let token_hash = token_hash(&token);
        let session = state
            .store
            .session(&token_hash)
            .await
            .map_err(|error| match error {
                humdex_store::Error::NotFound => ApiError::Unauthenticated,
                other => other.into(),
            })?;
        let now = state.now();
        if now.duration_since(session.last_seen) > IDLE_LIMIT
            || now.duration_since(session.created) > AGE_LIMIT
        {
            state.store.end_session(&token_hash).await?;
            return Err(ApiError::SessionExpired);
        }
        if now.duration_since(session.last_seen) > TOUCH_INTERVAL {
            state.store.touch_session(&token_hash, now).await?;
        }
        Ok(Self {
            user: session.user,
            token_hash,
        })
    }
}

/// A sign-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// When the session ends at the latest (it ends sooner after 30 idle minutes).
    #[schema(value_type = String, format = DateTime)]
    expires: Timestamp,
    /// Who signed in.
    user: User,
}

/// Signs in with a username and password; answers a bearer token and sets a session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    body: JsonBody<Login>,
) -> Result<impl IntoResponse, ApiError> {
    let Login { username, password } = body.value;
    let credentials = match state.store.credentials(&username).await {
        Ok((user, hash)) => Some((user, hash)),
        Err(humdex_store::Error::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    // Verify against a real hash even for an unknown user, so timing does not tell who exists.
    let hash = credentials
        .as_ref()
        .map_or_else(|| state.decoy_hash.clone(), |(_, hash)| hash.clone());
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|_| ApiError::Internal)?;
    let user = match credentials {
        Some((user, _)) if verified => user,
        _ => return Err(ApiError::BadCredentials),
    };
    let now = state.now();
    state
        .store
        .end_expired_sessions(now - IDLE_LIMIT, now - AGE_LIMIT)
        .await?;
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    state
        .store
        .start_session(&token_hash(&token), user.username.as_str(), now)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        AGE_LIMIT.as_secs()
    );
    Ok((
        AppendHeaders([(SET_COOKIE, cookie)]),
        Json(LoginResponse {
            token,
            expires: now + AGE_LIMIT,
            user,
        }),
    ))
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    state.store.end_session(&caller.token_hash).await?;
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, expired)]),
    ))
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Json<User> {
    Json(caller.user)
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// A decoy hash for unknown users: the hash of a random password.
pub(crate) fn decoy_hash() -> Result<String, ApiError> {
    hash_password(&URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>()))
}
