//! Resolution speed on a 2 kB ad-like text, and the gazetteer's parse time.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use humdex_geo::Gazetteer;

const AD: &str = "NEW in houston tonight!! Sweet girl visiting from Dallas, TX, outcall only. \
    Last week in Paris, Texas and before that Springfield, IL. Call or text, no police, no games. \
    Moving to Portland, OR next month, then Los Angeles and Las Vegas. Ask about Miami or Atlanta, Georgia. \
    I was reading a book in Mobile, she said; may be in new orleans by Friday. ";

fn resolve(c: &mut Criterion) {
    let text = AD.repeat(2_000 / AD.len() + 1);
    let gazetteer = Gazetteer::embedded();
    let mentions = [text.find("Dallas").map_or(0..0, |i| i..i + 6)];
    c.bench_function("resolve 2 kB", |b| {
        b.iter(|| gazetteer.resolve(&text, &mentions))
    });
    c.bench_function("parse gazetteer", |b| b.iter(Gazetteer::load));
}

criterion_group!(benches, resolve);
criterion_main!(benches);
