//! Exact Hamming search at 1M and 10M hashes, on one core: build time, latency per query image
//! (8 needles) and per query hash, p50/p99, checked against the linear scan and the planted
//! near-duplicates (recall must be 100 %). Writes the hashes and its figures for the FAISS peer
//! (`bench/hamming.sh` runs both).
//!
//! Environment: HAMMING_BENCH_SIZES (default 1000000,10000000), HAMMING_BENCH_OUT (default the
//! workspace's target/bench-hamming), HAMMING_BENCH_CROSSOVER (sizes for the linear/multi-index crossover,
//! default 25000,50000,100000,200000,400000,1000000; "off" skips it).
#![allow(missing_docs)]
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark fails loudly"
)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;
use humdex_imagehash::Hash256;
use humdex_imagehash::index::{LinearIndex, Match, MihIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const IMAGES: usize = 100;
const NEEDLES: usize = 8;
const COPIES_PER_IMAGE: usize = 10;
/// Planted copies differ from their needle in up to this many bits; those within
/// [`MAX_DISTANCE`] must all be found.
const MAX_FLIPS: usize = 40;
const MAX_DISTANCE: u32 = 31;
const WIDE_DISTANCE: u32 = 47;
const SEED: u64 = 0x5eed_4a44;

/// A near-duplicate planted in the haystack: of needle `needle` of image `image`.
struct Planted {
    position: usize,
    image: usize,
    needle: usize,
    distance: u32,
}

struct Data {
    haystack: Vec<Hash256>,
    /// Each query image's eight needles, standing for its dihedral hashes.
    images: Vec<[Hash256; NEEDLES]>,
    planted: Vec<Planted>,
}

impl Data {
    /// Random hashes; each image's copies are its first hash (half of them) or another of its
    /// needles (a rotated or mirrored copy) with 0 to 40 bits flipped, all within the first
    /// million positions so that every size holds them.
    fn generate(size: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut haystack: Vec<Hash256> = (0..size).map(|_| Hash256(rng.random())).collect();
        let images: Vec<[Hash256; NEEDLES]> = (0..IMAGES)
            .map(|_| std::array::from_fn(|_| Hash256(rng.random())))
            .collect();
        let spread = size.min(1_000_000);
        let mut positions =
            rand::seq::index::sample(&mut rng, spread, IMAGES * COPIES_PER_IMAGE).into_iter();
        let mut planted = Vec::new();
        for (image, needles) in images.iter().enumerate() {
            for _ in 0..COPIES_PER_IMAGE {
                let needle = if rng.random_bool(0.5) {
                    0
                } else {
                    rng.random_range(1..NEEDLES)
                };
                let flips = rng.random_range(0..=MAX_FLIPS);
                let mut words = needles[needle].0;
                for bit in rand::seq::index::sample(&mut rng, 256, flips) {
                    words[bit / 64] ^= 1 << (bit % 64);
                }
                let position = positions.next().unwrap();
                haystack[position] = Hash256(words);
                planted.push(Planted {
                    position,
                    image,
                    needle,
                    distance: flips as u32,
                });
            }
        }
        Self {
            haystack,
            images,
            planted,
        }
    }

    fn linear(&self, size: usize) -> LinearIndex {
        self.haystack[..size]
            .iter()
            .enumerate()
            .map(|(id, &hash)| (id as u64, hash))
            .collect()
    }

    fn single_needles(&self) -> Vec<Hash256> {
        self.images.iter().flatten().copied().collect()
    }

    /// Hashes as 32 little-endian bytes each (word 0 first; bit order does not change a
    /// Hamming distance), the needles likewise, and the planted copies as text.
    #[expect(
        clippy::disallowed_methods,
        reason = "the benchmark writes its data for the peer"
    )]
    fn write(&self, directory: &Path) {
        std::fs::create_dir_all(directory).unwrap();
        let bytes = |hashes: &mut dyn Iterator<Item = &Hash256>| -> Vec<u8> {
            hashes
                .flat_map(|hash| hash.0.iter().flat_map(|word| word.to_le_bytes()))
                .collect()
        };
        std::fs::write(
            directory.join("haystack.bin"),
            bytes(&mut self.haystack.iter()),
        )
        .unwrap();
        std::fs::write(
            directory.join("needles.bin"),
            bytes(&mut self.images.iter().flatten()),
        )
        .unwrap();
        let mut planted = String::from("position\timage\tneedle\tdistance\n");
        for copy in &self.planted {
            writeln!(
                planted,
                "{}\t{}\t{}\t{}",
                copy.position, copy.image, copy.needle, copy.distance
            )
            .unwrap();
        }
        std::fs::write(directory.join("planted.tsv"), planted).unwrap();
    }
}

/// Latencies of one kind of query: wall-clock per query, and the thread's CPU time over all of
/// them, which preemption on a shared machine does not inflate.
struct Latencies {
    wall: Vec<Duration>,
    cpu_ms: f64,
}

impl Latencies {
    fn millis(&self, quantile: f64) -> f64 {
        let mut sorted = self.wall.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * quantile).round() as usize;
        sorted[index].as_secs_f64() * 1e3
    }

    fn mean(&self) -> f64 {
        self.wall.iter().map(Duration::as_secs_f64).sum::<f64>() * 1e3 / self.wall.len() as f64
    }

    fn cpu_mean(&self) -> f64 {
        self.cpu_ms / self.wall.len() as f64
    }
}

/// Runs every query `passes` times (the first pass warms up unless it is the only one) and
/// keeps the last pass's answers.
fn time_queries<Q>(
    queries: &[Q],
    passes: usize,
    mut search: impl FnMut(&Q) -> Vec<Match>,
) -> (Latencies, Vec<Vec<Match>>) {
    let mut wall = Vec::new();
    let mut cpu = Duration::ZERO;
    let mut answers = Vec::new();
    for pass in 0..passes {
        let measured = pass > 0 || passes == 1;
        answers.clear();
        let cpu_start = ThreadTime::now();
        for query in queries {
            let start = Instant::now();
            let found = search(query);
            if measured {
                wall.push(start.elapsed());
            }
            answers.push(found);
        }
        if measured {
            cpu += cpu_start.elapsed();
        }
    }
    let cpu_ms = cpu.as_secs_f64() * 1e3;
    (Latencies { wall, cpu_ms }, answers)
}

/// The figures, printed as a table and written as `name<TAB>value` for the peer's ratios.
#[derive(Default)]
struct Report {
    rows: Vec<(String, String)>,
    values: Vec<(String, f64)>,
}

impl Report {
    fn latencies(&mut self, key: &str, label: &str, latencies: &Latencies) {
        let (p50, p99, mean) = (
            latencies.millis(0.5),
            latencies.millis(0.99),
            latencies.mean(),
        );
        let cpu = latencies.cpu_mean();
        self.values.push((format!("{key}_cpu_ms"), cpu));
        self.rows.push((
            label.into(),
            format!(
                "p50 {p50:.3} ms  p99 {p99:.3} ms  mean {mean:.3} ms  cpu {cpu:.3} ms  ({} queries)",
                latencies.wall.len()
            ),
        ));
        self.values.extend([
            (format!("{key}_p50_ms"), p50),
            (format!("{key}_p99_ms"), p99),
            (format!("{key}_mean_ms"), mean),
        ]);
    }

    fn value(&mut self, key: &str, label: &str, value: f64, unit: &str) {
        self.rows.push((label.into(), format!("{value:.3} {unit}")));
        self.values.push((key.into(), value));
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "the benchmark writes its figures for the peer"
    )]
    fn finish(&self, directory: &Path) {
        let width = self
            .rows
            .iter()
            .map(|(label, _)| label.len())
            .max()
            .unwrap_or(0);
        for (label, value) in &self.rows {
            println!("{label:width$}  {value}");
        }
        let mut file = std::fs::File::create(directory.join("ours.tsv")).unwrap();
        for (key, value) in &self.values {
            writeln!(file, "{key}\t{value}").unwrap();
        }
    }
}

fn label(size: usize) -> String {
    if size.is_multiple_of(1_000_000) {
        format!("{}M", size / 1_000_000)
    } else {
        format!("{}k", size / 1_000)
    }
}

fn sizes_from(variable: &str, default: &str) -> Vec<usize> {
    let text = std::env::var(variable).unwrap_or_else(|_| default.into());
    if text == "off" {
        return Vec::new();
    }
    text.split(',')
        .map(|size| size.trim().parse().expect("sizes are numbers"))
        .collect()
}

/// One line per single-needle query: its answers as `id:distance`, by id.
#[expect(
    clippy::disallowed_methods,
    reason = "the benchmark writes its answers for the peer"
)]
fn write_answers(path: &Path, answers: &[Vec<Match>]) {
    let mut text = String::new();
    for found in answers {
        let mut found = found.clone();
        found.sort_by_key(|found| found.id);
        let line: Vec<String> = found
            .iter()
            .map(|found| format!("{}:{}", found.id, found.distance))
            .collect();
        writeln!(text, "{}", line.join(" ")).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Every planted copy within `MAX_DISTANCE` of its needle must be among `found` (indexed by
/// image, or by image and needle) at its distance or nearer. Returns how many were checked.
fn check_recall<'a>(data: &Data, size: usize, found: impl Fn(&Planted) -> &'a [Match]) -> usize {
    let mut checked = 0;
    for copy in data
        .planted
        .iter()
        .filter(|copy| copy.position < size && copy.distance <= MAX_DISTANCE)
    {
        let answer = found(copy)
            .iter()
            .find(|found| found.id == copy.position as u64);
        assert!(
            answer.is_some_and(|found| found.distance <= copy.distance),
            "planted copy at {} of image {} needle {} missed",
            copy.position,
            copy.image,
            copy.needle
        );
        checked += 1;
    }
    checked
}

fn measure_size(data: &Data, size: usize, out: &Path, report: &mut Report) {
    let name = label(size);
    let needles = data.single_needles();
    eprintln!("hamming bench: {name}: linear scan");
    let linear = data.linear(size);
    let (latencies, by_image) = time_queries(&data.images, 3, |needles| {
        linear.search(needles, MAX_DISTANCE)
    });
    report.latencies(
        &format!("linear_image_{name}"),
        &format!("linear, per image (8 needles), {name}"),
        &latencies,
    );
    // The single-needle answers of the linear scan are the reference for the multi-index's.
    let (latencies, by_needle) = time_queries(&needles, 1, |needle| {
        linear.search(std::slice::from_ref(needle), MAX_DISTANCE)
    });
    report.latencies(
        &format!("linear_hash_{name}"),
        &format!("linear, per hash, {name}"),
        &latencies,
    );
    let recall = check_recall(data, size, |copy| &by_image[copy.image]);
    let recall_single = check_recall(data, size, |copy| {
        &by_needle[copy.image * NEEDLES + copy.needle]
    });
    report.value(
        &format!("recall_{name}"),
        &format!("planted copies found, {name} (of {recall} + {recall_single})"),
        100.0,
        "%",
    );

    eprintln!("hamming bench: {name}: multi-index build");
    let start = Instant::now();
    let index = MihIndex::build(linear).unwrap();
    let build = start.elapsed().as_secs_f64();
    report.value(
        &format!("mih_build_{name}_s"),
        &format!("multi-index build, {name}"),
        build,
        "s",
    );
    report.value(
        &format!("mih_bytes_per_hash_{name}"),
        &format!("multi-index memory per hash, {name}"),
        index.heap_bytes() as f64 / size as f64,
        "B",
    );

    let (latencies, answers) = time_queries(&needles, 3, |needle| {
        index.search(std::slice::from_ref(needle), MAX_DISTANCE)
    });
    write_answers(&out.join(format!("answers-{name}.txt")), &answers);
    assert!(
        answers == by_needle,
        "multi-index and linear scan differ at {name} (single needles)"
    );
    report.latencies(
        &format!("mih_hash_{name}"),
        &format!("multi-index, per hash, {name}"),
        &latencies,
    );
    let (latencies, answers) = time_queries(&data.images, 3, |needles| {
        index.search(needles, MAX_DISTANCE)
    });
    assert!(
        answers == by_image,
        "multi-index and linear scan differ at {name} (images)"
    );
    report.latencies(
        &format!("mih_image_{name}"),
        &format!("multi-index, per image (8 needles), {name}"),
        &latencies,
    );

    let wide: Vec<Hash256> = needles.iter().step_by(4).copied().collect();
    let (latencies, answers) = time_queries(&wide, 2, |needle| {
        index.search(std::slice::from_ref(needle), WIDE_DISTANCE)
    });
    let expected: Vec<Vec<Match>> = wide
        .iter()
        .map(|needle| {
            index
                .entries()
                .search(std::slice::from_ref(needle), WIDE_DISTANCE)
        })
        .collect();
    assert!(
        answers == expected,
        "multi-index and linear scan differ at {name} (distance 47)"
    );
    report.latencies(
        &format!("mih_hash47_{name}"),
        &format!("multi-index, per hash, distance ≤ 47, {name}"),
        &latencies,
    );
}

/// Per-query time of the scan and the multi-index over a range of sizes, to place
/// [`humdex_imagehash::index::HammingIndex`]'s switch between them.
fn crossover(data: &Data, sizes: &[usize]) {
    if sizes.is_empty() {
        return;
    }
    eprintln!("hamming bench: crossover");
    println!("\ncrossover, CPU ms per query (linear / multi-index):");
    println!(
        "{:>6}  {:>18}  {:>18}  {:>18}  {:>18}",
        "size", "image, d ≤ 31", "image, d ≤ 47", "hash, d ≤ 31", "hash, d ≤ 47"
    );
    let single: Vec<Hash256> = data.images.iter().map(|needles| needles[0]).collect();
    for &size in sizes.iter().filter(|&&size| size <= data.haystack.len()) {
        let index = MihIndex::build(data.linear(size)).unwrap();
        let mut line = format!("{:>6}", label(size));
        for (queries, distance) in [
            (&data.images[..], MAX_DISTANCE),
            (&data.images[..], WIDE_DISTANCE),
        ] {
            let (scan, _) = time_queries(queries, 2, |needles| {
                index.entries().search(needles, distance)
            });
            let (probe, _) = time_queries(queries, 2, |needles| index.search(needles, distance));
            write!(
                line,
                "  {:>8.3} / {:>7.3}",
                scan.cpu_mean(),
                probe.cpu_mean()
            )
            .unwrap();
        }
        for distance in [MAX_DISTANCE, WIDE_DISTANCE] {
            let (scan, _) = time_queries(&single, 2, |needle| {
                index
                    .entries()
                    .search(std::slice::from_ref(needle), distance)
            });
            let (probe, _) = time_queries(&single, 2, |needle| {
                index.search(std::slice::from_ref(needle), distance)
            });
            write!(
                line,
                "  {:>8.3} / {:>7.3}",
                scan.cpu_mean(),
                probe.cpu_mean()
            )
            .unwrap();
        }
        println!("{line}");
    }
}

fn main() {
    let sizes = sizes_from("HAMMING_BENCH_SIZES", "1000000,10000000");
    let crossover_sizes = sizes_from(
        "HAMMING_BENCH_CROSSOVER",
        "25000,50000,100000,200000,400000,1000000",
    );
    // Cargo runs a bench in its package's directory; the default is the workspace's target/.
    let out = std::env::var_os("HAMMING_BENCH_OUT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-hamming"),
        PathBuf::from,
    );
    let largest = sizes
        .iter()
        .chain(&crossover_sizes)
        .copied()
        .max()
        .unwrap_or(0);
    let popcnt = cfg!(target_feature = "popcnt");
    let features: Vec<&str> = [
        ("popcnt", popcnt),
        ("avx2", cfg!(target_feature = "avx2")),
        ("avx512vpopcntdq", cfg!(target_feature = "avx512vpopcntdq")),
    ]
    .into_iter()
    .filter_map(|(name, enabled)| enabled.then_some(name))
    .collect();
    println!(
        "target features: {}",
        if features.is_empty() {
            "baseline (no popcnt)".into()
        } else {
            features.join(", ")
        }
    );
    if !popcnt && cfg!(target_arch = "x86_64") {
        eprintln!(
            "hamming bench: built without popcnt; set RUSTFLAGS=\"-C target-cpu=x86-64-v2\" or newer"
        );
    }

    eprintln!("hamming bench: generating {largest} hashes");
    let data = Data::generate(largest);
    data.write(&out);
    let mut report = Report::default();
    for &size in &sizes {
        measure_size(&data, size, &out, &mut report);
    }
    println!(
        "{IMAGES} query images × {NEEDLES} needles, {} planted copies (0–{MAX_FLIPS} bits flipped), distance ≤ {MAX_DISTANCE}, one core",
        data.planted.len()
    );
    report.finish(&out);
    crossover(&data, &crossover_sizes);
}
