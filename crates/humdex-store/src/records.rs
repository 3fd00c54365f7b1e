//! Records: intake, reads, edits, workflow moves, claims and attachments.

use humdex_model::{
    Assignee, Attachment, ChangeKind, Channel, NewRecord, Record, RecordId, RecordPatch, State,
};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::writer::Written;
use crate::{Error, Result, Store};

/// A client's idempotency key and a hash of the request it came with, so that a retry returns
/// the record the first attempt created and a reused key with another request is refused.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The key as the client sent it.
    pub key: String,
    /// Hex SHA-256 of the request body.
    pub request_hash: String,
}

/// The answer to an intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Created {
    /// The record's id.
    pub id: RecordId,
    /// Its version: 1.
    pub version: i64,
    /// Whether an earlier request with the same idempotency key created it.
    #[serde(skip)]
    pub replayed: bool,
}

/// Which records a list shows.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// Only records in this state.
    pub state: Option<State>,
    /// Only records assigned to this user or pool.
    pub assignee: Option<Assignee>,
    /// Only records of this kind.
    pub kind: Option<humdex_model::Kind>,
    /// Only records this user created.
    pub created_by: Option<String>,
}

/// One page of a record list, newest first.
#[derive(Debug, Clone)]
pub struct RecordPage {
    /// The records.
    pub records: Vec<Record>,
    /// The cursor for the next page, if there is one.
    pub next_cursor: Option<RecordId>,
}

fn document(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(corrupt)
}

async fn load(connection: &mut AnyConnection, id: RecordId) -> Result<Record> {
    let row = sqlx::query("SELECT document FROM records WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(connection)
        .await?
        .ok_or(Error::NotFound)?;
    serde_json::from_str(row.try_get("document")?).map_err(corrupt)
}

async fn insert(connection: &mut AnyConnection, record: &Record) -> Result<()> {
    let document = document(record)?;
    sqlx::query(
        "INSERT INTO records (id, version, kind, state, assignee, created_by, updated_ms, document) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.id.to_string())
    .bind(record.version)
    .bind(record.kind.as_str())
    .bind(record.state.as_str())
    .bind(record.assignee.as_ref().map(ToString::to_string))
    .bind(&record.created_by)
    .bind(record.updated.as_millisecond())
    .bind(&document)
    .execute(&mut *connection)
    .await?;
    insert_version(connection, record, document).await
}

async fn insert_version(
    connection: &mut AnyConnection,
    record: &Record,
    document: String,
) -> Result<()> {
    sqlx::query("INSERT INTO record_versions (record_id, version, document) VALUES ($1, $2, $3)")
        .bind(record.id.to_string())
        .bind(record.version)
        .bind(document)
        .execute(connection)
        .await?;
    Ok(())
}

/// Stores `record` as the version after `previous` and journals the change. The version guard
/// in the `UPDATE` keeps two nodes sharing one PostgreSQL from both writing the same version.
async fn save_change(
    connection: &mut AnyConnection,
    mut record: Record,
    previous: &Record,
    change: ChangeKind,
    actor: &str,
    at: Timestamp,
) -> Result<Written<i64>> {
    record.version = previous.version + 1;
    record.updated = at;
    let document = document(&record)?;
    let updated = sqlx::query(
        "UPDATE records SET version = $1, state = $2, assignee = $3, updated_ms = $4, document = $5 \
         WHERE id = $6 AND version = $7",
    )
    .bind(record.version)
    .bind(record.state.as_str())
    .bind(record.assignee.as_ref().map(ToString::to_string))
    .bind(at.as_millisecond())
    .bind(&document)
    .bind(record.id.to_string())
    .bind(previous.version)
    .execute(&mut *connection)
    .await?;
    if updated.rows_affected() == 0 {
        // Another node sharing the database wrote first.
        let current = load(connection, record.id).await?.version;
        return Err(Error::VersionConflict {
            expected: previous.version,
            current,
        });
    }
    insert_version(connection, &record, document).await?;
    let id = record.id.to_string();
    let seq = journal::append(
        connection,
        Entry {
            change,
            subject: &id,
            version: record.version,
            actor,
            at,
            kind: Some(record.kind),
            state: Some(record.state),
            previous_state: Some(previous.state),
        },
    )
    .await?;
    Ok(Written {
        output: record.version,
        last_seq: Some(seq),
    })
}

fn check_version(record: &Record, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(expected) if expected != record.version => Err(Error::VersionConflict {
            expected,
            current: record.version,
        }),
        _ => Ok(()),
    }
}

/// Checks that an assignee names a user or a pool that exists.
async fn check_assignee(connection: &mut AnyConnection, assignee: &Assignee) -> Result<()> {
    let (sql, name, what) = match assignee {
        Assignee::User(name) => (
            "SELECT 1 AS found FROM users WHERE username = $1",
            name,
            "user",
        ),
        Assignee::Pool(name) => ("SELECT 1 AS found FROM pools WHERE name = $1", name, "pool"),
    };
    let found = sqlx::query(sql)
        .bind(name)
        .fetch_optional(connection)
        .await?;
    if found.is_none() {
        return Err(humdex_model::InvalidInput::at(
            "assignee",
            format!("there is no {what} {name}"),
        )
        .into());
    }
    Ok(())
}

impl Store {
    /// Takes in a new record. Returns once the record and its journal entry are durable.
    pub async fn create_record(
        &self,
        actor: &str,
        new: NewRecord,
        channel: Channel,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created> {
        new.validate()?;
        let actor = actor.to_owned();
        let origin = self.node_id().to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, origin, new, idempotency) = (actor.clone(), origin.clone(), new.clone(), idempotency.clone());
                Box::pin(async move {
                    if let Some(key) = &idempotency {
                        let earlier = sqlx::query(
                            "SELECT record_id, request_hash FROM idempotency_keys WHERE actor = $1 AND key = $2",
                        )
                        .bind(&actor)
                        .bind(&key.key)
                        .fetch_optional(&mut *connection)
                        .await?;
                        if let Some(row) = earlier {
                            if row.try_get::<String, _>("request_hash")? != key.request_hash {
                                return Err(Error::IdempotencyKeyReused);
                            }
                            let id = row.try_get::<String, _>("record_id")?.parse().map_err(corrupt)?;
                            return Ok(Written { output: Created { id, version: 1, replayed: true }, last_seq: None });
                        }
                    }
                    if let Some(assignee) = &new.assignee {
                        check_assignee(connection, assignee).await?;
                    }
                    let record = new.into_record(RecordId::new(now), &origin, &actor, now, channel);
                    insert(connection, &record).await?;
                    let id = record.id.to_string();
                    let seq = journal::append(connection, Entry {
                        change: ChangeKind::RecordCreated,
                        subject: &id,
                        version: 1,
                        actor: &actor,
                        at: now,
                        kind: Some(record.kind),
                        state: Some(record.state),
                        previous_state: None,
                    })
                    .await?;
                    if let Some(key) = idempotency {
                        sqlx::query(
                            "INSERT INTO idempotency_keys (actor, key, request_hash, record_id, created_ms) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(&actor)
                        .bind(key.key)
                        .bind(key.request_hash)
                        .bind(&id)
                        .bind(now.as_millisecond())
                        .execute(&mut *connection)
                        .await?;
                    }
                    Ok(Written { output: Created { id: record.id, version: 1, replayed: false }, last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// The current version of a record.
    pub async fn record(&self, id: RecordId) -> Result<Record> {
        let mut connection = self.pool().acquire().await?;
        load(&mut connection, id).await
    }

    /// A page of records, newest first, starting after `cursor`.
    pub async fn records(
        &self,
        filter: &RecordFilter,
        cursor: Option<RecordId>,
        limit: u32,
    ) -> Result<RecordPage> {
        // One static statement for every filter: a filter left out binds NULL and drops out.
        let rows = sqlx::query(
            "SELECT document FROM records \
             WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) AND (CAST($2 AS TEXT) IS NULL OR assignee = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR kind = $3) AND (CAST($4 AS TEXT) IS NULL OR created_by = $4) \
             AND (CAST($5 AS TEXT) IS NULL OR id < $5) ORDER BY id DESC LIMIT $6",
        )
        .bind(filter.state.map(State::as_str))
        .bind(filter.assignee.as_ref().map(ToString::to_string))
        .bind(filter.kind.map(humdex_model::Kind::as_str))
        .bind(filter.created_by.as_deref())
        .bind(cursor.map(|cursor| cursor.to_string()))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let mut records = rows
            .iter()
            .map(|row| serde_json::from_str::<Record>(row.try_get("document")?).map_err(corrupt))
            .collect::<Result<Vec<_>>>()?;
        let more = records.len() > limit as usize;
        records.truncate(limit as usize);
        let next_cursor = if more {
            records.last().map(|record| record.id)
        } else {
            None
        };
        Ok(RecordPage {
            records,
            next_cursor,
        })
    }

    /// All stored versions of a record, oldest first.
    pub async fn record_versions(&self, id: RecordId) -> Result<Vec<Record>> {
        let rows = sqlx::query(
            "SELECT document FROM record_versions WHERE record_id = $1 ORDER BY version",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Err(Error::NotFound);
        }
        rows.iter()
            .map(|row| serde_json::from_str(row.try_get("document")?).map_err(corrupt))
            .collect()
    }

    /// Applies `patch` to version `expected_version` of a record. Returns the new version.
    pub async fn update_record(
        &self,
        actor: &str,
        id: RecordId,
        expected_version: i64,
        patch: RecordPatch,
        now: Timestamp,
    ) -> Result<i64> {
        let actor = actor.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, patch) = (actor.clone(), patch.clone());
                Box::pin(async move {
                    let previous = load(connection, id).await?;
                    check_version(&previous, Some(expected_version))?;
                    let mut record = previous.clone();
                    patch.apply(&mut record)?;
                    save_change(
                        connection,
                        record,
                        &previous,
                        ChangeKind::RecordUpdated,
                        &actor,
                        now,
                    )
                    .await
                })
            }))
            .await
    }

    /// Moves a record in the workflow and/or hands it to someone else. `assignee` is `None` to
    /// leave the assignee as it is, `Some(None)` to unassign. Returns the new version.
    pub async fn transition(
        &self,
        actor: &str,
        id: RecordId,
        to: Option<State>,
        assignee: Option<Option<Assignee>>,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> Result<i64> {
        let actor = actor.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, assignee) = (actor.clone(), assignee.clone());
                Box::pin(async move {
                    let previous = load(connection, id).await?;
                    check_version(&previous, expected_version)?;
                    let mut record = previous.clone();
                    if let Some(to) = to {
                        if !previous.state.can_move_to(to) {
                            return Err(Error::IllegalTransition {
                                from: previous.state,
                                to,
                            });
                        }
                        record.state = to;
                    }
                    if let Some(assignee) = assignee {
                        if let Some(assignee) = &assignee {
                            check_assignee(connection, assignee).await?;
                        }
                        record.assignee = assignee;
                    }
                    save_change(
                        connection,
                        record,
                        &previous,
                        ChangeKind::RecordTransitioned,
                        &actor,
                        now,
                    )
                    .await
                })
            }))
            .await
    }

    /// Takes a pool's record for `actor`, a member of that pool. Returns the new version.
    pub async fn claim(&self, actor: &str, id: RecordId, now: Timestamp) -> Result<i64> {
        let actor = actor.to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let actor = actor.clone();
                Box::pin(async move {
                    let previous = load(connection, id).await?;
                    let Some(Assignee::Pool(pool)) = &previous.assignee else {
                        return Err(Error::NotPoolAssigned);
                    };
                    let member = sqlx::query(
                        "SELECT 1 AS found FROM pool_members WHERE pool = $1 AND username = $2",
                    )
                    .bind(pool)
                    .bind(&actor)
                    .fetch_optional(&mut *connection)
                    .await?;
                    if member.is_none() {
                        return Err(Error::NotPoolMember(pool.clone()));
                    }
                    let mut record = previous.clone();
                    record.assignee = Some(Assignee::User(actor.clone()));
                    save_change(
                        connection,
                        record,
                        &previous,
                        ChangeKind::RecordClaimed,
                        &actor,
                        now,
                    )
                    .await
                })
            }))
            .await
    }

    /// Attaches a file to a record. The content is stored once however many records carry it.
    /// Returns the attachment and the record's new version (unchanged if the record already
    /// carried the same content under the same name).
    pub async fn attach(
        &self,
        actor: &str,
        id: RecordId,
        filename: String,
        media_type: String,
        content: Vec<u8>,
        now: Timestamp,
    ) -> Result<(Attachment, i64)> {
        let actor = actor.to_owned();
        let attachment = Attachment {
            sha256: hex::encode(Sha256::digest(&content)),
            filename,
            media_type,
            size: content.len() as u64,
        };
        // Shared, not copied, when the batch is replayed.
        let content = std::sync::Arc::new(content);
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, attachment, content) = (actor.clone(), attachment.clone(), content.clone());
                Box::pin(async move {
                    let previous = load(connection, id).await?;
                    if previous.attachments.contains(&attachment) {
                        return Ok(Written { output: (attachment, previous.version), last_seq: None });
                    }
                    sqlx::query("INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                        .bind(&attachment.sha256)
                        .bind(i64::try_from(attachment.size).unwrap_or(i64::MAX))
                        .bind(content.as_slice())
                        .execute(&mut *connection)
                        .await?;
                    let mut record = previous.clone();
                    record.attachments.push(attachment.clone());
                    let written =
                        save_change(connection, record, &previous, ChangeKind::AttachmentAdded, &actor, now).await?;
                    Ok(Written { output: (attachment, written.output), last_seq: written.last_seq })
                })
            }))
            .await
    }

    /// The content of an attachment of record `id`, by its SHA-256.
    pub async fn attachment(&self, id: RecordId, sha256: &str) -> Result<(Attachment, Vec<u8>)> {
        let record = self.record(id).await?;
        let attachment = record
            .attachments
            .into_iter()
            .find(|attachment| attachment.sha256 == sha256)
            .ok_or(Error::NotFound)?;
        let row = sqlx::query("SELECT content FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| corrupt(format!("blob {sha256} is missing")))?;
        Ok((attachment, row.try_get("content")?))
    }
}
