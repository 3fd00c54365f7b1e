//! KML 2.2 layers (or KMZ, zipped): each Placemark with its name, description, address, ExtendedData and geometry
//! (Point, LineString, LinearRing, Polygon, MultiGeometry). Elements are matched by local name, so any namespace
//! prefix is tolerated; everything else (styles, folders, overlays) is passed over.

use geojson::{Geometry, GeometryValue, Position};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

use super::{FeatureParts, LayerColumns, LayerFormat, LayerRead, MAX_FEATURES, Placer, zipped};
use crate::error::{Error, Result};

/// Deeper than any real KML (document, folders, placemark, multi-geometry, polygon, ring, coordinates); a hostile
/// file nesting millions of elements is refused before its stack grows.
const MAX_DEPTH: usize = 100;

const FORMAT: LayerFormat = LayerFormat::Kml;

/// Reads KML, or KMZ when `bytes` are a zip archive.
pub(super) fn read(
    bytes: &[u8],
    columns: &LayerColumns,
    placer: &mut Placer<'_>,
) -> Result<LayerRead> {
    let unzipped;
    let bytes = if bytes.starts_with(b"PK\x03\x04") {
        unzipped = zipped::kml_of_kmz(bytes)?;
        unzipped.as_slice()
    } else {
        bytes
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|error| malformed(format!("not UTF-8: {error}")))?;
    let mut reader = Reader::from_str(text);
    let mut kml = Kml {
        columns,
        placer,
        read: LayerRead::default(),
        stack: Vec::new(),
        placemarks: 0,
        placemark: None,
        text: String::new(),
        data_name: None,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|error| malformed(format!("{error} (at byte {})", reader.error_position())))?;
        match event {
            Event::Start(element) => kml.start(&element)?,
            Event::Empty(element) => {
                kml.start(&element)?;
                kml.end();
            }
            Event::End(_) => kml.end(),
            Event::Text(text) => kml.text(&text.xml10_content()),
            Event::CData(text) => kml.text(&text.xml10_content()),
            Event::GeneralRef(reference) => {
                let character = reference.resolve_char_ref().ok().flatten();
                let mut buffer = [0; 4];
                let text = match character {
                    Some(character) => Some(&*character.encode_utf8(&mut buffer)),
                    None => {
                        quick_xml::escape::resolve_predefined_entity(&reference.xml10_content())
                    }
                };
                if let Some(text) = text {
                    kml.text(text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !kml.stack.is_empty() {
        return Err(malformed("the document ends inside an element".to_owned()));
    }
    Ok(kml.read)
}

fn malformed(reason: String) -> Error {
    Error::Malformed {
        format: FORMAT,
        reason,
    }
}

/// The elements that matter, by local name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Placemark,
    Name,
    Description,
    Address,
    Data,
    Value,
    SimpleData,
    Point,
    LineString,
    LinearRing,
    Polygon,
    OuterBoundary,
    InnerBoundary,
    MultiGeometry,
    Coordinates,
    Other,
}

impl Tag {
    fn of(local_name: &str) -> Tag {
        match local_name {
            "Placemark" => Tag::Placemark,
            "name" => Tag::Name,
            "description" => Tag::Description,
            "address" => Tag::Address,
            "Data" => Tag::Data,
            "value" => Tag::Value,
            "SimpleData" => Tag::SimpleData,
            "Point" => Tag::Point,
            "LineString" => Tag::LineString,
            "LinearRing" => Tag::LinearRing,
            "Polygon" => Tag::Polygon,
            "outerBoundaryIs" => Tag::OuterBoundary,
            "innerBoundaryIs" => Tag::InnerBoundary,
            "MultiGeometry" => Tag::MultiGeometry,
            "coordinates" => Tag::Coordinates,
            _ => Tag::Other,
        }
    }

    /// Whether the element's text is kept.
    fn has_text(self) -> bool {
        matches!(
            self,
            Tag::Name
                | Tag::Description
                | Tag::Address
                | Tag::Value
                | Tag::SimpleData
                | Tag::Coordinates
        )
    }
}

/// Where a KML reading stands.
struct Kml<'c, 'p, 'g> {
    columns: &'c LayerColumns,
    placer: &'p mut Placer<'g>,
    read: LayerRead,
    /// The open elements.
    stack: Vec<Tag>,
    /// Placemarks begun so far.
    placemarks: usize,
    placemark: Option<Placemark>,
    /// Text of the open text element inside a placemark.
    text: String,
    /// The `name` of the open Data or SimpleData element.
    data_name: Option<String>,
}

/// A placemark being read.
struct Placemark {
    number: usize,
    /// How many elements were open outside it.
    depth: usize,
    name: Option<String>,
    address: Option<String>,
    properties: Map<String, Value>,
    /// Geometries being built, innermost last.
    building: Vec<Shape>,
    geometry: Option<GeometryValue>,
    /// Why it cannot be placed, when its content says so.
    problem: Option<String>,
}

/// A geometry being built.
enum Shape {
    Point(Vec<Position>),
    LineString(Vec<Position>),
    LinearRing(Vec<Position>),
    Polygon {
        outer: Option<Vec<Position>>,
        inner: Vec<Vec<Position>>,
    },
    MultiGeometry(Vec<GeometryValue>),
}

impl Kml<'_, '_, '_> {
    fn start(&mut self, element: &BytesStart<'_>) -> Result<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::Limit {
                format: FORMAT,
                reason: format!("elements are nested more than {MAX_DEPTH} deep"),
            });
        }
        let tag = Tag::of(element.local_name().as_ref());
        if tag == Tag::Placemark && self.placemark.is_none() {
            self.placemarks += 1;
            if self.placemarks > MAX_FEATURES {
                return Err(Error::Limit {
                    format: FORMAT,
                    reason: format!("more than {MAX_FEATURES} placemarks"),
                });
            }
            self.placemark = Some(Placemark {
                number: self.placemarks,
                depth: self.stack.len(),
                name: None,
                address: None,
                properties: Map::new(),
                building: Vec::new(),
                geometry: None,
                problem: None,
            });
        }
        if let Some(placemark) = &mut self.placemark {
            match tag {
                Tag::Data | Tag::SimpleData => self.data_name = attribute(element, "name")?,
                Tag::Point => placemark.building.push(Shape::Point(Vec::new())),
                Tag::LineString => placemark.building.push(Shape::LineString(Vec::new())),
                Tag::LinearRing => placemark.building.push(Shape::LinearRing(Vec::new())),
                Tag::Polygon => placemark.building.push(Shape::Polygon {
                    outer: None,
                    inner: Vec::new(),
                }),
                Tag::MultiGeometry => placemark.building.push(Shape::MultiGeometry(Vec::new())),
                _ => {}
            }
        }
        if tag.has_text() {
            self.text.clear();
        }
        self.stack.push(tag);
        Ok(())
    }

    fn text(&mut self, text: &str) {
        if self.placemark.is_some() && self.stack.last().is_some_and(|tag| tag.has_text()) {
            self.text.push_str(text);
        }
    }

    fn end(&mut self) {
        let Some(tag) = self.stack.pop() else {
            return;
        };
        let parent = self.stack.last().copied();
        let Some(placemark) = &mut self.placemark else {
            return;
        };
        let text = || self.text.trim().to_owned();
        match tag {
            Tag::Name if parent == Some(Tag::Placemark) => placemark.name = Some(text()),
            Tag::Address if parent == Some(Tag::Placemark) => placemark.address = Some(text()),
            Tag::Description if parent == Some(Tag::Placemark) => {
                placemark
                    .properties
                    .insert("description".to_owned(), Value::String(text()));
            }
            Tag::Value if parent == Some(Tag::Data) => {
                if let Some(name) = self.data_name.take() {
                    placemark.properties.insert(name, Value::String(text()));
                }
            }
            Tag::SimpleData => {
                if let Some(name) = self.data_name.take() {
                    placemark.properties.insert(name, Value::String(text()));
                }
            }
            Tag::Coordinates => match coordinates(&self.text) {
                Ok(positions) => placemark.set_positions(positions),
                Err(problem) => {
                    placemark.problem.get_or_insert(problem);
                }
            },
            Tag::Point | Tag::LineString | Tag::LinearRing | Tag::Polygon | Tag::MultiGeometry => {
                placemark.finish_shape(parent);
            }
            Tag::Placemark if self.stack.len() == placemark.depth => self.finish_placemark(),
            _ => {}
        }
    }

    fn finish_placemark(&mut self) {
        let Some(placemark) = self.placemark.take() else {
            return;
        };
        FeatureParts {
            number: placemark.number,
            noun: "placemark",
            name: placemark.name,
            geometry: placemark.geometry.map(Geometry::new),
            properties: placemark.properties,
            address: placemark.address,
            problem: placemark.problem,
        }
        .place(self.columns, self.placer, &mut self.read);
    }
}

impl Placemark {
    /// Gives the innermost point, line or ring its coordinates.
    fn set_positions(&mut self, positions: Vec<Position>) {
        if let Some(Shape::Point(p) | Shape::LineString(p) | Shape::LinearRing(p)) =
            self.building.last_mut()
        {
            *p = positions;
        }
    }

    /// Completes the innermost shape: a ring becomes its polygon's boundary, anything else a geometry of the
    /// enclosing MultiGeometry, or the placemark's own (the first, if it has several).
    fn finish_shape(&mut self, parent: Option<Tag>) {
        let Some(shape) = self.building.pop() else {
            return;
        };
        let value = match shape {
            Shape::Point(positions) => positions.into_iter().next().map(GeometryValue::new_point),
            Shape::LineString(positions) => Some(GeometryValue::new_line_string(positions)),
            Shape::LinearRing(positions) => {
                if let Some(Shape::Polygon { outer, inner }) = self.building.last_mut() {
                    match parent {
                        Some(Tag::OuterBoundary) => *outer = Some(positions),
                        Some(Tag::InnerBoundary) => inner.push(positions),
                        _ => {}
                    }
                    return;
                }
                // A ring on its own is drawn as its line.
                Some(GeometryValue::new_line_string(positions))
            }
            Shape::Polygon { outer, inner } => outer.map(|outer| GeometryValue::Polygon {
                coordinates: std::iter::once(outer).chain(inner).collect(),
            }),
            Shape::MultiGeometry(members) => Some(GeometryValue::new_geometry_collection(
                members.into_iter().map(Geometry::new),
            )),
        };
        let Some(value) = value else {
            return;
        };
        match self.building.last_mut() {
            Some(Shape::MultiGeometry(members)) => members.push(value),
            _ => {
                self.geometry.get_or_insert(value);
            }
        }
    }
}

/// KML coordinates: `lon,lat[,alt]` tuples separated by whitespace (spaces after the commas tolerated).
fn coordinates(text: &str) -> Result<Vec<Position>, String> {
    let joined = text.split(',').map(str::trim).collect::<Vec<_>>().join(",");
    joined
        .split_whitespace()
        .map(|tuple| {
            let numbers = tuple
                .split(',')
                .map(str::parse::<f64>)
                .collect::<Result<Vec<f64>, _>>()
                .ok()
                .filter(|n| (2..=3).contains(&n.len()))
                .ok_or_else(|| {
                    format!("coordinates {tuple:?} are not longitude,latitude[,altitude]")
                })?;
            Ok(Position::from(numbers))
        })
        .collect()
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
    let attribute = element
        .try_get_attribute(name)
        .map_err(|error| malformed(error.to_string()))?;
    attribute
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
        })
        .transpose()
        .map_err(|error| malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_coordinate_tuples() {
        let positions = coordinates(" 1.5,2.5,10\n 3, 4 ").unwrap();
        let slices: Vec<&[f64]> = positions.iter().map(Position::as_slice).collect();
        assert_eq!(slices, [&[1.5, 2.5, 10.0][..], &[3.0, 4.0][..]]);
        assert!(coordinates("1,2,3,4").is_err());
        assert!(coordinates("1;2").is_err());
        assert!(coordinates("").unwrap().is_empty());
    }
}
