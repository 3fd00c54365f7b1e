//! The weight file written by `tools/spacy/export_ner.py` and the parameters it holds.

use std::collections::HashMap;

use ndarray::Array2;

use super::{NerError, NerLabel};

/// Width of the token vectors inside tok2vec.
pub(super) const WIDTH: usize = 96;
/// Width of the tok2vec output and of the lower layer's input.
pub(super) const TOKVEC: usize = 64;
/// Maxout pieces in the tok2vec layers.
pub(super) const PIECES: usize = 3;
/// State features (next token, entity start, previous token).
pub(super) const NF: usize = 3;
/// Hidden units of the lower layer.
pub(super) const HIDDEN: usize = 64;
/// Maxout pieces of the lower layer.
pub(super) const HIDDEN_PIECES: usize = 2;
/// One feature's slice of a token's precomputed lower-layer product.
pub(super) const FEATURE: usize = HIDDEN * HIDDEN_PIECES;

/// A transition of spaCy's `BiluoPushDown`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Move {
    Begin(NerLabel),
    In(NerLabel),
    Last(NerLabel),
    Unit(NerLabel),
    /// `U-` with no label, only valid on preset blocked tokens, which never occur here.
    Blocked,
    Out,
}

/// Maxout (`w`: `in x (out, piece)`) followed by layer normalisation.
pub(super) struct MaxoutNorm {
    pub w: Array2<f32>,
    pub b: Vec<f32>,
    pub gain: Vec<f32>,
    pub shift: Vec<f32>,
}

/// A HashEmbed table.
pub(super) struct Embed {
    pub seed: u32,
    pub rows: u32,
    pub table: Vec<f32>,
}

/// Every parameter and table of the NER component.
pub(super) struct Model {
    pub embeds: [Embed; 4],
    pub embed_mix: MaxoutNorm,
    pub blocks: [MaxoutNorm; 4],
    /// Linear 96 -> 64, `in x out`.
    pub linear_w: Array2<f32>,
    pub linear_b: Vec<f32>,
    /// Lower layer, `in x (feature, hidden, piece)`.
    pub lower_w: Array2<f32>,
    /// Lower bias, `(hidden, piece)`.
    pub lower_b: Vec<f32>,
    /// Lower-layer vector of an absent feature token, `(feature, hidden, piece)`.
    pub lower_pad: Vec<f32>,
    /// Upper layer transposed, `hidden x moves`, so a step is a sum of scaled rows.
    pub upper_wt: Vec<f32>,
    pub upper_b: Vec<f32>,
    pub moves: Vec<Move>,
    pub symbols: HashMap<&'static str, u64>,
    /// NORM exceptions (`lexeme_norm`, then `BASE_NORMS`), sorted by the token text's string id.
    pub norms: Vec<(u64, &'static str)>,
    /// Python's `str.isalpha`, `isupper`, `isdigit`, `isspace` as code point ranges.
    pub char_classes: [Vec<(u32, u32)>; 4],
}

const MAGIC: &[u8] = b"HDXNER";
const VERSION: u16 = 1;

struct Reader {
    bytes: &'static [u8],
}

impl Reader {
    fn take(&mut self, n: usize) -> Result<&'static [u8], NerError> {
        let (head, rest) = self.bytes.split_at_checked(n).ok_or(NerError::Truncated)?;
        self.bytes = rest;
        Ok(head)
    }

    fn uint<const N: usize>(&mut self) -> Result<[u8; N], NerError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, NerError> {
        self.uint().map(u32::from_le_bytes)
    }

    fn len(&mut self) -> Result<usize, NerError> {
        usize::try_from(self.u32()?).map_err(|_| NerError::Format("length overflow"))
    }

    fn u64(&mut self) -> Result<u64, NerError> {
        self.uint().map(u64::from_le_bytes)
    }

    fn string(&mut self) -> Result<&'static str, NerError> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| NerError::Format("string is not UTF-8"))
    }

    /// A tensor of any shape: its dims and values.
    fn any_tensor(&mut self) -> Result<(Vec<usize>, Vec<f32>), NerError> {
        let [ndim] = self.uint()?;
        let dims = (0..ndim)
            .map(|_| self.len())
            .collect::<Result<Vec<_>, _>>()?;
        let n = dims.iter().product::<usize>();
        let values = self.take(n * 4)?.chunks_exact(4);
        let values =
            values.map(|c| f32::from_bits(c.iter().rev().fold(0, |v, &b| (v << 8) | u32::from(b))));
        Ok((dims, values.collect()))
    }

    /// A tensor that must have exactly `shape`.
    fn tensor(&mut self, shape: &[usize]) -> Result<Vec<f32>, NerError> {
        let (dims, values) = self.any_tensor()?;
        if dims == shape {
            Ok(values)
        } else {
            Err(NerError::Format("unexpected tensor shape"))
        }
    }

    /// A weight matrix stored `outputs x inputs`, returned transposed (`inputs x outputs`,
    /// row-major) so that the matrix products read it contiguously.
    fn matrix(&mut self, shape: &[usize], outputs: usize) -> Result<Array2<f32>, NerError> {
        let data = self.tensor(shape)?;
        let inputs = data.len() / outputs;
        let w = Array2::from_shape_vec((outputs, inputs), data)
            .map_err(|_| NerError::Format("bad matrix shape"))?;
        Ok(w.reversed_axes().as_standard_layout().into_owned())
    }

    fn maxout_norm(&mut self, inputs: usize) -> Result<MaxoutNorm, NerError> {
        Ok(MaxoutNorm {
            w: self.matrix(&[WIDTH, PIECES, inputs], WIDTH * PIECES)?,
            b: self.tensor(&[WIDTH, PIECES])?,
            gain: self.tensor(&[WIDTH])?,
            shift: self.tensor(&[WIDTH])?,
        })
    }

    fn embed(&mut self, rows: u32) -> Result<Embed, NerError> {
        let seed = self.u32()?;
        let n = usize::try_from(rows).map_err(|_| NerError::Format("table too large"))?;
        Ok(Embed {
            seed,
            rows,
            table: self.tensor(&[n, WIDTH])?,
        })
    }

    fn ranges(&mut self) -> Result<Vec<(u32, u32)>, NerError> {
        (0..self.len()?)
            .map(|_| Ok((self.u32()?, self.u32()?)))
            .collect()
    }
}

fn parse_move(name: &str) -> Result<Move, NerError> {
    if name == "O" {
        return Ok(Move::Out);
    }
    if name == "U-" {
        return Ok(Move::Blocked);
    }
    let (kind, label) = name
        .split_once('-')
        .ok_or(NerError::Format("unknown move"))?;
    let label = NerLabel::from_spacy(label).ok_or(NerError::Format("unknown entity label"))?;
    Ok(match kind {
        "B" => Move::Begin(label),
        "I" => Move::In(label),
        "L" => Move::Last(label),
        "U" => Move::Unit(label),
        _ => return Err(NerError::Format("unknown move")),
    })
}

impl Model {
    pub(super) fn parse(bytes: &'static [u8]) -> Result<Self, NerError> {
        let mut r = Reader { bytes };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(NerError::Format("not a Humdex NER weight file"));
        }
        if u16::from_le_bytes(r.uint()?) != VERSION {
            return Err(NerError::Format("unsupported version"));
        }
        let embeds = [
            r.embed(5000)?,
            r.embed(1000)?,
            r.embed(2500)?,
            r.embed(2500)?,
        ];
        let embed_mix = r.maxout_norm(4 * WIDTH)?;
        let blocks = [
            r.maxout_norm(3 * WIDTH)?,
            r.maxout_norm(3 * WIDTH)?,
            r.maxout_norm(3 * WIDTH)?,
            r.maxout_norm(3 * WIDTH)?,
        ];
        let linear_w = r.matrix(&[TOKVEC, WIDTH], TOKVEC)?;
        let linear_b = r.tensor(&[TOKVEC])?;
        let lower_w = r.matrix(&[NF, HIDDEN, HIDDEN_PIECES, TOKVEC], NF * FEATURE)?;
        let lower_b = r.tensor(&[HIDDEN, HIDDEN_PIECES])?;
        let lower_pad = r.tensor(&[1, NF, HIDDEN, HIDDEN_PIECES])?;
        let (dims, upper_w) = r.any_tensor()?;
        let [n_moves, HIDDEN] = dims[..] else {
            return Err(NerError::Format("unexpected upper layer shape"));
        };
        let upper_b = r.tensor(&[n_moves])?;
        // Transposed so that a step's scores are a sum of rows scaled by the hidden units.
        let upper_wt = (0..HIDDEN)
            .flat_map(|h| upper_w.iter().skip(h).step_by(HIDDEN).copied())
            .collect();
        let moves = (0..r.len()?)
            .map(|_| r.string().and_then(parse_move))
            .collect::<Result<Vec<_>, _>>()?;
        if moves.len() != n_moves {
            return Err(NerError::Format("move names do not match the upper layer"));
        }
        let symbols = (0..r.len()?)
            .map(|_| {
                let id = r.u64()?;
                Ok((r.string()?, id))
            })
            .collect::<Result<_, NerError>>()?;
        let norms = (0..r.len()?)
            .map(|_| Ok((r.u64()?, r.string()?)))
            .collect::<Result<Vec<_>, NerError>>()?;
        if !norms.is_sorted_by_key(|&(key, _)| key) {
            return Err(NerError::Format("lexeme_norm is not sorted"));
        }
        let char_classes = [r.ranges()?, r.ranges()?, r.ranges()?, r.ranges()?];
        if !r.bytes.is_empty() {
            return Err(NerError::Format("trailing bytes"));
        }
        Ok(Self {
            embeds,
            embed_mix,
            blocks,
            linear_w,
            linear_b,
            lower_w,
            lower_b,
            lower_pad,
            upper_wt,
            upper_b,
            moves,
            symbols,
            norms,
            char_classes,
        })
    }
}
