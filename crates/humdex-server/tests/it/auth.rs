use axum::http::{Method, StatusCode};
use jiff::SignedDuration;
use serde_json::json;

use crate::support::{PASSWORD, nodes};

#[tokio::test]
async fn sign_in_gives_a_token_and_a_cookie() {
    for node in nodes().await {
        let reply = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "ana", "password": PASSWORD})),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", node.backend);
        assert_eq!(reply.body["user"]["role"], "analyst");
        let cookie = reply.headers["set-cookie"].to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let token = reply.body["token"].as_str().unwrap();
        let me = node
            .call(Method::GET, "/api/v1/auth/me", Some(token), None, &[])
            .await;
        assert_eq!(me.body["username"], "ana", "{}", node.backend);

        let session_cookie = cookie.split(';').next().unwrap();
        let me = node
            .call(
                Method::GET,
                "/api/v1/auth/me",
                None,
                None,
                &[("cookie", session_cookie)],
            )
            .await;
        assert_eq!(
            me.status,
            StatusCode::OK,
            "{}: the cookie signs in too",
            node.backend
        );
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_look_alike() {
    for node in nodes().await {
        let wrong = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "ana", "password": "nope"})),
                &[],
            )
            .await;
        let unknown = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "zed", "password": "nope"})),
                &[],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        assert_eq!(wrong.code(), "bad_credentials");
        assert_eq!(
            wrong.bytes, unknown.bytes,
            "{}: the replies must not tell who exists",
            node.backend
        );
    }
}

#[tokio::test]
async fn everything_but_health_and_login_needs_a_session() {
    for node in nodes().await {
        for (method, uri) in [
            (Method::GET, "/api/v1/records"),
            (Method::POST, "/api/v1/records"),
            (Method::GET, "/api/v1/journal"),
            (Method::GET, "/api/v1/dashboard"),
            (Method::GET, "/api/v1/pools"),
        ] {
            let reply = node.call(method.clone(), uri, None, None, &[]).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{}: {method} {uri}",
                node.backend
            );
            assert_eq!(reply.code(), "unauthenticated");
            let forged = node
                .call(method.clone(), uri, Some("forged"), None, &[])
                .await;
            assert_eq!(
                forged.status,
                StatusCode::UNAUTHORIZED,
                "{}: {method} {uri}",
                node.backend
            );
        }
        let health = node.call(Method::GET, "/health", None, None, &[]).await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.body["backend"], node.backend);
    }
}

#[tokio::test]
async fn sessions_end_on_logout_idleness_and_age() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let reply = node
            .call(Method::POST, "/api/v1/auth/logout", Some(&token), None, &[])
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", node.backend);
        let after = node
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None, &[])
            .await;
        assert_eq!(
            after.status,
            StatusCode::UNAUTHORIZED,
            "{}: logged-out token still works",
            node.backend
        );

        let token = node.login("ana").await;
        node.advance(SignedDuration::from_mins(29));
        let busy = node
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None, &[])
            .await;
        assert_eq!(
            busy.status,
            StatusCode::OK,
            "{}: 29 idle minutes are allowed",
            node.backend
        );
        node.advance(SignedDuration::from_mins(31));
        let idle = node
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None, &[])
            .await;
        assert_eq!(
            idle.status,
            StatusCode::UNAUTHORIZED,
            "{}: 31 idle minutes end a session",
            node.backend
        );
        assert_eq!(idle.code(), "session_expired");

        let token = node.login("ana").await;
        for _ in 0..25 {
            node.advance(SignedDuration::from_mins(29));
            node.call(Method::GET, "/api/v1/auth/me", Some(&token), None, &[])
                .await;
        }
        let old = node
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None, &[])
            .await;
        assert_eq!(
            old.status,
            StatusCode::UNAUTHORIZED,
            "{}: a busy session still ends after 12 hours",
            node.backend
        );
    }
}
