use std::collections::BTreeSet;

use humdex_testkit::TestDatabase;
use serde_json::Value;

use crate::support::Server;

/// The demo's password, as README tells newcomers.
const DEMO_PASSWORD: &str = "humdex-demo";

/// The phone of the demo's farm-labour crew leader, used across many reports.
const CREW_LEADER_PHONE: &str = "+12395550117";

async fn get(client: &reqwest::Client, server: &Server, token: &str, path: &str) -> Value {
    let reply = client
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{path}: {}", reply.status());
    reply.json().await.unwrap()
}

fn names(chart: &Value) -> BTreeSet<String> {
    chart["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["name"].as_str().unwrap().to_owned())
        .collect()
}

fn kinds(chart: &Value) -> BTreeSet<String> {
    chart["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_chart_from_one_phone_reaches_people_adverts_and_places_within_clearance() {
    for database in TestDatabase::all().await {
        let server = Server::start_with(&database, &["--demo"]);
        let client = reqwest::Client::new();
        server.settled(&client).await;
        let admin = server.login_with(&client, "admin", DEMO_PASSWORD).await;
        let analyst = server.login_with(&client, "analyst", DEMO_PASSWORD).await;

        let found = get(
            &client,
            &server,
            &analyst,
            &format!(
                "/api/v1/graph/entities?type=phone&q={}",
                &CREW_LEADER_PHONE[1..]
            ),
        )
        .await;
        assert_eq!(found[0]["name"], CREW_LEADER_PHONE, "{found}");
        let phone = found[0]["id"].as_str().unwrap();
        assert!(found[0]["records"].as_u64().unwrap() >= 3, "{found}");

        let path = format!("/api/v1/graph/entity/{phone}?depth=2&limit=5000");
        let full = get(&client, &server, &admin, &path).await;
        let low = get(&client, &server, &analyst, &path).await;
        for chart in [&full, &low] {
            let kinds = kinds(chart);
            for kind in ["person", "location"] {
                assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
            }
            assert!(
                names(chart).iter().any(|name| name.contains("Barrientos")),
                "the crew leader is reached"
            );
        }
        assert!(
            kinds(&full).contains("url") || kinds(&full).contains("handle"),
            "an advert's address is reached: {:?}",
            kinds(&full)
        );

        // The analyst lacks VICTIM_PII: victims named in labelled fields reach the admin only.
        let (full_names, low_names) = (names(&full), names(&low));
        assert!(low_names.is_subset(&full_names));
        assert!(low_names.len() < full_names.len());
        // Victims' names, known to the admin only, appear nowhere in the analyst's chart.
        let low_text = low.to_string();
        let hidden_people: Vec<&str> = full["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|node| node["kind"] == "person")
            .map(|node| node["name"].as_str().unwrap())
            .filter(|name| !low_names.contains(*name))
            .collect();
        assert!(!hidden_people.is_empty(), "a victim is linked to the phone");
        for name in hidden_people {
            assert!(!low_text.contains(name), "{name} leaked");
        }
        // No evidence the analyst is shown is a record withheld from them.
        let evidence: BTreeSet<&str> = low["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|edge| edge["evidence"].as_array().unwrap())
            .map(|record| record.as_str().unwrap())
            .collect();
        for record in evidence {
            let reply = client
                .get(format!("{}/api/v1/records/{record}", server.base))
                .bearer_auth(&analyst)
                .send()
                .await
                .unwrap();
            assert!(reply.status().is_success(), "{record}");
        }

        // The demo's layer of help answers nearest; its safe houses are NGO only.
        let near = get(
            &client,
            &server,
            &analyst,
            "/api/v1/map/nearest?lat=29.76&lon=-95.37&layer=Help%20near%20you&k=3",
        )
        .await;
        assert_eq!(near.as_array().unwrap().len(), 3, "{near}");
        assert!(
            near[0]["name"].as_str().unwrap().contains("Harris County"),
            "{near}"
        );
        let layers = get(&client, &server, &analyst, "/api/v1/layers").await;
        assert!(!layers.to_string().contains("Safe houses"));
        let caseworker = server
            .login_with(&client, "caseworker", DEMO_PASSWORD)
            .await;
        let layers = get(&client, &server, &caseworker, "/api/v1/layers").await;
        assert!(layers.to_string().contains("Safe houses"));
    }
}
