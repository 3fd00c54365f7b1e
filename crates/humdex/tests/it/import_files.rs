use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use humdex_model::{Reader, Record, RecordView, Role, User};
use humdex_store::{RecordFilter, Store};
use humdex_testkit::TestDatabase;

use crate::support::humdex;

/// A 2×2 red PNG, made with Pillow.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg==";

const PLATES: &str = "KT-4471\r\n";

fn email() -> String {
    [
        "From: Ana Field <ana@example.org>",
        "To: desk@example.org",
        "Subject: Photo of the van on Harbor Road",
        "Date: Tue, 2 Sep 2025 10:00:00 +0000",
        "Message-ID: <van-1@example.org>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"b1\"",
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "The van with plate KT-4471 picked up three women at the motel.",
        "--b1",
        "Content-Type: image/png",
        "Content-Disposition: attachment; filename=\"van.png\"",
        "Content-Transfer-Encoding: base64",
        "",
        PNG,
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Disposition: attachment; filename=\"plates.txt\"",
        "",
        PLATES.trim_end(),
        "--b1--",
        "",
    ]
    .join("\r\n")
}

const NOTE: &str = "Met a woman at the bus station who said her passport was taken.\n";

const SIGHTINGS: &str = "date,place,lat,lon,narrative
2025-09-01,Houston,29.76,-95.37,Two women seen working at the nail salon late at night.
2025-09-02,Dallas,32.78,-96.80,A man collected the wages of four workers.
2025-09-03,Austin,30.27,-97.74,Passports kept by the employer in a safe.
";

const LINES: &str = r#"{"kind": "report", "title": "Ad for massage work"}
{"kind": "request", "title": "Any intelligence on plate KT-4471?"}
"#;

fn write(path: &Path, content: &[u8]) {
    #[expect(
        clippy::disallowed_methods,
        reason = "the test writes its own fixtures"
    )]
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    #[expect(
        clippy::disallowed_methods,
        reason = "the test writes its own fixtures"
    )]
    std::fs::write(path, content).unwrap();
}

/// A folder of one file of each kind, two of them broken, and a hidden file to skip.
fn fixtures(dir: &Path) {
    write(&dir.join("mail/van.eml"), email().as_bytes());
    write(&dir.join("note.txt"), NOTE.as_bytes());
    write(&dir.join("sheets/sightings.csv"), SIGHTINGS.as_bytes());
    write(&dir.join("sheets/records.jsonl"), LINES.as_bytes());
    write(
        &dir.join("scan.pdf"),
        b"%PDF-1.4\n\x00\x13garbage, no objects\xff",
    );
    write(&dir.join("blob.bin"), &[0, 1, 2, 3, 0xFF, 0xFE, 0, 7]);
    write(&dir.join(".hidden/skipped.txt"), b"never read");
    write(&dir.join(".skipped.txt"), b"never read");
}

/// Every record, as an admin sees it.
async fn records(database: &TestDatabase) -> Vec<Record> {
    let store = Store::open(&database.url).await.unwrap();
    let admin = Reader::new(&User {
        username: "admin".parse().unwrap(),
        role: Role::Admin,
        authorizations: Vec::new(),
    });
    store
        .records(&admin, &RecordFilter::default(), None, 100)
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|view| match view {
            RecordView::Full(visible) => visible.record().clone(),
            RecordView::Pointer(_) => panic!("an admin sees every record whole"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn import_reads_a_folder_of_files_and_reports_the_broken_ones() {
    for database in TestDatabase::all().await {
        let backend = database.backend;
        let folder = database.dir.path().join("inbox");
        fixtures(&folder);
        let folder = folder.display().to_string();

        let output = humdex(&["import", &folder], &database, "");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{backend}: {stdout} {stderr}"
        );
        assert!(
            stdout.contains("Imported 7 records from 4 files; 0 duplicates; 2 failed."),
            "{backend}: {stdout} {stderr}"
        );
        assert!(
            stderr.contains("scan.pdf: failed: cannot read"),
            "{backend}: {stderr}"
        );
        assert!(
            stderr.contains("blob.bin: failed: unsupported file type"),
            "{backend}: {stderr}"
        );
        assert!(!stderr.contains("skipped"), "{backend}: {stderr}");

        let again = humdex(&["import", &folder], &database, "");
        let stdout = String::from_utf8_lossy(&again.stdout);
        assert!(
            stdout.contains("Imported 0 records from 0 files; 4 duplicates; 2 failed."),
            "{backend}: {stdout} {}",
            String::from_utf8_lossy(&again.stderr)
        );

        let records = records(&database).await;
        assert_eq!(records.len(), 7, "{backend}: {records:#?}");
        let store = Store::open(&database.url).await.unwrap();
        let admin = Reader::new(&User {
            username: "admin".parse().unwrap(),
            role: Role::Admin,
            authorizations: Vec::new(),
        });
        let van = records
            .iter()
            .find(|record| record.narrative.contains("three women at the motel"))
            .unwrap_or_else(|| panic!("{backend}: no record of the email in {records:#?}"));
        for (filename, media_type, content) in [
            ("van.png", "image/png", BASE64.decode(PNG).unwrap()),
            (
                "plates.txt",
                "text/plain",
                PLATES.trim_end().as_bytes().to_vec(),
            ),
        ] {
            let attachment = van
                .attachments
                .iter()
                .find(|attachment| attachment.filename == filename)
                .unwrap_or_else(|| panic!("{backend}: no {filename} on {van:#?}"));
            assert!(
                attachment.media_type.starts_with(media_type),
                "{backend}: {attachment:?}"
            );
            let (_, bytes) = store
                .attachment(&admin, van.id, &attachment.sha256)
                .await
                .unwrap();
            assert_eq!(
                bytes.trim_ascii_end(),
                content.trim_ascii_end(),
                "{backend}: {filename}"
            );
        }
        for row in SIGHTINGS.lines().skip(1) {
            let narrative = row.rsplit(',').next().unwrap();
            let record = records
                .iter()
                .find(|record| record.narrative.contains(narrative))
                .unwrap_or_else(|| panic!("{backend}: no record of {row:?}"));
            assert!(
                record.attachments.is_empty(),
                "{backend}: a row does not carry its spreadsheet: {record:#?}"
            );
        }
        assert!(
            records
                .iter()
                .any(|record| record.narrative.contains("passport was taken")),
            "{backend}: no record of the note"
        );
        for title in ["Ad for massage work", "Any intelligence on plate KT-4471?"] {
            assert!(
                records.iter().any(|record| record.title == title),
                "{backend}: no {title}"
            );
        }
        assert!(records.iter().all(|record| record.created_by == "import"));
    }
}

#[tokio::test]
async fn import_stops_before_reading_when_a_path_is_missing() {
    let database = TestDatabase::sqlite();
    let missing = database.dir.path().join("nowhere");
    let output = humdex(&["import", &missing.display().to_string()], &database, "");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(stderr.contains("nowhere"), "{stderr}");
}
