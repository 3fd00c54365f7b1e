//! PDQ against the reference: exact on a synthetic corpus hashed by PyPI `pdqhash`
//! (tests/data/pdq/generate.py), within ThreatExchange's tolerances on its own photos
//! (tests/data/pdq/threatexchange), and its dihedral, border and decoding behaviour.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    clippy::panic,
    reason = "test helpers read fixed test data and fail loudly"
)]

use std::path::PathBuf;

use humdex_imagehash::Hash256;
use humdex_imagehash::pdq::{
    Fingerprint, ImageError, Luma, MIN_HASHABLE_SIDE, Resize, fingerprint_image, fingerprint_luma,
    fingerprint_rgb, trim_uniform_borders,
};
use proptest::prelude::*;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pdq")
        .join(path)
}

fn read_text(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap()
}

fn hash(hex: &str) -> Hash256 {
    hex.parse().unwrap()
}

/// An image: width, height, RGB bytes.
struct Rgb {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Rgb {
    fn fingerprint(&self, resize: Resize, luma: Luma) -> Fingerprint {
        fingerprint_rgb(self.width, self.height, &self.pixels, resize, luma).unwrap()
    }

    fn get(&self, x: usize, y: usize) -> [u8; 3] {
        let start = (y * self.width + x) * 3;
        self.pixels[start..start + 3].try_into().unwrap()
    }

    /// The image under dihedral transform `k`, in PDQ's order: identity, rotations by 90°, 180°
    /// and 270° anticlockwise, upside down, left–right, transpose, anti-transpose.
    fn transformed(&self, k: usize) -> Self {
        let (w, h) = (self.width, self.height);
        let (width, height) = if matches!(k, 1 | 3 | 6 | 7) {
            (h, w)
        } else {
            (w, h)
        };
        let source = |x: usize, y: usize| match k {
            0 => (x, y),
            1 => (w - 1 - y, x),
            2 => (w - 1 - x, h - 1 - y),
            3 => (y, h - 1 - x),
            4 => (x, h - 1 - y),
            5 => (w - 1 - x, y),
            6 => (y, x),
            _ => (w - 1 - y, h - 1 - x),
        };
        let mut pixels = Vec::with_capacity(width * height * 3);
        for y in 0..height {
            for x in 0..width {
                let (sx, sy) = source(x, y);
                pixels.extend(self.get(sx, sy));
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }
}

/// generate.py's images, rebuilt with the same 64-bit integer arithmetic.
mod synthetic {
    use super::Rgb;

    fn mix64(z: u64) -> u64 {
        let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn param(seed: u64, index: u64) -> u64 {
        mix64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(index))
    }

    fn triangle(t: i64, period: i64, amplitude: i64) -> i64 {
        ((t % period) * (2 * amplitude) / period - amplitude).abs()
    }

    pub fn image(kind: &str, width: usize, height: usize, seed: u64) -> Rgb {
        let (w, h) = (width as i64, height as i64);
        let mut values = vec![[0_i64; 3]; width * height];
        // Parameter `i` modulo a small number (generate.py's `p(i) % modulus`).
        let pm = |i: u64, modulus: i64| (param(seed, i) % modulus as u64) as i64;
        match kind {
            "mix" => {
                for c in 0..3 {
                    let (ax, ay) = (pm(10 + c, 4), pm(13 + c, 4));
                    let period = 8 + pm(16 + c, w + h + 8);
                    let (base, phase) = (40 + pm(c, 80), pm(19 + c, 1000));
                    for y in 0..h {
                        for x in 0..w {
                            let wave = triangle(x * ax + y * ay + phase, period, 120);
                            values[(y * w + x) as usize][c as usize] = base + wave;
                        }
                    }
                }
                for r in 0..3 {
                    let (x0, y0) = (pm(30 + 4 * r, w), pm(32 + 4 * r, h));
                    let x1 = (x0 + pm(31 + 4 * r, 1 + w / 3)).min(w - 1);
                    let y1 = (y0 + pm(33 + 4 * r, 1 + h / 3)).min(h - 1);
                    for y in y0..=y1 {
                        for x in x0..=x1 {
                            for c in 0..3 {
                                values[(y * w + x) as usize][c as usize] = pm(50 + 3 * r + c, 256);
                            }
                        }
                    }
                }
                for d in 0..2 {
                    let (cx, cy) = (pm(60 + 3 * d, w), pm(61 + 3 * d, h));
                    let radius = 1 + pm(62 + 3 * d, 1 + (w + h) / 4);
                    for y in 0..h {
                        for x in 0..w {
                            if (x - cx).pow(2) + (y - cy).pow(2) < radius * radius {
                                for c in 0..3 {
                                    values[(y * w + x) as usize][c as usize] +=
                                        pm(70 + 3 * d + c, 121) - 60;
                                }
                            }
                        }
                    }
                }
                let amplitude = pm(80, 25) as u64;
                let offset = param(seed, 81);
                for (index, value) in values.iter_mut().enumerate() {
                    for (c, channel) in value.iter_mut().enumerate() {
                        let noise = mix64((index as u64 * 3 + c as u64).wrapping_add(offset));
                        *channel += (noise % (2 * amplitude + 1)) as i64 - amplitude as i64;
                    }
                }
            }
            "flat" => {
                let colour = [(seed >> 16) & 255, (seed >> 8) & 255, seed & 255].map(|c| c as i64);
                values.fill(colour);
            }
            "hgrad" | "vgrad" => {
                for y in 0..h {
                    for x in 0..w {
                        let (t, len) = if kind == "hgrad" { (x, w) } else { (y, h) };
                        let ramp = t * 255 / (len - 1).max(1);
                        let green = if seed == 1 { 255 - ramp } else { ramp };
                        values[(y * w + x) as usize] = [ramp, green, ramp];
                    }
                }
            }
            "checker" => {
                let side = seed as i64;
                for y in 0..h {
                    for x in 0..w {
                        values[(y * w + x) as usize] = [((x / side + y / side) % 2) * 255; 3];
                    }
                }
            }
            other => panic!("unknown kind {other}"),
        }
        let pixels = values
            .iter()
            .flatten()
            .map(|&v| v.clamp(0, 255) as u8)
            .collect();
        Rgb {
            width,
            height,
            pixels,
        }
    }

    /// generate.py's checksum: Σ byte·(1 + index mod 65521), wrapping.
    pub fn checksum(pixels: &[u8]) -> u64 {
        pixels
            .iter()
            .enumerate()
            .map(|(index, &byte)| u64::from(byte).wrapping_mul(index as u64 % 65521 + 1))
            .fold(0, u64::wrapping_add)
    }
}

/// One line of synthetic.tsv.
struct Golden {
    name: String,
    image: Rgb,
    hash: Hash256,
    quality: u8,
    dihedral: [Hash256; 8],
    nearest512: (Hash256, u8),
}

fn golden() -> Vec<Golden> {
    read_text("synthetic.tsv")
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let (width, height, seed) = (
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            );
            let image = synthetic::image(f[1], width, height, seed);
            assert_eq!(
                synthetic::checksum(&image.pixels).to_string(),
                f[5],
                "{}: pixels differ from generate.py's",
                f[0]
            );
            Golden {
                name: f[0].to_owned(),
                image,
                hash: hash(f[6]),
                quality: f[7].parse().unwrap(),
                dihedral: std::array::from_fn(|k| hash(f[8 + k])),
                nearest512: (hash(f[16]), f[17].parse().unwrap()),
            }
        })
        .collect()
}

fn luma_f64(pixels: &[u8]) -> Vec<f32> {
    pixels
        .chunks_exact(3)
        .map(|p| {
            (f64::from(p[0]) * 0.299 + f64::from(p[1]) * 0.587 + f64::from(p[2]) * 0.114) as f32
        })
        .collect()
}

fn luma_f32(pixels: &[u8]) -> Vec<f32> {
    let [r, g, b] = [0.299_f32, 0.587, 0.114];
    pixels
        .chunks_exact(3)
        .map(|p| r * f32::from(p[0]) + g * f32::from(p[1]) + b * f32::from(p[2]))
        .collect()
}

#[test]
fn synthetic_corpus_is_bit_exact_with_pypi_pdqhash() {
    let corpus = golden();
    assert!(corpus.len() >= 55);
    let mut luma_flavour_differs = Vec::new();
    for golden in &corpus {
        let Rgb {
            width,
            height,
            ref pixels,
        } = golden.image;
        let ours = golden.image.fingerprint(Resize::Full, Luma::Float64);
        assert_eq!(ours.hash, golden.hash, "{}", golden.name);
        assert_eq!(ours.quality, golden.quality, "{}", golden.name);
        assert_eq!(ours.dihedral, golden.dihedral, "{}", golden.name);

        if width > 512 || height > 512 {
            let nearest = golden.image.fingerprint(Resize::Nearest512, Luma::Float64);
            assert_eq!(
                (nearest.hash, nearest.quality),
                golden.nearest512,
                "{} (nearest 512)",
                golden.name
            );
        } else {
            assert_eq!(
                (ours.hash, ours.quality),
                golden.nearest512,
                "{}: no resize below 513",
                golden.name
            );
        }

        // The luma entry point is the same computation.
        let luma = luma_f64(pixels);
        assert_eq!(
            fingerprint_luma(width, height, &luma, Resize::Full).unwrap(),
            ours,
            "{}",
            golden.name
        );

        // The C++ reference's f32 luma: identical input to the filter gives the identical
        // hash; otherwise the ulp differences may move a few bits.
        let reference = golden.image.fingerprint(Resize::Full, Luma::Float32);
        if luma_f32(pixels) == luma {
            assert_eq!(reference, ours, "{}", golden.name);
        } else {
            // Tiny or flat images (quality under 50) have nearly tied coefficients.
            let distance = reference.hash.distance(&ours.hash);
            assert!(
                golden.quality < 50 || distance <= 16,
                "{}: {distance} bits",
                golden.name
            );
            luma_flavour_differs.push(&golden.name);
        }
    }
    // Most of the corpus exercises the f32 flavour's differing luma.
    assert!(
        luma_flavour_differs.len() > corpus.len() / 2,
        "{luma_flavour_differs:?}"
    );
}

#[test]
fn images_under_five_pixels_a_side_hash_to_zero() {
    for (width, height) in [(0, 0), (1, 1), (4, 4), (4, 100), (100, 4)] {
        let image = Rgb {
            width,
            height,
            pixels: vec![200; width * height * 3],
        };
        let fingerprint = image.fingerprint(Resize::Full, Luma::Float32);
        assert_eq!(fingerprint.hash, Hash256::default());
        assert_eq!(fingerprint.quality, 0);
        assert_eq!(fingerprint.dihedral, [Hash256::default(); 8]);
    }
}

#[test]
fn wrong_buffer_sizes_are_refused() {
    let error = fingerprint_rgb(10, 10, &[0; 299], Resize::Full, Luma::Float32).unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::BufferSize {
                expected: 300,
                actual: 299,
                ..
            }
        ),
        "{error}"
    );
    assert!(fingerprint_luma(usize::MAX, 2, &[], Resize::Full).is_err());
}

/// The dihedral hashes are the hashes of the transformed image, exactly, where the transform
/// maps the filter onto itself: odd windows (sides not in 129–256, 385–512, …) and decimation
/// points symmetric about the centre (sides not multiples of 128).
#[test]
fn dihedral_hashes_are_hashes_of_rotated_and_flipped_images() {
    for (width, height, seed) in [(383, 257, 7), (300, 300, 8), (100, 60, 9), (65, 65, 10)] {
        let image = synthetic::image("mix", width, height, seed);
        let original = image.fingerprint(Resize::Full, Luma::Float32);
        assert!(original.quality >= 50);
        for k in 0..8 {
            let transformed = image
                .transformed(k)
                .fingerprint(Resize::Full, Luma::Float32);
            assert_eq!(
                transformed.hash, original.dihedral[k],
                "{width}×{height}, transform {k}"
            );
            assert_eq!(transformed.quality, original.quality);
        }
    }
}

/// ThreatExchange's photos (tests/data/pdq/threatexchange/README.md).
mod threatexchange {
    use super::*;

    pub const LIMIT: u64 = 50_000_000;

    pub fn image_path(name: &str) -> Option<PathBuf> {
        ["jpg", "png"]
            .iter()
            .map(|extension| data(&format!("threatexchange/images/{name}.{extension}")))
            .find(|path| path.exists())
    }

    pub fn decode(path: &PathBuf) -> Rgb {
        let image = image::open(path).unwrap().into_rgb8();
        Rgb {
            width: image.width() as usize,
            height: image.height() as usize,
            pixels: image.into_raw(),
        }
    }
}

/// ThreatExchange's rule for other implementations: each with its own decoder, within 10 bits of
/// the reference when the quality is at least 80. (Lossless files decode identically, so exact.)
#[test]
fn threatexchange_photos_match_pypi_full_resolution() {
    let mut compared = 0;
    for line in read_text("threatexchange/pypi-pdqhash-fullres.tsv")
        .lines()
        .skip(1)
    {
        let f: Vec<&str> = line.split('\t').collect();
        let Some(path) = threatexchange::image_path(f[0]) else {
            continue;
        };
        let (expected, quality): (Hash256, u8) = (hash(f[1]), f[2].parse().unwrap());
        let ours = fingerprint_image(&std::fs::read(&path).unwrap(), threatexchange::LIMIT)
            .unwrap()
            .full;
        let distance = ours.hash.distance(&expected);
        if path.extension().unwrap() == "png" {
            assert_eq!((ours.hash, ours.quality), (expected, quality), "{}", f[0]);
        } else if quality >= 80 {
            assert!(distance <= 10, "{}: {distance} bits from pdqhash", f[0]);
            assert!(ours.quality >= 70, "{}: quality {}", f[0], ours.quality);
        }
        compared += 1;
    }
    assert_eq!(compared, 30);
}

/// The C++ tool resizes to 512×512 by nearest neighbour: its published hashes (WASM test data),
/// within 2 bits (JPEG decoders differ by a level here and there).
#[test]
fn nearest512_matches_the_published_cpp_hashes() {
    let mut compared = 0;
    for line in read_text("threatexchange/wasm-PDQMD5TestData.csv")
        .lines()
        .skip(1)
    {
        let (file, expected) = line.split_once(',').unwrap();
        let Some((folder, name)) = file
            .strip_prefix("../../../../data/")
            .and_then(|f| f.split_once('/'))
        else {
            continue; // The TMK video lines.
        };
        let stem = name.rsplit_once('.').unwrap().0;
        let Some(path) = threatexchange::image_path(&format!("{folder}_{stem}")) else {
            continue; // misc-images/b.jpg is not among the images (it is bridge-mods/aaa-orig.jpg).
        };
        let ours = threatexchange::decode(&path).fingerprint(Resize::Nearest512, Luma::Float32);
        let distance = ours.hash.distance(&hash(expected));
        assert!(distance <= 2, "{file}: {distance} bits from the C++ tool");
        compared += 1;
    }
    assert_eq!(compared, 15);
}

/// ThreatExchange's rotated and mirrored copies of one photo (each re-encoded as JPEG) match
/// the original's dihedral hashes.
#[test]
fn threatexchange_rotated_photos_match_the_dihedral_hashes() {
    let names = [
        "1-original",
        "2-rotate-90",
        "3-rotate-180",
        "4-rotate-270",
        "5-flipx",
        "6-flipy",
    ]
    .into_iter()
    .chain(["7-flip-plus-1", "8-flip-minus-1"]);
    let original =
        threatexchange::decode(&threatexchange::image_path("dih_bridge-1-original").unwrap())
            .fingerprint(Resize::Full, Luma::Float64);
    for (k, name) in names.enumerate() {
        let path = threatexchange::image_path(&format!("dih_bridge-{name}")).unwrap();
        let copy = threatexchange::decode(&path).fingerprint(Resize::Full, Luma::Float64);
        let distance = copy.hash.distance(&original.dihedral[k]);
        assert!(distance <= 10, "{name}: {distance} bits");
    }
}

fn with_border(image: &Rgb, border: usize, colour: [u8; 3]) -> Rgb {
    let (width, height) = (image.width + 2 * border, image.height + 2 * border);
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            let inside = (border..border + image.width).contains(&x)
                && (border..border + image.height).contains(&y);
            pixels.extend(if inside {
                image.get(x - border, y - border)
            } else {
                colour
            });
        }
    }
    Rgb {
        width,
        height,
        pixels,
    }
}

fn png(image: &Rgb) -> Vec<u8> {
    encode(image, image::ImageFormat::Png)
}

fn encode(image: &Rgb, format: image::ImageFormat) -> Vec<u8> {
    let buffer = image::RgbImage::from_raw(
        image.width as u32,
        image.height as u32,
        image.pixels.clone(),
    )
    .unwrap();
    let mut bytes = std::io::Cursor::new(Vec::new());
    buffer.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

#[test]
fn a_white_border_is_trimmed_to_the_original_hash() {
    let image = synthetic::image("mix", 400, 300, 21);
    let plain = fingerprint_image(&png(&image), 1 << 20).unwrap();
    assert_eq!(plain.trimmed, None);

    // A 10 % white frame moves the hash far; without it the hash is the original's.
    let framed = with_border(&image, 40, [255; 3]);
    let fingerprints = fingerprint_image(&png(&framed), 1 << 20).unwrap();
    assert!(fingerprints.full.hash.distance(&plain.full.hash) > 31);
    assert_eq!(fingerprints.trimmed.unwrap(), plain.full);
    assert_eq!(
        trim_uniform_borders(framed.width, framed.height, &framed.pixels),
        humdex_imagehash::pdq::Crop {
            left: 40,
            top: 40,
            width: 400,
            height: 300
        }
    );

    // Nested frames of two colours, through JPEG's noise and ringing (which leaves a pixel or
    // two of the dark frame): well within the match threshold of 31 (8 bits when written).
    let double = with_border(&with_border(&image, 12, [10, 10, 10]), 30, [250, 250, 245]);
    let jpeg = encode(&double, image::ImageFormat::Jpeg);
    let trimmed = fingerprint_image(&jpeg, 1 << 20).unwrap().trimmed.unwrap();
    let distance = trimmed.hash.distance(&plain.full.hash);
    assert!(distance <= 16, "{distance} bits");
}

#[test]
fn trimming_leaves_borderless_and_flat_images_alone() {
    let image = synthetic::image("mix", 200, 150, 22);
    let whole = humdex_imagehash::pdq::Crop {
        left: 0,
        top: 0,
        width: 200,
        height: 150,
    };
    assert_eq!(trim_uniform_borders(200, 150, &image.pixels), whole);
    let flat = synthetic::image("flat", 200, 150, 0x336699);
    assert_eq!(trim_uniform_borders(200, 150, &flat.pixels), whole);
    // A vertical gradient has uniform rows, but each differs from the edge's colour.
    let gradient = synthetic::image("vgrad", 200, 150, 0);
    let crop = trim_uniform_borders(200, 150, &gradient.pixels);
    assert!(crop.height > 100, "{crop:?}");
}

#[test]
fn fingerprint_image_refuses_large_and_garbage_input() {
    let image = synthetic::image("mix", 300, 200, 23);
    let bytes = png(&image);
    let error = fingerprint_image(&bytes, 59_999).unwrap_err();
    assert!(matches!(
        error,
        ImageError::TooLarge {
            width: 300,
            height: 200,
            max_pixels: 59_999
        }
    ));
    assert_eq!(
        error.to_string(),
        "the image is 300×200 pixels, more than the limit of 59999 pixels"
    );
    assert!(fingerprint_image(&bytes, 60_000).is_ok());

    let garbage = fingerprint_image(b"definitely not an image", 1 << 20).unwrap_err();
    assert!(matches!(garbage, ImageError::UnknownFormat), "{garbage}");
    let truncated = fingerprint_image(&bytes[..bytes.len() / 2], 1 << 20).unwrap_err();
    assert!(matches!(truncated, ImageError::Decode(_)), "{truncated}");
}

#[test]
fn decoded_png_hashes_as_the_raw_pixels_with_float64_luma() {
    let image = synthetic::image("mix", 320, 240, 24);
    let decoded = fingerprint_image(&png(&image), 1 << 20).unwrap().full;
    assert_eq!(decoded, image.fingerprint(Resize::Full, Luma::Float64));
}

/// A PNG whose pixels are stored turned a quarter anticlockwise, with EXIF orientation 6
/// ("rotate 90° clockwise to display"), hashes as the upright image.
#[test]
fn exif_orientation_is_applied() {
    use image::ImageEncoder;
    let upright = synthetic::image("mix", 240, 160, 25);
    let stored = upright.transformed(1);
    // A big-endian TIFF header with one IFD entry: orientation (0x0112), SHORT, 1 value, 6.
    let exif = [
        b"MM\0*".as_slice(),
        &[0, 0, 0, 8, 0, 1],
        &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0],
        &[0, 0, 0, 0],
    ]
    .concat();
    let mut png = Vec::new();
    let mut encoder = image::codecs::png::PngEncoder::new(&mut png);
    encoder.set_exif_metadata(exif).unwrap();
    encoder
        .write_image(
            &stored.pixels,
            stored.width as u32,
            stored.height as u32,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    let decoded = fingerprint_image(&png, 1 << 20).unwrap().full;
    assert_eq!(decoded, upright.fingerprint(Resize::Full, Luma::Float64));
    assert_ne!(
        decoded.hash,
        stored.fingerprint(Resize::Full, Luma::Float64).hash
    );
}

fn noise_image(width: usize, height: usize, seed: u64) -> Rgb {
    let mut state = seed;
    let pixels = (0..width * height * 3)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    Rgb {
        width,
        height,
        pixels,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_size_hashes_without_panicking(width in 0_usize..1500, height in 0_usize..1500, seed: u64) {
        let image = noise_image(width, height, seed);
        for resize in [Resize::Full, Resize::Nearest512] {
            let fingerprint = image.fingerprint(resize, Luma::Float32);
            prop_assert!(fingerprint.quality <= 100);
            prop_assert_eq!(fingerprint.dihedral[0], fingerprint.hash);
            // The C++ tool resizes before it looks at the size: 513×1 becomes 512×512.
            let resized = resize == Resize::Nearest512 && (width > 512 || height > 512) && width * height > 0;
            if !resized && (width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE) {
                prop_assert_eq!(fingerprint.hash, Hash256::default());
            } else {
                // Half the coefficients are above the median (fewer only on ties).
                prop_assert!((100..=128).contains(&fingerprint.hash.0.iter().map(|w| w.count_ones()).sum::<u32>()));
            }
        }
    }

    #[test]
    fn narrow_images_hash_without_panicking(long in 5_usize..3000, short in 5_usize..9, seed: u64) {
        let image = noise_image(short, long, seed);
        let fingerprint = image.fingerprint(Resize::Full, Luma::Float32);
        prop_assert!(fingerprint.quality <= 100);
        let rotated = image.transformed(1).fingerprint(Resize::Full, Luma::Float32);
        prop_assert!(rotated.quality <= 100);
    }
}
