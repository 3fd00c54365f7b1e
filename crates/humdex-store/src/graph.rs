//! The entity graph's store: what analysts decide about entities (merges, exclusions, relations)
//! and what the graph projection reads of each record (its mentions and photos, with their labels).
//!
//! Every decision is journalled and audited in its transaction. An analyst acts only on entities
//! they see through some mention and on records they may read; anything else does not exist for
//! them (`NotFound`), so no one learns of an entity hidden from them by probing its id.

use std::collections::BTreeSet;

use humdex_model::{
    ChangeKind, EntityExclusion, EntityKind, EntityMerge, Label, NewRelation, Reader, Record,
    RecordId, Relation, Sight, validate_reason,
};
use jiff::Timestamp;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Acquire, AnyConnection, Row};
use uuid::Uuid;

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::users::timestamp;
use crate::writer::Written;
use crate::{Error, Result, Store};

/// What the graph projection reads of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordGraphInput {
    /// The record.
    pub record: RecordId,
    /// Whether it exists; if not, it has no mentions or photos.
    pub exists: bool,
    /// Its entities, once per entity and label.
    pub mentions: Vec<GraphMention>,
    /// Its fingerprinted photos, once per file and label.
    pub photos: Vec<GraphPhoto>,
}

/// An entity mentioned in a record, under the label of the part it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphMention {
    /// The entity's id.
    pub entity: String,
    /// Its type.
    pub kind: EntityKind,
    /// What to call it: the normalised value as plain text (a geocoded place's name), or the
    /// text as written when the value is not text (an amount, a point).
    pub name: String,
    /// The label of the part it was found in (the record's and the field's); empty for none.
    pub label: String,
}

/// A photo a record carries, with the fingerprints its file has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphPhoto {
    /// The file (hex SHA-256).
    pub sha256: String,
    /// The record's label and the attachment's; empty for none.
    pub label: String,
    /// The ids of the file's fingerprints (one per variant).
    pub fingerprints: Vec<i64>,
}

/// `at` as the store keeps it (milliseconds), so that what a write returns equals what a read
/// gives back.
pub(crate) fn to_millisecond(at: Timestamp) -> Result<Timestamp> {
    Timestamp::from_millisecond(at.as_millisecond()).map_err(corrupt)
}

/// A nullable label column.
pub(crate) fn stored_label(row: &AnyRow, column: &str) -> Result<Option<Label>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| text.parse().map_err(corrupt))
        .transpose()
}

fn uuid(row: &AnyRow, column: &str) -> Result<Uuid> {
    row.try_get::<String, _>(column)?.parse().map_err(corrupt)
}

/// The kind and key of entity `id` if `reader` sees it through at least one mention; `NotFound`
/// if it does not exist for them.
async fn visible_entity(
    connection: &mut AnyConnection,
    reader: &Reader,
    id: &str,
) -> Result<(EntityKind, String)> {
    let entity = sqlx::query("SELECT kind, key FROM entities WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or(Error::NotFound)?;
    // A mention's label is its record's and its field's, so it covers both; partners see only
    // the records they submitted.
    let labels = sqlx::query(
        "SELECT DISTINCT m.label FROM mentions m JOIN records r ON r.id = m.record_id \
         WHERE m.entity_id = $1 AND (CAST($2 AS TEXT) IS NULL OR r.created_by = $2)",
    )
    .bind(id)
    .bind(reader.only_records_of())
    .fetch_all(&mut *connection)
    .await?;
    let mut seen = false;
    for row in &labels {
        seen = match row.try_get::<&str, _>("label")? {
            "" => true,
            text => reader.satisfies(Some(&text.parse().map_err(corrupt)?)),
        };
        if seen {
            break;
        }
    }
    if !seen {
        return Err(Error::NotFound);
    }
    Ok((
        entity
            .try_get::<String, _>("kind")?
            .parse()
            .map_err(corrupt)?,
        entity.try_get("key")?,
    ))
}

const MERGE_COLUMNS: &str = "id, into_id, merged_id, reason, actor, at_ms, undone_by, undone_ms";

fn merge_from_row(row: &AnyRow) -> Result<EntityMerge> {
    let undone = match row.try_get::<Option<String>, _>("undone_by")? {
        Some(by) => Some((by, timestamp(row, "undone_ms")?)),
        None => None,
    };
    Ok(EntityMerge {
        id: uuid(row, "id")?,
        into: row.try_get("into_id")?,
        merged: row.try_get("merged_id")?,
        reason: row.try_get("reason")?,
        actor: row.try_get("actor")?,
        at: timestamp(row, "at_ms")?,
        undone,
    })
}

/// Whether entity `id` stands merged into another.
async fn is_merged(connection: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS found FROM entity_merges WHERE merged_id = $1 AND undone_ms IS NULL",
    )
    .bind(id)
    .fetch_optional(connection)
    .await?
    .is_some())
}

const RELATION_COLUMNS: &str = "id, kind, from_id, to_id, evidence, label, note, actor, at_ms";

fn relation_from_row(row: &AnyRow) -> Result<Relation> {
    Ok(Relation {
        id: uuid(row, "id")?,
        kind: row.try_get("kind")?,
        from: row.try_get("from_id")?,
        to: row.try_get("to_id")?,
        evidence: serde_json::from_str(row.try_get("evidence")?).map_err(corrupt)?,
        label: stored_label(row, "label")?,
        note: row.try_get("note")?,
        actor: row.try_get("actor")?,
        at: timestamp(row, "at_ms")?,
    })
}

/// What to call an entity: `normalized` (JSON) as plain text when it is a string or a geocoded
/// place, else the text as written.
fn display_name(normalized: &str, text: String) -> String {
    match serde_json::from_str::<Value>(normalized) {
        Ok(Value::String(value)) => value,
        Ok(Value::Object(place)) if place.contains_key("country") => match place.get("name") {
            Some(Value::String(name)) => name.clone(),
            _ => text,
        },
        _ => text,
    }
}

/// The label of attachment `sha256` of `record` as stored text, once per distinct label.
fn photo_labels(record: &Record, sha256: &str) -> Result<BTreeSet<String>> {
    record
        .attachments
        .iter()
        .filter(|attachment| attachment.sha256 == sha256)
        .map(|attachment| {
            let label =
                Label::both(record.label.as_ref(), attachment.label.as_ref()).map_err(corrupt)?;
            Ok(label.map_or_else(String::new, |label| label.as_str().to_owned()))
        })
        .collect()
}

async fn fingerprint_ids(connection: &mut AnyConnection, blob: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM image_fingerprints WHERE blob = $1 ORDER BY id")
        .bind(blob)
        .fetch_all(connection)
        .await?;
    rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
}

async fn graph_input(connection: &mut AnyConnection, id: RecordId) -> Result<RecordGraphInput> {
    let record = match crate::records::load(&mut *connection, id).await {
        Ok(record) => record,
        Err(Error::NotFound) => {
            return Ok(RecordGraphInput {
                record: id,
                exists: false,
                mentions: Vec::new(),
                photos: Vec::new(),
            });
        }
        Err(error) => return Err(error),
    };
    let rows = sqlx::query(
        "SELECT entity_id, kind, normalized, text, label FROM mentions WHERE record_id = $1 \
         ORDER BY part, start_char",
    )
    .bind(id.to_string())
    .fetch_all(&mut *connection)
    .await?;
    let mut mentions = Vec::new();
    let mut seen = BTreeSet::new();
    for row in &rows {
        let (entity, label): (String, String) = (row.try_get("entity_id")?, row.try_get("label")?);
        if !seen.insert((entity.clone(), label.clone())) {
            continue;
        }
        mentions.push(GraphMention {
            entity,
            kind: row.try_get::<String, _>("kind")?.parse().map_err(corrupt)?,
            name: display_name(row.try_get("normalized")?, row.try_get("text")?),
            label,
        });
    }
    let mut photos = Vec::new();
    let files: BTreeSet<&str> = record
        .attachments
        .iter()
        .map(|attachment| attachment.sha256.as_str())
        .collect();
    for sha256 in files {
        let fingerprints = fingerprint_ids(&mut *connection, sha256).await?;
        if fingerprints.is_empty() {
            continue;
        }
        for label in photo_labels(&record, sha256)? {
            photos.push(GraphPhoto {
                sha256: sha256.to_owned(),
                label,
                fingerprints: fingerprints.clone(),
            });
        }
    }
    Ok(RecordGraphInput {
        record: id,
        exists: true,
        mentions,
        photos,
    })
}

impl Store {
    /// Merges entity `merged` into entity `into` for `actor`, who must see both through some
    /// mention (`NotFound` otherwise, as for an entity that does not exist). Refused: merging an
    /// entity into itself or into one of another type, merging one that stands merged already,
    /// and merging into one that is itself merged (name the one it is merged into).
    pub async fn merge_entities(
        &self,
        actor: &Reader,
        into: &str,
        merged: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<EntityMerge> {
        validate_reason("reason", reason)?;
        if into == merged {
            return Err(humdex_model::InvalidInput::at(
                "merged",
                "an entity cannot be merged into itself",
            )
            .into());
        }
        let merge = EntityMerge {
            id: Uuid::now_v7(),
            into: into.to_owned(),
            merged: merged.to_owned(),
            reason: reason.to_owned(),
            actor: actor.name().to_owned(),
            at: to_millisecond(now)?,
            undone: None,
        };
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, merge) = (actor.clone(), merge.clone());
                Box::pin(async move {
                    let (into_kind, _) = visible_entity(connection, &actor, &merge.into).await?;
                    let (merged_kind, _) =
                        visible_entity(connection, &actor, &merge.merged).await?;
                    if into_kind != merged_kind {
                        return Err(humdex_model::InvalidInput::at(
                            "merged",
                            format!("a {merged_kind} cannot be merged into a {into_kind}"),
                        )
                        .into());
                    }
                    if is_merged(connection, &merge.merged).await? {
                        return Err(humdex_model::InvalidInput::at(
                            "merged",
                            "this entity is merged into another already; undo that merge first",
                        )
                        .into());
                    }
                    if is_merged(connection, &merge.into).await? {
                        return Err(humdex_model::InvalidInput::at(
                            "into",
                            "this entity is merged into another; merge into that one instead",
                        )
                        .into());
                    }
                    let id = merge.id.to_string();
                    sqlx::query(
                        "INSERT INTO entity_merges (id, into_id, merged_id, reason, actor, at_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&id)
                    .bind(&merge.into)
                    .bind(&merge.merged)
                    .bind(&merge.reason)
                    .bind(&merge.actor)
                    .bind(merge.at.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    let detail = Map::from_iter([
                        ("into".to_owned(), Value::from(merge.into.as_str())),
                        ("merged".to_owned(), merge.merged.as_str().into()),
                        ("reason".to_owned(), merge.reason.as_str().into()),
                    ]);
                    let entry = Entry {
                        source: actor.address(),
                        ..Entry::about(ChangeKind::EntitiesMerged, &id, 1, actor.name(), merge.at)
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: merge,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Undoes merge `id` for `actor`, who must see both its entities (`NotFound` otherwise), and
    /// answers it as it now is. A merge is undone once; the row stays, with who undid it.
    pub async fn undo_merge(
        &self,
        actor: &Reader,
        id: Uuid,
        now: Timestamp,
    ) -> Result<EntityMerge> {
        let at = to_millisecond(now)?;
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let actor = actor.clone();
                Box::pin(async move {
                    let subject = id.to_string();
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {MERGE_COLUMNS} FROM entity_merges WHERE id = $1"
                    )))
                    .bind(&subject)
                    .fetch_optional(&mut *connection)
                    .await?
                    .ok_or(Error::NotFound)?;
                    let mut merge = merge_from_row(&row)?;
                    visible_entity(connection, &actor, &merge.into).await?;
                    visible_entity(connection, &actor, &merge.merged).await?;
                    if merge.undone.is_some() {
                        return Err(humdex_model::InvalidInput::at(
                            "id",
                            "this merge was undone already",
                        )
                        .into());
                    }
                    sqlx::query(
                        "UPDATE entity_merges SET undone_by = $1, undone_ms = $2 WHERE id = $3",
                    )
                    .bind(actor.name())
                    .bind(at.as_millisecond())
                    .bind(&subject)
                    .execute(&mut *connection)
                    .await?;
                    merge.undone = Some((actor.name().to_owned(), at));
                    let entry = Entry {
                        source: actor.address(),
                        ..Entry::about(ChangeKind::EntityMergeUndone, &subject, 2, actor.name(), at)
                    };
                    let seq = journal::append(connection, entry).await?;
                    Ok(Written {
                        output: merge,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Every merge, standing and undone, in the order they were made: for the graph projection.
    pub async fn entity_merges(&self) -> Result<Vec<EntityMerge>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MERGE_COLUMNS} FROM entity_merges ORDER BY at_ms, id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(merge_from_row).collect()
    }

    /// Merge `id`, standing or undone: for the graph projection following the journal.
    pub async fn entity_merge(&self, id: Uuid) -> Result<Option<EntityMerge>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MERGE_COLUMNS} FROM entity_merges WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(merge_from_row)
        .transpose()
    }

    /// Excludes entity `entity` from linking, for `actor`, who must see it through some mention
    /// (`NotFound` otherwise); whether they may (admins only) is the caller's to check.
    pub async fn exclude_entity(
        &self,
        actor: &Reader,
        entity: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        validate_reason("reason", reason)?;
        let (entity, reason, actor) = (entity.to_owned(), reason.to_owned(), actor.clone());
        let at = to_millisecond(now)?;
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (entity, reason, actor) = (entity.clone(), reason.clone(), actor.clone());
                Box::pin(async move {
                    let (kind, key) = visible_entity(connection, &actor, &entity).await?;
                    let row = sqlx::query(
                        "INSERT INTO entity_exclusions (entity_id, kind, key, reason, actor, at_ms, \
                         active, version) VALUES ($1, $2, $3, $4, $5, $6, 1, 1) \
                         ON CONFLICT (entity_id) DO UPDATE SET reason = excluded.reason, \
                         actor = excluded.actor, at_ms = excluded.at_ms, active = 1, \
                         version = entity_exclusions.version + 1 \
                         WHERE entity_exclusions.active = 0 RETURNING version",
                    )
                    .bind(&entity)
                    .bind(kind.as_str())
                    .bind(&key)
                    .bind(&reason)
                    .bind(actor.name())
                    .bind(at.as_millisecond())
                    .fetch_optional(&mut *connection)
                    .await?
                    .ok_or_else(|| {
                        humdex_model::InvalidInput::at("entity", "this entity is excluded already")
                    })?;
                    let detail = Map::from_iter([("reason".to_owned(), Value::from(reason))]);
                    let entry = Entry {
                        source: actor.address(),
                        ..Entry::about(
                            ChangeKind::EntityExcluded,
                            &entity,
                            row.try_get("version")?,
                            actor.name(),
                            at,
                        )
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: (),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Lets excluded entity `entity` link again, for `actor`, who must see it through some
    /// mention (`NotFound` otherwise).
    pub async fn include_entity(&self, actor: &Reader, entity: &str, now: Timestamp) -> Result<()> {
        let (entity, actor) = (entity.to_owned(), actor.clone());
        let at = to_millisecond(now)?;
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (entity, actor) = (entity.clone(), actor.clone());
                Box::pin(async move {
                    visible_entity(connection, &actor, &entity).await?;
                    let row = sqlx::query(
                        "UPDATE entity_exclusions SET active = 0, version = version + 1 \
                         WHERE entity_id = $1 AND active = 1 RETURNING version",
                    )
                    .bind(&entity)
                    .fetch_optional(&mut *connection)
                    .await?
                    .ok_or_else(|| {
                        humdex_model::InvalidInput::at("entity", "this entity is not excluded")
                    })?;
                    let entry = Entry {
                        source: actor.address(),
                        ..Entry::about(
                            ChangeKind::EntityExclusionRemoved,
                            &entity,
                            row.try_get("version")?,
                            actor.name(),
                            at,
                        )
                    };
                    let seq = journal::append(connection, entry).await?;
                    Ok(Written {
                        output: (),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// The entities excluded from linking now, oldest exclusion first.
    pub async fn entity_exclusions(&self) -> Result<Vec<EntityExclusion>> {
        let rows = sqlx::query(
            "SELECT entity_id, kind, key, reason, actor, at_ms FROM entity_exclusions \
             WHERE active = 1 ORDER BY at_ms, entity_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EntityExclusion {
                    entity: row.try_get("entity_id")?,
                    kind: row.try_get::<String, _>("kind")?.parse().map_err(corrupt)?,
                    key: row.try_get("key")?,
                    reason: row.try_get("reason")?,
                    actor: row.try_get("actor")?,
                    at: timestamp(row, "at_ms")?,
                })
            })
            .collect()
    }

    /// States relation `new` for `actor`, who must see both entities through some mention and
    /// read every evidence record in full (`NotFound` otherwise), and may write its label.
    /// Evidence cited twice is kept once.
    pub async fn add_relation(
        &self,
        actor: &Reader,
        new: NewRelation,
        now: Timestamp,
    ) -> Result<Relation> {
        new.validate()?;
        if let Some(label) = &new.label {
            self.check_label(actor, "label", label).await?;
        }
        let mut cited = BTreeSet::new();
        let evidence = new
            .evidence
            .into_iter()
            .filter(|record| cited.insert(*record))
            .collect();
        let relation = Relation {
            id: Uuid::now_v7(),
            kind: new.kind,
            from: new.from,
            to: new.to,
            evidence,
            label: new.label,
            note: new.note,
            actor: actor.name().to_owned(),
            at: to_millisecond(now)?,
        };
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, relation) = (actor.clone(), relation.clone());
                Box::pin(async move {
                    visible_entity(connection, &actor, &relation.from).await?;
                    visible_entity(connection, &actor, &relation.to).await?;
                    for record in &relation.evidence {
                        let record = crate::records::load(connection, *record).await?;
                        if actor.sight(&record) != Sight::Full {
                            return Err(Error::NotFound);
                        }
                    }
                    let id = relation.id.to_string();
                    let evidence = serde_json::to_string(&relation.evidence).map_err(corrupt)?;
                    sqlx::query(
                        "INSERT INTO relations (id, kind, from_id, to_id, evidence, label, note, \
                         actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&id)
                    .bind(&relation.kind)
                    .bind(&relation.from)
                    .bind(&relation.to)
                    .bind(&evidence)
                    .bind(relation.label.as_ref().map(Label::as_str))
                    .bind(&relation.note)
                    .bind(&relation.actor)
                    .bind(relation.at.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    let detail = Map::from_iter([
                        ("kind".to_owned(), Value::from(relation.kind.as_str())),
                        ("from".to_owned(), relation.from.as_str().into()),
                        ("to".to_owned(), relation.to.as_str().into()),
                        (
                            "evidence".to_owned(),
                            serde_json::to_value(&relation.evidence).map_err(corrupt)?,
                        ),
                    ]);
                    let entry = Entry {
                        label: relation.label.as_ref(),
                        source: actor.address(),
                        ..Entry::about(ChangeKind::RelationAdded, &id, 1, actor.name(), relation.at)
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: relation,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Removes relation `id` for `actor`, who must satisfy its label and see both its entities
    /// (`NotFound` otherwise). The row stays, with who removed it.
    pub async fn remove_relation(&self, actor: &Reader, id: Uuid, now: Timestamp) -> Result<()> {
        let at = to_millisecond(now)?;
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let actor = actor.clone();
                Box::pin(async move {
                    let subject = id.to_string();
                    let relation = standing_relation(connection, &subject)
                        .await?
                        .filter(|relation| actor.satisfies(relation.label.as_ref()))
                        .ok_or(Error::NotFound)?;
                    visible_entity(connection, &actor, &relation.from).await?;
                    visible_entity(connection, &actor, &relation.to).await?;
                    sqlx::query(
                        "UPDATE relations SET removed_by = $1, removed_ms = $2 WHERE id = $3",
                    )
                    .bind(actor.name())
                    .bind(at.as_millisecond())
                    .bind(&subject)
                    .execute(&mut *connection)
                    .await?;
                    let entry = Entry {
                        label: relation.label.as_ref(),
                        source: actor.address(),
                        ..Entry::about(ChangeKind::RelationRemoved, &subject, 2, actor.name(), at)
                    };
                    let seq = journal::append(connection, entry).await?;
                    Ok(Written {
                        output: (),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Every relation not removed, oldest first: for the graph projection, which shows each
    /// reader those they may see.
    pub async fn relations(&self) -> Result<Vec<Relation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RELATION_COLUMNS} FROM relations WHERE removed_ms IS NULL ORDER BY at_ms, id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(relation_from_row).collect()
    }

    /// Relation `id`, unless it does not exist or was removed; whoever may see it.
    pub async fn relation(&self, id: Uuid) -> Result<Option<Relation>> {
        let mut connection = self.pool().acquire().await?;
        standing_relation(&mut connection, &id.to_string()).await
    }

    /// Entity `id`'s type and key, whoever may see it: for projections.
    pub async fn entity(&self, id: &str) -> Result<Option<(EntityKind, String)>> {
        sqlx::query("SELECT kind, key FROM entities WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("kind")?.parse().map_err(corrupt)?,
                    row.try_get("key")?,
                ))
            })
            .transpose()
    }

    /// What the graph projection reads of each of `records`, in their order, with every label
    /// for it to apply: read in one transaction.
    pub async fn graph_inputs(&self, records: &[RecordId]) -> Result<Vec<RecordGraphInput>> {
        let mut connection = self.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        let mut inputs = Vec::with_capacity(records.len());
        for record in records {
            inputs.push(graph_input(&mut transaction, *record).await?);
        }
        transaction.commit().await?;
        Ok(inputs)
    }

    /// For each of fingerprint `ids`, the records whose photo it is: (fingerprint id, record,
    /// file, label of the photo in that record as [`GraphPhoto::label`]). For turning a photo
    /// match into the other record's photo; the caller applies the labels.
    pub async fn photos_of_fingerprints(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(i64, RecordId, String, String)>> {
        let mut connection = self.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        let mut photos = Vec::new();
        for id in ids {
            let rows = sqlx::query(
                "SELECT f.blob, rb.record_id FROM image_fingerprints f \
                 JOIN record_blobs rb ON rb.blob = f.blob WHERE f.id = $1 ORDER BY rb.record_id",
            )
            .bind(id)
            .fetch_all(&mut *transaction)
            .await?;
            for row in &rows {
                let sha256: String = row.try_get("blob")?;
                let record: RecordId = row
                    .try_get::<String, _>("record_id")?
                    .parse()
                    .map_err(corrupt)?;
                // The image projection may lag behind an edit that dropped the file.
                let stored = crate::records::load(&mut transaction, record).await?;
                for label in photo_labels(&stored, &sha256)? {
                    photos.push((*id, record, sha256.clone(), label));
                }
            }
        }
        transaction.commit().await?;
        Ok(photos)
    }
}

async fn standing_relation(connection: &mut AnyConnection, id: &str) -> Result<Option<Relation>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RELATION_COLUMNS} FROM relations WHERE id = $1 AND removed_ms IS NULL"
    )))
    .bind(id)
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(relation_from_row)
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_called_by_their_plain_value() {
        assert_eq!(
            display_name(r#""+15555550100""#, "555-0100".into()),
            "+15555550100"
        );
        assert_eq!(
            display_name(
                r#"{"name": "Łódź", "lat": 51.77, "lon": 19.45, "country": "PL"}"#,
                "Lodz".into()
            ),
            "Łódź"
        );
        assert_eq!(
            display_name(
                r#"{"amount": 200, "currency": "roses"}"#,
                "200 roses".into()
            ),
            "200 roses"
        );
        assert_eq!(
            display_name(r#"{"platform": "kik", "name": "anna"}"#, "kik: anna".into()),
            "kik: anna"
        );
    }
}
