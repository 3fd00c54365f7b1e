//! Photo fingerprints of image attachments, the records carrying each stored file, hash lists
//! of known images, and the alerts raised when a record's photo matches a listed hash. The image
//! projection computes the fingerprints; the store keeps them so any node can rebuild its
//! in-memory Hamming index from them.

use std::collections::BTreeSet;

use humdex_model::{RecordId, Seq};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Acquire, AnyConnection, Row};
use uuid::Uuid;

use crate::error::corrupt;
use crate::projection::advance;
use crate::{Error, Result, Store};

/// A 256-bit hash as stored: the 32 bytes of its hex form, most significant first.
pub type HashBytes = [u8; 32];

/// A fingerprint of one variant of an image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFingerprint {
    /// The file (hex SHA-256).
    pub blob: String,
    /// `full`, or `trimmed` (uniform borders cut off first).
    pub variant: String,
    /// The hash.
    pub hash: HashBytes,
    /// PDQ quality, 0–100.
    pub quality: u8,
    /// The 8 dihedral hashes (the first is `hash`), for querying.
    pub dihedral: [HashBytes; 8],
}

/// A stored fingerprint with its row id, the id the Hamming index knows it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFingerprint {
    /// The row id; ids grow in commit order.
    pub id: i64,
    /// The fingerprint.
    pub fingerprint: NewFingerprint,
}

/// An alert to raise: record `record` carries file `blob`, whose photo matched list entry `entry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImageAlert {
    /// The record.
    pub record: RecordId,
    /// The matching file.
    pub blob: String,
    /// The hash-list entry it matched.
    pub entry: i64,
    /// Bits apart.
    pub distance: u32,
}

/// What the image projection derived from a run of journal changes, stored in one transaction
/// with its position.
#[derive(Debug, Clone, Default)]
pub struct ImageBatch {
    /// The image files each changed record carries now (all its files, images or not).
    pub carried: Vec<(RecordId, Vec<String>)>,
    /// New fingerprints.
    pub fingerprints: Vec<NewFingerprint>,
    /// Files that are images by their content but could not be decoded, with the reason.
    pub failures: Vec<(String, String)>,
    /// Alerts raised by hash lists.
    pub alerts: Vec<NewImageAlert>,
}

/// A list of hashes of known images.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HashList {
    /// The list's id.
    pub id: Uuid,
    /// Its name, e.g. the partner it came from.
    pub name: String,
    /// Photos within this many bits of a listed hash raise an alert.
    pub max_distance: u32,
    /// How many hashes it holds.
    pub size: u64,
    /// Who imported it.
    pub created_by: String,
    /// When.
    pub created: Timestamp,
}

/// An entry of a hash list, for the matching index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashListEntry {
    /// The entry's id.
    pub id: i64,
    /// The list's id.
    pub list: Uuid,
    /// The listed hash.
    pub hash: HashBytes,
}

/// A hash-list alert on a record, as a reader who may see the photo is shown it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageAlert {
    /// The matching file (hex SHA-256).
    pub attachment: String,
    /// The list's name.
    pub list: String,
    /// The listed hash (hex).
    pub listed_hash: String,
    /// Bits apart.
    pub distance: u32,
    /// When the match was found.
    pub raised: Timestamp,
}

fn hash_bytes(bytes: &[u8]) -> Result<HashBytes> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a stored image hash is not 32 bytes"))
}

fn entry_from_row(row: &AnyRow) -> Result<HashListEntry> {
    Ok(HashListEntry {
        id: row.try_get("id")?,
        list: row
            .try_get::<String, _>("list_id")?
            .parse()
            .map_err(corrupt)?,
        hash: hash_bytes(&row.try_get::<Vec<u8>, _>("hash")?)?,
    })
}

fn fingerprint_from_row(row: &AnyRow) -> Result<StoredFingerprint> {
    let dihedral_bytes: Vec<u8> = row.try_get("dihedral")?;
    let mut dihedral = [[0; 32]; 8];
    if dihedral_bytes.len() != 256 {
        return Err(corrupt("stored dihedral hashes are not 256 bytes"));
    }
    for (hash, chunk) in dihedral.iter_mut().zip(dihedral_bytes.chunks_exact(32)) {
        *hash = hash_bytes(chunk)?;
    }
    Ok(StoredFingerprint {
        id: row.try_get("id")?,
        fingerprint: NewFingerprint {
            blob: row.try_get("blob")?,
            variant: row.try_get("variant")?,
            hash: hash_bytes(&row.try_get::<Vec<u8>, _>("hash")?)?,
            quality: u8::try_from(row.try_get::<i64, _>("quality")?)
                .map_err(|_| corrupt("an image quality out of range"))?,
            dihedral,
        },
    })
}

impl Store {
    /// Stores what the image projection derived from the changes after `after` up to `last`.
    /// Returns `false`, storing nothing, when another node sharing the store applied them first.
    pub async fn save_images(
        &self,
        projection: &str,
        after: Seq,
        last: Seq,
        batch: &ImageBatch,
        now: Timestamp,
    ) -> Result<bool> {
        let mut connection = self.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        if advance(&mut transaction, projection, last).await? != Some(after) {
            return Ok(false);
        }
        for (record, blobs) in &batch.carried {
            save_carried(&mut transaction, *record, blobs).await?;
        }
        for fingerprint in &batch.fingerprints {
            let dihedral: Vec<u8> = fingerprint.dihedral.concat();
            sqlx::query(
                "INSERT INTO image_fingerprints (blob, variant, hash, quality, dihedral) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (blob, variant) DO NOTHING",
            )
            .bind(&fingerprint.blob)
            .bind(&fingerprint.variant)
            .bind(fingerprint.hash.as_slice())
            .bind(i64::from(fingerprint.quality))
            .bind(dihedral)
            .execute(&mut *transaction)
            .await?;
        }
        for (blob, reason) in &batch.failures {
            sqlx::query(
                "INSERT INTO image_failures (blob, reason) VALUES ($1, $2) \
                 ON CONFLICT (blob) DO NOTHING",
            )
            .bind(blob)
            .bind(reason)
            .execute(&mut *transaction)
            .await?;
        }
        save_alerts(&mut transaction, &batch.alerts, now).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Of `blobs`, those already fingerprinted or found undecodable.
    pub async fn fingerprinted(&self, blobs: &[String]) -> Result<BTreeSet<String>> {
        let mut done = BTreeSet::new();
        for blob in blobs {
            let row = sqlx::query(
                "SELECT 1 AS done FROM image_fingerprints WHERE blob = $1 \
                 UNION ALL SELECT 1 AS done FROM image_failures WHERE blob = $1",
            )
            .bind(blob)
            .fetch_optional(self.pool())
            .await?;
            if row.is_some() {
                done.insert(blob.clone());
            }
        }
        Ok(done)
    }

    /// The content of a stored file, for projections only (no privilege check).
    pub async fn blob_for_projection(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query("SELECT content FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?
            .map(|row| row.try_get("content"))
            .transpose()?)
    }

    /// Up to `limit` fingerprints with ids above `after`, in id order: how a node loads and then
    /// follows the fingerprints every node stores.
    pub async fn fingerprints_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredFingerprint>> {
        let rows = sqlx::query("SELECT id, blob, variant, hash, quality, dihedral FROM image_fingerprints WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(fingerprint_from_row).collect()
    }

    /// The fingerprints of file `blob` (one per variant).
    pub async fn fingerprints_of(&self, blob: &str) -> Result<Vec<StoredFingerprint>> {
        let rows = sqlx::query("SELECT id, blob, variant, hash, quality, dihedral FROM image_fingerprints WHERE blob = $1 ORDER BY id")
        .bind(blob)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(fingerprint_from_row).collect()
    }

    /// The fingerprints with the given ids.
    pub async fn fingerprints_by_id(&self, ids: &[i64]) -> Result<Vec<StoredFingerprint>> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query("SELECT id, blob, variant, hash, quality, dihedral FROM image_fingerprints WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            if let Some(row) = row {
                found.push(fingerprint_from_row(&row)?);
            }
        }
        Ok(found)
    }

    /// Why file `blob` could not be fingerprinted, if it could not.
    pub async fn fingerprint_failure(&self, blob: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query("SELECT reason FROM image_failures WHERE blob = $1")
                .bind(blob)
                .fetch_optional(self.pool())
                .await?
                .map(|row| row.try_get("reason"))
                .transpose()?,
        )
    }

    /// The records that carry file `blob` now. Callers check what each reader may see.
    pub async fn records_carrying(&self, blob: &str) -> Result<Vec<RecordId>> {
        let rows =
            sqlx::query("SELECT record_id FROM record_blobs WHERE blob = $1 ORDER BY record_id")
                .bind(blob)
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                row.try_get::<String, _>("record_id")?
                    .parse()
                    .map_err(corrupt)
            })
            .collect()
    }

    /// Creates hash list `name` holding `hashes` (duplicates dropped), matching within
    /// `max_distance`, imported by `actor`. Returns the list.
    pub async fn create_hash_list(
        &self,
        actor: &str,
        name: &str,
        max_distance: u32,
        hashes: &[HashBytes],
        now: Timestamp,
    ) -> Result<HashList> {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(Error::Invalid(humdex_model::InvalidInput::at(
                "name",
                "a hash list needs a name of at most 200 bytes",
            )));
        }
        let id = Uuid::now_v7();
        let mut connection = self.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO hash_lists (id, name, max_distance, created_ms, created_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(i64::from(max_distance))
        .bind(now.as_millisecond())
        .bind(actor)
        .execute(&mut *transaction)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Error::Invalid(humdex_model::InvalidInput::at(
                "name",
                format!("a hash list named `{name}` exists"),
            )));
        }
        let mut size = 0;
        for hash in hashes {
            let inserted = sqlx::query(
                "INSERT INTO hash_list_entries (list_id, hash) VALUES ($1, $2) \
                 ON CONFLICT (list_id, hash) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(hash.as_slice())
            .execute(&mut *transaction)
            .await?;
            size += inserted.rows_affected();
        }
        transaction.commit().await?;
        Ok(HashList {
            id,
            name: name.to_owned(),
            max_distance,
            size,
            created_by: actor.to_owned(),
            created: now,
        })
    }

    /// Every hash list.
    pub async fn hash_lists(&self) -> Result<Vec<HashList>> {
        let rows = sqlx::query(
            "SELECT l.id, l.name, l.max_distance, l.created_ms, l.created_by, \
             (SELECT COUNT(*) FROM hash_list_entries e WHERE e.list_id = l.id) AS size \
             FROM hash_lists l ORDER BY l.name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HashList {
                    id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
                    name: row.try_get("name")?,
                    max_distance: u32::try_from(row.try_get::<i64, _>("max_distance")?)
                        .map_err(corrupt)?,
                    size: u64::try_from(row.try_get::<i64, _>("size")?).map_err(corrupt)?,
                    created_by: row.try_get("created_by")?,
                    created: Timestamp::from_millisecond(row.try_get("created_ms")?)
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// Up to `limit` hash-list entries with ids above `after`, in id order.
    pub async fn hash_list_entries_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<HashListEntry>> {
        let rows = sqlx::query(
            "SELECT id, list_id, hash FROM hash_list_entries WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The lists whose entries have not yet been matched against the photos stored before them.
    pub async fn unscanned_hash_lists(&self) -> Result<Vec<HashList>> {
        let lists = self.hash_lists().await?;
        let rows = sqlx::query("SELECT id FROM hash_lists WHERE scanned = 0")
            .fetch_all(self.pool())
            .await?;
        let unscanned: BTreeSet<String> = rows
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        Ok(lists
            .into_iter()
            .filter(|list| unscanned.contains(&list.id.to_string()))
            .collect())
    }

    /// The hashes of list `list`, with their entry ids.
    pub async fn hash_list_entries(&self, list: Uuid) -> Result<Vec<HashListEntry>> {
        let rows = sqlx::query(
            "SELECT id, list_id, hash FROM hash_list_entries WHERE list_id = $1 ORDER BY id",
        )
        .bind(list.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Raises `alerts` from matching the stored photos against list `list`, and marks the list
    /// scanned.
    pub async fn finish_hash_list_scan(
        &self,
        list: Uuid,
        alerts: &[NewImageAlert],
        now: Timestamp,
    ) -> Result<()> {
        let mut connection = self.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        save_alerts(&mut transaction, alerts, now).await?;
        sqlx::query("UPDATE hash_lists SET scanned = 1 WHERE id = $1")
            .bind(list.to_string())
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The hash-list alerts on record `id` whose files are in `visible` (the attachments the
    /// reader may see, as [`Store::record`] showed them).
    pub async fn image_alerts(
        &self,
        id: RecordId,
        visible: &BTreeSet<String>,
    ) -> Result<Vec<ImageAlert>> {
        let rows = sqlx::query(
            "SELECT a.blob, a.distance, a.raised_ms, e.hash, l.name FROM image_alerts a \
             JOIN hash_list_entries e ON e.id = a.entry_id JOIN hash_lists l ON l.id = e.list_id \
             WHERE a.record_id = $1 ORDER BY a.raised_ms, a.blob, a.entry_id",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut alerts = Vec::new();
        for row in rows {
            let blob: String = row.try_get("blob")?;
            if !visible.contains(&blob) {
                continue;
            }
            alerts.push(ImageAlert {
                attachment: blob,
                list: row.try_get("name")?,
                listed_hash: hex::encode(row.try_get::<Vec<u8>, _>("hash")?),
                distance: u32::try_from(row.try_get::<i64, _>("distance")?).map_err(corrupt)?,
                raised: Timestamp::from_millisecond(row.try_get("raised_ms")?).map_err(corrupt)?,
            });
        }
        Ok(alerts)
    }
}

/// Records that `record` carries exactly `blobs` now.
async fn save_carried(
    transaction: &mut AnyConnection,
    record: RecordId,
    blobs: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM record_blobs WHERE record_id = $1")
        .bind(record.to_string())
        .execute(&mut *transaction)
        .await?;
    for blob in blobs.iter().collect::<BTreeSet<_>>() {
        sqlx::query("INSERT INTO record_blobs (record_id, blob) VALUES ($1, $2)")
            .bind(record.to_string())
            .bind(blob)
            .execute(&mut *transaction)
            .await?;
    }
    Ok(())
}

async fn save_alerts(
    transaction: &mut AnyConnection,
    alerts: &[NewImageAlert],
    now: Timestamp,
) -> Result<()> {
    for alert in alerts {
        sqlx::query(
            "INSERT INTO image_alerts (record_id, blob, entry_id, distance, raised_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (record_id, blob, entry_id) DO NOTHING",
        )
        .bind(alert.record.to_string())
        .bind(&alert.blob)
        .bind(alert.entry)
        .bind(i64::from(alert.distance))
        .bind(now.as_millisecond())
        .execute(&mut *transaction)
        .await?;
    }
    Ok(())
}
