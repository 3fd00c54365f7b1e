//! What the extractors find.

use std::ops::Range;

use humdex_geo::Place;
pub use humdex_model::EntityKind;
use serde::Serialize;

/// An entity's normalised value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Normalized {
    /// A canonical string: E.164 phone, lower-case e-mail, canonical URL, ISO date, upper-case plate, a weapon's
    /// canonical name, a name with its whitespace collapsed.
    Text(String),
    /// A geocoded place.
    Place(Place),
    /// A point in decimal degrees.
    Point {
        /// Latitude, −90 to 90.
        lat: f64,
        /// Longitude, −180 to 180.
        lon: f64,
    },
    /// An amount with its currency (ISO 4217) or code unit ("roses"), and the time it buys ("hour",
    /// "half hour") when the text gives one.
    Money {
        /// The amount.
        amount: f64,
        /// ISO 4217 code, or the code unit standing for money.
        currency: String,
        /// The period the price is for.
        #[serde(skip_serializing_if = "Option::is_none")]
        per: Option<String>,
    },
    /// An age in years.
    Years(u32),
    /// A wallet address with its chain.
    Wallet {
        /// "bitcoin", "ethereum" or "monero".
        chain: &'static str,
        /// The address as written (checksummed form for Ethereum).
        address: String,
    },
    /// A handle with the platform it is on, when the text says.
    Handle {
        /// "snapchat", "instagram", "telegram", "kik", "twitter", …; absent for a bare @name.
        #[serde(skip_serializing_if = "Option::is_none")]
        platform: Option<String>,
        /// The user name, without a leading `@`.
        name: String,
    },
}

/// What an extractor found: a byte span of the analysed text with its type and normalised value.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The type.
    pub kind: EntityKind,
    /// Byte range in the text.
    pub span: Range<usize>,
    /// The normalised value.
    pub normalized: Normalized,
    /// How sure the extractor is, 0 to 1.
    pub confidence: f32,
    /// The extractor's name ("ner", "phone", "crypto", …).
    pub source: &'static str,
}

/// What the text's surroundings tell the extractors.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// ISO 3166-1 alpha-2 region for phone numbers written without a country code.
    pub default_region: Option<String>,
    /// The date the text was written, for dates without a year.
    pub reference_date: Option<jiff::civil::Date>,
}
