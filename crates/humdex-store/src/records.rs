//! Records: intake, reads, edits, workflow moves, claims and attachments.

use humdex_model::{
    Assignee, Attachment, ChangeKind, Channel, Denied, Label, NewRecord, Reader, Record, RecordId,
    RecordPatch, RecordView, Sight, State, VisibleRecord,
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
}

impl RecordFilter {
    /// Whether the filter selects by something a pointer does not show, so that pointers must
    /// stay out of the list lest they reveal it.
    fn hides_pointers(&self) -> bool {
        self.state.is_some() || self.assignee.is_some()
    }
}

/// One page of a record list, newest first.
#[derive(Debug, Clone)]
pub struct RecordPage {
    /// The records, as the reader may see them.
    pub records: Vec<RecordView>,
    /// The cursor for the next page, if there is one.
    pub next_cursor: Option<RecordId>,
}

fn document(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(corrupt)
}

pub(crate) async fn load(connection: &mut AnyConnection, id: RecordId) -> Result<Record> {
    let row = sqlx::query("SELECT document FROM records WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(connection)
        .await?
        .ok_or(Error::NotFound)?;
    serde_json::from_str(row.try_get("document")?).map_err(corrupt)
}

/// Loads a record for `reader` to change: one they cannot see does not exist for them, and one
/// they see only a pointer to is not theirs to change.
pub(crate) async fn load_for(
    connection: &mut AnyConnection,
    reader: &Reader,
    id: RecordId,
) -> Result<Record> {
    let record = load(connection, id).await?;
    match reader.sight(&record) {
        Sight::Full => Ok(record),
        Sight::Pointer => Err(Denied {
            field: None,
            message: "you see only a pointer to this record; ask its point of contact".to_owned(),
        }
        .into()),
        Sight::None => Err(Error::NotFound),
    }
}

/// Refuses labels that name an authorization no admin has defined: a typo in a label would
/// otherwise hide a record from everyone.
async fn check_defined<'a>(
    connection: &mut AnyConnection,
    labels: impl Iterator<Item = (String, &'a Label)>,
) -> Result<()> {
    for (path, label) in labels {
        for authorization in label.authorizations() {
            let defined = sqlx::query("SELECT 1 AS found FROM authorizations WHERE name = $1")
                .bind(authorization)
                .fetch_optional(&mut *connection)
                .await?;
            if defined.is_none() {
                return Err(humdex_model::InvalidInput::at(
                    path,
                    format!(
                        "unknown authorization `{authorization}`: an admin must define it first"
                    ),
                )
                .into());
            }
        }
    }
    Ok(())
}

impl Store {
    /// Refuses `label` (at `field`) if it names an undefined authorization or one `writer` lacks:
    /// the check every write of a label passes, for callers that must refuse before writing.
    pub async fn check_label(&self, writer: &Reader, field: &str, label: &Label) -> Result<()> {
        let mut connection = self.pool().acquire().await?;
        check_defined(&mut connection, std::iter::once((field.to_owned(), label))).await?;
        writer.check_writable(Some(label), field)?;
        Ok(())
    }
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
    writer: &Reader,
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
            actor: writer.name(),
            at,
            kind: Some(record.kind),
            state: Some(record.state),
            previous_state: Some(previous.state),
            label: record.label.as_ref(),
            previous_label: previous.label.as_ref(),
            source: writer.address(),
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

/// Stores a file's content once, however many records carry it.
async fn store_blob(
    connection: &mut AnyConnection,
    attachment: &Attachment,
    content: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&attachment.sha256)
    .bind(i64::try_from(attachment.size).unwrap_or(i64::MAX))
    .bind(content)
    .execute(connection)
    .await?;
    Ok(())
}

/// The attachment that `content` named `filename` becomes.
fn attachment_of(
    filename: String,
    media_type: String,
    label: Option<Label>,
    content: &[u8],
) -> Attachment {
    Attachment {
        sha256: hex::encode(Sha256::digest(content)),
        filename,
        media_type,
        size: content.len() as u64,
        label,
    }
}

impl Store {
    /// Takes in a new record. Returns once the record and its journal entry are durable.
    /// The writer must satisfy every label they put on it.
    pub async fn create_record(
        &self,
        writer: &Reader,
        new: NewRecord,
        channel: Channel,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created> {
        self.create_with_attachments(writer, new, channel, Vec::new(), idempotency, now)
            .await
    }

    /// Takes in a new record that carries `attachments` (file name, media type, content) from
    /// the start: the record, its files and its one `RecordCreated` journal entry commit together
    /// or not at all, so an import never leaves a record without the files it came with. The
    /// attachments take the record's label; the same file under the same name is attached once.
    pub async fn create_with_attachments(
        &self,
        writer: &Reader,
        new: NewRecord,
        channel: Channel,
        attachments: Vec<(String, String, Vec<u8>)>,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created> {
        new.validate()?;
        let mut files: Vec<(Attachment, Vec<u8>)> = Vec::with_capacity(attachments.len());
        for (filename, media_type, content) in attachments {
            let attachment = attachment_of(filename, media_type, None, &content);
            if !files.iter().any(|(earlier, _)| *earlier == attachment) {
                files.push((attachment, content));
            }
        }
        // Shared, not copied, when the batch is replayed.
        let files = std::sync::Arc::new(files);
        let writer = writer.clone();
        let actor = writer.name().to_owned();
        let origin = self.node_id().to_owned();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (writer, actor, origin, new, idempotency, files) = (
                    writer.clone(),
                    actor.clone(),
                    origin.clone(),
                    new.clone(),
                    idempotency.clone(),
                    files.clone(),
                );
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
                    // Unknown authorizations first: "define it" helps more than "you lack it".
                    check_defined(connection, new.labels()).await?;
                    writer.check_new_record(&new)?;
                    if let Some(assignee) = &new.assignee {
                        check_assignee(connection, assignee).await?;
                    }
                    let mut record = new.into_record(RecordId::new(now), &origin, &actor, now, channel);
                    for (attachment, content) in files.iter() {
                        store_blob(connection, attachment, content).await?;
                        record.attachments.push(attachment.clone());
                    }
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
                        label: record.label.as_ref(),
                        previous_label: None,
                        source: writer.address(),
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

    /// The current version of a record as `reader` may see it; `NotFound` if it does not exist
    /// for them.
    pub async fn record(&self, reader: &Reader, id: RecordId) -> Result<RecordView> {
        let mut connection = self.pool().acquire().await?;
        reader
            .view(load(&mut connection, id).await?)
            .ok_or(Error::NotFound)
    }

    /// A page of the records `reader` may see, newest first, starting after `cursor`. Records
    /// they cannot see are skipped, so pages are filled from further down the list.
    pub async fn records(
        &self,
        reader: &Reader,
        filter: &RecordFilter,
        mut cursor: Option<RecordId>,
        limit: u32,
    ) -> Result<RecordPage> {
        let limit = limit as usize;
        let mut records = Vec::with_capacity(limit);
        loop {
            let batch = self.record_batch(reader, filter, cursor, limit + 1).await?;
            let exhausted = batch.len() <= limit;
            cursor = batch.last().map(|record| record.id).or(cursor);
            for record in batch {
                let view = match reader.view(record) {
                    Some(RecordView::Pointer(_)) if filter.hides_pointers() => continue,
                    Some(view) => view,
                    None => continue,
                };
                if records.len() == limit {
                    let next_cursor = records.last().map(RecordView::id);
                    return Ok(RecordPage {
                        records,
                        next_cursor,
                    });
                }
                records.push(view);
            }
            if exhausted {
                return Ok(RecordPage {
                    records,
                    next_cursor: None,
                });
            }
        }
    }

    /// Up to `limit` stored records matching `filter` after `cursor`, newest first, unredacted.
    async fn record_batch(
        &self,
        reader: &Reader,
        filter: &RecordFilter,
        cursor: Option<RecordId>,
        limit: usize,
    ) -> Result<Vec<Record>> {
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
        .bind(reader.only_records_of())
        .bind(cursor.map(|cursor| cursor.to_string()))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| serde_json::from_str::<Record>(row.try_get("document")?).map_err(corrupt))
            .collect()
    }

    /// Every stored version of a record that `reader` may see in full, oldest first. Versions
    /// whose label the reader did not satisfy are left out.
    pub async fn record_versions(
        &self,
        reader: &Reader,
        id: RecordId,
    ) -> Result<Vec<VisibleRecord>> {
        let mut connection = self.pool().acquire().await?;
        load_for(&mut connection, reader, id).await?;
        let rows = sqlx::query(
            "SELECT document FROM record_versions WHERE record_id = $1 ORDER BY version",
        )
        .bind(id.to_string())
        .fetch_all(&mut *connection)
        .await?;
        let mut versions = Vec::with_capacity(rows.len());
        for row in &rows {
            let record = serde_json::from_str(row.try_get("document")?).map_err(corrupt)?;
            if let Some(RecordView::Full(visible)) = reader.view(record) {
                versions.push(*visible);
            }
        }
        Ok(versions)
    }

    /// Applies `patch` to version `expected_version` of a record. Returns the new version.
    /// The writer may not touch fields withheld from them, nor write labels they do not satisfy;
    /// a patch that changes labels is journalled as a relabelling.
    pub async fn update_record(
        &self,
        writer: &Reader,
        id: RecordId,
        expected_version: i64,
        patch: RecordPatch,
        now: Timestamp,
    ) -> Result<i64> {
        let writer = writer.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (writer, patch) = (writer.clone(), patch.clone());
                Box::pin(async move {
                    let previous = load_for(connection, &writer, id).await?;
                    check_version(&previous, Some(expected_version))?;
                    check_defined(connection, patch.labels()).await?;
                    writer.check_patch(&previous, &patch)?;
                    let change = if patch.relabels(&previous) {
                        ChangeKind::RecordRelabelled
                    } else {
                        ChangeKind::RecordUpdated
                    };
                    let mut record = previous.clone();
                    patch.apply(&mut record)?;
                    save_change(connection, record, &previous, change, &writer, now).await
                })
            }))
            .await
    }

    /// Moves a record in the workflow and/or hands it to someone else. `assignee` is `None` to
    /// leave the assignee as it is, `Some(None)` to unassign. Returns the new version.
    pub async fn transition(
        &self,
        actor: &Reader,
        id: RecordId,
        to: Option<State>,
        assignee: Option<Option<Assignee>>,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> Result<i64> {
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, assignee) = (actor.clone(), assignee.clone());
                Box::pin(async move {
                    let previous = load_for(connection, &actor, id).await?;
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
    pub async fn claim(&self, actor: &Reader, id: RecordId, now: Timestamp) -> Result<i64> {
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let actor = actor.clone();
                Box::pin(async move {
                    let previous = load_for(connection, &actor, id).await?;
                    let Some(Assignee::Pool(pool)) = &previous.assignee else {
                        return Err(Error::NotPoolAssigned);
                    };
                    let member = sqlx::query(
                        "SELECT 1 AS found FROM pool_members WHERE pool = $1 AND username = $2",
                    )
                    .bind(pool)
                    .bind(actor.name())
                    .fetch_optional(&mut *connection)
                    .await?;
                    if member.is_none() {
                        return Err(Error::NotPoolMember(pool.clone()));
                    }
                    let mut record = previous.clone();
                    record.assignee = Some(Assignee::User(actor.name().to_owned()));
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

    /// Attaches a file to a record, guarded by `label` besides the record's label. The content
    /// is stored once however many records carry it. Returns the attachment and the record's new
    /// version (unchanged if the record already carried the same file, name and label).
    #[expect(clippy::too_many_arguments, reason = "an upload is that many things")]
    pub async fn attach(
        &self,
        actor: &Reader,
        id: RecordId,
        filename: String,
        media_type: String,
        label: Option<Label>,
        content: Vec<u8>,
        now: Timestamp,
    ) -> Result<(Attachment, i64)> {
        let actor = actor.clone();
        let attachment = attachment_of(filename, media_type, label, &content);
        // Shared, not copied, when the batch is replayed.
        let content = std::sync::Arc::new(content);
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, attachment, content) =
                    (actor.clone(), attachment.clone(), content.clone());
                Box::pin(async move {
                    let previous = load_for(connection, &actor, id).await?;
                    check_defined(
                        connection,
                        attachment
                            .label
                            .iter()
                            .map(|label| ("label".to_owned(), label)),
                    )
                    .await?;
                    actor.check_writable(attachment.label.as_ref(), "label")?;
                    if previous.attachments.contains(&attachment) {
                        return Ok(Written {
                            output: (attachment, previous.version),
                            last_seq: None,
                        });
                    }
                    store_blob(connection, &attachment, &content).await?;
                    let mut record = previous.clone();
                    record.attachments.push(attachment.clone());
                    let written = save_change(
                        connection,
                        record,
                        &previous,
                        ChangeKind::AttachmentAdded,
                        &actor,
                        now,
                    )
                    .await?;
                    Ok(Written {
                        output: (attachment, written.output),
                        last_seq: written.last_seq,
                    })
                })
            }))
            .await
    }

    /// The content of an attachment of record `id`, by its SHA-256, if `reader` may see it.
    pub async fn attachment(
        &self,
        reader: &Reader,
        id: RecordId,
        sha256: &str,
    ) -> Result<(Attachment, Vec<u8>)> {
        let RecordView::Full(visible) = self.record(reader, id).await? else {
            return Err(Error::NotFound);
        };
        let attachment = visible
            .record()
            .attachments
            .iter()
            .find(|attachment| attachment.sha256 == sha256)
            .cloned()
            .ok_or(Error::NotFound)?;
        let row = sqlx::query("SELECT content FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| corrupt(format!("blob {sha256} is missing")))?;
        Ok((attachment, row.try_get("content")?))
    }
}
