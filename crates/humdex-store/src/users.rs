//! Users, their accounts (password, disabled), their sessions, and analyst pools.

use humdex_model::{ChangeKind, Role, User, Username};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::writer::Written;
use crate::{Error, Result, Store};

/// A user to add, with a password hash made by the caller (the store never sees a password).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The login name.
    pub username: Username,
    /// What they do.
    pub role: Role,
    /// A PHC-format password hash.
    pub password_hash: String,
    /// The authorizations issued to them.
    pub authorizations: Vec<String>,
}

/// A signed-in session, found by the hash of its token.
#[derive(Debug, Clone)]
pub struct Session {
    /// Whose session it is.
    pub user: User,
    /// When it began.
    pub created: Timestamp,
    /// When it was last used (updated at most once a minute).
    pub last_seen: Timestamp,
    /// Whether the user has a second factor.
    pub mfa_enabled: bool,
    /// Whether the user's role must use a second factor.
    pub mfa_required: bool,
}

/// A user with the state of their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Who they are.
    pub user: User,
    /// A disabled user cannot sign in, and their sessions and tokens do not work.
    pub disabled: bool,
    /// Whether they have a second factor.
    pub mfa_enabled: bool,
}

/// The columns `account_from_row` reads, from `users` aliased as `u`.
const ACCOUNT_COLUMNS: &str = "u.username, u.role, u.authorizations, u.disabled, \
     CAST(CASE WHEN u.mfa_secret IS NULL THEN 0 ELSE 1 END AS BIGINT) AS mfa_enabled";

fn account_from_row(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        user: user_from_row(row)?,
        disabled: flag(row, "disabled")?,
        mfa_enabled: flag(row, "mfa_enabled")?,
    })
}

/// A 0/1 column as a bool (the `Any` driver carries no booleans across both backends).
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Counts a change to user `username` and answers their new version; `NotFound` if there is no
/// such user.
pub(crate) async fn next_user_version(
    connection: &mut AnyConnection,
    username: &str,
) -> Result<i64> {
    let row =
        sqlx::query("UPDATE users SET version = version + 1 WHERE username = $1 RETURNING version")
            .bind(username)
            .fetch_optional(&mut *connection)
            .await?
            .ok_or(Error::NotFound)?;
    Ok(row.try_get("version")?)
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        username: row
            .try_get::<String, _>("username")?
            .try_into()
            .map_err(corrupt)?,
        role: row.try_get::<String, _>("role")?.parse().map_err(corrupt)?,
        authorizations: serde_json::from_str(row.try_get("authorizations")?).map_err(corrupt)?,
    })
}

pub(crate) fn timestamp(row: &AnyRow, column: &str) -> Result<Timestamp> {
    Timestamp::from_millisecond(row.try_get(column)?).map_err(corrupt)
}

impl Store {
    /// Adds a user.
    pub async fn add_user(&self, actor: &str, user: NewUser, now: Timestamp) -> Result<()> {
        let actor = actor.to_owned();
        let authorizations = serde_json::to_string(&user.authorizations).map_err(corrupt)?;
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, user, authorizations) = (actor.clone(), user.clone(), authorizations.clone());
                Box::pin(async move {
                    let name = user.username.as_str();
                    let exists = sqlx::query("SELECT 1 AS found FROM users WHERE username = $1")
                        .bind(name)
                        .fetch_optional(&mut *connection)
                        .await?;
                    if exists.is_some() {
                        return Err(Error::UserExists(name.to_owned()));
                    }
                    sqlx::query(
                        "INSERT INTO users (username, role, password_hash, authorizations, created_ms) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(name)
                    .bind(user.role.as_str())
                    .bind(&user.password_hash)
                    .bind(&authorizations)
                    .bind(now.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    let seq = journal::append(connection, Entry::about(ChangeKind::UserAdded, name, 1, &actor, now))
                    .await?;
                    Ok(Written { output: (), last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// A user and their password hash, for signing in.
    pub async fn credentials(&self, username: &str) -> Result<(User, String)> {
        let row = sqlx::query(
            "SELECT username, role, authorizations, password_hash FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        Ok((user_from_row(&row)?, row.try_get("password_hash")?))
    }

    /// A user's account and password hash, for signing in.
    pub async fn sign_in_details(&self, username: &str) -> Result<(Account, String)> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1"
        )))
        .bind(username)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        Ok((account_from_row(&row)?, row.try_get("password_hash")?))
    }

    /// User `username`'s account.
    pub async fn account(&self, username: &str) -> Result<Account> {
        self.sign_in_details(username)
            .await
            .map(|(account, _)| account)
    }

    /// Every account, by username.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users u ORDER BY u.username"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// Sets user `username`'s password hash and ends their sessions, all but the one whose token
    /// hashes to `keep_session` (the session that changed its own password).
    pub async fn set_password(
        &self,
        actor: &str,
        username: &str,
        password_hash: String,
        keep_session: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let actor = actor.to_owned();
        let username = username.to_owned();
        // No real session hashes to the empty string.
        let keep = keep_session.unwrap_or_default().to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, username, hash, keep) = (
                    actor.clone(),
                    username.clone(),
                    password_hash.clone(),
                    keep.clone(),
                );
                Box::pin(async move {
                    let version = next_user_version(connection, &username).await?;
                    sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                        .bind(&hash)
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_hash <> $2")
                        .bind(&username)
                        .bind(&keep)
                        .execute(&mut *connection)
                        .await?;
                    sqlx::query("DELETE FROM mfa_challenges WHERE username = $1")
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    let seq = journal::append(
                        connection,
                        Entry::about(ChangeKind::PasswordChanged, &username, version, &actor, now),
                    )
                    .await?;
                    Ok(Written {
                        output: (),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Disables user `username` (ending their sessions and pending sign-ins) or enables them
    /// again. Answers whether anything changed.
    pub async fn set_disabled(
        &self,
        actor: &str,
        username: &str,
        disabled: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let actor = actor.to_owned();
        let username = username.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, username) = (actor.clone(), username.clone());
                Box::pin(async move {
                    let row = sqlx::query("SELECT disabled FROM users WHERE username = $1")
                        .bind(&username)
                        .fetch_optional(&mut *connection)
                        .await?
                        .ok_or(Error::NotFound)?;
                    if flag(&row, "disabled")? == disabled {
                        return Ok(Written {
                            output: false,
                            last_seq: None,
                        });
                    }
                    let version = next_user_version(connection, &username).await?;
                    sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                        .bind(i64::from(disabled))
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    let change = if disabled {
                        sqlx::query("DELETE FROM sessions WHERE username = $1")
                            .bind(&username)
                            .execute(&mut *connection)
                            .await?;
                        sqlx::query("DELETE FROM mfa_challenges WHERE username = $1")
                            .bind(&username)
                            .execute(&mut *connection)
                            .await?;
                        ChangeKind::UserDisabled
                    } else {
                        ChangeKind::UserEnabled
                    };
                    let seq = journal::append(
                        connection,
                        Entry::about(change, &username, version, &actor, now),
                    )
                    .await?;
                    Ok(Written {
                        output: true,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Starts a session for `username` under the hash of its token.
    pub async fn start_session(
        &self,
        token_hash: &str,
        username: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, username, created_ms, last_seen_ms) VALUES ($1, $2, $3, $3)")
            .bind(token_hash)
            .bind(username)
            .bind(now.as_millisecond())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The session whose token hashes to `token_hash`; `NotFound` also when its user is disabled.
    pub async fn session(&self, token_hash: &str) -> Result<Session> {
        let row = sqlx::query(
            "SELECT u.username, u.role, u.authorizations, s.created_ms, s.last_seen_ms, \
             CAST(CASE WHEN u.mfa_secret IS NULL THEN 0 ELSE 1 END AS BIGINT) AS mfa_enabled, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM mfa_required_roles r WHERE r.role = u.role) \
             THEN 1 ELSE 0 END AS BIGINT) AS mfa_required \
             FROM sessions s JOIN users u ON u.username = s.username \
             WHERE s.token_hash = $1 AND u.disabled = 0",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        Ok(Session {
            user: user_from_row(&row)?,
            created: timestamp(&row, "created_ms")?,
            last_seen: timestamp(&row, "last_seen_ms")?,
            mfa_enabled: flag(&row, "mfa_enabled")?,
            mfa_required: flag(&row, "mfa_required")?,
        })
    }

    /// Records that a session was used at `now`.
    pub async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2")
            .bind(now.as_millisecond())
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn end_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deletes sessions idle since before `idle_before` or begun before `created_before`.
    pub async fn end_expired_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE last_seen_ms < $1 OR created_ms < $2")
            .bind(idle_before.as_millisecond())
            .bind(created_before.as_millisecond())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Creates pool `name`, or replaces its members. Every member must be a user.
    pub async fn set_pool(
        &self,
        actor: &str,
        name: &str,
        members: Vec<Username>,
        now: Timestamp,
    ) -> Result<i64> {
        let actor = actor.to_owned();
        let name = name.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, name, members) = (actor.clone(), name.clone(), members.clone());
                Box::pin(async move {
                    for member in &members {
                        let found = sqlx::query("SELECT 1 AS found FROM users WHERE username = $1")
                            .bind(member.as_str())
                            .fetch_optional(&mut *connection)
                            .await?;
                        if found.is_none() {
                            return Err(humdex_model::InvalidInput::at("members", format!("there is no user {member}")).into());
                        }
                    }
                    let row = sqlx::query(
                        "INSERT INTO pools (name, version) VALUES ($1, 1) \
                         ON CONFLICT (name) DO UPDATE SET version = pools.version + 1 RETURNING version",
                    )
                    .bind(&name)
                    .fetch_one(&mut *connection)
                    .await?;
                    let version: i64 = row.try_get("version")?;
                    sqlx::query("DELETE FROM pool_members WHERE pool = $1").bind(&name).execute(&mut *connection).await?;
                    for member in &members {
                        sqlx::query("INSERT INTO pool_members (pool, username) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(&name)
                            .bind(member.as_str())
                            .execute(&mut *connection)
                            .await?;
                    }
                    let seq = journal::append(connection, Entry::about(ChangeKind::PoolChanged, &name, version, &actor, now))
                    .await?;
                    Ok(Written { output: version, last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// Every pool with its members, by name.
    pub async fn pools(&self) -> Result<Vec<(String, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT p.name, m.username FROM pools p LEFT JOIN pool_members m ON m.pool = p.name ORDER BY p.name, m.username",
        )
        .fetch_all(self.pool())
        .await?;
        let mut pools: Vec<(String, Vec<String>)> = Vec::new();
        for row in rows {
            let name: String = row.try_get("name")?;
            let member: Option<String> = row.try_get("username")?;
            match pools.last_mut() {
                Some((last, members)) if *last == name => members.extend(member),
                _ => pools.push((name, member.into_iter().collect())),
            }
        }
        Ok(pools)
    }
}
