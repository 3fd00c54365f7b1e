//! A pure-Rust port of the NER component of spaCy's `en_core_web_sm` 3.8.0.
//!
//! Given spaCy's tokens of one document, [`Ner::recognize`] returns the same entities as spaCy's
//! NER component run alone (no parser sentence boundaries). The weights (MIT, exported once by
//! `tools/spacy/export_ner.py`) are embedded; nothing runs Python.

mod decode;
mod forward;
mod hash;
mod lexicon;
mod model;

use std::borrow::Cow;
use std::ops::Range;

use forward::LOWER;
use model::Model;

/// The exported spaCy weights and lookup tables.
static WEIGHTS: &[u8] = include_bytes!("../../data/ner.bin");

/// The weight file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NerError {
    /// The file ends early.
    #[error("NER weight file is truncated")]
    Truncated,
    /// The file does not have the expected layout.
    #[error("NER weight file is malformed: {0}")]
    Format(&'static str),
}

/// One token as spaCy's tokenizer produced it.
#[derive(Debug, Clone, Copy)]
pub struct NerToken<'a> {
    /// The token's text (whitespace tokens included).
    pub text: &'a str,
    /// The NORM a tokenizer special case assigned, if any; otherwise the model derives it from the
    /// text.
    pub norm: Option<&'a str>,
}

/// An entity: a range of token indices and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NerSpan {
    /// The entity's tokens.
    pub tokens: Range<usize>,
    /// Its OntoNotes type.
    pub label: NerLabel,
}

/// The 18 OntoNotes entity types of `en_core_web_sm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NerLabel {
    /// Numerals that do not fall under another type.
    Cardinal,
    /// Absolute or relative dates or periods.
    Date,
    /// Named hurricanes, battles, wars, sports events.
    Event,
    /// Buildings, airports, highways, bridges.
    Fac,
    /// Countries, cities, states.
    Gpe,
    /// Any named language.
    Language,
    /// Named documents made into laws.
    Law,
    /// Non-GPE locations, mountain ranges, bodies of water.
    Loc,
    /// Monetary values.
    Money,
    /// Nationalities, religious or political groups.
    Norp,
    /// "first", "second", ...
    Ordinal,
    /// Companies, agencies, institutions.
    Org,
    /// Percentages.
    Percent,
    /// People, including fictional.
    Person,
    /// Objects, vehicles, foods (not services).
    Product,
    /// Measurements of weight or distance.
    Quantity,
    /// Times smaller than a day.
    Time,
    /// Titles of books, songs, ...
    WorkOfArt,
}

impl NerLabel {
    const ALL: [Self; 18] = [
        Self::Cardinal,
        Self::Date,
        Self::Event,
        Self::Fac,
        Self::Gpe,
        Self::Language,
        Self::Law,
        Self::Loc,
        Self::Money,
        Self::Norp,
        Self::Ordinal,
        Self::Org,
        Self::Percent,
        Self::Person,
        Self::Product,
        Self::Quantity,
        Self::Time,
        Self::WorkOfArt,
    ];

    /// spaCy's label string, e.g. `"GPE"` or `"WORK_OF_ART"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cardinal => "CARDINAL",
            Self::Date => "DATE",
            Self::Event => "EVENT",
            Self::Fac => "FAC",
            Self::Gpe => "GPE",
            Self::Language => "LANGUAGE",
            Self::Law => "LAW",
            Self::Loc => "LOC",
            Self::Money => "MONEY",
            Self::Norp => "NORP",
            Self::Ordinal => "ORDINAL",
            Self::Org => "ORG",
            Self::Percent => "PERCENT",
            Self::Person => "PERSON",
            Self::Product => "PRODUCT",
            Self::Quantity => "QUANTITY",
            Self::Time => "TIME",
            Self::WorkOfArt => "WORK_OF_ART",
        }
    }

    /// The label for spaCy's label string.
    #[must_use]
    pub fn from_spacy(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == label)
    }
}

/// The `en_core_web_sm` 3.8.0 NER model.
///
/// ```
/// use humdex_text::ner::{Ner, NerLabel, NerToken};
///
/// let ner = Ner::load()?;
/// let words = ["Maria", "Lopez", "flew", "to", "London", "on", "Friday", "."];
/// let tokens = words.map(|text| NerToken { text, norm: None });
/// let found: Vec<_> = ner.recognize(&tokens).into_iter().map(|s| (s.tokens, s.label)).collect();
/// assert_eq!(found, [(0..2, NerLabel::Person), (4..5, NerLabel::Gpe), (6..7, NerLabel::Date)]);
/// # Ok::<(), humdex_text::ner::NerError>(())
/// ```
pub struct Ner {
    model: Model,
}

impl std::fmt::Debug for Ner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ner")
            .field("moves", &self.model.moves.len())
            .finish_non_exhaustive()
    }
}

impl Ner {
    /// Loads the embedded model.
    ///
    /// # Errors
    /// If the embedded weight file is malformed (a build defect).
    pub fn load() -> Result<Self, NerError> {
        Model::parse(WEIGHTS).map(|model| Self { model })
    }

    /// Entities over one document's tokens, in order; spans are token ranges.
    ///
    /// The whole document is one sequence, as in spaCy; time and memory grow linearly with its
    /// length.
    #[must_use]
    pub fn recognize(&self, tokens: &[NerToken<'_>]) -> Vec<NerSpan> {
        self.recognize_batch(&[tokens]).pop().unwrap_or_default()
    }

    /// [`Ner::recognize`] for several documents at once, with the same results. Faster for short
    /// documents: the matrix products run over all their tokens together, as in spaCy's
    /// `nlp.pipe`.
    #[must_use]
    pub fn recognize_batch(&self, docs: &[&[NerToken<'_>]]) -> Vec<Vec<NerSpan>> {
        let mut scratch = String::new();
        let ids: Vec<Vec<[u64; 4]>> = docs
            .iter()
            .map(|doc| {
                doc.iter()
                    .map(|t| self.model.features(t.text, t.norm, &mut scratch))
                    .collect()
            })
            .collect();
        let lower = self.model.precompute(&ids);
        let mut rest = lower.as_slice();
        docs.iter()
            .map(|doc| {
                let (this, others) = rest
                    .split_at_checked(doc.len() * LOWER)
                    .unwrap_or((rest, &[]));
                rest = others;
                let is_space: Vec<bool> = doc.iter().map(|t| self.model.is_space(t.text)).collect();
                self.model.decode(this, &is_space)
            })
            .collect()
    }

    /// The NORM spaCy gives a token with this text when no tokenizer special case sets one: the
    /// vocabulary's `lexeme_norm` entry, else spaCy's `BASE_NORMS` entry, else Python's lower case.
    #[must_use]
    pub fn norm<'a>(&'a self, text: &'a str) -> Cow<'a, str> {
        self.model.norm(text)
    }
}
