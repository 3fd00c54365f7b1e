//! The map's per-request work: clustering 200,000 points, and nearest-k and box queries on an index of as many.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use humdex_geo::{BBox, SpatialIndex, cluster};

/// 200,000 points spread evenly over the globe (a Fibonacci lattice), deterministic.
fn points() -> Vec<(f64, f64, u32)> {
    const N: u32 = 200_000;
    let golden_angle = 180.0 * (3.0 - 5.0_f64.sqrt());
    (0..N)
        .map(|i| {
            let z = 1.0 - (2.0 * f64::from(i) + 1.0) / f64::from(N);
            let lon = (f64::from(i) * golden_angle).rem_euclid(360.0) - 180.0;
            (z.asin().to_degrees(), lon, i)
        })
        .collect()
}

fn map(c: &mut Criterion) {
    let points = points();
    for zoom in [3, 8] {
        c.bench_function(&format!("cluster 200k points, zoom {zoom}"), |b| {
            b.iter(|| cluster(points.iter().copied(), zoom, 2_000))
        });
    }
    c.bench_function("index 200k points (bulk load)", |b| {
        b.iter(|| SpatialIndex::from_points(points.clone()))
    });
    let index = SpatialIndex::from_points(points.clone());
    c.bench_function("nearest 10 of 200k, half hidden", |b| {
        b.iter(|| index.nearest(51.5, -0.12, 10, |id| id % 2 == 0))
    });
    let view = BBox::parse("170,-10,-170,10").unwrap_or(BBox::WORLD);
    c.bench_function("within a 20°×20° view across the antimeridian", |b| {
        b.iter(|| index.within(&view, |_| true))
    });
}

criterion_group!(benches, map);
criterion_main!(benches);
