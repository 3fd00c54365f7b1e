//! spaCy's lexical attributes the model reads: NORM, PREFIX, SUFFIX, SHAPE (as string ids) and
//! IS_SPACE.

use std::borrow::Cow;

use super::hash::murmur64a;
use super::model::Model;

/// Python's `str` predicates, which the weight file carries as code point ranges so that they
/// match the Python that exported the model (Rust's `char` predicates differ, e.g. `isdigit`).
#[derive(Clone, Copy)]
enum CharClass {
    Alpha = 0,
    Upper = 1,
    Digit = 2,
    Space = 3,
}

impl Model {
    fn is(&self, class: CharClass, c: char) -> bool {
        let cp = u32::from(c);
        self.char_classes.get(class as usize).is_some_and(|ranges| {
            let i = ranges.partition_point(|&(_, last)| last < cp);
            ranges.get(i).is_some_and(|&(first, _)| first <= cp)
        })
    }

    /// spaCy's string id: 0 for "", the symbol id for its reserved strings, else MurmurHash64A.
    pub(super) fn string_id(&self, s: &str) -> u64 {
        if s.is_empty() {
            0
        } else if let Some(&id) = self.symbols.get(s) {
            id
        } else {
            murmur64a(s.as_bytes(), 1)
        }
    }

    /// The lexeme's NORM: the exception for the exact text (`lexeme_norm`, then spaCy's
    /// `BASE_NORMS`), else Python's `str.lower`.
    pub(super) fn norm<'a>(&'a self, text: &'a str) -> Cow<'a, str> {
        let key = self.string_id(text);
        if let Ok(i) = self.norms.binary_search_by_key(&key, |&(k, _)| k)
            && let Some(&(_, norm)) = self.norms.get(i)
        {
            return Cow::Borrowed(norm);
        }
        if text.bytes().any(|b| b.is_ascii_uppercase()) || !text.is_ascii() {
            Cow::Owned(text.to_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    }

    /// Python's `str.isspace` (spaCy's IS_SPACE): non-empty and all whitespace, `\x1c`..`\x1f`
    /// included.
    pub(super) fn is_space(&self, text: &str) -> bool {
        !text.is_empty() && text.chars().all(|c| self.is(CharClass::Space, c))
    }

    /// spaCy's `word_shape`: letters to X/x, digits to d, runs cut after four.
    fn shape(&self, text: &str, out: &mut String) {
        out.clear();
        if text.chars().count() >= 100 {
            out.push_str("LONG");
            return;
        }
        let (mut last, mut run) = (None, 0);
        for c in text.chars() {
            let shape = if c.is_ascii() {
                match c {
                    'A'..='Z' => 'X',
                    'a'..='z' => 'x',
                    '0'..='9' => 'd',
                    _ => c,
                }
            } else if self.is(CharClass::Alpha, c) {
                if self.is(CharClass::Upper, c) {
                    'X'
                } else {
                    'x'
                }
            } else if self.is(CharClass::Digit, c) {
                'd'
            } else {
                c
            };
            if last == Some(shape) {
                run += 1;
            } else {
                (last, run) = (Some(shape), 0);
            }
            if run < 4 {
                out.push(shape);
            }
        }
    }

    /// The four HashEmbed ids (NORM, PREFIX, SUFFIX, SHAPE) of a token.
    pub(super) fn features(
        &self,
        text: &str,
        norm: Option<&str>,
        scratch: &mut String,
    ) -> [u64; 4] {
        let norm = norm.map_or_else(|| self.norm(text), Cow::Borrowed);
        let prefix = text
            .char_indices()
            .nth(1)
            .map_or(text, |(end, _)| text.get(..end).unwrap_or(text));
        let suffix = text
            .char_indices()
            .rev()
            .nth(2)
            .map_or(text, |(start, _)| text.get(start..).unwrap_or(text));
        self.shape(text, scratch);
        [
            self.string_id(&norm),
            self.string_id(prefix),
            self.string_id(suffix),
            self.string_id(scratch),
        ]
    }
}
