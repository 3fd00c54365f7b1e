//! Areas on the globe, and the H3 cells that let the index and the percolator find the points in
//! one without looking at every point: a point is indexed by its cells at a few resolutions, an
//! area is covered by cells at one of them, and the candidates are then checked exactly.

use h3o::{CellIndex, LatLng, Resolution};

use crate::Point;

/// Mean radius of the Earth in metres, as H3 uses it.
const EARTH_RADIUS_M: f64 = 6_371_007.180_918_475;

/// The resolutions points are indexed at, coarsest first: edges of about 418 km, 60 km, 8.5 km
/// and 1.2 km.
pub const RESOLUTIONS: [Resolution; 4] = [
    Resolution::One,
    Resolution::Three,
    Resolution::Five,
    Resolution::Seven,
];

/// The largest cover [`GeoArea::cover`] makes; a finer resolution that would need more cells is
/// passed over for a coarser one.
const MAX_COVER: usize = 400;

/// A geographic filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeoArea {
    /// A box between two parallels and two meridians; `west > east` crosses the antimeridian.
    Box {
        /// Southern latitude.
        south: f64,
        /// Western longitude.
        west: f64,
        /// Northern latitude.
        north: f64,
        /// Eastern longitude.
        east: f64,
    },
    /// Everything within `radius_m` metres of a point.
    Circle {
        /// The centre.
        center: Point,
        /// Radius in metres, positive.
        radius_m: f64,
    },
}

impl GeoArea {
    /// Whether `point` lies in the area.
    pub fn contains(&self, point: Point) -> bool {
        match *self {
            Self::Box {
                south,
                west,
                north,
                east,
            } => {
                let in_latitude = (south..=north).contains(&point.lat);
                let in_longitude = if west <= east {
                    (west..=east).contains(&point.lon)
                } else {
                    point.lon >= west || point.lon <= east
                };
                in_latitude && in_longitude
            }
            Self::Circle { center, radius_m } => distance_m(center, point) <= radius_m,
        }
    }

    /// The smallest circle around the area: its centre and radius in metres.
    fn bounding_circle(&self) -> (Point, f64) {
        match *self {
            Self::Circle { center, radius_m } => (center, radius_m),
            Self::Box {
                south,
                west,
                north,
                east,
            } => {
                let east = if west <= east { east } else { east + 360.0 };
                let mut lon = (west + east) / 2.0;
                if lon > 180.0 {
                    lon -= 360.0;
                }
                let center = Point {
                    lat: (south + north) / 2.0,
                    lon,
                };
                let radius = [
                    Point {
                        lat: south,
                        lon: west,
                    },
                    Point {
                        lat: south,
                        lon: east,
                    },
                    Point {
                        lat: north,
                        lon: west,
                    },
                    Point {
                        lat: north,
                        lon: east,
                    },
                ]
                .into_iter()
                .map(|corner| distance_m(center, corner))
                .fold(0.0, f64::max);
                (center, radius)
            }
        }
    }

    /// Cells that together hold every point of the area, as [`cell_token`]s, or `None` when
    /// the area is too large for any indexed resolution (every point is then a candidate).
    pub fn cover(&self) -> Option<Vec<String>> {
        let (center, radius_m) = self.bounding_circle();
        let center = LatLng::new(center.lat, center.lon).ok()?;
        RESOLUTIONS.iter().rev().find_map(|&resolution| {
            // A ring of k cells around the centre reaches at least k · √3 · edge / 2 ·
            // … ; one cell more makes up for the centre's own offset and the hexagons' shape.
            let step = resolution.edge_length_m() * 3f64.sqrt();
            let k = (radius_m / step).ceil() as u32 + 1;
            let cells = 3 * k as usize * (k as usize + 1) + 1;
            if cells > MAX_COVER {
                return None;
            }
            let cell = center.to_cell(resolution);
            Some(
                cell.grid_disk::<Vec<_>>(k)
                    .into_iter()
                    .map(cell_token)
                    .collect(),
            )
        })
    }
}

/// The cells of `point` at every indexed resolution, as [`cell_token`]s.
pub fn point_cells(point: Point) -> Vec<String> {
    let Ok(latlng) = LatLng::new(point.lat, point.lon) else {
        return Vec::new();
    };
    RESOLUTIONS
        .iter()
        .map(|&resolution| cell_token(latlng.to_cell(resolution)))
        .collect()
}

/// The token a cell is indexed as: its H3 index in hexadecimal, which names its resolution too.
pub fn cell_token(cell: CellIndex) -> String {
    cell.to_string()
}

/// Great-circle distance in metres (haversine).
pub fn distance_m(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: f64, lon: f64) -> Point {
        Point { lat, lon }
    }

    #[test]
    fn a_box_across_the_antimeridian_holds_both_sides() {
        let pacific = GeoArea::Box {
            south: -20.0,
            west: 170.0,
            north: 20.0,
            east: -170.0,
        };
        assert!(pacific.contains(point(0.0, 179.0)));
        assert!(pacific.contains(point(0.0, -175.0)));
        assert!(!pacific.contains(point(0.0, 0.0)));
    }

    #[test]
    fn the_cover_holds_every_point_of_the_area() {
        let areas = [
            GeoArea::Circle {
                center: point(40.7128, -74.006),
                radius_m: 25_000.0,
            },
            GeoArea::Circle {
                center: point(51.5, -0.12),
                radius_m: 800.0,
            },
            GeoArea::Box {
                south: 48.0,
                west: 1.0,
                north: 50.0,
                east: 4.0,
            },
            GeoArea::Box {
                south: -20.0,
                west: 170.0,
                north: 20.0,
                east: -170.0,
            },
        ];
        for area in areas {
            let cover = area.cover().unwrap_or_default();
            assert!(!cover.is_empty(), "{area:?} has a cover");
            let (center, radius) = area.bounding_circle();
            // Points spread over the area, each must have a cell in the cover.
            for i in 0..200 {
                let angle = f64::from(i) * 0.7;
                let fraction = f64::from(i % 10) / 10.0;
                let dlat = (radius * fraction * angle.sin()) / 111_000.0;
                let dlon =
                    (radius * fraction * angle.cos()) / (111_000.0 * center.lat.to_radians().cos());
                let mut inside = point(center.lat + dlat, center.lon + dlon);
                if inside.lon > 180.0 {
                    inside.lon -= 360.0;
                }
                if inside.lon < -180.0 {
                    inside.lon += 360.0;
                }
                if !area.contains(inside) {
                    continue;
                }
                let cells = point_cells(inside);
                assert!(
                    cells.iter().any(|cell| cover.contains(cell)),
                    "{inside:?} in {area:?} is covered"
                );
            }
        }
    }

    #[test]
    fn distances_are_great_circle() {
        let paris = point(48.8566, 2.3522);
        let london = point(51.5074, -0.1278);
        let km = distance_m(paris, london) / 1000.0;
        assert!((340.0..345.0).contains(&km), "{km}");
    }

    #[test]
    fn the_whole_world_has_no_cover() {
        let world = GeoArea::Box {
            south: -90.0,
            west: -180.0,
            north: 90.0,
            east: 180.0,
        };
        assert_eq!(world.cover(), None);
    }
}
