//! The one place where failures become HTTP responses: `{"error": {"code", "message", "field"?}}`.
//! Bodies carry no internal detail; those go to the log.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use humdex_model::State;
use serde::Serialize;
use utoipa::ToSchema;

/// A failed API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid session came with the request.
    #[error("sign in first: send `Authorization: Bearer <token>` from POST /api/v1/auth/login")]
    Unauthenticated,
    /// The session has ended through idleness or age.
    #[error("your session has expired; sign in again")]
    SessionExpired,
    /// Wrong username or password.
    #[error("wrong username or password")]
    BadCredentials,
    /// The API token has expired.
    #[error("this API token has expired; ask for a new one")]
    TokenExpired,
    /// The second step of a sign-in failed: a wrong or used code, or an unknown or expired
    /// challenge. The challenge is used up either way.
    #[error("the code is wrong or this sign-in has expired; sign in again")]
    BadSecondFactor,
    /// Too many failed sign-ins for the account or from the address. Says the same whether or
    /// not the account exists.
    #[error("too many failed sign-ins; try again in {} minutes", retry_after_secs.div_ceil(60))]
    TooManyFailures {
        /// Seconds until an attempt may succeed again.
        retry_after_secs: u64,
    },
    /// Too many requests from the address.
    #[error("too many requests; retry in {retry_after_secs} seconds")]
    RateLimited {
        /// Seconds until the next request is allowed.
        retry_after_secs: u64,
    },
    /// The caller's role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The caller may not write what they asked to `field` (a label above their clearance).
    #[error("{field}: {message}")]
    DeniedAt {
        /// Why.
        message: String,
        /// The dotted path of the member refused.
        field: String,
    },
    /// The caller's role must use a second factor and they have none: until they enrol, their
    /// session may only enrol one.
    #[error("your role requires a second factor: enrol with POST /api/v1/auth/mfa/enroll first")]
    MfaEnrollmentRequired,
    /// The request came with an API token whose scopes do not cover it.
    #[error("this API token's scopes do not allow this request")]
    InsufficientScope,
    /// A state-changing request signed by the session cookie came without the session's CSRF
    /// token, or from another site.
    #[error("send the X-CSRF-Token header from sign-in (or GET /api/v1/auth/me) with this request")]
    Csrf,
    /// The password or code given to confirm a sensitive change is wrong.
    #[error("the password or code is wrong")]
    ReauthenticationFailed,
    /// Nothing by that id, or nothing the caller may see.
    #[error("not found")]
    NotFound,
    /// The request is malformed or breaks a rule.
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// The dotted path of the offending member.
        field: Option<String>,
    },
    /// A search query that does not parse.
    #[error("{message} (at character {position} of the query)")]
    InvalidQuery {
        /// The parameter or member that holds the query.
        field: &'static str,
        /// What is wrong.
        message: String,
        /// Where, in characters from the start of the query.
        position: usize,
        /// How many characters the problem spans.
        length: usize,
    },
    /// The body is not JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// The body is larger than allowed.
    #[error("the body is larger than this server accepts")]
    PayloadTooLarge,
    /// An edit came without `If-Match`.
    #[error("send If-Match with the version you edited")]
    PreconditionRequired,
    /// The edited version is stale.
    #[error("version {expected} is not current; the record is at version {current}")]
    VersionConflict {
        /// The version the caller edited.
        expected: i64,
        /// The current version.
        current: i64,
    },
    /// The workflow does not allow the move.
    #[error("a record in {from} cannot move to {to}; from {from} it can move to: {}", allowed(*from))]
    IllegalTransition {
        /// The record's state.
        from: State,
        /// The state asked for.
        to: State,
    },
    /// The request conflicts with the record's state.
    #[error("{0}")]
    Conflict(String),
    /// An idempotency key was reused with another request.
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    /// The store cannot be reached or has stopped writing; retrying later is safe.
    #[error("the service is unavailable; retry later")]
    Unavailable,
    /// A fault on our side.
    #[error("internal error")]
    Internal,
}

fn allowed(from: State) -> String {
    from.next()
        .iter()
        .map(|state| state.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
struct ErrorDetail {
    /// A stable, machine-readable code.
    code: &'static str,
    /// What went wrong, for a person.
    message: String,
    /// The offending member of the request, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// For a query that does not parse: where the problem starts, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
    /// For a query that does not parse: how many characters the problem spans.
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<usize>,
}

impl ApiError {
    /// An invalid request about member `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::SessionExpired => (StatusCode::UNAUTHORIZED, "session_expired"),
            Self::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            Self::TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
            Self::BadSecondFactor => (StatusCode::UNAUTHORIZED, "bad_second_factor"),
            Self::TooManyFailures { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_failures"),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Forbidden(_) | Self::DeniedAt { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            Self::MfaEnrollmentRequired => (StatusCode::FORBIDDEN, "mfa_enrollment_required"),
            Self::InsufficientScope => (StatusCode::FORBIDDEN, "insufficient_scope"),
            Self::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            Self::ReauthenticationFailed => (StatusCode::FORBIDDEN, "reauthentication_failed"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::InvalidQuery { .. } => (StatusCode::BAD_REQUEST, "invalid_query"),
            Self::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition_required")
            }
            Self::VersionConflict { .. } => (StatusCode::CONFLICT, "version_conflict"),
            Self::IllegalTransition { .. } => (StatusCode::CONFLICT, "illegal_transition"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::IdempotencyKeyReused => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
            }
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let (field, position, length) = match &self {
            Self::Invalid { field, .. } => (field.clone(), None, None),
            Self::DeniedAt { field, .. } => (Some(field.clone()), None, None),
            Self::InvalidQuery {
                field,
                position,
                length,
                ..
            } => (Some((*field).to_owned()), Some(*position), Some(*length)),
            _ => (None, None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
                field,
                position,
                length,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::TooManyFailures { retry_after_secs } | Self::RateLimited { retry_after_secs } =
            self
        {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<humdex_store::Error> for ApiError {
    fn from(error: humdex_store::Error) -> Self {
        use humdex_store::Error as Store;
        match error {
            Store::NotFound => Self::NotFound,
            Store::VersionConflict { expected, current } => {
                Self::VersionConflict { expected, current }
            }
            Store::IllegalTransition { from, to } => Self::IllegalTransition { from, to },
            Store::Invalid(invalid) => Self::Invalid {
                message: invalid.message,
                field: invalid.field,
            },
            Store::Denied(denied) => match denied.field {
                Some(field) => Self::DeniedAt {
                    message: denied.message,
                    field,
                },
                None => Self::Forbidden(denied.message),
            },
            Store::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            Store::NotPoolAssigned => {
                Self::Conflict("the record is not assigned to a pool".to_owned())
            }
            Store::NotPoolMember(pool) => {
                Self::Forbidden(format!("you are not a member of pool {pool}"))
            }
            Store::UserExists(name) => Self::Conflict(format!("user {name} exists already")),
            Store::WriterStopped | Store::Database(_) => {
                tracing::error!(%error, "store unavailable");
                Self::Unavailable
            }
            Store::UnsupportedUrl
            | Store::DataDir(_)
            | Store::Corrupt(_)
            | Store::Migrate(_)
            | Store::Projection(_) => {
                tracing::error!(%error, "store fault");
                Self::Internal
            }
        }
    }
}

impl From<humdex_model::InvalidInput> for ApiError {
    fn from(invalid: humdex_model::InvalidInput) -> Self {
        Self::Invalid {
            message: invalid.message,
            field: invalid.field,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::Invalid {
            message: rejection.body_text(),
            field: None,
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        // A malformed id names no record; answer as for any id we do not have.
        Self::NotFound
    }
}
