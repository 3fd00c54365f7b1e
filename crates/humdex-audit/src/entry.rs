use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::{Error, Result};

/// One line of the audit log: who did what to which target, when, and how it ended.
///
/// Its serde form is the leaf encoding (see [`to_leaf_bytes`](AuditEntry::to_leaf_bytes)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// When it happened, in UTC.
    #[serde(
        serialize_with = "serialize_time",
        deserialize_with = "deserialize_time"
    )]
    pub at: Timestamp,
    /// The username that acted, or `anonymous`.
    pub actor: String,
    /// What was done, dotted: `auth.login`, `record.read`, `record.export`.
    pub action: String,
    /// What it was done to: a record id, a username, an export.
    pub target: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The client's address, when known.
    pub source: Option<String>,
    /// Anything else worth keeping, such as which fields were withheld.
    #[serde(serialize_with = "serialize_sorted")]
    pub detail: Value,
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was tried and failed, such as a login with a wrong password.
    Failure,
    /// Access control refused it.
    Denied,
}

impl AuditEntry {
    /// The canonical bytes of the entry, which the log hashes as a leaf.
    ///
    /// Compact JSON (no spaces) of one object with the members in this order: `at`, `actor`,
    /// `action`, `target`, `outcome`, `source` (`null` when unknown), `detail`. `at` is RFC 3339
    /// in UTC with six fractional digits (nine when it has nanoseconds); the members of every
    /// object inside `detail` are sorted by key. The same entry always gives the same bytes, but
    /// verification hashes the stored bytes, so they must be kept as they were written.
    pub fn to_leaf_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|error| Error::MalformedEntry(error.to_string()))
    }

    /// Reads an entry back from its leaf bytes.
    pub fn from_leaf_bytes(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|error| Error::MalformedEntry(error.to_string()))
    }
}

/// RFC 3339 in UTC, to the microsecond, or the nanosecond when there are any: one spelling per
/// instant, so encodings are deterministic, and no digits lost.
pub(crate) fn format_time(at: Timestamp) -> String {
    let precision = if at.subsec_nanosecond() % 1000 == 0 {
        6
    } else {
        9
    };
    DateTimePrinter::new()
        .precision(Some(precision))
        .timestamp_to_string(&at)
}

fn serialize_time<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*at))
}

fn deserialize_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

fn serialize_sorted<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
    Sorted(value).serialize(serializer)
}

/// A JSON value whose objects serialise with their members sorted by key, whatever order
/// serde_json's map keeps (with its `preserve_order` feature, insertion order).
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(members) => {
                let mut sorted: Vec<_> = members.iter().collect();
                sorted.sort_unstable_by(|left, right| left.0.cmp(right.0));
                let mut map = serializer.serialize_map(Some(sorted.len()))?;
                for (key, value) in sorted {
                    map.serialize_entry(key, &Sorted(value))?;
                }
                map.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keeps_microseconds_and_nanoseconds_when_present() {
        let whole: Timestamp = "2026-11-23T18:00:00Z".parse().unwrap();
        assert_eq!(format_time(whole), "2026-11-23T18:00:00.000000Z");
        let micro: Timestamp = "2026-11-23T18:00:00.12345Z".parse().unwrap();
        assert_eq!(format_time(micro), "2026-11-23T18:00:00.123450Z");
        let nano: Timestamp = "2026-11-23T18:00:00.123456789Z".parse().unwrap();
        assert_eq!(format_time(nano), "2026-11-23T18:00:00.123456789Z");
        let offset: Timestamp = "2026-11-23T19:00:00.5+01:00".parse().unwrap();
        assert_eq!(format_time(offset), "2026-11-23T18:00:00.500000Z");
    }
}
