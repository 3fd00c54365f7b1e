//! Ages: a number with its age marker, after it (`19yo`, `19 y/o`, `19 y.o.`, `19yrs old`, `16-year-old`,
//! `16 years of age`) or before it (`age 16`, `aged 17`, `age: 22`, `age of 15`).
//!
//! Policies: a bracketed number is an age only after a person word, optionally with a name between
//! (`girl (17)`, `victim Maria (16)`); its span is the number, without the brackets. "19 years" without "old" (years
//! of experience, of a sentence) and spelled-out numbers are left out. Ages outside 1–120 are ignored.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::{Context, EntityKind, Found, Normalized};

// `(?-u:\b)`: ASCII word boundaries; Unicode ones make the regex engine leave its fast DFA on any emoji.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
          (?-u:\b)(?P<n1>\d{1,3})\s?(?:-\s?)?
          (?:yo(?-u:\b)|y/o(?-u:\b)|y\.o\.?|yrs?\.?[\s-]?old(?-u:\b)|years?[\s-]old(?-u:\b)|years?\s+of\s+age(?-u:\b)|yoa(?-u:\b))
        | (?-u:\b)(?:aged?|age\s+of)(?-u:\b)\s*[:=-]?\s*(?P<n2>\d{1,3})(?-u:\b)
        | (?-u:\b)(?:girl|boy|female|male|woman|man|victim|juvenile|minor|daughter|son|sister|brother|teen|child|kid|suspect)s?
          ,?(?-i:\s+[A-Z][\w'-]*){0,2}\s*\((?P<n3>\d{1,2})\)
        ",
    )
    .expect("valid age pattern")
});

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    for caps in AGE.captures_iter(text) {
        let Some((span, years, confidence)) = age(text, &caps) else {
            continue;
        };
        out.push(Found {
            kind: EntityKind::Age,
            span,
            normalized: Normalized::Years(years),
            confidence,
            source: "age",
        });
    }
}

fn age(text: &str, caps: &Captures) -> Option<(std::ops::Range<usize>, u32, f32)> {
    let whole = caps.get(0)?;
    let (number, span, confidence) = if let Some(n) = caps.name("n1") {
        // Not the tail of a longer number, a price or a measurement.
        let before = text.get(..n.start()).and_then(|s| s.chars().next_back());
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | ',' | '$' | '€' | '£'))
        {
            return None;
        }
        (n, whole.range(), 0.9)
    } else if let Some(n) = caps.name("n2") {
        (n, whole.range(), 0.9)
    } else {
        let n = caps.name("n3")?;
        (n, n.range(), 0.7)
    };
    let years: u32 = number.as_str().parse().ok()?;
    (1..=120)
        .contains(&years)
        .then_some((span, years, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn run(text: &str) -> Vec<(String, u32)> {
        finds(find, text, &Context::default())
            .into_iter()
            .map(|f| match f.normalized {
                Normalized::Years(years) => (text[f.span].to_owned(), years),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    fn age(span: &str, years: u32) -> (String, u32) {
        (span.to_owned(), years)
    }

    #[test]
    fn markers_after_the_number() {
        for (text, span, years) in [
            ("new girl 19yo", "19yo", 19),
            ("19 y/o petite", "19 y/o", 19),
            ("19 y.o. latina", "19 y.o.", 19),
            ("19yrs old", "19yrs old", 19),
            ("a 16 year old girl", "16 year old", 16),
            ("the 16-year-old victim", "16-year-old", 16),
            ("16 years old.", "16 years old", 16),
            ("15 years of age", "15 years of age", 15),
            ("22 YO", "22 YO", 22),
        ] {
            assert_eq!(run(text), [age(span, years)], "{text}");
        }
    }

    #[test]
    fn markers_before_the_number() {
        assert_eq!(run("age 16"), [age("age 16", 16)]);
        assert_eq!(run("Aged 17, from Houston"), [age("Aged 17", 17)]);
        assert_eq!(run("age: 22"), [age("age: 22", 22)]);
        assert_eq!(run("at the age of 15"), [age("age of 15", 15)]);
    }

    #[test]
    fn brackets_need_a_person_word() {
        assert_eq!(run("a girl (17) was found"), [age("17", 17)]);
        assert_eq!(run("victim Maria Lopez (16) said"), [age("16", 16)]);
        assert!(run("Room (17)").is_empty());
        assert!(run("Maria (17)").is_empty());
    }

    #[test]
    fn not_ages() {
        for text in [
            "age 200",
            "150 years old building",
            "5 years experience",
            "$19yo",
            "1.19yo",
            "age 1990",
            "page 16",
        ] {
            assert!(run(text).is_empty(), "{text}: {:?}", run(text));
        }
        // An old house is still "years old"; that much is accepted.
        assert_eq!(run("a 100 year old house"), [age("100 year old", 100)]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in ["🌹19yo🌹", "é́ age 19", "yo", "(", "age", ""] {
            run(text);
        }
        assert_eq!(run("🌹19yo🌹"), [age("19yo", 19)]);
        run(&"19yo".repeat(25_000));
        run(&"x".repeat(100_000));
        run(&"age ".repeat(25_000));
    }
}
