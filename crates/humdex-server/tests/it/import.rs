use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use humdex_model::{Reader, RecordView, Role, User};
use humdex_server::Config;
use humdex_testkit::TestDatabase;
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::support::{Node, Reply, nodes};

const BOUNDARY: &str = "humdex-test-boundary";
const NOTE: &[u8] = b"Met a woman at the bus station in Houston who said her passport was taken.\n";
/// A PDF header and then nothing a PDF reader can make sense of.
const BROKEN_PDF: &[u8] = b"%PDF-1.7\n\x00\x01garbage that is no PDF body\xff\xfe";

/// A part of a `multipart/form-data` body: its name, its file name, its content.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn form(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match filename {
            Some(filename) => {
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n"
                )
            }
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(node: &Node, token: &str, parts: &[Part<'_>]) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/import")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(form(parts)))
        .unwrap();
    node.send(request).await
}

/// Starts an import that must be accepted; answers the job once it has finished.
async fn import(node: &Node, token: &str, parts: &[Part<'_>]) -> Value {
    let started = upload(node, token, parts).await;
    assert_eq!(
        started.status,
        StatusCode::ACCEPTED,
        "{}: {}",
        node.backend,
        started.body
    );
    let url = started.body["status_url"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!("/api/v1/jobs/{}", started.body["job"].as_str().unwrap())
    );
    assert_eq!(started.headers["location"], url.as_str());
    for _ in 0..400 {
        let job = node.call(Method::GET, &url, Some(token), None, &[]).await;
        assert_eq!(job.status, StatusCode::OK, "{}: {}", node.backend, job.body);
        if job.body["state"] == "finished" {
            return job.body;
        }
        assert_eq!(job.body["state"], "running", "{}", job.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{}: the import did not finish in 20 seconds", node.backend);
}

/// The result of the file named `name` in `job`.
fn file<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {job}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_runs_in_the_background_and_reports_each_file() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let job = import(
            &node,
            &ana,
            &[
                ("file", Some("note.txt"), NOTE),
                ("file", Some("scan.pdf"), BROKEN_PDF),
                ("label", None, b"LE"),
            ],
        )
        .await;
        let backend = node.backend;
        assert_eq!(job["started_by"], "ana", "{backend}");
        let bytes = (NOTE.len() + BROKEN_PDF.len()) as u64;
        for (counter, expected) in [
            ("files_total", 2),
            ("files_done", 2),
            ("files_failed", 1),
            ("files_duplicate", 0),
            ("records_created", 1),
            ("records_duplicate", 0),
            ("records_rejected", 0),
            ("bytes_total", bytes),
            ("bytes_done", bytes),
            ("files_not_listed", 0),
        ] {
            assert_eq!(job[counter], expected, "{backend}: {counter} in {job}");
        }
        assert!(job["files_per_second"].as_f64().unwrap() > 0.0, "{job}");
        assert!(job["bytes_per_second"].is_number(), "{job}");
        assert!(
            job["eta_seconds"].is_null(),
            "{backend}: a finished job has no ETA"
        );
        assert!(
            job["started"].is_string() && job["finished"].is_string(),
            "{job}"
        );

        let note = file(&job, "note.txt");
        assert_eq!(note["status"], "created", "{backend}: {note}");
        assert_eq!(note["records"], 1, "{backend}: {note}");
        assert_eq!(note["sha256"].as_str().unwrap().len(), 64, "{note}");
        assert!(note.get("error").is_none(), "{note}");
        let scan = file(&job, "scan.pdf");
        assert_eq!(scan["status"], "failed", "{backend}: {scan}");
        assert_eq!(scan["records"], 0, "{scan}");
        assert!(
            !scan["error"].as_str().unwrap().is_empty(),
            "{backend}: a failed file says why: {scan}"
        );

        // The record carries the label asked for, and came in through the import channel.
        let reader = Reader::new(&User {
            username: "ana".parse().unwrap(),
            role: Role::Analyst,
            authorizations: vec!["LE".to_owned(), "VICTIM_PII".to_owned()],
        });
        let page = node
            .store
            .records(&reader, &Default::default(), None, 10)
            .await
            .unwrap();
        let [RecordView::Full(visible)] = page.records.as_slice() else {
            panic!("{backend}: expected one record, got {:?}", page.records);
        };
        let record = visible.record();
        assert_eq!(
            record.label.as_ref().map(ToString::to_string),
            Some("LE".to_owned())
        );
        assert_eq!(record.created_by, "ana");
        assert!(record.narrative.contains("passport"), "{record:?}");
        assert_eq!(
            record.attachments.len() as u64,
            note["attachments"].as_u64().unwrap(),
            "{backend}"
        );

        // The same content again, under another name, creates nothing.
        let again = import(&node, &ana, &[("file", Some("copy of note.txt"), NOTE)]).await;
        let copy = file(&again, "copy of note.txt");
        assert_eq!(copy["status"], "duplicate", "{backend}: {copy}");
        assert_eq!(copy["duplicates"], 1, "{copy}");
        assert_eq!(again["records_created"], 0, "{again}");
        assert_eq!(again["files_duplicate"], 1, "{again}");
        assert_eq!(copy["sha256"], note["sha256"]);

        // Only whoever started a job, and admins, may read it.
        let url = format!("/api/v1/jobs/{}", job["id"].as_str().unwrap());
        let ben = node.login("ben").await;
        let denied = node.call(Method::GET, &url, Some(&ben), None, &[]).await;
        assert_eq!(
            denied.status,
            StatusCode::NOT_FOUND,
            "{backend}: {}",
            denied.body
        );
        let admin = node.login("admin").await;
        let read = node.call(Method::GET, &url, Some(&admin), None, &[]).await;
        assert_eq!(read.status, StatusCode::OK, "{backend}");
        assert_eq!(read.body["id"], job["id"]);
        for unknown in [
            "/api/v1/jobs/0190a0c0-0000-7000-8000-000000000000",
            "/api/v1/jobs/not-a-job",
        ] {
            let reply = node
                .call(Method::GET, unknown, Some(&admin), None, &[])
                .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{backend}: {unknown}");
        }
    }
}

#[tokio::test]
async fn an_import_is_refused_before_it_starts_when_it_cannot_run() {
    for node in nodes().await {
        let backend = node.backend;
        let ana = node.login("ana").await;
        let token = node
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(&ana),
                Some(json!({"name": "reader", "scopes": ["records:read"],
                    "expires": (node.now() + SignedDuration::from_hours(1)).to_string()})),
                &[],
            )
            .await;
        let token = token.body["token"].as_str().unwrap().to_owned();
        let reply = upload(&node, &token, &[("file", Some("note.txt"), NOTE)]).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{backend}: {}",
            reply.body
        );

        // Ben lacks VICTIM_PII, so he may not put it on records.
        let ben = node.login("ben").await;
        let reply = upload(
            &node,
            &ben,
            &[
                ("file", Some("note.txt"), NOTE),
                ("label", None, b"VICTIM_PII"),
            ],
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{backend}: {}",
            reply.body
        );
        let refused: [(&[Part<'_>], &str); 5] = [
            (
                &[
                    ("file", Some("note.txt"), NOTE),
                    ("label", None, b"INTERPOL"),
                ],
                "label",
            ),
            (
                &[("file", Some("note.txt"), NOTE), ("label", None, b"LE&")],
                "label",
            ),
            (&[("label", None, b"LE")], "file"),
            (
                &[
                    ("file", Some("note.txt"), NOTE),
                    ("mapping", None, b"{not json"),
                ],
                "mapping",
            ),
            (
                &[("file", Some("note.txt"), NOTE), ("other", None, b"x")],
                "other",
            ),
        ];
        for (parts, field) in refused {
            let reply = upload(&node, &ana, parts).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{backend}: {}",
                reply.body
            );
            assert_eq!(
                reply.body["error"]["field"], field,
                "{backend}: {}",
                reply.body
            );
        }
        let not_a_form = node
            .call(
                Method::POST,
                "/api/v1/import",
                Some(&ana),
                Some(json!({})),
                &[],
            )
            .await;
        assert_eq!(not_a_form.status, StatusCode::BAD_REQUEST, "{backend}");
        let anonymous = node
            .call(Method::POST, "/api/v1/import", None, None, &[])
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{backend}");
        // Nothing was stored.
        let admin = node.login("admin").await;
        let listed = node
            .call(Method::GET, "/api/v1/records", Some(&admin), None, &[])
            .await;
        assert_eq!(listed.body["records"], json!([]), "{backend}");
    }
}

#[tokio::test]
async fn an_upload_over_the_import_limit_is_refused() {
    let config = Config {
        max_import_bytes: 4096,
        ..Config::default()
    };
    let node = Node::new(TestDatabase::sqlite(), config).await;
    let ana = node.login("ana").await;
    let big = vec![b'a'; 8192];
    let reply = upload(&node, &ana, &[("file", Some("big.txt"), &big)]).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    let small = upload(&node, &ana, &[("file", Some("small.txt"), NOTE)]).await;
    assert_eq!(small.status, StatusCode::ACCEPTED, "{}", small.body);
}
