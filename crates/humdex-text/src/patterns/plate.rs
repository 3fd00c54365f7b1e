//! Vehicle registration plates, only after a cue word (`plate`, `plates`, `tag`, `license`, `licence plate`,
//! `reg`, `registration`, `rego`, `lic#`), which is outside the span: "white Toyota Camry, plate ABC-1234",
//! "TX plate 7XYZ123", "reg AB12 CDE", "license plate number is 7XYZ123".
//!
//! A plate is 4–8 letters and digits with at least one digit (so "tag me" and "plate was" are not plates); digits
//! alone need five or more (so "tags 2019" is not one). A two-letter state code after the cue ("plate TX ABC1234")
//! is dropped. A licence number after "driver's license" is not a plate.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::{Context, EntityKind, Found, Normalized};

// `(?-u:\b)`: ASCII word boundaries; Unicode ones make the regex engine leave its fast DFA on any emoji.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static PLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?-u:\b)(?P<cue>licen[cs]e\s+plates?|licen[cs]e|lic|reg(?:istration)?|rego|plates?|tags?)(?-u:\b)\.?
        (?:\s*(?:\#|:|,|no(?-u:\b)\.?|num(?:ber)?(?-u:\b)\.?|is(?-u:\b)|was(?-u:\b)|reads?(?-u:\b)|reading(?-u:\b)|of(?-u:\b)|plates?(?-u:\b))\s*){0,4}
        \s*
        (?P<plate>(?-i:[A-Z0-9]{1,8}(?:[\ -][A-Z0-9]{1,8}){0,3})|[a-z0-9]{4,8})(?-u:\b)
        ",
    )
    .expect("valid plate pattern")
});

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    for caps in PLATE.captures_iter(text) {
        let (Some(cue), Some(plate)) = (caps.name("cue"), caps.name("plate")) else {
            continue;
        };
        let lead = text
            .get(text.floor_char_boundary(cue.start().saturating_sub(12))..cue.start())
            .unwrap_or("");
        if cue.as_str().to_ascii_lowercase().starts_with("lic")
            && !cue.as_str().to_ascii_lowercase().contains("plate")
            && lead.to_ascii_lowercase().contains("driv")
        {
            continue;
        }
        let Some((span, normalized)) = best(plate.as_str()) else {
            continue;
        };
        let confidence = if normalized.chars().all(|c| c.is_ascii_digit()) {
            0.6
        } else {
            0.85
        };
        out.push(Found {
            kind: EntityKind::Plate,
            span: plate.start() + span.start..plate.start() + span.end,
            normalized: Normalized::Text(normalized),
            confidence,
            source: "plate",
        });
    }
}

/// The longest run of chunks that makes a plate, after dropping a leading state code if need be; its range within
/// `candidate` and its normalised form.
fn best(candidate: &str) -> Option<(Range<usize>, String)> {
    let chunks: Vec<Range<usize>> = candidate
        .split([' ', '-'])
        .scan(0, |at, chunk| {
            let range = *at..*at + chunk.len();
            *at = range.end + 1;
            Some(range)
        })
        .filter(|r| !r.is_empty())
        .collect();
    let state = chunks
        .first()
        .and_then(|r| candidate.get(r.clone()))
        .is_some_and(|c| c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()));
    let skips = if state { 0..=1 } else { 0..=0 };
    skips
        .flat_map(|skip| (skip + 1..=chunks.len()).rev().map(move |end| (skip, end)))
        .find_map(|(skip, end)| {
            let range = chunks.get(skip)?.start..chunks.get(end - 1)?.end;
            let plate: String = candidate
                .get(range.clone())?
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let digits = plate.chars().filter(char::is_ascii_digit).count();
            let valid = (4..=8).contains(&plate.len())
                && digits > 0
                && (digits < plate.len() || digits >= 5);
            valid.then(|| (range, plate.to_ascii_uppercase()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::texts;

    fn run(text: &str) -> Vec<(String, String)> {
        texts(find, text, &Context::default())
    }

    fn plate(span: &str, normalized: &str) -> (String, String) {
        (span.to_owned(), normalized.to_owned())
    }

    #[test]
    fn plates_after_cues() {
        for (text, span, normalized) in [
            ("white Toyota Camry, plate ABC-1234", "ABC-1234", "ABC1234"),
            ("TX plate 7XYZ123 seen", "7XYZ123", "7XYZ123"),
            ("reg AB12 CDE.", "AB12 CDE", "AB12CDE"),
            ("license plate number is 7xyz123", "7xyz123", "7XYZ123"),
            ("Licence plate: KX 4512", "KX 4512", "KX4512"),
            ("lic#GHT 552", "GHT 552", "GHT552"),
            ("tags: 4HJK-221 (Texas)", "4HJK-221", "4HJK221"),
            ("registration no. 123456", "123456", "123456"),
            ("plate TX ABC1234", "ABC1234", "ABC1234"),
            ("PLATE ABC 1234 WAS STOLEN", "ABC 1234", "ABC1234"),
        ] {
            assert_eq!(run(text), [plate(span, normalized)], "{text}");
        }
    }

    #[test]
    fn no_plate_without_a_cue_or_a_digit() {
        for text in [
            "ABC-1234",
            "a white Camry 7XYZ123",
            "tag me",
            "plates were dirty",
            "tags 2019",
            "price tag $50",
            "driver's license D1234567",
            "regular 1234",
            "plate 12",
        ] {
            assert!(run(text).is_empty(), "{text}: {:?}", run(text));
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in ["plate 🌹", "plate é́ABC123", "plate", "plate - - -", ""] {
            run(text);
        }
        assert_eq!(run("🌹plate ABC123🌹"), [plate("ABC123", "ABC123")]);
        run(&"plate ".repeat(20_000));
        run(&"A".repeat(100_000));
        run(&"plate A-".repeat(12_000));
    }
}
