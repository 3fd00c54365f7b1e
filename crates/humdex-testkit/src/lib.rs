//! Test support for Humdex: [`TestDatabase`] gives each test a database of its own, an SQLite
//! file in a temporary folder or a fresh schema in the PostgreSQL that `HUMDEX_TEST_POSTGRES_URL`
//! names, so the same test runs on both backends. With the variable set, a PostgreSQL that cannot
//! be reached fails the test: it never skips.
#![warn(missing_docs)]
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "test support fails the test loudly"
)]

use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

/// The variable that names the PostgreSQL to test against.
pub const POSTGRES_URL_VARIABLE: &str = "HUMDEX_TEST_POSTGRES_URL";

/// A database that lives as long as the test.
pub struct TestDatabase {
    /// `sqlite` or `postgres`, for test messages.
    pub backend: &'static str,
    /// The URL to open the store with.
    pub url: String,
    /// The folder an SQLite database lives in; a data directory for the CLI.
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A fresh database on every backend this run tests: SQLite always, PostgreSQL when
    /// `HUMDEX_TEST_POSTGRES_URL` is set.
    pub async fn all() -> Vec<Self> {
        let mut databases = vec![Self::sqlite()];
        if let Some(postgres) = Self::postgres().await {
            databases.push(postgres);
        }
        databases
    }

    /// A fresh SQLite database in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = TempDir::new().expect("a temporary folder");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("humdex.db").display()
        );
        Self {
            backend: "sqlite",
            url,
            dir,
            postgres: None,
        }
    }

    /// A fresh schema in the test PostgreSQL, or `None` when the run has none.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var(POSTGRES_URL_VARIABLE).ok()?;
        let schema = format!("humdex_test_{}", uuid::Uuid::new_v4().simple());
        let mut connection = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!("{POSTGRES_URL_VARIABLE} is set but PostgreSQL is unreachable: {error}")
            });
        connection
            .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .expect("create a test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        // The application name lets Drop find and end this test's connections.
        let url = format!(
            "{admin_url}{separator}options[search_path]={schema}&application_name={schema}"
        );
        let dir = TempDir::new().expect("a temporary folder");
        Some(Self {
            backend: "postgres",
            url,
            dir,
            postgres: Some((admin_url, schema)),
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, schema)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime, which cannot block; a thread with its own runtime can.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&admin_url).await.ok()?;
                // The test's store may still hold a transaction open in the schema (a projection
                // mid-step), and the test's runtime is blocked in this Drop, so it would never
                // finish: end the test's connections first.
                let terminate = format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = '{schema}'"
                );
                connection
                    .execute(sqlx::AssertSqlSafe(terminate))
                    .await
                    .ok()?;
                connection
                    .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}
