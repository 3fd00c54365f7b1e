//! From raw text, the Rust tokenizer and NER must give spaCy's own entities — same spans, same
//! labels — on every golden document (`tests/data/spacy-golden.jsonl`, written by
//! `tools/spacy/golden.py` with spaCy's NER-only pipeline over WNUT-17 test and our trafficking
//! corpus; offsets are in characters).
#![expect(clippy::expect_used, reason = "a golden test fails loudly")]

use humdex_text::ner::{Ner, NerToken};
use humdex_text::tokenizer::Tokenizer;
use serde::Deserialize;

#[derive(Deserialize)]
struct Doc {
    id: String,
    text: String,
    tokens: Vec<(usize, usize, String)>,
    ents: Vec<(usize, usize, String)>,
}

/// The golden documents; a line that does not parse fails the test.
fn golden() -> Vec<Doc> {
    let data = include_str!("data/spacy-golden.jsonl");
    let docs: Vec<Doc> = data
        .lines()
        .map(|line| serde_json::from_str(line).expect("golden line parses"))
        .collect();
    let wnut = docs.iter().filter(|d| d.id.starts_with("wnut17-")).count();
    assert_eq!(wnut, 1287, "every WNUT-17 test sentence");
    assert!(docs.len() - wnut >= 300, "our own texts");
    docs
}

/// Character offsets of each byte offset that starts a character (and of the end).
fn char_of(text: &str) -> impl Fn(usize) -> usize + '_ {
    move |byte| text[..byte].chars().count()
}

struct Run<'t> {
    /// (start, end, NORM) per token, in characters, as our tokenizer and NER see them.
    tokens: Vec<(usize, usize, String)>,
    ner_tokens: Vec<NerToken<'t>>,
}

fn run<'t>(tokenizer: &'t Tokenizer, ner: &Ner, text: &'t str) -> Run<'t> {
    let to_char = char_of(text);
    let tokens = tokenizer.tokenize(text);
    let ner_tokens: Vec<NerToken<'t>> = tokens
        .iter()
        .map(|token| NerToken {
            text: &text[token.span.clone()],
            norm: token.norm,
        })
        .collect();
    let tokens = tokens
        .iter()
        .zip(&ner_tokens)
        .map(|(token, input)| {
            let norm = input
                .norm
                .map_or_else(|| ner.norm(input.text).into_owned(), str::to_owned);
            (to_char(token.span.start), to_char(token.span.end), norm)
        })
        .collect();
    Run { tokens, ner_tokens }
}

#[test]
fn entities_from_raw_text_equal_spacys() {
    let tokenizer = Tokenizer::english().expect("embedded rules load");
    let ner = Ner::load().expect("embedded model loads");
    let docs = golden();
    let mut mismatches = Vec::new();
    for doc in &docs {
        let run = run(&tokenizer, &ner, &doc.text);
        if run.tokens != doc.tokens {
            mismatches.push(format!("{}: tokens or NORMs differ", doc.id));
            continue;
        }
        let ents: Vec<(usize, usize, String)> = ner
            .recognize(&run.ner_tokens)
            .into_iter()
            .map(|e| {
                let (start, end) = (run.tokens[e.tokens.start].0, run.tokens[e.tokens.end - 1].1);
                (start, end, e.label.as_str().to_owned())
            })
            .collect();
        if ents != doc.ents {
            mismatches.push(format!(
                "{}: {:?}\n  spaCy: {:?}\n  ours:  {:?}",
                doc.id, doc.text, doc.ents, ents
            ));
        }
    }
    println!(
        "{}/{} documents identical",
        docs.len() - mismatches.len(),
        docs.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(5)].join("\n")
    );
}

#[test]
fn batch_equals_one_by_one() {
    let tokenizer = Tokenizer::english().expect("embedded rules load");
    let ner = Ner::load().expect("embedded model loads");
    let docs = golden();
    let runs: Vec<Run<'_>> = docs
        .iter()
        .take(200)
        .map(|doc| run(&tokenizer, &ner, &doc.text))
        .collect();
    let batch: Vec<&[NerToken<'_>]> = runs.iter().map(|run| run.ner_tokens.as_slice()).collect();
    let one_by_one: Vec<_> = batch.iter().map(|doc| ner.recognize(doc)).collect();
    assert_eq!(ner.recognize_batch(&batch), one_by_one);
    assert!(ner.recognize(&[]).is_empty());
}
