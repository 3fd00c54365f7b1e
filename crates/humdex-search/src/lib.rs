//! Search over the archive and the percolator that watches it.
//!
//! Both read the same two things: a record's [`View`]s, one per set of labels a reader might
//! satisfy, so that nothing matches on a field its reader may not see; and a [`Query`] parsed
//! from the analysts' query language, which the tantivy [`index`] answers over the archive and
//! the [`percolator`] answers for each new record against every stored query.

pub mod analyzer;
pub mod geo;
pub mod index;
pub mod percolator;
pub mod query;
mod view;

pub use query::{Exact, GeoArea, ParseContext, ParseError, Query, TextField, parse};
pub use view::{Point, View, ViewEntity, ViewText};
