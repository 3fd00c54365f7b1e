//! API tokens for machines: stored by the SHA-256 of the secret, with the scopes they are limited
//! to, an expiry, and a revocation time once revoked. The store keeps scopes as names; which
//! names exist and what they allow is the server's business.

use humdex_model::{ChangeKind, InvalidInput, User, Username};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::users::{timestamp, user_from_row};
use crate::writer::Written;
use crate::{Error, Result, Store};

/// A token to create; the caller made the secret and hands over only its hash.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// The SHA-256 (hex) of the secret.
    pub token_hash: String,
    /// Whose rights the token carries (limited to its scopes).
    pub username: Username,
    /// What it is for, for people.
    pub name: String,
    /// The scopes it is limited to.
    pub scopes: Vec<String>,
    /// When it stops working.
    pub expires: Timestamp,
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id.
    pub id: String,
    /// Whose rights it carries.
    pub username: String,
    /// What it is for.
    pub name: String,
    /// The scopes it is limited to.
    pub scopes: Vec<String>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created: Timestamp,
    /// When it stops working.
    pub expires: Timestamp,
    /// When it was revoked, if it was.
    pub revoked: Option<Timestamp>,
}

/// A token presented with a request, with the user whose rights it carries.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The token.
    pub token: ApiToken,
    /// Its user, who is not disabled.
    pub user: User,
}

const TOKEN_COLUMNS: &str =
    "t.id, t.username, t.name, t.scopes, t.created_by, t.created_ms, t.expires_ms, t.revoked_ms";

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    let revoked: Option<i64> = row.try_get("revoked_ms")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        name: row.try_get("name")?,
        scopes: serde_json::from_str(row.try_get("scopes")?).map_err(corrupt)?,
        created_by: row.try_get("created_by")?,
        created: timestamp(row, "created_ms")?,
        expires: timestamp(row, "expires_ms")?,
        revoked: revoked
            .map(Timestamp::from_millisecond)
            .transpose()
            .map_err(corrupt)?,
    })
}

impl Store {
    /// Creates a token for its user, who must exist.
    pub async fn create_api_token(
        &self,
        actor: &str,
        token: NewApiToken,
        now: Timestamp,
    ) -> Result<ApiToken> {
        let scopes = serde_json::to_string(&token.scopes).map_err(corrupt)?;
        let created = ApiToken {
            id: uuid::Uuid::now_v7().to_string(),
            username: token.username.to_string(),
            name: token.name.clone(),
            scopes: token.scopes.clone(),
            created_by: actor.to_owned(),
            created: now,
            expires: token.expires,
            revoked: None,
        };
        let token_hash = token.token_hash;
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (created, token_hash, scopes) = (created.clone(), token_hash.clone(), scopes.clone());
                Box::pin(async move {
                    let user = sqlx::query("SELECT 1 AS found FROM users WHERE username = $1")
                        .bind(&created.username)
                        .fetch_optional(&mut *connection)
                        .await?;
                    if user.is_none() {
                        return Err(InvalidInput::at("user", format!("there is no user {}", created.username)).into());
                    }
                    sqlx::query(
                        "INSERT INTO api_tokens (id, token_hash, username, name, scopes, created_by, created_ms, expires_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&created.id)
                    .bind(&token_hash)
                    .bind(&created.username)
                    .bind(&created.name)
                    .bind(&scopes)
                    .bind(&created.created_by)
                    .bind(now.as_millisecond())
                    .bind(created.expires.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    let seq = journal::append(connection, Entry::about(ChangeKind::TokenCreated, &created.id, 1, &created.created_by, now))
                        .await?;
                    Ok(Written { output: created, last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// The token whose secret hashes to `token_hash`, with its user; `NotFound` also when the
    /// user is disabled. Expiry and revocation are the caller's to check, so it can tell them
    /// apart.
    pub async fn api_token_grant(&self, token_hash: &str) -> Result<TokenGrant> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS}, u.role, u.authorizations FROM api_tokens t \
             JOIN users u ON u.username = t.username WHERE t.token_hash = $1 AND u.disabled = 0"
        )))
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        Ok(TokenGrant {
            token: token_from_row(&row)?,
            user: user_from_row(&row)?,
        })
    }

    /// The token with id `id`.
    pub async fn api_token(&self, id: &str) -> Result<ApiToken> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        token_from_row(&row)
    }

    /// The tokens of user `owner`, or every token when `owner` is `None`, oldest first.
    pub async fn api_tokens(&self, owner: Option<&str>) -> Result<Vec<ApiToken>> {
        let select = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens t");
        let order = "ORDER BY t.created_ms, t.id";
        let rows = match owner {
            Some(owner) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{select} WHERE t.username = $1 {order}"
                )))
                .bind(owner)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{select} {order}")))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes token `id`; answers whether it was still unrevoked.
    pub async fn revoke_api_token(&self, actor: &str, id: &str, now: Timestamp) -> Result<bool> {
        let actor = actor.to_owned();
        let id = id.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, id) = (actor.clone(), id.clone());
                Box::pin(async move {
                    let done = sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
                        .bind(now.as_millisecond())
                        .bind(&id)
                        .execute(&mut *connection)
                        .await?;
                    if done.rows_affected() == 0 {
                        sqlx::query("SELECT 1 AS found FROM api_tokens WHERE id = $1")
                            .bind(&id)
                            .fetch_optional(&mut *connection)
                            .await?
                            .ok_or(Error::NotFound)?;
                        return Ok(Written { output: false, last_seq: None });
                    }
                    let seq = journal::append(connection, Entry::about(ChangeKind::TokenRevoked, &id, 2, &actor, now))
                        .await?;
                    Ok(Written { output: true, last_seq: Some(seq) })
                })
            }))
            .await
    }
}
