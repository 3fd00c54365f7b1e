//! The Humdex store: the source of truth. It owns the tables (records and their versions, users,
//! sessions, pools, attachments), the [journal](Store::journal_after) every change appends to,
//! the migrations, and the two backends, SQLite (embedded, the default) and PostgreSQL (shared by
//! several nodes). It must not know HTTP or the UI.
//!
//! [`Store`] is the handle; all writes go through one group-committing writer per node
//! (`writer`), so a write is acknowledged only once its transaction, journal row included, is
//! durable, and many concurrent writes share one disk flush. [`Projection`]s tail the journal
//! through a [`ProjectionRunner`]; [`StateCounts`] is the first of them.
//!
//! The store also keeps the tamper-evident audit log whose mathematics is `humdex-audit`'s: every
//! journalled change is audited in its own transaction, [`Store::append_audit`] takes the rest
//! (reads, sign-ins), and [`Store::audit_checkpoint`] signs the log with a key the caller keeps
//! outside the database.
#![warn(missing_docs)]

mod analyses;
mod audit;
mod connect;
mod disseminations;
mod error;
mod graph;
mod images;
mod journal;
mod lockout;
mod map;
mod mfa;
mod privileges;
mod projection;
mod records;
mod subscriptions;
mod tokens;
mod users;
mod writer;

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::watch;

pub use analyses::{RecordAnalysis, VisibleAnalysis};
pub use audit::{AuditInclusionProof, AuditLeaf, IndexedAuditEntry};
pub use connect::Backend;
pub use error::{Error, Result};
pub use graph::{GraphMention, GraphPhoto, RecordGraphInput};
pub use images::{
    HashBytes, HashList, HashListEntry, ImageAlert, ImageBatch, NewFingerprint, NewImageAlert,
    StoredFingerprint,
};
pub use lockout::FailureKey;
pub use mfa::MfaState;
pub use projection::{Projection, ProjectionRunner, StateCounts, StateCountsProjection};
pub use records::{Created, IdempotencyKey, RecordFilter, RecordPage};
pub use tokens::{ApiToken, NewApiToken, TokenGrant};
pub use users::{Account, NewUser, Session};

use humdex_model::Seq;
use writer::Writer;

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    /// Readers; on SQLite, WAL mode lets them run beside the writer.
    pool: AnyPool,
    writer: Writer,
    /// The journal head this process has committed or seen, for tailers to wait on.
    head: watch::Sender<Seq>,
    node_id: String,
}

impl Store {
    /// Opens (creating if needed) the embedded store in directory `dir`.
    pub async fn open_dir(dir: &std::path::Path) -> Result<Self> {
        let path = connect::prepare_dir(dir)?;
        Self::open(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Opens the store at `url` (`sqlite://PATH` or `postgres://…`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        let backend = Backend::from_url(url)?;
        let pool = connect::pool(backend, url).await?;
        backend.migrate(&pool).await?;
        let node_id = connect::node_id(&pool).await?;
        let head = watch::Sender::new(journal::head(&pool).await?);
        let writer = Writer::start(backend, url.to_owned(), head.clone()).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                backend,
                pool,
                writer,
                head,
                node_id,
            }),
        })
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The id of this node, the origin of the records it creates.
    pub fn node_id(&self) -> &str {
        &self.inner.node_id
    }

    /// The reader pool, for projections that keep their state in the store.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// Watches the highest journal sequence this process knows of.
    pub fn watch_head(&self) -> watch::Receiver<Seq> {
        self.inner.head.subscribe()
    }
}
