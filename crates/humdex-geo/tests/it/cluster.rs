use std::collections::{HashMap, HashSet};

use h3o::{CellIndex, LatLng, Resolution};
use humdex_geo::{Clustered, aggregate, cluster, parse_aggregate, zoom_resolution};

/// Deterministic points: half spread over the globe, half in a few dense towns (one on the antimeridian).
#[expect(
    clippy::indexing_slicing,
    reason = "test support fails the test loudly"
)]
fn points(n: usize) -> Vec<(f64, f64, usize)> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // SplitMix64.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1_u64 << 53) as f64
    };
    let towns = [
        (29.76, -95.36),
        (51.76, 19.46),
        (-17.0, 179.99),
        (78.2, 15.6),
    ];
    (0..n)
        .map(|id| {
            let (lat, lon) = if id % 2 == 0 {
                (
                    (next() * 2.0 - 1.0).asin().to_degrees(),
                    next() * 360.0 - 180.0,
                )
            } else {
                let (lat, lon) = towns[id % towns.len()];
                let lon = lon + (next() - 0.5) * 0.2;
                let lon = if lon > 180.0 { lon - 360.0 } else { lon };
                (lat + (next() - 0.5) * 0.2, lon)
            };
            (lat, lon, id)
        })
        .collect()
}

#[test]
fn few_points_come_back_as_they_are() {
    let few = points(50);
    assert_eq!(
        cluster(few.clone().into_iter(), 3, 50),
        Clustered::Points(few.clone())
    );
    assert_eq!(
        cluster(few.clone().into_iter(), 3, 1000),
        Clustered::Points(few)
    );
    assert_eq!(
        cluster(std::iter::empty::<(f64, f64, ())>(), 3, 0),
        Clustered::Points(Vec::new())
    );
}

#[test]
fn two_hundred_thousand_points_cluster_by_cell() {
    let all = points(200_000);
    for zoom in [2, 5, 9] {
        let Clustered::Clusters(clusters) = cluster(all.iter().copied(), zoom, 5_000) else {
            panic!("200,000 points must cluster at zoom {zoom}");
        };
        let resolution = Resolution::try_from(zoom_resolution(zoom)).unwrap();
        let mut by_cell: HashMap<CellIndex, Vec<(f64, f64)>> = HashMap::new();
        for &(lat, lon, _) in &all {
            let cell = LatLng::new(lat, lon).unwrap().to_cell(resolution);
            by_cell.entry(cell).or_default().push((lat, lon));
        }
        assert_eq!(clusters.len(), by_cell.len(), "zoom {zoom}");
        assert_eq!(clusters.iter().map(|c| c.count).sum::<u64>(), 200_000);
        assert!(
            clusters.windows(2).all(|w| w[0].count >= w[1].count),
            "most populous first"
        );
        // Each cluster is the points of one cell: the cell of its centroid or, in the large distorted cells of
        // coarse resolutions, a neighbour of it; all of them, and inside its box.
        let mut matched = HashSet::new();
        for c in &clusters {
            let near: Vec<CellIndex> = LatLng::new(c.lat, c.lon)
                .unwrap()
                .to_cell(resolution)
                .grid_disk(1);
            let cell = near.into_iter().find(|cell| {
                by_cell.get(cell).is_some_and(|members| {
                    members.len() as u64 == c.count
                        && members.iter().all(|&(lat, lon)| c.bbox.contains(lat, lon))
                })
            });
            let cell = cell.unwrap_or_else(|| panic!("zoom {zoom}: no cell for {c:?}"));
            assert!(matched.insert(cell), "zoom {zoom}: two clusters for {cell}");
            // The box is tight, and crosses the antimeridian only when that makes it narrower.
            let members = &by_cell[&cell];
            let lats = members.iter().map(|m| m.0);
            assert_eq!(c.bbox.south, lats.clone().fold(f64::INFINITY, f64::min));
            assert_eq!(c.bbox.north, lats.fold(f64::NEG_INFINITY, f64::max));
            assert!(
                members.iter().any(|m| m.1 == c.bbox.west)
                    && members.iter().any(|m| m.1 == c.bbox.east)
            );
            if c.bbox.crosses_antimeridian() {
                let lons = members.iter().map(|m| m.1);
                let plain = lons.clone().fold(f64::NEG_INFINITY, f64::max)
                    - lons.fold(f64::INFINITY, f64::min);
                assert!(360.0 - (c.bbox.west - c.bbox.east) < plain, "{c:?}");
            }
        }
    }
}

#[test]
fn a_town_on_the_antimeridian_is_one_cluster_on_it() {
    let town: Vec<(f64, f64, ())> = (0..1000)
        .map(|i| {
            let offset = f64::from(i % 10) * 0.0001 - 0.0005;
            let lon = 180.0 + offset;
            (
                -17.0 + f64::from(i / 10) * 0.0001,
                if lon > 180.0 { lon - 360.0 } else { lon },
                (),
            )
        })
        .collect();
    let Clustered::Clusters(clusters) = cluster(town.into_iter(), 6, 10) else {
        panic!("expected clusters");
    };
    let total: u64 = clusters.iter().map(|c| c.count).sum();
    assert_eq!(total, 1000);
    let biggest = &clusters[0];
    assert!(biggest.lon.abs() > 179.99, "{biggest:?}");
    assert!(biggest.bbox.crosses_antimeridian(), "{biggest:?}");
    assert!(
        biggest.bbox.west > 179.99 && biggest.bbox.east < -179.99,
        "{biggest:?}"
    );
}

#[test]
fn invalid_points_are_left_out_of_clusters() {
    let points = vec![
        (10.0, 10.0, 1),
        (f64::NAN, 0.0, 2),
        (95.0, 0.0, 3),
        (10.0, 10.0, 4),
    ];
    let Clustered::Clusters(clusters) = cluster(points.into_iter(), 4, 1) else {
        panic!("expected clusters");
    };
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].count, 2);
}

#[test]
fn aggregate_counts_points_per_cell() {
    let all = points(20_000);
    let resolution = parse_aggregate("h3:4").unwrap();
    let cells = aggregate(all.iter().map(|&(lat, lon, _)| (lat, lon)), resolution).unwrap();
    assert_eq!(cells.iter().map(|c| c.count).sum::<u64>(), 20_000);
    let mut expected: HashMap<String, u64> = HashMap::new();
    for &(lat, lon, _) in &all {
        let cell = LatLng::new(lat, lon).unwrap().to_cell(Resolution::Four);
        *expected.entry(cell.to_string()).or_default() += 1;
    }
    assert_eq!(cells.len(), expected.len());
    for c in &cells {
        assert_eq!(expected[&c.cell], c.count, "{}", c.cell);
        let cell: CellIndex = c.cell.parse().unwrap();
        assert_eq!(cell.resolution(), Resolution::Four);
        let center = LatLng::new(c.lat, c.lon).unwrap().to_cell(Resolution::Four);
        assert_eq!(center, cell);
        assert!((5..=10).contains(&c.boundary.len()), "{:?}", c.boundary);
    }
    assert!(
        cells
            .windows(2)
            .all(|w| w[0].cell.parse::<CellIndex>().unwrap() < w[1].cell.parse().unwrap())
    );
}

#[test]
fn aggregate_refuses_bad_input() {
    assert!(aggregate([(0.0, 0.0)].into_iter(), 16).is_err());
    assert!(aggregate([(91.0, 0.0)].into_iter(), 5).is_err());
    assert!(aggregate([(0.0, f64::NAN)].into_iter(), 5).is_err());
    assert!(aggregate(std::iter::empty(), 15).unwrap().is_empty());
}
