//! What can go wrong in this crate: input that is not what it says it is.

use crate::layer::LayerFormat;

/// An error from parsing a query parameter, aggregating points or reading a map layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bounding box that is not `west,south,east,north`: four finite numbers, latitudes within -90..=90 and
    /// south not above north.
    #[error("invalid bounding box {input:?}: {reason}")]
    InvalidBBox {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An aggregation that is not `h3:<resolution>` with a resolution in 0..=15.
    #[error("invalid aggregation {0:?}: expected h3:<resolution 0-15>, such as h3:5")]
    InvalidAggregate(String),
    /// An H3 resolution outside 0..=15.
    #[error("H3 resolution {0} is out of range 0-15")]
    InvalidResolution(u8),
    /// A point whose latitude is not in -90..=90 or whose longitude is not finite.
    #[error("invalid coordinate: latitude {lat}, longitude {lon}")]
    InvalidCoordinate {
        /// The latitude given.
        lat: f64,
        /// The longitude given.
        lon: f64,
    },
    /// A layer file that is not well-formed in its format (broken CSV quoting, invalid JSON or XML, a damaged
    /// workbook).
    #[error("malformed {format} file: {reason}")]
    Malformed {
        /// The format it was read as.
        format: LayerFormat,
        /// What the reader found wrong, with its position where it knows it.
        reason: String,
    },
    /// A layer file past one of the reading limits (features, nesting depth, expanded size), which keep a hostile
    /// file from exhausting memory.
    #[error("{format} file refused: {reason}")]
    Limit {
        /// The format it was read as.
        format: LayerFormat,
        /// Which limit it passed.
        reason: String,
    },
    /// A table (CSV, XLSX) given to [`crate::read_layer`]: its rows are read by a table reader and placed with
    /// [`crate::place_rows`], so that this crate holds no spreadsheet parser.
    #[error("a {0} table is placed row by row with place_rows, not read as a layer file")]
    Table(LayerFormat),
    /// A column the analyst named is not in the table's header.
    #[error("column {column:?} is not in the header (columns: {header})")]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The header's columns, comma-separated.
        header: String,
    },
    /// A table with neither latitude and longitude columns nor a place or address column to geocode.
    #[error(
        "no location columns: expected latitude and longitude, or a place or address to look up \
         (columns: {header})"
    )]
    NoLocationColumns {
        /// The header's columns, comma-separated.
        header: String,
    },
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
