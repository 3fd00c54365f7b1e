//! Connecting to SQLite or PostgreSQL through sqlx's `Any` driver, so that one code path serves both.

use std::path::{Path, PathBuf};
use std::sync::Once;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Row};

use crate::{Error, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The database under the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in WAL mode with `synchronous=FULL`.
    Sqlite,
    /// PostgreSQL, shareable by several nodes.
    Postgres,
}

impl Backend {
    /// The backend a URL names.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(Error::UnsupportedUrl)
        }
    }

    pub(crate) async fn migrate(self, pool: &AnyPool) -> Result<()> {
        match self {
            Self::Sqlite => SQLITE_MIGRATIONS.run(pool).await?,
            Self::Postgres => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Session settings for every connection. `synchronous=FULL` makes each commit flush the WAL,
    /// so an acknowledged write survives power loss, not only a crash of the process.
    async fn configure(self, connection: &mut AnyConnection) -> sqlx::Result<()> {
        if self == Self::Sqlite {
            connection
                .execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                )
                .await?;
        }
        Ok(())
    }
}

fn install_drivers() {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
}

fn options(url: &str) -> Result<AnyConnectOptions> {
    install_drivers();
    // Statement logging at INFO would log every intake; keep it for slow statements only.
    Ok(url
        .parse::<AnyConnectOptions>()?
        .log_statements(tracing::log::LevelFilter::Trace))
}

pub(crate) async fn pool(backend: Backend, url: &str) -> Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(move |connection, _| {
            Box::pin(async move { backend.configure(connection).await })
        })
        .connect_with(options(url)?)
        .await?;
    Ok(pool)
}

pub(crate) async fn connection(backend: Backend, url: &str) -> Result<AnyConnection> {
    let mut connection = AnyConnection::connect_with(&options(url)?).await?;
    backend.configure(&mut connection).await?;
    Ok(connection)
}

/// Creates the data directory and names the database file in it.
pub(crate) fn prepare_dir(dir: &Path) -> Result<PathBuf> {
    #[expect(
        clippy::disallowed_methods,
        reason = "opening the data directory is the store's own I/O"
    )]
    std::fs::create_dir_all(dir).map_err(Error::DataDir)?;
    Ok(dir.join("humdex.db"))
}

/// The node's id, made once when the store is created and kept in it.
pub(crate) async fn node_id(pool: &AnyPool) -> Result<String> {
    let candidate = format!("node-{}", uuid::Uuid::new_v4().simple());
    sqlx::query("INSERT INTO node (key, value) VALUES ('id', $1) ON CONFLICT (key) DO NOTHING")
        .bind(candidate)
        .execute(pool)
        .await?;
    let row = sqlx::query("SELECT value FROM node WHERE key = 'id'")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("value")?)
}
