//! The per-token network, batched over all tokens of the documents: HashEmbed, maxout + layernorm,
//! four residual window blocks, the linear projection and the lower layer's per-token products.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use super::hash::murmur3_u64;
use super::model::{FEATURE, MaxoutNorm, Model, NF, PIECES, TOKVEC, WIDTH};

/// Zero rows thinc adds on each side of a document before the residual blocks
/// (`with_array(pad=4)`). They do not stay zero: the blocks update them too, and the boundary
/// tokens see them as neighbours. With four blocks of window 1 they also keep the documents of a
/// batch from seeing each other.
const PAD: usize = 4;
/// Rows per matrix product, which bounds the scratch memory.
const CHUNK: usize = 256;
/// Values per token of the lower layer's precomputed products.
pub(super) const LOWER: usize = NF * FEATURE;

/// `c = a · w` for row-major `a` (m × k) and `w` (k × n), with `c` (m × n).
fn matmul(a: &[f32], w: &Array2<f32>, c: &mut [f32]) {
    let (k, n) = w.dim();
    let m = a.len() / k;
    debug_assert!(a.len() == m * k && c.len() == m * n, "matrix sizes");
    if let (Ok(a), Ok(mut c)) = (
        ArrayView2::from_shape((m, k), a),
        ArrayViewMut2::from_shape((m, n), c),
    ) {
        general_mat_mul(1.0, &a, w, 0.0, &mut c);
    }
}

/// Applies `layer` to the input rows `x`: the product, the bias, the best piece, then layer
/// normalisation into `out`.
fn maxout_norm(layer: &MaxoutNorm, x: &[f32], pieces: &mut [f32], out: &mut [f32]) {
    let rows = out.len() / WIDTH;
    let pieces = pieces.get_mut(..rows * WIDTH * PIECES).unwrap_or_default();
    matmul(x, &layer.w, pieces);
    let width = WIDTH as f64;
    for (y, out) in pieces
        .chunks_exact(WIDTH * PIECES)
        .zip(out.chunks_exact_mut(WIDTH))
    {
        let mut best = [0.0f32; WIDTH];
        for ((best, y), bias) in best
            .iter_mut()
            .zip(y.chunks_exact(PIECES))
            .zip(layer.b.chunks_exact(PIECES))
        {
            *best = y
                .iter()
                .zip(bias)
                .map(|(y, b)| y + b)
                .fold(f32::NEG_INFINITY, f32::max);
        }
        let mean = best.iter().copied().map(f64::from).sum::<f64>() / width;
        let var = best
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / width;
        // thinc normalises in f32; the moments are summed in f64 only for accuracy.
        let (mean, scale) = (mean as f32, 1.0 / ((var as f32) + 1e-8).sqrt());
        for (((out, v), gain), shift) in out.iter_mut().zip(best).zip(&layer.gain).zip(&layer.shift)
        {
            *out = (v - mean) * scale * gain + shift;
        }
    }
}

/// Row `r` of a matrix with `WIDTH` columns.
fn row(h: &[f32], r: usize) -> &[f32] {
    h.get(r * WIDTH..(r + 1) * WIDTH).unwrap_or_default()
}

fn row_mut(h: &mut [f32], r: usize) -> &mut [f32] {
    h.get_mut(r * WIDTH..(r + 1) * WIDTH).unwrap_or_default()
}

impl Model {
    /// The lower layer's products for every token (`tokens × LOWER`, documents one after another),
    /// from each document's HashEmbed ids. Documents are independent, as in a spaCy batch.
    pub(super) fn precompute(&self, docs: &[Vec<[u64; 4]>]) -> Vec<f32> {
        // Each document is a segment of `PAD + len + PAD` rows; `tokens` maps tokens to their rows.
        let segments: Vec<(usize, usize)> = docs
            .iter()
            .scan(0, |start, doc| {
                let segment = (*start, doc.len() + 2 * PAD);
                *start += segment.1;
                Some(segment)
            })
            .collect();
        let tokens: Vec<usize> = segments
            .iter()
            .flat_map(|&(start, len)| start + PAD..start + len - PAD)
            .collect();
        let total = segments.last().map_or(0, |&(start, len)| start + len);
        let chunk = total.min(CHUNK);
        let (mut wide, mut pieces) = (
            vec![0.0; chunk * 4 * WIDTH],
            vec![0.0; chunk * WIDTH * PIECES],
        );
        let mut normed = vec![0.0; chunk * WIDTH];
        let mut h = vec![0.0; total * WIDTH];

        let ids: Vec<[u64; 4]> = docs.iter().flatten().copied().collect();
        for (ids, rows) in ids.chunks(CHUNK).zip(tokens.chunks(CHUNK)) {
            let x = wide.get_mut(..ids.len() * 4 * WIDTH).unwrap_or_default();
            x.fill(0.0);
            for (ids, x) in ids.iter().zip(x.chunks_exact_mut(4 * WIDTH)) {
                for ((embed, &id), x) in self.embeds.iter().zip(ids).zip(x.chunks_exact_mut(WIDTH))
                {
                    for key in murmur3_u64(id, embed.seed) {
                        let r = usize::try_from(key % embed.rows).unwrap_or_default();
                        x.iter_mut()
                            .zip(row(&embed.table, r))
                            .for_each(|(x, e)| *x += e);
                    }
                }
            }
            let out = normed.get_mut(..rows.len() * WIDTH).unwrap_or_default();
            maxout_norm(&self.embed_mix, x, &mut pieces, out);
            for (&r, v) in rows.iter().zip(out.chunks_exact(WIDTH)) {
                row_mut(&mut h, r).copy_from_slice(v);
            }
        }

        // Block `b` (from 1) only computes the rows that later blocks read: a segment's outer `b`
        // rows on each side never reach a token. The others' windows stay inside the segment.
        let mut next = vec![0.0; h.len()];
        for (b, block) in (1..).zip(&self.blocks) {
            let rows: Vec<usize> = segments
                .iter()
                .flat_map(|&(start, len)| start + b..start + len - b)
                .collect();
            for rows in rows.chunks(CHUNK) {
                let window = wide.get_mut(..rows.len() * 3 * WIDTH).unwrap_or_default();
                for (&r, window) in rows.iter().zip(window.chunks_exact_mut(3 * WIDTH)) {
                    window.copy_from_slice(
                        h.get((r - 1) * WIDTH..(r + 2) * WIDTH).unwrap_or_default(),
                    );
                }
                let out = normed.get_mut(..rows.len() * WIDTH).unwrap_or_default();
                maxout_norm(block, window, &mut pieces, out);
                for (&r, v) in rows.iter().zip(out.chunks_exact(WIDTH)) {
                    for ((next, h), v) in row_mut(&mut next, r).iter_mut().zip(row(&h, r)).zip(v) {
                        *next = h + v;
                    }
                }
            }
            std::mem::swap(&mut h, &mut next);
        }

        let mut lower = vec![0.0; tokens.len() * LOWER];
        let mut tokvecs = vec![0.0; chunk * TOKVEC];
        for (rows, out) in tokens.chunks(CHUNK).zip(lower.chunks_mut(CHUNK * LOWER)) {
            let x = normed.get_mut(..rows.len() * WIDTH).unwrap_or_default();
            for (&r, x) in rows.iter().zip(x.chunks_exact_mut(WIDTH)) {
                x.copy_from_slice(row(&h, r));
            }
            let v = tokvecs.get_mut(..rows.len() * TOKVEC).unwrap_or_default();
            matmul(x, &self.linear_w, v);
            for v in v.chunks_exact_mut(TOKVEC) {
                v.iter_mut().zip(&self.linear_b).for_each(|(v, b)| *v += b);
            }
            matmul(v, &self.lower_w, out);
        }
        lower
    }
}
