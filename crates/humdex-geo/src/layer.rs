//! Map layers from analysts' files: tables (CSV, XLSX) with coordinates or place names, GeoJSON and KML (or KMZ).
//! GeoJSON and KML are read here; a table's rows are read by a table reader (humdex-ingest's, which also guards
//! against hostile workbooks) and only placed here. Every reader bounds what a file can make it hold, and the
//! placing says which rows or features could not be placed and why.

mod geometry;
mod json;
mod kml;
mod table;
mod zipped;

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::gazetteer::{Gazetteer, Place};

/// At most this many features are read from one GeoJSON or KML file, and a table reader should read no more rows.
pub const MAX_FEATURES: usize = 1_000_000;

/// A layer file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerFormat {
    /// Comma-, semicolon- or tab-separated values with a header row: a table, whose rows [`place_rows`] places.
    Csv,
    /// An Excel workbook; the table on its first worksheet is placed by [`place_rows`].
    Xlsx,
    /// GeoJSON (RFC 7946): a FeatureCollection, a Feature or a bare Geometry.
    GeoJson,
    /// KML 2.2, or KMZ (zipped KML).
    Kml,
}

impl fmt::Display for LayerFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LayerFormat::Csv => "CSV",
            LayerFormat::Xlsx => "XLSX",
            LayerFormat::GeoJson => "GeoJSON",
            LayerFormat::Kml => "KML",
        })
    }
}

impl LayerFormat {
    /// The format's name as stored with a layer: `csv`, `xlsx`, `geojson`, `kml`.
    pub fn as_str(self) -> &'static str {
        match self {
            LayerFormat::Csv => "csv",
            LayerFormat::Xlsx => "xlsx",
            LayerFormat::GeoJson => "geojson",
            LayerFormat::Kml => "kml",
        }
    }

    /// The format of a file, from what its bytes start with where that is telling (a zip holding a workbook or
    /// KML, a JSON object, a `<kml` document), else from its name's extension (`.csv`, `.tsv`, `.txt`, `.xlsx`,
    /// `.geojson`, `.json`, `.kml`, `.kmz`), else CSV if its first line has a separator. None when it is none of
    /// these.
    pub fn detect(filename: &str, bytes: &[u8]) -> Option<LayerFormat> {
        if bytes.starts_with(b"PK\x03\x04") {
            return zipped::detect(bytes);
        }
        let start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let start = start.trim_ascii_start();
        if start.starts_with(b"{") {
            return Some(LayerFormat::GeoJson);
        }
        if start.starts_with(b"<") {
            let head = start.get(..4096).unwrap_or(start);
            return head
                .windows(4)
                .any(|w| w.eq_ignore_ascii_case(b"<kml"))
                .then_some(LayerFormat::Kml);
        }
        let extension = filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv" | "tsv" | "txt") => return Some(LayerFormat::Csv),
            Some("xlsx" | "xlsm") => return Some(LayerFormat::Xlsx),
            Some("geojson" | "json") => return Some(LayerFormat::GeoJson),
            Some("kml" | "kmz") => return Some(LayerFormat::Kml),
            _ => {}
        }
        let first_line = start.split(|&b| b == b'\n').next().unwrap_or_default();
        first_line
            .iter()
            .any(|b| matches!(b, b',' | b';' | b'\t'))
            .then_some(LayerFormat::Csv)
    }
}

/// Which columns (or, for GeoJSON and KML, which properties) hold what. Each is matched to the header
/// case-insensitively; when one is not given it is guessed from the header: name or title; lat, latitude or y;
/// lon, lng, long, longitude or x; place, city, town or location; address, addr or street.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayerColumns {
    /// The feature's name.
    pub name: Option<String>,
    /// Latitude in decimal degrees.
    pub latitude: Option<String>,
    /// Longitude in decimal degrees.
    pub longitude: Option<String>,
    /// A place name to look up in the gazetteer when a row has no coordinates.
    pub place: Option<String>,
    /// An address to look up when a row has neither coordinates nor a place that is found.
    pub address: Option<String>,
}

/// What was read from a layer file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayerRead {
    /// The features that could be placed, in file order.
    pub features: Vec<LayerFeature>,
    /// The rows or features that could not, in file order.
    pub unplaced: Vec<Unplaced>,
}

/// A placed feature of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerFeature {
    /// Its name: the name column or property, else its place or address text, else empty.
    pub name: String,
    /// Latitude of its point, or of its geometry's representative point.
    pub lat: f64,
    /// Longitude of its point, or of its geometry's representative point.
    pub lon: f64,
    /// Its line or polygon geometry (GeoJSON or KML); None for a point. Its representative point is the centroid of
    /// an area, the first point of a line or of several points.
    pub geometry: Option<::geojson::Geometry>,
    /// Its attributes: a table's cells by column, or the GeoJSON properties, or KML's description and data.
    pub properties: Map<String, Value>,
    /// The gazetteer place it was put at ("Houston, US"), when it was placed by a place name or address.
    pub geocoded: Option<String>,
}

/// A row or feature that could not be placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplaced {
    /// Which: the 1-based data row of a table (the row after the header is 1), or the 1-based feature or placemark.
    pub row: usize,
    /// Why, as a sentence for the analyst: `row 7: no coordinates and place "Narnia" not found in the gazetteer`.
    pub reason: String,
}

/// Reads a GeoJSON or KML (KMZ) layer file. Coordinates are used where a feature has them (its geometry, else
/// latitude and longitude properties in decimal degrees, in range; a decimal comma is reported, not guessed at);
/// otherwise its place, then its address, is looked up in `gazetteer` ([`Gazetteer::geocode`]). What cannot be
/// placed is listed in [`LayerRead::unplaced`]. Fails on a malformed file or a file past a limit (more than
/// [`MAX_FEATURES`] features, KML nested too deep, an archive expanding too far).
///
/// A table ([`LayerFormat::Csv`], [`LayerFormat::Xlsx`]) is refused with [`Error::Table`]: its rows are read by a
/// table reader and placed with [`place_rows`], so that this crate holds no spreadsheet parser.
pub fn read_layer(
    bytes: &[u8],
    format: LayerFormat,
    columns: &LayerColumns,
    gazetteer: &Gazetteer,
) -> Result<LayerRead> {
    let mut placer = Placer::new(gazetteer);
    match format {
        LayerFormat::Csv | LayerFormat::Xlsx => Err(Error::Table(format)),
        LayerFormat::GeoJson => json::read(bytes, columns, &mut placer),
        LayerFormat::Kml => kml::read(bytes, columns, &mut placer),
    }
}

/// Places the rows of a table already read (by humdex-ingest's `read_table`, say): `header` names the columns, and
/// each row comes with its number, counted from the header (the row below it is 1), and its cells by column. The
/// columns are matched or guessed as [`LayerColumns`] says. A row's coordinates are used where it has them
/// (decimal degrees, in range; a decimal comma is reported, not guessed at); otherwise its place, then its address,
/// is looked up in `gazetteer` ([`Gazetteer::geocode`]). Each placed row is a feature whose properties are its
/// non-empty cells by header; rows with nothing in them are skipped, and the others that cannot be placed are
/// listed in [`LayerRead::unplaced`] with their numbers. Fails when a named column is not in the header or the
/// header has no location columns.
///
/// Rows are not counted here: the table reader bounds them (to at most [`MAX_FEATURES`]).
pub fn place_rows(
    header: &[String],
    rows: impl IntoIterator<Item = (usize, Vec<String>)>,
    columns: &LayerColumns,
    gazetteer: &Gazetteer,
) -> Result<LayerRead> {
    table::place_rows(header, rows, columns, &mut Placer::new(gazetteer))
}

/// The candidate names of each column, normalised as [`normalise_header`] does.
const NAME_HEADERS: [&str; 2] = ["name", "title"];
const LATITUDE_HEADERS: [&str; 3] = ["lat", "latitude", "y"];
const LONGITUDE_HEADERS: [&str; 5] = ["lon", "lng", "long", "longitude", "x"];
const PLACE_HEADERS: [&str; 4] = ["place", "city", "town", "location"];
const ADDRESS_HEADERS: [&str; 3] = ["address", "addr", "street"];

/// Which column (by position in `header`) holds each role.
#[derive(Debug, Clone, Copy, Default)]
struct Roles {
    name: Option<usize>,
    latitude: Option<usize>,
    longitude: Option<usize>,
    place: Option<usize>,
    address: Option<usize>,
}

impl Roles {
    /// Matches the columns the analyst named, or guesses the others. A named column missing from the header is an
    /// error.
    fn find(header: &[String], columns: &LayerColumns) -> Result<Self> {
        let find = |named: &Option<String>, guesses: &[&str]| -> Result<Option<usize>> {
            match named {
                Some(named) => header
                    .iter()
                    .position(|h| same_name(h, named))
                    .map(Some)
                    .ok_or_else(|| Error::MissingColumn {
                        column: named.clone(),
                        header: header_list(header),
                    }),
                None => Ok(guesses
                    .iter()
                    .find_map(|guess| header.iter().position(|h| normalise_header(h) == *guess))),
            }
        };
        Ok(Self {
            name: find(&columns.name, &NAME_HEADERS)?,
            latitude: find(&columns.latitude, &LATITUDE_HEADERS)?,
            longitude: find(&columns.longitude, &LONGITUDE_HEADERS)?,
            place: find(&columns.place, &PLACE_HEADERS)?,
            address: find(&columns.address, &ADDRESS_HEADERS)?,
        })
    }

    fn has_coordinates(&self) -> bool {
        self.latitude.is_some() && self.longitude.is_some()
    }
}

/// Whether a header or property is the one an analyst named: case and surrounding spaces aside.
fn same_name(header: &str, named: &str) -> bool {
    header.trim().to_lowercase() == named.trim().to_lowercase()
}

/// A header as its guesses are written: lower case, letters and digits only ("Lat." → "lat").
fn normalise_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The header's columns for an error message, the first few only.
fn header_list(header: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut list = header
        .iter()
        .take(SHOWN)
        .map(|h| format!("{h:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if header.len() > SHOWN {
        list.push_str(", …");
    }
    if list.is_empty() {
        list.push_str("none");
    }
    list
}

/// Where a place or address text is in the gazetteer, remembering answers: layers repeat their places.
struct Placer<'g> {
    gazetteer: &'g Gazetteer,
    /// Std's hashing: the texts come from the file, and a hostile one could collide a fixed hash's keys.
    known: HashMap<String, Option<Place>>,
}

/// Enough remembered answers for any layer's distinct places; a file of unique addresses stops being remembered.
const MAX_REMEMBERED: usize = 100_000;

impl<'g> Placer<'g> {
    fn new(gazetteer: &'g Gazetteer) -> Self {
        Self {
            gazetteer,
            known: HashMap::new(),
        }
    }

    fn geocode(&mut self, text: &str) -> Option<Place> {
        if let Some(known) = self.known.get(text) {
            return known.clone();
        }
        let place = self.gazetteer.geocode(text);
        if self.known.len() < MAX_REMEMBERED {
            self.known.insert(text.to_owned(), place.clone());
        }
        place
    }

    /// Places something without coordinates by its place, else its address: the feature, or why it has none
    /// (the end of a sentence that begins "row 7: no coordinates").
    fn place(
        &mut self,
        place: Option<&str>,
        address: Option<&str>,
    ) -> Result<(Place, String), String> {
        let place = place.map(str::trim).filter(|p| !p.is_empty());
        let address = address.map(str::trim).filter(|a| !a.is_empty());
        for text in [place, address].into_iter().flatten() {
            if let Some(found) = self.geocode(text) {
                let label = format!("{}, {}", found.name, found.country);
                return Ok((found, label));
            }
        }
        Err(match (place, address) {
            (Some(place), Some(address)) => format!(
                "no coordinates, and neither place {place:?} nor address {address:?} was found in the gazetteer"
            ),
            (Some(place), None) => {
                format!("no coordinates and place {place:?} not found in the gazetteer")
            }
            (None, Some(address)) => {
                format!("no coordinates and address {address:?} not found in the gazetteer")
            }
            (None, None) => "no coordinates, place or address".to_owned(),
        })
    }
}

/// A feature of a GeoJSON or KML file, before it is placed.
struct FeatureParts {
    /// Its 1-based position in the file.
    number: usize,
    /// What the file calls it, for messages: "feature", "placemark".
    noun: &'static str,
    /// Its own name, where the format has one (KML's `<name>`).
    name: Option<String>,
    geometry: Option<::geojson::Geometry>,
    properties: Map<String, Value>,
    /// Its own address, where the format has one (KML's `<address>`).
    address: Option<String>,
    /// Why it cannot be placed, when reading it told (coordinates that are not numbers).
    problem: Option<String>,
}

impl FeatureParts {
    /// Places the feature by its geometry, else by latitude and longitude properties, else by its place or address,
    /// into `read`.
    fn place(self, columns: &LayerColumns, placer: &mut Placer<'_>, read: &mut LayerRead) {
        let name = columns
            .name
            .as_deref()
            .and_then(|named| property_text(&self.properties, Some(named), &[]))
            .or(self.name)
            .or_else(|| property_text(&self.properties, None, &NAME_HEADERS))
            .unwrap_or_default();
        let placed = match (self.problem, &self.geometry) {
            (Some(problem), _) => Err(problem),
            (None, Some(geometry)) => geometry::check(&geometry.value)
                .and_then(|()| {
                    geometry::representative(&geometry.value)
                        .ok_or_else(|| "its geometry is empty".to_owned())
                })
                .map(|(lat, lon)| (lat, lon, None)),
            (None, None) => {
                let text = |named: &Option<String>, guesses: &[&str]| {
                    property_text(&self.properties, named.as_deref(), guesses)
                };
                let latitude = text(&columns.latitude, &LATITUDE_HEADERS);
                let longitude = text(&columns.longitude, &LONGITUDE_HEADERS);
                if let (Some(lat), Some(lon)) = (latitude, longitude) {
                    parse_degrees(&lat, "latitude", 90.0)
                        .and_then(|lat| Ok((lat, parse_degrees(&lon, "longitude", 180.0)?, None)))
                } else {
                    let place = text(&columns.place, &PLACE_HEADERS);
                    let address = self
                        .address
                        .or_else(|| text(&columns.address, &ADDRESS_HEADERS));
                    placer
                        .place(place.as_deref(), address.as_deref())
                        .map(|(place, label)| (place.lat, place.lon, Some(label)))
                }
            }
        };
        match placed {
            Ok((lat, lon, geocoded)) => read.features.push(LayerFeature {
                name,
                lat,
                lon,
                geometry: self
                    .geometry
                    .filter(|g| !matches!(g.value, ::geojson::GeometryValue::Point { .. })),
                properties: self.properties,
                geocoded,
            }),
            Err(reason) => {
                let named = if name.is_empty() {
                    String::new()
                } else {
                    format!(" ({name:?})")
                };
                read.unplaced.push(Unplaced {
                    row: self.number,
                    reason: format!("{} {}{named}: {reason}", self.noun, self.number),
                });
            }
        }
    }
}

/// The text of a property: the one `named` (case-insensitively), else the first of `guesses` present (as
/// [`normalise_header`] writes them). Strings are trimmed; numbers and booleans written out; empty is none.
fn property_text(
    properties: &Map<String, Value>,
    named: Option<&str>,
    guesses: &[&str],
) -> Option<String> {
    let value = match named {
        Some(named) => properties
            .iter()
            .find(|(key, _)| same_name(key, named))
            .map(|(_, value)| value),
        None => guesses.iter().find_map(|guess| {
            properties
                .iter()
                .find(|(key, _)| normalise_header(key) == *guess)
                .map(|(_, value)| value)
        }),
    }?;
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A latitude or longitude as written in a cell or property: the number, or why it is not one.
fn parse_degrees(text: &str, what: &str, limit: f64) -> Result<f64, String> {
    let text = text.trim();
    let number = text.parse::<f64>().map_err(|_| {
        if text.contains(',') && text.replace(',', ".").parse::<f64>().is_ok() {
            format!("{what} {text:?} has a decimal comma; write it with a decimal point")
        } else {
            format!("{what} {text:?} is not a number in decimal degrees")
        }
    })?;
    check_degrees(number, what, limit)
}

/// A latitude (limit 90) or longitude (limit 180) if it is in range.
fn check_degrees(number: f64, what: &str, limit: f64) -> Result<f64, String> {
    if number.is_finite() && number.abs() <= limit {
        Ok(number)
    } else {
        Err(format!(
            "{what} {number} is out of range (-{limit} to {limit})"
        ))
    }
}
