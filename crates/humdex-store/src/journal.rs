//! Appending to and reading the journal; every append is audited in the same transaction.

use humdex_audit::{AuditEntry, Outcome};
use humdex_model::{Change, ChangeKind, Kind, Label, Reader, Seq, State};
use jiff::Timestamp;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::audit;
use crate::error::corrupt;
use crate::{Result, Store};

/// A journal entry before it has a sequence number.
pub(crate) struct Entry<'a> {
    pub change: ChangeKind,
    pub subject: &'a str,
    pub version: i64,
    pub actor: &'a str,
    pub at: Timestamp,
    pub kind: Option<Kind>,
    pub state: Option<State>,
    pub previous_state: Option<State>,
    pub label: Option<&'a Label>,
    pub previous_label: Option<&'a Label>,
    /// The client's address, when the change came over the network.
    pub source: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// An entry about something other than a record (a user, a pool): no kind, no states.
    pub fn about(
        change: ChangeKind,
        subject: &'a str,
        version: i64,
        actor: &'a str,
        at: Timestamp,
    ) -> Self {
        Self {
            change,
            subject,
            version,
            actor,
            at,
            kind: None,
            state: None,
            previous_state: None,
            label: None,
            previous_label: None,
            source: None,
        }
    }
}

/// Appends `entry` to the journal, and audits it in the same transaction (see
/// [`append_with_detail`]).
pub(crate) async fn append(connection: &mut AnyConnection, entry: Entry<'_>) -> Result<Seq> {
    append_with_detail(connection, entry, Map::new()).await
}

/// Appends `entry` to the journal and its line to the audit log, in the caller's transaction, so
/// that no change commits unaudited. The audit entry's action is the change's name, its target
/// the subject; its detail holds the journal sequence, the subject's version, what the entry
/// says of a record (kind, states, labels), and `detail`, what else the audit should keep that
/// the journal does not (such as the authorizations granted and revoked).
pub(crate) async fn append_with_detail(
    connection: &mut AnyConnection,
    entry: Entry<'_>,
    mut detail: Map<String, Value>,
) -> Result<Seq> {
    let row = sqlx::query(
        "INSERT INTO journal (change, subject, version, actor, at_ms, kind, state, previous_state, \
         label, previous_label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
    )
    .bind(entry.change.as_str())
    .bind(entry.subject)
    .bind(entry.version)
    .bind(entry.actor)
    .bind(entry.at.as_millisecond())
    .bind(entry.kind.map(Kind::as_str))
    .bind(entry.state.map(State::as_str))
    .bind(entry.previous_state.map(State::as_str))
    .bind(entry.label.map(Label::as_str))
    .bind(entry.previous_label.map(Label::as_str))
    .fetch_one(&mut *connection)
    .await?;
    let seq: Seq = row.try_get("seq")?;
    detail.insert("seq".to_owned(), seq.into());
    detail.insert("version".to_owned(), entry.version.into());
    let present = [
        ("kind", entry.kind.map(Kind::as_str)),
        ("state", entry.state.map(State::as_str)),
        ("previous_state", entry.previous_state.map(State::as_str)),
        ("label", entry.label.map(Label::as_str)),
        ("previous_label", entry.previous_label.map(Label::as_str)),
    ];
    for (key, value) in present {
        if let Some(value) = value {
            detail.insert(key.to_owned(), value.into());
        }
    }
    let audited = AuditEntry {
        at: entry.at,
        actor: entry.actor.to_owned(),
        action: entry.change.as_str().to_owned(),
        target: entry.subject.to_owned(),
        outcome: Outcome::Success,
        source: entry.source.map(str::to_owned),
        detail: Value::Object(detail),
    };
    audit::append_in(connection, &audited).await?;
    Ok(seq)
}

pub(crate) async fn head(pool: &AnyPool) -> Result<Seq> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM journal")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("head")?)
}

fn parse<T: std::str::FromStr<Err: std::fmt::Display>>(
    row: &AnyRow,
    column: &str,
) -> Result<Option<T>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| text.parse().map_err(corrupt))
        .transpose()
}

fn change_from_row(row: &AnyRow) -> Result<Change> {
    let change: String = row.try_get("change")?;
    Ok(Change {
        seq: row.try_get("seq")?,
        change: serde_json::from_value(serde_json::Value::String(change)).map_err(corrupt)?,
        subject: row.try_get("subject")?,
        version: row.try_get("version")?,
        actor: row.try_get("actor")?,
        at: Timestamp::from_millisecond(row.try_get("at_ms")?).map_err(corrupt)?,
        kind: parse(row, "kind")?,
        state: parse(row, "state")?,
        previous_state: parse(row, "previous_state")?,
        label: parse(row, "label")?,
        previous_label: parse(row, "previous_label")?,
    })
}

impl Store {
    /// Up to `limit` journal entries after sequence `after`, in order.
    ///
    /// A bare `seq > after` is safe here, on PostgreSQL too, because the writer appends to the
    /// journal under an advisory lock held until commit: a transaction that took a lower sequence
    /// has always committed before one that took a higher, so no entry can appear behind a
    /// reader's position. (The alternative, a snapshot-xmin guard, needs positions made of
    /// transaction id and sequence, which `after=SEQ` could not express.)
    ///
    /// Every entry, whoever may read its record: for projections, which apply labels downstream.
    /// What people read goes through [`Store::journal_for`].
    pub async fn journal_after(&self, after: Seq, limit: u32) -> Result<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT seq, change, subject, version, actor, at_ms, kind, state, previous_state, label, \
             previous_label FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(change_from_row).collect()
    }

    /// The journal entries after `after` that `reader` may see, up to `limit` of them, and the
    /// sequence the reader has read up to (to pass as `after` next time). Entries about records
    /// whose label the reader does not satisfy, or that are not theirs to see, are left out.
    pub async fn journal_for(
        &self,
        reader: &Reader,
        mut after: Seq,
        limit: u32,
    ) -> Result<(Vec<Change>, Seq)> {
        let mut shown = Vec::new();
        loop {
            let batch = self.journal_after(after, limit).await?;
            let Some(last) = batch.last() else {
                return Ok((shown, after));
            };
            after = last.seq;
            for change in batch {
                // Readers confined to their own records (partners) get no feed: it names
                // records, users and pools beyond their reach.
                let visible =
                    reader.only_records_of().is_none() && reader.satisfies(change.label.as_ref());
                let seq = change.seq;
                if visible {
                    shown.push(change);
                    if shown.len() == limit as usize {
                        return Ok((shown, seq));
                    }
                }
            }
        }
    }

    /// The highest sequence in the journal.
    pub async fn journal_head(&self) -> Result<Seq> {
        head(self.pool()).await
    }
}
