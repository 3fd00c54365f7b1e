//! The analysts' query language and what it parses into.
//!
//! ```text
//! trafficking "massage parlor" (bus OR train) NOT minor* kind:report state:analysis
//! source:hotline phone:+15555550123 entity:"Jane Doe" after:2026-01-01 near:40.71,-74.00,25km
//! ```
//!
//! Words next to each other must all match (`AND` is implied). `NOT` binds tightest, then `AND`
//! (written or implied), then `OR`: `a b OR c` is `(a AND b) OR c`. See [`parse`] for the whole
//! grammar.

mod parse;

use humdex_model::{Channel, EntityKind, Kind, State};
use jiff::Timestamp;

pub use crate::geo::GeoArea;
pub use parse::parse;

/// A parsed query: what must hold of a view for it to match.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Every view (an empty query).
    All,
    /// A token, as [`crate::analyzer::text_analyzer`] makes it, in `field`.
    Term {
        /// Where.
        field: TextField,
        /// The analysed token.
        term: String,
    },
    /// Tokens at consecutive positions in one text of `field`.
    Phrase {
        /// Where.
        field: TextField,
        /// The analysed tokens, two or more.
        terms: Vec<String>,
    },
    /// A token starting with `prefix` (lower-cased and folded, not stemmed) in `field`.
    Prefix {
        /// Where.
        field: TextField,
        /// The prefix, non-empty.
        prefix: String,
    },
    /// A value of a keyword attribute.
    Exact(Exact),
    /// Received at or after `from` and before `to`.
    Received {
        /// Inclusive lower bound.
        from: Option<Timestamp>,
        /// Exclusive upper bound.
        to: Option<Timestamp>,
    },
    /// A place or coordinate of the record lies in the area.
    Within(GeoArea),
    /// All of them.
    And(Vec<Query>),
    /// Any of them.
    Or(Vec<Query>),
    /// Not this one.
    Not(Box<Query>),
}

/// The texts a word query looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Every text of the record: title, narrative and text fields.
    Any,
    /// The title only.
    Title,
}

/// A keyword filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Exact {
    /// `kind:report`
    Kind(Kind),
    /// `state:analysis`
    State(State),
    /// `source:hotline`
    Source(Channel),
    /// `entity:"Jane Doe"` (any type) or `phone:+15555550123` (one type): an entity whose key
    /// (see [`crate::analyzer::entity_key`]) is `key`.
    Entity {
        /// The type, when the filter names one.
        kind: Option<EntityKind>,
        /// The entity key.
        key: String,
    },
    /// `has:phone`: some entity of the type.
    Has(EntityKind),
}

/// What parsing needs besides the text.
#[derive(Debug, Clone, Default)]
pub struct ParseContext {
    /// The region (ISO 3166 alpha-2) of phone numbers written without a country code.
    pub phone_region: Option<String>,
}

/// A query that cannot be parsed: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at character {position}")]
pub struct ParseError {
    /// What is wrong, for a person.
    pub message: String,
    /// Where, in characters (Unicode scalar values) from the start of the query.
    pub position: usize,
    /// How many characters the problem spans, at least 1.
    pub length: usize,
}
