//! The tamper-evident audit log's storage: entries with the exact bytes that were hashed, the
//! perfect nodes of its Merkle tree, and its signed checkpoints. The mathematics is
//! `humdex-audit`'s; this module only keeps rows and fetches the O(log n) of them each operation
//! needs, in one query.
//!
//! Appends are queued inside the writer's transactions ([`append_in`]) and sealed into the tree
//! at the end of each batch ([`seal`]), so an audited change and its entry commit together, and
//! the writer serialises them: on SQLite by being the only writer, on PostgreSQL by the advisory
//! lock each batch takes first (see `writer`). That is what makes the log's size, read inside
//! the transaction, the next entry's index.

use std::collections::HashMap;

use futures::stream::{BoxStream, StreamExt};
use humdex_audit::{
    AuditEntry, Checkpoint, Frontier, Hash, NodeId, SignedCheckpoint, SigningKey, VerifyingKey,
    consistency_proof, consistency_proof_nodes, inclusion_proof, inclusion_proof_nodes, leaf_hash,
    root_at,
};
use humdex_model::InvalidInput;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::corrupt;
use crate::writer::Written;
use crate::{Result, Store};

/// The `node` table's key for the public half of the key that signs checkpoints.
const PUBLIC_KEY: &str = "audit_public_key";

/// One stored entry as verification reads it: the bytes as written and the leaf hash stored
/// beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLeaf {
    /// The entry's position in the log, from 0.
    pub index: u64,
    /// The entry's leaf bytes (compact JSON), exactly as stored.
    pub leaf: String,
    /// The level-0 node stored for the entry, `None` if its row is gone.
    pub leaf_hash: Option<Hash>,
}

/// A stored entry, read back, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedAuditEntry {
    /// The entry's position in the log, from 0.
    pub index: u64,
    /// The entry.
    pub entry: AuditEntry,
}

/// An RFC 9162 inclusion proof of one entry in the log at some size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditInclusionProof {
    /// The entry's index.
    pub leaf_index: u64,
    /// The size of the tree the proof is for.
    pub tree_size: u64,
    /// The entry's stored leaf hash.
    pub leaf_hash: Hash,
    /// The proof's hashes, from the leaf up.
    pub hashes: Vec<Hash>,
}

/// A size or index as the database stores it.
fn to_db(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(corrupt)
}

/// A size or index as the database gave it back.
fn from_db(row: &AnyRow, column: &str) -> Result<u64> {
    u64::try_from(row.try_get::<i64, _>(column)?).map_err(corrupt)
}

fn to_hash(bytes: Vec<u8>) -> Result<Hash> {
    Hash::try_from(bytes)
        .map_err(|bytes| corrupt(format!("an audit node hash of {} bytes", bytes.len())))
}

/// The number of entries in the log.
async fn size(connection: &mut AnyConnection) -> Result<u64> {
    let row = sqlx::query("SELECT COALESCE(MAX(entry_index) + 1, 0) AS size FROM audit_entries")
        .fetch_one(connection)
        .await?;
    from_db(&row, "size")
}

/// The stored hashes of `nodes`, in one query (those that have no row are left out).
async fn fetch_nodes(
    connection: &mut AnyConnection,
    nodes: &[NodeId],
) -> Result<HashMap<NodeId, Hash>> {
    if nodes.is_empty() {
        return Ok(HashMap::new());
    }
    // A tree of 2^64 leaves needs at most a few hundred nodes per proof: well within both
    // backends' limits on parameters.
    let conditions = (0..nodes.len())
        .map(|i| format!("(level = ${} AND node_index = ${})", 2 * i + 1, 2 * i + 2))
        .collect::<Vec<_>>()
        .join(" OR ");
    let sql = format!("SELECT level, node_index, hash FROM audit_nodes WHERE {conditions}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for node in nodes {
        query = query.bind(i64::from(node.level)).bind(to_db(node.index)?);
    }
    let rows = query.fetch_all(connection).await?;
    rows.iter()
        .map(|row| {
            let level = u8::try_from(row.try_get::<i64, _>("level")?).map_err(corrupt)?;
            let node = NodeId {
                level,
                index: from_db(row, "node_index")?,
            };
            Ok((node, to_hash(row.try_get("hash")?)?))
        })
        .collect()
}

/// Queues `entry` for the log inside the caller's transaction: one statement. The writer seals
/// the queue into the tree before the transaction commits ([`seal`]), so an audited change and
/// its entry still commit together, but the tree is extended once per batch, not per entry.
pub(crate) async fn append_in(connection: &mut AnyConnection, entry: &AuditEntry) -> Result<()> {
    let leaf = String::from_utf8(entry.to_leaf_bytes().map_err(corrupt)?).map_err(corrupt)?;
    sqlx::query("INSERT INTO audit_pending (leaf, at_ms) VALUES ($1, $2)")
        .bind(&leaf)
        .bind(entry.at.as_millisecond())
        .execute(connection)
        .await?;
    Ok(())
}

/// Rows per multi-row insert: well within both backends' limits on parameters.
const ROWS_PER_INSERT: usize = 300;

/// Inserts `rows` of three values each into `table (columns)`, a few hundred rows a statement.
async fn insert_rows(
    connection: &mut AnyConnection,
    table: &str,
    rows: Vec<(i64, i64, RowValue)>,
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} VALUES {values}"
        )));
        for (first, second, third) in chunk {
            query = query.bind(*first).bind(*second);
            query = match third {
                RowValue::Text(text) => query.bind(text.clone()),
                RowValue::Bytes(bytes) => query.bind(bytes.clone()),
            };
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// The third column of a row [`insert_rows`] writes.
enum RowValue {
    Text(String),
    Bytes(Vec<u8>),
}

/// Moves the entries queued in this transaction into the log, in the order they were queued,
/// and stores the tree nodes they complete. The writer calls it last in every batch, while it
/// holds the write lock (on PostgreSQL, the advisory lock), which is what makes the log's size,
/// read here, the next entry's index.
pub(crate) async fn seal(connection: &mut AnyConnection) -> Result<()> {
    let queued = sqlx::query("SELECT leaf, at_ms FROM audit_pending ORDER BY id")
        .fetch_all(&mut *connection)
        .await?;
    if queued.is_empty() {
        return Ok(());
    }
    let first = size(connection).await?;
    let stored = fetch_nodes(connection, &Frontier::nodes_for(first)).await?;
    let mut frontier =
        Frontier::restore(first, |node| stored.get(&node).copied()).map_err(corrupt)?;
    let mut entries = Vec::with_capacity(queued.len());
    let mut nodes = Vec::with_capacity(2 * queued.len());
    for (offset, row) in (0..).zip(&queued) {
        let leaf: String = row.try_get("leaf")?;
        for (node, hash) in frontier
            .append(leaf_hash(leaf.as_bytes()))
            .map_err(corrupt)?
        {
            nodes.push((
                i64::from(node.level),
                to_db(node.index)?,
                RowValue::Bytes(hash.to_vec()),
            ));
        }
        entries.push((
            to_db(first + offset)?,
            row.try_get("at_ms")?,
            RowValue::Text(leaf),
        ));
    }
    // Column order as the migration declares them: (entry_index, leaf, at_ms) would put the
    // text in the middle, so name the columns.
    insert_rows(
        connection,
        "audit_entries (entry_index, at_ms, leaf)",
        entries,
    )
    .await?;
    insert_rows(connection, "audit_nodes (level, node_index, hash)", nodes).await?;
    sqlx::query("DELETE FROM audit_pending")
        .execute(connection)
        .await?;
    Ok(())
}

/// Reads a stored checkpoint, checking that its note is for the size its row claims.
fn checkpoint_from_row(row: &AnyRow) -> Result<SignedCheckpoint> {
    let size = from_db(row, "size")?;
    let note: String = row.try_get("note")?;
    let signed = SignedCheckpoint::from_note(&note)
        .map_err(|error| corrupt(format!("the audit checkpoint at size {size}: {error}")))?;
    if signed.checkpoint().size != size {
        return Err(corrupt(format!(
            "the audit checkpoint stored at size {size} is for size {}",
            signed.checkpoint().size
        )));
    }
    Ok(signed)
}

/// Signs the log at its current size, unless it has not grown since the last checkpoint.
async fn checkpoint_in(
    connection: &mut AnyConnection,
    key_name: &str,
    key: &SigningKey,
    now: Timestamp,
) -> Result<Written<SignedCheckpoint>> {
    let size = size(connection).await?;
    let latest = sqlx::query("SELECT size, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(&mut *connection)
        .await?;
    if let Some(row) = latest {
        let latest = checkpoint_from_row(&row)?;
        let signed_at = latest.checkpoint().size;
        if signed_at > size {
            return Err(corrupt(format!(
                "the audit log has {size} entries but was signed at {signed_at}: entries were removed"
            )));
        }
        if signed_at == size {
            return Ok(Written {
                output: latest,
                last_seq: None,
            });
        }
    }
    let stored = fetch_nodes(connection, &Frontier::nodes_for(size)).await?;
    let root = root_at(size, |node| stored.get(&node).copied()).map_err(corrupt)?;
    let checkpoint = Checkpoint {
        origin: key_name.to_owned(),
        size,
        root,
        time: now,
    };
    let signed = SignedCheckpoint::sign(checkpoint, key_name, key).map_err(corrupt)?;
    sqlx::query("INSERT INTO audit_checkpoints (size, note) VALUES ($1, $2)")
        .bind(to_db(size)?)
        .bind(signed.to_note())
        .execute(connection)
        .await?;
    Ok(Written {
        output: signed,
        last_seq: None,
    })
}

impl Store {
    /// Appends `entry` to the audit log and answers its index, once it is durable.
    ///
    /// Changes that the journal records are audited by the store itself, in the same
    /// transaction; this is for everything else worth auditing, such as reads and sign-ins.
    pub async fn append_audit(&self, entry: AuditEntry) -> Result<()> {
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let entry = entry.clone();
                Box::pin(async move {
                    append_in(connection, &entry).await?;
                    Ok(Written {
                        output: (),
                        last_seq: None,
                    })
                })
            }))
            .await
    }

    /// The latest signed checkpoint of the audit log: a new one, signed with `key` under
    /// `key_name` (which is also its origin) at time `now`, if the log has grown since the last
    /// (or none was made yet), else the last.
    ///
    /// Runs through the writer, so checkpoints are made one at a time, on every node sharing the
    /// database, and their sizes only grow.
    pub async fn audit_checkpoint(
        &self,
        key_name: &str,
        key: &SigningKey,
        now: Timestamp,
    ) -> Result<SignedCheckpoint> {
        let (key_name, key) = (key_name.to_owned(), key.clone());
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (key_name, key) = (key_name.clone(), key.clone());
                Box::pin(async move { checkpoint_in(connection, &key_name, &key, now).await })
            }))
            .await
    }

    /// The number of entries in the audit log.
    pub async fn audit_size(&self) -> Result<u64> {
        size(&mut *self.pool().acquire().await?).await
    }

    /// Up to `limit` audit entries from index `from` on, in order.
    pub async fn audit_entries(&self, from: u64, limit: u32) -> Result<Vec<IndexedAuditEntry>> {
        let rows = sqlx::query(
            "SELECT entry_index, leaf FROM audit_entries WHERE entry_index >= $1 \
             ORDER BY entry_index LIMIT $2",
        )
        // An index beyond any database's integers is beyond the log: an empty page.
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let index = from_db(row, "entry_index")?;
                let leaf: String = row.try_get("leaf")?;
                let entry = AuditEntry::from_leaf_bytes(leaf.as_bytes())
                    .map_err(|error| corrupt(format!("audit entry {index}: {error}")))?;
                Ok(IndexedAuditEntry { index, entry })
            })
            .collect()
    }

    /// The inclusion proof of entry `index` in the log at `size` entries. `Invalid` (naming
    /// `size` or `index`) unless `index < size ≤` the log's size.
    pub async fn audit_inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<AuditInclusionProof> {
        let mut connection = self.pool().acquire().await?;
        let log_size = self::size(&mut connection).await?;
        if size > log_size {
            return Err(InvalidInput::at(
                "size",
                format!("size {size} is beyond the audit log's {log_size} entries"),
            )
            .into());
        }
        if index >= size {
            return Err(InvalidInput::at(
                "index",
                format!("index {index} is not below size {size}"),
            )
            .into());
        }
        let leaf = NodeId { level: 0, index };
        let mut nodes = inclusion_proof_nodes(index, size).map_err(corrupt)?;
        nodes.push(leaf);
        let stored = fetch_nodes(&mut connection, &nodes).await?;
        let hashes =
            inclusion_proof(index, size, |node| stored.get(&node).copied()).map_err(corrupt)?;
        let leaf_hash = stored
            .get(&leaf)
            .copied()
            .ok_or_else(|| corrupt(format!("the leaf hash of audit entry {index} is missing")))?;
        Ok(AuditInclusionProof {
            leaf_index: index,
            tree_size: size,
            leaf_hash,
            hashes,
        })
    }

    /// The consistency proof from the log at `from` entries to the log at `to`. `Invalid`
    /// (naming `from` or `to`) unless `1 ≤ from ≤ to ≤` the log's size: RFC 9162 defines no
    /// proof from the empty log.
    pub async fn audit_consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>> {
        let mut connection = self.pool().acquire().await?;
        let log_size = size(&mut connection).await?;
        if to > log_size {
            return Err(InvalidInput::at(
                "to",
                format!("to {to} is beyond the audit log's {log_size} entries"),
            )
            .into());
        }
        if from == 0 {
            return Err(InvalidInput::at(
                "from",
                "from is at least 1: there is no consistency proof from the empty log",
            )
            .into());
        }
        if from > to {
            return Err(InvalidInput::at("from", format!("from {from} is beyond to {to}")).into());
        }
        let nodes = consistency_proof_nodes(from, to).map_err(corrupt)?;
        let stored = fetch_nodes(&mut connection, &nodes).await?;
        consistency_proof(from, to, |node| stored.get(&node).copied()).map_err(corrupt)
    }

    /// Every entry of the audit log in index order, with its stored leaf hash, as a stream: the
    /// log may be larger than memory.
    pub fn audit_leaves(&self) -> BoxStream<'_, Result<AuditLeaf>> {
        sqlx::query(
            "SELECT e.entry_index, e.leaf, n.hash FROM audit_entries e \
             LEFT JOIN audit_nodes n ON n.level = 0 AND n.node_index = e.entry_index \
             ORDER BY e.entry_index",
        )
        .fetch(self.pool())
        .map(|row| {
            let row = row?;
            Ok(AuditLeaf {
                index: from_db(&row, "entry_index")?,
                leaf: row.try_get("leaf")?,
                leaf_hash: row
                    .try_get::<Option<Vec<u8>>, _>("hash")?
                    .map(to_hash)
                    .transpose()?,
            })
        })
        .boxed()
    }

    /// Every signed checkpoint of the audit log, oldest first, not yet verified.
    pub async fn audit_checkpoints(&self) -> Result<Vec<SignedCheckpoint>> {
        let rows = sqlx::query("SELECT size, note FROM audit_checkpoints ORDER BY size")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    /// Records `key` as the public key of the audit log's signing key, unless one is recorded
    /// already, and answers the one recorded. For reference: someone who can write the database
    /// can change it, so verification prefers the key file.
    pub async fn record_audit_public_key(&self, key: &VerifyingKey) -> Result<VerifyingKey> {
        sqlx::query("INSERT INTO node (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(PUBLIC_KEY)
            .bind(hex::encode(key.as_bytes()))
            .execute(self.pool())
            .await?;
        self.audit_public_key()
            .await?
            .ok_or_else(|| corrupt("the audit public key vanished"))
    }

    /// The public key recorded by [`Store::record_audit_public_key`], if any.
    pub async fn audit_public_key(&self) -> Result<Option<VerifyingKey>> {
        let row = sqlx::query("SELECT value FROM node WHERE key = $1")
            .bind(PUBLIC_KEY)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            let text: String = row.try_get("value")?;
            let bytes: [u8; 32] = hex::decode(&text)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| corrupt("the audit public key is not 64 hex digits"))?;
            VerifyingKey::from_bytes(&bytes).map_err(corrupt)
        })
        .transpose()
    }
}
