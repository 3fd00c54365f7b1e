//! Records: intelligence delivered (reports) and asked for (requests).

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};

use utoipa::ToSchema;

use crate::field::FieldJson;
use crate::{Assignee, Field, FieldName, InvalidInput, Label, State};

crate::id::time_ordered_id!(
    /// A record's id: a UUIDv7, so ids sort by creation time and pages can use them as cursors.
    /// Ids made in one process are strictly increasing, even within one millisecond.
    RecordId,
    "a record"
);

/// What a record is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Intelligence delivered.
    Report,
    /// Intelligence asked for.
    Request,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 2] = [Kind::Report, Kind::Request];

    /// The kind's name as stored and as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Request => "request",
        }
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| format!("unknown kind `{text}` (report, request)"))
    }
}

/// The channel a record arrived through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A web form.
    Form,
    /// The REST API.
    Api,
    /// An email.
    Email,
    /// A phone call taken down by staff.
    Phone,
    /// A hotline: calls, texts and chats to a trafficking hotline.
    Hotline,
    /// A partner agency.
    Partner,
    /// A mobile device.
    Mobile,
    /// A bulk import.
    Import,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 8] = [
        Channel::Form,
        Channel::Api,
        Channel::Email,
        Channel::Phone,
        Channel::Hotline,
        Channel::Partner,
        Channel::Mobile,
        Channel::Import,
    ];

    /// The name in JSON and queries.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Form => "form",
            Self::Api => "api",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Hotline => "hotline",
            Self::Partner => "partner",
            Self::Mobile => "mobile",
            Self::Import => "import",
        }
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|channel| channel.as_str()).collect();
                format!("unknown source `{text}` ({})", names.join(", "))
            })
    }
}

/// How reliable the source has been (Admiralty code: A completely reliable … F cannot be judged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Reliability {
    /// Completely reliable.
    A,
    /// Usually reliable.
    B,
    /// Fairly reliable.
    C,
    /// Not usually reliable.
    D,
    /// Unreliable.
    E,
    /// Reliability cannot be judged.
    F,
}

/// How credible the information is (Admiralty code: 1 confirmed … 6 cannot be judged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = u8, minimum = 1, maximum = 6)]
pub struct Credibility(u8);

impl<'de> Deserialize<'de> for Credibility {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u8::deserialize(deserializer)? {
            value @ 1..=6 => Ok(Self(value)),
            other => Err(serde::de::Error::custom(format!(
                "credibility is 1 to 6, not {other}"
            ))),
        }
    }
}

/// Where a record came from and how far to trust it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The intake channel.
    pub channel: Channel,
    /// The source's reliability; F (cannot be judged) when not given.
    #[serde(default = "Source::unjudged_reliability")]
    pub reliability: Reliability,
    /// The information's credibility; 6 (cannot be judged) when not given.
    #[serde(default = "Source::unjudged_credibility")]
    pub credibility: Credibility,
}

impl Source {
    /// A source on `channel` whose reliability and credibility are not judged yet.
    pub fn unjudged(channel: Channel) -> Self {
        Self {
            channel,
            reliability: Self::unjudged_reliability(),
            credibility: Self::unjudged_credibility(),
        }
    }

    fn unjudged_reliability() -> Reliability {
        Reliability::F
    }

    fn unjudged_credibility() -> Credibility {
        Credibility(6)
    }
}

/// Urgency, 1 (most urgent) to 5; 3 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = u8, minimum = 1, maximum = 5)]
pub struct Priority(u8);

impl Default for Priority {
    fn default() -> Self {
        Self(3)
    }
}

impl<'de> Deserialize<'de> for Priority {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u8::deserialize(deserializer)? {
            value @ 1..=5 => Ok(Self(value)),
            other => Err(serde::de::Error::custom(format!(
                "priority is 1 to 5, not {other}"
            ))),
        }
    }
}

/// A file attached to a record, stored once by the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// The file name given at upload.
    pub filename: String,
    /// The media type given at upload.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// The access expression a reader must satisfy to see the file, besides the record's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
}

/// A record as stored: every version is kept, and the journal tells who changed what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Record {
    /// The record's id.
    pub id: RecordId,
    /// Starts at 1 and grows by one with every change.
    pub version: i64,
    /// The node the record was created on.
    pub origin: String,
    /// Report or request.
    pub kind: Kind,
    /// Where it came from.
    pub source: Source,
    /// When this node received it.
    #[schema(value_type = String, format = DateTime)]
    pub received: Timestamp,
    /// When the source created it (the received time if the source did not say).
    #[schema(value_type = String, format = DateTime)]
    pub created: Timestamp,
    /// When it last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated: Timestamp,
    /// Who created it.
    pub created_by: String,
    /// A one-line summary.
    pub title: String,
    /// The free text.
    pub narrative: String,
    /// Structured fields by name.
    #[schema(value_type = BTreeMap<String, FieldJson>)]
    pub fields: BTreeMap<FieldName, Field>,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// Where it stands in the workflow.
    pub state: State,
    /// Who works on it.
    #[schema(value_type = Option<String>, example = "pool:triage")]
    pub assignee: Option<Assignee>,
    /// Urgency, 1 to 5.
    pub priority: Priority,
    /// When the work is due.
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Date>,
    /// The access expression guarding the whole record.
    pub label: Option<Label>,
    /// Whether readers without the record's label may still learn that it exists: they see its
    /// id, kind, origin and point of contact, so they can ask for it.
    #[serde(default)]
    pub label_pointer: bool,
    /// Whom to ask about the record; its creator when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_of_contact: Option<String>,
}

/// A record as submitted at intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecord {
    /// Report or request.
    pub kind: Kind,
    /// A one-line summary.
    pub title: String,
    /// The free text.
    #[serde(default)]
    pub narrative: String,
    /// The access expression guarding the whole record.
    #[serde(default)]
    pub label: Option<Label>,
    /// Whether readers without the record's label may see that it exists (id, kind, origin and
    /// point of contact).
    #[serde(default)]
    pub label_pointer: bool,
    /// Whom to ask about the record; its creator when not given.
    #[serde(default)]
    pub point_of_contact: Option<String>,
    /// Structured fields by name.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, FieldJson>)]
    pub fields: BTreeMap<FieldName, Field>,
    /// Where it came from; the intake channel, unjudged, when absent.
    #[serde(default)]
    pub source: Option<Source>,
    /// When the source created it.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created: Option<Timestamp>,
    /// Urgency, 1 to 5.
    #[serde(default)]
    pub priority: Priority,
    /// When the work is due.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Date>,
    /// Who should work on it.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "pool:triage")]
    pub assignee: Option<Assignee>,
}

const MAX_TITLE: usize = 500;
const MAX_NARRATIVE: usize = 1024 * 1024;
const MAX_FIELDS: usize = 500;

fn validate_parts<'a>(
    title: Option<&str>,
    narrative: Option<&str>,
    point_of_contact: Option<&str>,
    fields: impl Iterator<Item = (&'a FieldName, &'a Field)>,
) -> Result<(), InvalidInput> {
    if let Some(title) = title {
        if title.trim().is_empty() {
            return Err(InvalidInput::at("title", "a record needs a title"));
        }
        if title.len() > MAX_TITLE {
            return Err(InvalidInput::at(
                "title",
                format!("a title is at most {MAX_TITLE} bytes"),
            ));
        }
    }
    if narrative.is_some_and(|text| text.len() > MAX_NARRATIVE) {
        return Err(InvalidInput::at(
            "narrative",
            format!("a narrative is at most {MAX_NARRATIVE} bytes"),
        ));
    }
    if point_of_contact
        .is_some_and(|contact| contact.trim().is_empty() || contact.len() > MAX_TITLE)
    {
        return Err(InvalidInput::at(
            "point_of_contact",
            format!("a point of contact is 1 to {MAX_TITLE} bytes"),
        ));
    }
    for (name, field) in fields {
        field.validate(&format!("fields.{name}"))?;
    }
    Ok(())
}

impl NewRecord {
    /// Checks the rules that JSON parsing does not.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if self.fields.len() > MAX_FIELDS {
            return Err(InvalidInput::at(
                "fields",
                format!("a record has at most {MAX_FIELDS} fields"),
            ));
        }
        validate_parts(
            Some(&self.title),
            Some(&self.narrative),
            self.point_of_contact.as_deref(),
            self.fields.iter(),
        )
    }

    /// Every label the record carries, with the path it is at.
    pub fn labels(&self) -> impl Iterator<Item = (String, &Label)> {
        let record = self.label.iter().map(|label| ("label".to_owned(), label));
        let fields = self.fields.iter().filter_map(|(name, field)| {
            Some((format!("fields.{name}.label"), field.label.as_ref()?))
        });
        record.chain(fields)
    }

    /// The stored record, version 1, in the intake state.
    pub fn into_record(
        self,
        id: RecordId,
        origin: &str,
        created_by: &str,
        received: Timestamp,
        channel: Channel,
    ) -> Record {
        Record {
            id,
            version: 1,
            origin: origin.to_owned(),
            kind: self.kind,
            source: self.source.unwrap_or_else(|| Source::unjudged(channel)),
            received,
            created: self.created.unwrap_or(received),
            updated: received,
            created_by: created_by.to_owned(),
            title: self.title,
            narrative: self.narrative,
            fields: self.fields,
            attachments: Vec::new(),
            state: State::Intake,
            assignee: self.assignee,
            priority: self.priority,
            due: self.due,
            label: self.label,
            label_pointer: self.label_pointer,
            point_of_contact: self.point_of_contact,
        }
    }
}

/// A change to a record's content, in the manner of a JSON merge patch: members left out stay as
/// they are, `null` clears an optional member, and a field set to `null` is removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPatch {
    /// A new title.
    #[serde(default)]
    pub title: Option<String>,
    /// A new narrative.
    #[serde(default)]
    pub narrative: Option<String>,
    /// A new record label, or `null` to remove it.
    #[serde(default, deserialize_with = "present")]
    pub label: Option<Option<Label>>,
    /// Whether readers without the record's label may see that it exists.
    #[serde(default)]
    pub label_pointer: Option<bool>,
    /// A new point of contact, or `null` to fall back to the creator.
    #[serde(default, deserialize_with = "present")]
    pub point_of_contact: Option<Option<String>>,
    /// Fields to set, or to remove with `null`.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, FieldJson>)]
    pub fields: BTreeMap<FieldName, Option<Field>>,
    /// A new source assessment.
    #[serde(default)]
    pub source: Option<Source>,
    /// A new priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// A new due date, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Option<Date>>,
}

/// Tells a member set to `null` (`Some(None)`) from a member left out (`None`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl RecordPatch {
    /// Checks the patch and applies it to `record`, leaving version and times to the caller.
    pub fn apply(self, record: &mut Record) -> Result<(), InvalidInput> {
        validate_parts(
            self.title.as_deref(),
            self.narrative.as_deref(),
            self.point_of_contact.as_ref().and_then(Option::as_deref),
            self.fields
                .iter()
                .filter_map(|(name, field)| Some((name, field.as_ref()?))),
        )?;
        if let Some(title) = self.title {
            record.title = title;
        }
        if let Some(narrative) = self.narrative {
            record.narrative = narrative;
        }
        if let Some(label) = self.label {
            record.label = label;
        }
        if let Some(pointer) = self.label_pointer {
            record.label_pointer = pointer;
        }
        if let Some(contact) = self.point_of_contact {
            record.point_of_contact = contact;
        }
        for (name, field) in self.fields {
            match field {
                Some(field) => record.fields.insert(name, field),
                None => record.fields.remove(&name),
            };
        }
        if record.fields.len() > MAX_FIELDS {
            return Err(InvalidInput::at(
                "fields",
                format!("a record has at most {MAX_FIELDS} fields"),
            ));
        }
        if let Some(source) = self.source {
            record.source = source;
        }
        if let Some(priority) = self.priority {
            record.priority = priority;
        }
        if let Some(due) = self.due {
            record.due = due;
        }
        Ok(())
    }

    /// Every label the patch writes, with the path it is at.
    pub fn labels(&self) -> impl Iterator<Item = (String, &Label)> {
        let record = self
            .label
            .iter()
            .flatten()
            .map(|label| ("label".to_owned(), label));
        let fields = self.fields.iter().filter_map(|(name, field)| {
            Some((
                format!("fields.{name}.label"),
                field.as_ref()?.label.as_ref()?,
            ))
        });
        record.chain(fields)
    }

    /// Whether the patch changes any label of `record` (or its pointer marking).
    pub fn relabels(&self, record: &Record) -> bool {
        self.label
            .as_ref()
            .is_some_and(|label| *label != record.label)
            || self
                .label_pointer
                .is_some_and(|pointer| pointer != record.label_pointer)
            || self.fields.iter().any(|(name, field)| {
                let before = record
                    .fields
                    .get(name)
                    .and_then(|field| field.label.as_ref());
                let after = field.as_ref().and_then(|field| field.label.as_ref());
                before != after
            })
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NewRecord {
        serde_json::from_str(
            r#"{"kind": "report", "title": "Ad offering work abroad", "narrative": "…", "label": "LE",
                "fields": {"victim_name": {"value": "Ana", "label": "VICTIM_PII"}, "city": {"value": "Houston"}},
                "source": {"channel": "api", "reliability": "B", "credibility": 2}}"#,
        )
        .unwrap()
    }

    #[test]
    fn reads_the_documented_shape() {
        let record = sample();
        assert!(record.validate().is_ok());
        assert_eq!(record.fields.len(), 2);
        assert_eq!(record.priority, Priority(3));
    }

    #[test]
    fn rejects_unknown_members_and_out_of_range_codes() {
        for bad in [
            r#"{"kind": "report", "title": "t", "colour": 1}"#,
            r#"{"kind": "memo", "title": "t"}"#,
            r#"{"kind": "report", "title": "t", "priority": 9}"#,
            r#"{"kind": "report", "title": "t", "source": {"channel": "api", "credibility": 7}}"#,
            r#"{"kind": "report", "title": "t", "source": {"channel": "api", "reliability": "G"}}"#,
        ] {
            assert!(serde_json::from_str::<NewRecord>(bad).is_err(), "{bad}");
        }
        let blank: NewRecord = serde_json::from_str(r#"{"kind": "report", "title": " "}"#).unwrap();
        assert_eq!(
            blank.validate().unwrap_err().field.as_deref(),
            Some("title")
        );
    }

    #[test]
    fn patch_sets_clears_and_removes() {
        let at = Timestamp::UNIX_EPOCH;
        let mut record = sample().into_record(RecordId::new(at), "node", "ana", at, Channel::Api);
        let patch: RecordPatch = serde_json::from_str(
            r#"{"label": null, "fields": {"city": null, "phone": {"value": "+1"}}, "priority": 1}"#,
        )
        .unwrap();
        patch.apply(&mut record).unwrap();
        assert_eq!(record.label, None);
        assert!(!record.fields.contains_key(&FieldName::new("city").unwrap()));
        assert!(
            record
                .fields
                .contains_key(&FieldName::new("phone").unwrap())
        );
        assert_eq!(record.priority, Priority(1));
        assert_eq!(record.title, "Ad offering work abroad");
        assert!(RecordPatch::default().is_empty());
    }

    #[test]
    fn ids_sort_by_creation_time() {
        let early = RecordId::new(Timestamp::from_second(1_700_000_000).unwrap());
        let late = RecordId::new(Timestamp::from_second(1_700_000_001).unwrap());
        assert!(early < late);
        assert!(early.to_string() < late.to_string());
        assert_eq!(early.to_string().parse::<RecordId>().unwrap(), early);
        let same_millisecond: Vec<_> = (0..100)
            .map(|_| RecordId::new(Timestamp::UNIX_EPOCH))
            .collect();
        assert!(same_millisecond.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
