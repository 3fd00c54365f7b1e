use humdex_model::{Reader, Record, RecordView, Role, User};
use humdex_store::{RecordFilter, Store};
use humdex_testkit::TestDatabase;

use crate::support::{add_user, humdex};

const LINES: &str = r#"{"kind": "report", "title": "Ad for massage work", "fields": {"phone": {"value": "+17135550142"}}}
{"kind": "report", "title": "bad city", "fields": {"city": {"valu": "Houston"}}}
{"kind": "request", "title": "Any intelligence on plate KT-4471?", "label": "LE"}
"#;

/// Lines that all parse; the store refuses the last, whose label names an undefined authorization.
const GOOD_LINES: &str = r#"{"kind": "report", "title": "Ad for massage work", "fields": {"phone": {"value": "+17135550142"}}}
{"kind": "request", "title": "Any intelligence on plate KT-4471?", "label": "LE"}

{"kind": "report", "title": "Workers moved at night", "fields": {"spot": {"value": {"lat": 29.76, "lon": -95.37, "place": "Houston"}}}}
{"kind": "report", "title": "Shared abroad", "label": "INTERPOL"}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn import_refuses_a_file_with_a_bad_line_and_names_refused_records() {
    for database in TestDatabase::all().await {
        let backend = database.backend;
        let bad = database.dir.path().join("records.jsonl");
        let good = database.dir.path().join("good.jsonl");
        #[expect(clippy::disallowed_methods, reason = "the test writes its own fixture")]
        std::fs::write(&bad, LINES).unwrap();
        #[expect(clippy::disallowed_methods, reason = "the test writes its own fixture")]
        std::fs::write(&good, GOOD_LINES).unwrap();
        let (bad, good) = (bad.display().to_string(), good.display().to_string());
        // Adding a user with an authorization defines it, so that labels may name it.
        let added = humdex(
            &[
                "user",
                "add",
                "ana",
                "--role",
                "analyst",
                "--password-stdin",
                "--authorizations",
                "LE",
            ],
            &database,
            "a long enough password\n",
        );
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );

        // A file is read whole or not at all: one bad line refuses it, named by its line.
        let output = humdex(&["import", &bad], &database, "");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{backend}: {stderr}");
        assert!(
            stdout.contains("Imported 0 records from 0 files; 0 duplicates; 1 failed."),
            "{backend}: {stdout}"
        );
        assert!(
            stderr.contains("records.jsonl: failed: ") && stderr.contains("line 2: fields.city"),
            "{backend}: {stderr}"
        );

        let output = humdex(&["import", &good], &database, "");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{backend}: {stderr}");
        assert!(
            stdout.contains(
                "Imported 3 records from 1 files; 0 duplicates; 0 failed; 1 records refused."
            ),
            "{backend}: {stdout}"
        );
        assert!(
            stderr.contains("record 4: label: unknown authorization `INTERPOL`"),
            "{backend}: {stderr}"
        );

        let again = humdex(&["import", &good], &database, "");
        assert_eq!(again.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&again.stdout).contains(
                "Imported 0 records from 0 files; 1 duplicates; 0 failed; 1 records refused."
            ),
            "{backend}: {again:?}"
        );

        let store = Store::open(&database.url).await.unwrap();
        let reader = Reader::new(&User {
            username: "ana".parse().unwrap(),
            role: Role::Analyst,
            authorizations: vec!["LE".to_owned()],
        });
        let records: Vec<Record> = store
            .records(&reader, &RecordFilter::default(), None, 100)
            .await
            .unwrap()
            .records
            .into_iter()
            .filter_map(|view| match view {
                RecordView::Full(visible) => Some(visible.record().clone()),
                RecordView::Pointer(_) => None,
            })
            .collect();
        let mut titles: Vec<_> = records.iter().map(|record| record.title.as_str()).collect();
        titles.sort();
        assert_eq!(
            titles,
            [
                "Ad for massage work",
                "Any intelligence on plate KT-4471?",
                "Workers moved at night"
            ],
            "{backend}: a second import must not duplicate"
        );
        assert!(records.iter().all(|record| record.created_by == "import"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn user_add_checks_its_input() {
    for database in TestDatabase::all().await {
        add_user(&database, "ana", "analyst");
        let duplicate = humdex(
            &[
                "user",
                "add",
                "ana",
                "--role",
                "analyst",
                "--password-stdin",
            ],
            &database,
            "another-password\n",
        );
        assert!(!duplicate.status.success(), "{}", database.backend);
        assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists"));
        let short = humdex(
            &["user", "add", "bo", "--role", "analyst", "--password-stdin"],
            &database,
            "short\n",
        );
        assert!(!short.status.success());
        let role = humdex(
            &["user", "add", "cy", "--role", "wizard", "--password-stdin"],
            &database,
            "long-enough-password\n",
        );
        assert!(!role.status.success());
        assert!(String::from_utf8_lossy(&role.stderr).contains("unknown role"));

        let added = humdex(
            &[
                "user",
                "add",
                "dee",
                "--role",
                "caseworker",
                "--password-stdin",
                "--authorizations",
                "CASEWORK,VICTIM_PII",
            ],
            &database,
            "long-enough-password\n",
        );
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        let store = Store::open(&database.url).await.unwrap();
        let (user, _) = store.credentials("dee").await.unwrap();
        assert_eq!(user.authorizations, ["CASEWORK", "VICTIM_PII"]);
    }
}
