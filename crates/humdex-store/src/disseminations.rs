//! Dissemination: releasing a record version to users and pools, and their queues.

use humdex_model::{
    Assignee, ChangeKind, Dissemination, InvalidInput, NewDissemination, Reader, RecordId,
    RecordView, Sight,
};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::corrupt;
use crate::journal::{self, Entry};
use crate::records::load_for;
use crate::users::{timestamp, user_from_row};
use crate::writer::Written;
use crate::{Result, Store};

fn dissemination_from_row(row: &AnyRow) -> Result<Dissemination> {
    Ok(Dissemination {
        record_id: row
            .try_get::<String, _>("record_id")?
            .parse()
            .map_err(corrupt)?,
        version: row.try_get("version")?,
        recipient: row
            .try_get::<String, _>("recipient")?
            .parse()
            .map_err(corrupt)?,
        purpose: row.try_get("purpose")?,
        handling_code: row
            .try_get::<String, _>("handling_code")?
            .parse()
            .map_err(corrupt)?,
        by: row.try_get("released_by")?,
        at: timestamp(row, "at_ms")?,
    })
}

/// The users a recipient stands for: the user, or every member of the pool.
async fn recipients_of(
    connection: &mut AnyConnection,
    recipient: &Assignee,
) -> Result<Vec<humdex_model::User>> {
    let rows = match recipient {
        Assignee::User(name) => {
            sqlx::query("SELECT username, role, authorizations FROM users WHERE username = $1")
                .bind(name)
                .fetch_all(&mut *connection)
                .await?
        }
        Assignee::Pool(name) => {
            let pool = sqlx::query("SELECT 1 AS found FROM pools WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *connection)
                .await?;
            if pool.is_none() {
                return Err(InvalidInput::at("to", format!("there is no pool {name}")).into());
            }
            sqlx::query(
                "SELECT u.username, u.role, u.authorizations FROM users u \
                 JOIN pool_members m ON m.username = u.username WHERE m.pool = $1",
            )
            .bind(name)
            .fetch_all(&mut *connection)
            .await?
        }
    };
    if rows.is_empty() {
        let message = match recipient {
            Assignee::User(name) => format!("there is no user {name}"),
            Assignee::Pool(name) => format!("pool {name} has no members"),
        };
        return Err(InvalidInput::at("to", message).into());
    }
    rows.iter().map(user_from_row).collect()
}

impl Store {
    /// Releases the current version of a record to users and pools. Every recipient (every
    /// member of a pool) must be able to read the record, for a release they cannot open would
    /// only tell them it exists; each still sees only the fields their own clearance allows.
    /// Returns one dissemination per recipient.
    pub async fn disseminate(
        &self,
        releaser: &Reader,
        id: RecordId,
        release: NewDissemination,
        now: Timestamp,
    ) -> Result<Vec<Dissemination>> {
        release.validate()?;
        let releaser = releaser.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (releaser, release) = (releaser.clone(), release.clone());
                Box::pin(async move {
                    let record = load_for(connection, &releaser, id).await?;
                    let mut released = Vec::with_capacity(release.to.len());
                    for recipient in &release.to {
                        for user in recipients_of(connection, recipient).await? {
                            if Reader::new(&user).sight(&record) != Sight::Full {
                                return Err(InvalidInput::at(
                                    "to",
                                    format!("{} cannot read this record at its label", user.username),
                                )
                                .into());
                            }
                        }
                        let dissemination = Dissemination {
                            record_id: id,
                            version: record.version,
                            recipient: recipient.clone(),
                            purpose: release.purpose.clone(),
                            handling_code: release.handling_code,
                            by: releaser.name().to_owned(),
                            at: now,
                        };
                        sqlx::query(
                            "INSERT INTO disseminations (record_id, version, recipient, purpose, handling_code, \
                             released_by, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                             ON CONFLICT (record_id, version, recipient) DO NOTHING",
                        )
                        .bind(id.to_string())
                        .bind(record.version)
                        .bind(recipient.to_string())
                        .bind(&dissemination.purpose)
                        .bind(dissemination.handling_code.as_str())
                        .bind(&dissemination.by)
                        .bind(now.as_millisecond())
                        .execute(&mut *connection)
                        .await?;
                        released.push(dissemination);
                    }
                    let subject = id.to_string();
                    // The audit keeps who received which version, why, and under what code.
                    let detail = serde_json::Map::from_iter([
                        ("recipients".to_owned(), release.to.iter().map(ToString::to_string).collect()),
                        ("purpose".to_owned(), release.purpose.clone().into()),
                        ("handling_code".to_owned(), release.handling_code.as_str().into()),
                    ]);
                    let seq = journal::append_with_detail(
                        connection,
                        Entry {
                            change: ChangeKind::RecordDisseminated,
                            subject: &subject,
                            version: record.version,
                            actor: releaser.name(),
                            at: now,
                            kind: Some(record.kind),
                            state: Some(record.state),
                            previous_state: Some(record.state),
                            label: record.label.as_ref(),
                            previous_label: record.label.as_ref(),
                            source: releaser.address(),
                        },
                        detail,
                    )
                    .await?;
                    Ok(Written { output: released, last_seq: Some(seq) })
                })
            }))
            .await
    }

    /// Every release of a record, oldest first, for readers who see the record in full.
    pub async fn disseminations(
        &self,
        reader: &Reader,
        id: RecordId,
    ) -> Result<Vec<Dissemination>> {
        let mut connection = self.pool().acquire().await?;
        load_for(&mut connection, reader, id).await?;
        let rows = sqlx::query(
            "SELECT record_id, version, recipient, purpose, handling_code, released_by, at_ms \
             FROM disseminations WHERE record_id = $1 ORDER BY at_ms, recipient",
        )
        .bind(id.to_string())
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(dissemination_from_row).collect()
    }

    /// What was released to `reader`, directly or through their pools, newest first, each with
    /// the record as they may see it now. Records they can no longer see are left out.
    pub async fn queue(
        &self,
        reader: &Reader,
        limit: u32,
    ) -> Result<Vec<(Dissemination, RecordView)>> {
        let rows = sqlx::query(
            "SELECT d.record_id, d.version, d.recipient, d.purpose, d.handling_code, d.released_by, \
             d.at_ms, r.document FROM disseminations d JOIN records r ON r.id = d.record_id \
             WHERE d.recipient = $1 OR d.recipient IN \
             (SELECT 'pool:' || pool FROM pool_members WHERE username = $2) \
             ORDER BY d.at_ms DESC, d.record_id LIMIT $3",
        )
        .bind(Assignee::User(reader.name().to_owned()).to_string())
        .bind(reader.name())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut queue = Vec::with_capacity(rows.len());
        for row in &rows {
            let record = serde_json::from_str(row.try_get("document")?).map_err(corrupt)?;
            if let Some(view @ RecordView::Full(_)) = reader.view(record) {
                queue.push((dissemination_from_row(row)?, view));
            }
        }
        Ok(queue)
    }
}
