//! What text analysis finds in a record, as stored: typed mentions and indicator hits, each tied
//! to the part of the record it was found in, so that a reader is shown only those in parts they
//! may see.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use crate::{FieldName, FieldValue, Record};

/// The type of an entity, as named in the JSON output.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A person's name.
    Person,
    /// A company, agency, gang or other organisation.
    Organization,
    /// A place: city, country, region, facility.
    Location,
    /// A nationality, religious or political group.
    Nationality,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A web address.
    Url,
    /// A latitude/longitude pair.
    Coordinates,
    /// An amount of money, or a price in a code unit ("200 roses").
    Money,
    /// A calendar date.
    Date,
    /// A person's age.
    Age,
    /// A cryptocurrency wallet address.
    Crypto,
    /// A social-media or messenger handle.
    Handle,
    /// A vehicle registration plate.
    Plate,
    /// A weapon, calibre or weapon model.
    Weapon,
}

impl EntityKind {
    /// Every type, in the order legends list them.
    pub const ALL: [EntityKind; 15] = [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Location,
        EntityKind::Nationality,
        EntityKind::Phone,
        EntityKind::Email,
        EntityKind::Url,
        EntityKind::Coordinates,
        EntityKind::Money,
        EntityKind::Date,
        EntityKind::Age,
        EntityKind::Crypto,
        EntityKind::Handle,
        EntityKind::Plate,
        EntityKind::Weapon,
    ];

    /// The name used in JSON and in the CSS class `ent-<name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Location => "location",
            EntityKind::Nationality => "nationality",
            EntityKind::Phone => "phone",
            EntityKind::Email => "email",
            EntityKind::Url => "url",
            EntityKind::Coordinates => "coordinates",
            EntityKind::Money => "money",
            EntityKind::Date => "date",
            EntityKind::Age => "age",
            EntityKind::Crypto => "crypto",
            EntityKind::Handle => "handle",
            EntityKind::Plate => "plate",
            EntityKind::Weapon => "weapon",
        }
    }
}

impl EntityKind {
    /// The highlight colour (RGB) of the type, light enough for black text on it: one palette
    /// for the web UI, the terminal and link charts.
    pub fn colour(self) -> [u8; 3] {
        match self {
            EntityKind::Person => [0xff, 0xd6, 0xa5],
            EntityKind::Organization => [0xca, 0xff, 0xbf],
            EntityKind::Location => [0x9b, 0xf6, 0xff],
            EntityKind::Nationality => [0xbd, 0xb2, 0xff],
            EntityKind::Phone => [0xff, 0xad, 0xad],
            EntityKind::Email => [0xff, 0xc6, 0xff],
            EntityKind::Url => [0xa0, 0xc4, 0xff],
            EntityKind::Coordinates => [0xb5, 0xea, 0xd7],
            EntityKind::Money => [0xfd, 0xff, 0xb6],
            EntityKind::Date => [0xe2, 0xe2, 0xe2],
            EntityKind::Age => [0xff, 0x9a, 0xc8],
            EntityKind::Crypto => [0xf1, 0xc0, 0xe8],
            EntityKind::Handle => [0xcf, 0xba, 0xf0],
            EntityKind::Plate => [0xe9, 0xc4, 0x6a],
            EntityKind::Weapon => [0xff, 0x7b, 0x7b],
        }
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EntityKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| format!("no entity type is called {name:?}"))
    }
}

/// The part of a record a text comes from: `title`, `narrative`, `fields.<name>`, or
/// `fields.<name>.<n>` for the n-th item of a list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextPart {
    /// The record's title.
    Title,
    /// The record's narrative.
    Narrative,
    /// A text field, or one text item of a list field.
    Field {
        /// The field.
        name: FieldName,
        /// The item's position, for a list.
        item: Option<usize>,
    },
}

impl TextPart {
    /// The field this part belongs to, if it is a field.
    pub fn field(&self) -> Option<&FieldName> {
        match self {
            TextPart::Field { name, .. } => Some(name),
            TextPart::Title | TextPart::Narrative => None,
        }
    }
}

impl fmt::Display for TextPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextPart::Title => f.write_str("title"),
            TextPart::Narrative => f.write_str("narrative"),
            TextPart::Field { name, item: None } => write!(f, "fields.{name}"),
            TextPart::Field {
                name,
                item: Some(item),
            } => write!(f, "fields.{name}.{item}"),
        }
    }
}

impl FromStr for TextPart {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "title" => return Ok(TextPart::Title),
            "narrative" => return Ok(TextPart::Narrative),
            _ => {}
        }
        let mut pieces = text.split('.');
        let (Some("fields"), Some(name)) = (pieces.next(), pieces.next()) else {
            return Err(format!("{text:?} is not a part of a record"));
        };
        let name = FieldName::new(name)?;
        let item = pieces
            .next()
            .map(|item| {
                item.parse()
                    .map_err(|_| format!("bad list item in {text:?}"))
            })
            .transpose()?;
        if pieces.next().is_some() {
            return Err(format!("{text:?} is not a part of a record"));
        }
        Ok(TextPart::Field { name, item })
    }
}

impl Serialize for TextPart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Record {
    /// The texts of the record that text analysis reads: the title, the narrative, and every text
    /// field or text item of a list field, each with the part it is.
    pub fn text_parts(&self) -> Vec<(TextPart, &str)> {
        let mut parts = vec![
            (TextPart::Title, self.title.as_str()),
            (TextPart::Narrative, self.narrative.as_str()),
        ];
        for (name, field) in &self.fields {
            match &field.value {
                FieldValue::Text(text) => parts.push((
                    TextPart::Field {
                        name: name.clone(),
                        item: None,
                    },
                    text,
                )),
                FieldValue::List(items) => {
                    parts.extend(items.iter().enumerate().filter_map(|(item, value)| {
                        let FieldValue::Text(text) = value else {
                            return None;
                        };
                        let part = TextPart::Field {
                            name: name.clone(),
                            item: Some(item),
                        };
                        Some((part, text.as_str()))
                    }));
                }
                FieldValue::Number(_) | FieldValue::Date(_) | FieldValue::Location(_) => {}
            }
        }
        parts.retain(|(_, text)| !text.trim().is_empty());
        parts
    }
}

/// An entity mention found in a record.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Mention {
    /// Where in the record.
    #[schema(value_type = String, example = "narrative")]
    pub part: TextPart,
    /// The entity type.
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// The text as written.
    pub text: String,
    /// First character, counted in Unicode scalar values from the start of the part.
    pub start: usize,
    /// After the last character.
    pub end: usize,
    /// The normalised value: E.164 for a phone, `{name, lat, lon, country}` for a geocoded place, …
    #[schema(value_type = Object)]
    pub normalized: serde_json::Value,
    /// How sure the extractor is, 0 to 1.
    pub confidence: f32,
    /// The extractor that found it.
    pub source: String,
}

/// A trafficking-indicator hit found in a record.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorMention {
    /// Where in the record.
    #[schema(value_type = String, example = "narrative")]
    pub part: TextPart,
    /// The text as written.
    pub text: String,
    /// First character in the part.
    pub start: usize,
    /// After the last character.
    pub end: usize,
    /// The indicator's category ("possible minor", "movement", …).
    pub category: String,
    /// Its weight, 0 to 1.
    pub weight: f32,
    /// Why it is an indicator.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_parts_round_trip() {
        for text in [
            "title",
            "narrative",
            "fields.victim_name",
            "fields.phones.2",
        ] {
            let part: TextPart = text.parse().unwrap();
            assert_eq!(part.to_string(), text);
        }
        for bad in [
            "",
            "fields",
            "fields.Bad",
            "fields.a.b",
            "fields.a.1.2",
            "other",
        ] {
            assert!(bad.parse::<TextPart>().is_err(), "{bad}");
        }
    }

    #[test]
    fn entity_kinds_round_trip() {
        for kind in EntityKind::ALL {
            assert_eq!(kind.as_str().parse::<EntityKind>(), Ok(kind));
        }
    }
}
