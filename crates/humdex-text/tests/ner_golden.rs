//! The Rust NER must give spaCy's own entities on spaCy's own tokens
//! (`tests/data/spacy-golden.jsonl`, written by `tools/spacy/golden.py` with spaCy's NER-only
//! pipeline; offsets are in characters).

use humdex_text::ner::{Ner, NerToken};
use serde::Deserialize;

#[derive(Deserialize)]
struct Doc {
    id: String,
    text: String,
    tokens: Vec<(usize, usize, String)>,
    ents: Vec<(usize, usize, String)>,
}

/// Tokens whose NORM comes from a tokenizer special case ("ll" -> "will", "nt" -> "not", "gon" ->
/// "going", ...), counted with spaCy as `token.norm_ != token.lex.norm_` over the golden texts.
/// Only the tokenizer knows these, so the test passes them in as `NerToken::norm`; every other
/// NORM the model derives itself, and it must equal spaCy's.
const SPECIAL_CASE_NORMS: usize = 44;

/// The golden documents (a line that does not parse is dropped, and the count check fails).
fn golden() -> Vec<Doc> {
    let data = include_str!("data/spacy-golden.jsonl");
    data.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The document's tokens, with spaCy's NORM where it differs from ours (listed in `special`).
fn tokens<'a>(ner: &Ner, doc: &'a Doc, special: &mut Vec<String>) -> Vec<NerToken<'a>> {
    let bytes: Vec<usize> = doc
        .text
        .char_indices()
        .map(|(b, _)| b)
        .chain([doc.text.len()])
        .collect();
    doc.tokens
        .iter()
        .map(|(start, end, norm)| {
            let text = (bytes.get(*start).zip(bytes.get(*end)))
                .and_then(|(&start, &end)| doc.text.get(start..end))
                .unwrap_or_default();
            let special_case = *ner.norm(text) != **norm;
            if special_case {
                special.push(format!("{text:?} -> {norm:?}"));
            }
            NerToken {
                text,
                norm: special_case.then_some(norm.as_str()),
            }
        })
        .collect()
}

#[test]
fn entities_equal_spacy_on_wnut17() {
    let ner = Ner::load().expect("embedded model loads");
    let docs = golden();
    let (mut special, mut mismatches) = (Vec::new(), Vec::new());
    for doc in &docs {
        let tokens = tokens(&ner, doc, &mut special);
        let ents: Vec<(usize, usize, String)> = ner
            .recognize(&tokens)
            .into_iter()
            .map(|e| {
                let (start, end) = (doc.tokens[e.tokens.start].0, doc.tokens[e.tokens.end - 1].1);
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
        "{}/{} documents identical; {} special-case norms",
        docs.len() - mismatches.len(),
        docs.len(),
        special.len()
    );
    assert_eq!(docs.len(), 1287);
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(5)].join("\n")
    );
    assert_eq!(
        special.len(),
        SPECIAL_CASE_NORMS,
        "tokens whose NORM differs from ours: {special:?}"
    );
}

#[test]
fn batch_equals_one_by_one() {
    let ner = Ner::load().expect("embedded model loads");
    let docs = golden();
    assert_eq!(docs.len(), 1287);
    let docs: Vec<Vec<NerToken<'_>>> = docs
        .iter()
        .take(200)
        .map(|doc| tokens(&ner, doc, &mut Vec::new()))
        .collect();
    let batch: Vec<&[NerToken<'_>]> = docs.iter().map(Vec::as_slice).collect();
    let one_by_one: Vec<_> = batch.iter().map(|doc| ner.recognize(doc)).collect();
    assert_eq!(ner.recognize_batch(&batch), one_by_one);
    assert!(ner.recognize(&[]).is_empty());
}
