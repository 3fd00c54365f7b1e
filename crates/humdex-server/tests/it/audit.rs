use std::time::Duration;

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use humdex_audit::{
    AuditEntry, Hash, SignedCheckpoint, SigningKey, leaf_hash, verify_consistency, verify_inclusion,
};
use humdex_server::{AuditKey, Config};
use humdex_testkit::TestDatabase;
use serde_json::{Value, json};

use crate::support::{Node, Reply, nodes};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

/// A node whose audit log is signed with [`key`].
async fn signed_nodes() -> Vec<Node> {
    let mut nodes = Vec::new();
    for database in TestDatabase::all().await {
        let config = Config {
            audit_key: AuditKey::new(key()),
            ..Config::default()
        };
        nodes.push(Node::new(database, config).await);
    }
    nodes
}

async fn get(node: &Node, uri: &str, token: &str) -> Reply {
    node.call(Method::GET, uri, Some(token), None, &[]).await
}

fn hash(value: &Value) -> Hash {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not base64: {value}"));
    BASE64.decode(text).unwrap().try_into().unwrap()
}

fn hashes(value: &Value) -> Vec<Hash> {
    value.as_array().unwrap().iter().map(hash).collect()
}

/// The checkpoint of a reply, verified with [`key`]: its size and root.
fn verified(node: &Node, reply: &Reply) -> (u64, Hash) {
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}: {}",
        node.backend,
        reply.body
    );
    let body = &reply.body;
    let public_key = key().verifying_key();
    assert_eq!(hash(&body["public_key"]), *public_key.as_bytes());
    let signed = SignedCheckpoint::from_note(body["note"].as_str().unwrap()).unwrap();
    let checkpoint = signed.verify(&public_key).unwrap();
    assert_eq!(body["size"], json!(checkpoint.size), "{}", node.backend);
    assert_eq!(hash(&body["root"]), checkpoint.root, "{}", node.backend);
    assert_eq!(body["origin"], json!(checkpoint.origin), "{}", node.backend);
    (checkpoint.size, checkpoint.root)
}

/// Every entry of the log, as the API lists them, a page of 7 at a time.
async fn all_entries(node: &Node, token: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    loop {
        let uri = format!("/api/v1/audit/entries?from={}&limit=7", entries.len());
        let reply = get(node, &uri, token).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            reply.body
        );
        let page = reply.body["entries"].as_array().unwrap().clone();
        let last = page.len() < 7;
        entries.extend(page);
        // Each page's read is audited, so the log never ends while it is read: a short page does.
        if last {
            return entries;
        }
    }
}

#[tokio::test]
async fn checkpoints_verify_with_the_node_key_and_proofs_against_them() {
    for node in signed_nodes().await {
        let backend = node.backend;
        let analyst = node.login("ana").await;
        node.create(&analyst, "Ad for massage work").await;
        let admin = node.login("admin").await;

        let first = get(&node, "/api/v1/audit/checkpoint", &admin).await;
        let (size, root) = verified(&node, &first);
        assert!(
            size >= 7,
            "{backend}: users, authorizations and a record: {size}"
        );

        let entries = all_entries(&node, &admin).await;
        for index in 0..size {
            let uri = format!("/api/v1/audit/proof/inclusion?index={index}&size={size}");
            let reply = get(&node, &uri, &admin).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend}: {}", reply.body);
            assert_eq!(reply.body["leaf_index"], json!(index));
            assert_eq!(reply.body["tree_size"], json!(size));
            // The listed entry, encoded again, is the leaf the proof is about.
            let mut listed = entries[index as usize].clone();
            assert_eq!(listed["index"], json!(index), "{backend}");
            listed.as_object_mut().unwrap().remove("index");
            let entry: AuditEntry = serde_json::from_value(listed).unwrap();
            let leaf = leaf_hash(&entry.to_leaf_bytes().unwrap());
            assert_eq!(
                hash(&reply.body["leaf_hash"]),
                leaf,
                "{backend}: entry {index}"
            );
            verify_inclusion(&leaf, index, size, &hashes(&reply.body["hashes"]), &root)
                .unwrap_or_else(|error| panic!("{backend}: entry {index}: {error}"));
        }
        let created = entries
            .iter()
            .find(|entry| entry["action"] == "record_created")
            .unwrap();
        assert_eq!(created["actor"], "ana", "{backend}");
        assert_eq!(created["outcome"], "success", "{backend}");

        // The reads since are audited, so the log has grown and the next checkpoint is new.
        let second = get(&node, "/api/v1/audit/checkpoint", &admin).await;
        let (later_size, later_root) = verified(&node, &second);
        assert!(later_size > size, "{backend}: {later_size} after {size}");
        let uri = format!("/api/v1/audit/proof/consistency?from={size}&to={later_size}");
        let reply = get(&node, &uri, &admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{backend}: {}", reply.body);
        assert_eq!(
            (&reply.body["from"], &reply.body["to"]),
            (&json!(size), &json!(later_size))
        );
        verify_consistency(
            size,
            later_size,
            &hashes(&reply.body["hashes"]),
            &root,
            &later_root,
        )
        .unwrap_or_else(|error| panic!("{backend}: {error}"));
    }
}

#[tokio::test]
async fn a_checkpoint_is_signed_at_start_up() {
    for node in signed_nodes().await {
        let mut checkpoints = Vec::new();
        for _ in 0..100 {
            checkpoints = node.store.audit_checkpoints().await.unwrap();
            if !checkpoints.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let first = checkpoints
            .first()
            .unwrap_or_else(|| panic!("{}: none", node.backend));
        let checkpoint = first.verify(&key().verifying_key()).unwrap();
        assert_eq!(
            checkpoint.time,
            node.now(),
            "{}: the node's clock",
            node.backend
        );
    }
}

const ENDPOINTS: [&str; 4] = [
    "/api/v1/audit/checkpoint",
    "/api/v1/audit/proof/inclusion?index=0&size=1",
    "/api/v1/audit/proof/consistency?from=1&to=1",
    "/api/v1/audit/entries",
];

#[tokio::test]
async fn only_admins_read_the_audit_log_and_every_read_is_audited() {
    for node in nodes().await {
        let backend = node.backend;
        for username in ["ana", "sam", "pat"] {
            let token = node.login(username).await;
            for uri in ENDPOINTS {
                let reply = get(&node, uri, &token).await;
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{backend}: {username} {uri}"
                );
                assert_eq!(reply.code(), "forbidden");
            }
        }
        let admin = node.login("admin").await;
        for uri in ENDPOINTS {
            let reply = get(&node, uri, &admin).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{backend}: {uri}: {}",
                reply.body
            );
        }
        let bad = get(
            &node,
            "/api/v1/audit/proof/inclusion?index=9&size=1",
            &admin,
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{backend}");

        let reads: Vec<(String, String, String)> = all_entries(&node, &admin)
            .await
            .into_iter()
            .filter(|entry| entry["action"] == "audit.read")
            .map(|entry| {
                let text = |member: &str| entry[member].as_str().unwrap().to_owned();
                (text("actor"), text("target"), text("outcome"))
            })
            .collect();
        let mut expected = Vec::new();
        for username in ["ana", "sam", "pat"] {
            for uri in ENDPOINTS {
                let path = uri.split('?').next().unwrap().to_owned();
                expected.push((username.to_owned(), path, "denied".to_owned()));
            }
        }
        for uri in ENDPOINTS {
            let path = uri.split('?').next().unwrap().to_owned();
            expected.push(("admin".to_owned(), path, "success".to_owned()));
        }
        expected.push((
            "admin".to_owned(),
            "/api/v1/audit/proof/inclusion".to_owned(),
            "failure".to_owned(),
        ));
        // The listing's own reads follow, audited once each.
        assert_eq!(reads[..expected.len()], expected, "{backend}");
        assert!(
            reads[expected.len()..]
                .iter()
                .all(|(actor, target, outcome)| actor == "admin"
                    && target == "/api/v1/audit/entries"
                    && outcome == "success"),
            "{backend}: {reads:?}"
        );

        let entries = all_entries(&node, &admin).await;
        let failed = entries
            .iter()
            .find(|entry| entry["outcome"] == "failure")
            .unwrap();
        assert_eq!(
            failed["detail"]["index"], "9",
            "{backend}: the parameters as sent"
        );
        assert!(failed["detail"]["error"].is_string(), "{backend}: {failed}");
    }
}

#[tokio::test]
async fn bad_parameters_are_refused_naming_them() {
    for node in nodes().await {
        let backend = node.backend;
        let admin = node.login("admin").await;
        let size = node.store.audit_size().await.unwrap();
        let beyond = size + 100;
        for (uri, field) in [
            ("/api/v1/audit/proof/inclusion?size=1".to_owned(), "index"),
            (
                "/api/v1/audit/proof/inclusion?index=x&size=1".to_owned(),
                "index",
            ),
            (
                "/api/v1/audit/proof/inclusion?index=-1&size=1".to_owned(),
                "index",
            ),
            ("/api/v1/audit/proof/inclusion?index=0".to_owned(), "size"),
            (
                "/api/v1/audit/proof/inclusion?index=3&size=3".to_owned(),
                "index",
            ),
            (
                format!("/api/v1/audit/proof/inclusion?index=0&size={beyond}"),
                "size",
            ),
            ("/api/v1/audit/proof/consistency?to=1".to_owned(), "from"),
            (
                "/api/v1/audit/proof/consistency?from=0&to=1".to_owned(),
                "from",
            ),
            (
                "/api/v1/audit/proof/consistency?from=2&to=1".to_owned(),
                "from",
            ),
            ("/api/v1/audit/proof/consistency?from=1".to_owned(), "to"),
            (
                format!("/api/v1/audit/proof/consistency?from=1&to={beyond}"),
                "to",
            ),
            ("/api/v1/audit/entries?limit=0".to_owned(), "limit"),
            ("/api/v1/audit/entries?limit=1001".to_owned(), "limit"),
            ("/api/v1/audit/entries?from=first".to_owned(), "from"),
        ] {
            let reply = get(&node, &uri, &admin).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{backend}: {uri}");
            assert_eq!(reply.code(), "invalid_request", "{backend}: {uri}");
            assert_eq!(reply.body["error"]["field"], field, "{backend}: {uri}");
        }
        let unknown = get(&node, "/api/v1/audit/entries?after=3", &admin).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{backend}");
    }
}
