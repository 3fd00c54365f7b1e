//! Geography for Humdex: an embedded GeoNames gazetteer (cities with population ≥ 15,000, CC BY 4.0) and the
//! resolution of a place mention to coordinates.
#![warn(missing_docs)]

mod gazetteer;

pub use gazetteer::{Gazetteer, Place};
