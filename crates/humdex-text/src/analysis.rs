//! The whole pipeline: patterns, NER, merge, geocoding, indicators.

use std::ops::Range;

use humdex_geo::Gazetteer;
use serde::Serialize;

use crate::indicators::{Indicators, Lexicon};
use crate::names::NameRules;
use crate::ner::{Ner, NerError, NerLabel, NerToken};
use crate::offsets::CharOffsets;
use crate::tokenizer::{Tokenizer, TokenizerError};
use crate::{Context, EntityKind, Found, Normalized, patterns};

/// The most text analysed at once, in bytes; spaCy's own default limit is a million characters.
pub const MAX_TEXT_BYTES: usize = 1_000_000;

/// The model's own entities get this confidence: greedy decoding gives no probability.
const NER_CONFIDENCE: f32 = 0.8;
/// Dates and amounts only the model found, in words no pattern understood ("last spring").
const NER_FALLBACK_CONFIDENCE: f32 = 0.5;

/// Why the analyser could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The embedded tokenizer rules are unreadable.
    #[error("tokenizer rules: {0}")]
    Tokenizer(#[from] TokenizerError),
    /// The embedded NER model is unreadable.
    #[error("NER model: {0}")]
    Ner(#[from] NerError),
    /// The embedded name lists do not build.
    #[error("name lists: {0}")]
    Names(#[from] aho_corasick::BuildError),
}

/// Finds entities and indicators in text. Loading takes a few tens of milliseconds; share one.
pub struct Analyzer {
    tokenizer: Tokenizer,
    ner: Ner,
    names: NameRules,
    lexicon: Lexicon,
    gazetteer: &'static Gazetteer,
}

/// An entity found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// The type.
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// The text as written.
    pub text: String,
    /// Offset of the first character, in characters (Unicode scalar values).
    pub start: usize,
    /// Offset after the last character, in characters.
    pub end: usize,
    /// The normalised value.
    pub normalized: Normalized,
    /// How sure the extractor is, 0 to 1.
    pub confidence: f32,
    /// The extractor that found it.
    pub source: &'static str,
    /// The same span in bytes.
    #[serde(skip)]
    pub bytes: Range<usize>,
}

/// What the analysis of one text found.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Entities in text order, never overlapping.
    pub entities: Vec<Entity>,
    /// The trafficking indicators and their score.
    pub indicators: Indicators,
    /// Set when the text was longer than [`MAX_TEXT_BYTES`] and only its start was analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncation>,
}

/// How much of an over-long text was analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Truncation {
    /// Characters analysed, from the start.
    pub analyzed_chars: usize,
    /// Characters in the whole text.
    pub total_chars: usize,
}

impl Analyzer {
    /// The analyser with the built-in indicator lexicon.
    pub fn new() -> Result<Self, LoadError> {
        Self::with_lexicon(Lexicon::builtin())
    }

    /// The analyser with `lexicon` for indicators (the built-in one extended by an admin's, say).
    pub fn with_lexicon(lexicon: Lexicon) -> Result<Self, LoadError> {
        Ok(Self {
            tokenizer: Tokenizer::english()?,
            ner: Ner::load()?,
            names: NameRules::builtin()?,
            lexicon,
            gazetteer: Gazetteer::embedded(),
        })
    }

    /// Analyses `text`; only its first [`MAX_TEXT_BYTES`] when it is longer.
    pub fn analyze(&self, text: &str, context: &Context) -> Analysis {
        let (text, truncated) = cap(text);
        let mut candidates = patterns::find_all(text, context);
        self.names.find_organizations(text, &mut candidates);
        let patterned = candidates.len();
        candidates.extend(self.model_entities(text));
        let mut found = merge(candidates, patterned);
        self.geocode(text, &mut found);
        let indicators = self.lexicon.scan(text);
        let mut offsets = CharOffsets::new(text);
        let entities = found
            .into_iter()
            .map(|found| Entity {
                kind: found.kind,
                text: text.get(found.span.clone()).unwrap_or_default().to_owned(),
                start: offsets.at(found.span.start),
                end: offsets.at(found.span.end),
                normalized: found.normalized,
                confidence: found.confidence,
                source: found.source,
                bytes: found.span,
            })
            .collect();
        Analysis {
            entities,
            indicators,
            truncated,
        }
    }

    /// The NER model's entities of the types Humdex keeps.
    fn model_entities(&self, text: &str) -> Vec<Found> {
        let tokens = self.tokenizer.tokenize(text);
        let inputs: Vec<NerToken<'_>> = tokens
            .iter()
            .map(|token| NerToken {
                text: text.get(token.span.clone()).unwrap_or_default(),
                norm: token.norm,
            })
            .collect();
        windows(&inputs, NER_WINDOW)
            .into_iter()
            .flat_map(|window| {
                let offset = window.start;
                let spans = inputs.get(window).map(|w| self.ner.recognize(w));
                spans.into_iter().flatten().map(move |mut span| {
                    span.tokens = span.tokens.start + offset..span.tokens.end + offset;
                    span
                })
            })
            .filter_map(|span| {
                let (kind, confidence) = match span.label {
                    NerLabel::Person => (EntityKind::Person, NER_CONFIDENCE),
                    NerLabel::Org => (EntityKind::Organization, NER_CONFIDENCE),
                    NerLabel::Gpe | NerLabel::Loc | NerLabel::Fac => {
                        (EntityKind::Location, NER_CONFIDENCE)
                    }
                    NerLabel::Norp => (EntityKind::Nationality, NER_CONFIDENCE),
                    NerLabel::Date => (EntityKind::Date, NER_FALLBACK_CONFIDENCE),
                    NerLabel::Money => (EntityKind::Money, NER_FALLBACK_CONFIDENCE),
                    _ => return None,
                };
                let first = tokens.get(span.tokens.start)?;
                let last = tokens.get(span.tokens.end.checked_sub(1)?)?;
                let range = without_article(text, first.span.start..last.span.end);
                let written = text.get(range.clone())?;
                // A calendar date or an amount has a number; "weekly" or "a few days" are neither.
                let fallback = matches!(kind, EntityKind::Date | EntityKind::Money);
                if fallback && !written.chars().any(|c| c.is_ascii_digit()) {
                    return None;
                }
                let found = Found {
                    kind,
                    normalized: Normalized::Text(collapse_whitespace(written)),
                    span: range,
                    confidence,
                    source: "ner",
                };
                self.names.review(text, found)
            })
            .collect()
    }

    /// Gives the model's places coordinates, and adds the places the gazetteer finds that the
    /// model missed where nothing else was found.
    fn geocode(&self, text: &str, found: &mut Vec<Found>) {
        let mentions: Vec<Range<usize>> = found
            .iter()
            .filter(|found| found.kind == EntityKind::Location)
            .map(|found| found.span.clone())
            .collect();
        for resolved in self.gazetteer.resolve(text, &mentions) {
            if resolved.from_model {
                if let Some(location) = found
                    .iter_mut()
                    .find(|found| found.kind == EntityKind::Location && found.span == resolved.span)
                {
                    location.normalized = Normalized::Place(resolved.place);
                }
            } else if let Some(named) = found
                .iter_mut()
                .find(|found| found.kind == EntityKind::Organization && found.span == resolved.span)
            {
                // The model often takes a state code or a city in an ad for an organisation
                // ("Houston, TX"); the gazetteer found it as a place with evidence around it.
                named.kind = EntityKind::Location;
                named.normalized = Normalized::Place(resolved.place);
                named.source = "gazetteer";
            } else if !found
                .iter()
                .any(|found| overlaps(&found.span, &resolved.span))
            {
                found.push(Found {
                    kind: EntityKind::Location,
                    span: resolved.span,
                    normalized: Normalized::Place(resolved.place),
                    confidence: resolved.confidence,
                    source: "gazetteer",
                });
            }
        }
        found.sort_by_key(|found| found.span.start);
    }
}

/// The most tokens the model reads at once. Its memory grows with the document (about 2.4 KB a
/// token), so a long text is read in windows that end at a sentence or line end; the model sees
/// four tokens to each side, so a split there changes nothing away from the seam, and texts of
/// up to this many tokens get exactly spaCy's entities.
const NER_WINDOW: usize = 8192;

/// Token ranges of at most `size` tokens covering `tokens`, each but the last ending after a
/// sentence-final token or a line break in its second half when there is one.
fn windows(tokens: &[NerToken<'_>], size: usize) -> Vec<Range<usize>> {
    let ends_sentence =
        |token: &NerToken<'_>| matches!(token.text, "." | "!" | "?") || token.text.contains('\n');
    let mut windows = Vec::new();
    let mut start = 0;
    while tokens.len() - start > size {
        let limit = start + size;
        let cut = (start + size / 2..limit)
            .rev()
            .find(|&at| tokens.get(at).is_some_and(ends_sentence))
            .map_or(limit, |at| at + 1);
        windows.push(start..cut);
        start = cut;
    }
    windows.push(start..tokens.len());
    windows
}

/// Keeps the text within [`MAX_TEXT_BYTES`], cut at a character boundary.
fn cap(text: &str) -> (&str, Option<Truncation>) {
    if text.len() <= MAX_TEXT_BYTES {
        return (text, None);
    }
    let end = (0..=MAX_TEXT_BYTES)
        .rev()
        .find(|&end| text.is_char_boundary(end))
        .unwrap_or(0);
    let analysed = text.get(..end).unwrap_or_default();
    let truncation = Truncation {
        analyzed_chars: analysed.chars().count(),
        total_chars: text.chars().count(),
    };
    (analysed, Some(truncation))
}

/// Chooses among overlapping candidates. The first `patterned` candidates come from the pattern
/// extractors and win any overlap with the model's (the model's numbers are guesses; a phone
/// number that validates is not); among equals the longer span wins, then the earlier.
fn merge(candidates: Vec<Found>, patterned: usize) -> Vec<Found> {
    let mut ranked: Vec<(usize, Found)> = candidates
        .into_iter()
        .enumerate()
        .map(|(index, found)| (usize::from(index >= patterned), found))
        .collect();
    ranked.sort_by(|(a_rank, a), (b_rank, b)| {
        a_rank
            .cmp(b_rank)
            .then(b.span.len().cmp(&a.span.len()))
            .then(a.span.start.cmp(&b.span.start))
    });
    let mut kept: Vec<Found> = Vec::with_capacity(ranked.len());
    for (_, found) in ranked {
        if !found.span.is_empty() && !kept.iter().any(|kept| overlaps(&kept.span, &found.span)) {
            kept.push(found);
        }
    }
    kept.sort_by_key(|found| found.span.start);
    kept
}

/// The span without a leading "the": names are marked without their article ("the Red Cross"
/// is the organisation "Red Cross"), while the model sometimes includes it.
fn without_article(text: &str, span: Range<usize>) -> Range<usize> {
    let written = text.get(span.clone()).unwrap_or_default();
    match written.get(..4) {
        Some(article) if article.eq_ignore_ascii_case("the ") && written.len() > 4 => {
            span.start + 4..span.end
        }
        _ => span,
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kind: EntityKind, span: Range<usize>, source: &'static str) -> Found {
        Found {
            kind,
            span,
            normalized: Normalized::Text(String::new()),
            confidence: 1.0,
            source,
        }
    }

    #[test]
    fn patterns_win_overlaps_with_the_model() {
        let candidates = vec![
            found(EntityKind::Phone, 10..22, "phone"),
            found(EntityKind::Date, 8..30, "ner"),
            found(EntityKind::Person, 0..5, "ner"),
        ];
        let kept = merge(candidates, 1);
        let kept: Vec<_> = kept.iter().map(|f| (f.kind, f.span.clone())).collect();
        assert_eq!(
            kept,
            [(EntityKind::Person, 0..5), (EntityKind::Phone, 10..22)]
        );
    }

    #[test]
    fn the_longer_pattern_wins_among_patterns() {
        let candidates = vec![
            found(EntityKind::Money, 4..8, "money"),
            found(EntityKind::Weapon, 0..12, "weapon"),
        ];
        let kept = merge(candidates, 2);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept.first().map(|f| f.kind), Some(EntityKind::Weapon));
    }

    #[test]
    fn long_texts_are_read_in_windows_that_end_at_sentences() {
        let words = ["a", "b", ".", "c", "d", "e", "f", "\n", "g", "h"];
        let tokens: Vec<NerToken<'_>> = words
            .iter()
            .map(|text| NerToken { text, norm: None })
            .collect();
        assert_eq!(windows(&tokens, 4), [0..3, 3..7, 7..10]);
        assert_eq!(windows(&tokens, 5), [0..3, 3..8, 8..10]);
        assert_eq!(windows(&tokens, 10), vec![(0..10)]);
        assert_eq!(windows(&tokens[..0], 4), vec![(0..0)]);
    }

    #[test]
    fn names_lose_their_article() {
        let text = "Ask the Red Cross or The Hague or theatre";
        assert_eq!(without_article(text, 4..17), 8..17);
        assert_eq!(without_article(text, 21..30), 25..30);
        assert_eq!(without_article(text, 34..41), 34..41);
        assert_eq!(without_article(text, 4..8), 4..8);
    }

    #[test]
    fn over_long_text_is_cut_at_a_character_boundary() {
        let text = "é".repeat(MAX_TEXT_BYTES);
        let (kept, truncation) = cap(&text);
        assert_eq!(kept.len(), MAX_TEXT_BYTES);
        assert_eq!(
            truncation,
            Some(Truncation {
                analyzed_chars: MAX_TEXT_BYTES / 2,
                total_chars: MAX_TEXT_BYTES
            })
        );
        assert_eq!(cap("short").1, None);
    }
}
