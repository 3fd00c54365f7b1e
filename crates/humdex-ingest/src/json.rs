//! JSON records: a `.json` file holds one [`NewRecord`] object or an array of them, a JSON Lines
//! file one per line. Every record must parse and validate, or the file is refused whole, with
//! the record or line at fault named. A record keeps its own source; one that gives none came in
//! through [`Channel::Import`].

use humdex_model::{Channel, NewRecord, Source};
use serde_path_to_error::Segment;

use crate::{Context, Extracted, File, ReadError};

const JSON: &str = "JSON";
const JSON_LINES: &str = "JSON Lines";

/// How often the clock is checked: often enough to stop soon after the deadline, rarely enough
/// to cost nothing.
const LINES_PER_DEADLINE_CHECK: usize = 1000;

/// Parses one JSON object into a record and checks it, or says why not, naming the member at
/// fault (`fields.city: unknown field `valu``).
pub fn parse_record(json: &str) -> Result<NewRecord, String> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let record: NewRecord =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let reason = error.into_inner();
            if path == "." {
                reason.to_string()
            } else {
                format!("{path}: {reason}")
            }
        })?;
    deserializer
        .end()
        .map_err(|error| format!("after the record: {error}"))?;
    record.validate().map_err(|invalid| invalid.to_string())?;
    Ok(record)
}

/// The records of a `.json` file: one object, or an array of objects.
pub(crate) fn read_json(context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let text = utf8(JSON, &file.bytes)?;
    if !text.trim_start().starts_with('[') {
        let record = parse_record(text).map_err(|reason| ReadError::malformed(JSON, reason))?;
        return Ok(vec![extracted(record)]);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let records: Vec<NewRecord> = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| ReadError::malformed(JSON, array_error(&error)))?;
    deserializer
        .end()
        .map_err(|error| ReadError::malformed(JSON, format!("after the records: {error}")))?;
    check_count(context, records.len())?;
    for (index, record) in records.iter().enumerate() {
        record.validate().map_err(|invalid| {
            ReadError::malformed(JSON, format!("record {}: {invalid}", index + 1))
        })?;
    }
    Ok(records.into_iter().map(extracted).collect())
}

/// The records of a JSON Lines file, one per line; blank lines are skipped.
pub(crate) fn read_lines(context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let text = utf8(JSON_LINES, &file.bytes)?;
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if index.is_multiple_of(LINES_PER_DEADLINE_CHECK) {
            context.deadline.check()?;
        }
        if line.trim().is_empty() {
            continue;
        }
        check_count(context, records.len() + 1)?;
        let record = parse_record(line).map_err(|reason| {
            ReadError::malformed(JSON_LINES, format!("line {}: {reason}", index + 1))
        })?;
        records.push(extracted(record));
    }
    Ok(records)
}

/// The file as text, without the byte order mark some editors write.
fn utf8<'a>(format: &'static str, bytes: &'a [u8]) -> Result<&'a str, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let before = bytes.get(..error.valid_up_to()).unwrap_or_default();
        let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
        ReadError::malformed(format, format!("line {line}: not UTF-8"))
    })?;
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text))
}

fn check_count(context: &Context<'_>, records: usize) -> Result<(), ReadError> {
    let limit = context.options.limits.max_rows;
    if records as u64 > limit {
        return Err(ReadError::Limit(format!(
            "the file holds more than {limit} records"
        )));
    }
    Ok(())
}

/// An array's error with its first step as a record number: `record 3: fields.city: …`.
fn array_error(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let mut segments = error.path().iter();
    let Some(Segment::Seq { index }) = segments.next() else {
        return error.inner().to_string();
    };
    let rest: Vec<String> = segments
        .map(|segment| match segment {
            Segment::Seq { index } => format!("[{index}]"),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".to_owned(),
        })
        .collect();
    let at = if rest.is_empty() {
        String::new()
    } else {
        format!("{}: ", rest.join(".").replace(".[", "["))
    };
    format!("record {}: {at}{}", index + 1, error.inner())
}

fn extracted(mut record: NewRecord) -> Extracted {
    record
        .source
        .get_or_insert_with(|| Source::unjudged(Channel::Import));
    Extracted {
        record,
        attachments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use humdex_model::Kind;

    use super::*;
    use crate::{Limits, Options};

    fn read(name: &str, json: &str, max_rows: u64) -> Result<Vec<Extracted>, ReadError> {
        let options = Options {
            limits: Limits {
                max_rows,
                ..Limits::default()
            },
            mapping: None,
        };
        let file = File {
            name: name.to_owned(),
            media_type: String::new(),
            bytes: json.as_bytes().to_vec(),
        };
        crate::read(&file, &options)
    }

    fn reason_of(error: ReadError) -> String {
        match error {
            ReadError::Malformed { reason, .. } => reason,
            other => panic!("expected a malformed file, got {other:?}"),
        }
    }

    #[test]
    fn names_the_offending_member() {
        let reason =
            parse_record(r#"{"kind": "report", "title": "t", "fields": {"city": {"valu": 1}}}"#)
                .unwrap_err();
        assert!(reason.starts_with("fields.city"), "{reason}");
        let reason = parse_record(r#"{"kind": "report", "title": ""}"#).unwrap_err();
        assert!(reason.starts_with("title:"), "{reason}");
        assert!(parse_record("not json").is_err());
        assert!(
            parse_record(r#"{"kind": "request", "title": "Any intelligence on +1 555 0142?"}"#)
                .is_ok()
        );
    }

    #[test]
    fn reads_lines_and_keeps_a_given_source() {
        let lines = "\u{FEFF}{\"kind\": \"report\", \"title\": \"one\"}\n\n\
            {\"kind\": \"request\", \"title\": \"two\", \"source\": {\"channel\": \"partner\"}}\r\n";
        let records = read("a.jsonl", lines, 10).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].record.title, "one");
        assert_eq!(
            records[0].record.source,
            Some(Source::unjudged(Channel::Import))
        );
        assert_eq!(records[1].record.kind, Kind::Request);
        assert_eq!(
            records[1].record.source,
            Some(Source::unjudged(Channel::Partner))
        );
        assert!(records.iter().all(|record| record.attachments.is_empty()));
    }

    #[test]
    fn one_bad_line_refuses_the_file_and_says_where() {
        let lines = "{\"kind\": \"report\", \"title\": \"one\"}\n\
            {\"kind\": \"report\", \"title\": \"two\"}\n\
            {\"kind\": \"report\", \"title\": \"t\", \"fields\": {\"city\": {\"valu\": 1}}}\n";
        let reason = reason_of(read("a.jsonl", lines, 10).unwrap_err());
        assert!(
            reason.starts_with("line 3: fields.city.valu: unknown field `valu`"),
            "{reason}"
        );
        let reason = reason_of_bytes(b"{\"kind\": \"report\",\n \"title\": \"\xFF\"}");
        assert_eq!(reason, "line 2: not UTF-8");
    }

    fn reason_of_bytes(bytes: &[u8]) -> String {
        let file = File {
            name: "a.jsonl".to_owned(),
            media_type: String::new(),
            bytes: bytes.to_vec(),
        };
        reason_of(crate::read(&file, &Options::default()).unwrap_err())
    }

    #[test]
    fn reads_one_object_or_an_array() {
        let one = read("a.json", r#"{"kind": "report", "title": "one"}"#, 10).unwrap();
        assert_eq!(one.len(), 1);
        let many = read(
            "a.json",
            r#" [{"kind": "report", "title": "one"}, {"kind": "report", "title": "two"}]"#,
            10,
        )
        .unwrap();
        assert_eq!(many[1].record.title, "two");
        assert_eq!(read("a.json", "[]", 10).unwrap(), []);
    }

    #[test]
    fn a_bad_array_member_is_named_by_its_number() {
        let json = r#"[{"kind": "report", "title": "one"},
            {"kind": "report", "title": "t", "fields": {"city": {"valu": 1}}}]"#;
        let reason = reason_of(read("a.json", json, 10).unwrap_err());
        assert!(
            reason.starts_with("record 2: fields.city.valu: unknown field `valu`"),
            "{reason}"
        );
        let json = r#"[{"kind": "report", "title": "one"}, {"kind": "report", "title": " "}]"#;
        assert_eq!(
            reason_of(read("a.json", json, 10).unwrap_err()),
            "record 2: title: a record needs a title"
        );
        let reason = reason_of(read("a.json", r#"{"kind": "report"}"#, 10).unwrap_err());
        assert!(reason.contains("missing field `title`"), "{reason}");
    }

    #[test]
    fn more_records_than_allowed_are_refused() {
        let line = "{\"kind\": \"report\", \"title\": \"one\"}\n";
        assert_eq!(read("a.jsonl", &line.repeat(3), 3).unwrap().len(), 3);
        assert!(matches!(
            read("a.jsonl", &line.repeat(4), 3),
            Err(ReadError::Limit(_))
        ));
        let array = format!("[{}]", [line.trim(); 4].join(","));
        assert!(matches!(
            read("a.json", &array, 3),
            Err(ReadError::Limit(_))
        ));
    }
}
