use axum::http::{Method, StatusCode};
use humdex_server::Config;
use humdex_testkit::TestDatabase;
use serde_json::{Value, json};

use crate::support::{Node, Reply, nodes};

async fn get(node: &Node, token: &str, uri: &str) -> Reply {
    node.call(Method::GET, uri, Some(token), None, &[]).await
}

/// Waits until the analysis projection has read the whole journal.
async fn analysed(node: &Node) {
    let head = node.store.journal_head().await.unwrap();
    node.state.analysis().caught_up(head).await;
}

fn ad() -> Value {
    json!({
        "kind": "report",
        "title": "Ad seen on an escort site",
        "narrative": "New in Houston, TX 🌹 available now. 150 roses. Call 713-528-1234 or jane at gmail dot com <b>now</b>",
        "label": "LE",
        "fields": {
            "victim_name": {"value": "Maria Lopez was seen with a Glock 19", "label": "VICTIM_PII"},
            "handles": {"value": ["snap: sweetcandy22", "no handle here"]}
        },
        "source": {"channel": "api", "reliability": "B", "credibility": 2}
    })
}

fn of_type<'a>(entities: &'a Value, kind: &str) -> Vec<&'a Value> {
    entities["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entity| entity["type"] == kind)
        .collect()
}

#[tokio::test]
async fn a_records_entities_are_found_typed_normalised_and_located() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let id = node.create_record(&ana, ad()).await;
        analysed(&node).await;

        let reply = get(&node, &ana, &format!("/api/v1/records/{id}/entities")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let found = &reply.body;
        assert_eq!(found["version"], 1);
        let phones = of_type(found, "phone");
        assert_eq!(phones.len(), 1, "{found}");
        assert_eq!(phones[0]["normalized"], "+17135281234");
        assert_eq!(phones[0]["part"], "narrative");
        assert_eq!(phones[0]["text"], "713-528-1234");
        let narrative = ad()["narrative"].as_str().unwrap().to_owned();
        let start = phones[0]["start"].as_u64().unwrap() as usize;
        let end = phones[0]["end"].as_u64().unwrap() as usize;
        let by_chars: String = narrative.chars().skip(start).take(end - start).collect();
        assert_eq!(by_chars, "713-528-1234", "offsets count characters");

        assert_eq!(of_type(found, "email")[0]["normalized"], "jane@gmail.com");
        let houston = of_type(found, "location")
            .into_iter()
            .find(|place| place["text"] == "Houston")
            .unwrap_or_else(|| panic!("Houston is found: {found}"));
        assert_eq!(houston["normalized"]["country"], "US");
        assert!((houston["normalized"]["lat"].as_f64().unwrap() - 29.76).abs() < 0.1);
        assert_eq!(of_type(found, "money")[0]["text"], "150 roses");
        let handle = &of_type(found, "handle")[0];
        assert_eq!(handle["part"], "fields.handles.0");
        assert_eq!(handle["normalized"]["name"], "sweetcandy22");
        let person = &of_type(found, "person")[0];
        assert_eq!(person["part"], "fields.victim_name");
        assert_eq!(person["text"], "Maria Lopez");
        assert_eq!(of_type(found, "weapon")[0]["text"], "Glock 19");

        let score = found["indicators"]["score"].as_f64().unwrap();
        assert!(score > 0.0 && score <= 1.0, "{found}");
        let categories: Vec<&str> = found["indicators"]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hit| hit["category"].as_str().unwrap())
            .collect();
        assert!(categories.contains(&"movement"), "{categories:?}");
    }
}

#[tokio::test]
async fn mentions_in_a_withheld_field_are_withheld_with_it() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let id = node.create_record(&ana, ad()).await;
        analysed(&node).await;

        for uri in [
            format!("/api/v1/records/{id}/entities"),
            format!("/api/v1/records/{id}/highlight"),
        ] {
            let reply = get(&node, &ben, &uri).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
            let text = String::from_utf8(reply.bytes.clone()).unwrap();
            for secret in ["Maria", "Lopez", "Glock", "victim_name"] {
                assert!(!text.contains(secret), "{uri} leaked {secret}: {text}");
            }
            assert!(text.contains("713-528-1234"), "{uri}: {text}");
        }
        let full = get(&node, &ana, &format!("/api/v1/records/{id}/entities")).await;
        let withheld = get(&node, &ben, &format!("/api/v1/records/{id}/entities")).await;
        let visible_score = withheld.body["indicators"]["score"].as_f64().unwrap();
        assert!(visible_score <= full.body["indicators"]["score"].as_f64().unwrap());

        // A record above the reader's clearance has no entities for them, not even a count.
        let hidden = node
            .create_record(
                &ana,
                json!({"kind": "report", "title": "Victim file", "narrative": "Call 713-528-1234",
                   "label": "VICTIM_PII"}),
            )
            .await;
        analysed(&node).await;
        for what in ["entities", "highlight"] {
            let reply = get(&node, &ben, &format!("/api/v1/records/{hidden}/{what}")).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{what}: {}",
                reply.body
            );
        }
    }
}

#[tokio::test]
async fn highlight_is_escaped_html_with_a_legend() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let id = node.create_record(&ana, ad()).await;
        analysed(&node).await;

        let reply = get(&node, &ana, &format!("/api/v1/records/{id}/highlight")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let narrative = reply.body["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|part| part["part"] == "narrative")
            .unwrap();
        assert_eq!(narrative["pending"], false);
        let html = narrative["html"].as_str().unwrap();
        assert!(
            html.contains(
                "<mark class=\"ent ent-phone\" title=\"phone: +17135281234\">713-528-1234</mark>"
            ),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;now&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("class=\"indicator\""), "{html}");
        let legend: Vec<&str> = reply.body["legend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["type"].as_str().unwrap())
            .collect();
        for kind in ["location", "phone", "email", "money", "indicator"] {
            assert!(legend.contains(&kind), "{kind} in {legend:?}");
        }
        assert!(
            reply.body["stylesheet"]
                .as_str()
                .unwrap()
                .contains("mark.ent-phone")
        );
    }
}

#[tokio::test]
async fn an_edit_is_analysed_again() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let id = node.create_record(&ana, ad()).await;
        analysed(&node).await;
        let edited = node
            .call(
                Method::PATCH,
                &format!("/api/v1/records/{id}"),
                Some(&ana),
                Some(json!({"narrative": "Now she posts from Miami: 305-545-0100."})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        analysed(&node).await;

        let found = get(&node, &ana, &format!("/api/v1/records/{id}/entities")).await;
        assert_eq!(found.body["version"], 2);
        let phones: Vec<&Value> = of_type(&found.body, "phone");
        assert_eq!(phones.len(), 1, "{}", found.body);
        assert_eq!(phones[0]["normalized"], "+13055450100");
        let highlight = get(&node, &ana, &format!("/api/v1/records/{id}/highlight")).await;
        let text = String::from_utf8(highlight.bytes).unwrap();
        assert!(!text.contains("713-528"), "{text}");
        assert!(text.contains("Miami"), "{text}");
    }
}

#[tokio::test]
async fn an_admins_lexicon_extends_the_indicators() {
    let lexicon = r#"
[[indicator]]
category = "movement"
weight = 0.7
reason = "Local slang for being moved between cities."
terms = ["on the blade circuit"]
"#;
    for database in TestDatabase::all().await {
        let config = Config {
            indicator_lexicon: Some(lexicon.to_owned()),
            ..Config::default()
        };
        let node = Node::new(database, config).await;
        let ana = node.login("ana").await;
        let id = node.create_record(
            &ana,
            json!({"kind": "report", "title": "Tip", "narrative": "She is on the blade circuit now."}),
        )
        .await;
        analysed(&node).await;
        let found = get(&node, &ana, &format!("/api/v1/records/{id}/entities")).await;
        let hits = found.body["indicators"]["hits"].as_array().unwrap();
        assert!(
            hits.iter()
                .any(|hit| hit["text"] == "on the blade circuit" && hit["weight"] == 0.7),
            "{}",
            found.body
        );
    }
}
