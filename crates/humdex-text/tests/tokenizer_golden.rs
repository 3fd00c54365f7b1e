//! The tokenizer against spaCy's own tokens: the WNUT-17 golden set and the hard cases of
//! `tools/spacy/export_tokenizer.py`.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use humdex_text::tokenizer::{Token, Tokenizer};
use proptest::prelude::*;
use serde_json::Value;

fn tokenizer() -> &'static Tokenizer {
    static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| Tokenizer::english().unwrap())
}

/// (text, spaCy's tokens as character offsets with the other columns of each row).
fn load(name: &str) -> Vec<(String, Vec<(usize, usize, Vec<Value>)>)> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let doc: Value = serde_json::from_str(line).unwrap();
            let tokens = doc["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let t = t.as_array().unwrap();
                    (
                        t[0].as_u64().unwrap() as usize,
                        t[1].as_u64().unwrap() as usize,
                        t[2..].to_vec(),
                    )
                })
                .collect();
            (doc["text"].as_str().unwrap().to_owned(), tokens)
        })
        .collect()
}

/// Our tokens as character offsets.
fn char_spans(text: &str, tokens: &[Token]) -> Vec<(usize, usize)> {
    let mut chars: HashMap<usize, usize> = text
        .char_indices()
        .enumerate()
        .map(|(c, (b, _))| (b, c))
        .collect();
    chars.insert(text.len(), text.chars().count());
    tokens
        .iter()
        .map(|t| (chars[&t.span.start], chars[&t.span.end]))
        .collect()
}

/// Compares spans; returns the number of identical documents and checks norms with `check_norm`.
fn compare(name: &str, mut check_norm: impl FnMut(&str, &Token, &[Value])) -> (usize, usize) {
    let docs = load(name);
    let mut same = 0;
    for (text, gold) in &docs {
        let ours = tokenizer().tokenize(text);
        let spans = char_spans(text, &ours);
        let gold_spans: Vec<(usize, usize)> = gold.iter().map(|(s, e, _)| (*s, *e)).collect();
        if spans == gold_spans {
            same += 1;
            for (token, (_, _, rest)) in ours.iter().zip(gold) {
                check_norm(&text[token.span.clone()], token, rest);
            }
        } else {
            let show = |v: &[(usize, usize)]| -> Vec<String> {
                v.iter()
                    .map(|&(s, e)| text.chars().skip(s).take(e - s).collect())
                    .collect()
            };
            eprintln!(
                "{name}: {text:?}\n  spaCy: {:?}\n  ours:  {:?}",
                show(&gold_spans),
                show(&spans)
            );
        }
    }
    (same, docs.len())
}

#[test]
fn wnut17_tokens_are_spacys() {
    let (mut special, mut lexical) = (0, 0);
    // A norm the tokenizer does not set comes from the lexeme, so it must be the same wherever the word is.
    let mut lexeme_norms: HashMap<String, String> = HashMap::new();
    let (same, total) = compare("spacy-golden.jsonl", |word, token, rest| {
        let norm = rest[0].as_str().unwrap();
        match token.norm {
            Some(ours) => {
                assert_eq!(ours, norm, "norm of {word:?}");
                special += 1;
            }
            None if norm != word.to_lowercase() => {
                let seen = lexeme_norms
                    .entry(word.to_owned())
                    .or_insert_with(|| norm.to_owned());
                assert_eq!(seen, norm, "lexeme norm of {word:?}");
                lexical += 1;
            }
            None => {}
        }
    });
    eprintln!(
        "WNUT-17: {same}/{total} documents identical; {special} norms from special cases, {lexical} from lexemes"
    );
    assert_eq!(same, total);
}

#[test]
fn hard_cases_are_spacys() {
    let mut special = 0;
    let (same, total) = compare("tokenizer-cases.jsonl", |word, token, rest| {
        let (norm, lexeme_norm) = (rest[0].as_str().unwrap(), rest[1].as_str().unwrap());
        assert_eq!(token.norm.unwrap_or(lexeme_norm), norm, "norm of {word:?}");
        special += usize::from(token.norm.is_some());
    });
    eprintln!("hard cases: {same}/{total} documents identical; {special} norms from special cases");
    assert_eq!(same, total);
}

#[test]
fn special_cases_set_norms() {
    let text = "I'm gonna go, don't wait";
    let tokens = tokenizer().tokenize(text);
    let got: Vec<(&str, Option<&str>)> = tokens
        .iter()
        .map(|t| (&text[t.span.clone()], t.norm))
        .collect();
    assert_eq!(
        got,
        [
            ("I", Some("i")),
            ("'m", Some("am")),
            ("gon", Some("going")),
            ("na", Some("to")),
            ("go", None),
            (",", None),
            ("do", Some("do")),
            ("n't", Some("not")),
            ("wait", None)
        ]
    );
}

#[test]
fn degenerate_inputs() {
    let t = tokenizer();
    assert!(t.tokenize("").is_empty());
    for text in [
        "a".repeat(1 << 20),
        "(".repeat(1 << 16),
        "a.".repeat(1 << 16),
        "😀".repeat(1 << 14),
        "-".repeat(1 << 16),
    ] {
        let tokens = t.tokenize(&text);
        assert_eq!(tokens.first().map(|t| t.span.start), Some(0));
        assert_eq!(tokens.last().map(|t| t.span.end), Some(text.len()));
    }
}

/// Tokens per second on the WNUT-17 texts: `cargo test --release --test tokenizer_golden -- --ignored speed --nocapture`.
#[test]
#[ignore]
fn speed() {
    let texts: Vec<String> = load("spacy-golden.jsonl")
        .into_iter()
        .map(|(text, _)| text)
        .collect();
    let count = |t: &Tokenizer| {
        texts
            .iter()
            .map(|text| t.tokenize(text).len())
            .sum::<usize>()
    };
    let fresh = Tokenizer::english().unwrap();
    let start = Instant::now();
    let tokens = count(&fresh);
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "cold cache: {tokens} tokens in {secs:.3} s: {:.0} tokens/s",
        tokens as f64 / secs
    );
    let start = Instant::now();
    let tokens: usize = (0..20).map(|_| count(&fresh)).sum();
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "warm cache: {tokens} tokens in {secs:.3} s: {:.0} tokens/s",
        tokens as f64 / secs
    );
}

proptest! {
    #[test]
    fn tokens_cover_the_text(text in "\\PC{0,40}|[ a.,:;'\"()\\-/@#$%0-9A-Z\\t\\n\u{a0}😀]{0,60}") {
        let tokens = tokenizer().tokenize(&text);
        let mut end = 0;
        for token in &tokens {
            prop_assert!(token.span.start >= end && token.span.start < token.span.end && token.span.end <= text.len());
            // Only a single ' ' is left between tokens.
            prop_assert!(text[end..token.span.start].is_empty() || &text[end..token.span.start] == " ");
            end = token.span.end;
        }
        prop_assert!(text[end..].is_empty() || &text[end..] == " ");
    }
}
