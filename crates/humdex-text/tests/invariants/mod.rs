//! What must hold of any analysis of any text; shared by the fuzz smoke test and the libFuzzer
//! target in `fuzz/`.

use humdex_text::{Analyzer, Context, highlight};

/// Analyses `text` and checks the result: entities in order, within the text, never overlapping,
/// their text what the offsets say; indicator hits within the text; a score in 0..=1; the JSON
/// and the highlighted HTML produced without a panic.
pub fn check(analyzer: &Analyzer, text: &str) {
    let analysis = analyzer.analyze(text, &Context::default());
    let analysed = match analysis.truncated {
        Some(truncation) => truncation.analyzed_chars,
        None => text.chars().count(),
    };
    let mut previous_end = 0;
    for entity in &analysis.entities {
        assert!(entity.start < entity.end, "empty entity {entity:?}");
        assert!(entity.start >= previous_end, "overlap at {entity:?}");
        assert!(entity.end <= analysed, "beyond the text: {entity:?}");
        assert_eq!(text.get(entity.bytes.clone()), Some(entity.text.as_str()));
        let by_chars: String = text
            .chars()
            .skip(entity.start)
            .take(entity.end - entity.start)
            .collect();
        assert_eq!(by_chars, entity.text);
        assert!((0.0..=1.0).contains(&entity.confidence));
        previous_end = entity.end;
    }
    let score = analysis.indicators.score;
    assert!((0.0..=1.0).contains(&score), "score {score}");
    for hit in &analysis.indicators.hits {
        assert!(hit.start < hit.end && hit.end <= analysed, "hit {hit:?}");
    }
    assert!(
        serde_json::to_string(&analysis).is_ok(),
        "the analysis serializes"
    );
    let marks: Vec<highlight::Mark> = analysis
        .entities
        .iter()
        .map(|entity| highlight::Mark {
            span: entity.start..entity.end,
            what: highlight::Marked::Entity {
                kind: entity.kind,
                detail: entity.text.clone(),
            },
        })
        .collect();
    let html = highlight::html(text, &marks);
    assert_eq!(html.matches("<mark").count(), marks.len());
}
