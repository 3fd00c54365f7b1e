//! The tokenizer against spaCy's own tokens: the WNUT-17 golden set (`tools/spacy/golden.py`) and the hard
//! cases of `tools/spacy/export_tokenizer.py`. Offsets in both files are in characters.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use humdex_text::tokenizer::{Token, Tokenizer};
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;

const GOLDEN: &str = include_str!("data/spacy-golden.jsonl");
const CASES: &str = include_str!("data/tokenizer-cases.jsonl");

/// A WNUT-17 document: spaCy's tokens with their NORM.
#[derive(Deserialize)]
struct Golden {
    text: String,
    tokens: Vec<(usize, usize, String)>,
}

/// A hard case: spaCy's tokens with their NORM and the NORM of their lexeme (the norm without a special case).
#[derive(Deserialize)]
struct Case {
    text: String,
    tokens: Vec<(usize, usize, String, String)>,
}

fn tokenizer() -> Option<&'static Tokenizer> {
    static TOKENIZER: OnceLock<Option<Tokenizer>> = OnceLock::new();
    TOKENIZER.get_or_init(|| Tokenizer::english().ok()).as_ref()
}

fn docs<T: DeserializeOwned>(jsonl: &str) -> Result<Vec<T>, serde_json::Error> {
    jsonl.lines().map(serde_json::from_str).collect()
}

/// Our tokens as character offsets.
fn char_spans(text: &str, tokens: &[Token]) -> Vec<Option<(usize, usize)>> {
    let chars: HashMap<usize, usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .enumerate()
        .map(|(c, b)| (b, c))
        .collect();
    tokens
        .iter()
        .map(|t| Some((*chars.get(&t.span.start)?, *chars.get(&t.span.end)?)))
        .collect()
}

/// Whether our tokens have spaCy's spans; prints both when not.
fn same_spans(tokenizer: &Tokenizer, text: &str, gold: &[(usize, usize)]) -> bool {
    let ours = char_spans(text, &tokenizer.tokenize(text));
    let same = ours.iter().eq(gold
        .iter()
        .map(|&span| Some(span))
        .collect::<Vec<_>>()
        .iter());
    if !same {
        let show = |(s, e): (usize, usize)| {
            text.chars()
                .skip(s)
                .take(e.saturating_sub(s))
                .collect::<String>()
        };
        let ours: Vec<String> = ours.into_iter().flatten().map(show).collect();
        let gold: Vec<String> = gold.iter().copied().map(show).collect();
        eprintln!("{text:?}\n  spaCy: {gold:?}\n  ours:  {ours:?}");
    }
    same
}

#[test]
fn golden_tokens_are_spacys() {
    let tokenizer = tokenizer().unwrap();
    let docs: Vec<Golden> = docs(GOLDEN).unwrap();
    let (mut same, mut special, mut lexical) = (0, 0, 0);
    // A norm the tokenizer does not set comes from the lexeme, so it must be the same wherever the word is.
    let mut lexeme_norms: HashMap<String, String> = HashMap::new();
    for doc in &docs {
        let spans: Vec<(usize, usize)> = doc.tokens.iter().map(|(s, e, _)| (*s, *e)).collect();
        if !same_spans(tokenizer, &doc.text, &spans) {
            continue;
        }
        same += 1;
        for (token, (_, _, norm)) in tokenizer.tokenize(&doc.text).iter().zip(&doc.tokens) {
            let word = &doc.text[token.span.clone()];
            match token.norm {
                Some(ours) => {
                    assert_eq!(ours, norm, "norm of {word:?}");
                    special += 1;
                }
                None if *norm != word.to_lowercase() => {
                    let seen = lexeme_norms
                        .entry(word.to_owned())
                        .or_insert_with(|| norm.clone());
                    assert_eq!(seen, norm, "lexeme norm of {word:?}");
                    lexical += 1;
                }
                None => {}
            }
        }
    }
    eprintln!(
        "golden texts (WNUT-17 and ours): {same}/{} documents identical; {special} norms set by special cases, {lexical} other norms \
         that differ from the lower case",
        docs.len()
    );
    assert_eq!(same, docs.len());
}

#[test]
fn hard_cases_are_spacys() {
    let tokenizer = tokenizer().unwrap();
    let docs: Vec<Case> = docs(CASES).unwrap();
    let (mut same, mut special) = (0, 0);
    for doc in &docs {
        let spans: Vec<(usize, usize)> = doc.tokens.iter().map(|(s, e, _, _)| (*s, *e)).collect();
        if !same_spans(tokenizer, &doc.text, &spans) {
            continue;
        }
        same += 1;
        for (token, (_, _, norm, lexeme_norm)) in
            tokenizer.tokenize(&doc.text).iter().zip(&doc.tokens)
        {
            assert_eq!(
                token.norm.unwrap_or(lexeme_norm),
                norm,
                "norm of {:?}",
                &doc.text[token.span.clone()]
            );
            special += usize::from(token.norm.is_some());
        }
    }
    eprintln!(
        "hard cases: {same}/{} documents identical; {special} norms set by special cases",
        docs.len()
    );
    assert_eq!(same, docs.len());
}

#[test]
fn special_cases_set_norms() {
    let text = "I'm gonna go, don't wait";
    let tokens = tokenizer().unwrap().tokenize(text);
    let got: Vec<(&str, Option<&str>)> = tokens
        .iter()
        .map(|t| (&text[t.span.clone()], t.norm))
        .collect();
    let want = [
        ("I", Some("i")),
        ("'m", Some("am")),
        ("gon", Some("going")),
        ("na", Some("to")),
        ("go", None),
        (",", None),
        ("do", Some("do")),
        ("n't", Some("not")),
        ("wait", None),
    ];
    assert_eq!(got, want);
}

#[test]
fn degenerate_inputs() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Tokenizer>();
    let tokenizer = tokenizer().unwrap();
    assert!(tokenizer.tokenize("").is_empty());
    let long = [
        "a".repeat(1 << 20),
        "(".repeat(1 << 16),
        "a.".repeat(1 << 16),
        "a:".repeat(1 << 16),
        "1-".repeat(1 << 16),
        "😀".repeat(1 << 14),
        "👩\u{200d}👩\u{200d}👧🏽".repeat(1 << 12),
        "-".repeat(1 << 16),
        "\u{0}\u{7}\u{1b}\u{1c}\r\u{85}".repeat(1 << 12),
    ];
    for text in long {
        let tokens = tokenizer.tokenize(&text);
        assert_eq!(tokens.first().map(|t| t.span.start), Some(0));
        assert_eq!(tokens.last().map(|t| t.span.end), Some(text.len()));
    }
}

/// Tokens per second on the WNUT-17 texts:
/// `cargo test --release -p humdex-text --test tokenizer_golden -- --ignored speed --nocapture`.
#[test]
#[ignore = "a benchmark"]
fn speed() {
    let texts: Vec<String> = docs::<Golden>(GOLDEN)
        .unwrap()
        .into_iter()
        .map(|doc| doc.text)
        .collect();
    let fresh = Tokenizer::english().unwrap();
    let count = |rounds: usize| -> usize {
        (0..rounds)
            .map(|_| {
                texts
                    .iter()
                    .map(|text| fresh.tokenize(text).len())
                    .sum::<usize>()
            })
            .sum()
    };
    for (label, rounds) in [("cold cache", 1), ("warm cache", 20)] {
        let start = Instant::now();
        let tokens = count(rounds);
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{label}: {tokens} tokens in {secs:.3} s: {:.0} tokens/s",
            tokens as f64 / secs
        );
    }
}

proptest! {
    #[test]
    fn tokens_cover_the_text(text in prop_oneof![
        prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter),
        "[ a.,:;'\"()\\-/@#$%0-9A-Z\\t\\n\u{a0}\u{1c}😀]{0,60}",
    ]) {
        let tokens = tokenizer().unwrap().tokenize(&text);
        let mut end = 0;
        for token in &tokens {
            prop_assert!(token.span.start >= end && token.span.start < token.span.end && token.span.end <= text.len());
            // Between tokens there is nothing but a token's single trailing ' '.
            prop_assert!(matches!(&text[end..token.span.start], "" | " "));
            end = token.span.end;
        }
        prop_assert!(matches!(&text[end..], "" | " "));
    }
}
