//! Server-side clustering for the map: past a few thousand markers a browser slows down, so points are grouped into
//! H3 cells sized to the map's zoom.

use h3o::{CellIndex, LatLng, Resolution};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::bbox::{BBox, Bounds, wrap_longitude};
use crate::spatial::unit_vector;

/// Points grouped for the map: where they are on average, how many, and the box to zoom to to see them apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// Latitude of the points' centroid on the sphere.
    pub lat: f64,
    /// Longitude of the points' centroid on the sphere (right across the antimeridian).
    pub lon: f64,
    /// How many points.
    pub count: u64,
    /// The smallest box holding them (crossing the antimeridian when they do).
    pub bbox: BBox,
}

/// What [`cluster`] gives the map. As JSON: `{"type": "points", "items": [[lat, lon, item], …]}` or
/// `{"type": "clusters", "items": [{"lat", "lon", "count", "bbox"}, …]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "type", content = "items")]
pub enum Clustered<T> {
    /// Few enough points to show each: (latitude, longitude, item), as given.
    Points(Vec<(f64, f64, T)>),
    /// Groups, most populous first.
    Clusters(Vec<Cluster>),
}

/// H3 resolution by web-map zoom (0–22; deeper zooms use the last). Chosen so one cell spans about 70 screen pixels:
/// at zoom z a pixel covers 156,543 m / 2^z at the equator, and an H3 cell of resolution r is about twice its mean
/// edge across, 2 × 1,281 km / √7^r; solving gives r ≈ 0.712·z − 1.49, rounded. H3 cells shrink by √7 ≈ 2.65 per
/// resolution and map pixels by 2 per zoom, so cells span 45–115 pixels depending on the zoom (less at zooms 0–2,
/// where resolution 0 is as coarse as H3 goes), and more towards the poles, where Web Mercator stretches the map.
const ZOOM_RESOLUTION: [u8; 23] = [
    0, 0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 13, 14,
];

/// The H3 resolution [`cluster`] groups by at a web-map zoom level.
pub fn zoom_resolution(zoom: u8) -> u8 {
    ZOOM_RESOLUTION
        .get(usize::from(zoom))
        .or(ZOOM_RESOLUTION.last())
        .copied()
        .unwrap_or(0)
}

/// Clusters points for a map at web-map `zoom`. With at most `max_points` points they come back as they are;
/// otherwise they are grouped by the H3 cell holding them, at the resolution [`zoom_resolution`] gives, each group
/// with its count, its centroid on the sphere (the mean of the points' unit vectors, so a group straddling the
/// antimeridian lands on it, not on the far side of the globe) and its bounding box. When clustering, points with an
/// invalid coordinate (latitude outside -90..=90, not finite) are left out. Memory grows with the number of groups,
/// not of points: the points stream through.
pub fn cluster<T>(
    points: impl Iterator<Item = (f64, f64, T)>,
    zoom: u8,
    max_points: usize,
) -> Clustered<T> {
    let mut points = points;
    let mut first = Vec::new();
    for point in points.by_ref() {
        first.push(point);
        if first.len() > max_points {
            break;
        }
    }
    if first.len() <= max_points {
        return Clustered::Points(first);
    }
    let resolution = Resolution::try_from(zoom_resolution(zoom)).unwrap_or(Resolution::Zero);
    let mut groups: FxHashMap<CellIndex, Group> = FxHashMap::default();
    for (lat, lon, _) in first.into_iter().chain(points) {
        let (Some(vector), Ok(at)) = (unit_vector(lat, lon), LatLng::new(lat, lon)) else {
            continue;
        };
        groups
            .entry(at.to_cell(resolution))
            .or_default()
            .add(vector, lat, lon);
    }
    let mut groups: Vec<(CellIndex, Group)> = groups.into_iter().collect();
    groups.sort_unstable_by_key(|(cell, group)| (std::cmp::Reverse(group.count), *cell));
    Clustered::Clusters(
        groups
            .into_iter()
            .filter_map(|(cell, group)| group.cluster(cell))
            .collect(),
    )
}

/// The points of one cell so far.
#[derive(Debug, Default)]
struct Group {
    /// Sum of the points' unit vectors.
    sum: [f64; 3],
    count: u64,
    bounds: Bounds,
}

impl Group {
    fn add(&mut self, vector: [f64; 3], lat: f64, lon: f64) {
        for (sum, v) in self.sum.iter_mut().zip(vector) {
            *sum += v;
        }
        self.count += 1;
        self.bounds.add(lat, wrap_longitude(lon));
    }

    fn cluster(&self, cell: CellIndex) -> Option<Cluster> {
        let [x, y, z] = self.sum;
        let horizontal = x.hypot(y);
        // Points in one cell never cancel out; only rounding could make the sum vanish.
        let (lat, lon) = if horizontal.hypot(z) > f64::EPSILON {
            (z.atan2(horizontal).to_degrees(), y.atan2(x).to_degrees())
        } else {
            let center = LatLng::from(cell);
            (center.lat(), center.lng())
        };
        Some(Cluster {
            lat,
            lon,
            count: self.count,
            bbox: self.bounds.bbox()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_table_follows_its_formula() {
        for (zoom, &resolution) in ZOOM_RESOLUTION.iter().enumerate() {
            let formula = (0.7124 * zoom as f64 - 1.4935).round().clamp(0.0, 15.0);
            assert_eq!(f64::from(resolution), formula, "zoom {zoom}");
        }
        assert_eq!(zoom_resolution(30), 14);
    }

    #[test]
    fn a_cluster_across_the_antimeridian_centres_on_it() {
        let points = [
            (0.001, 179.9999, ()),
            (0.001, -179.9999, ()),
            (-0.001, 179.9999, ()),
        ];
        let Clustered::Clusters(clusters) = cluster(points.into_iter(), 5, 1) else {
            panic!("expected clusters");
        };
        let total: u64 = clusters.iter().map(|c| c.count).sum();
        assert_eq!(total, 3);
        for c in &clusters {
            assert!(c.lon.abs() > 179.99, "{c:?}");
        }
    }
}
