//! Longitude/latitude boxes, including boxes that cross the antimeridian.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A box of longitudes and latitudes in degrees (WGS 84). When `west > east` the box crosses the antimeridian: it
/// holds the longitudes from `west` to 180 and from -180 to `east`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Western edge, in -180..=180.
    pub west: f64,
    /// Southern edge, in -90..=90.
    pub south: f64,
    /// Eastern edge, in -180..=180.
    pub east: f64,
    /// Northern edge, in -90..=90, not below `south`.
    pub north: f64,
}

impl BBox {
    /// The whole globe.
    pub const WORLD: BBox = BBox {
        west: -180.0,
        south: -90.0,
        east: 180.0,
        north: 90.0,
    };

    /// Parses `west,south,east,north` in degrees, as web maps send a view. Latitudes must lie in -90..=90 with south
    /// not above north. Longitudes outside -180..=180 (a map panned across the date line reports them so) are
    /// wrapped, and a box 360° wide or wider is the whole world; `west > east` after wrapping means the box crosses
    /// the antimeridian.
    pub fn parse(text: &str) -> Result<BBox> {
        let invalid = |reason| Error::InvalidBBox {
            input: text.to_owned(),
            reason,
        };
        let numbers = text
            .split(',')
            .map(|n| n.trim().parse::<f64>())
            .collect::<Result<Vec<f64>, _>>()
            .map_err(|_| invalid("expected four numbers: west,south,east,north"))?;
        let &[west, south, east, north] = numbers.as_slice() else {
            return Err(invalid("expected four numbers: west,south,east,north"));
        };
        if !numbers.iter().all(|n| n.is_finite()) {
            return Err(invalid("the numbers must be finite"));
        }
        if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
            return Err(invalid("latitudes must lie within -90 to 90"));
        }
        if south > north {
            return Err(invalid("south is above north"));
        }
        let (west, east) = if west < east && east - west >= 360.0 {
            (-180.0, 180.0)
        } else {
            (wrap_longitude(west), wrap_longitude(east))
        };
        Ok(BBox {
            west,
            south,
            east,
            north,
        })
    }

    /// Whether the box crosses the antimeridian (`west > east`).
    pub fn crosses_antimeridian(&self) -> bool {
        self.west > self.east
    }

    /// Whether the point lies in the box, edges included (longitudes -180 and 180 are the same meridian).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        if !(self.south..=self.north).contains(&lat) || !lon.is_finite() {
            return false;
        }
        let lon = wrap_longitude(lon);
        self.holds_longitude(lon) || (lon.abs() == 180.0 && self.holds_longitude(-lon))
    }

    fn holds_longitude(&self, lon: f64) -> bool {
        if self.crosses_antimeridian() {
            lon >= self.west || lon <= self.east
        } else {
            (self.west..=self.east).contains(&lon)
        }
    }
}

/// A longitude in -180..=180, turned by whole circles when outside it.
pub(crate) fn wrap_longitude(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

/// Grows into the smallest box around the points added, crossing the antimeridian where that is narrower.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    south: f64,
    north: f64,
    west: f64,
    east: f64,
    /// The westernmost of the eastern longitudes (0..=180) and the easternmost of the western ones (-180..0): the
    /// edges of the box that crosses the antimeridian instead.
    east_side_west: f64,
    west_side_east: f64,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            south: f64::INFINITY,
            north: f64::NEG_INFINITY,
            west: f64::INFINITY,
            east: f64::NEG_INFINITY,
            east_side_west: f64::INFINITY,
            west_side_east: f64::NEG_INFINITY,
        }
    }
}

impl Bounds {
    /// Adds a point with a latitude in -90..=90 and a longitude in -180..=180.
    pub fn add(&mut self, lat: f64, lon: f64) {
        self.south = self.south.min(lat);
        self.north = self.north.max(lat);
        self.west = self.west.min(lon);
        self.east = self.east.max(lon);
        if lon >= 0.0 {
            self.east_side_west = self.east_side_west.min(lon);
        } else {
            self.west_side_east = self.west_side_east.max(lon);
        }
    }

    /// The box, if any point was added. Its edges are longitudes as added, unrounded.
    pub fn bbox(&self) -> Option<BBox> {
        if self.south > self.north {
            return None;
        }
        let both_sides = self.west_side_east.is_finite() && self.east_side_west.is_finite();
        let crossing_width = self.west_side_east + 360.0 - self.east_side_west;
        let (west, east) = if both_sides && crossing_width < self.east - self.west {
            (self.east_side_west, self.west_side_east)
        } else {
            (self.west, self.east)
        };
        Some(BBox {
            west,
            south: self.south,
            east,
            north: self.north,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let bbox = BBox::parse(" -10.5, 40 ,5,50").unwrap();
        assert_eq!(
            (bbox.west, bbox.south, bbox.east, bbox.north),
            (-10.5, 40.0, 5.0, 50.0)
        );
        for bad in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "a,1,2,3",
            "0,91,10,92",
            "0,10,10,5",
            "NaN,0,1,1",
            "0,0,inf,1",
        ] {
            assert!(BBox::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wraps_web_map_longitudes() {
        let bbox = BBox::parse("100,-10,250,40").unwrap();
        assert_eq!((bbox.west, bbox.east), (100.0, -110.0));
        assert!(bbox.crosses_antimeridian());
        assert_eq!(BBox::parse("-270,-85,270,85").unwrap().west, -180.0);
        assert!(
            !BBox::parse("-270,-85,270,85")
                .unwrap()
                .crosses_antimeridian()
        );
    }

    #[test]
    fn bounds_cross_the_antimeridian_when_narrower() {
        let mut bounds = Bounds::default();
        assert!(bounds.bbox().is_none());
        bounds.add(10.0, 179.0);
        bounds.add(12.0, -179.5);
        let bbox = bounds.bbox().unwrap();
        assert_eq!((bbox.west, bbox.east), (179.0, -179.5));
        assert_eq!((bbox.south, bbox.north), (10.0, 12.0));
        for (lons, expected) in [
            ([-10.0, 20.0], (-10.0, 20.0)),
            ([10.0, 20.0], (10.0, 20.0)),
            ([-20.0, -10.0], (-20.0, -10.0)),
        ] {
            let mut bounds = Bounds::default();
            for lon in lons {
                bounds.add(0.0, lon);
            }
            let bbox = bounds.bbox().unwrap();
            assert_eq!((bbox.west, bbox.east), expected);
        }
    }
}
