//! PDQ, Meta's perceptual photo hash, bit-exact with the reference (facebook/ThreatExchange
//! `pdq/cpp`, and PyPI `pdqhash` 0.2.8 on the same pixels).
//!
//! Every floating-point operation happens in the reference's order (Rust never fuses a multiply
//! and an add by itself), so the result is the same on every platform. What differs from the
//! reference is only the order in which independent values are computed: luma is made row by row
//! inside the first filter pass, the column filters run as running sums over whole rows, rows go
//! through the row filters several at a time, and the last two passes compute only the 64×64
//! values that the decimation keeps. Nothing of the full-size image is stored but a ring of rows
//! as tall as the column filter's window.
//!
//! A [`Fingerprint`] also holds the hashes of the image's 7 rotations and mirror images, which
//! PDQ gets from the same DCT by sign flips. Index only [`Fingerprint::hash`]; query with all 8.

mod decode;
mod filter;
mod trim;

use std::sync::LazyLock;

use crate::Hash256;

pub use decode::{ImageFingerprints, fingerprint_image};
pub use trim::{BORDER_TOLERANCE, Crop, trim_uniform_borders};

/// The quality below which ThreatExchange discards a hash (`pdq/README.md`: "quality ≤ 49").
pub const QUALITY_THRESHOLD: u8 = 50;

/// Images narrower or shorter than this get the all-zero hash and quality 0, as in the reference.
pub const MIN_HASHABLE_SIDE: usize = 5;

/// Whether the image is resized before hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    /// Hash at full resolution: PyPI `pdqhash`, python-threatexchange, HMA and the Java port.
    Full,
    /// If either side exceeds 512, first resize to exactly 512×512 by nearest neighbour
    /// (source index ⌊x·side/512⌋), as the C++ command-line tool and its WASM build do.
    Nearest512,
}

/// How RGB becomes luma (Y = 0.299 R + 0.587 G + 0.114 B).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Luma {
    /// In `f32`, as the C++ reference (and its WASM build) does.
    Float32,
    /// In `f64`, then rounded to `f32`, as PyPI `pdqhash` (and so HMA) does with numpy. About a
    /// third of all colours get a luma one ulp away from [`Luma::Float32`]'s, which now and then
    /// flips a bit of the hash.
    Float64,
}

/// PDQ of one image: its hash, the hash's quality, and the hashes of its 8 dihedral transforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// The hash of the image as given (equal to `dihedral[0]`).
    pub hash: Hash256,
    /// 0–100: how much detail the hash rests on. Hashes under [`QUALITY_THRESHOLD`] are noise.
    pub quality: u8,
    /// The hashes of the image, rotated 90° anticlockwise, 180°, 270°, flipped upside down
    /// ("flipX"), mirrored left–right ("flipY"), transposed ("flipPlus1") and transposed about
    /// the other diagonal ("flipMinus1"): the reference's order. Entry `k` is the hash of the
    /// image so transformed: exactly where the filter is symmetric (an odd window, i.e. a side
    /// in 5–128, 257–384, …, and no side a multiple of 128), else to within a few bits.
    pub dihedral: [Hash256; 8],
}

impl Fingerprint {
    /// The fingerprint of an image too small to hash.
    const EMPTY: Self = Self {
        hash: Hash256([0; 4]),
        quality: 0,
        dihedral: [Hash256([0; 4]); 8],
    };
}

/// Why pixels could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The bytes are no image in a format this build decodes.
    #[error("not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF or BMP)")]
    UnknownFormat,
    /// The image has more pixels than the caller allows.
    #[error("the image is {width}×{height} pixels, more than the limit of {max_pixels} pixels")]
    TooLarge {
        /// Its width in pixels.
        width: u32,
        /// Its height in pixels.
        height: u32,
        /// The limit it exceeds.
        max_pixels: u64,
    },
    /// The decoder failed (a damaged or truncated file, or an unsupported variant of a format).
    #[error("the image could not be decoded: {0}")]
    Decode(#[source] image::ImageError),
    /// A raw pixel buffer does not have the size its dimensions need.
    #[error("a {width}×{height} image needs {expected} bytes of pixels, but {actual} were given")]
    BufferSize {
        /// The width given.
        width: usize,
        /// The height given.
        height: usize,
        /// `width × height × channels`.
        expected: usize,
        /// The buffer's length.
        actual: usize,
    },
}

/// The PDQ fingerprint of `width`×`height` RGB pixels (3 bytes each, rows top to bottom).
///
/// # Errors
/// [`ImageError::BufferSize`] if `rgb` is not `width × height × 3` bytes long.
pub fn fingerprint_rgb(
    width: usize,
    height: usize,
    rgb: &[u8],
    resize: Resize,
    luma: Luma,
) -> Result<Fingerprint, ImageError> {
    check_len(width, height, 3, rgb.len())?;
    let source = RgbRows {
        rgb,
        stride: width * 3,
        left: 0,
        top: 0,
        width,
        height,
        luma,
    };
    Ok(fingerprint_source(&source, resize))
}

/// The PDQ fingerprint of `width`×`height` luma values (rows top to bottom), for callers that
/// compute luma their own way.
///
/// # Errors
/// [`ImageError::BufferSize`] if `luma` is not `width × height` values long.
pub fn fingerprint_luma(
    width: usize,
    height: usize,
    luma: &[f32],
    resize: Resize,
) -> Result<Fingerprint, ImageError> {
    check_len(width, height, 1, luma.len())?;
    Ok(fingerprint_source(
        &LumaRows {
            luma,
            width,
            height,
        },
        resize,
    ))
}

fn check_len(
    width: usize,
    height: usize,
    channels: usize,
    actual: usize,
) -> Result<(), ImageError> {
    let expected = width
        .checked_mul(height)
        .and_then(|pixels| pixels.checked_mul(channels));
    if expected == Some(actual) {
        Ok(())
    } else {
        Err(ImageError::BufferSize {
            width,
            height,
            expected: expected.unwrap_or(usize::MAX),
            actual,
        })
    }
}

/// Rows of luma, produced on demand so that the full-size luma image is never stored.
trait RowSource {
    /// Width and height.
    fn size(&self) -> (usize, usize);
    /// Writes the luma of row `row` into `out`, one value per pixel, left to right.
    fn fill(&self, row: usize, out: &mut [f32]);
}

/// A source whose rows can also be read at chosen columns only.
trait SampledRows {
    /// Writes the luma of the pixels of row `row` at `columns` into `out`.
    fn fill_sampled(&self, row: usize, columns: &[usize], out: &mut [f32]);
}

/// A rectangle of an RGB buffer.
struct RgbRows<'a> {
    rgb: &'a [u8],
    /// Bytes from one row to the next.
    stride: usize,
    left: usize,
    top: usize,
    width: usize,
    height: usize,
    luma: Luma,
}

impl RgbRows<'_> {
    fn pixels(&self, row: usize) -> &[[u8; 3]] {
        let start = (self.top + row) * self.stride + self.left * 3;
        let bytes = self
            .rgb
            .get(start..start + self.width * 3)
            .unwrap_or_default();
        bytes.as_chunks::<3>().0
    }

    fn convert(&self, pixels: impl Iterator<Item = [u8; 3]>, out: &mut [f32]) {
        match self.luma {
            Luma::Float32 => out
                .iter_mut()
                .zip(pixels)
                .for_each(|(y, rgb)| *y = luma_f32(rgb)),
            Luma::Float64 => out
                .iter_mut()
                .zip(pixels)
                .for_each(|(y, rgb)| *y = luma_f64(rgb)),
        }
    }
}

impl RowSource for RgbRows<'_> {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn fill(&self, row: usize, out: &mut [f32]) {
        self.convert(self.pixels(row).iter().copied(), out);
    }
}

impl SampledRows for RgbRows<'_> {
    fn fill_sampled(&self, row: usize, columns: &[usize], out: &mut [f32]) {
        let pixels = self.pixels(row);
        let sampled = columns
            .iter()
            .map(|&column| pixels.get(column).copied().unwrap_or_default());
        self.convert(sampled, out);
    }
}

#[inline(always)]
fn luma_f32([r, g, b]: [u8; 3]) -> f32 {
    0.299_f32 * f32::from(r) + 0.587_f32 * f32::from(g) + 0.114_f32 * f32::from(b)
}

#[inline(always)]
fn luma_f64([r, g, b]: [u8; 3]) -> f32 {
    // numpy's `R*0.299 + G*0.587 + B*0.114` in float64, then `astype(float32)` (rounds to nearest).
    #[expect(
        clippy::cast_possible_truncation,
        reason = "rounding to f32 is the reference's step"
    )]
    let luma = (f64::from(r) * 0.299 + f64::from(g) * 0.587 + f64::from(b) * 0.114) as f32;
    luma
}

/// A luma buffer.
struct LumaRows<'a> {
    luma: &'a [f32],
    width: usize,
    height: usize,
}

impl LumaRows<'_> {
    fn values(&self, row: usize) -> &[f32] {
        self.luma
            .get(row * self.width..(row + 1) * self.width)
            .unwrap_or_default()
    }
}

impl RowSource for LumaRows<'_> {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn fill(&self, row: usize, out: &mut [f32]) {
        out.iter_mut()
            .zip(self.values(row))
            .for_each(|(y, &value)| *y = value);
    }
}

impl SampledRows for LumaRows<'_> {
    fn fill_sampled(&self, row: usize, columns: &[usize], out: &mut [f32]) {
        let values = self.values(row);
        let sampled = columns
            .iter()
            .map(|&column| values.get(column).copied().unwrap_or(0.0));
        out.iter_mut()
            .zip(sampled)
            .for_each(|(y, value)| *y = value);
    }
}

/// Another source seen through a nearest-neighbour resize to [`NEAREST_SIDE`]² pixels.
struct Nearest<'a, S> {
    inner: &'a S,
    /// For each output column, the source column.
    columns: Vec<usize>,
    source_height: usize,
}

/// The side of [`Resize::Nearest512`]'s output.
const NEAREST_SIDE: usize = 512;

impl<S: SampledRows> RowSource for Nearest<'_, S> {
    fn size(&self) -> (usize, usize) {
        (NEAREST_SIDE, NEAREST_SIDE)
    }

    fn fill(&self, row: usize, out: &mut [f32]) {
        self.inner
            .fill_sampled(row * self.source_height / NEAREST_SIDE, &self.columns, out);
    }
}

fn fingerprint_source(source: &(impl RowSource + SampledRows), resize: Resize) -> Fingerprint {
    let (width, height) = source.size();
    let resized = width > NEAREST_SIDE || height > NEAREST_SIDE;
    // The C++ tool resizes a 513×1 image to 512×512 and hashes it; one without pixels, no.
    if resize == Resize::Nearest512 && resized && width > 0 && height > 0 {
        let columns = (0..NEAREST_SIDE)
            .map(|x| x * width / NEAREST_SIDE)
            .collect();
        let nearest = Nearest {
            inner: source,
            columns,
            source_height: height,
        };
        return fingerprint_filtered(&nearest);
    }
    fingerprint_filtered(source)
}

fn fingerprint_filtered(source: &impl RowSource) -> Fingerprint {
    let (width, height) = source.size();
    if width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE {
        return Fingerprint::EMPTY;
    }
    let decimated = filter::filtered_64x64(source);
    let quality = quality(&decimated);
    let dct = dct_16x16(&decimated);
    let dihedral = dihedral_hashes(&dct);
    Fingerprint {
        hash: dihedral[0],
        quality,
        dihedral,
    }
}

type Matrix64 = [[f32; 64]; 64];
type Matrix16 = [[f32; 16]; 16];

/// The reference's image-domain quality: the sum over all horizontal and vertical neighbour
/// pairs of |⌊100·(u − v)/255⌋| (truncated toward zero), divided by 90, at most 100.
fn quality(image: &Matrix64) -> u8 {
    let step = |u: f32, v: f32| {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "truncation toward zero is the metric"
        )]
        let difference = ((u - v) * 100.0 / 255.0) as i32;
        difference.unsigned_abs()
    };
    let vertical: u32 = image
        .iter()
        .zip(image.iter().skip(1))
        .flat_map(|(upper, lower)| upper.iter().zip(lower).map(|(&u, &v)| step(u, v)))
        .sum();
    let horizontal: u32 = image
        .iter()
        .flat_map(|row| {
            row.iter()
                .zip(row.iter().skip(1))
                .map(|(&u, &v)| step(u, v))
        })
        .sum();
    u8::try_from(((vertical + horizontal) / 90).min(100)).unwrap_or(100)
}

/// The 16×64 DCT-II matrix without its DC row: D[i][j] = √(2/64)·cos(π/128·(i+1)·(2j+1)),
/// computed as the reference does (the scale factor rounded to f32, the product in f64).
static DCT: LazyLock<[[f32; 64]; 16]> = LazyLock::new(|| {
    #[expect(clippy::cast_possible_truncation, reason = "the reference stores f32")]
    let scale = f64::from((2.0_f64 / 64.0).sqrt() as f32);
    let mut matrix = [[0.0; 64]; 16];
    for (i, row) in (1_u32..).zip(matrix.iter_mut()) {
        for (j, value) in (0_u32..).zip(row.iter_mut()) {
            let angle = std::f64::consts::PI / 2.0 / 64.0 * f64::from(i) * f64::from(2 * j + 1);
            #[expect(clippy::cast_possible_truncation, reason = "the reference stores f32")]
            let entry = (scale * angle.cos()) as f32;
            *value = entry;
        }
    }
    matrix
});

/// B = D·A·Dᵀ with f32 sums over k = 0..63 in order, as the reference's two matrix products.
fn dct_16x16(image: &Matrix64) -> Matrix16 {
    let dct = &*DCT;
    // T = D·A, a row of T at a time: every T[i][j] still sums D[i][k]·A[k][j] over k in order.
    let mut partial = [[0.0_f32; 64]; 16];
    for (t_row, d_row) in partial.iter_mut().zip(dct) {
        for (&d, a_row) in d_row.iter().zip(image) {
            for (t, &a) in t_row.iter_mut().zip(a_row) {
                *t += d * a;
            }
        }
    }
    // B = T·Dᵀ: B[i][j] sums T[i][k]·D[j][k] over k in order.
    let mut transposed = [[0.0_f32; 16]; 64];
    for (j, d_row) in dct.iter().enumerate() {
        for (column, &d) in transposed.iter_mut().zip(d_row) {
            if let Some(entry) = column.get_mut(j) {
                *entry = d;
            }
        }
    }
    let mut result = [[0.0_f32; 16]; 16];
    for (b_row, t_row) in result.iter_mut().zip(&partial) {
        for (&t, dt_row) in t_row.iter().zip(&transposed) {
            for (b, &d) in b_row.iter_mut().zip(dt_row) {
                *b += t * d;
            }
        }
    }
    result
}

/// The reference's Torben median of the 256 values: the 128th smallest.
fn median(matrix: &Matrix16) -> f32 {
    let mut values = *matrix;
    let values = values.as_flattened_mut();
    let (_, &mut median, _) = values.select_nth_unstable_by(127, f32::total_cmp);
    median
}

/// Bit i·16 + j is set iff B[i][j] exceeds `median`, where B is `matrix`, or its transpose.
fn bits_above(matrix: &Matrix16, median: f32, transpose: bool) -> Hash256 {
    let mut words = [0_u64; 4];
    for (i, row) in matrix.iter().enumerate() {
        for (j, &value) in row.iter().enumerate() {
            let k = if transpose { j * 16 + i } else { i * 16 + j };
            if value > median
                && let Some(word) = words.get_mut(k / 64)
            {
                *word |= 1 << (k % 64);
            }
        }
    }
    Hash256(words)
}

/// The 8 dihedral hashes from one DCT, in the reference's order. Reversing an axis negates the
/// coefficients of odd frequency along it (index i even: frequency i + 1); a quarter turn or a
/// diagonal flip also transposes, which leaves the median alone, so 4 medians serve all 8.
fn dihedral_hashes(dct: &Matrix16) -> [Hash256; 8] {
    let signed = |reverse_rows: bool, reverse_columns: bool| {
        let mut out = *dct;
        for (i, row) in out.iter_mut().enumerate() {
            for (j, value) in row.iter_mut().enumerate() {
                if (reverse_rows && i % 2 == 0) != (reverse_columns && j % 2 == 0) {
                    *value = -*value;
                }
            }
        }
        let median = median(&out);
        [
            bits_above(&out, median, false),
            bits_above(&out, median, true),
        ]
    };
    let [original, flip_plus_1] = signed(false, false);
    let [flip_y, rotate_90] = signed(false, true);
    let [flip_x, rotate_270] = signed(true, false);
    let [rotate_180, flip_minus_1] = signed(true, true);
    [
        original,
        rotate_90,
        rotate_180,
        rotate_270,
        flip_x,
        flip_y,
        flip_plus_1,
        flip_minus_1,
    ]
}
