//! What a reader with a given set of labels sees of a record: the unit the index stores and the
//! percolator checks.

use humdex_model::{Channel, EntityKind, Kind, RecordId, State};
use jiff::Timestamp;

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
    /// The title, when the view holds it.
    pub fn title(&self) -> Option<&str> {
        self.texts
            .iter()
            .find(|text| text.part == "title")
            .map(|text| text.text.as_str())
    }
}
