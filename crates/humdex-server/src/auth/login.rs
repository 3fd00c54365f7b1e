//! Sign-in, in one step or two: `POST /api/v1/auth/login` checks the password and either starts
//! a session or, for a user with a second factor, answers a challenge that
//! `POST /api/v1/auth/mfa` redeems with a TOTP or recovery code. Also sign-out and `me`.
//!
//! Every attempt, at either step, ends in one [`Outcome`], and every outcome passes through
//! [`settle`]: the one place that counts failures toward lockout, and the place for the audit
//! log to record sign-ins.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Response};
use humdex_audit::Outcome as AuditOutcome;
use humdex_model::User;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mfa::{self, Factor};
use super::{
    AGE_LIMIT, API_TOKEN_PREFIX, Caller, Credential, IDLE_LIMIT, SESSION_COOKIE, Scope, lockout,
    password_matches, random_token, token_hash,
};
use crate::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ClientAddress, JsonBody};

/// How long a challenge waits for its second factor.
const CHALLENGE_LIFETIME: SignedDuration = SignedDuration::from_mins(5);

/// A sign-in attempt: the account it names (as typed, known or not) and where it comes from.
#[derive(Debug)]
pub(crate) struct Attempt<'a> {
    /// The account, when the attempt names one: a second step with an unknown challenge does not.
    pub account: Option<&'a str>,
    /// The client.
    pub address: ClientAddress,
    /// Which step of the sign-in.
    pub step: Step,
}

/// The steps of a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Username and password.
    Password,
    /// The second factor, against a challenge.
    SecondFactor,
}

/// How a sign-in attempt ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Signed in: a session starts.
    Granted {
        /// Who.
        user: User,
        /// With what, last.
        factor: Factor,
    },
    /// The password was right and a second factor is needed.
    ChallengeIssued(User),
    /// Refused: wrong password, unknown or disabled account, wrong or reused code, unknown or
    /// expired challenge. Counts toward lockout.
    Refused,
    /// Refused unchecked, for earlier failures; `retry_after` is how long until one may succeed.
    LockedOut {
        /// How long the lockout lasts still.
        retry_after: SignedDuration,
    },
}

/// Books the outcome of a sign-in attempt: failures count toward lockout of the account and
/// the address, a granted sign-in forgives the account's failures. Every attempt ends here.
async fn settle(
    state: &AppState,
    attempt: &Attempt<'_>,
    outcome: Outcome,
    now: Timestamp,
) -> Result<Outcome, ApiError> {
    match &outcome {
        Outcome::Refused => lockout::count_failure(state, attempt, now).await?,
        Outcome::Granted { user, .. } => lockout::forgive(state, user.username.as_str()).await?,
        Outcome::ChallengeIssued(_) | Outcome::LockedOut { .. } => {}
    }
    let result = match &outcome {
        Outcome::Granted { factor, .. } => factor.as_str(),
        Outcome::ChallengeIssued(_) => "challenge_issued",
        Outcome::Refused => "refused",
        Outcome::LockedOut { .. } => "locked_out",
    };
    tracing::info!(
        target: "humdex::sign_in",
        account = attempt.account,
        address = %attempt.address,
        step = ?attempt.step,
        result,
        "sign-in attempt"
    );
    let (action, audited) = match attempt.step {
        Step::Password => ("auth.login", "password"),
        Step::SecondFactor => ("auth.mfa", "second_factor"),
    };
    let verdict = match &outcome {
        Outcome::Granted { .. } | Outcome::ChallengeIssued(_) => AuditOutcome::Success,
        Outcome::Refused => AuditOutcome::Failure,
        Outcome::LockedOut { .. } => AuditOutcome::Denied,
    };
    let account = attempt.account.unwrap_or("anonymous");
    state
        .audit(
            account,
            action,
            account,
            verdict,
            Some(attempt.address.to_string()),
            json!({"step": audited, "result": result}),
        )
        .await?;
    Ok(outcome)
}

/// The password step.
async fn password_step(
    state: &AppState,
    address: ClientAddress,
    username: &str,
    password: String,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let attempt = Attempt {
        account: Some(username),
        address,
        step: Step::Password,
    };
    if let Some(retry_after) = lockout::locked_for(state, &attempt, now).await? {
        return settle(state, &attempt, Outcome::LockedOut { retry_after }, now).await;
    }
    let details = match state.store.sign_in_details(username).await {
        Ok(details) => Some(details),
        Err(humdex_store::Error::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    // Verify against a real hash even for an unknown user, so timing does not tell who exists.
    let hash = details
        .as_ref()
        .map_or_else(|| state.decoy_hash.clone(), |(_, hash)| hash.clone());
    let verified = password_matches(password, hash).await?;
    let outcome = match details {
        Some((account, _)) if verified && !account.disabled => {
            if account.mfa_enabled {
                Outcome::ChallengeIssued(account.user)
            } else {
                Outcome::Granted {
                    user: account.user,
                    factor: Factor::Password,
                }
            }
        }
        _ => Outcome::Refused,
    };
    settle(state, &attempt, outcome, now).await
}

/// The second-factor step.
async fn second_factor_step(
    state: &AppState,
    address: ClientAddress,
    challenge: &str,
    code: &str,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let anonymous = Attempt {
        account: None,
        address,
        step: Step::SecondFactor,
    };
    // The address first: taking the challenge uses it up.
    if let Some(retry_after) = lockout::locked_for(state, &anonymous, now).await? {
        return settle(state, &anonymous, Outcome::LockedOut { retry_after }, now).await;
    }
    let Some(username) = state
        .store
        .take_mfa_challenge(&token_hash(challenge), now)
        .await?
    else {
        return settle(state, &anonymous, Outcome::Refused, now).await;
    };
    let attempt = Attempt {
        account: Some(&username),
        ..anonymous
    };
    if let Some(retry_after) = lockout::locked_for(state, &attempt, now).await? {
        return settle(state, &attempt, Outcome::LockedOut { retry_after }, now).await;
    }
    let outcome = match mfa::verify_code(state, &username, code, now).await? {
        Some(factor) => {
            let account = state.store.account(&username).await?;
            if account.disabled {
                Outcome::Refused
            } else {
                Outcome::Granted {
                    user: account.user,
                    factor,
                }
            }
        }
        None => Outcome::Refused,
    };
    settle(state, &attempt, outcome, now).await
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
    /// For browsers signed in by the session cookie: send as `X-CSRF-Token` with every request
    /// that changes something.
    csrf_token: String,
    /// The user's role requires a second factor they have not enrolled yet: this session may
    /// only enrol one (`POST /api/v1/auth/mfa/enroll`).
    mfa_enrollment_required: bool,
}

/// The password was right; now the second factor.
#[derive(Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Always true.
    mfa_required: bool,
    /// Send with the code to `POST /api/v1/auth/mfa`; single use.
    challenge: String,
    /// When the challenge expires.
    #[schema(value_type = String, format = DateTime)]
    expires: Timestamp,
}

/// What a sign-in answers: a session, or a challenge for the second factor.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginReply {
    /// Signed in.
    Session(LoginResponse),
    /// A second factor is needed.
    Challenge(MfaChallenge),
}

/// The second step of a sign-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactor {
    /// The challenge from `POST /api/v1/auth/login`.
    challenge: String,
    /// A 6-digit TOTP code, or one of the recovery codes (used up by this).
    code: String,
}

/// Answers an outcome: a session, a challenge, or the error.
async fn reply(state: &AppState, outcome: Outcome, step: Step) -> Result<Response, ApiError> {
    let now = state.now();
    match outcome {
        Outcome::Granted { user, factor } => start_session(state, user, factor, now).await,
        Outcome::ChallengeIssued(user) => {
            let challenge = random_token();
            let expires = now + CHALLENGE_LIFETIME;
            state
                .store
                .start_mfa_challenge(
                    &token_hash(&challenge),
                    user.username.as_str(),
                    expires,
                    now,
                )
                .await?;
            Ok(Json(LoginReply::Challenge(MfaChallenge {
                mfa_required: true,
                challenge,
                expires,
            }))
            .into_response())
        }
        Outcome::Refused => Err(match step {
            Step::Password => ApiError::BadCredentials,
            Step::SecondFactor => ApiError::BadSecondFactor,
        }),
        Outcome::LockedOut { retry_after } => Err(ApiError::TooManyFailures {
            retry_after_secs: lockout::whole_seconds(retry_after),
        }),
    }
}

/// A session token; never one that looks like an API token.
fn new_session_token() -> String {
    loop {
        let token = random_token();
        if !token.starts_with(API_TOKEN_PREFIX) {
            return token;
        }
    }
}

async fn start_session(
    state: &AppState,
    user: User,
    factor: Factor,
    now: Timestamp,
) -> Result<Response, ApiError> {
    // Only a user without a second factor signs in with the password alone.
    let mfa_enrollment_required =
        factor == Factor::Password && state.store.mfa_policy().await?.contains(&user.role);
    state
        .store
        .end_expired_sessions(now - IDLE_LIMIT, now - AGE_LIMIT)
        .await?;
    let token = new_session_token();
    let hash = token_hash(&token);
    state
        .store
        .start_session(&hash, user.username.as_str(), now)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        AGE_LIMIT.as_secs()
    );
    Ok((
        AppendHeaders([(SET_COOKIE, cookie)]),
        Json(LoginReply::Session(LoginResponse {
            token,
            expires: now + AGE_LIMIT,
            user,
            csrf_token: crate::csrf::token_for(&hash),
            mfa_enrollment_required,
        })),
    )
        .into_response())
}

/// Signs in with a username and password. Answers a session (a bearer token, and a session
/// cookie for browsers), or for a user with a second factor `{"mfa_required": true, "challenge"}`
/// to complete with `POST /api/v1/auth/mfa`. After 5 failures in 15 minutes for the account or
/// from the address, sign-ins are refused with 429 for the rest of the 15 minutes.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = LoginReply), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    address: ClientAddress,
    body: JsonBody<Login>,
) -> Result<Response, ApiError> {
    let Login { username, password } = body.value;
    let outcome = password_step(&state, address, &username, password).await?;
    reply(&state, outcome, Step::Password).await
}

/// Completes a sign-in with its second factor: a TOTP code or a recovery code. The challenge is
/// used up whatever the result; a wrong code counts toward lockout like a wrong password.
#[utoipa::path(post, path = "/api/v1/auth/mfa", tag = "auth", request_body = SecondFactor,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn second_factor(
    State(state): State<AppState>,
    address: ClientAddress,
    body: JsonBody<SecondFactor>,
) -> Result<Response, ApiError> {
    let SecondFactor { challenge, code } = body.value;
    let outcome = second_factor_step(&state, address, &challenge, &code).await?;
    reply(&state, outcome, Step::SecondFactor).await
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let Some(token_hash) = caller.session_token_hash() else {
        return Err(ApiError::InsufficientScope);
    };
    state.store.end_session(token_hash).await?;
    state
        .audit(
            caller.name(),
            "auth.logout",
            caller.name(),
            AuditOutcome::Success,
            Some(caller.address().to_string()),
            json!({}),
        )
        .await?;
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, expired)]),
    ))
}

/// The caller, and what their credential allows.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Who they are.
    #[serde(flatten)]
    user: User,
    /// For a session: the CSRF token to send as `X-CSRF-Token` with cookie-signed requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
    /// For a session: whether it may only enrol a second factor until one is enrolled.
    #[serde(skip_serializing_if = "Option::is_none")]
    mfa_enrollment_required: Option<bool>,
    /// For an API token: its scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<Scope>>,
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Json<Me> {
    let (csrf_token, mfa_enrollment_required, scopes) = match &caller.credential {
        Credential::Session {
            token_hash,
            must_enrol_mfa,
        } => (
            Some(crate::csrf::token_for(token_hash)),
            Some(*must_enrol_mfa),
            None,
        ),
        Credential::ApiToken { scopes, .. } => (None, None, Some(scopes.clone())),
    };
    Json(Me {
        user: caller.user,
        csrf_token,
        mfa_enrollment_required,
        scopes,
    })
}

/// The sign-in steps, to be rate limited.
pub(super) fn limited_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(second_factor))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logout))
        .routes(routes!(me))
}
