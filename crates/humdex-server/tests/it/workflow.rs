use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::nodes;

#[tokio::test]
async fn records_follow_the_workflow_and_illegal_moves_name_the_legal_ones() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let id = node.create(&token, "to work").await;
        let uri = format!("/api/v1/records/{id}/transition");

        let illegal = node
            .call(
                Method::POST,
                &uri,
                Some(&token),
                Some(json!({"to": "archived"})),
                &[],
            )
            .await;
        assert_eq!(illegal.status, StatusCode::CONFLICT, "{}", node.backend);
        assert_eq!(illegal.code(), "illegal_transition");
        let message = illegal.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("analysis"), "{}: {message}", node.backend);

        let mut version = 1;
        for to in [
            "analysis",
            "dissemination",
            "analysis",
            "dissemination",
            "archived",
            "analysis",
        ] {
            let reply = node
                .call(
                    Method::POST,
                    &uri,
                    Some(&token),
                    Some(json!({"to": to})),
                    &[],
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{}: to {to}: {}",
                node.backend,
                reply.body
            );
            version += 1;
            assert_eq!(reply.body["version"], version);
        }
        let stale = node
            .call(
                Method::POST,
                &uri,
                Some(&token),
                Some(json!({"to": "dissemination"})),
                &[("if-match", "1")],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", node.backend);
        let record = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{id}"),
                Some(&token),
                None,
                &[],
            )
            .await
            .body;
        assert_eq!(record["state"], "analysis");
        assert_eq!(record["version"], version);
    }
}

#[tokio::test]
async fn pools_hold_records_until_a_member_claims_one() {
    for node in nodes().await {
        let supervisor = node.login("sam").await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;

        let denied = node
            .call(
                Method::PUT,
                "/api/v1/pools/triage",
                Some(&ana),
                Some(json!({"members": ["ana"]})),
                &[],
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", node.backend);
        let unknown = node
            .call(
                Method::PUT,
                "/api/v1/pools/triage",
                Some(&supervisor),
                Some(json!({"members": ["zed"]})),
                &[],
            )
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", node.backend);
        let pool = node
            .call(
                Method::PUT,
                "/api/v1/pools/triage",
                Some(&supervisor),
                Some(json!({"members": ["ana"]})),
                &[],
            )
            .await;
        assert_eq!(
            pool.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            pool.body
        );
        let pools = node
            .call(Method::GET, "/api/v1/pools", Some(&ana), None, &[])
            .await;
        assert_eq!(pools.body, json!([{"name": "triage", "members": ["ana"]}]));

        let id = node.create(&supervisor, "for the pool").await;
        let assign = json!({"to": "analysis", "assignee": "pool:triage"});
        let moved = node
            .call(
                Method::POST,
                &format!("/api/v1/records/{id}/transition"),
                Some(&supervisor),
                Some(assign),
                &[],
            )
            .await;
        assert_eq!(
            moved.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            moved.body
        );
        let queue = node
            .call(
                Method::GET,
                "/api/v1/records?assignee=pool:triage",
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(
            queue.body["records"][0]["id"],
            id.as_str(),
            "{}",
            node.backend
        );

        let claim = format!("/api/v1/records/{id}/claim");
        let outsider = node.call(Method::POST, &claim, Some(&ben), None, &[]).await;
        assert_eq!(outsider.status, StatusCode::FORBIDDEN, "{}", node.backend);
        let claimed = node.call(Method::POST, &claim, Some(&ana), None, &[]).await;
        assert_eq!(
            claimed.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            claimed.body
        );
        let twice = node.call(Method::POST, &claim, Some(&ana), None, &[]).await;
        assert_eq!(
            twice.status,
            StatusCode::CONFLICT,
            "{}: a claimed record is no longer the pool's",
            node.backend
        );

        let mine = node
            .call(
                Method::GET,
                "/api/v1/records?assignee=user:ana",
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(
            mine.body["records"][0]["assignee"], "user:ana",
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn the_journal_and_the_dashboard_follow_every_change() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let first = node.create(&token, "one").await;
        node.create(&token, "two").await;
        let moved = node
            .call(
                Method::POST,
                &format!("/api/v1/records/{first}/transition"),
                Some(&token),
                Some(json!({"to": "analysis"})),
                &[],
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK);

        let journal = node
            .call(
                Method::GET,
                "/api/v1/journal?after=9",
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(
            journal.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            journal.body
        );
        let changes = journal.body["changes"].as_array().unwrap();
        let kinds: Vec<_> = changes
            .iter()
            .map(|change| change["change"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["record_created", "record_created", "record_transitioned"],
            "{}",
            node.backend
        );
        assert_eq!(changes[2]["subject"], first.as_str());
        assert_eq!(changes[2]["previous_state"], "intake");
        assert_eq!(changes[2]["state"], "analysis");
        assert_eq!(changes[2]["actor"], "ana");
        assert_eq!(journal.body["head"], changes[2]["seq"]);
        let seqs: Vec<_> = changes
            .iter()
            .map(|change| change["seq"].as_i64().unwrap())
            .collect();
        assert!(
            seqs.windows(2).all(|pair| pair[0] < pair[1]),
            "{}: {seqs:?}",
            node.backend
        );
        let page = node
            .call(
                Method::GET,
                "/api/v1/journal?after=0&limit=2",
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(page.body["changes"].as_array().unwrap().len(), 2);

        node.state
            .state_counts()
            .caught_up(node.store.journal_head().await.unwrap())
            .await;
        let dashboard = node
            .call(Method::GET, "/api/v1/dashboard", Some(&token), None, &[])
            .await;
        assert_eq!(dashboard.status, StatusCode::OK, "{}", node.backend);
        assert_eq!(
            dashboard.body["states"],
            json!({"intake": {"report": 1}, "analysis": {"report": 1}}),
            "{}",
            node.backend
        );
        assert_eq!(dashboard.body["projection"]["lag"], 0);
        let health = node.call(Method::GET, "/health", None, None, &[]).await;
        assert_eq!(health.body["projections"][0]["name"], "state_counts");
        assert_eq!(health.body["projections"][1]["name"], "analysis");
    }
}

#[tokio::test]
async fn the_openapi_description_covers_the_api() {
    for node in nodes().await {
        let reply = node
            .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.body["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            reply.body["openapi"]
        );
        let paths = reply.body["paths"].as_object().unwrap();
        for path in [
            "/api/v1/auth/login",
            "/api/v1/records",
            "/api/v1/records/{id}",
            "/api/v1/records/{id}/transition",
            "/api/v1/records/{id}/claim",
            "/api/v1/records/{id}/attachments",
            "/api/v1/journal",
        ] {
            assert!(paths.contains_key(path), "the description lacks {path}");
        }
        assert!(reply.body["components"]["schemas"]["NewRecord"].is_object());
        assert!(reply.body["components"]["securitySchemes"]["bearer"].is_object());
    }
}

#[tokio::test]
async fn the_workflow_is_published_as_the_server_enforces_it() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let reply = node
            .call(Method::GET, "/api/v1/workflow", Some(&ana), None, &[])
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.body,
            json!([
                {"state": "intake", "next": ["analysis"]},
                {"state": "analysis", "next": ["dissemination"]},
                {"state": "dissemination", "next": ["archived", "analysis"]},
                {"state": "archived", "next": ["analysis"]},
            ])
        );
        let anonymous = node
            .call(Method::GET, "/api/v1/workflow", None, None, &[])
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    }
}
