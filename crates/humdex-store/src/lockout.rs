//! Failed sign-ins, counted per account and per client address so the server can lock both out.
//!
//! The store keeps the failures in the database rather than in memory so that every node sharing
//! a PostgreSQL database counts the same failures. Failures are sign-in bookkeeping, not changes:
//! they are written on the pool, not through the journal.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::users::timestamp;
use crate::{Result, Store};

/// What failed sign-ins are counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKey<'a> {
    /// An account, by the name as typed, whether or not such a user exists. Stored as its
    /// SHA-256, so that any name, however long, takes one short row and no typed name (a password
    /// typed into the wrong box) is kept.
    Account(&'a str),
    /// A client address.
    Address(&'a str),
}

impl FailureKey<'_> {
    fn scope_and_key(self) -> (&'static str, String) {
        match self {
            Self::Account(name) => ("account", hex::encode(Sha256::digest(name.as_bytes()))),
            Self::Address(address) => ("address", address.to_owned()),
        }
    }
}

impl Store {
    /// Counts a failed sign-in at `now` under each of `keys`, and forgets failures from before
    /// `forget_before`, which no longer count.
    pub async fn record_login_failure(
        &self,
        keys: &[FailureKey<'_>],
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<()> {
        let mut transaction = self.pool().begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
            .bind(forget_before.as_millisecond())
            .execute(&mut *transaction)
            .await?;
        for key in keys {
            let (scope, key) = key.scope_and_key();
            sqlx::query("INSERT INTO login_failures (scope, key, at_ms) VALUES ($1, $2, $3)")
                .bind(scope)
                .bind(key)
                .bind(now.as_millisecond())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// The times of the latest `limit` failed sign-ins under `key` after `since`, latest first.
    pub async fn recent_login_failures(
        &self,
        key: FailureKey<'_>,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<Timestamp>> {
        let (scope, key) = key.scope_and_key();
        let rows = sqlx::query(
            "SELECT at_ms FROM login_failures WHERE scope = $1 AND key = $2 AND at_ms > $3 \
             ORDER BY at_ms DESC LIMIT $4",
        )
        .bind(scope)
        .bind(key)
        .bind(since.as_millisecond())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| timestamp(row, "at_ms")).collect()
    }

    /// Forgets the failed sign-ins counted under `key`.
    pub async fn forget_login_failures(&self, key: FailureKey<'_>) -> Result<()> {
        let (scope, key) = key.scope_and_key();
        sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
