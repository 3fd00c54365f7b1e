//! GeoJSON layers: a FeatureCollection, a single Feature or a bare Geometry.

use geojson::{Feature, GeoJson};
use serde_json::Value;

use super::{FeatureParts, LayerColumns, LayerFormat, LayerRead, MAX_FEATURES, Placer};
use crate::error::{Error, Result};

/// Reads GeoJSON (UTF-8, a byte order mark tolerated). JSON nesting is bounded by the parser's recursion limit;
/// at most [`MAX_FEATURES`] features are taken.
pub(super) fn read(
    bytes: &[u8],
    columns: &LayerColumns,
    placer: &mut Placer<'_>,
) -> Result<LayerRead> {
    let format = LayerFormat::GeoJson;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let document: GeoJson = serde_json::from_slice(bytes).map_err(|error| Error::Malformed {
        format,
        reason: error.to_string(),
    })?;
    let features = match document {
        GeoJson::FeatureCollection(collection) => collection.features,
        GeoJson::Feature(feature) => vec![feature],
        GeoJson::Geometry(geometry) => vec![Feature::from(geometry)],
    };
    if features.len() > MAX_FEATURES {
        return Err(Error::Limit {
            format,
            reason: format!("{} features; the limit is {MAX_FEATURES}", features.len()),
        });
    }
    let mut read = LayerRead::default();
    for (index, feature) in features.into_iter().enumerate() {
        let mut properties = feature.properties.unwrap_or_default();
        if let Some(id) = feature.id
            && !properties.contains_key("id")
        {
            let id = match id {
                geojson::feature::Id::String(id) => Value::String(id),
                geojson::feature::Id::Number(id) => Value::Number(id),
            };
            properties.insert("id".to_owned(), id);
        }
        FeatureParts {
            number: index + 1,
            noun: "feature",
            name: None,
            geometry: feature.geometry,
            properties,
            address: None,
            problem: None,
        }
        .place(columns, placer, &mut read);
    }
    Ok(read)
}
