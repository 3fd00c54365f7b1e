//! What text analysis found in each record, kept by the analysis projection and read back through
//! the reader's view of the record, so that a mention is shown only with the part it came from.

use humdex_model::{
    EntityKind, IndicatorMention, Label, Mention, Reader, Record, RecordId, Seq, TextPart,
    VisibleRecord,
};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Acquire, AnyConnection, Row};

use crate::error::corrupt;
use crate::projection::advance;
use crate::{Error, Result, Store};

/// The analysis of one version of a record, for the projection to store.
#[derive(Debug, Clone)]
pub struct RecordAnalysis {
    /// The record as analysed; the parts' labels come from it.
    pub record: Record,
    /// The entity mentions in all its text parts.
    pub mentions: Vec<Mention>,
    /// The indicator hits in all its text parts.
    pub indicators: Vec<IndicatorMention>,
}

/// What a reader may see of a record's analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleAnalysis {
    /// The version of the record that was analysed; `None` if it has not been analysed yet.
    pub version: Option<i64>,
    /// Mentions in the parts the reader may see, by part and position.
    pub mentions: Vec<Mention>,
    /// Indicator hits in the parts the reader may see, by part and position.
    pub indicators: Vec<IndicatorMention>,
}

/// Identifiers with the same normalised value are one entity wherever they occur; a name is an
/// entity of its record only, since two people may share one and merging them is an analyst's
/// decision.
fn entity_key(record: RecordId, mention: &Mention) -> String {
    let value = mention.normalized.to_string();
    match mention.kind {
        EntityKind::Person | EntityKind::Organization => format!("{record}/{value}"),
        _ => value,
    }
}

fn entity_id(kind: EntityKind, key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(kind.as_str());
    hash.update([0]);
    hash.update(key);
    hex::encode(hash.finalize())
}

/// The label guarding `part` of `record`: the record's, and the field's own besides.
fn part_label(record: &Record, part: &TextPart) -> Result<String> {
    let field_label = part
        .field()
        .and_then(|name| record.fields.get(name))
        .and_then(|field| field.label.as_ref());
    let label = Label::both(record.label.as_ref(), field_label).map_err(corrupt)?;
    Ok(label.map_or_else(String::new, |label| label.as_str().to_owned()))
}

impl Store {
    /// The current record `id` as stored, with nothing withheld: for projections only, which
    /// keep what they derive under the labels of its parts. `None` if there is no such record.
    pub async fn record_for_projection(&self, id: RecordId) -> Result<Option<Record>> {
        let mut connection = self.pool().acquire().await?;
        match crate::records::load(&mut connection, id).await {
            Ok(record) => Ok(Some(record)),
            Err(Error::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The version of record `id` last analysed and every mention found in it, with nothing
    /// withheld: for projections only, which keep what they derive under the labels of its
    /// parts. `None` if the record has not been analysed.
    pub async fn analysis_for_projection(
        &self,
        id: RecordId,
    ) -> Result<Option<(i64, Vec<Mention>)>> {
        let Some(version) = sqlx::query("SELECT version FROM record_analyses WHERE record_id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let version: i64 = version.try_get("version")?;
        let rows = sqlx::query(
            "SELECT part, start_char, end_char, kind, text, normalized, confidence, source \
             FROM mentions WHERE record_id = $1 ORDER BY part, start_char",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        let mentions = rows
            .iter()
            .map(|row| {
                let part = row.try_get::<String, _>("part")?.parse().map_err(corrupt)?;
                mention_from_row(row, part)
            })
            .collect::<Result<_>>()?;
        Ok(Some((version, mentions)))
    }

    /// Every mention found in record `id` with the label of the part it was found in, with
    /// nothing withheld: for projections only (the map), which keep each under its label.
    pub async fn labelled_mentions_for_projection(
        &self,
        id: RecordId,
    ) -> Result<Vec<(Mention, Option<Label>)>> {
        let rows = sqlx::query(
            "SELECT part, start_char, end_char, kind, text, normalized, confidence, source, label \
             FROM mentions WHERE record_id = $1 ORDER BY part, start_char",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let part = row.try_get::<String, _>("part")?.parse().map_err(corrupt)?;
                Ok((mention_from_row(row, part)?, stored_label(row)?))
            })
            .collect()
    }

    /// Stores `analyses`, replacing each record's earlier analysis, and moves projection
    /// `projection` on to `last`, in one transaction. Nothing is stored if another node sharing
    /// the store has already applied changes from `after` on.
    pub async fn save_analyses(
        &self,
        projection: &str,
        after: Seq,
        last: Seq,
        analyses: &[RecordAnalysis],
    ) -> Result<()> {
        let mut connection = self.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        if advance(&mut transaction, projection, last).await? != Some(after) {
            return Ok(());
        }
        for analysis in analyses {
            save_analysis(&mut transaction, analysis).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// The analysis of the record `visible` shows `reader` (as [`Store::record`] gave it them),
    /// without the mentions in the parts withheld from them.
    pub async fn analysis(
        &self,
        reader: &Reader,
        visible: &VisibleRecord,
    ) -> Result<VisibleAnalysis> {
        let id = visible.record().id;
        // Whether the reader may see that part of the record.
        let shows = |part: &TextPart, label: Option<&Label>| {
            let withheld = part
                .field()
                .is_some_and(|name| visible.withheld_fields().contains(name));
            !withheld && reader.satisfies(label)
        };
        // A row's part, when the reader may see it.
        let shown_part = |row: &AnyRow| -> Result<Option<TextPart>> {
            let part: TextPart = row.try_get::<String, _>("part")?.parse().map_err(corrupt)?;
            let label = stored_label(row)?;
            Ok(shows(&part, label.as_ref()).then_some(part))
        };
        let version = sqlx::query("SELECT version FROM record_analyses WHERE record_id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .map(|row| row.try_get::<i64, _>("version"))
            .transpose()?;
        let mentions = self
            .labelled_mentions_for_projection(id)
            .await?
            .into_iter()
            .filter(|(mention, label)| shows(&mention.part, label.as_ref()))
            .map(|(mention, _)| mention)
            .collect();
        let mut indicators = Vec::new();
        let rows = sqlx::query(
            "SELECT part, start_char, end_char, text, category, weight, reason, label \
             FROM indicator_hits WHERE record_id = $1 ORDER BY part, start_char, end_char",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        for row in rows {
            let Some(part) = shown_part(&row)? else {
                continue;
            };
            indicators.push(IndicatorMention {
                part,
                text: row.try_get("text")?,
                start: offset(row.try_get("start_char")?)?,
                end: offset(row.try_get("end_char")?)?,
                category: row.try_get("category")?,
                weight: row.try_get::<f64, _>("weight")? as f32,
                reason: row.try_get("reason")?,
            });
        }
        Ok(VisibleAnalysis {
            version,
            mentions,
            indicators,
        })
    }
}

fn mention_from_row(row: &AnyRow, part: TextPart) -> Result<Mention> {
    Ok(Mention {
        part,
        kind: row.try_get::<String, _>("kind")?.parse().map_err(corrupt)?,
        text: row.try_get("text")?,
        start: offset(row.try_get("start_char")?)?,
        end: offset(row.try_get("end_char")?)?,
        normalized: serde_json::from_str(row.try_get("normalized")?).map_err(corrupt)?,
        confidence: row.try_get::<f64, _>("confidence")? as f32,
        source: row.try_get("source")?,
    })
}

/// A row's `label` column: "" for none.
fn stored_label(row: &AnyRow) -> Result<Option<Label>> {
    match row.try_get::<&str, _>("label")? {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(corrupt),
    }
}

fn offset(stored: i64) -> Result<usize> {
    usize::try_from(stored).map_err(corrupt)
}

fn stored_offset(offset: usize) -> Result<i64> {
    i64::try_from(offset).map_err(corrupt)
}

async fn save_analysis(connection: &mut AnyConnection, analysis: &RecordAnalysis) -> Result<()> {
    let record = &analysis.record;
    let id = record.id.to_string();
    for delete in [
        "DELETE FROM mentions WHERE record_id = $1",
        "DELETE FROM indicator_hits WHERE record_id = $1",
        "DELETE FROM record_analyses WHERE record_id = $1",
    ] {
        sqlx::query(delete)
            .bind(&id)
            .execute(&mut *connection)
            .await?;
    }
    sqlx::query("INSERT INTO record_analyses (record_id, version) VALUES ($1, $2)")
        .bind(&id)
        .bind(record.version)
        .execute(&mut *connection)
        .await?;
    for mention in &analysis.mentions {
        let key = entity_key(record.id, mention);
        let entity = entity_id(mention.kind, &key);
        sqlx::query(
            "INSERT INTO entities (id, kind, key) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&entity)
        .bind(mention.kind.as_str())
        .bind(&key)
        .execute(&mut *connection)
        .await?;
        sqlx::query(
            "INSERT INTO mentions (record_id, part, start_char, end_char, entity_id, kind, text, \
             normalized, confidence, source, label) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(mention.part.to_string())
        .bind(stored_offset(mention.start)?)
        .bind(stored_offset(mention.end)?)
        .bind(&entity)
        .bind(mention.kind.as_str())
        .bind(&mention.text)
        .bind(mention.normalized.to_string())
        .bind(f64::from(mention.confidence))
        .bind(&mention.source)
        .bind(part_label(record, &mention.part)?)
        .execute(&mut *connection)
        .await?;
    }
    for hit in &analysis.indicators {
        sqlx::query(
            "INSERT INTO indicator_hits (record_id, part, start_char, end_char, text, category, \
             weight, reason, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(hit.part.to_string())
        .bind(stored_offset(hit.start)?)
        .bind(stored_offset(hit.end)?)
        .bind(&hit.text)
        .bind(&hit.category)
        .bind(f64::from(hit.weight))
        .bind(&hit.reason)
        .bind(part_label(record, &hit.part)?)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}
