//! Greedy decoding with spaCy's BILUO transition system (`BiluoPushDown` in `ner.pyx`).
//!
//! Without preset entities or sentence boundaries, which the NER component alone never has, the
//! validity rules reduce to: B needs no open entity, a following token and a non-space token; I
//! needs the open entity's label and a following token; L needs the open entity's label; U and O
//! need no open entity, U also a non-space token; the unlabelled `U-` is never valid.

use std::ops::Range;

use super::forward::LOWER;
use super::model::{FEATURE, HIDDEN, HIDDEN_PIECES, Model, Move};
use super::{NerLabel, NerSpan};

impl Model {
    /// Runs the transition loop over precomputed lower-layer products; one move per token.
    pub(super) fn decode(&self, lower: &[f32], is_space: &[bool]) -> Vec<NerSpan> {
        let n = is_space.len();
        let mut spans = Vec::new();
        let mut open: Option<(usize, NerLabel)> = None;
        let mut unmaxed = [0.0f32; FEATURE];
        let mut scores = vec![0.0f32; self.moves.len()];
        debug_assert_eq!(
            self.upper_wt.len(),
            HIDDEN * scores.len(),
            "upper layer size"
        );
        for (b0, &space) in is_space.iter().enumerate() {
            // spaCy's `set_context_tokens(n=3)`: B(0), the open entity's start, B(0) - 1 in one.
            let context = [
                Some(b0),
                open.map(|(start, _)| start),
                open.and(b0.checked_sub(1)),
            ];
            unmaxed.fill(0.0);
            for (f, (token, pad)) in context
                .into_iter()
                .zip(self.lower_pad.chunks_exact(FEATURE))
                .enumerate()
            {
                let vector = token.and_then(|t| {
                    lower.get(t * LOWER + f * FEATURE..t * LOWER + (f + 1) * FEATURE)
                });
                unmaxed
                    .iter_mut()
                    .zip(vector.unwrap_or(pad))
                    .for_each(|(u, v)| *u += v);
            }
            scores.fill(0.0);
            for ((pieces, bias), weights) in unmaxed
                .chunks_exact(HIDDEN_PIECES)
                .zip(self.lower_b.chunks_exact(HIDDEN_PIECES))
                .zip(self.upper_wt.chunks_exact(self.moves.len()))
            {
                let hidden = pieces
                    .iter()
                    .zip(bias)
                    .map(|(p, b)| p + b)
                    .fold(f32::NEG_INFINITY, f32::max);
                scores
                    .iter_mut()
                    .zip(weights)
                    .for_each(|(s, w)| *s += hidden * w);
            }

            let last = b0 + 1 == n;
            let open_label = open.map(|(_, label)| label);
            let valid = |m: &Move| match *m {
                Move::Begin(_) => open.is_none() && !last && !space,
                Move::In(label) => open_label == Some(label) && !last,
                Move::Last(label) => open_label == Some(label),
                Move::Unit(_) => open.is_none() && !space,
                Move::Out => open.is_none(),
                Move::Blocked => false,
            };
            // The first best-scoring valid move, as spaCy's `arg_max_if_valid`.
            let mut best: Option<(f32, Move)> = None;
            for ((score, bias), m) in scores.iter().zip(&self.upper_b).zip(&self.moves) {
                let score = score + bias;
                if valid(m) && best.is_none_or(|(top, _)| score > top) {
                    best = Some((score, *m));
                }
            }
            match best.map(|(_, m)| m) {
                Some(Move::Begin(label)) => open = Some((b0, label)),
                Some(Move::Last(label)) => {
                    let start = open.map_or(b0, |(start, _)| start);
                    spans.push(span(start..b0 + 1, label));
                    open = None;
                }
                Some(Move::Unit(label)) => spans.push(span(b0..b0 + 1, label)),
                Some(Move::In(_) | Move::Out | Move::Blocked) | None => {}
            }
        }
        spans
    }
}

fn span(tokens: Range<usize>, label: NerLabel) -> NerSpan {
    NerSpan { tokens, label }
}
