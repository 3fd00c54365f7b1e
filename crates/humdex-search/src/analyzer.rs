//! The one text analyser of search: the index, the query parser and the percolator all cut text
//! into the same tokens, so a stored query matches a new record exactly when a search for it
//! would.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenStream,
};

/// The name the index registers [`text_analyzer`] under.
pub const TEXT: &str = "humdex_text";
/// The name the index registers [`key_analyzer`] under.
pub const KEY: &str = "humdex_key";

/// Tokens longer than this are dropped: base64 blobs and the like, which nobody searches for.
const LONGEST_TOKEN: usize = 64;

/// Words, lower-cased, folded to ASCII (`Łódź` is found by `lodz`) and stemmed (English).
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Words, lower-cased and folded, not stemmed: for prefixes and entity keys.
pub fn key_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// A token and its position among the tokens of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token as indexed.
    pub text: String,
    /// Its position, counted in tokens.
    pub position: usize,
}

/// The tokens of `text` under `analyzer`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(Token {
            text: token.text.clone(),
            position: token.position,
        });
    }
    tokens
}

/// The search key of an entity's normalised value: its words, lower-cased and folded, one space
/// apart. A phone's E.164 `+15555550123` becomes `15555550123`, a name `Jane  DOE` `jane doe`.
pub fn entity_key(value: &str) -> String {
    let mut analyzer = key_analyzer();
    let words: Vec<String> = tokens(&mut analyzer, value)
        .into_iter()
        .map(|token| token.text)
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_stems() {
        let words: Vec<String> = tokens(&mut text_analyzer(), "Łódź trafficking Victims")
            .into_iter()
            .map(|token| token.text)
            .collect();
        assert_eq!(words, ["lodz", "traffick", "victim"]);
    }

    #[test]
    fn entity_keys_ignore_case_spacing_and_punctuation() {
        assert_eq!(entity_key("Jane  DOE"), "jane doe");
        assert_eq!(entity_key("+15555550123"), "15555550123");
        assert_eq!(entity_key("Zoë"), "zoe");
    }
}
