//! What the map shows besides records: layers of places (shelters, law-enforcement and NGO
//! offices, hospitals, border crossings) imported from files, and tracks (a vessel's, a
//! vehicle's, a person's journey) whose positions a time slider steps through.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::graph::sized;
use crate::{InvalidInput, Label};

/// The kinds of track, as stored and written in JSON.
pub const TRACK_KINDS: [&str; 4] = ["vessel", "vehicle", "person", "other"];

/// The most positions one call may add to a track.
pub const MAX_POSITIONS_PER_CALL: usize = 10_000;

/// The most features a layer may hold: a country's health facilities fit; more is a data set,
/// not a map layer.
pub const MAX_LAYER_FEATURES: usize = 200_000;

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 2000;
const MAX_SOURCE: usize = 50;
/// A country's border as GeoJSON fits; a whole atlas does not.
const MAX_GEOMETRY_BYTES: usize = 1 << 20;
const MAX_PROPERTIES_BYTES: usize = 64 << 10;

/// Checks a latitude and longitude in degrees, at `path`.
fn check_coordinates(path: &str, lat: f64, lon: f64) -> Result<(), InvalidInput> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(InvalidInput::at(
            format!("{path}lat"),
            "a latitude is -90 to 90 degrees",
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(InvalidInput::at(
            format!("{path}lon"),
            "a longitude is -180 to 180 degrees",
        ));
    }
    Ok(())
}

/// Parses `text` (at `field`) as a JSON object of at most `max_bytes`.
fn json_object(
    field: String,
    text: &str,
    max_bytes: usize,
) -> Result<Map<String, Value>, InvalidInput> {
    if text.len() > max_bytes {
        return Err(InvalidInput::at(
            field,
            format!("at most {max_bytes} bytes"),
        ));
    }
    serde_json::from_str(text)
        .map_err(|error| InvalidInput::at(field, format!("not a JSON object: {error}")))
}

/// A layer as imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLayer {
    /// What it shows, 1 to 200 characters.
    pub name: String,
    /// More about it: where it came from, how current it is.
    #[serde(default)]
    pub description: String,
    /// Shown to everyone, callers without an account too (an SOS caller looking for the nearest
    /// shelter); a public layer carries no labels.
    #[serde(default)]
    pub public: bool,
    /// Who may see it.
    #[serde(default)]
    pub label: Option<Label>,
    /// The format of the file it came from (`csv`, `geojson`, `kml`, `xlsx`).
    pub source: String,
    /// Its places; at least one.
    pub features: Vec<NewLayerFeature>,
}

/// A place of a layer as imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLayerFeature {
    /// Its name, at most 200 characters; may be empty.
    #[serde(default)]
    pub name: String,
    /// Where it is (for a line or an area, a point to put its marker).
    pub lat: f64,
    /// Where it is.
    pub lon: f64,
    /// Its shape as GeoJSON geometry text, for lines and areas.
    #[serde(default)]
    pub geometry: Option<String>,
    /// Its other attributes as JSON object text (`{}` for none).
    pub properties: String,
    /// Who may see it, besides those who may see the layer.
    #[serde(default)]
    pub label: Option<Label>,
}

impl NewLayer {
    /// Checks the rules that need no storage.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if !sized(&self.name, MAX_NAME) {
            return Err(InvalidInput::at(
                "name",
                format!("a name is 1 to {MAX_NAME} characters"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            return Err(InvalidInput::at(
                "description",
                format!("a description is at most {MAX_DESCRIPTION} characters"),
            ));
        }
        if !sized(&self.source, MAX_SOURCE) {
            return Err(InvalidInput::at(
                "source",
                format!("a source format is 1 to {MAX_SOURCE} characters"),
            ));
        }
        if self.public && self.label.is_some() {
            return Err(InvalidInput::at(
                "label",
                "a public layer is shown to everyone, so it carries no label",
            ));
        }
        if self.features.is_empty() || self.features.len() > MAX_LAYER_FEATURES {
            return Err(InvalidInput::at(
                "features",
                format!("a layer holds 1 to {MAX_LAYER_FEATURES} features"),
            ));
        }
        for (n, feature) in self.features.iter().enumerate() {
            let path = format!("features.{n}.");
            if feature.name.chars().count() > MAX_NAME {
                return Err(InvalidInput::at(
                    format!("{path}name"),
                    format!("a name is at most {MAX_NAME} characters"),
                ));
            }
            check_coordinates(&path, feature.lat, feature.lon)?;
            if let Some(geometry) = &feature.geometry {
                let geometry =
                    json_object(format!("{path}geometry"), geometry, MAX_GEOMETRY_BYTES)?;
                if !geometry.get("type").is_some_and(Value::is_string) {
                    return Err(InvalidInput::at(
                        format!("{path}geometry"),
                        "a GeoJSON geometry names its `type`",
                    ));
                }
            }
            json_object(
                format!("{path}properties"),
                &feature.properties,
                MAX_PROPERTIES_BYTES,
            )?;
            if self.public && feature.label.is_some() {
                return Err(InvalidInput::at(
                    format!("{path}label"),
                    "a public layer is shown to everyone, so its features carry no label",
                ));
            }
        }
        Ok(())
    }
}

/// A stored layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Layer {
    /// The layer's id.
    pub id: Uuid,
    /// What it shows.
    pub name: String,
    /// More about it.
    pub description: String,
    /// Shown to everyone.
    pub public: bool,
    /// Who may see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// The format of the file it came from.
    pub source: String,
    /// How many features it holds.
    pub features: u64,
    /// Who created it.
    pub actor: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// A stored place of a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LayerFeature {
    /// The layer.
    pub layer: Uuid,
    /// Its position in the layer, from 0.
    pub n: i64,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub lat: f64,
    /// Where it is.
    pub lon: f64,
    /// Its shape as GeoJSON geometry text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<String>,
    /// Its other attributes as JSON object text.
    pub properties: String,
    /// Who may see it: the layer's label and the feature's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
}

/// A track as asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrack {
    /// What moves: a vessel's name, a plate.
    pub name: String,
    /// One of [`TRACK_KINDS`].
    pub kind: String,
    /// Who may see it and its positions.
    #[serde(default)]
    pub label: Option<Label>,
}

impl NewTrack {
    /// Checks the rules that need no storage.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if !sized(&self.name, MAX_NAME) {
            return Err(InvalidInput::at(
                "name",
                format!("a name is 1 to {MAX_NAME} characters"),
            ));
        }
        if !TRACK_KINDS.contains(&self.kind.as_str()) {
            return Err(InvalidInput::at(
                "kind",
                format!(
                    "unknown track kind `{}` ({})",
                    self.kind,
                    TRACK_KINDS.join(", ")
                ),
            ));
        }
        Ok(())
    }
}

/// A stored track, with a summary of its positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Track {
    /// The track's id.
    pub id: Uuid,
    /// What moves.
    pub name: String,
    /// One of [`TRACK_KINDS`].
    pub kind: String,
    /// Who may see it and its positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// How many positions it has.
    pub positions: u64,
    /// The time of its earliest position.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first: Option<Timestamp>,
    /// The time of its latest position.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last: Option<Timestamp>,
    /// Who created it.
    pub actor: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// A position to add to a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPosition {
    /// When it was there.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// What else was observed (speed, heading, source) as JSON object text (`{}` for none).
    pub properties: String,
}

impl NewPosition {
    /// Checks positions to add in one call: 1 to [`MAX_POSITIONS_PER_CALL`] of them, each
    /// with valid coordinates and properties.
    pub fn validate_all(positions: &[NewPosition]) -> Result<(), InvalidInput> {
        if positions.is_empty() || positions.len() > MAX_POSITIONS_PER_CALL {
            return Err(InvalidInput::at(
                "positions",
                format!("add 1 to {MAX_POSITIONS_PER_CALL} positions at a time"),
            ));
        }
        for (n, position) in positions.iter().enumerate() {
            let path = format!("positions.{n}.");
            check_coordinates(&path, position.lat, position.lon)?;
            json_object(
                format!("{path}properties"),
                &position.properties,
                MAX_PROPERTIES_BYTES,
            )?;
        }
        Ok(())
    }
}

/// A stored position of a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Position {
    /// The row id; ids grow in commit order, so a follower reads on from the last it saw.
    pub id: i64,
    /// The track.
    pub track: Uuid,
    /// When it was there.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// What else was observed, as JSON object text.
    pub properties: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature() -> NewLayerFeature {
        NewLayerFeature {
            name: "Shelter".to_owned(),
            lat: 52.2,
            lon: 21.0,
            geometry: None,
            properties: "{}".to_owned(),
            label: None,
        }
    }

    fn layer(features: Vec<NewLayerFeature>) -> NewLayer {
        NewLayer {
            name: "Shelters".to_owned(),
            description: String::new(),
            public: true,
            label: None,
            source: "csv".to_owned(),
            features,
        }
    }

    fn field_at_fault(result: Result<(), InvalidInput>) -> String {
        result.unwrap_err().field.unwrap()
    }

    #[test]
    fn layers_are_checked() {
        assert_eq!(layer(vec![feature()]).validate(), Ok(()));
        let label: Label = "LE".parse().unwrap();
        let refused = [
            ("features", layer(Vec::new())),
            (
                "name",
                NewLayer {
                    name: " ".to_owned(),
                    ..layer(vec![feature()])
                },
            ),
            (
                "label",
                NewLayer {
                    label: Some(label.clone()),
                    ..layer(vec![feature()])
                },
            ),
            (
                "features.1.label",
                layer(vec![
                    feature(),
                    NewLayerFeature {
                        label: Some(label.clone()),
                        ..feature()
                    },
                ]),
            ),
            (
                "features.0.lat",
                layer(vec![NewLayerFeature {
                    lat: f64::NAN,
                    ..feature()
                }]),
            ),
            (
                "features.0.lon",
                layer(vec![NewLayerFeature {
                    lon: 180.5,
                    ..feature()
                }]),
            ),
            (
                "features.0.geometry",
                layer(vec![NewLayerFeature {
                    geometry: Some(r#"{"coordinates": [1, 2]}"#.to_owned()),
                    ..feature()
                }]),
            ),
            (
                "features.0.properties",
                layer(vec![NewLayerFeature {
                    properties: "[]".to_owned(),
                    ..feature()
                }]),
            ),
        ];
        for (field, new) in refused {
            assert_eq!(field_at_fault(new.validate()), field);
        }
        // A layer that is not public may carry labels.
        let private = NewLayer {
            public: false,
            label: Some(label.clone()),
            ..layer(vec![NewLayerFeature {
                label: Some(label),
                geometry: Some(r#"{"type": "Point", "coordinates": [21.0, 52.2]}"#.to_owned()),
                ..feature()
            }])
        };
        assert_eq!(private.validate(), Ok(()));
    }

    #[test]
    fn tracks_and_positions_are_checked() {
        let track = NewTrack {
            name: "MV Example".to_owned(),
            kind: "vessel".to_owned(),
            label: None,
        };
        assert_eq!(track.validate(), Ok(()));
        let boat = NewTrack {
            kind: "boat".to_owned(),
            ..track
        };
        assert_eq!(field_at_fault(boat.validate()), "kind");

        let position = NewPosition {
            at: Timestamp::UNIX_EPOCH,
            lat: -33.9,
            lon: 18.4,
            properties: r#"{"speed_knots": 12}"#.to_owned(),
        };
        assert_eq!(
            NewPosition::validate_all(std::slice::from_ref(&position)),
            Ok(())
        );
        assert_eq!(field_at_fault(NewPosition::validate_all(&[])), "positions");
        let too_many = vec![position.clone(); MAX_POSITIONS_PER_CALL + 1];
        assert_eq!(
            field_at_fault(NewPosition::validate_all(&too_many)),
            "positions"
        );
        let south_of_the_pole = NewPosition {
            lat: -91.0,
            ..position.clone()
        };
        assert_eq!(
            field_at_fault(NewPosition::validate_all(&[position, south_of_the_pole])),
            "positions.1.lat"
        );
    }
}
