//! Projections: state derived from the journal, each tailing it from its own last-applied
//! sequence, so any of them can be dropped and rebuilt by replay.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use humdex_model::{Change, Kind, Label, Reader, Seq, State};
use sqlx::{Acquire, AnyConnection, Row};
use tokio::sync::watch;

use crate::error::corrupt;
use crate::{Result, Store};

/// How many journal entries a projection takes per step.
const STEP: u32 = 1000;
/// How long a projection lets new commits gather before it applies them.
const COALESCE: Duration = Duration::from_millis(100);

/// State derived from the journal.
#[async_trait]
pub trait Projection: Send + Sync + 'static {
    /// A stable name, the key of its stored position.
    fn name(&self) -> &'static str;

    /// The sequence of the last change applied, as stored with the projection's state.
    async fn last_applied(&self) -> Result<Seq>;

    /// Applies `changes`, which are in journal order and follow `last_applied`, and stores the new
    /// last-applied sequence atomically with their effect. Changes at or below the stored
    /// sequence (applied meanwhile by another node sharing the store) must be skipped.
    async fn apply(&self, changes: &[Change]) -> Result<()>;
}

/// Runs a projection in the background and tells how far it has got.
#[derive(Clone)]
pub struct ProjectionRunner {
    name: &'static str,
    applied: watch::Receiver<Seq>,
}

impl ProjectionRunner {
    /// Starts tailing the journal of `store` into `projection`.
    pub fn spawn(store: Store, projection: Arc<dyn Projection>) -> Self {
        let (applied_sender, applied) = watch::channel(0);
        let name = projection.name();
        tokio::spawn(tail(store, projection, applied_sender));
        Self { name, applied }
    }

    /// The projection's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The last sequence the projection has applied.
    pub fn applied(&self) -> Seq {
        *self.applied.borrow()
    }

    /// Waits until the projection has applied everything up to `seq`.
    pub async fn caught_up(&self, seq: Seq) {
        let mut applied = self.applied.clone();
        // An error means the tailer stopped; there is nothing more to wait for.
        let _ = applied.wait_for(|applied| *applied >= seq).await;
    }
}

async fn tail(store: Store, projection: Arc<dyn Projection>, applied: watch::Sender<Seq>) {
    let mut head = store.watch_head();
    let mut position = None;
    loop {
        let step = async {
            let from = match position {
                Some(seq) => seq,
                None => projection.last_applied().await?,
            };
            let changes = store.journal_after(from, STEP).await?;
            if let Some(last) = changes.last() {
                let last = last.seq;
                projection.apply(&changes).await?;
                Ok::<_, crate::Error>((last, true))
            } else {
                Ok((from, false))
            }
        };
        match step.await {
            Ok((seq, more)) => {
                position = Some(seq);
                applied.send_replace(seq);
                if !more {
                    // Woken by this node's commits; the timeout catches other nodes' commits.
                    let _ = tokio::time::timeout(Duration::from_secs(1), head.changed()).await;
                    // Under load, a step per commit would contend with the writer for the write
                    // lock and add a flush of its own each time; a short pause lets commits gather.
                    tokio::time::sleep(COALESCE).await;
                }
            }
            Err(error) => {
                tracing::warn!(projection = projection.name(), %error, "projection step failed; retrying");
                position = None;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Moves projection `name` on to `last` inside `transaction`, and returns the position it moved
/// from; `None` when there is nothing to apply because another node sharing the store got there
/// first. The projection applies only the changes after the returned position.
pub(crate) async fn advance(
    transaction: &mut AnyConnection,
    name: &str,
    last: Seq,
) -> Result<Option<Seq>> {
    sqlx::query(
        "INSERT INTO projections (name, last_seq) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .execute(&mut *transaction)
    .await?;
    let stored: Seq = sqlx::query("SELECT last_seq FROM projections WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *transaction)
        .await?
        .try_get("last_seq")?;
    // The guard on the old value makes a second node that raced us here change nothing.
    let advanced =
        sqlx::query("UPDATE projections SET last_seq = $1 WHERE name = $2 AND last_seq = $3")
            .bind(last)
            .bind(name)
            .bind(stored)
            .execute(&mut *transaction)
            .await?;
    Ok((advanced.rows_affected() == 1 && last > stored).then_some(stored))
}

impl Store {
    /// The sequence of the last change projection `name` has applied, as stored with its state.
    pub async fn projection_position(&self, name: &str) -> Result<Seq> {
        let row = sqlx::query("SELECT last_seq FROM projections WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|row| row.try_get("last_seq"))
            .transpose()?
            .unwrap_or(0))
    }
}

/// How many records are in each workflow state, by kind: the dashboard's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateCounts {
    /// Count by state, then by kind.
    pub counts: BTreeMap<State, BTreeMap<Kind, i64>>,
}

/// The projection that keeps [`StateCounts`] in the store's `state_counts` table.
pub struct StateCountsProjection {
    store: Store,
}

impl StateCountsProjection {
    /// The projection over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

const STATE_COUNTS: &str = "state_counts";

#[async_trait]
impl Projection for StateCountsProjection {
    fn name(&self) -> &'static str {
        STATE_COUNTS
    }

    async fn last_applied(&self) -> Result<Seq> {
        self.store.projection_position(STATE_COUNTS).await
    }

    async fn apply(&self, changes: &[Change]) -> Result<()> {
        let Some(last) = changes.last() else {
            return Ok(());
        };
        let mut connection = self.store.pool().acquire().await?;
        let mut transaction = connection.begin().await?;
        let Some(stored) = advance(&mut transaction, STATE_COUNTS, last.seq).await? else {
            return Ok(());
        };
        // Counted per label, so that each reader is shown only the records they may see.
        let label = |label: &Option<Label>| label.as_ref().map_or("", Label::as_str).to_owned();
        let mut deltas: BTreeMap<(Kind, State, String), i64> = BTreeMap::new();
        for change in changes.iter().filter(|change| change.seq > stored) {
            let (Some(kind), Some(state)) = (change.kind, change.state) else {
                continue;
            };
            *deltas
                .entry((kind, state, label(&change.label)))
                .or_default() += 1;
            if let Some(previous) = change.previous_state {
                *deltas
                    .entry((kind, previous, label(&change.previous_label)))
                    .or_default() -= 1;
            }
        }
        for ((kind, state, label), delta) in deltas.into_iter().filter(|(_, delta)| *delta != 0) {
            sqlx::query(
                "INSERT INTO state_counts (kind, state, label, count) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kind, state, label) DO UPDATE SET count = state_counts.count + excluded.count",
            )
            .bind(kind.as_str())
            .bind(state.as_str())
            .bind(label)
            .bind(delta)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }
}

impl Store {
    /// The dashboard's counters of the records `reader` may see, as far as the state-counts
    /// projection has got. Readers who see only their own records get no counters.
    pub async fn state_counts(&self, reader: &Reader) -> Result<StateCounts> {
        let mut counts = StateCounts::default();
        if reader.only_records_of().is_some() {
            return Ok(counts);
        }
        let rows =
            sqlx::query("SELECT kind, state, label, count FROM state_counts WHERE count <> 0")
                .fetch_all(self.pool())
                .await?;
        for row in rows {
            let label: String = row.try_get("label")?;
            let label = match label.as_str() {
                "" => None,
                text => Some(text.parse::<Label>().map_err(corrupt)?),
            };
            if !reader.satisfies(label.as_ref()) {
                continue;
            }
            let kind: Kind = row.try_get::<String, _>("kind")?.parse().map_err(corrupt)?;
            let state: State = row
                .try_get::<String, _>("state")?
                .parse()
                .map_err(corrupt)?;
            *counts
                .counts
                .entry(state)
                .or_default()
                .entry(kind)
                .or_default() += row.try_get::<i64, _>("count")?;
        }
        Ok(counts)
    }
}
