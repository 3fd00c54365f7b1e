//! Exports for other GIS tools: points as GeoJSON (RFC 7946) or KML 2.2, and H3 cell counts as GeoJSON polygons.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::aggregate::CellCount;

/// One located thing to export: an entity, a record, a layer feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportFeature {
    /// Its identifier in Humdex.
    pub id: String,
    /// What it is ("record", "person", "place", …).
    pub kind: String,
    /// Its display name.
    pub name: String,
    /// Latitude in degrees (WGS 84).
    pub lat: f64,
    /// Longitude in degrees (WGS 84).
    pub lon: f64,
    /// When it happened or was seen, in RFC 3339.
    pub time: Option<String>,
    /// Further attributes.
    pub properties: Map<String, Value>,
}

impl ExportFeature {
    /// Whether the point can be written: both coordinates finite, the latitude in -90..=90.
    fn locatable(&self) -> bool {
        (-90.0..=90.0).contains(&self.lat) && self.lon.is_finite()
    }
}

/// A GeoJSON FeatureCollection of points (`[lon, lat]`, as RFC 7946 orders them) with the feature's `id` and its
/// properties plus `kind`, `name` and, when set, `time` (these win over properties of the same names). Features
/// without a valid coordinate are left out, since GeoJSON has no way to write them.
pub fn to_geojson(features: &[ExportFeature]) -> Value {
    let features: Vec<Value> = features
        .iter()
        .filter(|f| f.locatable())
        .map(|f| {
            let mut properties = f.properties.clone();
            properties.insert("kind".to_owned(), f.kind.clone().into());
            properties.insert("name".to_owned(), f.name.clone().into());
            if let Some(time) = &f.time {
                properties.insert("time".to_owned(), time.clone().into());
            }
            json!({
                "type": "Feature",
                "id": f.id,
                "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                "properties": properties,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// A KML 2.2 document titled `title` with a Placemark per feature: its name, a TimeStamp when `time` is set, and
/// ExtendedData with `id`, `kind` and the properties (text as it is, other values as JSON). All text is escaped and
/// characters XML cannot carry are dropped. Features without a valid coordinate are left out.
pub fn to_kml(features: &[ExportFeature], title: &str) -> String {
    let mut kml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n",
    );
    // Writing to a String cannot fail.
    let _ = writeln!(kml, "<name>{}</name>", xml_text(title));
    for f in features.iter().filter(|f| f.locatable()) {
        kml.push_str("<Placemark>\n");
        let _ = writeln!(kml, "<name>{}</name>", xml_text(&f.name));
        if let Some(time) = &f.time {
            let _ = writeln!(
                kml,
                "<TimeStamp><when>{}</when></TimeStamp>",
                xml_text(time)
            );
        }
        kml.push_str("<ExtendedData>\n");
        let own = [("id", &f.id), ("kind", &f.kind)];
        let data = own.iter().map(|(k, v)| (*k, v.as_str().into())).chain(
            f.properties
                .iter()
                .filter(|(k, _)| !own.iter().any(|(o, _)| o == k))
                .map(|(k, v)| (k.as_str(), property_text(v))),
        );
        for (name, value) in data {
            let _ = writeln!(
                kml,
                "<Data name=\"{}\"><value>{}</value></Data>",
                xml_text(name),
                xml_text(&value)
            );
        }
        kml.push_str("</ExtendedData>\n");
        let _ = writeln!(
            kml,
            "<Point><coordinates>{},{}</coordinates></Point>",
            f.lon, f.lat
        );
        kml.push_str("</Placemark>\n");
    }
    kml.push_str("</Document>\n</kml>\n");
    kml
}

/// A GeoJSON FeatureCollection with a Polygon per cell (a closed ring, RFC 7946 order) and the properties `cell` and
/// `count`. A cell across the antimeridian has its longitudes unwrapped (past 180 or -180) so it is drawn as the
/// small hexagon it is, not as a band around the globe; a cell holding a pole is closed along the pole.
pub fn cells_to_geojson(cells: &[CellCount]) -> Value {
    let features: Vec<Value> = cells
        .iter()
        .map(|cell| {
            json!({
                "type": "Feature",
                "id": cell.cell,
                "geometry": {"type": "Polygon", "coordinates": [ring(&cell.boundary)]},
                "properties": {"cell": cell.cell, "count": cell.count},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// A closed `[lon, lat]` ring through the corners, each longitude within 180° of the one before it.
fn ring(corners: &[(f64, f64)]) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = Vec::with_capacity(corners.len() + 3);
    for &(lat, lon) in corners {
        let lon = match ring.last() {
            Some(&[previous, _]) => previous + unwrap_step(previous, lon),
            None => lon,
        };
        ring.push([lon, lat]);
    }
    let (Some(&first), Some(&[last_lon, _])) = (ring.first(), ring.last()) else {
        return ring;
    };
    let [first_lon, first_lat] = first;
    // The first corner again, unwrapped like the others: a full turn of longitude away when the ring goes round a
    // pole, which then closes along the pole.
    let back = last_lon + unwrap_step(last_lon, first_lon);
    if (back - first_lon).abs() > 180.0 {
        let pole = if first_lat >= 0.0 { 90.0 } else { -90.0 };
        ring.extend([[back, first_lat], [back, pole], [first_lon, pole]]);
    }
    ring.push(first);
    ring
}

/// The step from longitude `from` to `to` the short way round, in -180..180.
fn unwrap_step(from: f64, to: f64) -> f64 {
    (to - from + 180.0).rem_euclid(360.0) - 180.0
}

/// A property as KML text: strings as they are, other values as JSON.
fn property_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Text escaped for XML content and attributes, without the control characters XML 1.0 forbids.
fn xml_text(text: &str) -> String {
    let allowed: String = text
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .collect();
    quick_xml::escape::escape(allowed.as_str()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_unwrap_across_the_antimeridian() {
        let ring = ring(&[(0.0, 179.0), (1.0, -179.0), (2.0, 179.5)]);
        assert_eq!(
            ring,
            [[179.0, 0.0], [181.0, 1.0], [179.5, 2.0], [179.0, 0.0]]
        );
    }

    #[test]
    fn rings_round_a_pole_close_along_it() {
        let corners: Vec<(f64, f64)> = (0..6)
            .map(|i| (85.0, -180.0 + 60.0 * f64::from(i)))
            .collect();
        let ring = ring(&corners);
        assert_eq!(ring.first(), ring.last());
        assert!(ring.contains(&[180.0, 90.0]) && ring.contains(&[-180.0, 90.0]));
        let steps = ring
            .windows(2)
            .filter_map(|w| Some((w.first()?[0] - w.get(1)?[0]).abs()));
        assert!(steps.clone().all(|step| step <= 60.0 || step == 360.0));
    }
}
