//! Word tokens with folded forms, shared by the gazetteer's keys and the text being resolved, so both sides fold
//! alike: case, diacritics and script ("Łódź" ~ "lodz"), "St." ~ "Saint", "D.C." ~ "DC", "-" ~ " ".

use std::ops::Range;

/// One word of a text.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Byte span in the original text.
    pub span: Range<usize>,
    /// Span of the folded form in [`Tokens::folded`].
    folded: Range<usize>,
    /// Starts with an upper-case letter and has lower-case ones ("Paris", not "PARIS" or "paris").
    pub capitalised: bool,
    /// Only upper-case letters ("TX", "U.S").
    pub upper: bool,
}

/// The words of a text, in order.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub list: Vec<Token>,
    folded: String,
}

impl Tokens {
    pub fn new(text: &str) -> Self {
        let mut tokens = Self::default();
        tokens.fill(text);
        tokens
    }

    /// Replaces the words with those of `text`, reusing the buffers.
    pub fn fill(&mut self, text: &str) {
        self.list.clear();
        self.folded.clear();
        let mut start = None;
        for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
            if is_word_char(c) {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                self.push(text, s..i);
            }
        }
    }

    /// All words' folded forms joined: the gazetteer key of a name.
    pub fn whole_key(&self) -> String {
        self.key(0..self.list.len())
    }

    /// The folded form of token `i` ("" when out of range).
    pub fn folded(&self, i: usize) -> &str {
        self.list
            .get(i)
            .and_then(|t| self.folded.get(t.folded.clone()))
            .unwrap_or_default()
    }

    /// The folded forms of `range` joined by single spaces: a gazetteer key.
    pub fn key(&self, range: Range<usize>) -> String {
        let mut key = String::new();
        for i in range {
            if !key.is_empty() {
                key.push(' ');
            }
            key.push_str(self.folded(i));
        }
        key
    }

    fn push(&mut self, text: &str, span: Range<usize>) {
        let word = text.get(span.clone()).unwrap_or_default();
        // "D.C." and "U.S." arrive as single letters split by dots; join them into one word.
        if let Some(prev) = self.list.last_mut()
            && word.len() == 1
            && word.bytes().all(|b| b.is_ascii_alphabetic())
            && text.get(prev.span.end..span.start) == Some(".")
            && prev.span.len() + 1 == prev.folded.len() * 2
            && text
                .as_bytes()
                .get(prev.span.start)
                .is_some_and(u8::is_ascii_alphabetic)
        {
            fold_into(word, &mut self.folded);
            prev.span.end = span.end;
            prev.folded.end = self.folded.len();
            prev.upper &= word.chars().all(char::is_uppercase);
            return;
        }
        let start = self.folded.len();
        fold_into(word, &mut self.folded);
        // Abbreviations that place names spell out.
        let full = match self.folded.get(start..) {
            Some("st") => Some("saint"),
            Some("ste") => Some("sainte"),
            Some("ft") => Some("fort"),
            Some("mt") => Some("mount"),
            _ => None,
        };
        if let Some(full) = full {
            self.folded.truncate(start);
            self.folded.push_str(full);
        }
        if self.folded.len() == start {
            return; // nothing left after folding (a lone combining mark, an unknown symbol)
        }
        self.list.push(Token {
            span,
            folded: start..self.folded.len(),
            capitalised: word.chars().next().is_some_and(char::is_uppercase)
                && word.chars().any(char::is_lowercase),
            upper: word.chars().all(|c| !c.is_lowercase()),
        });
    }
}

fn is_word_char(c: char) -> bool {
    // Combining marks keep a decomposed "Lo\u{301}dz" in one word.
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

fn fold_into(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(ascii) = deunicode::deunicode_char(c) {
            out.extend(
                ascii
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold_key(text: &str) -> String {
        Tokens::new(text).whole_key()
    }

    #[test]
    fn folds_case_diacritics_and_abbreviations() {
        assert_eq!(fold_key("Łódź"), "lodz");
        assert_eq!(fold_key("Lo\u{301}dz"), "lodz");
        assert_eq!(fold_key("St. Louis"), "saint louis");
        assert_eq!(fold_key("Winston-Salem"), "winston salem");
        assert_eq!(fold_key("Washington, D.C."), "washington dc");
        assert_eq!(fold_key("São Paulo"), "sao paulo");
        assert_eq!(fold_key("Straße"), "strasse");
    }

    #[test]
    fn marks_case() {
        let tokens = Tokens::new("in Paris, TX or U.S. paris");
        let flags: Vec<_> = tokens
            .list
            .iter()
            .map(|t| (t.capitalised, t.upper))
            .collect();
        assert_eq!(
            flags,
            [
                (false, false),
                (true, false),
                (false, true),
                (false, false),
                (false, true),
                (false, false)
            ]
        );
        assert_eq!(tokens.folded(4), "us");
        assert_eq!(tokens.list.get(4).map(|t| t.span.clone()), Some(16..19));
    }
}
