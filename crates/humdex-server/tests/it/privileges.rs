use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use humdex_access::{AccessExpression, Authorizations};
use humdex_model::Role;
use humdex_store::NewUser;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Value, json};

use crate::support::{Node, example, nodes};

async fn get(node: &Node, token: &str, uri: &str) -> crate::support::Reply {
    node.call(Method::GET, uri, Some(token), None, &[]).await
}

#[tokio::test]
async fn a_field_above_the_readers_clearance_is_withheld_on_every_read_path() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let id = node.create(&ana, "Passport taken").await;
        let upload = node
            .send(
                Request::post(format!(
                    "/api/v1/records/{id}/attachments?filename=face.jpg&label=VICTIM_PII"
                ))
                .header("authorization", format!("Bearer {ana}"))
                .body(Body::from("a photo of Maria"))
                .unwrap(),
            )
            .await;
        assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
        let sha256 = upload.body["attachment"]["sha256"].as_str().unwrap();

        let read = get(&node, &ben, &format!("/api/v1/records/{id}")).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(
            read.body["fields"]["victim_name"],
            json!({"withheld": true})
        );
        assert_eq!(read.body["fields"]["city"]["value"], "Houston");
        assert_eq!(read.body["attachments"], json!([{"withheld": true}]));
        for uri in [
            format!("/api/v1/records/{id}"),
            "/api/v1/records".to_owned(),
            format!("/api/v1/records/{id}/versions"),
            "/api/v1/journal".to_owned(),
        ] {
            let reply = get(&node, &ben, &uri).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
            let text = String::from_utf8(reply.bytes).unwrap();
            assert!(
                !text.contains("Maria"),
                "{}: {uri} leaked: {text}",
                node.backend
            );
            assert!(!text.contains("face.jpg"), "{uri} leaked the file name");
        }
        let download = get(
            &node,
            &ben,
            &format!("/api/v1/records/{id}/attachments/{sha256}"),
        )
        .await;
        assert_eq!(download.status, StatusCode::NOT_FOUND);

        let own = get(&node, &ana, &format!("/api/v1/records/{id}")).await;
        assert_eq!(own.body["fields"]["victim_name"]["value"], "Maria Doe");
        let download = get(
            &node,
            &ana,
            &format!("/api/v1/records/{id}/attachments/{sha256}"),
        )
        .await;
        assert_eq!(download.bytes, b"a photo of Maria");
    }
}

#[tokio::test]
async fn a_record_above_the_readers_clearance_does_not_exist_for_them() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ben = node.login("ben").await;
        let mut secret = example("Casework only");
        secret["label"] = json!("CASEWORK");
        let reply = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&admin),
                Some(secret),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let id = reply.body["id"].as_str().unwrap().to_owned();
        let visible = node.create(&admin, "Open to LE").await;

        let read = get(&node, &ben, &format!("/api/v1/records/{id}")).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND);
        let unknown = get(
            &node,
            &ben,
            "/api/v1/records/0190b3c2-0000-7000-8000-000000000000",
        )
        .await;
        assert_eq!(
            read.body, unknown.body,
            "a hidden record answers like a missing one"
        );
        for uri in [
            format!("/api/v1/records/{id}/versions"),
            format!("/api/v1/records/{id}/attachments/00"),
        ] {
            assert_eq!(
                get(&node, &ben, &uri).await.status,
                StatusCode::NOT_FOUND,
                "{uri}"
            );
        }
        let patch = node
            .call(
                Method::PATCH,
                &format!("/api/v1/records/{id}"),
                Some(&ben),
                Some(json!({"title": "x"})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(patch.status, StatusCode::NOT_FOUND);

        let list = get(&node, &ben, "/api/v1/records").await;
        let ids: Vec<&str> = list.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [visible.as_str()]);
        let journal = get(&node, &ben, "/api/v1/journal").await;
        assert!(
            journal.body["changes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|change| change["subject"] != id.as_str())
        );

        node.state
            .state_counts()
            .caught_up(node.store.journal_head().await.unwrap())
            .await;
        let count =
            |reply: &crate::support::Reply| reply.body["states"]["intake"]["report"].clone();
        assert_eq!(count(&get(&node, &ben, "/api/v1/dashboard").await), 1);
        assert_eq!(count(&get(&node, &admin, "/api/v1/dashboard").await), 2);
    }
}

#[tokio::test]
async fn a_pointer_shows_whom_to_ask_and_nothing_else() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ben = node.login("ben").await;
        let mut record = example("Undercover operation");
        record["label"] = json!("CASEWORK");
        record["label_pointer"] = json!(true);
        record["point_of_contact"] = json!("Det. Ruiz, +1 555 0100");
        let reply = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&admin),
                Some(record),
                &[],
            )
            .await;
        let id = reply.body["id"].as_str().unwrap().to_owned();

        let read = get(&node, &ben, &format!("/api/v1/records/{id}")).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(
            read.body,
            json!({"id": id, "kind": "report", "origin": node.store.node_id(),
                   "point_of_contact": "Det. Ruiz, +1 555 0100", "pointer": true})
        );
        assert!(read.headers.get("etag").is_none());
        let listed = get(&node, &ben, "/api/v1/records").await;
        assert_eq!(listed.body["records"][0]["pointer"], true);
        let by_state = get(&node, &ben, "/api/v1/records?state=intake").await;
        assert_eq!(
            by_state.body["records"],
            json!([]),
            "a state filter would reveal its state"
        );
        let moved = node
            .call(
                Method::POST,
                &format!("/api/v1/records/{id}/transition"),
                Some(&ben),
                Some(json!({"to": "analysis"})),
                &[],
            )
            .await;
        assert_eq!(moved.status, StatusCode::FORBIDDEN, "{}", moved.body);
        assert_eq!(
            get(&node, &ben, &format!("/api/v1/records/{id}/versions"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn nobody_writes_above_their_clearance_or_names_undefined_authorizations() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let before = get(&node, &ana, "/api/v1/journal").await.body["head"].clone();

        let above = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&ben),
                Some(example("t")),
                &[],
            )
            .await;
        assert_eq!(above.status, StatusCode::FORBIDDEN, "{}", above.body);
        assert_eq!(above.body["error"]["field"], "fields.victim_name.label");
        assert!(
            above.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("fields.victim_name.label")
        );

        let mut malformed = example("t");
        malformed["label"] = json!("LE&CASEWORK|NGO");
        let reply = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&ana),
                Some(malformed),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body["error"]["field"], "label");
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("at position 11"),
            "{}",
            reply.body
        );

        let mut unknown = example("t");
        unknown["fields"]["city"]["label"] = json!("LE|INTERPOL");
        let reply = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&ana),
                Some(unknown),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body["error"]["field"], "fields.city.label");
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("INTERPOL")
        );

        let after = get(&node, &ana, "/api/v1/journal").await.body["head"].clone();
        assert_eq!(before, after, "refused writes change nothing");

        let id = node.create(&ana, "Passport taken").await;
        let touch_withheld = node
            .call(
                Method::PATCH,
                &format!("/api/v1/records/{id}"),
                Some(&ben),
                Some(json!({"fields": {"victim_name": null}})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(touch_withheld.status, StatusCode::FORBIDDEN);
        let relabel = node
            .call(
                Method::PATCH,
                &format!("/api/v1/records/{id}"),
                Some(&ana),
                Some(json!({"label": "LE&VICTIM_PII"})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(relabel.status, StatusCode::OK, "{}", relabel.body);
        let journal = get(&node, &ana, "/api/v1/journal").await;
        let last = journal.body["changes"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["change"], "record_relabelled");
        assert_eq!(last["label"], "LE&VICTIM_PII");
        assert_eq!(
            get(&node, &ben, &format!("/api/v1/records/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn admins_define_and_grant_authorizations() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let id = node.create(&ana, "Passport taken").await;

        let me = get(&node, &ben, "/api/v1/me").await;
        assert_eq!(me.body["authorizations"], json!(["LE"]));

        let grant = |token: String, who: &'static str, authorizations: Value| {
            let node = &node;
            async move {
                node.call(
                    Method::PUT,
                    &format!("/api/v1/users/{who}/authorizations"),
                    Some(&token),
                    Some(json!({"authorizations": authorizations})),
                    &[],
                )
                .await
            }
        };
        let by_analyst = grant(ana.clone(), "ben", json!(["LE", "VICTIM_PII"])).await;
        assert_eq!(by_analyst.status, StatusCode::FORBIDDEN);
        let undefined = grant(admin.clone(), "ben", json!(["LE", "INTERPOL"])).await;
        assert_eq!(undefined.status, StatusCode::BAD_REQUEST);
        let missing = grant(admin.clone(), "nobody", json!(["LE"])).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        let granted = grant(admin.clone(), "ben", json!(["LE", "VICTIM_PII"])).await;
        assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
        assert_eq!(
            granted.body,
            json!({"granted": ["VICTIM_PII"], "revoked": []})
        );
        let read = get(&node, &ben, &format!("/api/v1/records/{id}")).await;
        assert_eq!(read.body["fields"]["victim_name"]["value"], "Maria Doe");

        let revoked = grant(admin.clone(), "ben", json!([])).await;
        assert_eq!(
            revoked.body,
            json!({"granted": [], "revoked": ["LE", "VICTIM_PII"]})
        );
        let read = get(&node, &ben, &format!("/api/v1/records/{id}")).await;
        assert_eq!(
            read.status,
            StatusCode::NOT_FOUND,
            "revocation takes effect at once"
        );

        let defined = node
            .call(
                Method::POST,
                "/api/v1/authorizations",
                Some(&admin),
                Some(json!({"name": "INTERPOL", "description": "shared with Interpol"})),
                &[],
            )
            .await;
        assert_eq!(defined.status, StatusCode::NO_CONTENT, "{}", defined.body);
        let listed = get(&node, &admin, "/api/v1/authorizations").await;
        assert!(
            listed
                .body
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "INTERPOL")
        );
        let bad = node
            .call(
                Method::POST,
                "/api/v1/authorizations",
                Some(&admin),
                Some(json!({"name": "NOT VALID", "description": "x"})),
                &[],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

/// The labels and users a property case draws.
const TOKENS: [&str; 4] = ["LE", "VICTIM_PII", "CASEWORK", "NGO"];

fn label() -> impl Strategy<Value = Option<String>> {
    let token = proptest::sample::select(&TOKENS[..]).prop_map(str::to_owned);
    let pair = (token.clone(), token.clone(), any::<bool>())
        .prop_map(|(a, b, and)| format!("{a}{}{b}", if and { "&" } else { "|" }));
    let nested = (token.clone(), token.clone(), token.clone())
        .prop_map(|(a, b, c)| format!("{a}&({b}|{c})"));
    proptest::option::of(prop_oneof![token, pair, nested])
}

#[derive(Debug, Clone)]
struct Case {
    /// Per record: its label, and per field its label (the value is a word made up from the
    /// record and field numbers, so it can be searched for in response bodies).
    records: Vec<(Option<String>, Vec<Option<String>>)>,
    /// Per user: the authorizations held.
    users: Vec<BTreeSet<&'static str>>,
}

fn case() -> impl Strategy<Value = Case> {
    let record = (label(), proptest::collection::vec(label(), 1..4));
    let user = proptest::sample::subsequence(&TOKENS[..], 0..=4)
        .prop_map(|tokens| tokens.into_iter().collect::<BTreeSet<_>>());
    (
        proptest::collection::vec(record, 1..6),
        proptest::collection::vec(user, 2..5),
    )
        .prop_map(|(records, users)| Case { records, users })
}

fn secret(record: usize, field: usize) -> String {
    format!("secret{record}x{field}q")
}

#[expect(clippy::unwrap_used, reason = "the strategy makes valid labels")]
fn satisfied(label: &Option<String>, held: &BTreeSet<&str>) -> bool {
    let authorizations: Authorizations = held.iter().copied().collect();
    label.as_deref().is_none_or(|label| {
        AccessExpression::parse(label)
            .unwrap()
            .is_accessible(&authorizations)
    })
}

/// Every response body each user gets from every read path; and the secrets it shows.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "property-test helpers fail the test loudly"
)]
async fn run_case(node: &Node, case: &Case) -> Vec<BTreeSet<String>> {
    let admin = node.login("admin").await;
    let mut ids = Vec::new();
    for (number, (label, fields)) in case.records.iter().enumerate() {
        let fields: serde_json::Map<String, Value> = fields
            .iter()
            .enumerate()
            .map(|(field, label)| {
                let mut value = json!({"value": secret(number, field)});
                if let Some(label) = label {
                    value["label"] = json!(label);
                }
                (format!("f{field}"), value)
            })
            .collect();
        let body = json!({"kind": "report", "title": format!("record {number}"), "label": label,
                          "fields": fields});
        let reply = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&admin),
                Some(body),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        ids.push(reply.body["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    for (number, held) in case.users.iter().enumerate() {
        let name = format!("user{number}");
        let user = NewUser {
            username: name.parse().unwrap(),
            role: Role::Analyst,
            password_hash: humdex_server::auth::hash_password(crate::support::PASSWORD).unwrap(),
            authorizations: held.iter().map(|a| (*a).to_owned()).collect(),
        };
        node.store
            .add_user("test", user, jiff::Timestamp::UNIX_EPOCH)
            .await
            .unwrap();
        let token = node.login(&name).await;
        let mut bodies = vec![
            get(node, &token, "/api/v1/records").await.bytes,
            get(node, &token, "/api/v1/journal").await.bytes,
        ];
        for id in &ids {
            bodies.push(
                get(node, &token, &format!("/api/v1/records/{id}"))
                    .await
                    .bytes,
            );
            bodies.push(
                get(node, &token, &format!("/api/v1/records/{id}/versions"))
                    .await
                    .bytes,
            );
        }
        let text = String::from_utf8(bodies.concat()).unwrap();
        let mut shown = BTreeSet::new();
        for (record, (record_label, fields)) in case.records.iter().enumerate() {
            for (field, field_label) in fields.iter().enumerate() {
                let word = secret(record, field);
                let allowed = satisfied(record_label, held) && satisfied(field_label, held);
                if text.contains(&word) {
                    assert!(allowed, "{name} holding {held:?} saw {word}: {case:?}");
                    shown.insert(word);
                } else {
                    assert!(
                        !allowed,
                        "{name} holding {held:?} was not shown {word}: {case:?}"
                    );
                }
            }
        }
        seen.push(shown);
    }
    seen
}

#[test]
fn no_user_sees_a_value_above_their_clearance_and_more_clearance_sees_more() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 6,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&case(), |case| {
            runtime.block_on(async {
                for node in nodes().await {
                    let seen = run_case(&node, &case).await;
                    for (a, held_a) in case.users.iter().enumerate() {
                        for (b, held_b) in case.users.iter().enumerate() {
                            if held_a.is_superset(held_b) {
                                assert!(
                                    seen[a].is_superset(&seen[b]),
                                    "user{a} {held_a:?} sees less than user{b} {held_b:?}"
                                );
                            }
                        }
                    }
                }
            });
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn the_audit_log_keeps_who_saw_which_fields_and_who_failed_to_sign_in() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let id = node.create(&ana, "Passport taken").await;
        get(&node, &ben, &format!("/api/v1/records/{id}")).await;
        get(
            &node,
            &ben,
            "/api/v1/records/0190b3c2-0000-7000-8000-000000000000",
        )
        .await;
        let refused = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "ben", "password": "wrong"})),
                &[],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

        let admin = node.login("admin").await;
        let log = get(&node, &admin, "/api/v1/audit/entries?limit=1000").await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        let entries = log.body["entries"].as_array().unwrap();
        let find = |action: &str, actor: &str| {
            entries
                .iter()
                .filter(|entry| entry["action"] == action && entry["actor"] == actor)
                .cloned()
                .collect::<Vec<_>>()
        };
        let reads = find("record.read", "ben");
        assert_eq!(reads.len(), 2, "{}: {reads:?}", node.backend);
        assert_eq!(reads[0]["target"], id.as_str());
        assert_eq!(reads[0]["outcome"], "success");
        assert_eq!(reads[0]["detail"]["withheld"], json!(["victim_name"]));
        assert_eq!(reads[1]["outcome"], "denied");
        let created = find("record_created", "ana");
        assert_eq!(created.len(), 1);
        assert_eq!(created[0]["target"], id.as_str());
        assert_eq!(
            created[0]["source"], "unknown",
            "changes keep where they came from"
        );
        let logins = find("auth.login", "ben");
        let outcomes: Vec<&str> = logins
            .iter()
            .map(|e| e["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["success", "failure"]);
        assert!(logins.iter().all(|entry| entry["source"] == "unknown"));
    }
}
