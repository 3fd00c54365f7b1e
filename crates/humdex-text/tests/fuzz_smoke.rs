//! The extractor on hostile and odd input: no panic, and every invariant of `invariants::check`.
//! `fuzz/` runs the same check under libFuzzer for longer.

mod invariants;

use std::sync::LazyLock;

use humdex_text::{Analyzer, MAX_TEXT_BYTES};
use proptest::prelude::*;

#[expect(clippy::expect_used, reason = "a test fails loudly")]
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new().expect("the model loads"));

fn check(text: &str) {
    invariants::check(&ANALYZER, text);
}

#[test]
fn empty_and_blank_texts() {
    for text in ["", " ", "\n\n\t", "\u{200b}", "\u{feff}"] {
        check(text);
    }
}

#[test]
fn a_megabyte_without_a_space_is_cut_and_said_so() {
    let text = "x".repeat(MAX_TEXT_BYTES + 4096);
    check(&text);
    let analysis = ANALYZER.analyze(&text, &Default::default());
    let truncation = analysis.truncated.expect("the cap is reported");
    assert_eq!(truncation.total_chars, MAX_TEXT_BYTES + 4096);
    assert_eq!(truncation.analyzed_chars, MAX_TEXT_BYTES);
}

#[test]
fn deep_emoji_sequences() {
    let family = "👩\u{200d}👩\u{200d}👧\u{200d}👦";
    check(&family.repeat(5000));
    check(&"🌹\u{fe0f}".repeat(20_000));
    check(&"🇺🇸🇲🇽".repeat(5000));
    check(&format!("a{}", "\u{301}".repeat(50_000)));
    check(&"5\u{fe0f}\u{20e3}".repeat(3000));
}

#[test]
fn binary_looking_text() {
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    check(&String::from_utf8_lossy(&bytes));
    check(&"\u{0}\u{1}\u{7f}\u{9b}".repeat(10_000));
}

#[test]
fn long_runs_of_what_patterns_look_for() {
    for unit in [
        "1", "1 ", "$", "@", ".", "-", "0x", "bc1", "+1 ", "°", "(", "http://", "a@b.",
    ] {
        check(&unit.repeat(50_000));
    }
}

#[test]
fn the_golden_texts() {
    let golden = include_str!("data/spacy-golden.jsonl");
    for line in golden.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("golden JSON");
        check(row["text"].as_str().expect("text"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text(text in "\\PC{0,300}") {
        check(&text);
    }

    #[test]
    fn text_made_of_pattern_pieces(pieces in proptest::collection::vec(
        prop_oneof![
            Just("Call 713-528-1234 "), Just("$150/hr "), Just("19yo "), Just("@kiki_xo "),
            Just("40°42'46\"N "), Just("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq "), Just("Houston, TX "),
            Just("new in town 🌹 "), Just("five five five "), Just("Glock 19 "), Just("plate ABC1234 "),
            Just("jane at mail dot com "), Just("\u{200d}"), Just("\n"), Just("é"), Just("Jan 5, 2026 "),
        ], 0..40)) {
        check(&pieces.concat());
    }
}
