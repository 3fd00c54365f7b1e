//! Structured fields: a typed value and an optional label on each.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::ToSchema;

use crate::{InvalidInput, Label};

/// The name of a structured field: lower-case ASCII letters, digits and `_`, starting with a
/// letter, at most 64 bytes, so that names are stable keys for search, export and redaction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(transparent)]
pub struct FieldName(String);

impl FieldName {
    /// Checks `name` against the naming rule.
    pub fn new(name: &str) -> Result<Self, String> {
        let mut chars = name.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !starts_with_letter
            || name.len() > 64
            || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "field name `{name}` must start with a lower-case letter and hold only a-z, 0-9 and _ (64 at most)"
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::new(&name).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A point on the earth, in WGS 84 degrees, with the place name it was given as, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Latitude, −90 to 90.
    pub lat: f64,
    /// Longitude, −180 to 180.
    pub lon: f64,
    /// The place as written by the source ("Houston, TX").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// The typed value of a structured field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Free text.
    Text(String),
    /// A finite number.
    Number(f64),
    /// A calendar date.
    Date(Date),
    /// A point with an optional place name.
    Location(Location),
    /// Several scalar values (no nested lists).
    List(Vec<FieldValue>),
}

/// The name of a value's type, as written in the `type` member of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// [`FieldValue::Text`]
    Text,
    /// [`FieldValue::Number`]
    Number,
    /// [`FieldValue::Date`]
    Date,
    /// [`FieldValue::Location`]
    Location,
    /// [`FieldValue::List`]
    List,
}

impl FieldValue {
    fn value_type(&self) -> ValueType {
        match self {
            Self::Text(_) => ValueType::Text,
            Self::Number(_) => ValueType::Number,
            Self::Date(_) => ValueType::Date,
            Self::Location(_) => ValueType::Location,
            Self::List(_) => ValueType::List,
        }
    }

    /// Reads a value from JSON. With no declared type, a string is text, a number a number, an
    /// object with `lat` and `lon` a location and an array a list; dates need `"type": "date"`,
    /// because a date and a text look alike in JSON.
    fn from_json(json: Json, declared: Option<ValueType>, in_list: bool) -> Result<Self, String> {
        let declared = declared.unwrap_or(match &json {
            Json::Number(_) => ValueType::Number,
            Json::Object(_) => ValueType::Location,
            Json::Array(_) => ValueType::List,
            _ => ValueType::Text,
        });
        match (declared, json) {
            (ValueType::Text, Json::String(text)) => Ok(Self::Text(text)),
            (ValueType::Number, Json::Number(number)) => number
                .as_f64()
                .filter(|n| n.is_finite())
                .map(Self::Number)
                .ok_or_else(|| "number is out of range".to_owned()),
            (ValueType::Date, Json::String(text)) => text
                .parse::<Date>()
                .map(Self::Date)
                .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)")),
            (ValueType::Location, json @ Json::Object(_)) => {
                let location: Location = serde_json::from_value(json)
                    .map_err(|e| format!("a location is {{lat, lon, place?}}: {e}"))?;
                if !(-90.0..=90.0).contains(&location.lat) {
                    return Err(format!("latitude {} is outside −90..90", location.lat));
                }
                if !(-180.0..=180.0).contains(&location.lon) {
                    return Err(format!("longitude {} is outside −180..180", location.lon));
                }
                Ok(Self::Location(location))
            }
            (ValueType::List, Json::Array(_)) if in_list => {
                Err("a list may not contain another list".to_owned())
            }
            (ValueType::List, Json::Array(items)) => items
                .into_iter()
                .map(Self::from_list_item)
                .collect::<Result<_, _>>()
                .map(Self::List),
            (ValueType::List, other) if !in_list => {
                Err(format!("expected a list, found {}", kind_of(&other)))
            }
            (declared, other) => Err(format!(
                "expected {}, found {}",
                serde_json::to_value(declared)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                kind_of(&other)
            )),
        }
    }

    /// A list item is a bare value, typed as a field's value is, or `{"value": …, "type": …}`
    /// for a type JSON cannot show, such as a date.
    fn from_list_item(item: Json) -> Result<Self, String> {
        match item {
            Json::Object(mut object) if object.contains_key("type") => {
                let declared = object
                    .remove("type")
                    .map(serde_json::from_value::<ValueType>);
                let declared = declared
                    .transpose()
                    .map_err(|e| format!("unknown type: {e}"))?;
                let value = object
                    .remove("value")
                    .ok_or("a typed list item needs a value")?;
                if let Some(extra) = object.keys().next() {
                    return Err(format!("unknown member `{extra}` in a list item"));
                }
                Self::from_json(value, declared, true)
            }
            bare => Self::from_json(bare, None, true),
        }
    }

    fn list_item_json(&self) -> Json {
        match self {
            Self::Date(_) => serde_json::json!({"value": self.to_json(), "type": ValueType::Date}),
            other => other.to_json(),
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Self::Text(text) => Json::String(text.clone()),
            // Whole numbers go out as integers: an age of 31 should read 31, not 31.0.
            Self::Number(number) if number.fract() == 0.0 && number.abs() < 2f64.powi(53) => {
                Json::from(*number as i64)
            }
            Self::Number(number) => {
                serde_json::Number::from_f64(*number).map_or(Json::Null, Json::Number)
            }
            Self::Date(date) => Json::String(date.to_string()),
            Self::Location(location) => serde_json::to_value(location).unwrap_or(Json::Null),
            Self::List(items) => Json::Array(items.iter().map(Self::list_item_json).collect()),
        }
    }
}

fn kind_of(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A structured field: its value and the label that guards it on top of the record's label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FieldJson", into = "FieldJson")]
pub struct Field {
    /// The value.
    pub value: FieldValue,
    /// The access expression a reader must satisfy, besides the record's.
    pub label: Option<Label>,
}

/// A field as JSON: `{"value": …, "type"?: …, "label"?: …}`.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Field)]
pub struct FieldJson {
    /// The value: text, number, date (`YYYY-MM-DD` with `"type": "date"`), location `{lat, lon,
    /// place?}`, or a list of those.
    #[schema(value_type = Object)]
    value: Json,
    /// The value's type; inferred from the JSON when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    value_type: Option<ValueType>,
    /// The field's access expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<Label>,
}

impl TryFrom<FieldJson> for Field {
    type Error = String;

    fn try_from(json: FieldJson) -> Result<Self, String> {
        Ok(Self {
            value: FieldValue::from_json(json.value, json.value_type, false)?,
            label: json.label,
        })
    }
}

impl From<Field> for FieldJson {
    fn from(field: Field) -> Self {
        Self {
            value: field.value.to_json(),
            value_type: Some(field.value.value_type()),
            label: field.label,
        }
    }
}

impl Field {
    /// Checks limits that JSON parsing does not: text sizes and list lengths.
    pub(crate) fn validate(&self, path: &str) -> Result<(), InvalidInput> {
        const MAX_TEXT: usize = 64 * 1024;
        const MAX_ITEMS: usize = 1000;
        let check_text = |text: &str| {
            if text.len() > MAX_TEXT {
                Err(InvalidInput::at(
                    format!("{path}.value"),
                    format!("text is longer than {MAX_TEXT} bytes"),
                ))
            } else {
                Ok(())
            }
        };
        match &self.value {
            FieldValue::Text(text) => check_text(text)?,
            FieldValue::Location(Location {
                place: Some(place), ..
            }) => check_text(place)?,
            FieldValue::List(items) if items.len() > MAX_ITEMS => {
                return Err(InvalidInput::at(
                    format!("{path}.value"),
                    format!("a list holds at most {MAX_ITEMS} values"),
                ));
            }
            FieldValue::List(items) => {
                for item in items {
                    Field {
                        value: item.clone(),
                        label: None,
                    }
                    .validate(path)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: &str) -> Result<Field, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn infers_types_from_json() {
        assert_eq!(
            field(r#"{"value": "Houston"}"#).unwrap().value,
            FieldValue::Text("Houston".into())
        );
        assert_eq!(
            field(r#"{"value": 17}"#).unwrap().value,
            FieldValue::Number(17.0)
        );
        assert!(matches!(
            field(r#"{"value": {"lat": 29.76, "lon": -95.37, "place": "Houston"}}"#)
                .unwrap()
                .value,
            FieldValue::Location(Location { place: Some(_), .. })
        ));
        assert_eq!(
            field(r#"{"value": ["a", 2]}"#).unwrap().value,
            FieldValue::List(vec![FieldValue::Text("a".into()), FieldValue::Number(2.0)])
        );
    }

    #[test]
    fn list_items_can_declare_their_type() {
        assert_eq!(
            field(r#"{"value": [{"value": "2026-02-28", "type": "date"}, "2026-02-28"]}"#)
                .unwrap()
                .value,
            FieldValue::List(vec![
                FieldValue::Date(jiff::civil::date(2026, 2, 28)),
                FieldValue::Text("2026-02-28".into())
            ])
        );
        assert!(field(r#"{"value": [{"value": "x", "type": "date"}]}"#).is_err());
        assert!(field(r#"{"value": [{"value": "x", "type": "text", "why": 1}]}"#).is_err());
    }

    #[test]
    fn dates_need_a_declared_type_and_a_real_date() {
        assert_eq!(
            field(r#"{"value": "2026-02-28", "type": "date"}"#)
                .unwrap()
                .value,
            FieldValue::Date(jiff::civil::date(2026, 2, 28))
        );
        let error = field(r#"{"value": "2026-02-30", "type": "date"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not a date"), "{error}");
    }

    #[test]
    fn rejects_bad_values_and_unknown_members() {
        for bad in [
            r#"{"value": {"lat": 91, "lon": 0}}"#,
            r#"{"value": {"lat": 1}}"#,
            r#"{"value": [[1]]}"#,
            r#"{"value": true}"#,
            r#"{"value": "x", "colour": "red"}"#,
            r#"{"value": "x", "type": "number"}"#,
        ] {
            assert!(field(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn round_trips_with_its_type() {
        for json in [
            r#"{"value":"2026-02-28","type":"date","label":"LE"}"#,
            r#"{"value":31,"type":"number"}"#,
            r#"{"value":2.5,"type":"number"}"#,
        ] {
            assert_eq!(serde_json::to_string(&field(json).unwrap()).unwrap(), json);
        }
    }

    #[test]
    fn field_names_follow_the_rule() {
        assert!(FieldName::new("victim_name").is_ok());
        for bad in ["", "Victim", "1st", "a-b", &"a".repeat(65)] {
            assert!(FieldName::new(bad).is_err(), "{bad}");
        }
    }

    fn scalar() -> impl proptest::strategy::Strategy<Value = FieldValue> {
        use proptest::prelude::*;
        prop_oneof![
            ".{0,40}".prop_map(FieldValue::Text),
            (-1e12f64..1e12).prop_map(FieldValue::Number),
            (-1_000_000i64..1_000_000).prop_map(|n| FieldValue::Number(n as f64)),
            (1900i16..2100, 1i8..=12, 1i8..=28)
                .prop_map(|(y, m, d)| FieldValue::Date(jiff::civil::date(y, m, d))),
            (
                -90.0f64..=90.0,
                -180.0f64..=180.0,
                proptest::option::of("[A-Za-z ,]{1,20}")
            )
                .prop_map(|(lat, lon, place)| FieldValue::Location(Location {
                    lat,
                    lon,
                    place
                })),
        ]
    }

    fn value() -> impl proptest::strategy::Strategy<Value = FieldValue> {
        use proptest::prelude::*;
        prop_oneof![
            scalar(),
            proptest::collection::vec(scalar(), 0..5).prop_map(FieldValue::List)
        ]
    }

    proptest::proptest! {
        /// Whatever a field holds goes out as JSON and comes back the same.
        #[test]
        fn every_value_round_trips(
            value in value(),
            label in proptest::option::of("[A-Z_]{1,8}(&[A-Z_]{1,8}|[|][A-Z_]{1,8})?"),
        ) {
            use proptest::prelude::*;
            let field = Field { value, label: label.map(|label| label.parse::<Label>().unwrap()) };
            let json = serde_json::to_string(&field).unwrap();
            let back: Field = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, field);
        }

        /// No JSON value makes the parser panic: it is a value or an error.
        #[test]
        fn any_json_is_parsed_or_refused(json in "[\\[\\]{}:,\"a-z0-9. -]{0,40}") {
            let _ = serde_json::from_str::<Field>(&format!("{{\"value\": {json}}}"));
        }
    }
}
