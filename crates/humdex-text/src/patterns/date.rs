//! Explicit calendar dates: ISO (`2026-01-05`, `2026/01/05`), numeric with `/`, `-` or `.` (`05/01/2026`,
//! `5.1.26`), and month names with a day (`Jan 5, 2026`, `5th of January`, `March 3rd`, `3 March 2025`,
//! `5-Jan-2026`), each with an optional weekday before it, which is part of the span.
//!
//! Policies: an ambiguous numeric date is month-first when the context region writes dates that way (the US, its
//! territories, the Philippines) or is unknown, day-first elsewhere; when only one reading is a valid date, that one
//! wins. Two-digit years are 2000–2069 or 1970–1999. A date without a year takes the reference date's year; without a
//! reference date it normalises to ISO 8601's yearless `--MM-DD`. Numeric dates without a year ("1/5") are too
//! ambiguous (fractions, scores) and are skipped, as are relative dates ("yesterday"), bare years and times.

use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use regex::{Captures, Regex};

use crate::{Context, EntityKind, Found, Normalized};

// `(?-u:\b)`: ASCII word boundaries; Unicode ones make the regex engine leave its fast DFA on any emoji.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?
                  |oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
    let pattern = format!(
        r"(?xi)
        (?:(?-u:\b)(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)
           (?-u:\b)\.?,?\s+(?:the\s+)?)?
        (?:
          (?-u:\b)(?P<iy>\d{{4}})(?P<is1>[-/.])(?P<im>\d{{1,2}})(?P<is2>[-/.])(?P<id>\d{{1,2}})
        | (?-u:\b)(?P<na>\d{{1,2}})(?P<ns1>[-/.])(?P<nb>\d{{1,2}})(?P<ns2>[-/.])(?P<ny>\d{{4}}|\d{{2}})
        | (?-u:\b)(?P<m1>{month})(?-u:\b)\.?\s*(?:the\s+)?(?P<d1x>(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?)(?-u:\b)(?:,?\s*(?P<y1>\d{{4}})(?-u:\b))?
        | (?-u:\b)(?P<d2x>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)(?:\s+of\s+|\s*|-)(?P<m2>{month})(?-u:\b)
          (?:\.?(?:,?\s*|-)(?P<y2>\d{{4}})(?-u:\b)|-(?P<y2s>\d{{2}})(?-u:\b))?
        )"
    );
    Regex::new(&pattern).expect("valid date pattern")
});

pub(crate) fn find(text: &str, context: &Context, out: &mut Vec<Found>) {
    let month_first = context.default_region.as_deref().is_none_or(|r| {
        matches!(
            r.to_ascii_uppercase().as_str(),
            "US" | "PR" | "GU" | "VI" | "AS" | "MP" | "UM" | "PH" | "FM" | "MH" | "PW"
        )
    });
    for caps in DATE.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let before = text
            .get(..whole.start())
            .and_then(|s| s.chars().next_back());
        let mut after = text.get(whole.end()..).unwrap_or("").chars();
        let joined = after.next().is_some_and(|c| {
            c.is_ascii_digit()
                || matches!(c, '.' | '/' | '-' | ':')
                    && after.next().is_some_and(|c| c.is_ascii_digit())
        });
        if joined
            || before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '/' | '-' | ':'))
        {
            continue;
        }
        let parsed = if caps.name("iy").is_some() {
            iso(&caps)
        } else if caps.name("na").is_some() {
            numeric(&caps, month_first)
        } else {
            named(&caps)
        };
        let Some(Parsed {
            year,
            month,
            day,
            end,
            confidence,
        }) = parsed
        else {
            continue;
        };
        let date = year
            .or(context.reference_date.map(|r| r.year()))
            .and_then(|y| Date::new(y, month, day).ok());
        let normalized = match date {
            Some(date) => date.to_string(),
            // Yearless, or 29 February in a reference year that has none: keep the month and day.
            None if year.is_none() => format!("--{month:02}-{day:02}"),
            None => continue,
        };
        let weekday_agrees = match (caps.name("wd"), date) {
            (Some(wd), Some(date)) => weekday(wd.as_str()) == Some(date.weekday()),
            _ => true,
        };
        out.push(Found {
            kind: EntityKind::Date,
            span: whole.start()..end.unwrap_or(whole.end()),
            normalized: Normalized::Text(normalized),
            confidence: if weekday_agrees {
                confidence
            } else {
                confidence * 0.6
            },
            source: "date",
        });
    }
}

/// A date as read, with a valid month-day; `end` shortens the span when a trailing number was not its year.
struct Parsed {
    year: Option<i16>,
    month: i8,
    day: i8,
    end: Option<usize>,
    confidence: f32,
}

fn int<T: std::str::FromStr>(caps: &Captures, name: &str) -> Option<T> {
    caps.name(name)?.as_str().parse().ok()
}

fn plausible(year: i16) -> Option<i16> {
    (1900..=2100).contains(&year).then_some(year)
}

fn iso(caps: &Captures) -> Option<Parsed> {
    let same = caps.name("is1")?.as_str() == caps.name("is2")?.as_str();
    let (year, month, day) = (
        plausible(int(caps, "iy")?)?,
        int(caps, "im")?,
        int(caps, "id")?,
    );
    Date::new(year, month, day).ok().filter(|_| same)?;
    Some(Parsed {
        year: Some(year),
        month,
        day,
        end: None,
        confidence: 0.95,
    })
}

fn numeric(caps: &Captures, month_first: bool) -> Option<Parsed> {
    if caps.name("ns1")?.as_str() != caps.name("ns2")?.as_str() {
        return None;
    }
    let (a, b): (i8, i8) = (int(caps, "na")?, int(caps, "nb")?);
    let written: i16 = int(caps, "ny")?;
    let year = match caps.name("ny")?.len() {
        2 if written < 70 => 2000 + written,
        2 => 1900 + written,
        _ => plausible(written)?,
    };
    let readings = if month_first {
        [(a, b), (b, a)]
    } else {
        [(b, a), (a, b)]
    };
    let (month, day) = readings
        .into_iter()
        .find(|&(m, d)| Date::new(year, m, d).is_ok())?;
    let ambiguous = a <= 12 && b <= 12 && a != b;
    Some(Parsed {
        year: Some(year),
        month,
        day,
        end: None,
        confidence: if ambiguous { 0.7 } else { 0.9 },
    })
}

fn named(caps: &Captures) -> Option<Parsed> {
    let (name, day, dayx) = match caps.name("m1") {
        Some(m) => (m.as_str(), int(caps, "d1")?, caps.name("d1x")?),
        None => (
            caps.name("m2")?.as_str(),
            int(caps, "d2")?,
            caps.name("m2")?,
        ),
    };
    let month = month(name)?;
    let year = match (caps.name("y1").or(caps.name("y2")), caps.name("y2s")) {
        (Some(y), _) => y.as_str().parse().ok().and_then(plausible),
        (None, Some(y)) => y
            .as_str()
            .parse::<i16>()
            .ok()
            .map(|y| if y < 70 { 2000 + y } else { 1900 + y }),
        (None, None) => None,
    };
    // Lower-case "may" and "march" without a year are too often the verbs.
    if year.is_none() && matches!(name, "may" | "mar" | "march") {
        return None;
    }
    Date::new(2000, month, day).ok()?;
    let end = year.is_none().then_some(dayx.end());
    Some(Parsed {
        year,
        month,
        day,
        end,
        confidence: if year.is_some() { 0.95 } else { 0.85 },
    })
}

fn month(name: &str) -> Option<i8> {
    let prefix = name.get(..3)?.to_ascii_lowercase();
    let at = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| *m == prefix)?;
    i8::try_from(at + 1).ok()
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.get(..2)?.to_ascii_lowercase().as_str() {
        "mo" => Weekday::Monday,
        "tu" => Weekday::Tuesday,
        "we" => Weekday::Wednesday,
        "th" => Weekday::Thursday,
        "fr" => Weekday::Friday,
        "sa" => Weekday::Saturday,
        "su" => Weekday::Sunday,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::patterns::testing::texts;

    fn run_with(
        text: &str,
        region: Option<&str>,
        reference: Option<Date>,
    ) -> Vec<(String, String)> {
        let context = Context {
            default_region: region.map(str::to_owned),
            reference_date: reference,
        };
        texts(find, text, &context)
    }

    fn run(text: &str) -> Vec<(String, String)> {
        run_with(text, None, Some(date(2026, 3, 1)))
    }

    fn pair(span: &str, iso: &str) -> (String, String) {
        (span.to_owned(), iso.to_owned())
    }

    #[test]
    fn iso_and_numeric() {
        assert_eq!(run("on 2026-01-05."), [pair("2026-01-05", "2026-01-05")]);
        assert_eq!(
            run("at 2026-01-05T10:00Z"),
            [pair("2026-01-05", "2026-01-05")]
        );
        assert_eq!(run("2026/1/5"), [pair("2026/1/5", "2026-01-05")]);
        assert_eq!(run("dob 03/15/1985"), [pair("03/15/1985", "1985-03-15")]);
        assert_eq!(run("dob 15.03.85"), [pair("15.03.85", "1985-03-15")]);
        assert_eq!(run("05-01-26"), [pair("05-01-26", "2026-05-01")]);
    }

    #[test]
    fn region_decides_ambiguous_order() {
        assert_eq!(
            run_with("05/01/2026", Some("US"), None),
            [pair("05/01/2026", "2026-05-01")]
        );
        assert_eq!(
            run_with("05/01/2026", None, None),
            [pair("05/01/2026", "2026-05-01")]
        );
        assert_eq!(
            run_with("05/01/2026", Some("GB"), None),
            [pair("05/01/2026", "2026-01-05")]
        );
        // Only one reading is valid.
        assert_eq!(
            run_with("25/12/2025", Some("US"), None),
            [pair("25/12/2025", "2025-12-25")]
        );
        assert_eq!(
            run_with("12/25/2025", Some("DE"), None),
            [pair("12/25/2025", "2025-12-25")]
        );
    }

    #[test]
    fn month_names() {
        assert_eq!(run("Jan 5, 2026"), [pair("Jan 5, 2026", "2026-01-05")]);
        assert_eq!(
            run("on January 5th 2026 at"),
            [pair("January 5th 2026", "2026-01-05")]
        );
        assert_eq!(
            run("the 5th of January"),
            [pair("5th of January", "2026-01-05")]
        );
        assert_eq!(run("March 3rd"), [pair("March 3rd", "2026-03-03")]);
        assert_eq!(run("3 March 2025"), [pair("3 March 2025", "2025-03-03")]);
        assert_eq!(run("5-Jan-2026"), [pair("5-Jan-2026", "2026-01-05")]);
        assert_eq!(run("05-Jan-26"), [pair("05-Jan-26", "2026-01-05")]);
        assert_eq!(run("Sept. 9"), [pair("Sept. 9", "2026-09-09")]);
        assert_eq!(
            run("since may 5, 2024"),
            [pair("may 5, 2024", "2024-05-05")]
        );
    }

    #[test]
    fn weekday_is_part_of_the_span() {
        assert_eq!(
            run("Monday, Jan 5, 2026"),
            [pair("Monday, Jan 5, 2026", "2026-01-05")]
        );
        assert_eq!(run("Fri 9 January"), [pair("Fri 9 January", "2026-01-09")]);
        assert_eq!(
            run("Monday the 5th of January"),
            [pair("Monday the 5th of January", "2026-01-05")]
        );
        let mut out = Vec::new();
        find("Tuesday, Jan 5, 2026", &Context::default(), &mut out);
        assert!(out[0].confidence < 0.9);
    }

    #[test]
    fn yearless_dates() {
        assert_eq!(run_with("Jan 5", None, None), [pair("Jan 5", "--01-05")]);
        assert_eq!(
            run_with("Feb 29", None, Some(date(2026, 3, 1))),
            [pair("Feb 29", "--02-29")]
        );
        assert_eq!(
            run_with("Feb 29", None, Some(date(2028, 3, 1))),
            [pair("Feb 29", "2028-02-29")]
        );
        // An implausible "year" is left out of the span.
        assert_eq!(run("Jan 5, 1500 dollars"), [pair("Jan 5", "2026-01-05")]);
    }

    #[test]
    fn not_dates() {
        for text in [
            "yesterday",
            "in 2025",
            "at 10:30",
            "Feb 30, 2026",
            "2026-13-01",
            "13/13/2026",
            "1/5",
            "10.10.10.10",
            "v1.2.2026",
            "you may 5 times",
            "march 3 miles",
            "May 2026",
            "12.5.2026.3",
            "2026-01/05",
        ] {
            assert!(run(text).is_empty(), "{text}: {:?}", run(text));
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in ["🌹Jan 5🌹", "é́Jan 5", "Jan", "31", "//--..", ""] {
            run(text);
        }
        assert_eq!(run("🌹Jan 5🌹"), [pair("Jan 5", "2026-01-05")]);
        run(&"1/1/".repeat(25_000));
        run(&"x".repeat(100_000));
        run(&"Jan".repeat(30_000));
    }
}
