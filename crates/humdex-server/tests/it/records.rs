use std::collections::HashSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::support::{example, nodes};

#[tokio::test]
async fn a_created_record_reads_back_in_the_same_shape() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let reply = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&token),
                Some(example("Passport taken")),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", node.backend);
        assert_eq!(reply.body["version"], 1);
        let id = reply.body["id"].as_str().unwrap();
        assert_eq!(
            reply.headers["location"],
            format!("/api/v1/records/{id}").as_str()
        );

        let read = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{id}"),
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", node.backend);
        assert_eq!(read.headers["etag"], "\"1\"");
        let record = &read.body;
        assert_eq!(record["id"], id);
        assert_eq!(record["kind"], "report");
        assert_eq!(record["state"], "intake");
        assert_eq!(record["label"], "LE");
        assert_eq!(record["title"], "Passport taken");
        assert_eq!(record["fields"]["victim_name"]["value"], "Maria Doe");
        assert_eq!(record["fields"]["victim_name"]["label"], "VICTIM_PII");
        assert_eq!(record["fields"]["city"]["value"], "Houston");
        assert_eq!(record["fields"]["city"]["type"], "text");
        assert_eq!(
            record["source"],
            json!({"channel": "api", "reliability": "B", "credibility": 2})
        );
        assert_eq!(record["created_by"], "ana");
        assert_eq!(record["origin"], node.store.node_id());
        assert!(record["received"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn lists_filter_and_page_without_gaps_or_repeats() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let mut created = Vec::new();
        for n in 0..23 {
            let mut body = example(&format!("report {n}"));
            if n % 3 == 0 {
                body["kind"] = json!("request");
            }
            let reply = node
                .call(
                    Method::POST,
                    "/api/v1/records",
                    Some(&token),
                    Some(body),
                    &[],
                )
                .await;
            created.push(reply.body["id"].as_str().unwrap().to_owned());
        }
        let mut seen = Vec::new();
        let mut uri = "/api/v1/records?limit=5".to_owned();
        loop {
            let page = node.call(Method::GET, &uri, Some(&token), None, &[]).await;
            assert_eq!(
                page.status,
                StatusCode::OK,
                "{}: {}",
                node.backend,
                page.body
            );
            seen.extend(
                page.body["records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_owned()),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => uri = format!("/api/v1/records?limit=5&cursor={cursor}"),
                None => break,
            }
        }
        created.reverse();
        assert_eq!(
            seen, created,
            "{}: pages must hold every record once, newest first",
            node.backend
        );

        let requests = node
            .call(
                Method::GET,
                "/api/v1/records?kind=request&limit=100",
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(
            requests.body["records"].as_array().unwrap().len(),
            8,
            "{}",
            node.backend
        );
        let intake = node
            .call(
                Method::GET,
                "/api/v1/records?state=intake&kind=report",
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(
            intake.body["records"].as_array().unwrap().len(),
            15,
            "{}",
            node.backend
        );
        let analysis = node
            .call(
                Method::GET,
                "/api/v1/records?state=analysis",
                Some(&token),
                None,
                &[],
            )
            .await;
        assert!(
            analysis.body["records"].as_array().unwrap().is_empty(),
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn an_idempotency_key_makes_retries_safe() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let key = [("idempotency-key", "intake-7f3a")];
        let first = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&token),
                Some(example("once")),
                &key,
            )
            .await;
        let retry = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&token),
                Some(example("once")),
                &key,
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", node.backend);
        assert_eq!(retry.status, StatusCode::CREATED, "{}", node.backend);
        assert_eq!(
            first.body["id"], retry.body["id"],
            "{}: a retry made a duplicate",
            node.backend
        );
        assert_eq!(retry.headers["idempotent-replayed"], "true");

        let other = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&token),
                Some(example("another")),
                &key,
            )
            .await;
        assert_eq!(
            other.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            node.backend
        );
        assert_eq!(other.code(), "idempotency_key_reused");

        let sam = node.login("sam").await;
        let sams = node
            .call(
                Method::POST,
                "/api/v1/records",
                Some(&sam),
                Some(example("once")),
                &key,
            )
            .await;
        assert_ne!(
            sams.body["id"], first.body["id"],
            "{}: keys belong to one user",
            node.backend
        );

        let all = node
            .call(Method::GET, "/api/v1/records", Some(&token), None, &[])
            .await;
        assert_eq!(
            all.body["records"].as_array().unwrap().len(),
            2,
            "{}",
            node.backend
        );
    }
}

#[tokio::test]
async fn edits_need_the_current_version() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let id = node.create(&token, "to edit").await;
        let uri = format!("/api/v1/records/{id}");
        let patch = json!({"title": "edited", "fields": {"city": null, "phone": {"value": "+15550142"}}, "priority": 1});

        let missing = node
            .call(Method::PATCH, &uri, Some(&token), Some(patch.clone()), &[])
            .await;
        assert_eq!(
            missing.status,
            StatusCode::PRECONDITION_REQUIRED,
            "{}",
            node.backend
        );

        let edited = node
            .call(
                Method::PATCH,
                &uri,
                Some(&token),
                Some(patch.clone()),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(
            edited.status,
            StatusCode::OK,
            "{}: {}",
            node.backend,
            edited.body
        );
        assert_eq!(edited.body["version"], 2);

        let stale = node
            .call(
                Method::PATCH,
                &uri,
                Some(&token),
                Some(json!({"title": "lost"})),
                &[("if-match", "1")],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", node.backend);
        assert_eq!(stale.code(), "version_conflict");

        let record = node
            .call(Method::GET, &uri, Some(&token), None, &[])
            .await
            .body;
        assert_eq!(record["title"], "edited");
        assert_eq!(record["priority"], 1);
        assert!(record["fields"].get("city").is_none());
        assert_eq!(record["fields"]["phone"]["value"], "+15550142");
        assert_eq!(record["version"], 2);
        let versions = node
            .call(
                Method::GET,
                &format!("{uri}/versions"),
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(versions.status, StatusCode::OK, "{}", node.backend);
        let titles: Vec<_> = versions
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["title"].clone())
            .collect();
        assert_eq!(
            titles,
            [json!("to edit"), json!("edited")],
            "{}: history keeps every version",
            node.backend
        );
    }
}

#[tokio::test]
async fn partners_submit_and_read_only_their_own() {
    for node in nodes().await {
        let partner = node.login("pat").await;
        let analyst = node.login("ana").await;
        let own = node.create(&partner, "from the partner").await;
        let other = node.create(&analyst, "internal").await;

        let list = node
            .call(Method::GET, "/api/v1/records", Some(&partner), None, &[])
            .await;
        let ids: HashSet<_> = list.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        assert_eq!(ids, HashSet::from([json!(own)]), "{}", node.backend);

        for uri in [
            format!("/api/v1/records/{other}"),
            format!("/api/v1/records/{other}/versions"),
        ] {
            let hidden = node
                .call(Method::GET, &uri, Some(&partner), None, &[])
                .await;
            assert_eq!(
                hidden.status,
                StatusCode::NOT_FOUND,
                "{}: {uri}: a hidden record must look absent",
                node.backend
            );
        }
        let moved = node
            .call(
                Method::POST,
                &format!("/api/v1/records/{own}/transition"),
                Some(&partner),
                Some(json!({"to": "analysis"})),
                &[],
            )
            .await;
        assert_eq!(moved.status, StatusCode::FORBIDDEN, "{}", node.backend);
        let journal = node
            .call(Method::GET, "/api/v1/journal", Some(&partner), None, &[])
            .await;
        assert_eq!(journal.status, StatusCode::FORBIDDEN, "{}", node.backend);
    }
}

#[tokio::test]
async fn attachments_are_stored_by_content_and_served_as_downloads() {
    for node in nodes().await {
        let token = node.login("ana").await;
        let id = node.create(&token, "with a photo").await;
        let photo = b"\x89PNG\r\n\x1a\nnot really a png".to_vec();
        let upload = |filename: &str| {
            Request::post(format!(
                "/api/v1/records/{id}/attachments?filename={filename}"
            ))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "image/png")
            .body(Body::from(photo.clone()))
            .unwrap()
        };
        let reply = node.send(upload("ad.png")).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}: {}",
            node.backend,
            reply.body
        );
        let sha = reply.body["attachment"]["sha256"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(sha.len(), 64);
        assert_eq!(reply.body["version"], 2);
        let again = node.send(upload("ad.png")).await;
        assert_eq!(
            again.body["version"], 2,
            "{}: the same file twice is one attachment",
            node.backend
        );

        let download = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{id}/attachments/{sha}"),
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(download.status, StatusCode::OK, "{}", node.backend);
        assert_eq!(download.bytes, photo);
        assert_eq!(download.headers["content-type"], "image/png");
        assert_eq!(download.headers["x-content-type-options"], "nosniff");
        assert!(
            download.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );

        let other = node.create(&token, "another").await;
        let elsewhere = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{other}/attachments/{sha}"),
                Some(&token),
                None,
                &[],
            )
            .await;
        assert_eq!(
            elsewhere.status,
            StatusCode::NOT_FOUND,
            "{}: a file is reached through its own record",
            node.backend
        );
    }
}
