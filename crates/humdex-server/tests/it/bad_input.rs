use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use humdex_server::Config;
use humdex_testkit::TestDatabase;
use serde_json::json;

use crate::support::{Node, example, nodes};

#[tokio::test]
async fn malformed_records_are_refused_with_the_member_named_and_nothing_written() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let cases = [
            (
                json!({"kind": "report", "title": "t", "colour": "red"}),
                None,
            ),
            (json!({"kind": "memo", "title": "t"}), Some("kind")),
            (
                json!({"kind": "report", "title": "t", "fields": {"city": {"valu": "Houston"}}}),
                Some("fields.city"),
            ),
            (
                json!({"kind": "report", "title": "t", "fields": {"Bad Name": {"value": 1}}}),
                Some("fields"),
            ),
            (
                json!({"kind": "report", "title": "t", "fields": {"spot": {"value": {"lat": 95, "lon": 0}}}}),
                Some("fields.spot"),
            ),
            (
                json!({"kind": "report", "title": "t", "source": {"channel": "api", "credibility": 9}}),
                Some("source.credibility"),
            ),
            (json!({"kind": "report", "title": " "}), Some("title")),
            (
                json!({"kind": "report", "title": "t", "assignee": "pool:nobody"}),
                Some("assignee"),
            ),
            (json!({"title": "t"}), None),
        ];
        for (body, field) in cases {
            let reply = node
                .call(
                    Method::POST,
                    "/api/v1/records",
                    Some(&token),
                    Some(body.clone()),
                    &[],
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{}: {body}: {}",
                node.backend,
                reply.body
            );
            assert_eq!(reply.code(), "invalid_request");
            if let Some(field) = field {
                let named = reply.body["error"]["field"].as_str().unwrap_or_default();
                assert!(
                    named.starts_with(field),
                    "{}: {body} named {named:?}, not {field}",
                    node.backend
                );
            }
        }
        let list = node
            .call(Method::GET, "/api/v1/records", Some(&token), None, &[])
            .await;
        assert_eq!(
            list.body["records"].as_array().unwrap().len(),
            0,
            "{}: a refused record was stored",
            node.backend
        );
        assert_eq!(
            node.store.journal_head().await.unwrap(),
            9,
            "{}: only the setup (four authorizations, five users) is journaled",
            node.backend
        );
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_or_too_large_are_refused() {
    let database = TestDatabase::sqlite();
    let node = Node::new(
        database,
        Config {
            max_body_bytes: 4096,
            max_attachment_bytes: 8192,
            ..Config::default()
        },
    )
    .await;
    let token = node.login("ana").await;

    let request = Request::post("/api/v1/records")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/plain")
        .body(Body::from(example("t").to_string()))
        .unwrap();
    let reply = node.send(request).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.code(), "unsupported_media_type");

    let reply = node
        .call(
            Method::POST,
            "/api/v1/records",
            Some(&token),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "an empty body");

    let mut big = example("big");
    big["narrative"] = json!("x".repeat(5000));
    let reply = node
        .call(
            Method::POST,
            "/api/v1/records",
            Some(&token),
            Some(big),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.code(), "payload_too_large");

    let id = node.create(&token, "with a big file").await;
    let request = Request::post(format!("/api/v1/records/{id}/attachments?filename=big.bin"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(vec![0u8; 9000]))
        .unwrap();
    assert_eq!(
        node.send(request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let request = Request::post(format!(
        "/api/v1/records/{id}/attachments?filename=fits.bin"
    ))
    .header("authorization", format!("Bearer {token}"))
    .body(Body::from(vec![0u8; 6000]))
    .unwrap();
    assert_eq!(
        node.send(request).await.status,
        StatusCode::CREATED,
        "attachments have their own, larger limit"
    );
}

#[tokio::test]
async fn bad_ids_queries_and_paths_get_json_errors() {
    for node in nodes().await {
        let token = node.login("ana").await;
        for (uri, status) in [
            ("/api/v1/records/not-a-uuid", StatusCode::NOT_FOUND),
            (
                "/api/v1/records/0190f0e4-0000-7000-8000-000000000000",
                StatusCode::NOT_FOUND,
            ),
            ("/api/v1/records?state=pending", StatusCode::BAD_REQUEST),
            ("/api/v1/records?limit=0", StatusCode::BAD_REQUEST),
            ("/api/v1/records?colour=red", StatusCode::BAD_REQUEST),
            ("/api/v1/journal?after=-1", StatusCode::BAD_REQUEST),
            ("/api/v1/nowhere", StatusCode::NOT_FOUND),
        ] {
            let reply = node.call(Method::GET, uri, Some(&token), None, &[]).await;
            assert_eq!(
                reply.status, status,
                "{}: {uri}: {}",
                node.backend, reply.body
            );
            reply.code();
        }
    }
}
