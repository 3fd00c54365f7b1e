use std::process::Output;

use humdex_audit::leaf_hash;
use humdex_store::Store;
use humdex_testkit::TestDatabase;
use serde_json::Value;
use sqlx::{AnyConnection, Connection, Row};

use crate::support::{Server, add_user, audit_key, humdex};

const LINES: &str = r#"{"kind": "report", "title": "Ad for massage work"}
{"kind": "request", "title": "Any intelligence on plate KT-4471?"}
{"kind": "report", "title": "Workers moved at night"}
"#;

/// Some activity (an admin, three imported records), then a checkpoint signed by a node through
/// the API. Answers the checkpoint's size.
async fn checkpointed_log(database: &TestDatabase) -> u64 {
    add_user(database, "admin", "admin");
    let file = database.dir.path().join("records.jsonl");
    #[expect(clippy::disallowed_methods, reason = "the test writes its own fixture")]
    std::fs::write(&file, LINES).unwrap();
    let imported = humdex(&["import", &file.display().to_string()], database, "");
    assert!(
        imported.status.success(),
        "{}: {imported:?}",
        database.backend
    );

    let server = Server::start(database);
    let client = reqwest::Client::new();
    let token = server.login(&client, "admin").await;
    let checkpoint: Value = client
        .get(format!("{}/api/v1/audit/checkpoint", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    checkpoint["size"]
        .as_u64()
        .unwrap_or_else(|| panic!("{}: no checkpoint in {checkpoint}", database.backend))
}

fn verify(database: &TestDatabase) -> Output {
    humdex(
        &["audit", "verify", "--audit-key", &audit_key(database)],
        database,
        "",
    )
}

async fn connect(database: &TestDatabase) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&database.url).await.unwrap()
}

/// The index of the first entry the import wrote.
async fn first_imported(connection: &mut AnyConnection) -> i64 {
    sqlx::query(
        "SELECT MIN(entry_index) AS entry_index FROM audit_entries \
         WHERE leaf LIKE '%\"actor\":\"import\"%'",
    )
    .fetch_one(connection)
    .await
    .unwrap()
    .get("entry_index")
}

/// Asserts that `output` failed with exit code 1 and said `what` on standard error.
#[track_caller]
fn assert_fails_saying(output: &Output, what: &str, backend: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{backend}: {stderr}");
    assert!(
        stderr.contains(what),
        "{backend}: expected {what:?} in {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_passes_on_a_clean_log() {
    for database in TestDatabase::all().await {
        let backend = database.backend;
        checkpointed_log(&database).await;
        let output = verify(&database);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{backend}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let store = Store::open(&database.url).await.unwrap();
        let size = store.audit_size().await.unwrap();
        let checkpoints = store.audit_checkpoints().await.unwrap().len();
        assert!(checkpoints >= 1, "{backend}");
        let summary =
            format!("The audit log verifies: {size} entries, {checkpoints} signed checkpoint");
        assert!(stdout.contains(&summary), "{backend}: {stdout}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_names_an_edited_entry() {
    for database in TestDatabase::all().await {
        let backend = database.backend;
        checkpointed_log(&database).await;
        let mut connection = connect(&database).await;
        let index = first_imported(&mut connection).await;
        let edited = sqlx::query(
            "UPDATE audit_entries SET leaf = REPLACE(leaf, '\"actor\":\"import\"', \
             '\"actor\":\"somebody\"') WHERE entry_index = $1",
        )
        .bind(index)
        .execute(&mut connection)
        .await
        .unwrap();
        assert_eq!(edited.rows_affected(), 1, "{backend}");
        assert_fails_saying(
            &verify(&database),
            &format!("entry {index} was changed"),
            backend,
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_catches_an_entry_edited_with_its_stored_hash() {
    for database in TestDatabase::all().await {
        let backend = database.backend;
        checkpointed_log(&database).await;
        let mut connection = connect(&database).await;
        let index = first_imported(&mut connection).await;
        let leaf: String = sqlx::query("SELECT leaf FROM audit_entries WHERE entry_index = $1")
            .bind(index)
            .fetch_one(&mut connection)
            .await
            .unwrap()
            .get("leaf");
        let forged = leaf.replace("\"actor\":\"import\"", "\"actor\":\"somebody\"");
        assert_ne!(forged, leaf, "{backend}");
        sqlx::query("UPDATE audit_entries SET leaf = $1 WHERE entry_index = $2")
            .bind(&forged)
            .bind(index)
            .execute(&mut connection)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_nodes SET hash = $1 WHERE level = 0 AND node_index = $2")
            .bind(leaf_hash(forged.as_bytes()).to_vec())
            .bind(index)
            .execute(&mut connection)
            .await
            .unwrap();
        // Without the signing key, the checkpoints cannot follow: their roots give it away.
        assert_fails_saying(
            &verify(&database),
            "was changed after the checkpoint",
            backend,
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_fails_when_checkpointed_entries_are_removed() {
    for database in TestDatabase::all().await {
        let backend = database.backend;
        let size = checkpointed_log(&database).await;
        let mut connection = connect(&database).await;
        let removed = sqlx::query("DELETE FROM audit_entries WHERE entry_index >= $1")
            .bind(i64::try_from(size).unwrap() - 2)
            .execute(&mut connection)
            .await
            .unwrap();
        assert!(removed.rows_affected() >= 2, "{backend}");
        assert_fails_saying(
            &verify(&database),
            "entries were removed from the end",
            backend,
        );
    }
}
