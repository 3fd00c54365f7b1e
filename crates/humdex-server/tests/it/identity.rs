use std::num::NonZeroU32;

use axum::http::{Method, StatusCode};
use humdex_server::{Config, RateLimit};
use humdex_testkit::TestDatabase;
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::support::{Node, PASSWORD, Reply, example, totp_code};

const NEW_PASSWORD: &str = "a much longer passphrase";
const STEP: SignedDuration = SignedDuration::from_secs(30);

/// Nodes whose sign-in rate limit stays out of the way of the many sign-ins these tests make.
async fn nodes() -> Vec<Node> {
    let config = Config {
        auth_rate_limit: RateLimit {
            burst: NonZeroU32::new(1000).unwrap(),
            per_minute: NonZeroU32::new(1000).unwrap(),
        },
        ..Config::default()
    };
    let mut nodes = Vec::new();
    for database in TestDatabase::all().await {
        nodes.push(Node::new(database, config.clone()).await);
    }
    nodes
}

/// Enrols a second factor for the session `token`; answers the secret and the recovery codes.
/// Moves the clock to the next time step, so the confirming code's step is behind.
async fn enrol(node: &Node, token: &str) -> (String, Vec<String>) {
    let enrolment = node
        .call(
            Method::POST,
            "/api/v1/auth/mfa/enroll",
            Some(token),
            None,
            &[],
        )
        .await;
    assert_eq!(
        enrolment.status,
        StatusCode::OK,
        "{}: {}",
        node.backend,
        enrolment.body
    );
    let secret = enrolment.body["secret"].as_str().unwrap().to_owned();
    let uri = enrolment.body["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")),
        "{uri}"
    );
    assert!(
        enrolment.body["qr_svg"].as_str().unwrap().contains("<svg"),
        "{}",
        node.backend
    );
    let confirmed = node
        .call(
            Method::POST,
            "/api/v1/auth/mfa/confirm",
            Some(token),
            Some(json!({"code": totp_code(&secret, node.now())})),
            &[],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::OK,
        "{}: {}",
        node.backend,
        confirmed.body
    );
    let codes: Vec<String> = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    node.advance(STEP);
    (secret, codes)
}

/// Signs in with the password; answers the challenge.
async fn challenge(node: &Node, username: &str) -> String {
    let reply = node.try_login(username, PASSWORD, None).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}: {}",
        node.backend,
        reply.body
    );
    assert_eq!(
        reply.body["mfa_required"], true,
        "{}: {}",
        node.backend, reply.body
    );
    assert!(
        reply.body.get("token").is_none(),
        "no session before the second factor"
    );
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "no cookie before the second factor"
    );
    reply.body["challenge"].as_str().unwrap().to_owned()
}

async fn second_factor(node: &Node, challenge: &str, code: &str) -> Reply {
    node.call(
        Method::POST,
        "/api/v1/auth/mfa",
        None,
        Some(json!({"challenge": challenge, "code": code})),
        &[],
    )
    .await
}

async fn journal_changes(node: &Node) -> Vec<(String, String)> {
    let admin = node.login("admin").await;
    let reply = node
        .call(
            Method::GET,
            "/api/v1/journal?limit=1000",
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}: {}",
        node.backend,
        reply.body
    );
    reply.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            (
                change["change"].as_str().unwrap().to_owned(),
                change["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has_change(changes: &[(String, String)], change: &str, subject: &str) -> bool {
    changes
        .iter()
        .any(|(kind, about)| kind == change && about == subject)
}

#[tokio::test]
async fn mfa_enrolment_makes_sign_in_two_steps() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let (secret, codes) = enrol(&node, &token).await;
        assert_eq!(codes.len(), 10, "{}", node.backend);

        let status = node
            .call(Method::GET, "/api/v1/auth/mfa", Some(&token), None, &[])
            .await;
        assert_eq!(
            status.body["enabled"], true,
            "{}: {}",
            node.backend, status.body
        );
        assert_eq!(status.body["recovery_codes_left"], 10);

        // The code that confirmed enrolment was one step ago, still inside the skew window, but
        // its step is used.
        let used = totp_code(&secret, node.now() - STEP);
        let first = challenge(&node, "ana").await;
        let reused = second_factor(&node, &first, &used).await;
        assert_eq!(reused.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        assert_eq!(reused.code(), "bad_second_factor");

        let second = challenge(&node, "ana").await;
        let code = totp_code(&secret, node.now());
        let signed_in = second_factor(&node, &second, &code).await;
        assert_eq!(
            signed_in.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            signed_in.body
        );
        let session = signed_in.body["token"].as_str().unwrap();
        assert!(signed_in.headers.get("set-cookie").is_some());
        let me = node
            .call(Method::GET, "/api/v1/auth/me", Some(session), None, &[])
            .await;
        assert_eq!(me.body["username"], "ana", "{}", node.backend);

        // A challenge is single use, and so is the code's step.
        let again = second_factor(&node, &second, &code).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        let third = challenge(&node, "ana").await;
        let replayed = second_factor(&node, &third, &code).await;
        assert_eq!(
            replayed.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            node.backend
        );

        // An expired challenge is refused.
        let late = challenge(&node, "ana").await;
        node.advance(SignedDuration::from_mins(6));
        let code = totp_code(&secret, node.now());
        let expired = second_factor(&node, &late, &code).await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", node.backend);

        let changes = journal_changes(&node).await;
        assert!(
            has_change(&changes, "mfa_enabled", "ana"),
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let (_, codes) = enrol(&node, &token).await;
        let code = codes[3].to_uppercase();

        let first = challenge(&node, "ana").await;
        let reply = second_factor(&node, &first, &code).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            reply.body
        );

        let second = challenge(&node, "ana").await;
        let reply = second_factor(&node, &second, &code).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        assert_eq!(reply.code(), "bad_second_factor");

        let status = node
            .call(Method::GET, "/api/v1/auth/mfa", Some(&token), None, &[])
            .await;
        assert_eq!(status.body["recovery_codes_left"], 9, "{}", node.backend);
    }
}

#[tokio::test]
async fn wrong_second_factor_codes_count_toward_lockout() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let (secret, _) = enrol(&node, &token).await;
        // A code from an hour away: wrong now.
        let wrong = totp_code(&secret, node.now() + SignedDuration::from_hours(1));
        for _ in 0..5 {
            let challenge = challenge(&node, "ana").await;
            let reply = second_factor(&node, &challenge, &wrong).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        }
        let locked = node.try_login("ana", PASSWORD, None).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            node.backend
        );
        assert_eq!(locked.code(), "too_many_failures");
    }
}

#[tokio::test]
async fn five_failures_lock_an_account_for_15_minutes() {
    for node in nodes().await {
        // From five addresses, so only the account reaches five failures.
        for client in 1..=5 {
            let reply = node
                .try_login("ana", "wrong", Some(&format!("10.0.0.{client}")))
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
            assert_eq!(reply.code(), "bad_credentials");
        }
        let locked = node.try_login("ana", PASSWORD, Some("10.0.0.6")).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            node.backend
        );
        assert_eq!(locked.code(), "too_many_failures");
        assert_eq!(locked.headers["retry-after"], "900", "{}", node.backend);
        let other = node.try_login("ben", PASSWORD, Some("10.0.0.6")).await;
        assert_eq!(
            other.status,
            StatusCode::OK,
            "{}: other accounts are open",
            node.backend
        );

        node.advance(SignedDuration::from_mins(14));
        let still = node.try_login("ana", PASSWORD, Some("10.0.0.7")).await;
        assert_eq!(
            still.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            node.backend
        );
        assert_eq!(still.headers["retry-after"], "60", "{}", node.backend);

        node.advance(SignedDuration::from_mins(1));
        let open = node.try_login("ana", PASSWORD, Some("10.0.0.7")).await;
        assert_eq!(
            open.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            open.body
        );
    }
}

#[tokio::test]
async fn unknown_accounts_lock_exactly_like_real_ones() {
    for node in nodes().await {
        for client in 1..=5 {
            node.try_login("ana", "wrong", Some(&format!("10.0.1.{client}")))
                .await;
            node.try_login("zed", "wrong", Some(&format!("10.0.2.{client}")))
                .await;
        }
        let real = node.try_login("ana", "wrong", Some("10.0.3.1")).await;
        let unknown = node.try_login("zed", "wrong", Some("10.0.3.2")).await;
        assert_eq!(
            real.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            node.backend
        );
        assert_eq!(real.status, unknown.status, "{}", node.backend);
        assert_eq!(
            real.bytes, unknown.bytes,
            "{}: the lockout must not tell who exists",
            node.backend
        );
        assert_eq!(real.headers["retry-after"], unknown.headers["retry-after"]);
    }
}

#[tokio::test]
async fn five_failures_from_one_address_lock_it_for_every_account() {
    for node in nodes().await {
        for username in ["ana", "ben", "sam", "pat", "zed"] {
            let reply = node.try_login(username, "wrong", Some("10.0.4.1")).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        }
        let locked = node.try_login("admin", PASSWORD, Some("10.0.4.1")).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            node.backend
        );
        assert_eq!(locked.code(), "too_many_failures");
        let elsewhere = node.try_login("admin", PASSWORD, Some("10.0.4.2")).await;
        assert_eq!(elsewhere.status, StatusCode::OK, "{}", node.backend);

        node.advance(SignedDuration::from_mins(15));
        let later = node.try_login("admin", PASSWORD, Some("10.0.4.1")).await;
        assert_eq!(later.status, StatusCode::OK, "{}", node.backend);
    }
}

#[tokio::test]
async fn disabled_users_lose_their_sessions_and_tokens_at_once() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ben = node.login("ben").await;
        let created = node
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(&admin),
                Some(json!({"name": "bridge", "scopes": ["records:read"],
                    "expires": (node.now() + SignedDuration::from_hours(24)).to_string(), "user": "ben"})),
                &[],
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            node.backend,
            created.body
        );
        let machine = created.body["token"].as_str().unwrap().to_owned();
        let records = node
            .call(Method::GET, "/api/v1/records", Some(&machine), None, &[])
            .await;
        assert_eq!(records.status, StatusCode::OK, "{}", node.backend);

        let ana = node.login("ana").await;
        let refused = node
            .call(
                Method::POST,
                "/api/v1/users/ben/disable",
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{}: admins only",
            node.backend
        );
        let own = node
            .call(
                Method::POST,
                "/api/v1/users/admin/disable",
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(own.status, StatusCode::CONFLICT, "{}", node.backend);

        let disabled = node
            .call(
                Method::POST,
                "/api/v1/users/ben/disable",
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(
            disabled.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            disabled.body
        );
        assert_eq!(disabled.body["disabled"], true);
        for token in [&ben, &machine] {
            let reply = node
                .call(Method::GET, "/api/v1/records", Some(token), None, &[])
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        }
        let right = node.try_login("ben", PASSWORD, Some("10.0.5.1")).await;
        let wrong = node.try_login("ben", "wrong", Some("10.0.5.2")).await;
        assert_eq!(right.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        assert_eq!(
            right.bytes, wrong.bytes,
            "{}: a disabled account looks like a bad password",
            node.backend
        );

        let users = node
            .call(Method::GET, "/api/v1/users", Some(&admin), None, &[])
            .await;
        assert_eq!(users.status, StatusCode::OK, "{}", node.backend);
        let listed: Vec<&Value> = users.body.as_array().unwrap().iter().collect();
        assert_eq!(listed.len(), 5);
        let ben_listed = listed
            .iter()
            .find(|user| user["username"] == "ben")
            .unwrap();
        assert_eq!(ben_listed["disabled"], true);
        assert_eq!(ben_listed["role"], "analyst");
        assert_eq!(ben_listed["mfa_enabled"], false);
        let as_analyst = node
            .call(Method::GET, "/api/v1/users", Some(&ana), None, &[])
            .await;
        assert_eq!(as_analyst.status, StatusCode::FORBIDDEN, "{}", node.backend);

        let enabled = node
            .call(
                Method::POST,
                "/api/v1/users/ben/enable",
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(enabled.body["disabled"], false, "{}", node.backend);
        let records = node
            .call(Method::GET, "/api/v1/records", Some(&machine), None, &[])
            .await;
        assert_eq!(
            records.status,
            StatusCode::OK,
            "{}: tokens work again",
            node.backend
        );
        let back = node.try_login("ben", PASSWORD, Some("10.0.5.3")).await;
        assert_eq!(back.status, StatusCode::OK, "{}", node.backend);

        let changes = journal_changes(&node).await;
        assert!(
            has_change(&changes, "user_disabled", "ben"),
            "{}",
            node.backend
        );
        assert!(
            has_change(&changes, "user_enabled", "ben"),
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn changing_a_password_ends_the_other_sessions() {
    for node in nodes().await {
        let here = node.login("ana").await;
        let there = node.login("ana").await;
        let change = |current: &str, new: &str| json!({"current": current, "new": new});

        let wrong = node
            .call(
                Method::POST,
                "/api/v1/auth/password",
                Some(&here),
                Some(change("not it", NEW_PASSWORD)),
                &[],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", node.backend);
        assert_eq!(wrong.code(), "reauthentication_failed");
        let short = node
            .call(
                Method::POST,
                "/api/v1/auth/password",
                Some(&here),
                Some(change(PASSWORD, "too short")),
                &[],
            )
            .await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", node.backend);
        assert_eq!(short.body["error"]["field"], "new");
        let still = node
            .call(Method::GET, "/api/v1/auth/me", Some(&there), None, &[])
            .await;
        assert_eq!(
            still.status,
            StatusCode::OK,
            "{}: refusals change nothing",
            node.backend
        );

        let changed = node
            .call(
                Method::POST,
                "/api/v1/auth/password",
                Some(&here),
                Some(change(PASSWORD, NEW_PASSWORD)),
                &[],
            )
            .await;
        assert_eq!(
            changed.status,
            StatusCode::NO_CONTENT,
            "{}: {}",
            node.backend,
            changed.body
        );
        let kept = node
            .call(Method::GET, "/api/v1/auth/me", Some(&here), None, &[])
            .await;
        assert_eq!(
            kept.status,
            StatusCode::OK,
            "{}: this session stays",
            node.backend
        );
        let ended = node
            .call(Method::GET, "/api/v1/auth/me", Some(&there), None, &[])
            .await;
        assert_eq!(
            ended.status,
            StatusCode::UNAUTHORIZED,
            "{}: others end",
            node.backend
        );
        let old = node.try_login("ana", PASSWORD, None).await;
        assert_eq!(old.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        let new = node.try_login("ana", NEW_PASSWORD, None).await;
        assert_eq!(new.status, StatusCode::OK, "{}", node.backend);

        // An admin's reset ends every session, the user's own included.
        let admin = node.login("admin").await;
        let reset = node
            .call(
                Method::POST,
                "/api/v1/users/ana/password",
                Some(&admin),
                Some(json!({"password": "reset by the admin"})),
                &[],
            )
            .await;
        assert_eq!(
            reset.status,
            StatusCode::NO_CONTENT,
            "{}: {}",
            node.backend,
            reset.body
        );
        let ended = node
            .call(Method::GET, "/api/v1/auth/me", Some(&here), None, &[])
            .await;
        assert_eq!(ended.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        let reset_login = node.try_login("ana", "reset by the admin", None).await;
        assert_eq!(reset_login.status, StatusCode::OK, "{}", node.backend);
        let unknown = node
            .call(
                Method::POST,
                "/api/v1/users/zed/password",
                Some(&admin),
                Some(json!({"password": "reset by the admin"})),
                &[],
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", node.backend);

        let changes = journal_changes(&node).await;
        let changed = changes
            .iter()
            .filter(|(kind, subject)| kind == "password_changed" && subject == "ana")
            .count();
        assert_eq!(changed, 2, "{}", node.backend);
    }
}

async fn create_token(node: &Node, session: &str, scopes: Value, hours: i64) -> Reply {
    node.call(
        Method::POST,
        "/api/v1/tokens",
        Some(session),
        Some(json!({"name": "hotline bridge", "scopes": scopes,
            "expires": (node.now() + SignedDuration::from_hours(hours)).to_string()})),
        &[],
    )
    .await
}

#[tokio::test]
async fn api_tokens_are_limited_to_their_scopes() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let created = create_token(&node, &ana, json!(["records:read"]), 24).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            node.backend,
            created.body
        );
        let token = created.body["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("hdx_"), "{token}");
        assert_eq!(created.body["scopes"], json!(["records:read"]));

        let read = node
            .call(Method::GET, "/api/v1/records", Some(&token), None, &[])
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", node.backend);
        let me = node
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None, &[])
            .await;
        assert_eq!(
            me.body["scopes"],
            json!(["records:read"]),
            "{}",
            node.backend
        );
        for (method, uri, body) in [
            (Method::POST, "/api/v1/records", Some(example("by token"))),
            (Method::GET, "/api/v1/journal", None),
            (Method::GET, "/api/v1/pools", None),
            (Method::GET, "/api/v1/tokens", None),
            (
                Method::POST,
                "/api/v1/auth/password",
                Some(json!({"current": PASSWORD, "new": NEW_PASSWORD})),
            ),
        ] {
            let reply = node
                .call(method.clone(), uri, Some(&token), body, &[])
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{}: {method} {uri}",
                node.backend
            );
            assert_eq!(reply.code(), "insufficient_scope");
        }
        let minted = create_token(&node, &token, json!(["records:read"]), 1).await;
        assert_eq!(
            minted.code(),
            "insufficient_scope",
            "tokens cannot make tokens"
        );

        let writer = create_token(&node, &ana, json!(["records:read", "records:write"]), 24).await;
        let writer = writer.body["token"].as_str().unwrap().to_owned();
        let id = node.create(&writer, "sent by a machine").await;
        let record = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{id}"),
                Some(&writer),
                None,
                &[],
            )
            .await;
        assert_eq!(record.body["created_by"], "ana", "{}", node.backend);

        let bad = create_token(&node, &ana, json!(["records:delete"]), 24).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", node.backend);
        let empty = create_token(&node, &ana, json!([]), 24).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", node.backend);
        let too_long = create_token(&node, &ana, json!(["records:read"]), 400 * 24).await;
        assert_eq!(
            too_long.body["error"]["field"], "expires",
            "{}",
            node.backend
        );
        let for_ben = node
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(&ana),
                Some(
                    json!({"name": "x", "scopes": ["records:read"], "user": "ben",
                    "expires": (node.now() + SignedDuration::from_hours(1)).to_string()}),
                ),
                &[],
            )
            .await;
        assert_eq!(
            for_ben.status,
            StatusCode::FORBIDDEN,
            "{}: only admins",
            node.backend
        );

        let listed = node
            .call(Method::GET, "/api/v1/tokens", Some(&ana), None, &[])
            .await;
        let listed = listed.body.as_array().unwrap();
        assert_eq!(listed.len(), 2, "{}", node.backend);
        assert!(
            listed.iter().all(|token| token.get("token").is_none()),
            "no secrets listed"
        );
        let ben = node.login("ben").await;
        let bens = node
            .call(Method::GET, "/api/v1/tokens", Some(&ben), None, &[])
            .await;
        assert_eq!(bens.body, json!([]), "{}", node.backend);
    }
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let short = create_token(&node, &ana, json!(["records:read"]), 1).await;
        let short = short.body["token"].as_str().unwrap().to_owned();
        let kept = create_token(&node, &ana, json!(["records:read"]), 24).await;
        let id = kept.body["id"].as_str().unwrap().to_owned();
        let kept = kept.body["token"].as_str().unwrap().to_owned();

        let ben = node.login("ben").await;
        let others = node
            .call(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                Some(&ben),
                None,
                &[],
            )
            .await;
        assert_eq!(others.status, StatusCode::NOT_FOUND, "{}", node.backend);
        let works = node
            .call(Method::GET, "/api/v1/records", Some(&kept), None, &[])
            .await;
        assert_eq!(works.status, StatusCode::OK, "{}", node.backend);

        let revoked = node
            .call(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(
            revoked.status,
            StatusCode::NO_CONTENT,
            "{}: {}",
            node.backend,
            revoked.body
        );
        let refused = node
            .call(Method::GET, "/api/v1/records", Some(&kept), None, &[])
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        assert_eq!(refused.code(), "unauthenticated");

        node.advance(SignedDuration::from_hours(2));
        let expired = node
            .call(Method::GET, "/api/v1/records", Some(&short), None, &[])
            .await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", node.backend);
        assert_eq!(expired.code(), "token_expired");
        let forged = node
            .call(
                Method::GET,
                "/api/v1/records",
                Some("hdx_forged"),
                None,
                &[],
            )
            .await;
        assert_eq!(forged.code(), "unauthenticated", "{}", node.backend);

        let changes = journal_changes(&node).await;
        assert!(
            has_change(&changes, "token_created", &id),
            "{}",
            node.backend
        );
        assert!(
            has_change(&changes, "token_revoked", &id),
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn cookie_requests_that_change_state_need_the_csrf_token() {
    for node in nodes().await {
        let login = node.try_login("ana", PASSWORD, None).await;
        let csrf = login.body["csrf_token"].as_str().unwrap().to_owned();
        let bearer = login.body["token"].as_str().unwrap().to_owned();
        let set_cookie = login.headers["set-cookie"].to_str().unwrap();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
        let cookie = set_cookie.split(';').next().unwrap().to_owned();

        let me = node
            .call(
                Method::GET,
                "/api/v1/auth/me",
                None,
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(
            me.status,
            StatusCode::OK,
            "{}: reads need no token",
            node.backend
        );
        assert_eq!(me.body["csrf_token"], csrf.as_str());

        let post = |headers: Vec<(&'static str, String)>| {
            let node = &node;
            async move {
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(name, value)| (*name, value.as_str()))
                    .collect();
                node.call(
                    Method::POST,
                    "/api/v1/records",
                    None,
                    Some(example("csrf")),
                    &headers,
                )
                .await
            }
        };
        let bare = post(vec![("cookie", cookie.clone())]).await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN, "{}", node.backend);
        assert_eq!(bare.code(), "csrf");
        let forged = post(vec![
            ("cookie", cookie.clone()),
            ("x-csrf-token", "0".repeat(64)),
        ])
        .await;
        assert_eq!(forged.code(), "csrf", "{}", node.backend);
        let cross_site = post(vec![
            ("cookie", cookie.clone()),
            ("x-csrf-token", csrf.clone()),
            ("sec-fetch-site", "cross-site".to_owned()),
        ])
        .await;
        assert_eq!(cross_site.code(), "csrf", "{}", node.backend);
        let other_origin = post(vec![
            ("cookie", cookie.clone()),
            ("x-csrf-token", csrf.clone()),
            ("host", "humdex.example".to_owned()),
            ("origin", "https://evil.example".to_owned()),
        ])
        .await;
        assert_eq!(other_origin.code(), "csrf", "{}", node.backend);

        let good = post(vec![
            ("cookie", cookie.clone()),
            ("x-csrf-token", csrf.clone()),
            ("host", "humdex.example".to_owned()),
            ("origin", "https://humdex.example".to_owned()),
            ("sec-fetch-site", "same-origin".to_owned()),
        ])
        .await;
        assert_eq!(
            good.status,
            StatusCode::CREATED,
            "{}: {}",
            node.backend,
            good.body
        );
        let by_bearer = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&bearer),
                Some(example("bearer")),
                &[],
            )
            .await;
        assert_eq!(
            by_bearer.status,
            StatusCode::CREATED,
            "{}: bearer is exempt",
            node.backend
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let replies = [
            node.call(Method::GET, "/health", None, None, &[]).await,
            node.call(Method::GET, "/api/v1/records", Some(&token), None, &[])
                .await,
            node.call(Method::GET, "/api/v1/nowhere", None, None, &[])
                .await,
            node.try_login("ana", "wrong", None).await,
        ];
        for reply in replies {
            let header = |name: &str| {
                reply
                    .headers
                    .get(name)
                    .map(|value| value.to_str().unwrap().to_owned())
            };
            assert_eq!(
                header("content-security-policy").as_deref(),
                Some(
                    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                ),
                "{}",
                node.backend
            );
            assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
            assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
            assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
            assert_eq!(header("cache-control").as_deref(), Some("no-store"));
            assert!(header("strict-transport-security").is_some());
            assert!(header("permissions-policy").is_some());
        }
    }
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    for database in TestDatabase::all().await {
        let config = Config {
            auth_rate_limit: RateLimit {
                burst: NonZeroU32::new(2).unwrap(),
                per_minute: NonZeroU32::new(1).unwrap(),
            },
            ..Config::default()
        };
        let node = Node::new(database, config).await;
        for _ in 0..2 {
            let reply = node.try_login("ana", PASSWORD, Some("10.0.6.1")).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", node.backend);
        }
        let limited = node.try_login("ana", PASSWORD, Some("10.0.6.1")).await;
        assert_eq!(
            limited.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            node.backend
        );
        assert_eq!(limited.code(), "rate_limited");
        assert_eq!(limited.headers["retry-after"], "60", "{}", node.backend);
        let second_step = node
            .call_from(
                "10.0.6.1",
                Method::POST,
                "/api/v1/auth/mfa",
                None,
                Some(json!({"challenge": "x", "code": "123456"})),
            )
            .await;
        assert_eq!(second_step.code(), "rate_limited", "{}", node.backend);

        let elsewhere = node.try_login("ana", PASSWORD, Some("10.0.6.2")).await;
        assert_eq!(elsewhere.status, StatusCode::OK, "{}", node.backend);
        node.advance(SignedDuration::from_secs(60));
        let later = node.try_login("ana", PASSWORD, Some("10.0.6.1")).await;
        assert_eq!(later.status, StatusCode::OK, "{}", node.backend);
    }
}

#[tokio::test]
async fn an_mfa_policy_confines_sessions_to_enrolment() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ana = node.login("ana").await;
        let policy = json!({"roles": ["analyst"]});
        let refused = node
            .call(
                Method::PUT,
                "/api/v1/admin/mfa-policy",
                Some(&ana),
                Some(policy.clone()),
                &[],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", node.backend);
        let set = node
            .call(
                Method::PUT,
                "/api/v1/admin/mfa-policy",
                Some(&admin),
                Some(policy.clone()),
                &[],
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}: {}", node.backend, set.body);
        let read = node
            .call(
                Method::GET,
                "/api/v1/admin/mfa-policy",
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(read.body, policy, "{}", node.backend);

        // The existing session is confined at once, and so is a new one.
        let blocked = node
            .call(Method::GET, "/api/v1/records", Some(&ana), None, &[])
            .await;
        assert_eq!(blocked.status, StatusCode::FORBIDDEN, "{}", node.backend);
        assert_eq!(blocked.code(), "mfa_enrollment_required");
        let login = node.try_login("ana", PASSWORD, None).await;
        assert_eq!(
            login.body["mfa_enrollment_required"], true,
            "{}",
            node.backend
        );
        let fresh = login.body["token"].as_str().unwrap().to_owned();
        let blocked = node
            .call(Method::GET, "/api/v1/journal", Some(&fresh), None, &[])
            .await;
        assert_eq!(
            blocked.code(),
            "mfa_enrollment_required",
            "{}",
            node.backend
        );
        let me = node
            .call(Method::GET, "/api/v1/auth/me", Some(&fresh), None, &[])
            .await;
        assert_eq!(me.body["mfa_enrollment_required"], true, "{}", node.backend);
        let sam = node.login("sam").await;
        let other_role = node
            .call(Method::GET, "/api/v1/records", Some(&sam), None, &[])
            .await;
        assert_eq!(other_role.status, StatusCode::OK, "{}", node.backend);

        enrol(&node, &fresh).await;
        let free = node
            .call(Method::GET, "/api/v1/records", Some(&fresh), None, &[])
            .await;
        assert_eq!(free.status, StatusCode::OK, "{}: enrolled", node.backend);
        challenge(&node, "ana").await;

        let changes = journal_changes(&node).await;
        assert!(
            has_change(&changes, "mfa_policy_changed", "mfa_policy"),
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn turning_mfa_off_needs_the_password_or_a_code() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let (secret, _) = enrol(&node, &ana).await;
        let again = node
            .call(
                Method::POST,
                "/api/v1/auth/mfa/enroll",
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", node.backend);

        let wrong = node
            .call(
                Method::DELETE,
                "/api/v1/auth/mfa",
                Some(&ana),
                Some(json!({"password": "not it"})),
                &[],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", node.backend);
        assert_eq!(wrong.code(), "reauthentication_failed");
        challenge(&node, "ana").await;

        let off = node
            .call(
                Method::DELETE,
                "/api/v1/auth/mfa",
                Some(&ana),
                Some(json!({"code": totp_code(&secret, node.now())})),
                &[],
            )
            .await;
        assert_eq!(
            off.status,
            StatusCode::NO_CONTENT,
            "{}: {}",
            node.backend,
            off.body
        );
        node.login("ana").await;

        // An admin turns off the second factor of a user who lost it.
        let ben = node.login("ben").await;
        enrol(&node, &ben).await;
        challenge(&node, "ben").await;
        let admin = node.login("admin").await;
        let reset = node
            .call(
                Method::DELETE,
                "/api/v1/users/ben/mfa",
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", node.backend);
        node.login("ben").await;

        let changes = journal_changes(&node).await;
        assert!(
            has_change(&changes, "mfa_disabled", "ana"),
            "{}",
            node.backend
        );
        assert!(
            has_change(&changes, "mfa_disabled", "ben"),
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_identity_endpoints() {
    for node in nodes().await {
        let reply = node
            .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
            .await;
        let paths = &reply.body["paths"];
        for (path, method) in [
            ("/api/v1/auth/login", "post"),
            ("/api/v1/auth/mfa", "post"),
            ("/api/v1/auth/mfa", "get"),
            ("/api/v1/auth/mfa", "delete"),
            ("/api/v1/auth/mfa/enroll", "post"),
            ("/api/v1/auth/mfa/confirm", "post"),
            ("/api/v1/auth/password", "post"),
            ("/api/v1/admin/mfa-policy", "get"),
            ("/api/v1/admin/mfa-policy", "put"),
            ("/api/v1/users", "get"),
            ("/api/v1/users", "post"),
            ("/api/v1/users/{username}/password", "post"),
            ("/api/v1/users/{username}/disable", "post"),
            ("/api/v1/users/{username}/enable", "post"),
            ("/api/v1/users/{username}/mfa", "delete"),
            ("/api/v1/tokens", "post"),
            ("/api/v1/tokens", "get"),
            ("/api/v1/tokens/{id}", "delete"),
        ] {
            assert!(
                paths[path][method].is_object(),
                "{}: {method} {path}",
                node.backend
            );
        }
    }
}

#[tokio::test]
async fn the_ui_is_served_under_the_same_policy_and_a_tile_server_widens_only_images() {
    let database = TestDatabase::sqlite();
    let tiles =
        humdex_server::TileServer::new("https://tiles.example.org/{z}/{x}/{y}.png", "©").unwrap();
    let config = Config {
        tile_server: Some(tiles),
        ..Config::default()
    };
    let node = Node::new(database, config).await;
    let page = node
        .call(Method::GET, "/records/abc", None, None, &[])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.bytes).contains("<main"));
    assert_eq!(
        page.headers["content-security-policy"],
        "default-src 'self'; img-src 'self' https://tiles.example.org; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'"
    );
    assert_eq!(page.headers["x-frame-options"], "DENY");
    let settings = node
        .call(Method::GET, "/ui/settings.json", None, None, &[])
        .await;
    assert_eq!(
        settings.body["tiles"]["url"],
        "https://tiles.example.org/{z}/{x}/{y}.png"
    );
    // Not a screen, not the API: a 404, not the page.
    let nowhere = node.call(Method::GET, "/nowhere", None, None, &[]).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admins_add_users_with_defined_authorizations_only() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ana = node.login("ana").await;
        let new = |name: &str, authorizations: &[&str]| {
            json!({"username": name, "role": "caseworker", "password": "a long first password",
                   "authorizations": authorizations})
        };
        let add = |token: &String, body: Value| {
            let token = token.clone();
            let node = &node;
            async move {
                node.call(Method::POST, "/api/v1/users", Some(&token), Some(body), &[])
                    .await
            }
        };
        let refused = add(&ana, new("cat", &["CASEWORK"])).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", node.backend);
        let unknown = add(&admin, new("cat", &["CASEWORK", "SECRET_SQUIRREL"])).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", node.backend);
        assert_eq!(unknown.body["error"]["field"], "authorizations");
        let short = add(
            &admin,
            json!({"username": "cat", "role": "caseworker", "password": "short"}),
        )
        .await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", node.backend);
        let users = node
            .call(Method::GET, "/api/v1/users", Some(&admin), None, &[])
            .await;
        assert_eq!(
            users.body.as_array().unwrap().len(),
            5,
            "refusals add nobody"
        );

        let added = add(&admin, new("cat", &["CASEWORK"])).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        assert_eq!(added.body["role"], "caseworker");
        assert_eq!(added.body["authorizations"], json!(["CASEWORK"]));
        assert_eq!(
            add(&admin, new("cat", &[])).await.status,
            StatusCode::CONFLICT,
            "{}",
            node.backend
        );
        let signed_in = node.try_login("cat", "a long first password", None).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{}", node.backend);
    }
}
