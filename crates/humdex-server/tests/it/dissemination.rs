use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::nodes;

#[tokio::test]
async fn a_release_reaches_its_recipients_queues_and_is_listed() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let sam = node.login("sam").await;
        let pool = node
            .call(
                Method::PUT,
                "/api/v1/pools/labour",
                Some(&admin),
                Some(json!({"members": ["ben", "sam"]})),
                &[],
            )
            .await;
        assert_eq!(pool.status, StatusCode::OK, "{}", pool.body);
        let id = node.create(&ana, "Passport taken").await;

        let release = json!({"to": ["user:sam", "pool:labour"], "purpose": "labour inspection lead",
                             "handling_code": "TLP:AMBER"});
        let reply = node
            .call(
                Method::POST,
                &format!("/api/v1/records/{id}/disseminate"),
                Some(&ana),
                Some(release),
                &[],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}: {}",
            node.backend,
            reply.body
        );
        assert_eq!(reply.body.as_array().unwrap().len(), 2);
        assert_eq!(reply.body[0]["version"], 1);
        assert_eq!(reply.body[0]["by"], "ana");

        let listed = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{id}/disseminations"),
                Some(&ben),
                None,
                &[],
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK);
        let recipients: Vec<&str> = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["recipient"].as_str().unwrap())
            .collect();
        assert_eq!(recipients, ["pool:labour", "user:sam"]);

        // Ben gets it through the pool, with the victim's name still withheld from him.
        let queue = node
            .call(Method::GET, "/api/v1/queue", Some(&ben), None, &[])
            .await;
        assert_eq!(queue.body.as_array().unwrap().len(), 1, "{}", queue.body);
        assert_eq!(queue.body[0]["dissemination"]["handling_code"], "TLP:AMBER");
        assert_eq!(
            queue.body[0]["record"]["fields"]["victim_name"],
            json!({"withheld": true})
        );
        let queue = node
            .call(Method::GET, "/api/v1/queue", Some(&sam), None, &[])
            .await;
        assert_eq!(queue.body.as_array().unwrap().len(), 2);
        assert_eq!(
            queue.body[0]["record"]["fields"]["victim_name"]["value"],
            "Maria Doe"
        );
        let queue = node
            .call(Method::GET, "/api/v1/queue", Some(&ana), None, &[])
            .await;
        assert_eq!(queue.body, json!([]));

        let journal = node
            .call(Method::GET, "/api/v1/journal", Some(&ana), None, &[])
            .await;
        let last = journal.body["changes"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["change"], "record_disseminated");

        let log = node
            .call(
                Method::GET,
                "/api/v1/audit/entries?limit=1000",
                Some(&admin),
                None,
                &[],
            )
            .await;
        let release = log.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["action"] == "record_disseminated")
            .unwrap_or_else(|| panic!("the release is audited: {}", log.body));
        assert_eq!(release["actor"], "ana");
        assert_eq!(release["target"], id.as_str());
        assert_eq!(release["detail"]["version"], 1);
        assert_eq!(
            release["detail"]["recipients"],
            json!(["user:sam", "pool:labour"])
        );
        assert_eq!(release["detail"]["purpose"], "labour inspection lead");
        assert_eq!(release["detail"]["handling_code"], "TLP:AMBER");
    }
}

#[tokio::test]
async fn a_release_to_someone_who_cannot_read_the_record_is_refused() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let mut secret = crate::support::example("Casework only");
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
        let id = reply.body["id"].as_str().unwrap().to_owned();
        let head = node.store.journal_head().await.unwrap();
        for (to, why) in [
            (json!(["user:ben"]), "ben cannot read"),
            (json!(["user:nobody"]), "no user nobody"),
            (json!(["pool:nowhere"]), "no pool nowhere"),
        ] {
            let reply = node
                .call(
                    Method::POST,
                    &format!("/api/v1/records/{id}/disseminate"),
                    Some(&admin),
                    Some(json!({"to": to, "purpose": "p", "handling_code": "TLP:RED"})),
                    &[],
                )
                .await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
            assert!(
                reply.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(why),
                "{}",
                reply.body
            );
        }
        let bad_code = node
            .call(
                Method::POST,
                &format!("/api/v1/records/{id}/disseminate"),
                Some(&admin),
                Some(json!({"to": ["user:ana"], "purpose": "p", "handling_code": "TLP:PURPLE"})),
                &[],
            )
            .await;
        assert_eq!(bad_code.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            node.store.journal_head().await.unwrap(),
            head,
            "refusals change nothing"
        );

        let ben = node.login("ben").await;
        let hidden = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{id}/disseminations"),
                Some(&ben),
                None,
                &[],
            )
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    }
}
