use humdex_audit::{AuditEntry, Error, Outcome};
use serde_json::json;

fn entry() -> AuditEntry {
    AuditEntry {
        at: "2026-11-23T18:00:00.123456Z".parse().unwrap(),
        actor: "analyst".to_owned(),
        action: "record.read".to_owned(),
        target: "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b".to_owned(),
        outcome: Outcome::Denied,
        source: Some("203.0.113.7".to_owned()),
        // Written out of key order: the leaf bytes sort them.
        detail: json!({"withheld": ["victim_name"], "label": "LE&VICTIM_PII", "fields": {"z": 1, "a": [{"y": true, "b": null}]}}),
    }
}

#[test]
fn leaf_bytes_are_the_documented_json() {
    let bytes = entry().to_leaf_bytes().unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        concat!(
            r#"{"at":"2026-11-23T18:00:00.123456Z","actor":"analyst","action":"record.read","#,
            r#""target":"0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b","outcome":"denied","source":"203.0.113.7","#,
            r#""detail":{"fields":{"a":[{"b":null,"y":true}],"z":1},"label":"LE&VICTIM_PII","withheld":["victim_name"]}}"#
        )
    );
}

#[test]
fn leaf_bytes_read_back_to_the_same_entry() {
    let anonymous = AuditEntry {
        at: "2026-11-23T18:00:00.000000001Z".parse().unwrap(),
        actor: "anonymous".to_owned(),
        action: "auth.login".to_owned(),
        target: "admin".to_owned(),
        outcome: Outcome::Failure,
        source: None,
        detail: json!(null),
    };
    let bytes = anonymous.to_leaf_bytes().unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).contains(r#""at":"2026-11-23T18:00:00.000000001Z""#),
        "nanoseconds are kept"
    );
    assert!(String::from_utf8_lossy(&bytes).contains(r#""outcome":"failure","source":null"#));
    for entry in [entry(), anonymous] {
        let bytes = entry.to_leaf_bytes().unwrap();
        let read = AuditEntry::from_leaf_bytes(&bytes).unwrap();
        assert_eq!(read, entry);
        assert_eq!(read.to_leaf_bytes().unwrap(), bytes);
    }
}

#[test]
fn bytes_that_are_no_entry_are_refused() {
    let good = String::from_utf8(entry().to_leaf_bytes().unwrap()).unwrap();
    for bad in [
        good.replace(r#""outcome":"denied""#, r#""outcome":"Denied""#),
        good.replace(r#""actor":"analyst","#, ""),
        good.replace(r#"{"at""#, r#"{"extra":1,"at""#),
        good.replace("2026-11-23T18:00:00.123456Z", "yesterday"),
        "not json".to_owned(),
    ] {
        let result = AuditEntry::from_leaf_bytes(bad.as_bytes());
        assert!(
            matches!(result, Err(Error::MalformedEntry(_))),
            "{bad}: {result:?}"
        );
    }
}
