//! The Rust NER must give spaCy's own entities on spaCy's own tokens (`tests/data/spacy-golden.jsonl`,
//! written by `tools/spacy/golden.py` with spaCy's NER-only pipeline; offsets are in characters).

use humdex_text::ner::{Ner, NerToken};
use serde::Deserialize;

#[derive(Deserialize)]
struct Doc {
    id: String,
    text: String,
    tokens: Vec<(usize, usize, String)>,
    ents: Vec<(usize, usize, String)>,
}

/// Tokens whose NORM comes from a tokenizer special case ("ll" -> "will", "nt" -> "not", "gon" -> "going",
/// ...), counted with spaCy as `token.norm_ != token.lex.norm_` over the golden texts. Only the tokenizer
/// knows these, so the test passes them in as `NerToken::norm`; every other NORM the model derives itself.
const SPECIAL_CASE_NORMS: usize = 44;

#[test]
fn entities_equal_spacy_on_wnut17() {
    let ner = Ner::load().expect("embedded model loads");
    let data = include_str!("data/spacy-golden.jsonl");
    let (mut docs, mut identical, mut special) = (0, 0, Vec::new());
    let mut mismatches = Vec::new();
    for line in data.lines() {
        let doc: Doc = serde_json::from_str(line).expect("golden line parses");
        // Character offset -> byte offset.
        let bytes: Vec<usize> = doc
            .text
            .char_indices()
            .map(|(b, _)| b)
            .chain([doc.text.len()])
            .collect();
        let texts: Vec<&str> = doc
            .tokens
            .iter()
            .map(|&(s, e, _)| &doc.text[bytes[s]..bytes[e]])
            .collect();
        let tokens: Vec<NerToken<'_>> = texts
            .iter()
            .zip(&doc.tokens)
            .map(|(&text, (_, _, norm))| {
                let special_case = *ner.norm(text) != **norm;
                if special_case {
                    special.push(format!("{text:?} -> {norm:?}"));
                }
                NerToken {
                    text,
                    norm: special_case.then_some(norm.as_str()),
                }
            })
            .collect();
        let ents: Vec<(usize, usize, String)> = ner
            .recognize(&tokens)
            .into_iter()
            .map(|e| {
                (
                    doc.tokens[e.tokens.start].0,
                    doc.tokens[e.tokens.end - 1].1,
                    e.label.as_str().to_owned(),
                )
            })
            .collect();
        docs += 1;
        if ents == doc.ents {
            identical += 1;
        } else {
            mismatches.push(format!(
                "{}: {:?}\n  spaCy: {:?}\n  ours:  {:?}",
                doc.id, doc.text, doc.ents, ents
            ));
        }
    }
    println!(
        "{identical}/{docs} documents identical; {} special-case norms",
        special.len()
    );
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
    assert_eq!(docs, 1287);
}
