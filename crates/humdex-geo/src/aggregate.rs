//! Counts of points per H3 cell: a map of where things are without showing any one of them.

use h3o::{CellIndex, LatLng, Resolution};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, Result};

/// How many points fall in one H3 cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellCount {
    /// The H3 index in hexadecimal ("85283473fffffff").
    pub cell: String,
    /// How many points.
    pub count: u64,
    /// Latitude of the cell's centre.
    pub lat: f64,
    /// Longitude of the cell's centre.
    pub lon: f64,
    /// The cell's corners as (latitude, longitude), counter-clockwise, the first not repeated at the end; longitudes
    /// as H3 gives them (a cell across the antimeridian jumps from 180 to -180: see
    /// [`cells_to_geojson`](crate::cells_to_geojson)).
    pub boundary: Vec<(f64, f64)>,
}

/// Counts points per H3 cell at `resolution` (0 coarsest, 15 finest), in cell-index order. Fails on a resolution
/// above 15 or a point with a latitude outside -90..=90 or a coordinate that is not finite.
pub fn aggregate(
    points: impl Iterator<Item = (f64, f64)>,
    resolution: u8,
) -> Result<Vec<CellCount>> {
    let h3_resolution =
        Resolution::try_from(resolution).map_err(|_| Error::InvalidResolution(resolution))?;
    let mut counts: FxHashMap<CellIndex, u64> = FxHashMap::default();
    for (lat, lon) in points {
        let at = LatLng::new(lat, lon)
            .ok()
            .filter(|_| (-90.0..=90.0).contains(&lat))
            .ok_or(Error::InvalidCoordinate { lat, lon })?;
        *counts.entry(at.to_cell(h3_resolution)).or_default() += 1;
    }
    let mut counts: Vec<(CellIndex, u64)> = counts.into_iter().collect();
    counts.sort_unstable();
    Ok(counts
        .into_iter()
        .map(|(cell, count)| {
            let center = LatLng::from(cell);
            CellCount {
                cell: cell.to_string(),
                count,
                lat: center.lat(),
                lon: center.lng(),
                boundary: cell
                    .boundary()
                    .iter()
                    .map(|corner| (corner.lat(), corner.lng()))
                    .collect(),
            }
        })
        .collect())
}

/// Parses an aggregation parameter, `h3:<resolution>` ("h3:5"), into the resolution (0..=15).
pub fn parse_aggregate(text: &str) -> Result<u8> {
    text.trim()
        .strip_prefix("h3:")
        .and_then(|resolution| resolution.trim().parse::<u8>().ok())
        .filter(|&resolution| resolution <= 15)
        .ok_or_else(|| Error::InvalidAggregate(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_h3_resolutions() {
        assert_eq!(parse_aggregate("h3:5").unwrap(), 5);
        assert_eq!(parse_aggregate(" h3:15 ").unwrap(), 15);
        assert_eq!(parse_aggregate("h3:0").unwrap(), 0);
        for bad in ["h3:16", "h3:", "h3:-1", "s2:5", "5", "h3:5.5", ""] {
            assert!(parse_aggregate(bad).is_err(), "{bad}");
        }
    }
}
