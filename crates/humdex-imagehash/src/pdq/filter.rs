//! The reference's Jarosz filter (two rounds of a box filter along rows, then along columns)
//! and its decimation to 64×64, computing only what the decimation keeps.
//!
//! The reference's box filter keeps a running f32 sum: it first adds `half − 1` samples, then
//! for each output adds the sample entering the window, subtracts the one leaving it (adding
//! first), and divides by the number of samples in the window. Every running sum here makes
//! exactly that sequence of operations, so the values are bit-identical; only the order in
//! which independent sums advance differs:
//! - row filters advance [`LANES`] rows at once, interleaved so that their sums sit side by
//!   side in vector registers;
//! - column filters advance a whole row of sums per step;
//! - the second row filter divides only at the 64 columns that the decimation keeps, and the
//!   second column filter runs only over those columns and divides only at the 64 kept rows.
//!
//! Nothing full-size is stored: luma is made a block of rows at a time, and the first row
//! filter's output lives in a ring of rows as tall as the first column filter's window.

use super::{Matrix64, RowSource};

/// Rows that a row filter advances together.
const LANES: usize = 16;

/// Columns transposed at a time between rows and lanes (a tile that stays in L1).
const TILE: usize = 64;

type Lanes = [f32; LANES];

/// The reference's box filter for reducing `len` samples to 64: a window of ⌈len / 128⌉, of
/// which `half − 1` samples are added before the first output.
#[derive(Clone, Copy)]
struct BoxWindow {
    len: usize,
    /// Samples added before the first output.
    lead: usize,
    /// Outputs before the first sample leaves the window.
    lag: usize,
}

impl BoxWindow {
    fn for_len(len: usize) -> Self {
        let window = len.div_ceil(128);
        let half = (window + 2) / 2;
        Self {
            len,
            lead: half - 1,
            lag: window - half + 1,
        }
    }

    /// The sample added for output `output` (if any).
    fn entering(&self, output: usize) -> Option<usize> {
        Some(output + self.lead).filter(|&entering| entering < self.len)
    }

    /// The sample subtracted for output `output` (if any), after adding.
    fn leaving(&self, output: usize) -> Option<usize> {
        output.checked_sub(self.lag)
    }

    /// Samples in the window at output `output`, which its sum is divided by.
    fn count(&self, output: usize) -> f32 {
        let end = (output + self.lead + 1).min(self.len);
        let start = self.leaving(output).map_or(0, |leaving| leaving + 1);
        #[expect(
            clippy::cast_precision_loss,
            reason = "a window is at most a few thousand"
        )]
        let count = (end - start) as f32;
        count
    }
}

/// Runs the box filter along `input` (`N` interleaved sequences) and calls
/// `emit(output, sums, count)` after each output's step; the output is `sums / count`.
#[inline(always)]
fn box_filter<const N: usize>(input: &[[f32; N]], mut emit: impl FnMut(usize, &[f32; N], f32)) {
    let window = BoxWindow::for_len(input.len());
    let mut sums = [0.0_f32; N];
    for sample in input.iter().take(window.lead) {
        advance(&mut sums, Some(sample), None);
    }
    for output in 0..input.len() {
        let entering = window.entering(output).and_then(|index| input.get(index));
        let leaving = window.leaving(output).and_then(|index| input.get(index));
        advance(
            &mut sums,
            entering.map(<[f32; N]>::as_slice),
            leaving.map(<[f32; N]>::as_slice),
        );
        emit(output, &sums, window.count(output));
    }
}

/// One step of running sums: adds the entering samples, then subtracts the leaving ones.
#[inline(always)]
fn advance(sums: &mut [f32], entering: Option<&[f32]>, leaving: Option<&[f32]>) {
    if let Some(samples) = entering {
        for (sum, value) in sums.iter_mut().zip(samples) {
            *sum += value;
        }
    }
    if let Some(samples) = leaving {
        for (sum, value) in sums.iter_mut().zip(samples) {
            *sum -= value;
        }
    }
}

/// The reference's decimation: output i takes input ⌊(i + ½)·len/64⌋ (exact in integers).
fn kept(len: usize) -> [usize; 64] {
    std::array::from_fn(|i| (2 * i + 1) * len / 128)
}

/// The 64×64 image that the reference's filter and decimation make of `source`.
pub(super) fn filtered_64x64(source: &impl RowSource) -> Box<Matrix64> {
    let (width, height) = source.size();
    let mut result = Box::new([[0.0_f32; 64]; 64]);
    if (width, height) == (64, 64) {
        // The reference skips the filter for an image of exactly the output size.
        for (row, out) in result.iter_mut().enumerate() {
            source.fill(row, out);
        }
        return result;
    }
    // The second column filter, over the kept columns only, divided at the kept rows only.
    let second_rows = second_row_pass(source, &kept(width));
    let mut next = kept(height).into_iter().zip(result.iter_mut()).peekable();
    box_filter(&second_rows, |row, sums, count| {
        while let Some((_, out)) = next.next_if(|(kept_row, _)| *kept_row == row) {
            for (value, sum) in out.iter_mut().zip(sums) {
                *value = sum / count;
            }
        }
    });
    result
}

/// Luma, first row filter, first column filter and second row filter: for every row, the
/// second row filter's outputs at `kept_columns`.
fn second_row_pass(source: &impl RowSource, kept_columns: &[usize; 64]) -> Vec<[f32; 64]> {
    let (width, height) = source.size();
    let mut first_rows = FirstRowPass::new(source, height);
    let mut second_rows = vec![[0.0_f32; 64]; height];
    let window = BoxWindow::for_len(height);

    // The first column filter's running sums for all columns, a block of its output rows, and
    // the same interleaved for the second row filter.
    let mut sums = vec![0.0_f32; width];
    let mut block = vec![0.0_f32; LANES * width];
    let mut interleaved = vec![[0.0_f32; LANES]; width];
    for row in 0..window.lead {
        advance(&mut sums, Some(first_rows.row(row)), None);
    }
    for (row, lane) in (0..height).zip((0..LANES).cycle()) {
        if let Some(entering) = window.entering(row) {
            advance(&mut sums, Some(first_rows.row(entering)), None);
        }
        if let Some(leaving) = window.leaving(row) {
            advance(&mut sums, None, Some(first_rows.row(leaving)));
        }
        let count = window.count(row);
        if let Some(out) = block.chunks_exact_mut(width).nth(lane) {
            for (value, sum) in out.iter_mut().zip(&sums) {
                *value = sum / count;
            }
        }
        if lane == LANES - 1 || row == height - 1 {
            interleave(&block, &mut interleaved);
            let outputs = second_rows.iter_mut().skip(row - lane).take(lane + 1);
            second_row_filter(&interleaved, kept_columns, outputs);
        }
    }
    second_rows
}

/// The second row filter on a block of interleaved rows, divided only at `kept_columns`.
fn second_row_filter<'a>(
    block: &[Lanes],
    kept_columns: &[usize; 64],
    outputs: impl Iterator<Item = &'a mut [f32; 64]>,
) {
    let mut kept_values = [[0.0_f32; LANES]; 64];
    let mut next = kept_columns.iter().zip(kept_values.iter_mut()).peekable();
    box_filter(block, |column, sums, count| {
        while let Some((_, out)) = next.next_if(|(kept, _)| **kept == column) {
            for (value, sum) in out.iter_mut().zip(sums) {
                *value = sum / count;
            }
        }
    });
    for (lane, out) in outputs.enumerate() {
        for (value, kept) in out.iter_mut().zip(&kept_values) {
            if let Some(&kept) = kept.get(lane) {
                *value = kept;
            }
        }
    }
}

/// Rows (each `interleaved.len()` long, one after another) into lanes: `interleaved[j][k]` is
/// `rows[k][j]`. Tile by tile, so that the scattered writes stay in L1.
fn interleave(rows: &[f32], interleaved: &mut [Lanes]) {
    let width = interleaved.len();
    for (tile, lanes) in interleaved.chunks_mut(TILE).enumerate() {
        for (lane, row) in rows.chunks_exact(width).enumerate() {
            for (entry, &value) in lanes.iter_mut().zip(row.iter().skip(tile * TILE)) {
                if let Some(entry) = entry.get_mut(lane) {
                    *entry = value;
                }
            }
        }
    }
}

/// The inverse of [`interleave`], for the first `rows.len() / interleaved.len()` lanes.
fn deinterleave(interleaved: &[Lanes], rows: &mut [f32]) {
    let width = interleaved.len();
    for (tile, lanes) in interleaved.chunks(TILE).enumerate() {
        for (lane, row) in rows.chunks_exact_mut(width).enumerate() {
            for (value, entry) in row.iter_mut().skip(tile * TILE).zip(lanes) {
                if let Some(&entry) = entry.get(lane) {
                    *value = entry;
                }
            }
        }
    }
}

/// Luma and the first row filter, computed [`LANES`] rows at a time into a ring of rows that
/// holds what the first column filter still needs.
struct FirstRowPass<'a, S> {
    source: &'a S,
    width: usize,
    height: usize,
    /// Row `r` is at `r % ring_rows`, a multiple of [`LANES`], so a block is contiguous.
    ring: Vec<f32>,
    ring_rows: usize,
    /// Rows computed so far.
    done: usize,
    /// A block of luma rows, and the same interleaved before and after the filter.
    luma: Vec<f32>,
    interleaved: Vec<Lanes>,
    filtered: Vec<Lanes>,
}

impl<'a, S: RowSource> FirstRowPass<'a, S> {
    fn new(source: &'a S, height: usize) -> Self {
        let (width, _) = source.size();
        // The column filter needs rows `r − window` to `r` while the block of row `r` is made.
        let ring_rows = (height.div_ceil(128) / LANES + 2) * LANES;
        Self {
            source,
            width,
            height,
            ring: vec![0.0; ring_rows * width],
            ring_rows,
            done: 0,
            luma: vec![0.0; LANES * width],
            interleaved: vec![[0.0; LANES]; width],
            filtered: vec![[0.0; LANES]; width],
        }
    }

    /// The first row filter's output row `row`, which must be at most one block past those
    /// computed and at least `ring_rows − LANES` behind the last.
    fn row(&mut self, row: usize) -> &[f32] {
        while self.done <= row && self.done < self.height {
            self.next_block();
        }
        let start = (row % self.ring_rows) * self.width;
        self.ring.get(start..start + self.width).unwrap_or_default()
    }

    fn next_block(&mut self) {
        let first = self.done;
        let rows = LANES.min(self.height - first);
        for (row, luma) in (first..first + rows).zip(self.luma.chunks_exact_mut(self.width)) {
            self.source.fill(row, luma);
        }
        interleave(&self.luma, &mut self.interleaved);
        let mut outputs = self.filtered.iter_mut();
        box_filter(&self.interleaved, |_, sums, count| {
            if let Some(out) = outputs.next() {
                for (value, sum) in out.iter_mut().zip(sums) {
                    *value = sum / count;
                }
            }
        });
        let start = (first % self.ring_rows) * self.width;
        let block = self
            .ring
            .get_mut(start..start + rows * self.width)
            .unwrap_or_default();
        deinterleave(&self.filtered, block);
        self.done = first + rows;
    }
}
