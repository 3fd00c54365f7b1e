//! The authorizations labels may name, and which users hold them.

use std::collections::BTreeSet;

use humdex_model::{AuthorizationDefinition, ChangeKind, InvalidInput};
use jiff::Timestamp;
use sqlx::Row;

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::users::next_user_version;
use crate::writer::Written;
use crate::{Error, Result, Store};

/// Authorizations are plain label tokens, so labels can name them without quoting.
fn check_name(name: &str) -> Result<()> {
    let valid = (1..=64).contains(&name.len())
        && name.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b':' | b'/')
        });
    if valid {
        Ok(())
    } else {
        Err(InvalidInput::at(
            "name",
            format!("`{name}` is not an authorization: 1 to 64 of A-Z a-z 0-9 _ - . : /"),
        )
        .into())
    }
}

impl Store {
    /// Defines an authorization (or updates its description). Defining one twice is harmless.
    pub async fn define_authorization(
        &self,
        actor: &str,
        name: &str,
        description: &str,
        now: Timestamp,
    ) -> Result<()> {
        check_name(name)?;
        let (actor, name, description) =
            (actor.to_owned(), name.to_owned(), description.to_owned());
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, name, description) = (actor.clone(), name.clone(), description.clone());
                Box::pin(async move {
                    let existing = sqlx::query("SELECT description FROM authorizations WHERE name = $1")
                        .bind(&name)
                        .fetch_optional(&mut *connection)
                        .await?;
                    let version = match existing {
                        Some(row) if row.try_get::<String, _>("description")? == description => {
                            return Ok(Written { output: (), last_seq: None });
                        }
                        Some(_) => {
                            sqlx::query("UPDATE authorizations SET description = $1 WHERE name = $2")
                                .bind(&description)
                                .bind(&name)
                                .execute(&mut *connection)
                                .await?;
                            2
                        }
                        None => {
                            sqlx::query(
                                "INSERT INTO authorizations (name, description, defined_by, defined_ms) \
                                 VALUES ($1, $2, $3, $4)",
                            )
                            .bind(&name)
                            .bind(&description)
                            .bind(&actor)
                            .bind(now.as_millisecond())
                            .execute(&mut *connection)
                            .await?;
                            1
                        }
                    };
                    let seq = journal::append(
                        connection,
                        Entry::about(ChangeKind::AuthorizationDefined, &name, version, &actor, now),
                    )
                    .await?;
                    Ok(Written { output: (), last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// Every defined authorization, by name.
    pub async fn authorization_definitions(&self) -> Result<Vec<AuthorizationDefinition>> {
        let rows = sqlx::query(
            "SELECT name, description, defined_by, defined_ms FROM authorizations ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuthorizationDefinition {
                    name: row.try_get("name")?,
                    description: row.try_get("description")?,
                    defined_by: row.try_get("defined_by")?,
                    defined: Timestamp::from_millisecond(row.try_get("defined_ms")?)
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// Replaces the authorizations `username` holds; each must be defined. Returns what was
    /// granted and what was revoked (both empty when nothing changed, and then nothing is
    /// journalled).
    pub async fn set_authorizations(
        &self,
        actor: &str,
        username: &str,
        authorizations: BTreeSet<String>,
        now: Timestamp,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let (actor, username) = (actor.to_owned(), username.to_owned());
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, username, wanted) =
                    (actor.clone(), username.clone(), authorizations.clone());
                Box::pin(async move {
                    let row = sqlx::query("SELECT authorizations FROM users WHERE username = $1")
                        .bind(&username)
                        .fetch_optional(&mut *connection)
                        .await?
                        .ok_or(Error::NotFound)?;
                    let held: BTreeSet<String> =
                        serde_json::from_str(row.try_get("authorizations")?).map_err(corrupt)?;
                    for name in wanted.difference(&held) {
                        let defined =
                            sqlx::query("SELECT 1 AS found FROM authorizations WHERE name = $1")
                                .bind(name)
                                .fetch_optional(&mut *connection)
                                .await?;
                        if defined.is_none() {
                            return Err(InvalidInput::at(
                                "authorizations",
                                format!("unknown authorization `{name}`: define it first"),
                            )
                            .into());
                        }
                    }
                    let granted: Vec<String> = wanted.difference(&held).cloned().collect();
                    let revoked: Vec<String> = held.difference(&wanted).cloned().collect();
                    if granted.is_empty() && revoked.is_empty() {
                        return Ok(Written {
                            output: (granted, revoked),
                            last_seq: None,
                        });
                    }
                    sqlx::query("UPDATE users SET authorizations = $1 WHERE username = $2")
                        .bind(serde_json::to_string(&wanted).map_err(corrupt)?)
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    let version = next_user_version(connection, &username).await?;
                    let mut detail = serde_json::Map::new();
                    detail.insert("granted".to_owned(), granted.clone().into());
                    detail.insert("revoked".to_owned(), revoked.clone().into());
                    let seq = journal::append_with_detail(
                        connection,
                        Entry::about(
                            ChangeKind::AuthorizationsChanged,
                            &username,
                            version,
                            &actor,
                            now,
                        ),
                        detail,
                    )
                    .await?;
                    Ok(Written {
                        output: (granted, revoked),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }
}
