//! Phone numbers in free text, normalised to E.164 and checked against libphonenumber's metadata.
//!
//! One pass turns the text into groups of digits: ASCII, fullwidth, other scripts' and styled digits, emoji
//! keycaps, spelled digits ("five", "0ne", "oh") and letters standing for digits inside a digit run ("O" for 0,
//! "l" or "I" for 1). Groups joined by up to three separator characters of any kind (spaces, dots, dashes,
//! slashes, brackets, emoji) form a sequence; words, newlines and marks such as `,` `:` `$` `%` `#` end it.
//! Within a sequence the longest run of whole groups that parses as a number wins.
//!
//! Policy:
//! - Without a country code the number is read in `Context::default_region`. With no default region only
//!   numbers written with `+` or the `00` international prefix are taken: a bare national number is
//!   ambiguous between countries, and guessing one would put a false country into the record.
//! - Valid for its region (libphonenumber's patterns): confidence 0.95. Of a possible length but not valid,
//!   e.g. the fictional 555-01xx range in a non-existent area code: 0.6 — still a contact analysts want.
//!   Neither: not reported. Spelled or letter digits take 0.1 off, as they may be coincidence.
//! - Not phones: dates (`12.05.2024`, `2024-01-05`), decimals such as coordinates, amounts after a currency
//!   sign, `#` numbers, times (`:` ends a sequence), negative numbers, a group of more than 15 digits (IDs,
//!   wallets), digits glued to other letters (`5pm`, hex). Short numbers (years, ages, zip codes) are below
//!   every region's length.

use std::ops::Range;

use phonenumber::{
    Metadata, Mode,
    country::Id,
    metadata::{DATABASE, Descriptor},
};

use crate::{Context, EntityKind, Found, Normalized};

/// Spelled digits; "oh" reads as 0 in a number ("five five five oh one").
const WORDS: [(&str, u8); 11] = [
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("oh", 0),
];

/// Most separator characters between two digit groups ("  - " is too loose; ") " is not).
const MAX_GAP: usize = 3;
/// Most digits in one group of a phone number; longer runs are IDs or wallets.
const MAX_GROUP: usize = 15;
/// A sequence with more groups is a table of numbers, not a contact: skipping it keeps the scan linear.
const MAX_GROUPS: usize = 200;

/// A maximal run of digits written without separators.
#[derive(Debug, Default)]
struct Group {
    digits: String,
    span: Range<usize>,
    /// The separator text before this group (empty for the first of a sequence).
    gap: Range<usize>,
    /// Where a `+` before the group stands.
    plus: Option<usize>,
    spelled: bool,
    /// Starts or ends with a digit that alone is no evidence ("oh", "one", a letter for a digit), so cannot
    /// edge a number.
    weak_start: bool,
    weak_end: bool,
}

pub(crate) fn find(text: &str, context: &Context, out: &mut Vec<Found>) {
    let region = context
        .default_region
        .as_deref()
        .and_then(|r| r.to_ascii_uppercase().parse::<Id>().ok());
    let mut scan = Scan {
        text,
        region,
        out,
        groups: Vec::new(),
        gap_start: 0,
        gap_chars: 0,
        plus: None,
    };
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek().filter(|(_, d)| d.is_alphanumeric()) {
                end = j + d.len_utf8();
                chars.next();
            }
            scan.run(i..end);
        } else if matches!(c, '\u{FE0F}' | '\u{20E3}') && scan.gap_chars == 0 {
            // Keycap emoji: the digit's variation selector and enclosing keycap belong to it.
            if let Some(last) = scan.groups.last_mut().filter(|g| g.span.end == i) {
                last.span.end = i + c.len_utf8();
                scan.gap_start = last.span.end;
            }
        } else if c == '+' || c == '＋' {
            let glued = scan.gap_chars == 0 && !scan.groups.is_empty();
            scan.flush();
            scan.plus = (!glued).then_some(i);
            scan.gap_start = i + c.len_utf8();
        } else {
            // A dash after a space and before a digit is a minus sign ("40.71 -74.00").
            let after_space = text
                .get(..i)
                .and_then(|t| t.chars().next_back())
                .is_some_and(char::is_whitespace);
            let next_digit = chars.peek().is_some_and(|&(_, d)| digit(d).is_some());
            let minus = c == '−' || c == '-' && after_space && next_digit;
            if minus || "\n\r,;:!?$€£¥₹%#@&=\"'<>°".contains(c) {
                scan.flush();
                scan.gap_start = i + c.len_utf8();
            } else {
                scan.gap_chars += 1;
                if scan.gap_chars > MAX_GAP
                    || scan.plus.is_some() && scan.groups.is_empty() && !c.is_whitespace()
                {
                    scan.flush();
                }
            }
        }
    }
    scan.flush();
}

struct Scan<'t, 'o> {
    text: &'t str,
    region: Option<Id>,
    out: &'o mut Vec<Found>,
    groups: Vec<Group>,
    gap_start: usize,
    gap_chars: usize,
    plus: Option<usize>,
}

impl Scan<'_, '_> {
    /// Adds an alphanumeric run: its digits when it is made only of digits, spelled digits and letters standing
    /// for digits; otherwise it is a word, which ends the sequence.
    fn run(&mut self, span: Range<usize>) {
        let Some(digits) = self.text.get(span.clone()).and_then(segment) else {
            self.flush();
            self.gap_start = span.end;
            return;
        };
        let glued =
            self.gap_chars == 0 && self.groups.last().is_some_and(|g| g.span.end == span.start);
        if !glued {
            self.groups.push(Group {
                span: span.start..span.start,
                gap: self.gap_start..span.start,
                plus: self.plus.take(),
                weak_start: digits.first().is_some_and(|d| d.weak),
                ..Group::default()
            });
        }
        if let Some(group) = self.groups.last_mut() {
            for d in &digits {
                group.digits.push(char::from(b'0' + d.value));
                group.spelled |= d.spelled;
            }
            group.weak_end = digits.last().is_some_and(|d| d.weak);
            group.span.end = span.end;
        }
        self.gap_start = span.end;
        self.gap_chars = 0;
    }

    /// Ends the sequence: reports the numbers in it.
    fn flush(&mut self) {
        let groups = std::mem::take(&mut self.groups);
        self.plus = None;
        self.gap_chars = 0;
        // A card number (four groups of four, one separator) would hold two 8-digit numbers.
        let gaps: Vec<&str> = groups
            .iter()
            .skip(1)
            .filter_map(|g| self.text.get(g.gap.clone()))
            .collect();
        let card = groups.len() == 4
            && groups.iter().all(|g| g.digits.len() == 4)
            && gaps.windows(2).all(|w| w.first() == w.last());
        // After a currency sign the digits are an amount ("€ 1 500 000"), after `#` a reference number.
        let before = groups.first().and_then(|g| {
            let start = g.plus.unwrap_or(g.span.start);
            self.text
                .get(..start)
                .and_then(|t| t.trim_end().chars().next_back())
        });
        let amount = before.is_some_and(|c| "$€£¥₹#".contains(c));
        if groups.len() > MAX_GROUPS || card || amount {
            return;
        }
        let mut i = 0;
        while i < groups.len() {
            match self.best_from(groups.get(i..).unwrap_or_default(), i > 0) {
                Some((taken, found)) => {
                    self.out.push(found);
                    i += taken;
                }
                None => i += 1,
            }
        }
    }

    /// The longest valid number made of whole groups from the start of `groups`, else the longest possible
    /// one, with the number of groups it takes. A number does not split a chunk of groups joined by a lone
    /// `.`, `-` or `/` ("40.712776 74.005974" holds no "4071277674").
    fn best_from(&self, groups: &[Group], after_group: bool) -> Option<(usize, Found)> {
        let joined = |g: Option<&Group>| {
            g.is_some_and(|g| matches!(self.text.get(g.gap.clone()), Some("." | "-" | "/")))
        };
        let first = groups
            .first()
            .filter(|g| !(g.weak_start || after_group && joined(Some(g))))?;
        let mut digits = String::new();
        let mut candidates = Vec::new();
        for (n, group) in groups.iter().enumerate() {
            // The UK-style "+44 (0) 20": a bracketed trunk zero after the country code is not dialled.
            let trunk = n == 1
                && first.plus.is_some()
                && group.digits == "0"
                && self
                    .text
                    .get(group.gap.clone())
                    .is_some_and(|g| g.ends_with('('))
                && self
                    .text
                    .get(group.span.end..)
                    .is_some_and(|t| t.starts_with(')'));
            if !trunk {
                digits.push_str(&group.digits);
            }
            if group.digits.len() > MAX_GROUP || digits.len() > 17 {
                break;
            }
            if !group.weak_end && digits.len() >= 7 && !joined(groups.get(n + 1)) {
                candidates.push((n + 1, digits.clone()));
            }
        }
        let mut possible = None;
        for (taken, digits) in candidates.into_iter().rev() {
            let window = groups.get(..taken)?;
            let Some((e164, valid)) = self.number(window, &digits) else {
                continue;
            };
            if valid || possible.is_none() {
                possible = Some((taken, e164, valid));
            }
            if valid {
                break;
            }
        }
        let (taken, e164, valid) = possible?;
        let window = groups.get(..taken)?;
        let last = window.last()?;
        let spelled = window.iter().any(|g| g.spelled);
        let confidence = if valid { 0.95 } else { 0.6 } - if spelled { 0.1 } else { 0.0 };
        let span = self.span(window, first, last);
        Some((
            taken,
            Found {
                kind: EntityKind::Phone,
                span,
                normalized: Normalized::Text(e164),
                confidence,
                source: "phone",
            },
        ))
    }

    /// The span from the `+` or an opening bracket that the number closes, to its last digit or a closing
    /// bracket that it opened.
    fn span(&self, window: &[Group], first: &Group, last: &Group) -> Range<usize> {
        let inner: String = window
            .iter()
            .skip(1)
            .filter_map(|g| self.text.get(g.gap.clone()))
            .collect();
        let (opening, closing) = (['(', '[', '{'], [')', ']', '}']);
        let mut start = first.plus.unwrap_or(first.span.start);
        let lead = self.text.get(first.gap.clone()).unwrap_or_default();
        if first.plus.is_none() && lead.ends_with(opening) && inner.contains(closing) {
            start = first.span.start - 1;
        }
        let opened = inner.matches(opening).count()
            + usize::from(start < first.span.start && first.plus.is_none());
        let mut end = last.span.end;
        if opened > inner.matches(closing).count()
            && self.text.get(end..).is_some_and(|t| t.starts_with(closing))
        {
            end += 1;
        }
        start..end
    }

    /// The E.164 form of the digits of `window`, and whether the number is valid (else only possible).
    fn number(&self, window: &[Group], digits: &str) -> Option<(String, bool)> {
        let first = window.first()?;
        let international =
            first.plus.is_some() || digits.starts_with("00") && !digits.starts_with("000");
        if !international && self.region.is_none()
            || !self.plausible_length(digits, international)
            || self.not_a_phone(window)
        {
            return None;
        }
        let input = match (first.plus, digits.strip_prefix("00")) {
            (None, Some(rest)) if international => format!("+{rest}"),
            (Some(_), _) => format!("+{digits}"),
            _ => digits.to_owned(),
        };
        let number = phonenumber::parse(self.region, &input).ok()?;
        let e164 = number.format().mode(Mode::E164).to_string();
        if number.is_valid() {
            return Some((e164, true));
        }
        let national = e164
            .len()
            .checked_sub(1 + number.code().value().to_string().len())?;
        // An invalid number has no region of its own: any region of its country code will do.
        let metas = DATABASE.by_code(&number.code().value())?;
        metas
            .into_iter()
            .any(|meta| possible_length(meta, |l| l == national))
            .then_some((e164, false))
    }

    /// A cheap length check before parsing: E.164 has 7 to 15 digits after `+` (or `00`); a national number has
    /// one of its region's lengths, perhaps after a trunk prefix or the country code.
    fn plausible_length(&self, digits: &str, international: bool) -> bool {
        let len = digits.len();
        if international {
            let prefix = if digits.starts_with("00") { 2 } else { 0 };
            return (7..=15).contains(&len.saturating_sub(prefix));
        }
        let Some(meta) = self.region.and_then(|r| DATABASE.by_id(r.as_ref())) else {
            return false;
        };
        let code = meta.country_code().to_string().len();
        let trunk = meta.national_prefix().map_or(0, str::len);
        possible_length(meta, |l| {
            [0, code, trunk].iter().any(|extra| l + extra == len)
        })
    }

    /// Shapes of digits that are something else: dates, decimals.
    fn not_a_phone(&self, window: &[Group]) -> bool {
        let gap = |g: &Group| self.text.get(g.gap.clone()).unwrap_or_default();
        let inner: Vec<&str> = window.iter().skip(1).map(gap).collect();
        let lengths: Vec<usize> = window.iter().map(|g| g.digits.len()).collect();
        let date_sep =
            matches!(inner.as_slice(), [a, b] if a == b && matches!(*a, "/" | "." | "-"));
        let date = date_sep
            && matches!(
                lengths.as_slice(),
                [1..=2, 1..=2, 2 | 4] | [4, 1..=2, 1..=2]
            );
        // "40.712776" alone; a trunk zero makes "030.1234567" a number.
        let decimal = matches!(inner.as_slice(), ["."])
            && matches!(lengths.as_slice(), [1..=3, 4..=usize::MAX])
            && !window.first().is_some_and(|g| g.digits.starts_with('0'));
        // A decimal is two groups joined by a lone dot, with no dot on either side.
        let decimals = window
            .windows(2)
            .enumerate()
            .filter(|(k, pair)| {
                let dot = |g: Option<&Group>| g.is_some_and(|g| gap(g) == ".");
                dot(pair.get(1)) && !(*k > 0 && dot(pair.first())) && !dot(window.get(k + 2))
            })
            .count();
        date || decimal || decimals >= 2
    }
}

/// Whether a length of national number that `test` accepts is possible in the region: the general
/// descriptor's lengths, or when it lists none (this metadata leaves it empty), those of its number types.
fn possible_length(meta: &Metadata, test: impl Fn(usize) -> bool) -> bool {
    let d = meta.descriptors();
    [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .flat_map(Descriptor::possible_length)
    .any(|&l| test(usize::from(l)))
}

/// A digit read from the text.
struct Digit {
    value: u8,
    spelled: bool,
    weak: bool,
}

/// Splits an alphanumeric run into digits, or `None` when it holds anything else. Letters stand for digits
/// ("O" for 0, "l" or "I" for 1) only in a run that also holds a written digit.
fn segment(run: &str) -> Option<Vec<Digit>> {
    let mut digits = Vec::new();
    let mut rest = run;
    let mut substituted = false;
    let mut written = false;
    while let Some(c) = rest.chars().next() {
        if let Some((len, value)) = spelled(rest) {
            digits.push(Digit {
                value,
                spelled: true,
                weak: value == 1 && len == 3 || value == 0 && len == 2,
            });
            rest = rest.get(len..)?;
            continue;
        }
        let value = match (digit(c), c) {
            (Some(value), _) => {
                written = true;
                value
            }
            (None, 'O' | 'o') => 0,
            (None, 'l' | 'I') => 1,
            _ => return None,
        };
        let letter = digit(c).is_none();
        substituted |= letter;
        digits.push(Digit {
            value,
            spelled: letter,
            weak: letter,
        });
        rest = rest.get(c.len_utf8()..)?;
    }
    (written || !substituted).then_some(digits)
}

/// A spelled digit at the start of `s`, case-insensitive, with 0 for o, 1 for i and 3 for e ("0ne", "thr33"):
/// its byte length and value.
fn spelled(s: &str) -> Option<(usize, u8)> {
    WORDS.iter().find_map(|&(word, value)| {
        let head = s.get(..word.len())?;
        let matches = head.bytes().zip(word.bytes()).all(|(c, w)| {
            c.to_ascii_lowercase() == w
                || matches!((c, w), (b'0', b'o') | (b'1', b'i') | (b'3', b'e'))
        });
        matches.then_some((word.len(), value))
    })
}

/// The value of a digit in any of the forms ads use: ASCII, fullwidth, Arabic-Indic, Devanagari, mathematical
/// bold/double-struck/sans/monospace, circled.
fn digit(c: char) -> Option<u8> {
    let code = u32::from(c);
    let offset = |base: u32| u8::try_from(code - base).ok();
    match code {
        0x30..=0x39 => offset(0x30),
        0xFF10..=0xFF19 => offset(0xFF10),
        0x0660..=0x0669 => offset(0x0660),
        0x06F0..=0x06F9 => offset(0x06F0),
        0x0966..=0x096F => offset(0x0966),
        0x1D7CE..=0x1D7FF => u8::try_from((code - 0x1D7CE) % 10).ok(),
        0x2460..=0x2468 => offset(0x245F),
        0x24EA => Some(0),
        0x2776..=0x277E => offset(0x2775),
        0x2780..=0x2788 => offset(0x277F),
        0x278A..=0x2792 => offset(0x2789),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::finds;

    fn phones_in<'t>(text: &'t str, region: Option<&str>) -> Vec<(&'t str, String, f32)> {
        let context = Context {
            default_region: region.map(str::to_owned),
            ..Context::default()
        };
        finds(find, text, &context)
            .into_iter()
            .map(|f| {
                let Normalized::Text(e164) = f.normalized else {
                    unreachable!("phones are text")
                };
                (text.get(f.span).unwrap_or_default(), e164, f.confidence)
            })
            .collect()
    }

    fn us(text: &str) -> Vec<(&str, String)> {
        phones_in(text, Some("US"))
            .into_iter()
            .map(|(s, n, _)| (s, n))
            .collect()
    }

    fn one_us(text: &str) -> (&str, String) {
        let found = us(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn formats_with_default_region() {
        for (text, span) in [
            ("call 212-555-0123 now", "212-555-0123"),
            ("call (212) 555-0123.", "(212) 555-0123"),
            ("call me (212-555-0123)", "212-555-0123"),
            ("212.555.0123", "212.555.0123"),
            ("2125550123", "2125550123"),
            ("+1 (212) 555-0123", "+1 (212) 555-0123"),
            ("1-212-555-0123", "1-212-555-0123"),
            ("212 / 555 / 0123", "212 / 555 / 0123"),
            ("212_555_0123!", "212_555_0123"),
            ("[212] 555 0123", "[212] 555 0123"),
        ] {
            assert_eq!(one_us(text), (span, "+12125550123".to_owned()), "{text}");
        }
    }

    #[test]
    fn international_prefixes() {
        for region in [None, Some("US"), Some("DE")] {
            for (text, e164) in [
                ("whatsapp +44 20 7946 0958", "+442079460958"),
                ("+44 (0) 20 7946 0958", "+442079460958"),
                ("tel 0044 20 7946 0958", "+442079460958"),
                ("+49 30 1234567", "+49301234567"),
                ("＋３３ ６ １２ ３４ ５６ ７８", "+33612345678"),
            ] {
                let found = phones_in(text, region);
                assert_eq!(found.len(), 1, "{text} in {region:?}: {found:?}");
                assert_eq!(found.first().map(|f| f.1.as_str()), Some(e164), "{text}");
            }
        }
        assert_eq!(
            phones_in("+44 (0) 20 7946 0958", None).first().map(|f| f.0),
            Some("+44 (0) 20 7946 0958")
        );
    }

    #[test]
    fn national_numbers_need_a_region() {
        assert!(phones_in("call 212-555-0123", None).is_empty());
        assert_eq!(
            phones_in("ruf 030 1234567 an", Some("de"))
                .first()
                .map(|f| f.1.clone()),
            Some("+49301234567".to_owned())
        );
    }

    #[test]
    fn fictional_555_numbers_are_possible_not_valid() {
        // Area code 555 does not exist: of a possible length, not valid.
        let found = phones_in("555-555-0123", Some("US"));
        assert_eq!(found.len(), 1);
        assert!(found.iter().all(|(span, e164, c)| *span == "555-555-0123"
            && e164 == "+15555550123"
            && (*c - 0.6).abs() < 1e-6));
        let valid = phones_in("212-555-0199", Some("US"));
        assert!(valid.iter().all(|f| (f.2 - 0.95).abs() < 1e-6) && valid.len() == 1);
        // Too short for anywhere in the US plan.
        assert!(us("555-0123").is_empty());
    }

    #[test]
    fn obfuscated_digits() {
        for (text, span, e164) in [
            (
                "five five five 0ne2three 4567",
                "five five five 0ne2three 4567",
                "+15551234567",
            ),
            (
                "nine one seven five five five oh one two three",
                "nine one seven five five five oh one two three",
                "+19175550123",
            ),
            ("2I2-555-O123", "2I2-555-O123", "+12125550123"),
            ("2l2.555.Ol23", "2l2.555.Ol23", "+12125550123"),
            (
                "2️⃣1️⃣2️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣ xo",
                "2️⃣1️⃣2️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣",
                "+12125550123",
            ),
            (
                "２１２－５５５－０１２３",
                "２１２－５５５－０１２３",
                "+12125550123",
            ),
            ("𝟐𝟏𝟐 𝟓𝟓𝟓 𝟎𝟏𝟐𝟑", "𝟐𝟏𝟐 𝟓𝟓𝟓 𝟎𝟏𝟐𝟑", "+12125550123"),
            ("212🔥555🔥0123", "212🔥555🔥0123", "+12125550123"),
            (
                "TWO one TWO 555 zer0 1 2 thr33",
                "TWO one TWO 555 zer0 1 2 thr33",
                "+12125550123",
            ),
        ] {
            assert_eq!(one_us(text), (span, e164.to_owned()), "{text}");
        }
        let spelled = phones_in("nine one seven five five five oh one two three", Some("US"));
        assert!(spelled.iter().all(|f| f.2 < 0.95));
    }

    #[test]
    fn edges_of_spelled_numbers_stay_out() {
        assert_eq!(one_us("oh 212 555 0123").0, "212 555 0123");
        assert_eq!(one_us("one 212 555 0123 one").0, "212 555 0123");
        assert!(us("I have one two three friends and oh so much").is_empty());
        assert!(us("lol OIl 0 l").is_empty());
    }

    #[test]
    fn two_numbers_in_one_sequence() {
        assert_eq!(
            us("212-555-0123 / 646-555-0199"),
            [
                ("212-555-0123", "+12125550123".to_owned()),
                ("646-555-0199", "+16465550199".to_owned())
            ]
        );
        assert_eq!(one_us("I'm 25 212 555 0123").0, "212 555 0123");
    }

    #[test]
    fn not_phones() {
        for region in [Some("US"), Some("DK"), Some("DE"), None] {
            for text in [
                "12/05/2024",
                "2024-01-05",
                "05.01.2026 at 10:30",
                "$2125550123",
                "€ 212 555 0123",
                "order #2125550123",
                "40.7128 -74.0060",
                "40.7128, -74.0060",
                "40.712776 74.005974",
                "10:30-11:30 2024",
                "born 1999, age 24, 5'4\"",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                "id 12345678901234567890",
                "2125550123abc 5pm",
                "3.14159265",
                "1,500,000 USD",
                "4111 1111 1111 1111",
            ] {
                assert!(
                    phones_in(text, region).is_empty(),
                    "{text} in {region:?}: {:?}",
                    phones_in(text, region)
                );
            }
        }
    }

    #[test]
    fn us_zip_codes_are_not_phones() {
        assert!(us("Houston TX 77002-1234, 77002").is_empty());
    }

    #[test]
    fn odd_input_is_fast_and_safe() {
        assert!(us("e\u{301} 👩‍❤️‍👨 + ＋ 5️⃣ ⃣ \u{FE0F}").is_empty());
        let start = std::time::Instant::now();
        for long in [
            "1".repeat(100_000),
            "1 ".repeat(50_000),
            "12 ".repeat(33_000) + "x",
            "a".repeat(100_000),
            "five ".repeat(20_000),
            "+1".repeat(50_000),
            "1-".repeat(50_000),
        ] {
            let _ = us(&long);
        }
        let mixed = "212 555 0123 x ".repeat(2_000);
        assert_eq!(us(&mixed).len(), 2_000);
        assert!(start.elapsed().as_secs() < 20);
    }
}
