//! The embedded gazetteer and place resolution.

use serde::Serialize;

/// A resolved place: what a geocoded location mention normalises to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The gazetteer's name for the place.
    pub name: String,
    /// Latitude in decimal degrees (WGS 84).
    pub lat: f64,
    /// Longitude in decimal degrees (WGS 84).
    pub lon: f64,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// The embedded GeoNames gazetteer.
pub struct Gazetteer {}
