use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Node, Reply, nodes};

async fn get(node: &Node, token: &str, uri: &str) -> Reply {
    node.call(Method::GET, uri, Some(token), None, &[]).await
}

async fn post(node: &Node, token: &str, uri: &str, body: Value) -> Reply {
    node.call(Method::POST, uri, Some(token), Some(body), &[])
        .await
}

/// Waits until the graph has read the whole journal.
async fn charted(node: &Node) {
    let head = node.store.journal_head().await.unwrap();
    node.state.graph().caught_up(head).await;
}

fn report(title: &str, narrative: &str, label: Option<&str>) -> Value {
    let mut record = json!({
        "kind": "report",
        "title": title,
        "narrative": narrative,
        "source": {"channel": "api", "reliability": "B", "credibility": 2}
    });
    if let Some(label) = label {
        record["label"] = json!(label);
    }
    record
}

/// Three reports sharing one phone number: two open, one labelled VICTIM_PII (which Ben lacks)
/// naming a victim and a city no other report names. Answers their ids.
async fn phone_case(node: &Node, token: &str) -> [String; 3] {
    let ad = node
        .create_record(
            token,
            report(
                "Massage ad",
                "New girls in Houston, call +1 239 555 0117. Ivan Petrov runs the place.",
                None,
            ),
        )
        .await;
    let tip = node
        .create_record(
            token,
            report(
                "Hotline tip",
                "Ivan Petrov keeps the workers' passports. His number is +1 239 555 0117.",
                None,
            ),
        )
        .await;
    let victim = node
        .create_record(
            token,
            report(
                "Victim interview",
                "Maria Lopez called +1 239 555 0117 from Miami to ask for her documents.",
                Some("VICTIM_PII"),
            ),
        )
        .await;
    charted(node).await;
    [ad, tip, victim]
}

/// The id of the one entity of `kind` whose name contains `text`.
async fn entity(node: &Node, token: &str, kind: &str, text: &str) -> String {
    let reply = get(
        node,
        token,
        &format!("/api/v1/graph/entities?q={text}&type={kind}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let found = reply.body.as_array().unwrap();
    assert!(!found.is_empty(), "no {kind} like {text}");
    found[0]["id"].as_str().unwrap().to_owned()
}

fn names(chart: &Value) -> Vec<String> {
    chart["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["name"].as_str().unwrap().to_owned())
        .collect()
}

fn evidence(chart: &Value) -> Vec<String> {
    chart["edges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|edge| edge["evidence"].as_array().unwrap().clone())
        .map(|record| record.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_phone_reaches_people_and_places_across_reports_within_clearance() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let [ad, tip, victim] = phone_case(&node, &admin).await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let phone = entity(&node, &ana, "phone", "239-555-0117").await;

        let reply = get(
            &node,
            &ana,
            &format!("/api/v1/graph/entity/{phone}?depth=2"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let chart = &reply.body;
        let seen = names(chart);
        assert_eq!(seen[0], "+12395550117", "the start comes first: {seen:?}");
        for expected in ["Ivan Petrov", "Houston", "Maria Lopez", "Miami"] {
            assert!(
                seen.iter().any(|name| name.contains(expected)),
                "{expected} not in {seen:?}"
            );
        }
        let shown = evidence(chart);
        for record in [&ad, &tip, &victim] {
            assert!(shown.contains(record), "{record} not in the evidence");
        }
        assert_eq!(chart["nodes"][0]["records"], 3);
        assert_eq!(chart["nodes_left_out"], 0);
        // Laid out and measured.
        let nodes = chart["nodes"].as_array().unwrap();
        assert!(
            nodes
                .iter()
                .any(|node| node["x"] != 0.0 || node["y"] != 0.0)
        );
        assert!(nodes[0]["degree"].as_u64().unwrap() >= 4);

        // Ben lacks VICTIM_PII: the victim's report is neither shown nor counted.
        let reply = get(
            &node,
            &ben,
            &format!("/api/v1/graph/entity/{phone}?depth=2"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let text = reply.body.to_string();
        for hidden in ["Maria Lopez", "Miami", victim.as_str()] {
            assert!(!text.contains(hidden), "{hidden} leaked to ben: {text}");
        }
        let seen = names(&reply.body);
        assert!(
            seen.iter().any(|name| name.contains("Ivan Petrov")),
            "{seen:?}"
        );
        assert_eq!(reply.body["nodes"][0]["records"], 2);
        let reply = get(&node, &ben, "/api/v1/graph/entities?q=lopez").await;
        assert_eq!(reply.body, json!([]), "{}", node.backend);
        let reply = get(&node, &ana, "/api/v1/graph/entities?q=lopez").await;
        assert_eq!(reply.body[0]["name"], "Maria Lopez", "{}", reply.body);

        // A limit leaves nodes out and says how many.
        let reply = get(
            &node,
            &ana,
            &format!("/api/v1/graph/entity/{phone}?depth=2&limit=2"),
        )
        .await;
        assert_eq!(reply.body["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(
            reply.body["nodes_left_out"].as_u64().unwrap() + 2,
            chart["nodes"].as_array().unwrap().len() as u64
        );
        assert!(reply.body["edges_left_out"].as_u64().unwrap() > 0);

        // Partners chart nothing; bad parameters are named.
        let pat = node.login("pat").await;
        let reply = get(&node, &pat, &format!("/api/v1/graph/entity/{phone}")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = get(
            &node,
            &ana,
            &format!("/api/v1/graph/entity/{phone}?depth=4"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = get(&node, &ana, "/api/v1/graph/entity/nothing-like-it").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn paths_charts_and_exports_keep_to_clearance() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let [ad, _, victim] = phone_case(&node, &admin).await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let houston = entity(&node, &ana, "location", "Houston").await;
        let miami = entity(&node, &ana, "location", "Miami").await;

        let path = format!("/api/v1/graph/path?from={houston}&to={miami}");
        let reply = get(&node, &ana, &path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let paths = reply.body["paths"].as_array().unwrap();
        assert!(!paths.is_empty());
        // Houston – phone – Miami.
        assert_eq!(paths[0].as_array().unwrap().len(), 3, "{}", reply.body);
        let reply = get(&node, &ben, &path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "ben may not see Miami");

        let request = json!({"records": [ad], "expand": 1});
        let reply = post(&node, &ana, "/api/v1/graph/chart", request.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(names(&reply.body).iter().any(|name| name.contains("Miami")));
        let communities: Vec<u64> = reply.body["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node["community"].as_u64().unwrap())
            .collect();
        assert!(communities.contains(&0));
        let reply = post(&node, &ben, "/api/v1/graph/chart", request.clone()).await;
        assert!(!reply.body.to_string().contains("Miami"));
        let reply = post(
            &node,
            &ana,
            "/api/v1/graph/chart",
            json!({"records": [ad], "offset": 1, "limit": 1}),
        )
        .await;
        assert_eq!(reply.body["nodes"].as_array().unwrap().len(), 1);
        assert!(reply.body["nodes_left_out"].as_u64().unwrap() > 0);

        for (format, media_type) in [
            ("graphml", "application/graphml+xml"),
            ("svg", "image/svg+xml"),
            ("png", "image/png"),
        ] {
            let uri = format!("/api/v1/graph/chart/export?format={format}&width=400");
            let reply = post(&node, &ben, &uri, request.clone()).await;
            assert_eq!(reply.status, StatusCode::OK, "{format}: {}", reply.body);
            assert_eq!(reply.headers["content-type"], media_type);
            if format == "png" {
                assert_eq!(&reply.bytes[..8], b"\x89PNG\r\n\x1a\n");
            } else {
                let text = String::from_utf8(reply.bytes.clone()).unwrap();
                assert!(text.contains("Ivan Petrov"), "{format}");
                assert!(
                    !text.contains("Miami") && !text.contains(victim.as_str()),
                    "{format} leaked"
                );
            }
        }
        let reply = post(
            &node,
            &ana,
            "/api/v1/graph/chart/export?format=pdf",
            request,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = post(&node, &ana, "/api/v1/graph/chart", json!({})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn suggested_people_merge_with_provenance_and_the_merge_undoes() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        phone_case(&node, &admin).await;
        let ana = node.login("ana").await;

        let reply = get(&node, &ana, "/api/v1/graph/suggestions?type=person").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let petrov = reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|suggestion| suggestion["names"].to_string().contains("Ivan Petrov"))
            .unwrap_or_else(|| panic!("no suggestion for Ivan Petrov: {}", reply.body))
            .clone();
        let entities = petrov["entities"].as_array().unwrap();
        assert_eq!(entities.len(), 2, "{petrov}");
        assert_eq!(
            petrov["shared_identifiers"].as_array().unwrap().len(),
            1,
            "the phone"
        );
        let (into, merged) = (entities[0].as_str().unwrap(), entities[1].as_str().unwrap());

        let reply = post(
            &node,
            &ana,
            "/api/v1/graph/merges",
            json!({"into": into, "merged": merged, "reason": "same phone, same business"}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let merge = reply.body["id"].as_str().unwrap().to_owned();
        charted(&node).await;
        let reply = get(&node, &ana, &format!("/api/v1/graph/entity/{into}/summary")).await;
        assert_eq!(reply.body["records"], 2, "{}", reply.body);
        assert_eq!(reply.body["merged"], json!([merged]));
        // The merged entity answers as the one it joined.
        let reply = get(
            &node,
            &ana,
            &format!("/api/v1/graph/entity/{merged}/summary"),
        )
        .await;
        assert_eq!(reply.body["id"], into);
        let reply = get(&node, &ana, "/api/v1/graph/merges").await;
        assert_eq!(reply.body[0]["reason"], "same phone, same business");
        assert_eq!(reply.body[0]["actor"], "ana");

        let reply = node
            .call(
                Method::DELETE,
                &format!("/api/v1/graph/merges/{merge}"),
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        charted(&node).await;
        let reply = get(&node, &ana, &format!("/api/v1/graph/entity/{into}/summary")).await;
        assert_eq!(reply.body["records"], 1);
        assert_eq!(reply.body["merged"], json!([]));
        let reply = get(&node, &ana, "/api/v1/graph/merges").await;
        assert!(reply.body[0]["undone"].is_array(), "{}", reply.body);
        // Undone once only; a merge of an entity with itself is refused.
        let reply = node
            .call(
                Method::DELETE,
                &format!("/api/v1/graph/merges/{merge}"),
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        let reply = post(
            &node,
            &ana,
            "/api/v1/graph/merges",
            json!({"into": into, "merged": into, "reason": "x"}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn relations_carry_their_evidence_labels_and_exclusions_unlink() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let [ad, _, victim] = phone_case(&node, &admin).await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let petrov = entity(&node, &ana, "person", "Petrov").await;
        let lopez = entity(&node, &ana, "person", "Lopez").await;
        let phone = entity(&node, &ana, "phone", "2395550117").await;

        // Ben cannot cite a record he may not see.
        let relation =
            json!({"kind": "employer", "from": petrov, "to": lopez, "evidence": [victim]});
        let reply = post(&node, &ben, "/api/v1/graph/relations", relation.clone()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        let reply = post(&node, &ana, "/api/v1/graph/relations", relation).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let id = reply.body["id"].as_str().unwrap().to_owned();
        charted(&node).await;
        let reply = get(&node, &ana, &format!("/api/v1/graph/entity/{petrov}")).await;
        let edges = reply.body["edges"].as_array().unwrap();
        assert!(
            edges
                .iter()
                .any(|edge| edge["kinds"] == json!(["employer"])),
            "{}",
            reply.body
        );
        let reply = get(&node, &ben, &format!("/api/v1/graph/entity/{petrov}")).await;
        assert!(
            !reply.body.to_string().contains("employer"),
            "{}",
            reply.body
        );
        let reply = post(
            &node,
            &ana,
            "/api/v1/graph/relations",
            json!({"kind": "sold", "from": petrov, "to": lopez, "evidence": [ad]}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = node
            .call(
                Method::DELETE,
                &format!("/api/v1/graph/relations/{id}"),
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);

        // A switchboard-like value excluded by an admin links nothing any more.
        let exclusion = json!({"entity": phone, "reason": "shared hotline"});
        let reply = post(&node, &ana, "/api/v1/graph/exclusions", exclusion.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = post(&node, &admin, "/api/v1/graph/exclusions", exclusion).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
        charted(&node).await;
        let reply = get(&node, &ana, &format!("/api/v1/graph/entity/{phone}")).await;
        assert_eq!(reply.body["edges"], json!([]), "{}", reply.body);
        let reply = get(&node, &admin, "/api/v1/graph/exclusions").await;
        assert_eq!(reply.body[0]["entity"], phone);
        let reply = node
            .call(
                Method::DELETE,
                &format!("/api/v1/graph/exclusions/{phone}"),
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        charted(&node).await;
        let reply = get(&node, &ana, &format!("/api/v1/graph/entity/{phone}")).await;
        assert!(!reply.body["edges"].as_array().unwrap().is_empty());
    }
}
