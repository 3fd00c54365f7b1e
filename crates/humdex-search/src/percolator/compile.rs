//! From a [`Query`] to what the percolator stores: its anchors (tokens one of which every
//! matching view holds) and its bytecode (what verifies a candidate).
//!
//! Token names: a text term is itself (the analyser never makes a `\0`); every other token is
//! `\0`, a tag letter and a value, so all of them share one dictionary without clashing.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::Offset;
use rustc_hash::FxHashSet;

use super::code::{self, op};
use super::dict::Vocabulary;
use super::{Refused, TermStatistics};
use crate::{Exact, GeoArea, Query, TextField};

/// Tag of a term in the title.
pub(super) const TITLE: char = 'T';
/// Tag of a prefix in any text.
pub(super) const PREFIX: char = 'p';
/// Tag of a prefix in the title.
pub(super) const TITLE_PREFIX: char = 'P';
/// Tag of a record kind.
pub(super) const KIND: char = 'k';
/// Tag of a workflow state.
pub(super) const STATE: char = 's';
/// Tag of a source channel.
pub(super) const SOURCE: char = 'c';
/// Tag of an entity key of any type.
pub(super) const ENTITY: char = 'e';
/// Tag of an entity type and key.
pub(super) const ENTITY_OF: char = 'E';
/// Tag of an entity type present.
pub(super) const HAS: char = 'h';
/// Tag of a received-date bucket.
pub(super) const DATE: char = 'd';
/// Tag of an H3 cell.
pub(super) const GEO: char = 'g';

/// Date buckets cover these years; dates before or after get one token each, so open ranges
/// stay a bounded set of tokens and still match every date.
const FIRST_YEAR: i16 = 1900;
const END_YEAR: i16 = 2200;
const BEFORE: &str = "<";
const AFTER: &str = ">";

/// Guessed shares of views holding a token, for anchors the statistics do not count.
mod share {
    pub(super) const KIND: f64 = 0.5;
    pub(super) const STATE: f64 = 0.25;
    pub(super) const SOURCE: f64 = 0.125;
    pub(super) const ENTITY: f64 = 1e-4;
    pub(super) const HAS: f64 = 0.1;
    pub(super) const CELL: f64 = 1e-3;
    pub(super) const CENTURY: f64 = 1.0;
    pub(super) const DECADE: f64 = 1.0;
    pub(super) const YEAR: f64 = 0.1;
    pub(super) const MONTH: f64 = 1.0 / 120.0;
    pub(super) const DAY: f64 = 1.0 / 3650.0;
    pub(super) const OUT_OF_RANGE: f64 = 1e-6;
    /// Per character of an unknown term or prefix: longer words are rarer.
    pub(super) const TERM_PER_CHAR: f64 = 0.6;
    pub(super) const PREFIX_PER_CHAR: f64 = 0.7;
}

/// The tag of a token name, `None` for a text term.
pub(super) fn tag_of(name: &str) -> Option<char> {
    let mut chars = name.chars();
    match chars.next() {
        Some('\0') => chars.next(),
        _ => None,
    }
}

/// Writes the name of a tagged token into `buf`: `\0`, the tag, then the parts `\0` apart.
pub(super) fn tagged<'a>(buf: &'a mut String, tag: char, parts: &[&str]) -> &'a str {
    buf.clear();
    buf.push('\0');
    buf.push(tag);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            buf.push('\0');
        }
        buf.push_str(part);
    }
    buf
}

/// The bucket sizes of received dates, largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bucket {
    Century,
    Decade,
    Year,
    Month,
    Day,
}

impl Bucket {
    /// Every size; a view's date holds one bucket of each.
    pub(super) const ALL: [Bucket; 5] = [
        Bucket::Century,
        Bucket::Decade,
        Bucket::Year,
        Bucket::Month,
        Bucket::Day,
    ];

    fn share(self) -> f64 {
        match self {
            Bucket::Century => share::CENTURY,
            Bucket::Decade => share::DECADE,
            Bucket::Year => share::YEAR,
            Bucket::Month => share::MONTH,
            Bucket::Day => share::DAY,
        }
    }
}

/// The UTC calendar date of an instant.
pub(super) fn utc_date(at: Timestamp) -> Date {
    Offset::UTC.to_datetime(at).date()
}

/// Writes the token name of the bucket of `size` holding `date` into `buf`.
pub(super) fn bucket_name(buf: &mut String, size: Bucket, date: Date) -> &str {
    let (year, month, day) = (date.year(), date.month(), date.day());
    buf.clear();
    buf.push('\0');
    buf.push(DATE);
    // Writing to a String cannot fail.
    let _ = match size {
        Bucket::Century => write!(buf, "C{}", year.div_euclid(100)),
        Bucket::Decade => write!(buf, "X{}", year.div_euclid(10)),
        Bucket::Year => write!(buf, "Y{year}"),
        Bucket::Month => write!(buf, "M{year}-{month}"),
        Bucket::Day => write!(buf, "D{year}-{month}-{day}"),
    };
    buf
}

/// The name of the token of dates before the bucketed years, or from their end on.
pub(super) fn out_of_range_name(buf: &mut String, date: Date) -> Option<&str> {
    if date.year() < FIRST_YEAR {
        Some(tagged(buf, DATE, &[BEFORE]))
    } else if date.year() >= END_YEAR {
        Some(tagged(buf, DATE, &[AFTER]))
    } else {
        None
    }
}

/// Name of a text term token.
fn term_name(field: TextField, term: &str) -> String {
    match field {
        TextField::Any => term.to_owned(),
        TextField::Title => tagged(&mut String::new(), TITLE, &[term]).to_owned(),
    }
}

fn prefix_name(field: TextField, prefix: &str) -> String {
    let tag = match field {
        TextField::Any => PREFIX,
        TextField::Title => TITLE_PREFIX,
    };
    tagged(&mut String::new(), tag, &[prefix]).to_owned()
}

/// The token of an exact filter, and the guessed share of views holding it.
fn exact_token(exact: &Exact) -> (String, f64) {
    let mut buf = String::new();
    let (name, share) = match exact {
        Exact::Kind(kind) => (tagged(&mut buf, KIND, &[kind.as_str()]), share::KIND),
        Exact::State(state) => (tagged(&mut buf, STATE, &[state.as_str()]), share::STATE),
        Exact::Source(source) => (tagged(&mut buf, SOURCE, &[source.as_str()]), share::SOURCE),
        Exact::Entity { kind: None, key } => (tagged(&mut buf, ENTITY, &[key]), share::ENTITY),
        Exact::Entity {
            kind: Some(kind),
            key,
        } => (
            tagged(&mut buf, ENTITY_OF, &[kind.as_str(), key]),
            share::ENTITY,
        ),
        Exact::Has(kind) => (tagged(&mut buf, HAS, &[kind.as_str()]), share::HAS),
    };
    (name.to_owned(), share)
}

/// A word no text can hold: the analyser makes no empty token and no `\0`, and a term that
/// looked like a tagged token must not match one.
fn impossible(term: &str) -> bool {
    term.is_empty() || term.contains('\0')
}

/// What [`compile`] makes of a query.
#[derive(Debug)]
pub(super) struct Compiled {
    /// The bytecode.
    pub(super) code: Vec<u32>,
    /// The anchor token ids, no two alike.
    pub(super) anchors: Vec<u32>,
    /// Whether holding an anchor is matching (a term, or terms and values ORed).
    pub(super) complete: bool,
}

/// Compiles `query`, adding its tokens to the vocabulary.
pub(super) fn compile(
    query: &Query,
    stats: &dyn TermStatistics,
    vocabulary: &mut Vocabulary,
) -> Result<Compiled, Refused> {
    let views = stats.views().max(1) as f64;
    let anchor = Anchors { stats, views }
        .of(query)
        .ok_or(Refused::Unanchorable)?;
    let mut emitter = Emitter {
        vocabulary,
        code: Vec::new(),
    };
    emitter.emit(query).ok_or(Refused::Full)?;
    let Emitter { vocabulary, code } = emitter;
    let anchors = anchor
        .tokens
        .iter()
        .map(|(name, _)| vocabulary.intern(name))
        .collect::<Option<Vec<u32>>>()
        .ok_or(Refused::Full)?;
    Ok(Compiled {
        code,
        anchors,
        complete: complete(query),
    })
}

/// A set of tokens one of which every matching view holds, with their estimated document
/// frequencies; empty for a query nothing matches.
struct Anchor {
    tokens: Vec<(String, f64)>,
}

impl Anchor {
    fn one(name: String, cost: f64) -> Self {
        Anchor {
            tokens: vec![(name, cost)],
        }
    }

    fn none() -> Self {
        Anchor { tokens: Vec::new() }
    }

    fn cost(&self) -> f64 {
        self.tokens.iter().map(|(_, cost)| cost).sum()
    }
}

struct Anchors<'a> {
    stats: &'a dyn TermStatistics,
    views: f64,
}

impl Anchors<'_> {
    /// The anchor of `query`, `None` when a view could match it without holding any token.
    fn of(&self, query: &Query) -> Option<Anchor> {
        match query {
            Query::All | Query::Not(_) => None,
            Query::Term { field, term } => Some(self.term(*field, term)),
            Query::Phrase { field, terms } => {
                if terms.iter().any(|term| impossible(term)) {
                    return Some(Anchor::none());
                }
                // The rarest word; the first of equals, as Lucene Monitor picks.
                let mut best: Option<Anchor> = None;
                for term in terms {
                    let anchor = self.term(*field, term);
                    if best.as_ref().is_none_or(|best| anchor.cost() < best.cost()) {
                        best = Some(anchor);
                    }
                }
                Some(best.unwrap_or_else(Anchor::none))
            }
            Query::Prefix { field, prefix } => {
                if prefix.contains('\0') {
                    Some(Anchor::none())
                } else if prefix.is_empty() {
                    None
                } else {
                    let guess = share::PREFIX_PER_CHAR.powi(char_count(prefix));
                    Some(Anchor::one(prefix_name(*field, prefix), guess * self.views))
                }
            }
            Query::Exact(exact) => {
                let (name, share) = exact_token(exact);
                Some(Anchor::one(name, share * self.views))
            }
            Query::Received { from, to } => {
                if from.is_none() && to.is_none() {
                    return None;
                }
                let tokens = date_cover(*from, *to)
                    .into_iter()
                    .map(|(name, share)| (name, share * self.views))
                    .collect();
                Some(Anchor { tokens })
            }
            Query::Within(area) => {
                let tokens = area
                    .cover()?
                    .into_iter()
                    .map(|cell| {
                        let name = tagged(&mut String::new(), GEO, &[&cell]).to_owned();
                        (name, share::CELL * self.views)
                    })
                    .collect();
                Some(Anchor { tokens })
            }
            Query::And(children) => {
                let mut best: Option<Anchor> = None;
                for anchor in children.iter().filter_map(|child| self.of(child)) {
                    if best.as_ref().is_none_or(|best| anchor.cost() < best.cost()) {
                        best = Some(anchor);
                    }
                }
                best
            }
            Query::Or(children) => {
                let mut seen = FxHashSet::default();
                let mut tokens = Vec::new();
                for child in children {
                    for (name, cost) in self.of(child)?.tokens {
                        if seen.insert(name.clone()) {
                            tokens.push((name, cost));
                        }
                    }
                }
                Some(Anchor { tokens })
            }
        }
    }

    fn term(&self, field: TextField, term: &str) -> Anchor {
        if impossible(term) {
            return Anchor::none();
        }
        let cost = match self.stats.doc_freq(field, term) {
            Some(freq) => freq as f64,
            None => share::TERM_PER_CHAR.powi(char_count(term)) * self.views,
        };
        Anchor::one(term_name(field, term), cost)
    }
}

fn char_count(text: &str) -> i32 {
    i32::try_from(text.chars().count()).unwrap_or(i32::MAX)
}

/// The date-bucket tokens covering `from ≤ t < to`, with their guessed shares of views.
fn date_cover(from: Option<Timestamp>, to: Option<Timestamp>) -> Vec<(String, f64)> {
    let first = from.map(utc_date);
    let last = match to {
        // The last day holding an instant before `to`.
        Some(to) => match Timestamp::from_nanosecond(to.as_nanosecond() - 1) {
            Ok(last) => Some(utc_date(last)),
            Err(_) => return Vec::new(),
        },
        None => None,
    };
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Vec::new();
    }
    let mut tokens = Vec::new();
    let mut buf = String::new();
    let (Ok(floor), Ok(ceiling)) = (Date::new(FIRST_YEAR, 1, 1), Date::new(END_YEAR - 1, 12, 31))
    else {
        return tokens;
    };
    if first.is_none_or(|first| first < floor) {
        tokens.push((
            tagged(&mut buf, DATE, &[BEFORE]).to_owned(),
            share::OUT_OF_RANGE,
        ));
    }
    if last.is_none_or(|last| last > ceiling) {
        tokens.push((
            tagged(&mut buf, DATE, &[AFTER]).to_owned(),
            share::OUT_OF_RANGE,
        ));
    }
    let start = first.map_or(floor, |first| first.max(floor));
    let end = last.map_or(ceiling, |last| last.min(ceiling));
    let mut day = start;
    while day <= end {
        let (size, bucket_end) = largest_bucket(day, end);
        tokens.push((bucket_name(&mut buf, size, day).to_owned(), size.share()));
        match bucket_end.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    tokens
}

/// The largest bucket starting on `day` that ends by `end`, and its last day.
fn largest_bucket(day: Date, end: Date) -> (Bucket, Date) {
    let year = day.year();
    if day.month() == 1 && day.day() == 1 {
        for (size, years) in [
            (Bucket::Century, 100),
            (Bucket::Decade, 10),
            (Bucket::Year, 1),
        ] {
            if year.rem_euclid(years) != 0 {
                continue;
            }
            if let Ok(last) = Date::new(year.saturating_add(years - 1), 12, 31)
                && last <= end
            {
                return (size, last);
            }
        }
    }
    if day.day() == 1 && day.last_of_month() <= end {
        return (Bucket::Month, day.last_of_month());
    }
    (Bucket::Day, day)
}

/// Whether a view holding one of the query's anchors matches it: a term or exact value, or an
/// OR of them, whose anchors are exactly its tokens.
fn complete(query: &Query) -> bool {
    match query {
        Query::Term { .. } | Query::Exact(_) => true,
        Query::Phrase { terms, .. } => terms.len() <= 1,
        Query::Prefix { prefix, .. } => !prefix.is_empty(),
        Query::Or(children) => children.iter().all(complete),
        _ => false,
    }
}

/// Writes the bytecode of a query (see [`code`] for the layout).
struct Emitter<'a> {
    vocabulary: &'a mut Vocabulary,
    code: Vec<u32>,
}

impl Emitter<'_> {
    /// `None` when the vocabulary or the code is full.
    fn emit(&mut self, query: &Query) -> Option<()> {
        match query {
            Query::All => self.code.push(op::TRUE),
            Query::Term { field, term } => self.term(*field, term)?,
            Query::Phrase { field, terms } => match terms.as_slice() {
                [] => self.code.push(op::FALSE),
                [term] => self.term(*field, term)?,
                _ if terms.iter().any(|term| impossible(term)) => self.code.push(op::FALSE),
                _ => {
                    // The words themselves, whose positions the check compares.
                    let ids = terms
                        .iter()
                        .map(|term| self.vocabulary.intern(term))
                        .collect::<Option<Vec<u32>>>()?;
                    self.code.push(op::PHRASE);
                    self.code.push(code::field_word(*field));
                    self.code.push(u32::try_from(ids.len()).ok()?);
                    self.code.extend(ids);
                }
            },
            Query::Prefix { field, prefix } => {
                if prefix.contains('\0') {
                    self.code.push(op::FALSE);
                } else if prefix.is_empty() {
                    self.code.push(op::ANY_WORD);
                    self.code.push(code::field_word(*field));
                } else {
                    self.token(&prefix_name(*field, prefix))?;
                }
            }
            Query::Exact(exact) => self.token(&exact_token(exact).0)?,
            Query::Received { from, to } => {
                self.code.push(op::RANGE);
                let flags = u32::from(from.is_some()) | (u32::from(to.is_some()) << 1);
                self.code.push(flags);
                for bound in [from, to] {
                    let nanos = bound.map_or(0, Timestamp::as_nanosecond);
                    code::push_i128(&mut self.code, nanos);
                }
            }
            Query::Within(area) => match *area {
                GeoArea::Circle { center, radius_m } => {
                    self.code.push(op::CIRCLE);
                    for value in [center.lat, center.lon, radius_m] {
                        code::push_f64(&mut self.code, value);
                    }
                }
                GeoArea::Box {
                    south,
                    west,
                    north,
                    east,
                } => {
                    self.code.push(op::BOX);
                    for value in [south, west, north, east] {
                        code::push_f64(&mut self.code, value);
                    }
                }
            },
            Query::And(children) | Query::Or(children) => {
                let is_and = matches!(query, Query::And(_));
                if children.is_empty() {
                    self.code.push(if is_and { op::TRUE } else { op::FALSE });
                    return Some(());
                }
                let start = self.code.len();
                self.code.push(if is_and { op::AND } else { op::OR });
                self.code.push(0);
                for child in children {
                    self.emit(child)?;
                }
                let length = u32::try_from(self.code.len() - start).ok()?;
                if let Some(slot) = self.code.get_mut(start + 1) {
                    *slot = length;
                }
            }
            Query::Not(child) => {
                self.code.push(op::NOT);
                self.emit(child)?;
            }
        }
        Some(())
    }

    fn term(&mut self, field: TextField, term: &str) -> Option<()> {
        if impossible(term) {
            self.code.push(op::FALSE);
            Some(())
        } else {
            self.token(&term_name(field, term))
        }
    }

    fn token(&mut self, name: &str) -> Option<()> {
        let id = self.vocabulary.intern(name)?;
        self.code.push(op::TOKEN);
        self.code.push(id);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn names(from: Option<&str>, to: Option<&str>) -> Vec<String> {
        date_cover(from.map(ts), to.map(ts))
            .into_iter()
            .map(|(name, _)| name.replace('\0', "").replacen('d', "", 1))
            .collect()
    }

    #[test]
    fn date_ranges_become_the_fewest_calendar_buckets() {
        assert_eq!(
            names(Some("2026-03-30T12:00:00Z"), Some("2026-05-02T00:00:00Z")),
            ["D2026-3-30", "D2026-3-31", "M2026-4", "D2026-5-1"]
        );
        assert_eq!(
            names(Some("2000-01-01T00:00:00Z"), Some("2020-01-01T00:00:00Z")),
            ["X200", "X201"]
        );
        assert!(names(Some("2026-01-01T00:00:00Z"), Some("2026-01-01T00:00:00Z")).is_empty());
    }

    #[test]
    fn open_ranges_stay_bounded_and_keep_the_dates_outside_the_buckets() {
        let after = names(Some("2026-12-01T00:00:00Z"), None);
        assert_eq!(after.first().map(String::as_str), Some(">"));
        assert!(after.contains(&"M2026-12".to_owned()));
        assert!(after.contains(&"C21".to_owned()));
        assert!(after.len() < 20, "{after:?}");
        let before = names(None, Some("1950-01-01T00:00:00Z"));
        assert_eq!(before, ["<", "X190", "X191", "X192", "X193", "X194"]);
    }
}
