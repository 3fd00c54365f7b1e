use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::search::{ad, indexed};
use crate::support::{Node, nodes};

async fn subscribe(node: &Node, token: &str, query: &str) -> Value {
    let body = json!({"name": format!("watch {query}"), "query": query, "channel": "ui"});
    let reply = post_subscription(node, token, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

async fn post_subscription(node: &Node, token: &str, body: Value) -> crate::support::Reply {
    node.call(
        Method::POST,
        "/api/v1/subscriptions",
        Some(token),
        Some(body),
        &[],
    )
    .await
}

async fn notifications(node: &Node, token: &str) -> Vec<Value> {
    let reply = node
        .call(Method::GET, "/api/v1/notifications", Some(token), None, &[])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body.as_array().unwrap().clone()
}

/// Reads events off an event stream until `enough` says so or `within` passes.
async fn events(
    body: &mut axum::body::Body,
    within: Duration,
    enough: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut text = String::new();
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !enough(&found) {
        let Ok(Some(frame)) = tokio::time::timeout_at(deadline, body.frame()).await else {
            break;
        };
        if let Ok(data) = frame.unwrap().into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            let mut parsed = json!({});
            for line in event.lines() {
                if let Some((name, value)) = line.split_once(':') {
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match name {
                        "data" => parsed["data"] = serde_json::from_str(value).unwrap(),
                        "id" | "event" => parsed[name] = json!(value),
                        _ => {}
                    }
                }
            }
            if parsed.get("data").is_some() {
                found.push(parsed);
            }
        }
    }
    found
}

#[tokio::test]
async fn a_matching_report_reaches_the_event_stream() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let created = subscribe(&node, &ana, "roses").await;
        assert_eq!(created["existing"]["total"], 0, "{created}");
        let subscription = created["subscription"]["id"].as_str().unwrap().to_owned();
        let response = node.open("/api/v1/notifications/stream", &ana, &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut body = response.into_body();

        let record = node.create_record(&ana, ad()).await;
        // A liveness bound: a loaded CI machine must not fail a correct stream.
        let found = events(&mut body, Duration::from_secs(30), |found| {
            !found.is_empty()
        })
        .await;
        assert_eq!(found.len(), 1, "{}: {found:?}", node.backend);
        let event = &found[0];
        assert_eq!(event["event"], "notification");
        assert_eq!(event["data"]["subscription_id"], subscription);
        assert_eq!(event["data"]["record_id"], record);
        assert_eq!(event["data"]["version"], 1);
        assert_eq!(event["id"], event["data"]["id"].to_string());
        let reasons = event["data"]["reasons"].to_string();
        assert!(
            reasons.contains("rose") && reasons.contains("narrative"),
            "{reasons}"
        );

        // The list holds it too; a stream resumed before it replays it, once.
        assert_eq!(notifications(&node, &ana).await.len(), 1);
        let response = node
            .open(
                "/api/v1/notifications/stream",
                &ana,
                &[("last-event-id", "0")],
            )
            .await;
        let mut body = response.into_body();
        let replayed = events(&mut body, Duration::from_secs(30), |found| {
            !found.is_empty()
        })
        .await;
        assert_eq!(replayed.len(), 1);
        assert_eq!(replayed[0]["data"]["record_id"], record);

        // An edit that keeps matching is a new version, so a new notification.
        let reply = node
            .call(
                Method::PATCH,
                &format!("/api/v1/records/{record}"),
                Some(&ana),
                Some(json!({"title": "Ad seen again"})),
                &[("if-match", "1")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        indexed(&node).await;
        let all = notifications(&node, &ana).await;
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[1]["version"], 2);
    }
}

#[tokio::test]
async fn owners_are_not_told_of_fields_they_may_not_see() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        subscribe(&node, &ana, "maria").await;
        subscribe(&node, &ben, "maria").await;
        // Ben cannot see the name, so "roses NOT maria" matches for him and not for Ana.
        subscribe(&node, &ana, "roses NOT maria").await;
        subscribe(&node, &ben, "roses NOT maria").await;
        node.create_record(&ana, ad()).await;
        indexed(&node).await;
        let for_ana = notifications(&node, &ana).await;
        let for_ben = notifications(&node, &ben).await;
        assert_eq!(for_ana.len(), 1, "{for_ana:?}");
        assert_eq!(for_ben.len(), 1, "{for_ben:?}");
        let ben_text = serde_json::to_string(&for_ben).unwrap().to_lowercase();
        assert!(!ben_text.contains("maria"), "{ben_text}");
        assert!(!ben_text.contains("victim_name"), "{ben_text}");
    }
}

#[tokio::test]
async fn a_new_subscription_shows_what_already_matches() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let record = node.create_record(&ana, ad()).await;
        indexed(&node).await;
        let created = subscribe(&node, &ana, "phone:713-528-1234").await;
        assert_eq!(created["existing"]["total"], 1, "{created}");
        assert_eq!(created["existing"]["hits"][0]["id"], record);
        assert!(notifications(&node, &ana).await.is_empty());
    }
}

#[tokio::test]
async fn subscriptions_are_listed_paused_and_deleted_by_their_owner_only() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let created = subscribe(&node, &ana, "roses").await;
        let id = created["subscription"]["id"].as_str().unwrap().to_owned();
        let uri = format!("/api/v1/subscriptions/{id}");
        let listed = node
            .call(Method::GET, "/api/v1/subscriptions", Some(&ana), None, &[])
            .await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        let listed = node
            .call(Method::GET, "/api/v1/subscriptions", Some(&ben), None, &[])
            .await;
        assert_eq!(listed.body, json!([]));
        let reply = node
            .call(
                Method::PATCH,
                &uri,
                Some(&ben),
                Some(json!({"paused": true})),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = node
            .call(
                Method::PATCH,
                &uri,
                Some(&ana),
                Some(json!({"paused": true})),
                &[],
            )
            .await;
        assert_eq!(reply.body["paused"], true, "{}", reply.body);
        node.create_record(&ana, ad()).await;
        indexed(&node).await;
        assert!(notifications(&node, &ana).await.is_empty(), "paused: none");
        let reply = node.call(Method::DELETE, &uri, Some(&ben), None, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = node.call(Method::DELETE, &uri, Some(&ana), None, &[]).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        let listed = node
            .call(Method::GET, "/api/v1/subscriptions", Some(&ana), None, &[])
            .await;
        assert_eq!(listed.body, json!([]));
    }
}

#[tokio::test]
async fn a_query_that_would_check_every_record_or_does_not_parse_is_refused() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        for (query, code) in [
            ("NOT roses", "invalid_request"),
            ("", "invalid_request"),
            ("roses AND", "invalid_query"),
        ] {
            let body = json!({"name": "bad", "query": query, "channel": "ui"});
            let reply = post_subscription(&node, &ana, body).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{query}: {}",
                reply.body
            );
            assert_eq!(reply.code(), code, "{query}");
        }
        let listed = node
            .call(Method::GET, "/api/v1/subscriptions", Some(&ana), None, &[])
            .await;
        assert_eq!(listed.body, json!([]));
    }
}

/// What a webhook receiver got: headers and body of each post.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let keep = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((headers, body.to_vec()));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hook"), received)
}

#[tokio::test]
async fn webhooks_to_private_networks_are_refused_unless_allowed() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://10.1.2.3/hook",
            "http://[::1]/hook",
        ] {
            let body =
                json!({"name": "hook", "query": "roses", "channel": "webhook", "webhook_url": url});
            let reply = post_subscription(&node, &ana, body).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{url}: {}",
                reply.body
            );
            assert_eq!(reply.body["error"]["field"], "webhook_url");
        }
    }
}

#[tokio::test]
async fn webhooks_are_posted_signed() {
    for database in humdex_testkit::TestDatabase::all().await {
        let config = humdex_server::Config {
            webhook_private_networks: true,
            ..humdex_server::Config::default()
        };
        let node = Node::new(database, config).await;
        let ana = node.login("ana").await;
        let (url, received) = receiver().await;
        let body =
            json!({"name": "hook", "query": "roses", "channel": "webhook", "webhook_url": url});
        let reply = post_subscription(&node, &ana, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let secret = reply.body["webhook_secret"].as_str().unwrap().to_owned();
        let record = node.create_record(&ana, ad()).await;
        indexed(&node).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while received.lock().unwrap().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let posts = received.lock().unwrap().clone();
        assert_eq!(posts.len(), 1, "{}", node.backend);
        let (headers, body) = &posts[0];
        let sent_at: i64 = headers["x-humdex-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let signature = headers["x-humdex-signature"].to_str().unwrap();
        assert_eq!(
            signature,
            format!(
                "sha256={}",
                hmac_hex(
                    &secret,
                    &format!("{sent_at}.{}", String::from_utf8_lossy(body))
                )
            )
        );
        let payload: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(payload["count"], 1);
        assert_eq!(payload["notifications"][0]["record_id"], record);
    }
}

/// HMAC-SHA256 written out from its definition (RFC 2104), to check the server's independently.
fn hmac_hex(key: &str, message: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    let key = key.as_bytes();
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

#[tokio::test]
async fn a_flood_comes_as_one_digest() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        subscribe(&node, &ana, "roses").await;
        for _ in 0..12 {
            node.create_record(&ana, ad()).await;
        }
        indexed(&node).await;
        let response = node
            .open(
                "/api/v1/notifications/stream",
                &ana,
                &[("last-event-id", "0")],
            )
            .await;
        let mut body = response.into_body();
        let found = events(&mut body, Duration::from_secs(30), |found| {
            !found.is_empty()
        })
        .await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["event"], "digest");
        assert_eq!(found[0]["data"]["count"], 12);
        let last = found[0]["data"]["notifications"][11]["id"].to_string();
        assert_eq!(found[0]["id"], last);
    }
}

#[tokio::test]
async fn notifications_page_newest_first_as_well() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        subscribe(&node, &ana, "roses").await;
        for _ in 0..3 {
            node.create_record(&ana, ad()).await;
        }
        indexed(&node).await;
        let oldest: Vec<i64> = (notifications(&node, &ana).await.iter())
            .map(|notification| notification["id"].as_i64().unwrap())
            .collect();
        assert_eq!(oldest.len(), 3);
        let page = |uri: String| {
            let (node, ana) = (&node, &ana);
            async move {
                let reply = node.call(Method::GET, &uri, Some(ana), None, &[]).await;
                assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
                (reply.body.as_array().unwrap().iter())
                    .map(|notification| notification["id"].as_i64().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        let newest = page("/api/v1/notifications?order=newest&limit=2".to_owned()).await;
        assert_eq!(newest, [oldest[2], oldest[1]]);
        let older = format!("/api/v1/notifications?order=newest&before={}", oldest[1]);
        assert_eq!(page(older).await, [oldest[0]]);
        let after = format!("/api/v1/notifications?after={}", oldest[0]);
        assert_eq!(page(after).await, [oldest[1], oldest[2]]);
        for mixed in [
            "/api/v1/notifications?order=newest&after=1",
            "/api/v1/notifications?before=5",
            "/api/v1/notifications?order=sideways",
        ] {
            let reply = node.call(Method::GET, mixed, Some(&ana), None, &[]).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{mixed}");
            assert_eq!(reply.body["error"]["field"], "order");
        }
    }
}
