//! Trafficking indicators: a lexicon of words, phrases, emoji and patterns with categories and weights, and a
//! scorer that finds them in a text.
//!
//! The lexicon is data: [`Lexicon::builtin`] is `data/indicators.toml`, whose header describes the format, and an
//! admin's file in the same format is read with [`Lexicon::from_toml`] and laid over it with [`Lexicon::extend`].
//!
//! Matching runs on a folded copy of the text — NFKC, runs of white space as one space, zero-width characters,
//! emoji variation selectors and stray combining marks dropped — so that styled letters (𝐟𝐫𝐞𝐬𝐡), split words
//! (fr\u{200B}esh) and ✈ versus ✈️ do not evade it; every span still points into the original text.
//!
//! # Score
//!
//! Each category counts once, at the weight of its strongest hit `w_c`, and the categories combine as independent
//! evidence: `score = 1 − Π_c (1 − w_c)`, rounded to three decimals. The score is 0 with no hits, never exceeds 1,
//! never falls when a hit is added, and a term repeated a hundred times counts as much as once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::offsets::CharOffsets;
use unicode_normalization::{UnicodeNormalization, char::canonical_combining_class};

const BUILTIN: &str = include_str!("../data/indicators.toml");

/// Characters that matching ignores: zero-width space, non-joiner and joiner, word joiner, BOM, soft hyphen and the
/// text/emoji variation selectors.
const IGNORED: [char; 8] = [
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{FE0E}', '\u{FE0F}',
];

/// A set of indicators, ready to scan text.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Folded, ASCII-lower-cased terms, in the matcher's pattern order.
    terms: Vec<(String, Meaning)>,
    patterns: Vec<(Regex, Meaning)>,
    matcher: AhoCorasick,
}

/// What an entry says about each of its terms and patterns.
#[derive(Debug, Clone, PartialEq)]
struct Meaning {
    category: String,
    weight: f32,
    reason: String,
}

/// Why a lexicon file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// The file is not TOML, or not a list of `[[indicator]]` tables.
    #[error("lexicon file: {0}")]
    File(#[from] toml::de::Error),
    /// One entry is wrong.
    #[error("indicator {entry}: {why}")]
    Entry {
        /// The entry's number in the file, from 1, and its first term or category.
        entry: String,
        /// What is wrong with it.
        why: String,
    },
    /// The terms are too many to build one matcher.
    #[error("lexicon too large: {0}")]
    TooLarge(#[from] aho_corasick::BuildError),
}

/// The indicators found in one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    /// 0 to 1; see the [module documentation](self) for how it is made.
    #[serde(serialize_with = "shortest")]
    pub score: f32,
    /// Every hit in text order, repeats included.
    pub hits: Vec<IndicatorHit>,
}

/// One indicator found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorHit {
    /// The text as it appears in the input.
    pub text: String,
    /// The indicator's category, such as `possible_minor`.
    pub category: String,
    /// How strongly this hit alone suggests trafficking, 0 to 1.
    #[serde(serialize_with = "shortest")]
    pub weight: f32,
    /// Why it is an indicator, for the analyst.
    pub reason: String,
    /// Offset of the first character in the input, in characters.
    pub start: usize,
    /// Offset after the last character, in characters.
    pub end: usize,
    /// The byte range in the input.
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    indicator: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    category: String,
    weight: f32,
    reason: String,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

impl Lexicon {
    /// The lexicon shipped with Humdex.
    pub fn builtin() -> Lexicon {
        #[expect(
            clippy::expect_used,
            reason = "the shipped file is checked by the tests"
        )]
        Lexicon::from_toml(BUILTIN).expect("data/indicators.toml is valid")
    }

    /// Parses a lexicon file; errors name the entry and why. A term or pattern may appear only once in a file.
    pub fn from_toml(source: &str) -> Result<Lexicon, LexiconError> {
        let file: File = toml::from_str(source)?;
        let mut terms = Vec::new();
        let mut patterns = Vec::new();
        let mut seen = HashMap::new();
        for (index, value) in file.indicator.into_iter().enumerate() {
            let name = format!("#{} ({})", index + 1, entry_name(&value));
            let fail = |why: String| LexiconError::Entry {
                entry: name.clone(),
                why,
            };
            let entry: Entry = value
                .try_into()
                .map_err(|e: toml::de::Error| fail(e.message().to_owned()))?;
            if entry.category.trim().is_empty() || entry.reason.trim().is_empty() {
                return Err(fail("category and reason must not be empty".into()));
            }
            if !(0.0..=1.0).contains(&entry.weight) {
                return Err(fail(format!(
                    "weight {} is not between 0 and 1",
                    entry.weight
                )));
            }
            if entry.terms.is_empty() && entry.patterns.is_empty() {
                return Err(fail("no terms or patterns".into()));
            }
            let meaning = Meaning {
                category: entry.category,
                weight: entry.weight,
                reason: entry.reason,
            };
            for term in &entry.terms {
                let key = term_key(term);
                if key.is_empty() {
                    return Err(fail(format!("empty term {term:?}")));
                }
                if let Some(first) = seen.insert(key.clone(), index + 1) {
                    return Err(fail(format!(
                        "term {term:?} is already in indicator #{first}"
                    )));
                }
                terms.push((key, meaning.clone()));
            }
            for pattern in &entry.patterns {
                // ASCII classes and case, like the terms; this also keeps every pattern on the fast engines.
                let regex = RegexBuilder::new(pattern)
                    .unicode(false)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| fail(format!("pattern {pattern:?}: {e}")))?;
                if let Some(first) = seen.insert(pattern.clone(), index + 1) {
                    return Err(fail(format!(
                        "pattern {pattern:?} is already in indicator #{first}"
                    )));
                }
                patterns.push((regex, meaning.clone()));
            }
        }
        Lexicon::build(terms, patterns)
    }

    /// Lays `other` over this lexicon: where both have a term or pattern, `other`'s entry wins. If the result is
    /// too large to match, this lexicon is left as it was.
    pub fn extend(&mut self, other: Lexicon) -> Result<(), LexiconError> {
        let mut terms = self.terms.clone();
        let mut patterns = self.patterns.clone();
        let term_at: HashMap<_, _> = terms
            .iter()
            .enumerate()
            .map(|(i, (key, _))| (key.clone(), i))
            .collect();
        for (key, meaning) in other.terms {
            match term_at.get(&key).and_then(|&i| terms.get_mut(i)) {
                Some(old) => old.1 = meaning,
                None => terms.push((key, meaning)),
            }
        }
        for (regex, meaning) in other.patterns {
            match patterns
                .iter_mut()
                .find(|(old, _)| old.as_str() == regex.as_str())
            {
                Some(old) => old.1 = meaning,
                None => patterns.push((regex, meaning)),
            }
        }
        *self = Lexicon::build(terms, patterns)?;
        Ok(())
    }

    /// Finds the indicators in `text` and scores them.
    pub fn scan(&self, text: &str) -> Indicators {
        let folded = Folded::new(text);
        // Overlapping search, so a longer term rejected at a word boundary does not hide a shorter one inside it;
        // the leftmost-longest choice is made below, across terms and patterns alike.
        let mut found: Vec<(Range<usize>, &Meaning)> = self
            .matcher
            .find_overlapping_iter(folded.text.as_str())
            .filter(|m| on_word_boundaries(&folded.text, m.range()))
            .filter_map(|m| Some((m.range(), &self.terms.get(m.pattern().as_usize())?.1)))
            .collect();
        for (regex, meaning) in &self.patterns {
            found.extend(
                regex
                    .find_iter(folded.text.as_bytes())
                    .filter(|m| {
                        let on_chars = |at| folded.text.is_char_boundary(at);
                        !m.is_empty() && on_chars(m.start()) && on_chars(m.end())
                    })
                    .map(|m| (m.range(), meaning)),
            );
        }
        found.sort_by_key(|(range, _)| (range.start, Reverse(range.end)));

        let mut hits: Vec<IndicatorHit> = Vec::new();
        let mut offsets = CharOffsets::new(text);
        let mut taken = 0;
        for (range, meaning) in found {
            if range.start < taken {
                continue;
            }
            taken = range.end;
            let span = folded.original(range);
            hits.push(IndicatorHit {
                text: text.get(span.clone()).unwrap_or_default().to_owned(),
                category: meaning.category.clone(),
                weight: meaning.weight,
                reason: meaning.reason.clone(),
                start: offsets.at(span.start),
                end: offsets.at(span.end),
                span,
            });
        }
        Indicators {
            score: score(hits.iter().map(|hit| (hit.category.as_str(), hit.weight))),
            hits,
        }
    }

    fn build(
        terms: Vec<(String, Meaning)>,
        patterns: Vec<(Regex, Meaning)>,
    ) -> Result<Lexicon, LexiconError> {
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(terms.iter().map(|(key, _)| key))?;
        Ok(Lexicon {
            terms,
            patterns,
            matcher,
        })
    }
}

/// The score of hits given as `(category, weight)`: `1 − Π(1 − strongest weight per category)`,
/// to three decimals. Callers that show only some of a text's hits score just those.
pub fn score<'h>(hits: impl IntoIterator<Item = (&'h str, f32)>) -> f32 {
    let mut strongest: BTreeMap<&str, f32> = BTreeMap::new();
    for (category, weight) in hits {
        let strongest = strongest.entry(category).or_default();
        *strongest = strongest.max(weight);
    }
    let score = 1.0 - strongest.values().map(|w| 1.0 - w).product::<f32>();
    (score * 1000.0).round() / 1000.0
}

/// Writes an `f32` as the shortest decimal that reads back as it, so 0.15 does not become 0.15000000596 when the
/// JSON goes through an `f64`.
fn shortest<S: serde::Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(value.to_string().parse().unwrap_or(f64::from(*value)))
}

/// A term as the matcher sees it, which is also its identity when lexicons are merged.
fn term_key(term: &str) -> String {
    Folded::new(term).text.trim().to_ascii_lowercase()
}

/// An entry's name for error messages: its first term, else its category.
fn entry_name(value: &toml::Value) -> String {
    value
        .get("terms")
        .and_then(|terms| terms.get(0))
        .or_else(|| value.get("category"))
        .and_then(toml::Value::as_str)
        .map_or_else(|| "unnamed".to_owned(), |name| format!("{name:?}"))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether a match that starts or ends with a word character is not glued to another one there.
fn on_word_boundaries(text: &str, range: Range<usize>) -> bool {
    let glued = |a: Option<char>, b: Option<char>| a.is_some_and(is_word) && b.is_some_and(is_word);
    let matched = text.get(range.clone()).unwrap_or_default();
    let before = text.get(..range.start).and_then(|s| s.chars().next_back());
    let after = text.get(range.end..).and_then(|s| s.chars().next());
    !glued(before, matched.chars().next()) && !glued(matched.chars().next_back(), after)
}

/// Text folded for matching, with a map back to the original.
struct Folded {
    text: String,
    /// Where each stretch of `text` comes from, in order: its start in `text`, the original bytes, and whether it
    /// was copied unchanged (and so maps byte for byte) or folded (and so maps as a whole).
    pieces: Vec<(usize, Range<usize>, bool)>,
}

impl Folded {
    fn new(text: &str) -> Folded {
        let mut folded = Folded {
            text: String::with_capacity(text.len()),
            pieces: Vec::new(),
        };
        let mut chars = text.char_indices().peekable();
        while let Some((start, first)) = chars.next() {
            // A base character and the marks after it normalise together (e + ◌́ → é).
            let mut end = start + first.len_utf8();
            while let Some((at, mark)) =
                chars.next_if(|&(_, c)| !c.is_ascii() && canonical_combining_class(c) != 0)
            {
                end = at + mark.len_utf8();
            }
            let source = text.get(start..end).unwrap_or_default();
            let at = folded.text.len();
            if first.is_ascii() && source.len() == 1 {
                // ASCII is its own NFKC.
                let c = if first.is_whitespace() { ' ' } else { first };
                if c != ' ' || !folded.text.ends_with(' ') {
                    folded.text.push(c);
                }
            } else {
                for c in source.nfkc() {
                    let c = if c.is_whitespace() { ' ' } else { c };
                    // Marks left over after NFKC are dropped, so letters under a pile of them still match.
                    let mark = canonical_combining_class(c) != 0;
                    if mark || IGNORED.contains(&c) || (c == ' ' && folded.text.ends_with(' ')) {
                        continue;
                    }
                    folded.text.push(c);
                }
            }
            let out = folded.text.get(at..).unwrap_or_default();
            let copied = out == source;
            match folded.pieces.last_mut() {
                _ if out.is_empty() => {}
                Some((_, from, true)) if copied && from.end == start => from.end = end,
                _ => folded.pieces.push((at, start..end, copied)),
            }
        }
        folded
    }

    /// The original byte range behind a non-empty range of the folded text.
    fn original(&self, range: Range<usize>) -> Range<usize> {
        let piece = |at: usize| {
            let index = self.pieces.partition_point(|(from, ..)| *from <= at);
            self.pieces.get(index.checked_sub(1)?)
        };
        let start = match piece(range.start) {
            Some((from, source, true)) => source.start + (range.start - from),
            Some((_, source, false)) => source.start,
            None => 0,
        };
        let end = match range.end.checked_sub(1).and_then(piece) {
            Some((from, source, true)) => source.start + (range.end - from),
            Some((_, source, false)) => source.end,
            None => start,
        };
        start..end
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn categories(found: &Indicators) -> BTreeSet<&str> {
        found.hits.iter().map(|h| h.category.as_str()).collect()
    }

    fn texts(found: &Indicators) -> Vec<&str> {
        found.hits.iter().map(|h| h.text.as_str()).collect()
    }

    fn error(source: &str) -> String {
        Lexicon::from_toml(source).unwrap_err().to_string()
    }

    #[test]
    fn builtin_parses_and_is_large() {
        let lexicon = Lexicon::from_toml(BUILTIN).unwrap();
        assert!(lexicon.terms.len() >= 250, "{} terms", lexicon.terms.len());
        let categories: BTreeSet<_> = lexicon
            .terms
            .iter()
            .map(|(_, m)| m.category.as_str())
            .collect();
        assert_eq!(categories.len(), 11, "{categories:?}");
    }

    #[test]
    fn errors_name_the_entry() {
        let bad_weight =
            "[[indicator]]\ncategory = \"x\"\nweight = 1.5\nreason = \"r\"\nterms = [\"a\"]\n";
        assert_eq!(
            error(bad_weight),
            "indicator #1 (\"a\"): weight 1.5 is not between 0 and 1"
        );
        let unknown =
            "[[indicator]]\ncategory = \"x\"\nweigth = 0.5\nreason = \"r\"\nterms = [\"a\"]\n";
        let message = error(unknown);
        assert!(
            message.starts_with("indicator #1 (\"a\"): unknown field `weigth`"),
            "{message}"
        );
        let empty = "[[indicator]]\ncategory = \"x\"\nweight = 0.5\nreason = \"r\"\nterms = [\"a\", \" \u{200B}\"]\n";
        assert!(error(empty).contains("empty term"), "{}", error(empty));
        let twice = "[[indicator]]\ncategory = \"x\"\nweight = 0.5\nreason = \"r\"\nterms = [\"a\"]\n\
                     [[indicator]]\ncategory = \"y\"\nweight = 0.5\nreason = \"r\"\nterms = [\"A\"]\n";
        assert!(
            error(twice).starts_with("indicator #2 (\"A\"): term \"A\" is already in indicator #1")
        );
        let regex =
            "[[indicator]]\ncategory = \"x\"\nweight = 0.5\nreason = \"r\"\npatterns = [\"(\"]\n";
        assert!(
            error(regex).starts_with("indicator #1 (\"x\"): pattern \"(\""),
            "{}",
            error(regex)
        );
        let nothing = "[[indicator]]\ncategory = \"x\"\nweight = 0.5\nreason = \"r\"\n";
        assert!(error(nothing).ends_with("no terms or patterns"));
        assert!(error("[[indicators]]\n").starts_with("lexicon file:"));
    }

    #[test]
    fn extension_overrides_and_adds() {
        let mut lexicon = Lexicon::builtin();
        let admin = Lexicon::from_toml(
            "[[indicator]]\ncategory = \"local\"\nweight = 0.9\nreason = \"Local code word.\"\n\
             terms = [\"New in Town\", \"blue moon\"]\n",
        )
        .unwrap();
        lexicon.extend(admin).unwrap();
        let found = lexicon.scan("new in town, blue moon special, just arrived");
        let got: Vec<_> = found
            .hits
            .iter()
            .map(|h| (h.text.as_str(), h.category.as_str(), h.weight))
            .collect();
        assert_eq!(
            got,
            [
                ("new in town", "local", 0.9),
                ("blue moon", "local", 0.9),
                ("just arrived", "movement", 0.2)
            ]
        );
    }

    #[test]
    fn words_need_boundaries() {
        let lexicon = Lexicon::builtin();
        assert!(
            lexicon
                .scan("Free refreshments for the youngsters")
                .hits
                .is_empty()
        );
        assert_eq!(texts(&lexicon.scan("FRESH and Young!")), ["FRESH", "Young"]);
        // A longer term glued to a word does not hide the shorter one inside it.
        assert_eq!(texts(&lexicon.scan("teens, teensy")), ["teens"]);
    }

    #[test]
    fn le_only_as_no_le_in_capitals() {
        let lexicon = Lexicon::builtin();
        assert!(
            lexicon
                .scan("Le Monde says no le gusta. Allez le bleus")
                .hits
                .is_empty()
        );
        for ad in ["no LE", "NO LE please", "Not L.E.", "no LE/cops"] {
            assert_eq!(
                categories(&lexicon.scan(ad)),
                BTreeSet::from(["restriction"]),
                "{ad}"
            );
        }
    }

    #[test]
    fn emoji_with_or_without_variation_selector() {
        let lexicon = Lexicon::builtin();
        for text in ["✈ tonight", "✈\u{FE0F} tonight", "ok✈\u{FE0F}ok"] {
            let found = lexicon.scan(text);
            assert_eq!(categories(&found), BTreeSet::from(["movement"]), "{text}");
            assert!(found.hits[0].text.starts_with('✈'));
        }
        let crown = lexicon.scan("👑👑");
        assert_eq!(texts(&crown), ["👑", "👑"]);
        assert_eq!(crown.hits[1].span, 4..8);
    }

    #[test]
    fn folding_keeps_original_spans() {
        let lexicon = Lexicon::builtin();
        let text = "Só 𝐍𝐄𝐖  IN\n town, fr\u{200B}esh, ｐｅｔｉｔｅ";
        let found = lexicon.scan(text);
        let spans: Vec<&str> = found.hits.iter().map(|h| &text[h.span.clone()]).collect();
        assert_eq!(spans, ["𝐍𝐄𝐖  IN\n town", "fr\u{200B}esh", "ｐｅｔｉｔｅ"]);
        assert_eq!(texts(&found), spans);
    }

    #[test]
    fn patterns() {
        let lexicon = Lexicon::builtin();
        let found =
            lexicon.scan("Room 214, knock twice. She is 16 yo. Worked 16 to 18 hours a day. Rm#12");
        assert_eq!(
            texts(&found),
            [
                "Room 214",
                "knock twice",
                "16 yo",
                "16 to 18 hours a day",
                "Rm#12"
            ]
        );
        let found = lexicon.scan("The crew leader took their passports; 3 new girls available");
        assert_eq!(
            texts(&found),
            ["took their passports", "3 new girls available"]
        );
        assert!(
            lexicon
                .scan("room for 2, aged 25, worked there 15 years")
                .hits
                .is_empty()
        );
    }

    #[test]
    fn score_is_bounded_monotone_and_ignores_repeats() {
        let lexicon = Lexicon::builtin();
        assert_eq!(lexicon.scan("").score, 0.0);
        let once = lexicon.scan("new in town");
        assert_eq!(once.score, 0.2);
        let repeated = lexicon.scan(&"new in town ".repeat(50));
        assert_eq!((repeated.hits.len(), repeated.score), (50, 0.2));
        let mut text = String::new();
        let mut last = 0.0;
        for clause in [
            "new in town",
            "roses",
            "ask for daddy",
            "barely legal",
            "no cops",
            "passport taken",
        ] {
            text.push_str(clause);
            text.push_str(". ");
            let score = lexicon.scan(&text).score;
            assert!(score > last && score <= 1.0, "{score} after {clause}");
            last = score;
        }
        // 1 − 0.8 × 0.85 × 0.55 × 0.5 × 0.7 × 0.3
        assert_eq!(last, 0.961);
    }

    #[test]
    fn realistic_ad() {
        let ad = "🍒 NEW GIRL 🍒 sweet & young, just arrived ✈️ in town for a few days only!! 200🌹/hh, gfe. \
                  Incall only, Room 214, text when outside. No LE. Ask for Daddy 👑";
        let found = Lexicon::builtin().scan(ad);
        assert_eq!(
            categories(&found),
            BTreeSet::from([
                "commercial_sex",
                "movement",
                "possible_minor",
                "restriction",
                "third_party_control"
            ])
        );
        assert!(found.score > 0.75, "{}", found.score);
    }

    #[test]
    fn realistic_hotline_report() {
        let report = "Caller reports that her cousin, a 17-year-old, answered a job offer for hostess work abroad with \
                      free travel and housing provided. On arrival the manager took her passport and told her she \
                      owes $4,000 for travel costs, deducted from her pay. She is not allowed to leave the \
                      apartment, works 14 hours a day with no days off, and the man threatened her family.";
        let found = Lexicon::builtin().scan(report);
        assert_eq!(
            categories(&found),
            BTreeSet::from([
                "coercion",
                "debt_bondage",
                "document_control",
                "labour_exploitation",
                "possible_minor",
                "recruitment_deception"
            ])
        );
        assert!(found.score > 0.95, "{}", found.score);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let lexicon = Lexicon::builtin();
        let emoji = "🍒\u{FE0F}\u{200D}👑\u{FE0E}🏫".repeat(2000);
        assert_eq!(lexicon.scan(&emoji).hits.len(), 6000);
        let long = "a".repeat(1 << 20);
        assert!(lexicon.scan(&long).hits.is_empty());
        let marks = format!("f\u{0338}resh{}", "\u{0301}".repeat(100_000));
        assert_eq!(lexicon.scan(&marks).hits[0].span, 0..marks.len());
        assert!(lexicon.scan("fresh\u{0301}ment").hits.is_empty());
        for odd in [
            "\u{FE0F}",
            "\u{200B}\u{200B}",
            "\u{0301}fresh",
            "e\u{0301}\u{0301}",
            "\u{FFFD}",
            " ",
        ] {
            lexicon.scan(odd);
        }
    }

    #[test]
    fn json_gives_character_offsets_not_the_byte_span() {
        let found = Lexicon::builtin().scan("Ünï outcall only");
        let json = serde_json::to_value(&found).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"score": 0.15, "hits": [{
                "text": "outcall only",
                "category": "restriction",
                "weight": 0.15,
                "reason": "Limits where she may meet clients, often set by whoever controls the location.",
                "start": 4,
                "end": 16,
            }]})
        );
    }
}
