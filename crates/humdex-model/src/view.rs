//! What one reader may see of a record, and which labels they may write: the single rule every
//! read path (record reads, lists, versions, attachments, the journal, and later search, the map,
//! the graph and exports) goes through.
//!
//! A record whose label the reader does not satisfy is invisible, unless it is marked as a
//! pointer: then only its id, kind, origin and point of contact show. Of a visible record, every
//! field and attachment whose own label the reader does not satisfy is *withheld*: its value is
//! removed before the view exists, so no later code can leak it, and it is shown as
//! `{"withheld": true}` under its name.

use std::collections::BTreeSet;

use humdex_access::Authorizations;
use serde::{Serialize, Serializer};
use serde_json::{Value as Json, json};

use crate::{Denied, FieldName, Kind, Label, NewRecord, Record, RecordId, RecordPatch, Role, User};

/// Someone reading or writing records: their name, authorizations and reach.
#[derive(Debug, Clone)]
pub struct Reader {
    name: String,
    authorizations: Authorizations,
    /// Partners see only the records they submitted.
    own_records_only: bool,
    /// Where they are reading from, for the audit log.
    address: Option<String>,
}

/// How much of a record a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Nothing; the record does not exist for them.
    None,
    /// That it exists, and whom to ask.
    Pointer,
    /// The record, with the fields they may not see withheld.
    Full,
}

impl Reader {
    /// `user` as a reader.
    pub fn new(user: &User) -> Self {
        Self {
            name: user.username.as_str().to_owned(),
            authorizations: user.authorizations.iter().map(String::as_str).collect(),
            own_records_only: user.role == Role::Partner,
            address: None,
        }
    }

    /// The reader, reading from `address` (a client's network address).
    pub fn at_address(self, address: impl Into<String>) -> Self {
        Self {
            address: Some(address.into()),
            ..self
        }
    }

    /// Where the reader is reading from, when known.
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// The reader's username, as the journal names actors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the reader satisfies `label`; everyone satisfies no label.
    pub fn satisfies(&self, label: Option<&Label>) -> bool {
        label.is_none_or(|label| label.is_satisfied_by(&self.authorizations))
    }

    /// Only the records this reader created, for readers who see no others (partners).
    pub fn only_records_of(&self) -> Option<&str> {
        self.own_records_only.then_some(self.name.as_str())
    }

    /// How much of `record` the reader may see.
    pub fn sight(&self, record: &Record) -> Sight {
        if self
            .only_records_of()
            .is_some_and(|own| own != record.created_by)
        {
            Sight::None
        } else if self.satisfies(record.label.as_ref()) {
            Sight::Full
        } else if record.label_pointer {
            Sight::Pointer
        } else {
            Sight::None
        }
    }

    /// `record` as the reader may see it, or `None` if it does not exist for them.
    pub fn view(&self, record: Record) -> Option<RecordView> {
        match self.sight(&record) {
            Sight::None => None,
            Sight::Pointer => Some(RecordView::Pointer(RecordPointer::of(&record))),
            Sight::Full => Some(RecordView::Full(Box::new(self.visible(record)))),
        }
    }

    /// `record` with what the reader may not see removed; for records they have full sight of.
    fn visible(&self, mut record: Record) -> VisibleRecord {
        let withheld_fields: BTreeSet<FieldName> = record
            .fields
            .iter()
            .filter(|(_, field)| !self.satisfies(field.label.as_ref()))
            .map(|(name, _)| name.clone())
            .collect();
        record
            .fields
            .retain(|name, _| !withheld_fields.contains(name));
        let attachments = record.attachments.len();
        record
            .attachments
            .retain(|attachment| self.satisfies(attachment.label.as_ref()));
        VisibleRecord {
            withheld_attachments: attachments - record.attachments.len(),
            record,
            withheld_fields,
        }
    }

    /// Refuses a label the writer does not satisfy themselves: nobody writes above their
    /// clearance, since they could not read back what they wrote.
    pub fn check_writable(&self, label: Option<&Label>, path: &str) -> Result<(), Denied> {
        match label {
            Some(label) if !self.satisfies(Some(label)) => Err(Denied::at(
                path,
                format!(
                    "you cannot write the label `{label}`: your authorizations do not satisfy it"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Checks every label of a new record against the writer's clearance.
    pub fn check_new_record(&self, new: &NewRecord) -> Result<(), Denied> {
        new.labels()
            .try_for_each(|(path, label)| self.check_writable(Some(label), &path))
    }

    /// Checks a patch of `record`, which the writer has full sight of: its new labels must be
    /// ones the writer satisfies, it must not touch a field withheld from them, and it may change
    /// the record's label only if nothing is withheld from them — a field's guard is the record's
    /// label and its own, so weakening the record's label would uncover fields the writer cannot
    /// judge.
    pub fn check_patch(&self, record: &Record, patch: &RecordPatch) -> Result<(), Denied> {
        let relabels_record = patch
            .label
            .as_ref()
            .is_some_and(|label| *label != record.label);
        let withholds_anything = record
            .fields
            .values()
            .any(|field| !self.satisfies(field.label.as_ref()))
            || record
                .attachments
                .iter()
                .any(|attachment| !self.satisfies(attachment.label.as_ref()));
        if relabels_record && withholds_anything {
            return Err(Denied::at(
                "label",
                "some of this record is withheld from you, so you cannot change its label",
            ));
        }
        for name in patch.fields.keys() {
            if record
                .fields
                .get(name)
                .is_some_and(|field| !self.satisfies(field.label.as_ref()))
            {
                return Err(Denied::at(
                    format!("fields.{name}"),
                    "this field is withheld from you, so you cannot change it",
                ));
            }
        }
        patch
            .labels()
            .try_for_each(|(path, label)| self.check_writable(Some(label), &path))
    }
}

/// A record a reader has full sight of, less the fields and attachments withheld from them.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleRecord {
    /// The record without the withheld values.
    record: Record,
    withheld_fields: BTreeSet<FieldName>,
    withheld_attachments: usize,
}

impl VisibleRecord {
    /// The record as the reader sees it: withheld fields and attachments are not in it.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The names of the fields withheld from the reader.
    pub fn withheld_fields(&self) -> &BTreeSet<FieldName> {
        &self.withheld_fields
    }

    /// How many attachments are withheld from the reader.
    pub fn withheld_attachments(&self) -> usize {
        self.withheld_attachments
    }
}

/// Serialises as the record, with each withheld field as `{"withheld": true}` under its name
/// and each withheld attachment as `{"withheld": true}` in the list.
impl Serialize for VisibleRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut json = serde_json::to_value(&self.record).map_err(serde::ser::Error::custom)?;
        if let Some(fields) = json.get_mut("fields").and_then(Json::as_object_mut) {
            for name in &self.withheld_fields {
                fields.insert(name.as_str().to_owned(), json!({"withheld": true}));
            }
        }
        if let Some(attachments) = json.get_mut("attachments").and_then(Json::as_array_mut) {
            attachments.extend((0..self.withheld_attachments).map(|_| json!({"withheld": true})));
        }
        json.serialize(serializer)
    }
}

/// What a reader without a pointer record's label sees of it: enough to ask for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordPointer {
    /// The record's id.
    pub id: RecordId,
    /// Report or request.
    pub kind: Kind,
    /// The node that holds it.
    pub origin: String,
    /// Whom to ask.
    pub point_of_contact: String,
    /// Always `true`: this is a pointer, not the record.
    pub pointer: bool,
}

impl RecordPointer {
    fn of(record: &Record) -> Self {
        Self {
            id: record.id,
            kind: record.kind,
            origin: record.origin.clone(),
            point_of_contact: record
                .point_of_contact
                .clone()
                .unwrap_or_else(|| record.created_by.clone()),
            pointer: true,
        }
    }
}

/// A record as one reader may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RecordView {
    /// The record, with what the reader may not see withheld.
    Full(Box<VisibleRecord>),
    /// Only that it exists, and whom to ask.
    Pointer(RecordPointer),
}

impl RecordView {
    /// The record's id.
    pub fn id(&self) -> RecordId {
        match self {
            Self::Full(visible) => visible.record.id,
            Self::Pointer(pointer) => pointer.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::{Channel, Username};

    fn reader(role: Role, authorizations: &[&str]) -> Reader {
        Reader::new(&User {
            username: "ana".parse::<Username>().unwrap(),
            role,
            authorizations: authorizations.iter().map(|a| (*a).to_owned()).collect(),
        })
    }

    fn record(json: &str) -> Record {
        let new: NewRecord = serde_json::from_str(json).unwrap();
        let at = Timestamp::UNIX_EPOCH;
        new.into_record(RecordId::new(at), "node-1", "ben", at, Channel::Api)
    }

    #[test]
    fn withholds_fields_by_the_conjunction_of_labels() {
        let record = record(
            r#"{"kind": "report", "title": "t", "label": "LE",
                "fields": {"victim": {"value": "Ana", "label": "VICTIM_PII"}, "city": {"value": "Houston"}}}"#,
        );
        assert_eq!(
            reader(Role::Analyst, &["VICTIM_PII"]).view(record.clone()),
            None
        );
        let Some(RecordView::Full(view)) = reader(Role::Analyst, &["LE"]).view(record.clone())
        else {
            panic!("LE sees the record");
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["fields"]["victim"], json!({"withheld": true}));
        assert_eq!(json["fields"]["city"]["value"], "Houston");
        assert!(!json.to_string().contains("Ana"));
        let Some(RecordView::Full(view)) =
            reader(Role::Analyst, &["LE", "VICTIM_PII"]).view(record)
        else {
            panic!("LE and VICTIM_PII see the record");
        };
        assert!(view.withheld_fields().is_empty());
        assert_eq!(
            serde_json::to_value(&view).unwrap()["fields"]["victim"]["value"],
            "Ana"
        );
    }

    #[test]
    fn a_pointer_shows_only_whom_to_ask() {
        let record = record(
            r#"{"kind": "request", "title": "secret", "label": "LE", "label_pointer": true,
                "point_of_contact": "Desk 4, +1 555 0100"}"#,
        );
        let view = reader(Role::Analyst, &[]).view(record).unwrap();
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["pointer"], true);
        assert_eq!(json["point_of_contact"], "Desk 4, +1 555 0100");
        assert!(json.get("title").is_none());
        assert_eq!(json.as_object().unwrap().len(), 5);
    }

    #[test]
    fn partners_see_only_their_own_records() {
        let record = record(r#"{"kind": "report", "title": "t"}"#);
        assert_eq!(reader(Role::Partner, &[]).sight(&record), Sight::None);
        assert_eq!(reader(Role::Analyst, &[]).sight(&record), Sight::Full);
    }

    #[test]
    fn nobody_writes_above_their_clearance() {
        let writer = reader(Role::Analyst, &["LE"]);
        let new: NewRecord = serde_json::from_str(
            r#"{"kind": "report", "title": "t", "label": "LE",
                "fields": {"victim": {"value": "Ana", "label": "VICTIM_PII"}}}"#,
        )
        .unwrap();
        let denied = writer.check_new_record(&new).unwrap_err();
        assert_eq!(denied.field.as_deref(), Some("fields.victim.label"));
        let record = record(
            r#"{"kind": "report", "title": "t", "fields": {"victim": {"value": "Ana", "label": "VICTIM_PII"}}}"#,
        );
        let patch: RecordPatch = serde_json::from_str(r#"{"fields": {"victim": null}}"#).unwrap();
        assert!(writer.check_patch(&record, &patch).is_err());
        let patch: RecordPatch = serde_json::from_str(r#"{"label": "LE|NGO"}"#).unwrap();
        let denied = writer.check_patch(&record, &patch).unwrap_err();
        assert_eq!(
            denied.field.as_deref(),
            Some("label"),
            "relabelling needs full sight"
        );
        let open = self::record(r#"{"kind": "report", "title": "t", "label": "LE"}"#);
        assert!(writer.check_patch(&open, &patch).is_ok());
    }
}
