//! What a reader with a given set of labels sees of a record: the unit the index stores and the
//! percolator checks.

use std::collections::BTreeSet;

use humdex_model::{
    Channel, EntityKind, FieldName, FieldValue, Kind, Label, Mention, Reader, Record, RecordId,
    State, TextPart,
};
use jiff::Timestamp;

use crate::analyzer::entity_key;

/// The most field labels of one record that get views of their own: a record has a view for
/// every subset of its field labels, so beyond this the count of views would explode. Fields
/// under further labels are left out of the index (never shown, never found) and logged.
pub const MAX_FIELD_LABELS: usize = 6;

/// One visibility view of one version of a record: its metadata, and the texts, entities and
/// places of exactly the parts guarded by `labels` (beside the record's own label).
///
/// A record whose fields carry labels of their own has one view for each subset of those labels;
/// a reader sees the view whose subset is exactly the field labels they satisfy, so a query is
/// answered on what that reader may see, conjunctions across fields included, and on nothing
/// else.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The record.
    pub record: RecordId,
    /// The version of the record this view is of.
    pub version: i64,
    /// Labels the reader must satisfy to see this view: the record's, and the field labels of
    /// the parts it holds. Canonical access expressions.
    pub labels: Vec<String>,
    /// The record's other field labels, none of which the reader of this view satisfies.
    pub excluded: Vec<String>,
    /// Who created the record (readers who see only their own records match on it).
    pub created_by: String,
    /// Report or request.
    pub kind: Kind,
    /// Workflow state.
    pub state: State,
    /// The channel the record came in by.
    pub source: Channel,
    /// When this node received it.
    pub received: Timestamp,
    /// The visible texts: title, narrative and text fields.
    pub texts: Vec<ViewText>,
    /// The visible entities.
    pub entities: Vec<ViewEntity>,
    /// The visible places and coordinates.
    pub points: Vec<Point>,
}

/// What opens a part of a record to a reader, besides the record's own label.
#[derive(Debug, Clone, Copy)]
enum Opener {
    /// Nothing: the part has no label of its own.
    Record,
    /// The field label with this index among the record's.
    Field(usize),
    /// A field label beyond [`MAX_FIELD_LABELS`]: the part is in no view.
    Unindexed,
}

/// One visible text of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewText {
    /// The part's name: `title`, `narrative` or `fields.<name>[.<item>]`.
    pub part: String,
    /// The text.
    pub text: String,
}

/// One visible entity of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewEntity {
    /// Its type.
    pub kind: EntityKind,
    /// Its normalised value as a search key (see [`crate::analyzer::entity_key`]).
    pub key: String,
    /// The part it was found in.
    pub part: String,
}

/// A point on the globe, in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Latitude, −90 to 90.
    pub lat: f64,
    /// Longitude, −180 to 180.
    pub lon: f64,
}

impl View {
    /// The views of `record` with its entity `mentions`: one for each subset of its field
    /// labels, each with the parts that subset opens.
    pub fn of_record(record: &Record, mentions: &[Mention]) -> Vec<View> {
        let mut field_labels: Vec<&str> = record
            .fields
            .values()
            .filter_map(|field| field.label.as_ref().map(Label::as_str))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if field_labels.len() > MAX_FIELD_LABELS {
            tracing::warn!(
                record = %record.id,
                labels = field_labels.len(),
                "a record has more field labels than search has views for; the fields under the \
                 others are not searchable"
            );
            field_labels.truncate(MAX_FIELD_LABELS);
        }
        let opened_by = |name: &FieldName| match record
            .fields
            .get(name)
            .and_then(|field| field.label.as_ref())
        {
            None => Opener::Record,
            Some(label) => field_labels
                .iter()
                .position(|candidate| *candidate == label.as_str())
                .map_or(Opener::Unindexed, Opener::Field),
        };
        let part_opened_by = |part: &TextPart| match part.field() {
            None => Opener::Record,
            Some(name) => opened_by(name),
        };
        let in_subset = |opener: Opener, subset: u32| match opener {
            Opener::Record => true,
            Opener::Field(index) => subset & (1 << index) != 0,
            Opener::Unindexed => false,
        };
        let texts: Vec<(Opener, ViewText)> = record
            .text_parts()
            .into_iter()
            .map(|(part, text)| {
                (
                    part_opened_by(&part),
                    ViewText {
                        part: part.to_string(),
                        text: text.to_owned(),
                    },
                )
            })
            .collect();
        let entities: Vec<(Opener, ViewEntity, Option<Point>)> = mentions
            .iter()
            .filter_map(|mention| {
                let key = mention_key(mention);
                (!key.is_empty()).then(|| {
                    (
                        part_opened_by(&mention.part),
                        ViewEntity {
                            kind: mention.kind,
                            key,
                            part: mention.part.to_string(),
                        },
                        mention_point(mention),
                    )
                })
            })
            .collect();
        let mut locations: Vec<(Opener, Point)> = Vec::new();
        for (name, field) in &record.fields {
            let values = match &field.value {
                FieldValue::List(items) => items.iter().collect(),
                value => vec![value],
            };
            for value in values {
                if let FieldValue::Location(location) = value {
                    let point = Point {
                        lat: location.lat,
                        lon: location.lon,
                    };
                    locations.push((opened_by(name), point));
                }
            }
        }
        let record_label = record.label.as_ref().map(|label| label.as_str().to_owned());
        (0..1u32 << field_labels.len())
            .map(|subset| {
                let chosen = |index: usize| subset & (1 << index) != 0;
                let mut labels: Vec<String> = record_label.iter().cloned().collect();
                let mut excluded = Vec::new();
                for (index, label) in field_labels.iter().enumerate() {
                    if chosen(index) {
                        labels.push((*label).to_owned());
                    } else {
                        excluded.push((*label).to_owned());
                    }
                }
                let mut points: Vec<Point> = entities
                    .iter()
                    .filter(|(opener, _, _)| in_subset(*opener, subset))
                    .filter_map(|(_, _, point)| *point)
                    .chain(
                        locations
                            .iter()
                            .filter(|(opener, _)| in_subset(*opener, subset))
                            .map(|(_, point)| *point),
                    )
                    .collect();
                points.dedup();
                View {
                    record: record.id,
                    version: record.version,
                    labels,
                    excluded,
                    created_by: record.created_by.clone(),
                    kind: record.kind,
                    state: record.state,
                    source: record.source.channel,
                    received: record.received,
                    texts: texts
                        .iter()
                        .filter(|(opener, _)| in_subset(*opener, subset))
                        .map(|(_, text)| text.clone())
                        .collect(),
                    entities: entities
                        .iter()
                        .filter(|(opener, _, _)| in_subset(*opener, subset))
                        .map(|(_, entity, _)| entity.clone())
                        .collect(),
                    points,
                }
            })
            .collect()
    }

    /// Whether this is the view of its record that `reader` sees: they satisfy every label it
    /// needs and none of the field labels it lacks (readers who see only their own records see
    /// only those). Of a record's views, at most one is any reader's.
    pub fn visible_to(&self, reader: &Reader) -> bool {
        let satisfied = |label: &String| {
            label
                .parse::<Label>()
                .is_ok_and(|label| reader.satisfies(Some(&label)))
        };
        reader
            .only_records_of()
            .is_none_or(|owner| owner == self.created_by)
            && self.labels.iter().all(satisfied)
            && !self.excluded.iter().any(satisfied)
    }

    /// The title, when the view holds it.
    pub fn title(&self) -> Option<&str> {
        self.texts
            .iter()
            .find(|text| text.part == "title")
            .map(|text| text.text.as_str())
    }
}

/// The search key of a mention: of its normalised value, or of a place's name, or of the text as
/// written when the value is a point.
fn mention_key(mention: &Mention) -> String {
    match &mention.normalized {
        serde_json::Value::String(value) => entity_key(value),
        serde_json::Value::Object(object) => match object.get("name") {
            Some(serde_json::Value::String(name)) => entity_key(name),
            _ => entity_key(&mention.text),
        },
        _ => entity_key(&mention.text),
    }
}

/// Where a geocoded place or a coordinate mention lies.
fn mention_point(mention: &Mention) -> Option<Point> {
    let object = mention.normalized.as_object()?;
    let lat = object.get("lat")?.as_f64()?;
    let lon = object.get("lon")?.as_f64()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(Point { lat, lon })
}
