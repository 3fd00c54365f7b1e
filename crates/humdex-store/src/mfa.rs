//! The TOTP second factor: secrets, the last time step accepted, recovery codes, the challenges
//! of sign-ins waiting for their second factor, and the roles that must use one.
//!
//! Turning the factor on or off and changing the policy are changes, journaled through the
//! writer. Accepting a code, using up a recovery code and the challenges are sign-in
//! bookkeeping, like sessions: single statements on the pool, each atomic on its own, so that two
//! sign-ins racing with one code cannot both win.

use humdex_model::{ChangeKind, InvalidInput, Role};
use jiff::Timestamp;
use sqlx::Row;

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::users::{next_user_version, timestamp};
use crate::writer::Written;
use crate::{Error, Result, Store};

/// Where a user's second factor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaState {
    /// The confirmed TOTP secret (base32), when the factor is on.
    pub secret: Option<String>,
    /// The secret being enrolled, until a code confirms it.
    pub pending_secret: Option<String>,
    /// The last TOTP time step accepted.
    pub last_step: Option<i64>,
}

/// The subject the journal names for changes to the MFA policy.
const POLICY_SUBJECT: &str = "mfa_policy";

impl Store {
    /// Where user `username`'s second factor stands.
    pub async fn mfa_state(&self, username: &str) -> Result<MfaState> {
        let row = sqlx::query(
            "SELECT mfa_secret, mfa_pending_secret, mfa_last_step FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        Ok(MfaState {
            secret: row.try_get("mfa_secret")?,
            pending_secret: row.try_get("mfa_pending_secret")?,
            last_step: row.try_get("mfa_last_step")?,
        })
    }

    /// Keeps `secret` as the one user `username` is enrolling, replacing any earlier one. Not a
    /// change to journal: nothing holds until [`Store::enable_mfa`].
    pub async fn set_pending_mfa(&self, username: &str, secret: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET mfa_pending_secret = $1 WHERE username = $2 AND mfa_secret IS NULL",
        )
        .bind(secret)
        .bind(username)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// Turns on the second factor of user `username` with `secret`, which must be the one they
    /// are enrolling; `step` is the time step of the code that confirmed it, and
    /// `recovery_code_hashes` replace any earlier recovery codes.
    pub async fn enable_mfa(
        &self,
        actor: &str,
        username: &str,
        secret: &str,
        step: i64,
        recovery_code_hashes: Vec<String>,
        now: Timestamp,
    ) -> Result<()> {
        let actor = actor.to_owned();
        let username = username.to_owned();
        let secret = secret.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, username, secret, hashes) =
                    (actor.clone(), username.clone(), secret.clone(), recovery_code_hashes.clone());
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE users SET mfa_secret = $1, mfa_pending_secret = NULL, mfa_last_step = $2 \
                         WHERE username = $3 AND mfa_secret IS NULL AND mfa_pending_secret = $1",
                    )
                    .bind(&secret)
                    .bind(step)
                    .bind(&username)
                    .execute(&mut *connection)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(InvalidInput::at(
                            "code",
                            "this enrolment was completed or replaced meanwhile; start again",
                        )
                        .into());
                    }
                    let version = next_user_version(connection, &username).await?;
                    sqlx::query("DELETE FROM recovery_codes WHERE username = $1")
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    for hash in &hashes {
                        sqlx::query("INSERT INTO recovery_codes (username, code_hash) VALUES ($1, $2)")
                            .bind(&username)
                            .bind(hash)
                            .execute(&mut *connection)
                            .await?;
                    }
                    let seq = journal::append(connection, Entry::about(ChangeKind::MfaEnabled, &username, version, &actor, now))
                        .await?;
                    Ok(Written { output: (), last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// Turns off the second factor of user `username`, with their recovery codes and any
    /// enrolment under way. Answers whether it was on.
    pub async fn disable_mfa(&self, actor: &str, username: &str, now: Timestamp) -> Result<bool> {
        let actor = actor.to_owned();
        let username = username.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, username) = (actor.clone(), username.clone());
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE users SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_last_step = NULL \
                         WHERE username = $1 AND mfa_secret IS NOT NULL",
                    )
                    .bind(&username)
                    .execute(&mut *connection)
                    .await?;
                    if done.rows_affected() == 0 {
                        // Nothing to turn off; NotFound when there is no such user at all.
                        sqlx::query("SELECT 1 AS found FROM users WHERE username = $1")
                            .bind(&username)
                            .fetch_optional(&mut *connection)
                            .await?
                            .ok_or(Error::NotFound)?;
                        return Ok(Written { output: false, last_seq: None });
                    }
                    let version = next_user_version(connection, &username).await?;
                    sqlx::query("DELETE FROM recovery_codes WHERE username = $1")
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    sqlx::query("DELETE FROM mfa_challenges WHERE username = $1")
                        .bind(&username)
                        .execute(&mut *connection)
                        .await?;
                    let seq = journal::append(connection, Entry::about(ChangeKind::MfaDisabled, &username, version, &actor, now))
                        .await?;
                    Ok(Written { output: true, last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// Accepts TOTP time step `step` for user `username` if it is later than every step accepted
    /// before; answers whether it was. One statement, so a code is accepted once however many
    /// sign-ins race with it.
    pub async fn accept_mfa_step(&self, username: &str, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET mfa_last_step = $1 WHERE username = $2 AND mfa_secret IS NOT NULL \
             AND (mfa_last_step IS NULL OR mfa_last_step < $1)",
        )
        .bind(step)
        .bind(username)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses up the recovery code of user `username` that hashes to `code_hash`; answers whether
    /// there was one.
    pub async fn use_recovery_code(&self, username: &str, code_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM recovery_codes WHERE username = $1 AND code_hash = $2")
            .bind(username)
            .bind(code_hash)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many unused recovery codes user `username` has.
    pub async fn recovery_codes_left(&self, username: &str) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS left_over FROM recovery_codes WHERE username = $1")
                .bind(username)
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get("left_over")?)
    }

    /// Keeps a sign-in of user `username` waiting for its second factor until `expires`, under
    /// the hash of its challenge; forgets challenges that expired before `now`.
    pub async fn start_mfa_challenge(
        &self,
        challenge_hash: &str,
        username: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("DELETE FROM mfa_challenges WHERE expires_ms < $1")
            .bind(now.as_millisecond())
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO mfa_challenges (challenge_hash, username, expires_ms) VALUES ($1, $2, $3)",
        )
        .bind(challenge_hash)
        .bind(username)
        .bind(expires.as_millisecond())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes the challenge that hashes to `challenge_hash`, so it cannot be used again; answers
    /// whose sign-in it was, or `None` when there is no such challenge or it expired before
    /// `now`.
    pub async fn take_mfa_challenge(
        &self,
        challenge_hash: &str,
        now: Timestamp,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "DELETE FROM mfa_challenges WHERE challenge_hash = $1 RETURNING username, expires_ms",
        )
        .bind(challenge_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if timestamp(&row, "expires_ms")? < now {
            return Ok(None);
        }
        Ok(Some(row.try_get("username")?))
    }

    /// The roles whose users must use a second factor.
    pub async fn mfa_policy(&self) -> Result<Vec<Role>> {
        let rows = sqlx::query("SELECT role FROM mfa_required_roles ORDER BY role")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| row.try_get::<String, _>("role")?.parse().map_err(corrupt))
            .collect()
    }

    /// Sets the roles whose users must use a second factor.
    pub async fn set_mfa_policy(
        &self,
        actor: &str,
        roles: Vec<Role>,
        now: Timestamp,
    ) -> Result<()> {
        let actor = actor.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, roles) = (actor.clone(), roles.clone());
                Box::pin(async move {
                    sqlx::query("DELETE FROM mfa_required_roles").execute(&mut *connection).await?;
                    for role in &roles {
                        sqlx::query("INSERT INTO mfa_required_roles (role) VALUES ($1) ON CONFLICT DO NOTHING")
                            .bind(role.as_str())
                            .execute(&mut *connection)
                            .await?;
                    }
                    // The policy's version is the number of times it was set, as the journal
                    // counts them (appends are serialised, so no two writers see the same count).
                    let row = sqlx::query("SELECT COUNT(*) AS changes FROM journal WHERE change = $1")
                        .bind(ChangeKind::MfaPolicyChanged.as_str())
                        .fetch_one(&mut *connection)
                        .await?;
                    let version = row.try_get::<i64, _>("changes")? + 1;
                    let seq = journal::append(connection, Entry::about(ChangeKind::MfaPolicyChanged, POLICY_SUBJECT, version, &actor, now))
                        .await?;
                    Ok(Written { output: (), last_seq: Some(seq) })
                })
            }))
            .await
    }
}
