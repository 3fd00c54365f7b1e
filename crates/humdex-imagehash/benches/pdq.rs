//! Time to fingerprint one image with PDQ, in thread CPU time (min of N), on one core.
//!
//! `cargo bench -p humdex-imagehash --bench pdq` times generated images of the usual sizes.
//! `… -- --raw DIR` times the raw RGB files `NAME_WIDTHxHEIGHT.rgb` in DIR and prints one JSON
//! object per file, with the hashes, for bench/pdq/compare.py (which times PyPI `pdqhash` on
//! the same files and checks the hashes are identical).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench on its own inputs fails loudly"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use cpu_time::ThreadTime;
use humdex_imagehash::pdq::{Luma, Resize, fingerprint_rgb};

/// Runs per measurement; the minimum is reported (the machine is shared and noisy).
const RUNS: usize = 5;

struct Image {
    name: String,
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

/// The least thread CPU time of `runs` calls of `work`, with at least one warm-up call.
fn min_time(runs: usize, mut work: impl FnMut()) -> Duration {
    work();
    (0..runs)
        .map(|_| {
            let start = ThreadTime::now();
            work();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn fingerprint_time(image: &Image, resize: Resize, luma: Luma) -> Duration {
    let runs = if image.width * image.height > 4_000_000 {
        RUNS
    } else {
        RUNS * 4
    };
    min_time(runs, || {
        black_box(
            fingerprint_rgb(
                image.width,
                image.height,
                black_box(&image.rgb),
                resize,
                luma,
            )
            .unwrap(),
        );
    })
}

/// A smooth colour pattern with noise, from a fixed seed.
fn generated(width: usize, height: usize) -> Image {
    let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ (width * 7919 + height) as u64;
    let mut rgb = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            for channel in 0..3 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let wave =
                    (x * (channel + 1) * 255 / width + y * (3 - channel) * 255 / height) % 256;
                rgb.push((wave as u8 / 2).wrapping_add((state >> 59) as u8 * 4));
            }
        }
    }
    Image {
        name: format!("{width}x{height}"),
        width,
        height,
        rgb,
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "the bench reads the files it is pointed at"
)]
fn raw_images(dir: &Path) -> Vec<Image> {
    let mut images: Vec<Image> = std::fs::read_dir(dir)
        .expect("a directory of NAME_WxH.rgb files")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_name()?.to_str()?.strip_suffix(".rgb")?.to_owned();
            let (_, size) = stem.rsplit_once('_')?;
            let (width, height) = size.split_once('x')?;
            let (width, height) = (width.parse().ok()?, height.parse().ok()?);
            Some(Image {
                name: stem,
                width,
                height,
                rgb: std::fs::read(&path).ok()?,
            })
        })
        .collect();
    images.sort_by_key(|image| image.width * image.height);
    images
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(dir) = args
        .iter()
        .position(|arg| arg == "--raw")
        .and_then(|at| args.get(at + 1))
    {
        for image in raw_images(Path::new(dir)) {
            let pypi = fingerprint_rgb(
                image.width,
                image.height,
                &image.rgb,
                Resize::Full,
                Luma::Float64,
            )
            .unwrap();
            let json = serde_json::json!({
                "name": image.name,
                "hash": pypi.hash.to_string(),
                "quality": pypi.quality,
                "us": micros(fingerprint_time(&image, Resize::Full, Luma::Float64)),
                "us_f32": micros(fingerprint_time(&image, Resize::Full, Luma::Float32)),
                "us_nearest512": micros(fingerprint_time(&image, Resize::Nearest512, Luma::Float32)),
            });
            println!("{json}");
        }
        return;
    }
    println!(
        "PDQ fingerprint (hash + quality + 8 dihedral hashes), thread CPU time, min of {RUNS}+"
    );
    println!(
        "{:>11} {:>12} {:>12} {:>14} {:>10}",
        "size", "f64 luma µs", "f32 luma µs", "nearest512 µs", "images/s"
    );
    for (width, height) in [(64, 64), (512, 512), (640, 480), (1024, 768), (4032, 3024)] {
        let image = generated(width, height);
        let full = fingerprint_time(&image, Resize::Full, Luma::Float64);
        let f32_luma = fingerprint_time(&image, Resize::Full, Luma::Float32);
        let nearest = fingerprint_time(&image, Resize::Nearest512, Luma::Float32);
        println!(
            "{:>11} {:>12.0} {:>12.0} {:>14.0} {:>10.0}",
            image.name,
            micros(full),
            micros(f32_luma),
            micros(nearest),
            1.0 / full.as_secs_f64()
        );
    }
}
