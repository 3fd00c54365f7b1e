use humdex_geo::{BBox, SpatialIndex, distance_m};
use proptest::prelude::*;

/// Points anywhere, with many near the antimeridian and the poles, where longitude/latitude boxes mislead.
fn point() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        (-90.0..=90.0, -180.0..=180.0),
        (-5.0..=5.0, 175.0..=180.0),
        (-5.0..=5.0, -180.0..=-175.0),
        (85.0..=90.0, -180.0..=180.0),
        (-90.0..=-85.0, -180.0..=180.0),
    ]
}

/// Visible to the caller: two in three.
fn visible(id: &usize) -> bool {
    !id.is_multiple_of(3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn nearest_k_matches_brute_force(
        points in prop::collection::vec(point(), 0..200),
        query in point(),
        k in 0_usize..25,
        bulk in any::<bool>(),
    ) {
        let located: Vec<(f64, f64, usize)> =
            points.iter().enumerate().map(|(id, &(lat, lon))| (lat, lon, id)).collect();
        let index = if bulk {
            SpatialIndex::from_points(located.clone())
        } else {
            let mut index = SpatialIndex::new();
            for &(lat, lon, id) in &located {
                prop_assert!(index.insert(lat, lon, id));
            }
            index
        };
        prop_assert_eq!(index.len(), points.len());

        let found = index.nearest(query.0, query.1, k, visible);
        let mut expected: Vec<f64> = located
            .iter()
            .filter(|(_, _, id)| visible(id))
            .map(|&(lat, lon, _)| distance_m(query.0, query.1, lat, lon))
            .collect();
        expected.sort_by(f64::total_cmp);
        expected.truncate(k);

        prop_assert_eq!(found.len(), expected.len());
        for pair in found.windows(2) {
            prop_assert!(pair[0].1 <= pair[1].1, "not ascending: {:?}", found);
        }
        let mut ids: Vec<usize> = found.iter().map(|(id, _)| **id).collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(ids.len(), found.len());
        for (&(&id, distance), want) in found.iter().zip(&expected) {
            prop_assert!(visible(&id));
            let (lat, lon) = points[id];
            let exact = distance_m(query.0, query.1, lat, lon);
            // Ties may come in either order, but the distances are the brute force's, to rounding.
            prop_assert!((distance - exact).abs() < 1e-3, "{} vs {}", distance, exact);
            prop_assert!((distance - want).abs() < 1e-3, "{} vs {}", distance, want);
        }
    }

    #[test]
    fn within_matches_brute_force(
        points in prop::collection::vec(point(), 0..200),
        west in -180.0..=180.0_f64,
        width in 0.0..120.0_f64,
        south in -90.0..=90.0_f64,
        height in 0.0..60.0_f64,
    ) {
        let east = if west + width > 180.0 { west + width - 360.0 } else { west + width };
        let bbox = BBox { west, south, east, north: (south + height).min(90.0) };
        let index = SpatialIndex::from_points(
            points.iter().enumerate().map(|(id, &(lat, lon))| (lat, lon, id)).collect(),
        );
        let mut found: Vec<usize> = index.within(&bbox, visible).into_iter().copied().collect();
        found.sort_unstable();
        let expected: Vec<usize> = points
            .iter()
            .enumerate()
            .filter(|&(id, &(lat, lon))| visible(&id) && bbox.contains(lat, lon))
            .map(|(id, _)| id)
            .collect();
        prop_assert_eq!(found, expected);
    }
}

#[test]
fn nearest_crosses_the_date_line_and_the_pole() {
    let index = SpatialIndex::from_points(vec![
        (0.0, -179.99, "across the date line"),
        (0.0, 179.5, "same side, farther"),
        (89.9, 180.0, "over the pole"),
        (89.0, 0.0, "same meridian, farther"),
    ]);
    let near_date_line = index.nearest(0.0, 179.99, 1, |_| true);
    assert_eq!(near_date_line[0].0, &"across the date line");
    assert!(
        (near_date_line[0].1 - 2_223.9).abs() < 1.0,
        "{near_date_line:?}"
    );
    let near_pole = index.nearest(89.9, 0.0, 1, |_| true);
    assert_eq!(near_pole[0].0, &"over the pole");
    assert!((near_pole[0].1 - 22_239.0).abs() < 10.0, "{near_pole:?}");
}

#[test]
fn hidden_items_do_not_use_up_k() {
    let index =
        SpatialIndex::from_points((0..100).map(|i| (0.0, f64::from(i) * 0.01, i)).collect());
    let found = index.nearest(0.0, 0.0, 3, |&i| i >= 50);
    let ids: Vec<i32> = found.iter().map(|(i, _)| **i).collect();
    assert_eq!(ids, [50, 51, 52]);
}

#[test]
fn invalid_points_are_refused() {
    let mut index = SpatialIndex::new();
    assert!(!index.insert(91.0, 0.0, 1));
    assert!(!index.insert(f64::NAN, 0.0, 2));
    assert!(!index.insert(0.0, f64::INFINITY, 3));
    assert!(index.is_empty());
    assert!(index.nearest(f64::NAN, 0.0, 5, |_| true).is_empty());
    let index = SpatialIndex::from_points(vec![(0.0, 0.0, 1), (-90.5, 0.0, 2)]);
    assert_eq!(index.len(), 1);
}

#[test]
fn remove_takes_out_one_exact_item() {
    let mut index = SpatialIndex::new();
    index.insert(10.0, 20.0, "a");
    index.insert(10.0, 20.0, "b");
    index.insert(10.0, 20.0, "a");
    assert!(!index.remove(10.0, 20.0, &"c"));
    assert!(!index.remove(10.0, 20.1, &"a"));
    assert!(index.remove(10.0, 20.0, &"a"));
    assert_eq!(index.len(), 2);
    assert!(index.remove(10.0, 20.0, &"a"));
    assert!(!index.remove(10.0, 20.0, &"a"));
    let left: Vec<&&str> = index.within(&BBox::WORLD, |_| true);
    assert_eq!(left, [&"b"]);
}

#[test]
fn boxes_across_the_antimeridian_hold_both_sides() {
    let bbox = BBox::parse("170,-10,-170,10").unwrap();
    assert!(bbox.crosses_antimeridian());
    for (lat, lon, inside) in [
        (0.0, 175.0, true),
        (0.0, -175.0, true),
        (0.0, 180.0, true),
        (0.0, -180.0, true),
        (0.0, 0.0, false),
        (0.0, 169.0, false),
        (11.0, 175.0, false),
    ] {
        assert_eq!(bbox.contains(lat, lon), inside, "{lat},{lon}");
    }
    let index = SpatialIndex::from_points(vec![
        (0.0, 175.0, "east of the line"),
        (0.0, -175.0, "west of the line"),
        (0.0, 0.0, "Greenwich"),
    ]);
    let mut found = index.within(&bbox, |_| true);
    found.sort_unstable();
    assert_eq!(found, [&"east of the line", &"west of the line"]);
    assert_eq!(index.within(&BBox::WORLD, |_| true).len(), 3);
}

#[test]
fn distance_is_the_haversine_on_the_mean_radius() {
    // London to New York; a quarter of the equator.
    assert!((distance_m(51.5074, -0.1278, 40.7128, -74.006) - 5_570_230.0).abs() < 100.0);
    let quarter = distance_m(0.0, 0.0, 0.0, 90.0);
    assert!((quarter - 6_371_008.8 * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
}
