//! Accounts: a user changes their own password; admins add and list users, reset passwords,
//! and disable and enable accounts.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use humdex_model::{Role, Username};
use humdex_store::{Account, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Caller, check_new_password, hash_password_blocking, password_matches};
use crate::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, JsonBody};

/// A user as admins see them.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    /// The login name.
    #[schema(value_type = String)]
    username: Username,
    /// What they do.
    role: Role,
    /// The authorizations issued to them.
    authorizations: Vec<String>,
    /// A disabled user cannot sign in, and their sessions and tokens do not work.
    disabled: bool,
    /// Whether they have a second factor.
    mfa_enabled: bool,
}

impl From<Account> for AccountView {
    fn from(account: Account) -> Self {
        Self {
            username: account.user.username,
            role: account.user.role,
            authorizations: account.user.authorizations,
            disabled: account.disabled,
            mfa_enabled: account.mfa_enabled,
        }
    }
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    current: String,
    /// The new password: at least 12 characters.
    new: String,
}

/// A password set by an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password: at least 12 characters.
    password: String,
}

/// Changes the caller's password and ends their other sessions.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let PasswordChange { current, new } = body.value;
    check_new_password("new", &new)?;
    let (_, hash) = state.store.sign_in_details(caller.name()).await?;
    if !password_matches(current, hash).await? {
        return Err(ApiError::ReauthenticationFailed);
    }
    let hash = hash_password_blocking(new).await?;
    state
        .store
        .set_password(
            caller.name(),
            caller.name(),
            hash,
            caller.session_token_hash(),
            state.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// The login name.
    #[schema(value_type = String)]
    username: Username,
    /// What they do.
    role: Role,
    /// Their first password: at least 12 characters.
    password: String,
    /// The authorizations to issue them; each must be defined.
    #[serde(default)]
    authorizations: BTreeSet<String>,
}

/// Adds a user. Admins only. Nothing is added when any authorization is undefined.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewAccount,
    responses((status = 201, body = AccountView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewAccount>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    caller.must_be_admin()?;
    let NewAccount {
        username,
        role,
        password,
        authorizations,
    } = body.value;
    check_new_password("password", &password)?;
    let defined: BTreeSet<String> = (state.store.authorization_definitions().await?)
        .into_iter()
        .map(|definition| definition.name)
        .collect();
    if let Some(unknown) = authorizations.difference(&defined).next() {
        return Err(ApiError::invalid(
            "authorizations",
            format!("unknown authorization `{unknown}`: define it first"),
        ));
    }
    let user = NewUser {
        username: username.clone(),
        role,
        password_hash: hash_password_blocking(password).await?,
        authorizations: authorizations.into_iter().collect(),
    };
    state
        .store
        .add_user(caller.name(), user, state.now())
        .await?;
    let account = state.store.account(username.as_str()).await?;
    Ok((StatusCode::CREATED, Json(account.into())))
}

/// Lists the users with the state of their accounts. Admins only.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<AccountView>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    caller.must_be_admin()?;
    let accounts = state.store.accounts().await?;
    Ok(Json(accounts.into_iter().map(AccountView::from).collect()))
}

/// Sets a user's password and ends all their sessions. Admins only.
#[utoipa::path(post, path = "/api/v1/users/{username}/password", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)), request_body = PasswordReset,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<Username>,
    body: JsonBody<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    caller.must_be_admin()?;
    let password = body.value.password;
    check_new_password("password", &password)?;
    let hash = hash_password_blocking(password).await?;
    state
        .store
        .set_password(caller.name(), name.as_str(), hash, None, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    name: &Username,
    disabled: bool,
) -> Result<Json<AccountView>, ApiError> {
    caller.must_be_admin()?;
    if disabled && name.as_str() == caller.name() {
        return Err(ApiError::Conflict(
            "you cannot disable your own account".to_owned(),
        ));
    }
    state
        .store
        .set_disabled(caller.name(), name.as_str(), disabled, state.now())
        .await?;
    Ok(Json(state.store.account(name.as_str()).await?.into()))
}

/// Disables a user: they cannot sign in, and their sessions and API tokens stop working at
/// once. Admins only, and not for themselves.
#[utoipa::path(post, path = "/api/v1/users/{username}/disable", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn disable_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<Username>,
) -> Result<Json<AccountView>, ApiError> {
    set_disabled(&state, &caller, &name, true).await
}

/// Enables a disabled user again; their unexpired, unrevoked API tokens work again. Admins only.
#[utoipa::path(post, path = "/api/v1/users/{username}/enable", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn enable_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<Username>,
) -> Result<Json<AccountView>, ApiError> {
    set_disabled(&state, &caller, &name, false).await
}

/// The password change, to be rate limited (it checks a password).
pub(super) fn limited_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(change_password))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, add_user))
        .routes(routes!(reset_password))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
}
