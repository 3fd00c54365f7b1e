//! Geometries read from GeoJSON and KML: checked before use, and a representative point for each.

use geo::{Centroid, MultiPolygon, Polygon};
use geojson::{GeometryValue, Position};

use super::check_degrees;

/// Checks every position of a geometry: longitude and latitude first, all numbers finite, in range. Why not, when
/// not.
pub(super) fn check(value: &GeometryValue) -> Result<(), String> {
    match value {
        GeometryValue::Point { coordinates } => check_position(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            coordinates.iter().try_for_each(check_position)
        }
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter().flatten().try_for_each(check_position)
        }
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .flatten()
            .flatten()
            .try_for_each(check_position),
        GeometryValue::GeometryCollection { geometries } => {
            geometries.iter().try_for_each(|g| check(&g.value))
        }
    }
}

fn check_position(position: &Position) -> Result<(), String> {
    let &[lon, lat, ref rest @ ..] = position.as_slice() else {
        return Err(format!(
            "a position has {} numbers; it needs a longitude and a latitude",
            position.len()
        ));
    };
    check_degrees(lat, "latitude", 90.0)?;
    check_degrees(lon, "longitude", 180.0)?;
    match rest.iter().find(|n| !n.is_finite()) {
        Some(n) => Err(format!("altitude {n} is not a finite number")),
        None => Ok(()),
    }
}

/// The point a geometry is shown at, as (latitude, longitude): a point itself, the first point of points or lines,
/// the centroid of areas, the first member's of a collection. None for an empty geometry. The geometry must have
/// passed [`check`].
pub(super) fn representative(value: &GeometryValue) -> Option<(f64, f64)> {
    let first = |positions: &[Position]| positions.first().and_then(lat_lon);
    match value {
        GeometryValue::Point { coordinates } => lat_lon(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            first(coordinates)
        }
        GeometryValue::MultiLineString { coordinates } => {
            coordinates.iter().find_map(|line| first(line))
        }
        GeometryValue::Polygon { .. } => Polygon::<f64>::try_from(value)
            .ok()?
            .centroid()
            .map(|p| (p.y(), p.x())),
        GeometryValue::MultiPolygon { .. } => MultiPolygon::<f64>::try_from(value)
            .ok()?
            .centroid()
            .map(|p| (p.y(), p.x())),
        GeometryValue::GeometryCollection { geometries } => {
            geometries.iter().find_map(|g| representative(&g.value))
        }
    }
}

fn lat_lon(position: &Position) -> Option<(f64, f64)> {
    match position.as_slice() {
        &[lon, lat, ..] => Some((lat, lon)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn represents_areas_by_centroid_and_lines_by_first_point() {
        let square = GeometryValue::new_polygon([[
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ]]);
        assert_eq!(representative(&square), Some((1.0, 1.0)));
        let line = GeometryValue::new_line_string([[5.0, 6.0], [7.0, 8.0]]);
        assert_eq!(representative(&line), Some((6.0, 5.0)));
        assert_eq!(
            representative(&GeometryValue::new_line_string(Vec::<[f64; 2]>::new())),
            None
        );
    }

    #[test]
    fn checks_positions() {
        assert!(check(&GeometryValue::new_point([10.0, 20.0])).is_ok());
        assert!(check(&GeometryValue::new_point([200.0, 20.0])).is_err());
        assert!(check(&GeometryValue::new_point(vec![1.0])).is_err());
        assert!(check(&GeometryValue::new_point([1.0, 2.0, f64::NAN])).is_err());
    }
}
