//! The TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of clock
//! skew either way, and no time step accepted twice), its one-time recovery codes, and the
//! policy of roles that must use it.
//!
//! Enrolment takes two calls: `enroll` makes a secret and shows it (as an `otpauth://` URI and a
//! QR code), `confirm` turns it on once a code from the device matches, and answers the
//! recovery codes, the only time they are shown.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use humdex_model::{Role, Username};
use jiff::Timestamp;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Caller, password_matches};
use crate::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, JsonBody};

/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "Humdex";
/// Steps of clock skew accepted either way.
const SKEW_STEPS: u64 = 1;
/// How many recovery codes a user gets.
const RECOVERY_CODES: usize = 10;
/// Recovery codes are 16 characters of Crockford's base32 (80 bits): enough that a SHA-256 of
/// them, unlike of a password, cannot be reversed by guessing.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// What completed a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Factor {
    /// The password, for a user without a second factor.
    Password,
    /// A TOTP code.
    Totp,
    /// A recovery code, now used up.
    RecoveryCode,
}

impl Factor {
    /// The name the sign-in log uses.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
        }
    }
}

/// The TOTP of a stored secret. Its own skew is 0: [`matching_step`] walks the window itself, to
/// skip the steps already used.
fn totp(secret: Secret, username: &str) -> Result<Totp, ApiError> {
    Builder::new()
        .with_secret(secret)
        .with_skew(0)
        .with_account_name(username)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|error| {
            tracing::error!(%error, "cannot build a TOTP");
            ApiError::Internal
        })
}

fn stored_totp(secret: &str, username: &str) -> Result<Totp, ApiError> {
    let secret = Secret::try_from_base32(secret).map_err(|error| {
        tracing::error!(%error, username, "a stored TOTP secret is corrupt");
        ApiError::Internal
    })?;
    totp(secret, username)
}

/// The time step, within the skew window around `now` and later than `after`, whose code is
/// `code`.
fn matching_step(totp: &Totp, code: &str, now: Timestamp, after: Option<i64>) -> Option<i64> {
    let now = u64::try_from(now.as_second()).ok()?;
    let current = now / totp.step();
    (current.saturating_sub(SKEW_STEPS)..=current.saturating_add(SKEW_STEPS))
        .filter_map(|step| i64::try_from(step).ok().map(|signed| (step, signed)))
        .filter(|(_, signed)| after.is_none_or(|after| *signed > after))
        .find(|(step, _)| totp.check(code, step * totp.step()).is_some())
        .map(|(_, signed)| signed)
}

/// A recovery code without its dashes, spaces and case.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_recovery_code(code).as_bytes()))
}

/// A new recovery code, shown as `xxxx-xxxx-xxxx-xxxx`.
fn new_recovery_code() -> String {
    let symbols: Vec<char> = rand::random::<[u8; 16]>()
        .iter()
        .filter_map(|byte| RECOVERY_ALPHABET.get(usize::from(byte & 31)))
        .map(|byte| char::from(*byte))
        .collect();
    symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Checks a second-factor code of user `username`: a 6-digit TOTP code (accepted once) or a
/// recovery code (used up). Answers what it was, or `None` when it is neither.
pub(crate) async fn verify_code(
    state: &AppState,
    username: &str,
    code: &str,
    now: Timestamp,
) -> Result<Option<Factor>, ApiError> {
    let code = code.trim();
    let mfa = state.store.mfa_state(username).await?;
    let Some(secret) = mfa.secret else {
        return Ok(None);
    };
    if code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit()) {
        let totp = stored_totp(&secret, username)?;
        let Some(step) = matching_step(&totp, code, now, mfa.last_step) else {
            return Ok(None);
        };
        let accepted = state.store.accept_mfa_step(username, step).await?;
        Ok(accepted.then_some(Factor::Totp))
    } else {
        let used = state
            .store
            .use_recovery_code(username, &recovery_code_hash(code))
            .await?;
        Ok(used.then_some(Factor::RecoveryCode))
    }
}

/// Where the caller's second factor stands.
#[derive(Serialize, ToSchema)]
pub struct MfaStatus {
    /// Whether it is on.
    enabled: bool,
    /// Whether the caller's role must use one.
    required: bool,
    /// Whether an enrolment waits for its confirming code.
    enrolling: bool,
    /// Unused recovery codes.
    recovery_codes_left: i64,
}

/// A secret to enrol in an authenticator app.
#[derive(Serialize, ToSchema)]
pub struct MfaEnrollment {
    /// The secret in base32, to type in by hand.
    secret: String,
    /// The `otpauth://totp/…` URI that authenticator apps read.
    otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    qr_svg: String,
}

/// A code from the authenticator app.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    /// The 6-digit code the app shows now.
    code: String,
}

/// The recovery codes, shown once.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Each signs in once in place of a TOTP code. Keep them somewhere safe.
    recovery_codes: Vec<String>,
}

/// Proof for turning the second factor off: the password or a current code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaProof {
    /// The caller's password.
    password: Option<String>,
    /// A current TOTP code or a recovery code.
    code: Option<String>,
}

/// The roles whose users must use a second factor.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaPolicy {
    /// Users of these roles without a second factor may only enrol one until they do.
    roles: Vec<Role>,
}

/// Where the caller's second factor stands.
#[utoipa::path(get, path = "/api/v1/auth/mfa", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MfaStatus), (status = 401, body = ErrorBody)))]
async fn mfa_status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MfaStatus>, ApiError> {
    let mfa = state.store.mfa_state(caller.name()).await?;
    Ok(Json(MfaStatus {
        enabled: mfa.secret.is_some(),
        required: state.store.mfa_policy().await?.contains(&caller.user.role),
        enrolling: mfa.pending_secret.is_some(),
        recovery_codes_left: state.store.recovery_codes_left(caller.name()).await?,
    }))
}

/// Starts enrolling a second factor: answers a new secret as an `otpauth://` URI and a QR code.
/// It holds only once `POST /api/v1/auth/mfa/confirm` gets a code from it; enrolling again
/// replaces it.
#[utoipa::path(post, path = "/api/v1/auth/mfa/enroll", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MfaEnrollment), (status = 409, body = ErrorBody)))]
async fn enroll(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MfaEnrollment>, ApiError> {
    if state.store.mfa_state(caller.name()).await?.secret.is_some() {
        return Err(ApiError::Conflict(
            "a second factor is on already; turn it off first".to_owned(),
        ));
    }
    let secret = Secret::from(rand::random::<[u8; 20]>());
    let encoded = secret.to_base32();
    let totp = totp(secret, caller.name())?;
    let otpauth_uri = totp.to_url().map_err(|error| {
        tracing::error!(%error, "cannot write an otpauth URI");
        ApiError::Internal
    })?;
    let qr_svg = QrCode::new(otpauth_uri.as_bytes())
        .map_err(|error| {
            tracing::error!(%error, "cannot draw a QR code");
            ApiError::Internal
        })?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    state.store.set_pending_mfa(caller.name(), &encoded).await?;
    Ok(Json(MfaEnrollment {
        secret: encoded,
        otpauth_uri,
        qr_svg,
    }))
}

/// Turns the second factor on with a code from the enrolled secret; answers 10 one-time recovery
/// codes, shown only now.
#[utoipa::path(post, path = "/api/v1/auth/mfa/confirm", tag = "auth", security(("bearer" = [])),
    request_body = MfaCode,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<MfaCode>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let mfa = state.store.mfa_state(caller.name()).await?;
    if mfa.secret.is_some() {
        return Err(ApiError::Conflict(
            "a second factor is on already".to_owned(),
        ));
    }
    let Some(pending) = mfa.pending_secret else {
        return Err(ApiError::Conflict(
            "no enrolment is under way; start with POST /api/v1/auth/mfa/enroll".to_owned(),
        ));
    };
    let now = state.now();
    let totp = stored_totp(&pending, caller.name())?;
    let Some(step) = matching_step(&totp, body.value.code.trim(), now, None) else {
        return Err(ApiError::invalid(
            "code",
            "the code does not match; check the device's clock and send the code it shows now",
        ));
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let hashes = codes.iter().map(|code| recovery_code_hash(code)).collect();
    state
        .store
        .enable_mfa(caller.name(), caller.name(), &pending, step, hashes, now)
        .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Turns the caller's second factor off, with their password or a current code as proof.
#[utoipa::path(delete, path = "/api/v1/auth/mfa", tag = "auth", security(("bearer" = [])),
    request_body = MfaProof,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<MfaProof>,
) -> Result<StatusCode, ApiError> {
    if state.store.mfa_state(caller.name()).await?.secret.is_none() {
        return Err(ApiError::Conflict("no second factor is on".to_owned()));
    }
    let now = state.now();
    let proven = match body.value {
        MfaProof {
            password: Some(password),
            code: None,
        } => {
            let (_, hash) = state.store.sign_in_details(caller.name()).await?;
            password_matches(password, hash).await?
        }
        MfaProof {
            password: None,
            code: Some(code),
        } => verify_code(&state, caller.name(), &code, now)
            .await?
            .is_some(),
        _ => {
            return Err(ApiError::Invalid {
                message: "send either your password or a current code".to_owned(),
                field: None,
            });
        }
    };
    if !proven {
        return Err(ApiError::ReauthenticationFailed);
    }
    state
        .store
        .disable_mfa(caller.name(), caller.name(), now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns a user's second factor off, for one who lost their device and recovery codes. Admins
/// only.
#[utoipa::path(delete, path = "/api/v1/users/{username}/mfa", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_user_mfa(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<Username>,
) -> Result<StatusCode, ApiError> {
    caller.must_be_admin()?;
    state
        .store
        .disable_mfa(caller.name(), name.as_str(), state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The roles that must use a second factor. Admins only.
#[utoipa::path(get, path = "/api/v1/admin/mfa-policy", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = MfaPolicy), (status = 403, body = ErrorBody)))]
async fn mfa_policy(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MfaPolicy>, ApiError> {
    caller.must_be_admin()?;
    Ok(Json(MfaPolicy {
        roles: state.store.mfa_policy().await?,
    }))
}

/// Sets the roles that must use a second factor. Their users without one keep signing in, but
/// their sessions may only enrol one (anything else answers 403 `mfa_enrollment_required`).
/// Admins only.
#[utoipa::path(put, path = "/api/v1/admin/mfa-policy", tag = "users", security(("bearer" = [])),
    request_body = MfaPolicy,
    responses((status = 200, body = MfaPolicy), (status = 403, body = ErrorBody)))]
async fn set_mfa_policy(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<MfaPolicy>,
) -> Result<Json<MfaPolicy>, ApiError> {
    caller.must_be_admin()?;
    let mut roles = body.value.roles;
    roles.sort_by_key(|role| role.as_str());
    roles.dedup();
    state
        .store
        .set_mfa_policy(caller.name(), roles.clone(), state.now())
        .await?;
    Ok(Json(MfaPolicy { roles }))
}

/// The routes that take a code or password, to be rate limited.
pub(super) fn limited_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mfa_status, disable))
        .routes(routes!(confirm))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enroll))
        .routes(routes!(reset_user_mfa))
        .routes(routes!(mfa_policy, set_mfa_policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_within_one_step_of_skew_and_never_for_a_used_step() {
        let totp = totp(Secret::from([7u8; 20]), "ana").unwrap();
        let now = Timestamp::from_second(1_790_000_010).unwrap();
        let step = 1_790_000_010 / 30;
        let code_at = |step: u64| totp.generate(step * 30).to_string();
        let signed = i64::try_from(step).unwrap();
        assert_eq!(
            matching_step(&totp, &code_at(step), now, None),
            Some(signed)
        );
        assert_eq!(
            matching_step(&totp, &code_at(step - 1), now, None),
            Some(signed - 1)
        );
        assert_eq!(
            matching_step(&totp, &code_at(step + 1), now, None),
            Some(signed + 1)
        );
        assert_eq!(matching_step(&totp, &code_at(step - 2), now, None), None);
        assert_eq!(
            matching_step(&totp, &code_at(step), now, Some(signed)),
            None
        );
    }

    #[test]
    fn recovery_codes_are_80_bits_and_forgive_dashes_and_case() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(normalise_recovery_code(&code).len(), 16);
        assert_eq!(
            recovery_code_hash(&code),
            recovery_code_hash(&code.replace('-', " ").to_uppercase())
        );
        assert_ne!(new_recovery_code(), new_recovery_code());
    }
}
