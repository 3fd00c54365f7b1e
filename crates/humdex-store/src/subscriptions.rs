//! Subscriptions (stored queries, each its owner's alone) and the notifications their matches
//! produce. Matching is the server's; the store keeps what matched, once per record version.
//!
//! Creating, pausing and deleting a subscription is journalled and audited. The journal entry
//! names only the subscription's id, since every reader of the journal sees it; the query, the
//! name and the webhook go to the audit log. Notifications are derived data and are neither.

use humdex_model::{
    ChangeKind, DeliveryChannel, NewNotification, NewSubscription, Notification, Subscription,
    SubscriptionId,
};
use jiff::Timestamp;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::users::{flag, timestamp};
use crate::writer::Written;
use crate::{Error, Result, Store};

const SUBSCRIPTION_COLUMNS: &str =
    "id, owner, name, query, channel, webhook_url, paused, created_ms, updated_ms, version";

const NOTIFICATION_COLUMNS: &str =
    "n.id, n.subscription_id, n.owner, n.record_id, n.version, n.created_ms, n.reasons";

fn subscription_from_row(row: &AnyRow) -> Result<Subscription> {
    Ok(Subscription {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        owner: row.try_get("owner")?,
        name: row.try_get("name")?,
        query: row.try_get("query")?,
        channel: row
            .try_get::<String, _>("channel")?
            .parse()
            .map_err(corrupt)?,
        webhook_url: row.try_get("webhook_url")?,
        paused: flag(row, "paused")?,
        created: timestamp(row, "created_ms")?,
        updated: timestamp(row, "updated_ms")?,
        version: row.try_get("version")?,
    })
}

fn notification_from_row(row: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: row.try_get("id")?,
        subscription_id: row
            .try_get::<String, _>("subscription_id")?
            .parse()
            .map_err(corrupt)?,
        owner: row.try_get("owner")?,
        record_id: row
            .try_get::<String, _>("record_id")?
            .parse()
            .map_err(corrupt)?,
        version: row.try_get("version")?,
        created: timestamp(row, "created_ms")?,
        reasons: serde_json::from_str(row.try_get("reasons")?).map_err(corrupt)?,
    })
}

/// `at` as the store keeps it, so that what a write returns equals what a read gives back.
fn to_millisecond(at: Timestamp) -> Result<Timestamp> {
    Timestamp::from_millisecond(at.as_millisecond()).map_err(corrupt)
}

/// A new webhook signing secret: 32 bytes as hex. The store has no random number generator of
/// its own; version 4 UUIDs come from the operating system's, and hashing three of them (366
/// random bits) spreads that randomness over all 32 bytes.
fn new_webhook_secret() -> String {
    let mut hash = Sha256::new();
    for _ in 0..3 {
        hash.update(uuid::Uuid::new_v4().as_bytes());
    }
    hex::encode(hash.finalize())
}

/// Subscription `id` if `owner` owns it; `NotFound` otherwise, so that no one learns which ids
/// other people's subscriptions have.
async fn owned(
    connection: &mut AnyConnection,
    owner: &str,
    id: SubscriptionId,
) -> Result<Subscription> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1 AND owner = $2"
    )))
    .bind(id.to_string())
    .bind(owner)
    .fetch_optional(connection)
    .await?
    .ok_or(Error::NotFound)?;
    subscription_from_row(&row)
}

impl Store {
    /// Creates a subscription for user `owner`, who must exist, and answers it with the secret
    /// (hex) that signs its webhook posts, made for every subscription; after this, only
    /// [`Store::webhook_secret`] tells it.
    pub async fn create_subscription(
        &self,
        owner: &str,
        new: NewSubscription,
        at: Timestamp,
    ) -> Result<(Subscription, String)> {
        new.validate()?;
        let at = to_millisecond(at)?;
        let subscription = Subscription {
            id: SubscriptionId::new(at),
            owner: owner.to_owned(),
            name: new.name,
            query: new.query,
            channel: new.channel,
            webhook_url: new.webhook_url,
            paused: false,
            created: at,
            updated: at,
            version: 1,
        };
        let secret = new_webhook_secret();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (subscription, secret) = (subscription.clone(), secret.clone());
                Box::pin(async move {
                    let id = subscription.id.to_string();
                    sqlx::query(
                        "INSERT INTO subscriptions (id, owner, name, query, channel, webhook_url, \
                         webhook_secret, paused, created_ms, updated_ms, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, 1)",
                    )
                    .bind(&id)
                    .bind(&subscription.owner)
                    .bind(&subscription.name)
                    .bind(&subscription.query)
                    .bind(subscription.channel.as_str())
                    .bind(subscription.webhook_url.as_deref())
                    .bind(&secret)
                    .bind(at.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    // The audit keeps what the journal must not show: who watches for what, and
                    // where the matches are sent.
                    let detail = Map::from_iter([
                        ("name".to_owned(), Value::from(subscription.name.as_str())),
                        ("query".to_owned(), subscription.query.as_str().into()),
                        ("channel".to_owned(), subscription.channel.as_str().into()),
                        (
                            "webhook_url".to_owned(),
                            subscription.webhook_url.as_deref().into(),
                        ),
                    ]);
                    let entry = Entry::about(
                        ChangeKind::SubscriptionCreated,
                        &id,
                        1,
                        &subscription.owner,
                        at,
                    );
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: (subscription, secret),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// The subscriptions of user `owner`, oldest first.
    pub async fn subscriptions(&self, owner: &str) -> Result<Vec<Subscription>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE owner = $1 ORDER BY id"
        )))
        .bind(owner)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(subscription_from_row).collect()
    }

    /// Subscription `id`, whoever owns it: callers acting for a user check that it is theirs.
    pub async fn subscription(&self, id: SubscriptionId) -> Result<Subscription> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?
        .ok_or(Error::NotFound)?;
        subscription_from_row(&row)
    }

    /// Every subscription of every user, paused ones included, oldest first: for the matcher
    /// to load when the server starts.
    pub async fn all_subscriptions(&self) -> Result<Vec<Subscription>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(subscription_from_row).collect()
    }

    /// The secret (hex) that signs subscription `id`'s webhook posts.
    pub async fn webhook_secret(&self, id: SubscriptionId) -> Result<String> {
        let row = sqlx::query("SELECT webhook_secret FROM subscriptions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(Error::NotFound)?;
        Ok(row.try_get("webhook_secret")?)
    }

    /// Pauses or resumes subscription `id` of user `owner` (`NotFound` if it is not theirs),
    /// and answers it as it now is. Asking for the state it is in changes nothing.
    pub async fn set_subscription_paused(
        &self,
        owner: &str,
        id: SubscriptionId,
        paused: bool,
        at: Timestamp,
    ) -> Result<Subscription> {
        let owner = owner.to_owned();
        let at = to_millisecond(at)?;
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let owner = owner.clone();
                Box::pin(async move {
                    let current = owned(connection, &owner, id).await?;
                    if current.paused == paused {
                        return Ok(Written { output: current, last_seq: None });
                    }
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE subscriptions SET paused = $1, updated_ms = $2, version = version + 1 \
                         WHERE id = $3 RETURNING {SUBSCRIPTION_COLUMNS}"
                    )))
                    .bind(i64::from(paused))
                    .bind(at.as_millisecond())
                    .bind(id.to_string())
                    .fetch_one(&mut *connection)
                    .await?;
                    let changed = subscription_from_row(&row)?;
                    let subject = id.to_string();
                    let detail = Map::from_iter([("paused".to_owned(), Value::from(paused))]);
                    let entry = Entry::about(ChangeKind::SubscriptionChanged, &subject, changed.version, &owner, at);
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written { output: changed, last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// Deletes subscription `id` of user `owner` (`NotFound` if it is not theirs) with its
    /// notifications.
    pub async fn delete_subscription(
        &self,
        owner: &str,
        id: SubscriptionId,
        at: Timestamp,
    ) -> Result<()> {
        let owner = owner.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let owner = owner.clone();
                Box::pin(async move {
                    let current = owned(connection, &owner, id).await?;
                    let subject = id.to_string();
                    for delete in [
                        "DELETE FROM notifications WHERE subscription_id = $1",
                        "DELETE FROM subscriptions WHERE id = $1",
                    ] {
                        sqlx::query(delete)
                            .bind(&subject)
                            .execute(&mut *connection)
                            .await?;
                    }
                    let entry = Entry::about(
                        ChangeKind::SubscriptionDeleted,
                        &subject,
                        current.version + 1,
                        &owner,
                        at,
                    );
                    let seq = journal::append(connection, entry).await?;
                    Ok(Written {
                        output: (),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Stores `notifications` and answers those that were new, with their ids, in the order
    /// given. A notification is left out when its subscription already has one for that record
    /// version, or when the subscription was deleted or paused since it matched. Every record
    /// must exist.
    ///
    /// The writer stores them, so on PostgreSQL under the advisory lock its batches hold until
    /// they commit: ids become visible in order, on every node, which is what lets
    /// [`Store::notifications`] page by id.
    pub async fn add_notifications(
        &self,
        notifications: &[NewNotification],
    ) -> Result<Vec<Notification>> {
        if notifications.is_empty() {
            return Ok(Vec::new());
        }
        let rows = notifications
            .iter()
            .map(|new| {
                let reasons = serde_json::to_string(&new.reasons).map_err(corrupt)?;
                Ok((new.clone(), to_millisecond(new.created)?, reasons))
            })
            .collect::<Result<Vec<_>>>()?;
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let rows = rows.clone();
                Box::pin(async move {
                    let mut added = Vec::new();
                    for (new, created, reasons) in rows {
                        // The owner comes from the subscription, and no row from one that is gone.
                        let row = sqlx::query(
                            "INSERT INTO notifications (subscription_id, owner, record_id, version, \
                             created_ms, reasons) SELECT s.id, s.owner, $2, $3, $4, $5 FROM subscriptions s \
                             WHERE s.id = $1 AND s.paused = 0 \
                             ON CONFLICT (subscription_id, record_id, version) DO NOTHING RETURNING id, owner",
                        )
                        .bind(new.subscription_id.to_string())
                        .bind(new.record_id.to_string())
                        .bind(new.version)
                        .bind(created.as_millisecond())
                        .bind(&reasons)
                        .fetch_optional(&mut *connection)
                        .await?;
                        if let Some(row) = row {
                            added.push(Notification {
                                id: row.try_get("id")?,
                                subscription_id: new.subscription_id,
                                owner: row.try_get("owner")?,
                                record_id: new.record_id,
                                version: new.version,
                                created,
                                reasons: new.reasons,
                            });
                        }
                    }
                    Ok(Written { output: added, last_seq: None })
                })
            }))
            .await
    }

    /// The id of the newest notification of anyone (0 when there is none): where a new live
    /// stream starts.
    pub async fn newest_notification_id(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS newest FROM notifications")
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get("newest")?)
    }

    /// Up to `limit` notifications of user `owner` after id `after`, in order: pass the last id
    /// read as `after` to read on. No notification can commit behind one already read (see
    /// [`Store::add_notifications`]).
    pub async fn notifications(
        &self,
        owner: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.owner = $1 AND n.id > $2 \
             ORDER BY n.id LIMIT $3"
        )))
        .bind(owner)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// Up to `limit` notifications of user `owner`, newest first, older than id `before` when
    /// given: pass the last id read as `before` to read further back.
    pub async fn newest_notifications(
        &self,
        owner: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.owner = $1 AND n.id < $2 \
             ORDER BY n.id DESC LIMIT $3"
        )))
        .bind(owner)
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// Up to `limit` notifications of subscription `id` after id `after`, in order, as
    /// [`Store::notifications`]; `NotFound` if the subscription is not `owner`'s.
    pub async fn subscription_notifications(
        &self,
        owner: &str,
        id: SubscriptionId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let mut connection = self.pool().acquire().await?;
        owned(&mut connection, owner, id).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.subscription_id = $1 \
             AND n.id > $2 ORDER BY n.id LIMIT $3"
        )))
        .bind(id.to_string())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// Up to `limit` notifications still to post to webhooks, oldest first: those of webhook
    /// subscriptions not [marked delivered](Store::mark_delivered). A paused subscription's wait
    /// until it is resumed.
    pub async fn undelivered_webhook_notifications(&self, limit: u32) -> Result<Vec<Notification>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n \
             JOIN subscriptions s ON s.id = n.subscription_id \
             WHERE n.delivered = 0 AND s.channel = $1 AND s.paused = 0 ORDER BY n.id LIMIT $2"
        )))
        .bind(DeliveryChannel::Webhook.as_str())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// Marks notifications `ids` as posted to their webhooks. Ids that are gone are ignored.
    pub async fn mark_delivered(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.to_vec();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let ids = ids.clone();
                Box::pin(async move {
                    for id in ids {
                        sqlx::query("UPDATE notifications SET delivered = 1 WHERE id = $1")
                            .bind(id)
                            .execute(&mut *connection)
                            .await?;
                    }
                    Ok(Written {
                        output: (),
                        last_seq: None,
                    })
                })
            }))
            .await
    }
}
