use std::sync::{Arc, Mutex};
use std::time::Duration;

use humdex_testkit::TestDatabase;
use serde_json::{Value, json};

use crate::support::{Server, add_user};

const CLIENTS: usize = 8;
/// Kill once this many records are acknowledged, so the kill lands while writes are in flight.
const ACKNOWLEDGED_BEFORE_KILL: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_records_survive_sigkill() {
    for database in TestDatabase::all().await {
        add_user(&database, "writer", "analyst");
        let mut server = Server::start(&database);
        let client = reqwest::Client::new();
        let token = server.login(&client, "writer").await;

        let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        let mut writers = Vec::new();
        for writer in 0..CLIENTS {
            let (client, base, token, acknowledged) = (
                client.clone(),
                server.base.clone(),
                token.clone(),
                acknowledged.clone(),
            );
            writers.push(tokio::spawn(async move {
                for n in 0.. {
                    let title = format!("kill test {writer}-{n}");
                    let body = json!({
                        "kind": "report",
                        "title": title,
                        "narrative": format!("Narrative of {title}: a van seen at the farm gate at night."),
                        "fields": {"plate": {"value": format!("KT-{writer}-{n}")}}
                    });
                    let sent = client.post(format!("{base}/api/v1/records")).bearer_auth(&token).json(&body).send().await;
                    // Once the server dies, requests fail: that is the end of this writer.
                    let Ok(response) = sent else { break };
                    if response.status() != 201 {
                        break;
                    }
                    let Ok(reply) = response.json::<Value>().await else { break };
                    let id = reply["id"].as_str().unwrap().to_owned();
                    acknowledged.lock().unwrap().push((id, title));
                }
            }));
        }
        while acknowledged.lock().unwrap().len() < ACKNOWLEDGED_BEFORE_KILL {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Child::kill sends SIGKILL: no shutdown, no flush, no goodbye.
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for writer in writers {
            writer.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL);

        let server = Server::start(&database);
        let token = server.login(&client, "writer").await;
        for (id, title) in &acknowledged {
            let response = client
                .get(format!("{}/api/v1/records/{id}", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                200,
                "{}: acknowledged record {id} is lost",
                database.backend
            );
            let record: Value = response.json().await.unwrap();
            assert_eq!(
                record["title"],
                title.as_str(),
                "{}: record {id} changed",
                database.backend
            );
            assert_eq!(
                record["fields"]["plate"]["value"]
                    .as_str()
                    .map(|plate| plate.starts_with("KT-")),
                Some(true)
            );
        }
        let journal: Value = client
            .get(format!("{}/api/v1/journal?limit=1", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let head = journal["head"].as_i64().unwrap();
        assert!(
            head as usize > acknowledged.len(),
            "{}: the journal lost entries",
            database.backend
        );
    }
}
