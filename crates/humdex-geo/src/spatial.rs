//! A spatial index for nearest-k and bounding-box queries. Points are kept as 3-D unit vectors, where straight-line
//! (chord) distance orders points exactly as great-circle distance does: nearest-k is right across the date line and
//! near the poles, where longitude/latitude boxes are not.

use geo::{Distance, Haversine, Point};
use rstar::primitives::GeomWithData;
use rstar::{AABB, Envelope, RTree, SelectionFunction};

use crate::bbox::BBox;

/// A point with what it locates, as the tree stores it.
type Node<T> = GeomWithData<[f64; 3], Located<T>>;

#[derive(Debug, Clone)]
struct Located<T> {
    lat: f64,
    lon: f64,
    item: T,
}

/// Items located at points on the globe, for nearest-k and bounding-box queries (an R*-tree over unit vectors).
#[derive(Debug, Clone)]
pub struct SpatialIndex<T> {
    tree: RTree<Node<T>>,
}

impl<T> Default for SpatialIndex<T> {
    fn default() -> Self {
        Self { tree: RTree::new() }
    }
}

impl<T> SpatialIndex<T> {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// An index of `points` (latitude, longitude, item), built in one pass (faster than inserting one by one and
    /// giving a better tree). Points with a latitude outside -90..=90 or a coordinate that is not finite are left
    /// out; [`SpatialIndex::len`] tells how many went in.
    pub fn from_points(points: Vec<(f64, f64, T)>) -> Self {
        let nodes = points
            .into_iter()
            .filter_map(|(lat, lon, item)| node(lat, lon, item))
            .collect();
        Self {
            tree: RTree::bulk_load(nodes),
        }
    }

    /// Adds `item` at a point. Returns false, and adds nothing, when the latitude is outside -90..=90 or a
    /// coordinate is not finite.
    pub fn insert(&mut self, lat: f64, lon: f64, item: T) -> bool {
        node(lat, lon, item).map(|n| self.tree.insert(n)).is_some()
    }

    /// Removes one `item` inserted at exactly this latitude and longitude; whether there was one.
    pub fn remove(&mut self, lat: f64, lon: f64, item: &T) -> bool
    where
        T: PartialEq,
    {
        let Some(point) = unit_vector(lat, lon) else {
            return false;
        };
        self.tree
            .remove_with_selection_function(Exactly {
                point,
                lat,
                lon,
                item,
            })
            .is_some()
    }

    /// How many items the index holds.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether the index holds no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k` items nearest to a point that `filter` accepts, nearest first, each with its great-circle distance
    /// in metres. Items the filter rejects (not visible to the caller, say) do not count towards `k`. An invalid
    /// query point finds nothing.
    pub fn nearest(
        &self,
        lat: f64,
        lon: f64,
        k: usize,
        mut filter: impl FnMut(&T) -> bool,
    ) -> Vec<(&T, f64)> {
        let Some(query) = unit_vector(lat, lon) else {
            return Vec::new();
        };
        self.tree
            .nearest_neighbor_iter_with_distance_2(&query)
            .filter(|(node, _)| filter(&node.data.item))
            .take(k)
            .map(|(node, chord_squared)| (&node.data.item, chord_to_metres(chord_squared)))
            .collect()
    }

    /// The items inside `bbox` (edges included, antimeridian-crossing boxes too) that `filter` accepts, in no
    /// particular order.
    pub fn within(&self, bbox: &BBox, mut filter: impl FnMut(&T) -> bool) -> Vec<&T> {
        self.tree
            .locate_in_envelope(&envelope(bbox))
            .filter(|node| bbox.contains(node.data.lat, node.data.lon) && filter(&node.data.item))
            .map(|node| &node.data.item)
            .collect()
    }
}

/// The great-circle distance between two points in metres, by the haversine formula on a sphere of the WGS 84 mean
/// radius (6,371,008.8 m).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    Haversine.distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
}

/// The point on the unit sphere, if the latitude is in range and both coordinates are finite.
pub(crate) fn unit_vector(lat: f64, lon: f64) -> Option<[f64; 3]> {
    if !(-90.0..=90.0).contains(&lat) || !lon.is_finite() {
        return None;
    }
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    Some([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()])
}

fn node<T>(lat: f64, lon: f64, item: T) -> Option<Node<T>> {
    unit_vector(lat, lon).map(|point| GeomWithData::new(point, Located { lat, lon, item }))
}

/// The great-circle distance in metres for a squared chord between unit vectors: the same ordering, so results stay
/// ascending.
fn chord_to_metres(chord_squared: f64) -> f64 {
    2.0 * Haversine.radius() * (chord_squared.sqrt() / 2.0).min(1.0).asin()
}

/// The 3-D box around the part of the unit sphere inside `bbox`: a first cut, refined by [`BBox::contains`].
fn envelope(bbox: &BBox) -> AABB<[f64; 3]> {
    let (south, north) = (bbox.south.to_radians(), bbox.north.to_radians());
    // cos(latitude) is largest at the equator when the box holds it, else at the edge nearer to it.
    let cos_lat = Span::of([south.cos(), north.cos()]);
    let cos_lat = if south <= 0.0 && north >= 0.0 {
        Span {
            max: 1.0,
            ..cos_lat
        }
    } else {
        cos_lat
    };
    let east = if bbox.crosses_antimeridian() {
        bbox.east + 360.0
    } else {
        bbox.east
    };
    // cos and sin of longitude are extreme at the box's edges or at the multiples of 90° between them.
    let quarter_turns = (-2..=6)
        .map(|k| f64::from(k) * 90.0)
        .filter(|&lon| lon > bbox.west && lon < east);
    let longitudes: Vec<f64> = [bbox.west, east]
        .into_iter()
        .chain(quarter_turns)
        .map(f64::to_radians)
        .collect();
    let cos_lon = Span::of(longitudes.iter().map(|l| l.cos()));
    let sin_lon = Span::of(longitudes.iter().map(|l| l.sin()));
    // x = cos(lat)·cos(lon) and y = cos(lat)·sin(lon) with cos(lat) ≥ 0: extreme at the corners.
    let x = cos_lat.times(cos_lon);
    let y = cos_lat.times(sin_lon);
    let z = Span::of([south.sin(), north.sin()]);
    // A margin for rounding; BBox::contains makes the exact decision.
    const MARGIN: f64 = 1e-9;
    AABB::from_corners(
        [x.min - MARGIN, y.min - MARGIN, z.min - MARGIN],
        [x.max + MARGIN, y.max + MARGIN, z.max + MARGIN],
    )
}

#[derive(Debug, Clone, Copy)]
struct Span {
    min: f64,
    max: f64,
}

impl Span {
    fn of(values: impl IntoIterator<Item = f64>) -> Self {
        values.into_iter().fold(
            Span {
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
            },
            |s, v| Span {
                min: s.min.min(v),
                max: s.max.max(v),
            },
        )
    }

    fn times(self, other: Span) -> Span {
        Span::of([
            self.min * other.min,
            self.min * other.max,
            self.max * other.min,
            self.max * other.max,
        ])
    }
}

/// Selects the node of one item at one exact point.
struct Exactly<'a, T> {
    point: [f64; 3],
    lat: f64,
    lon: f64,
    item: &'a T,
}

impl<T: PartialEq> SelectionFunction<Node<T>> for Exactly<'_, T> {
    fn should_unpack_parent(&self, envelope: &AABB<[f64; 3]>) -> bool {
        envelope.contains_point(&self.point)
    }

    fn should_unpack_leaf(&self, leaf: &Node<T>) -> bool {
        leaf.data.lat == self.lat && leaf.data.lon == self.lon && leaf.data.item == *self.item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_agree_with_the_haversine() {
        let (a, b) = ((51.5074, -0.1278), (40.7128, -74.006));
        let chord = {
            let (p, q) = (
                unit_vector(a.0, a.1).unwrap(),
                unit_vector(b.0, b.1).unwrap(),
            );
            p.iter().zip(q).map(|(p, q)| (p - q) * (p - q)).sum::<f64>()
        };
        let haversine = distance_m(a.0, a.1, b.0, b.1);
        assert!((chord_to_metres(chord) - haversine).abs() < 1e-6);
        assert!((haversine - 5_570_222.0).abs() < 1_000.0);
    }

    #[test]
    fn envelopes_hold_their_boxes() {
        for bbox in [
            BBox::WORLD,
            BBox::parse("170,-20,-170,20").unwrap(),
            BBox::parse("-10,60,30,90").unwrap(),
            BBox::parse("95,-80,100,-70").unwrap(),
        ] {
            let envelope = envelope(&bbox);
            for lat in (-90..=90).map(f64::from) {
                for lon in (-180..=180).map(f64::from) {
                    if bbox.contains(lat, lon) {
                        assert!(
                            envelope.contains_point(&unit_vector(lat, lon).unwrap()),
                            "{bbox:?} {lat} {lon}"
                        );
                    }
                }
            }
        }
    }
}
