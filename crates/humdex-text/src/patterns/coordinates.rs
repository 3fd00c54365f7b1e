//! Latitude/longitude pairs: decimal degrees (`40.7128, -74.0060`, `40.7128N 74.0060W`, `lat 40.7128 lon -74.006`)
//! and degrees-minutes(-seconds) (`40°42'46"N 74°00'22"W`, `40 deg 42.767' N 74 deg 0.367' W`).
//!
//! A bare decimal pair needs at least two decimals on both numbers (so "1.5, 2.5" stays a price list); a
//! hemisphere letter on both numbers or a `lat` label lifts that rule. A leading `lat` label is a cue, outside the
//! span; a `lon` label between the numbers is inside it.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::{Context, EntityKind, Found, Normalized};

// `(?-u:\b)`: ASCII word boundaries; Unicode ones make the regex engine leave its fast DFA on any emoji.
#[expect(clippy::expect_used, reason = "literal pattern, covered by tests")]
static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    // Each coordinate is the group `c1`/`c2` without its hemisphere suffix `h1`/`h2`, which is checked in code
    // (the regex crate has no look-ahead) so that "N" of "New York" is not taken for north.
    Regex::new(
        r##"(?x)
        (?P<dms>
          (?P<c1>(?P<p1>(?-u:\b)[NS]\s?)?(?P<s1>[-+−])?(?P<d1>\d{1,2})\s?(?:[°º˚]|\s?deg(?-u:\b)\.?)\s?
            (?P<m1>\d{1,2}(?:\.\d+)?)\s?['′’](?:\s?(?P<x1>\d{1,2}(?:\.\d+)?)\s?(?:"|″|”|''|′′))?)
          (?P<h1>\s?[NS])?
          \s*[,;/]?\s*
          (?P<c2>(?P<p2>(?-u:\b)[EW]\s?)?(?P<s2>[-+−])?(?P<d2>\d{1,3})\s?(?:[°º˚]|\s?deg(?-u:\b)\.?)\s?
            (?P<m2>\d{1,2}(?:\.\d+)?)\s?['′’](?:\s?(?P<x2>\d{1,2}(?:\.\d+)?)\s?(?:"|″|”|''|′′))?)
          (?P<h2>\s?[EW])?
        )
      | (?P<label>(?-u:\b)(?i:lat(?:itude)?)(?-u:\b)\.?\s*[:=]?\s*)?
        (?P<c3>(?P<p3>(?-u:\b)[NS]\s?)?(?P<lat>[-+−]?\d{1,2}\.(?P<f3>\d+))\s?°?)
        (?P<h3>\s?[NS])?
        (?P<sep>\s*[,;/]?\s*(?:(?-u:\b)(?i:lon|lng|long|longitude)(?-u:\b)\.?\s*[:=]?\s*)?)
        (?P<c4>(?P<p4>(?-u:\b)[EW]\s?)?(?P<lon>[-+−]?\d{1,3}\.(?P<f4>\d+))\s?°?)
        (?P<h4>\s?[EW])?
        "##,
    )
    .expect("valid coordinates pattern")
});

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    for caps in PAIR.captures_iter(text) {
        let parsed = if caps.name("dms").is_some() {
            dms(text, &caps)
        } else {
            decimal(text, &caps)
        };
        let Some((start, end, lat, lon, confidence)) = parsed else {
            continue;
        };
        let before = text.get(..start).and_then(|s| s.chars().next_back());
        let after = text.get(end..).and_then(|s| s.chars().next());
        // Part of a longer number, a word, a version string or a price.
        if before
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '$' | '€' | '£' | '¥' | '₹'))
            || after.is_some_and(|c| c.is_alphanumeric() || c == '.' && next_is_digit(text, end))
        {
            continue;
        }
        out.push(Found {
            kind: EntityKind::Coordinates,
            span: start..end,
            normalized: Normalized::Point { lat, lon },
            confidence,
            source: "coordinates",
        });
    }
}

fn next_is_digit(text: &str, at: usize) -> bool {
    text.get(at..)
        .is_some_and(|s| s.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
}

/// The hemisphere letter of group `name`, unless a letter follows it (then it begins a word).
fn hemisphere(text: &str, caps: &Captures, name: &str) -> Option<(char, usize)> {
    let m = caps.name(name)?;
    let follows = text.get(m.end()..).and_then(|s| s.chars().next());
    if follows.is_some_and(char::is_alphabetic) {
        return None;
    }
    Some((m.as_str().trim_start().chars().next()?, m.end()))
}

/// The prefixed hemisphere letter of group `name`.
fn prefix(caps: &Captures, name: &str) -> Option<char> {
    caps.name(name).and_then(|m| m.as_str().chars().next())
}

fn number(caps: &Captures, name: &str) -> Option<f64> {
    caps.name(name)
        .and_then(|m| m.as_str().replace('−', "-").parse().ok())
}

/// Applies a hemisphere (south and west are negative) or an explicit sign.
fn signed(value: f64, negative_sign: bool, hemisphere: Option<char>) -> f64 {
    if negative_sign || matches!(hemisphere, Some('S' | 'W')) {
        -value.abs()
    } else {
        value
    }
}

type Parsed = (usize, usize, f64, f64, f32);

fn dms(text: &str, caps: &Captures) -> Option<Parsed> {
    let part = |d: &str, m: &str, x: &str, max: f64| -> Option<f64> {
        let (deg, min, sec) = (
            number(caps, d)?,
            number(caps, m)?,
            number(caps, x).unwrap_or(0.0),
        );
        let value = deg + min / 60.0 + sec / 3600.0;
        (min < 60.0 && sec < 60.0 && value <= max).then_some(value)
    };
    let negative = |s: &str| caps.name(s).is_some_and(|m| m.as_str() != "+");
    let h1 = hemisphere(text, caps, "h1");
    let h2 = hemisphere(text, caps, "h2");
    let lat = signed(
        part("d1", "m1", "x1", 90.0)?,
        negative("s1"),
        h1.map(|h| h.0).or(prefix(caps, "p1")),
    );
    let lon = signed(
        part("d2", "m2", "x2", 180.0)?,
        negative("s2"),
        h2.map(|h| h.0).or(prefix(caps, "p2")),
    );
    let start = caps.name("c1")?.start();
    let end = h2.map_or(caps.name("c2")?.end(), |h| h.1);
    Some((start, end, lat, lon, 0.95))
}

fn decimal(text: &str, caps: &Captures) -> Option<Parsed> {
    let h3 = hemisphere(text, caps, "h3")
        .map(|h| h.0)
        .or(prefix(caps, "p3"));
    let h4 = hemisphere(text, caps, "h4");
    let hemispheres = h3.is_some() && (h4.is_some() || caps.name("p4").is_some());
    let labelled = caps.name("label").is_some();
    let decimals = caps.name("f3")?.len().min(caps.name("f4")?.len());
    let separated = caps.name("sep").is_some_and(|m| !m.as_str().is_empty());
    if !(hemispheres || labelled || decimals >= 2 && separated) {
        return None;
    }
    let (lat, lon) = (number(caps, "lat")?, number(caps, "lon")?);
    if lat.abs() > 90.0 || lon.abs() > 180.0 {
        return None;
    }
    let lat = signed(lat, lat < 0.0, h3);
    let lon = signed(lon, lon < 0.0, h4.map(|h| h.0).or(prefix(caps, "p4")));
    let start = caps.name("c3")?.start();
    let end = h4.map_or(
        caps.name("c4")?.as_str().trim_end().len() + caps.name("c4")?.start(),
        |h| h.1,
    );
    let confidence = match (hemispheres || labelled, decimals) {
        (true, _) | (false, 4..) => 0.9,
        (false, 3) => 0.75,
        _ => 0.5,
    };
    Some((start, end, lat, lon, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn run(text: &str) -> Vec<(String, f64, f64)> {
        finds(find, text, &Context::default())
            .into_iter()
            .map(|f| match f.normalized {
                Normalized::Point { lat, lon } => (text[f.span].to_owned(), lat, lon),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    fn one(text: &str) -> (String, f64, f64) {
        let found = run(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn decimal_pairs() {
        let (span, lat, lon) = one("meet at 40.7128, -74.0060 tonight");
        assert_eq!(span, "40.7128, -74.0060");
        assert!(close(lat, 40.7128) && close(lon, -74.006));
        assert_eq!(one("pin 29.7604,-95.3698.").0, "29.7604,-95.3698");
        let (span, lat, lon) = one("loc: 40.7128N 74.0060W");
        assert_eq!(span, "40.7128N 74.0060W");
        assert!(close(lat, 40.7128) && close(lon, -74.006));
        let (span, lat, _) = one("33.87S, 151.21E (Sydney)");
        assert_eq!(span, "33.87S, 151.21E");
        assert!(lat < 0.0);
        assert_eq!(one("N 40.71 W 74.00").0, "N 40.71 W 74.00");
        assert_eq!(one("40.7128° N, 74.0060° W").0, "40.7128° N, 74.0060° W");
    }

    #[test]
    fn labelled_pair_keeps_the_label_outside() {
        let (span, lat, lon) = one("GPS lat 40.7128 lon -74.006 from the phone");
        assert_eq!(span, "40.7128 lon -74.006");
        assert!(close(lat, 40.7128) && close(lon, -74.006));
        assert_eq!(
            one("latitude: 51.5, longitude: -0.1").0,
            "51.5, longitude: -0.1"
        );
    }

    #[test]
    fn degrees_minutes_seconds() {
        let (span, lat, lon) = one(r#"seen at 40°42'46"N 74°00'22"W."#);
        assert_eq!(span, r#"40°42'46"N 74°00'22"W"#);
        assert!(close(lat, 40.712_778) && close(lon, -74.006_111));
        assert_eq!(one("40°42′46″N, 74°00′22″W").0, "40°42′46″N, 74°00′22″W");
        let (span, lat, lon) = one("40°42.767'N 74°0.367'W");
        assert_eq!(span, "40°42.767'N 74°0.367'W");
        assert!(close(lat, 40.712_783) && close(lon, -74.006_117));
        assert_eq!(
            one("40 deg 42' 46'' N 74 deg 0' 22'' W").0,
            "40 deg 42' 46'' N 74 deg 0' 22'' W"
        );
    }

    #[test]
    fn hemisphere_letter_must_stand_alone() {
        let (span, _, lon) = one("40.7128, -74.0060 Weekly rates");
        assert_eq!(span, "40.7128, -74.0060");
        assert!(close(lon, -74.006));
    }

    #[test]
    fn rejects_prices_ranges_and_versions() {
        for text in [
            "1.5, 2.5",
            "$40.50, $60.25",
            "95.1234, 20.5678",
            "40.7128, 190.0000",
            "10.10.10.10",
            "version 1.2.3, 4.5.6",
            "40°75'00\"N 74°00'00\"W",
            "4012.34, 56.78",
            "40.7128-74.0060",
        ] {
            assert!(run(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "🌹40.7128, -74.0060🌹",
            "é́40.7128, -74.0060",
            "°'\"NSEW",
            "",
        ] {
            run(text);
        }
        assert_eq!(run("🌹40.7128, -74.0060🌹").len(), 1);
        run(&"9.".repeat(50_000));
        run(&"x".repeat(100_000));
    }
}
