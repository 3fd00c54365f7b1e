use std::time::Duration;

use humdex_testkit::TestDatabase;
use serde_json::Value;

use crate::support::{Server, add_user, humdex, search_index};

const LINES: &str = r#"{"kind": "report", "title": "Ad for massage work in a quokka costume"}
{"kind": "request", "title": "Any intelligence on plate KT-4471?"}
"#;

/// The ids the server finds for `query`, after waiting up to ten seconds for one.
async fn found(server: &Server, token: &str, query: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        let reply: Value = client
            .get(format!(
                "{}/api/v1/search?q={}",
                server.base,
                query.replace(' ', "%20")
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let hits = reply["hits"]
            .as_array()
            .unwrap_or_else(|| panic!("{reply}"));
        if !hits.is_empty() {
            return hits
                .iter()
                .map(|hit| hit["id"].as_str().unwrap().to_owned())
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn reindex_rebuilds_the_search_index_from_the_journal() {
    for database in TestDatabase::all().await {
        add_user(&database, "admin", "admin");
        let file = database.dir.path().join("records.jsonl");
        #[expect(clippy::disallowed_methods, reason = "the test writes its own fixture")]
        std::fs::write(&file, LINES).unwrap();
        let imported = humdex(&["import", &file.display().to_string()], &database, "");
        assert!(imported.status.success(), "{imported:?}");

        let mut server = Server::start(&database);
        let client = reqwest::Client::new();
        let token = server.login(&client, "admin").await;
        let before = found(&server, &token, "quokka").await;
        assert_eq!(before.len(), 1, "{}", database.backend);
        server.child.kill().unwrap();
        server.child.wait().unwrap();

        std::fs::remove_dir_all(search_index(&database)).unwrap();
        let rebuilt = humdex(
            &["reindex", "--search-index", &search_index(&database)],
            &database,
            "",
        );
        assert!(rebuilt.status.success(), "{rebuilt:?}");
        let said = String::from_utf8_lossy(&rebuilt.stdout);
        assert!(said.contains("Indexed 2 records"), "{said}");

        let server = Server::start(&database);
        let token = server.login(&client, "admin").await;
        assert_eq!(found(&server, &token, "quokka").await, before);
        assert_eq!(found(&server, &token, "KT 4471").await.len(), 1);
    }
}
