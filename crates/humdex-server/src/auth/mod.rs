//! Who is calling: password hashing, sign-in with an optional TOTP second factor (`login`,
//! `mfa`), lockout after failed sign-ins (`lockout`), accounts (`accounts`), API tokens and
//! their scopes (`tokens`), and the [`Caller`] extractor that every authenticated handler takes.
//!
//! A request is signed in one of three ways: a session token as `Authorization: Bearer …`, the
//! same token in the `humdex_session` cookie (for browsers; state-changing requests then also
//! need the CSRF token, see `csrf`), or an API token `Authorization: Bearer hdx_…`, limited to
//! its [`Scope`]s. The extractor enforces all of it centrally, so handlers only ask
//! role questions of the [`Caller`].

mod accounts;
mod lockout;
mod login;
mod mfa;
mod tokens;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use humdex_model::{Role, User};
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::ClientAddress;

pub use tokens::Scope;

/// The cookie that carries the session token for the browser UI.
const SESSION_COOKIE: &str = "humdex_session";
/// What API tokens start with, so the extractor tells them from session tokens.
const API_TOKEN_PREFIX: &str = "hdx_";
/// A session ends after this long without use.
const IDLE_LIMIT: SignedDuration = SignedDuration::from_mins(30);
/// A session ends this long after sign-in, however busy.
const AGE_LIMIT: SignedDuration = SignedDuration::from_hours(12);
/// How stale a session's last-seen time may get before a request refreshes it: refreshing on
/// every request would turn every read into a write.
const TOUCH_INTERVAL: SignedDuration = SignedDuration::from_secs(60);
/// The longest password accepted: argon2 takes any length, and a megabyte password would only
/// cost us time.
const MAX_PASSWORD_BYTES: usize = 1024;

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

/// Checks a password against a PHC hash off the async threads (argon2 is slow on purpose).
async fn password_matches(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|_| ApiError::Internal)
}

/// Hashes a password off the async threads.
async fn hash_password_blocking(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| ApiError::Internal)?
}

/// Refuses a new password shorter than 12 characters or longer than we take.
fn check_new_password(field: &str, password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 12 {
        return Err(ApiError::invalid(
            field,
            "a password has at least 12 characters",
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::invalid(
            field,
            format!("a password has at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The SHA-256 (hex) under which a session token, challenge or API token is stored: the
/// secrets are random, so a fast hash suffices, and a stolen table holds nothing usable.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 32 random bytes, URL-safe.
fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// How a request was signed in.
#[derive(Debug, Clone)]
enum Credential {
    /// A session, by bearer token or cookie.
    Session {
        /// The hash of the session token.
        token_hash: String,
        /// The user's role must use a second factor and they have none yet.
        must_enrol_mfa: bool,
    },
    /// An API token.
    ApiToken {
        /// The token's id.
        id: String,
        /// What it may do.
        scopes: Vec<Scope>,
    },
}

/// The signed-in user making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who they are.
    pub user: User,
    credential: Credential,
    /// Where the request came from, for the audit log.
    address: ClientAddress,
}

impl Caller {
    /// Where the request came from.
    pub fn address(&self) -> &ClientAddress {
        &self.address
    }

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

    /// Whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Fails unless the caller is an admin.
    pub fn must_be_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only admins can do this".to_owned()))
        }
    }

    /// Fails unless the caller may use `scope`: sessions may use every scope, API tokens only
    /// theirs. The extractor already checks the scope each route needs (see
    /// `tokens::TokenRule`); this is for handlers that need a further one.
    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        match &self.credential {
            Credential::Session { .. } => Ok(()),
            Credential::ApiToken { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Credential::ApiToken { .. } => Err(ApiError::InsufficientScope),
        }
    }

    /// The id of the API token the request came with, if it came with one.
    pub fn api_token_id(&self) -> Option<&str> {
        match &self.credential {
            Credential::ApiToken { id, .. } => Some(id),
            Credential::Session { .. } => None,
        }
    }

    /// The hash of the session token, for a request signed by a session.
    fn session_token_hash(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { token_hash, .. } => Some(token_hash),
            Credential::ApiToken { .. } => None,
        }
    }
}

/// A token as presented.
enum Presented {
    /// `Authorization: Bearer …`: sent on purpose, so no CSRF risk.
    Bearer(String),
    /// The session cookie, which a browser sends by itself.
    Cookie(String),
}

fn presented_token(headers: &HeaderMap) -> Option<Presented> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| Presented::Bearer(token.trim().to_owned()));
    bearer.or_else(|| {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == SESSION_COOKIE)
            .map(|cookie| Presented::Cookie(cookie.value().to_owned()))
    })
}

/// The routes a session may use while its user must still enrol a second factor.
const ENROLMENT_ROUTES: [&str; 5] = [
    "/api/v1/auth/mfa/enroll",
    "/api/v1/auth/mfa/confirm",
    "/api/v1/auth/mfa",
    "/api/v1/auth/me",
    "/api/v1/auth/logout",
];

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    #[tracing::instrument(skip_all)]
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or_else(|| parts.uri.path(), MatchedPath::as_str);
        let caller = match presented_token(&parts.headers).ok_or(ApiError::Unauthenticated)? {
            Presented::Bearer(token) if token.starts_with(API_TOKEN_PREFIX) => {
                api_token_caller(state, &token, &parts.method, route).await
            }
            Presented::Bearer(token) => session_caller(state, &token, route, None).await,
            Presented::Cookie(token) => {
                session_caller(state, &token, route, Some((&parts.method, &parts.headers))).await
            }
        }?;
        Ok(Caller {
            address: ClientAddress::from_parts(parts),
            ..caller
        })
    }
}

/// The caller of a session; `cookie` holds the request's method and headers when the session
/// came as the cookie, for the CSRF check.
async fn session_caller(
    state: &AppState,
    token: &str,
    route: &str,
    cookie: Option<(&Method, &HeaderMap)>,
) -> Result<Caller, ApiError> {
    let token_hash = token_hash(token);
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
    if let Some((method, headers)) = cookie {
        crate::csrf::check(method, headers, &token_hash)?;
    }
    let must_enrol_mfa = session.mfa_required && !session.mfa_enabled;
    if must_enrol_mfa && !ENROLMENT_ROUTES.contains(&route) {
        return Err(ApiError::MfaEnrollmentRequired);
    }
    if now.duration_since(session.last_seen) > TOUCH_INTERVAL {
        state.store.touch_session(&token_hash, now).await?;
    }
    Ok(Caller {
        user: session.user,
        credential: Credential::Session {
            token_hash,
            must_enrol_mfa,
        },
        address: ClientAddress(None),
    })
}

/// The caller of an API token, if its scopes allow `method route`.
async fn api_token_caller(
    state: &AppState,
    token: &str,
    method: &Method,
    route: &str,
) -> Result<Caller, ApiError> {
    let grant = state
        .store
        .api_token_grant(&token_hash(token))
        .await
        .map_err(|error| match error {
            humdex_store::Error::NotFound => ApiError::Unauthenticated,
            other => other.into(),
        })?;
    if grant.token.revoked.is_some() {
        return Err(ApiError::Unauthenticated);
    }
    if grant.token.expires <= state.now() {
        return Err(ApiError::TokenExpired);
    }
    let caller = Caller {
        user: grant.user,
        credential: Credential::ApiToken {
            scopes: tokens::parse_scopes(&grant.token.scopes),
            id: grant.token.id,
        },
        address: ClientAddress(None),
    };
    match tokens::TokenRule::of(method, route) {
        tokens::TokenRule::Open => {}
        tokens::TokenRule::Needs(scope) => caller.require_scope(scope)?,
        tokens::TokenRule::SessionsOnly => return Err(ApiError::InsufficientScope),
    }
    Ok(caller)
}

/// The routes of sign-in, accounts, second factors and API tokens; the sign-in routes are rate
/// limited per client address.
pub(crate) fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    let limited = OpenApiRouter::new()
        .merge(login::limited_routes())
        .merge(mfa::limited_routes())
        .merge(accounts::limited_routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.auth_limiter.clone(),
            crate::ratelimit::limit,
        ));
    OpenApiRouter::new()
        .merge(limited)
        .merge(login::routes())
        .merge(mfa::routes())
        .merge(accounts::routes())
        .merge(tokens::routes())
}

/// A decoy hash for unknown users: the hash of a random password.
pub(crate) fn decoy_hash() -> Result<String, ApiError> {
    hash_password(&URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>()))
}
