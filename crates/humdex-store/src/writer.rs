//! Group commit: one task owns the write connection and commits whatever writes are waiting in
//! one transaction, so N concurrent writers pay for one disk flush instead of N. Each write runs
//! inside its own savepoint, so one that fails (a stale version, an illegal transition) rolls back
//! alone and the rest of the batch still commits.
//!
//! A single writer per node is also what SQLite wants (it allows one writer at a time). On
//! PostgreSQL, each batch takes a transaction-scoped advisory lock before it appends to the
//! journal, which makes the order of sequence numbers the order of commits across all nodes that
//! share the database; see `journal::read_after`.

use futures::future::BoxFuture;
use sqlx::{AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot, watch};

use crate::{Backend, Error, Result, Seq};

/// How many writes one transaction takes at most; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;

/// Key of the advisory lock that orders journal appends on PostgreSQL ("humdex" in ASCII).
const JOURNAL_LOCK: i64 = 0x68756d646578;

/// A write: called with the batch's connection, perhaps twice (see [`commit_batch`]), so it
/// must own its inputs and clone what it consumes.
pub(crate) type WriteFn<T> =
    Box<dyn for<'c> FnMut(&'c mut AnyConnection) -> BoxFuture<'c, Result<Written<T>>> + Send>;

/// A write's result and the highest journal sequence it appended, if any.
pub(crate) struct Written<T> {
    pub output: T,
    pub last_seq: Option<Seq>,
}

/// A write waiting for its batch, with its result type erased.
trait Pending: Send {
    fn apply<'c>(&'c mut self, connection: &'c mut AnyConnection) -> BoxFuture<'c, Option<Seq>>;
    fn succeeded(&self) -> bool;
    /// Forgets the result of a pass that was rolled back.
    fn reset(&mut self);
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Envelope<T> {
    write: WriteFn<T>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send + 'static> Pending for Envelope<T> {
    fn apply<'c>(&'c mut self, connection: &'c mut AnyConnection) -> BoxFuture<'c, Option<Seq>> {
        Box::pin(async move {
            match (self.write)(connection).await {
                Ok(written) => {
                    self.result = Some(Ok(written.output));
                    written.last_seq
                }
                Err(error) => {
                    self.result = Some(Err(error));
                    None
                }
            }
        })
    }

    fn succeeded(&self) -> bool {
        matches!(self.result, Some(Ok(_)))
    }

    fn reset(&mut self) {
        self.result = None;
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let result = match (self.result, commit) {
            (Some(Ok(output)), Ok(())) => Ok(output),
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(_)) | None, Err(error)) => Err(Error::Database(sqlx::Error::Protocol(error))),
            (None, Ok(())) => Err(Error::WriterStopped),
        };
        // The caller may have gone away (a dropped request); the write stands all the same.
        let _ = self.reply.send(result);
    }
}

/// The sending side of the writer task.
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Pending>>,
}

impl Writer {
    pub(crate) async fn start(
        backend: Backend,
        url: String,
        head: watch::Sender<Seq>,
    ) -> Result<Self> {
        let connection = crate::connect::connection(backend, &url).await?;
        let (queue, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(backend, url, connection, receiver, head));
        Ok(Self { queue })
    }

    /// Queues `write` and waits until its batch is durable.
    pub(crate) async fn write<T: Send + 'static>(&self, write: WriteFn<T>) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let envelope = Envelope {
            write,
            result: None,
            reply,
        };
        self.queue
            .send(Box::new(envelope))
            .await
            .map_err(|_| Error::WriterStopped)?;
        answer.await.map_err(|_| Error::WriterStopped)?
    }
}

async fn run(
    backend: Backend,
    url: String,
    connection: AnyConnection,
    mut receiver: mpsc::Receiver<Box<dyn Pending>>,
    head: watch::Sender<Seq>,
) {
    let mut connection = Some(connection);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if connection.is_none() {
            connection = crate::connect::connection(backend, &url)
                .await
                .inspect_err(|error| tracing::error!(%error, "cannot reconnect the writer"))
                .ok();
        }
        let outcome = match connection.as_mut() {
            Some(connection) => commit_batch(backend, connection, &mut batch).await,
            None => Err("the database is unreachable".to_owned()),
        };
        match &outcome {
            Ok(Some(last_seq)) => {
                head.send_if_modified(|head| {
                    let advanced = *last_seq > *head;
                    *head = (*head).max(*last_seq);
                    advanced
                });
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, writes = batch.len(), "a batch failed to commit");
                // The connection may be broken; the next batch opens a new one.
                connection = None;
            }
        }
        let commit = outcome.map(|_| ());
        for pending in batch.drain(..) {
            pending.finish(commit.clone());
        }
    }
}

/// How a batch runs its writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// All writes straight in one transaction: the common case, where none fails.
    Optimistic,
    /// Each write in its own savepoint, so a failing one rolls back alone.
    Isolated,
}

/// Commits the batch, optimistically first: savepoints cost two statements per write (and on
/// SQLite a statement journal), which measured as a third of intake throughput, to guard against
/// failures that are rare. If any write fails, the batch is rolled back and replayed with a
/// savepoint per write; nothing was committed, so replaying is safe. Returns the highest journal
/// sequence committed.
async fn commit_batch(
    backend: Backend,
    connection: &mut AnyConnection,
    batch: &mut [Box<dyn Pending>],
) -> Result<Option<Seq>, String> {
    match run_batch(backend, connection, batch, Pass::Optimistic).await? {
        Some(last_seq) => Ok(last_seq),
        None => {
            batch.iter_mut().for_each(|pending| pending.reset());
            run_batch(backend, connection, batch, Pass::Isolated)
                .await
                .map(Option::flatten)
        }
    }
}

/// Runs the batch in one transaction. In the optimistic pass, returns `None` (after rolling
/// back) as soon as a write fails.
async fn run_batch(
    backend: Backend,
    connection: &mut AnyConnection,
    batch: &mut [Box<dyn Pending>],
    pass: Pass,
) -> Result<Option<Option<Seq>>, String> {
    let failed = |error: sqlx::Error| error.to_string();
    // On SQLite, take the write lock up front. A deferred transaction whose first write (say a
    // version check) reads starts as a reader, and SQLite refuses its later upgrade to a writer at
    // once, without waiting out `busy_timeout`, if another connection (a projection) writes
    // meanwhile: the whole batch would fail with "database is locked".
    let mut transaction = match backend {
        Backend::Sqlite => connection.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => connection.begin().await,
    }
    .map_err(failed)?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(JOURNAL_LOCK)
            .execute(&mut *transaction)
            .await
            .map_err(failed)?;
    }
    let mut last_seq = None;
    for pending in batch.iter_mut() {
        match pass {
            Pass::Optimistic => {
                let seq = pending.apply(&mut transaction).await;
                if !pending.succeeded() {
                    transaction.rollback().await.map_err(failed)?;
                    return Ok(None);
                }
                last_seq = last_seq.max(seq);
            }
            Pass::Isolated => {
                let mut savepoint = transaction.begin().await.map_err(failed)?;
                let seq = pending.apply(&mut savepoint).await;
                if pending.succeeded() {
                    savepoint.commit().await.map_err(failed)?;
                    last_seq = last_seq.max(seq);
                } else {
                    savepoint.rollback().await.map_err(failed)?;
                }
            }
        }
    }
    crate::audit::seal(&mut transaction)
        .await
        .map_err(|error| error.to_string())?;
    transaction.commit().await.map_err(failed)?;
    Ok(Some(last_seq))
}
