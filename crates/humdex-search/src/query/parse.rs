//! The parser of the query language: a lexer that cuts the text into tokens that know where they
//! stand, and a recursive-descent parser over them (OR, then AND, then NOT and `-`/`+`, then
//! words, phrases, filters and groups).

use std::iter::Peekable;
use std::str::FromStr;
use std::vec::IntoIter;

use humdex_model::{Channel, EntityKind, Kind, State};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber};
use tantivy::tokenizer::TextAnalyzer;

use super::{Exact, GeoArea, ParseContext, ParseError, Query, TextField};
use crate::Point;
use crate::analyzer::{entity_key, key_analyzer, text_analyzer, tokens};

/// The longest query, in characters: longer ones are pasted documents, not searches.
const MAX_CHARS: usize = 2_000;
/// The deepest nesting of parentheses; it bounds the parser's recursion.
const MAX_DEPTH: usize = 32;
/// The shortest prefix: one letter would match a large part of the vocabulary.
const MIN_PREFIX: usize = 2;
/// The largest radius, in metres: half the Earth's circumference, so all of it.
const MAX_RADIUS_M: f64 = 20_000_000.0;
/// Radius units and their length in metres; `m` comes last, as it ends `km` too.
const UNITS: [(&str, f64); 3] = [("km", 1_000.0), ("mi", 1_609.344), ("m", 1.0)];
/// Schemes whose `name:` starts a web or mail address, not a field.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Parses the analysts' query language into a [`Query`].
///
/// - Words next to each other must all match; `AND`, `OR` and `NOT` are operators only in upper
///   case. `NOT` binds tightest, then `AND` (written or implied), then `OR`: `a b OR c` is
///   `(a AND b) OR c`. Parentheses group, up to 32 deep.
/// - `-clause` is `NOT clause`; `+clause` is the clause itself (Lucene's `+t1 +t2 -t3`).
/// - A word is analysed like indexed text: one token is a term, several (`e-mail`) a phrase,
///   none (punctuation) nothing. `"quoted words"` are a phrase; `\"` is a quote inside one.
/// - `word*` is a prefix of at least 2 letters, neither stemmed nor split.
/// - `title:` takes a word, phrase or prefix and looks in titles only.
/// - `kind:`, `state:` and `source:` take one of their values; `has:TYPE` asks for an entity of
///   the type; `entity:VALUE` and `TYPE:VALUE` (`person:`, `phone:`, …) for an entity by value.
///   Phone numbers are read as E.164, in [`ParseContext::phone_region`] when written without a
///   country code.
/// - `after:`, `before:` and `on:` take a day `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
/// - `near:LAT,LON,RADIUS` (radius in `m`, `km` or `mi`) and `bbox:SOUTH,WEST,NORTH,EAST`
///   (a west edge east of the east edge crosses the antimeridian) filter by place.
/// - `http:`, `https:`, `mailto:`, `scheme://…` and `10:30` are words, not fields.
///
/// An empty query, or one of punctuation only, is [`Query::All`].
///
/// # Errors
///
/// When the text breaks the grammar, a filter's value is not one, or the query is too long or
/// too deeply nested: what is wrong, and where in characters.
pub fn parse(text: &str, context: &ParseContext) -> Result<Query, ParseError> {
    let length = text.chars().count();
    if length > MAX_CHARS {
        return Err(Span::new(MAX_CHARS, length - MAX_CHARS).error(format!(
            "the query is too long: at most {MAX_CHARS} characters"
        )));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser {
        tokens: lex(&chars)?.into_iter().peekable(),
        context,
        depth: 0,
        text: text_analyzer(),
        key: key_analyzer(),
    };
    let query = parser.or(After::Start)?;
    // `or` stops only before a `)` or at the end.
    if let Some(Token::Close(close)) = parser.tokens.next() {
        return Err(close.error("`)` without `(`"));
    }
    Ok(query.unwrap_or(Query::All))
}

/// A stretch of the query, in characters.
#[derive(Debug, Clone, Copy)]
struct Span {
    position: usize,
    length: usize,
}

impl Span {
    fn new(position: usize, length: usize) -> Self {
        Self { position, length }
    }

    fn error(self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            position: self.position,
            length: self.length,
        }
    }
}

/// A value taken from the query, with where each of its characters stands there, so that an
/// error inside it (one number of `near:`) can point at the right place.
#[derive(Debug)]
struct Text {
    value: String,
    /// The position of each character of `value`.
    positions: Vec<usize>,
    /// The whole value, quotes included.
    span: Span,
}

impl Text {
    /// Where the characters `start..end` of the value stand; the whole value when that is empty.
    fn part(&self, start: usize, end: usize) -> Span {
        let first = self.positions.get(start);
        let last = end.checked_sub(1).and_then(|last| self.positions.get(last));
        match (first, last) {
            (Some(&first), Some(&last)) if start < end => Span::new(first, last + 1 - first),
            _ => self.span,
        }
    }
}

/// A word or field value, bare or in quotes.
#[derive(Debug)]
enum Value {
    Bare(Text),
    Quoted(Text),
}

impl Value {
    fn text(&self) -> &Text {
        match self {
            Self::Bare(text) | Self::Quoted(text) => text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    And,
    Or,
    Not,
    /// `+`
    Require,
    /// `-`
    Exclude,
}

impl Operator {
    /// What a person is told when the operator lacks an operand.
    fn lacks_operand(self) -> &'static str {
        match self {
            Self::And => "`AND` needs something on both sides",
            Self::Or => "`OR` needs something on both sides",
            Self::Not => "`NOT` needs something after it",
            Self::Require => "`+` needs something after it",
            Self::Exclude => "`-` needs something after it",
        }
    }
}

#[derive(Debug)]
enum Token {
    Open(Span),
    Close(Span),
    Operator(Operator, Span),
    Text(Value),
    Field {
        name: String,
        name_span: Span,
        value: Value,
    },
}

/// Cuts the query into tokens.
fn lex(chars: &[char]) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while let Some(&c) = chars.get(at) {
        if c.is_whitespace() {
            at += 1;
            continue;
        }
        let starts_clause = chars
            .get(at + 1)
            .is_some_and(|&next| !next.is_whitespace() && next != ')');
        let (token, end) = match c {
            '(' => (Token::Open(Span::new(at, 1)), at + 1),
            ')' => (Token::Close(Span::new(at, 1)), at + 1),
            '"' => {
                let text = quoted(chars, at)?;
                let end = text.span.position + text.span.length;
                (Token::Text(Value::Quoted(text)), end)
            }
            // A lone `-` or `+` is punctuation, which analyses to nothing.
            '-' if starts_clause => (Token::Operator(Operator::Exclude, Span::new(at, 1)), at + 1),
            '+' if starts_clause => (Token::Operator(Operator::Require, Span::new(at, 1)), at + 1),
            _ => word(chars, at)?,
        };
        tokens.push(token);
        at = end;
    }
    Ok(tokens)
}

/// The word starting at `start` (an operator, a field with its value, or text) and where it
/// ends.
fn word(chars: &[char], start: usize) -> Result<(Token, usize), ParseError> {
    let end = start
        + chars
            .iter()
            .skip(start)
            .take_while(|&&c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
            .count();
    let run: String = chars.iter().skip(start).take(end - start).collect();
    let span = Span::new(start, end - start);
    let operator = match run.as_str() {
        "AND" => Some(Operator::And),
        "OR" => Some(Operator::Or),
        "NOT" => Some(Operator::Not),
        _ => None,
    };
    if let Some(operator) = operator {
        return Ok((Token::Operator(operator, span), end));
    }
    if let Some((name, rest)) = run.split_once(':')
        && is_field_name(name)
        && !is_address(name, rest)
    {
        let name_length = name.chars().count();
        let name_span = Span::new(start, name_length);
        let (value, end) = if rest.is_empty() && chars.get(end) == Some(&'"') {
            let text = quoted(chars, end)?;
            let end = text.span.position + text.span.length;
            (Value::Quoted(text), end)
        } else {
            (Value::Bare(bare(chars, start + name_length + 1, end)), end)
        };
        let name = name.to_owned();
        return Ok((
            Token::Field {
                name,
                name_span,
                value,
            },
            end,
        ));
    }
    Ok((Token::Text(Value::Bare(bare(chars, start, end))), end))
}

fn bare(chars: &[char], start: usize, end: usize) -> Text {
    Text {
        value: chars.iter().skip(start).take(end - start).collect(),
        positions: (start..end).collect(),
        span: Span::new(start, end - start),
    }
}

/// The quoted text whose opening quote is at `open`.
fn quoted(chars: &[char], open: usize) -> Result<Text, ParseError> {
    let mut value = String::new();
    let mut positions = Vec::new();
    let mut at = open + 1;
    while let Some(&c) = chars.get(at) {
        match (c, chars.get(at + 1)) {
            ('"', _) => {
                return Ok(Text {
                    value,
                    positions,
                    span: Span::new(open, at + 1 - open),
                });
            }
            ('\\', Some(&escaped @ ('"' | '\\'))) => {
                at += 1;
                value.push(escaped);
                positions.push(at);
            }
            _ => {
                value.push(c);
                positions.push(at);
            }
        }
        at += 1;
    }
    Err(Span::new(open, 1).error("unclosed quote: end the phrase with `\"`"))
}

/// Whether `name` could name a field: a time's `10:30` or `Łódź:` could not.
fn is_field_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name:rest` is a web or mail address.
fn is_address(name: &str, rest: &str) -> bool {
    rest.starts_with("//")
        || SCHEMES
            .iter()
            .any(|scheme| name.eq_ignore_ascii_case(scheme))
}

/// The fields of the language, besides the entity types.
#[derive(Debug, Clone, Copy)]
enum Field {
    Title,
    Kind,
    State,
    Source,
    Entity(Option<EntityKind>),
    Has,
    After,
    Before,
    On,
    Near,
    Bbox,
}

const FIELDS: [(&str, Field); 11] = [
    ("title", Field::Title),
    ("kind", Field::Kind),
    ("state", Field::State),
    ("source", Field::Source),
    ("entity", Field::Entity(None)),
    ("has", Field::Has),
    ("after", Field::After),
    ("before", Field::Before),
    ("on", Field::On),
    ("near", Field::Near),
    ("bbox", Field::Bbox),
];

impl Field {
    /// The field called `name` (lower case).
    fn named(name: &str) -> Option<Self> {
        FIELDS
            .iter()
            .find(|(field, _)| *field == name)
            .map(|&(_, field)| field)
            .or_else(|| name.parse().ok().map(|kind| Self::Entity(Some(kind))))
    }
}

fn entity_types() -> String {
    let names: Vec<&str> = EntityKind::ALL.iter().map(|kind| kind.as_str()).collect();
    names.join(", ")
}

/// What stands before an operand, to say why it is missing.
#[derive(Debug, Clone, Copy)]
enum After {
    /// The start of the query, where nothing at all is an empty query, or another clause.
    Start,
    Open(Span),
    Operator(Operator, Span),
}

/// A day, or an instant.
enum When {
    Day(Date),
    Instant(Timestamp),
}

/// One comma-separated part of a `near:` or `bbox:` value.
struct Part {
    value: String,
    span: Span,
}

struct Parser<'a> {
    tokens: Peekable<IntoIter<Token>>,
    context: &'a ParseContext,
    /// How many parentheses are open.
    depth: usize,
    text: TextAnalyzer,
    key: TextAnalyzer,
}

impl Parser<'_> {
    /// Alternatives: `and (OR and)*`. `None` when every clause analysed to nothing.
    fn or(&mut self, after: After) -> Result<Option<Query>, ParseError> {
        let mut any = Vec::new();
        any.extend(self.and(after)?);
        while let Some(span) = self.eat(Operator::Or) {
            any.extend(self.and(After::Operator(Operator::Or, span))?);
        }
        Ok(join(any, false))
    }

    /// Conjunctions: `unary ((AND)? unary)*`.
    fn and(&mut self, after: After) -> Result<Option<Query>, ParseError> {
        let mut all = Vec::new();
        all.extend(self.unary(after)?);
        loop {
            let after = if let Some(span) = self.eat(Operator::And) {
                After::Operator(Operator::And, span)
            } else if self.starts_clause() {
                After::Start
            } else {
                break;
            };
            all.extend(self.unary(after)?);
        }
        Ok(join(all, true))
    }

    /// `NOT`, `-` and `+` before a clause.
    fn unary(&mut self, mut after: After) -> Result<Option<Query>, ParseError> {
        let mut negated = false;
        while let Some(&Token::Operator(
            operator @ (Operator::Not | Operator::Exclude | Operator::Require),
            span,
        )) = self.tokens.peek()
        {
            self.tokens.next();
            negated ^= operator != Operator::Require;
            after = After::Operator(operator, span);
        }
        let clause = self.clause(after)?;
        Ok(clause.map(|query| {
            if negated {
                Query::Not(Box::new(query))
            } else {
                query
            }
        }))
    }

    /// A word, phrase, filter or group.
    fn clause(&mut self, after: After) -> Result<Option<Query>, ParseError> {
        match self.tokens.next() {
            Some(Token::Text(value)) => self.text_query(&value, TextField::Any),
            Some(Token::Field {
                name,
                name_span,
                value,
            }) => self.field(&name, name_span, &value),
            Some(Token::Open(open)) => self.group(open),
            Some(Token::Operator(operator, span)) => Err(span.error(operator.lacks_operand())),
            Some(Token::Close(close)) => Err(match after {
                After::Start => close.error("`)` without `(`"),
                After::Open(open) => Span::new(open.position, close.position + 1 - open.position)
                    .error("`()` holds nothing to search for"),
                After::Operator(operator, span) => span.error(operator.lacks_operand()),
            }),
            None => match after {
                After::Start => Ok(None),
                After::Open(open) => Err(open.error("`(` is never closed")),
                After::Operator(operator, span) => Err(span.error(operator.lacks_operand())),
            },
        }
    }

    fn group(&mut self, open: Span) -> Result<Option<Query>, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(open.error(format!(
                "parentheses nest too deeply: at most {MAX_DEPTH} levels"
            )));
        }
        self.depth += 1;
        let inner = self.or(After::Open(open))?;
        self.depth -= 1;
        match self.tokens.next() {
            Some(Token::Close(_)) => Ok(inner),
            _ => Err(open.error("`(` is never closed")),
        }
    }

    fn starts_clause(&mut self) -> bool {
        matches!(
            self.tokens.peek(),
            Some(
                Token::Open(_)
                    | Token::Text(_)
                    | Token::Field { .. }
                    | Token::Operator(Operator::Not | Operator::Exclude | Operator::Require, _)
            )
        )
    }

    /// Takes the next token when it is `operator`.
    fn eat(&mut self, operator: Operator) -> Option<Span> {
        match self.tokens.peek() {
            Some(&Token::Operator(next, span)) if next == operator => {
                self.tokens.next();
                Some(span)
            }
            _ => None,
        }
    }

    /// Words, a phrase or a prefix in `field`.
    fn text_query(&mut self, value: &Value, field: TextField) -> Result<Option<Query>, ParseError> {
        let text = match value {
            Value::Quoted(text) => return Ok(self.words(&text.value, field)),
            Value::Bare(text) => text,
        };
        match text.value.chars().position(|c| c == '*') {
            None => Ok(self.words(&text.value, field)),
            Some(star) if star + 1 == text.positions.len() => {
                self.prefix(text, star, field).map(Some)
            }
            Some(star) => Err(text
                .part(star, star + 1)
                .error("`*` can only end a word, as in `traffick*`")),
        }
    }

    fn words(&mut self, text: &str, field: TextField) -> Option<Query> {
        let mut terms: Vec<String> = tokens(&mut self.text, text)
            .into_iter()
            .map(|token| token.text)
            .collect();
        if terms.len() > 1 {
            Some(Query::Phrase { field, terms })
        } else {
            terms.pop().map(|term| Query::Term { field, term })
        }
    }

    /// The prefix before the `*` at `star` of `text`.
    fn prefix(&mut self, text: &Text, star: usize, field: TextField) -> Result<Query, ParseError> {
        let stem: String = text.value.chars().take(star).collect();
        let mut found = tokens(&mut self.key, &stem);
        let only = found.pop().filter(|_| found.is_empty());
        match only {
            Some(token) if token.text.chars().count() >= MIN_PREFIX => Ok(Query::Prefix {
                field,
                prefix: token.text,
            }),
            _ if !found.is_empty() => Err(text.span.error(format!(
                "a prefix must be one word, and `{stem}` is several"
            ))),
            // The analyser drops tokens too long to be worth indexing.
            None if stem.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_PREFIX => {
                Err(text.span.error("this word is too long to be searched for"))
            }
            _ => Err(text
                .span
                .error(format!("a prefix needs at least {MIN_PREFIX} letters"))),
        }
    }

    fn field(
        &mut self,
        name: &str,
        name_span: Span,
        value: &Value,
    ) -> Result<Option<Query>, ParseError> {
        let lower = name.to_ascii_lowercase();
        let Some(field) = Field::named(&lower) else {
            let fields: Vec<&str> = FIELDS.iter().map(|&(field, _)| field).collect();
            return Err(name_span.error(format!(
                "unknown field `{name}` (fields: {}, and the entity types {}); \
                 to search for the word, put it in quotes",
                fields.join(", "),
                entity_types()
            )));
        };
        let text = value.text();
        if matches!(value, Value::Bare(_)) && text.value.is_empty() {
            return Err(Span::new(name_span.position, name_span.length + 1)
                .error(format!("`{lower}:` needs a value right after the colon")));
        }
        let query = match field {
            Field::Title => return self.text_query(value, TextField::Title),
            Field::Kind => Query::Exact(Exact::Kind(keyword::<Kind>(text)?)),
            Field::State => Query::Exact(Exact::State(keyword::<State>(text)?)),
            Field::Source => Query::Exact(Exact::Source(keyword::<Channel>(text)?)),
            Field::Has => Query::Exact(Exact::Has(text.value.to_lowercase().parse().map_err(
                |_| {
                    text.span.error(format!(
                        "unknown entity type `{}` ({})",
                        text.value,
                        entity_types()
                    ))
                },
            )?)),
            Field::Entity(kind) => self.entity(&lower, kind, value)?,
            Field::After => Query::Received {
                from: Some(start(when(text)?, text)?),
                to: None,
            },
            Field::Before => Query::Received {
                from: None,
                to: Some(start(when(text)?, text)?),
            },
            Field::On => {
                let day = match when(text)? {
                    When::Day(day) => day,
                    When::Instant(instant) => instant.to_zoned(TimeZone::UTC).date(),
                };
                let next = day.tomorrow().map_err(|_| out_of_range(text))?;
                Query::Received {
                    from: Some(start(When::Day(day), text)?),
                    to: Some(start(When::Day(next), text)?),
                }
            }
            Field::Near => Query::Within(near(text)?),
            Field::Bbox => Query::Within(bbox(text)?),
        };
        Ok(Some(query))
    }

    /// `entity:VALUE` or `TYPE:VALUE`, named `name`.
    fn entity(
        &self,
        name: &str,
        kind: Option<EntityKind>,
        value: &Value,
    ) -> Result<Query, ParseError> {
        let text = value.text();
        // The key would silently drop the `*`, finding only the literal value.
        if let Value::Bare(text) = value
            && let Some(star) = text.value.chars().position(|c| c == '*')
        {
            return Err(text
                .part(star, star + 1)
                .error("entity filters match whole values: `*` does not work here"));
        }
        // E-mail addresses need no step of their own: the key is lower-cased anyway.
        let normalised = match kind {
            Some(EntityKind::Phone) => self.phone(text)?,
            _ => text.value.clone(),
        };
        let key = entity_key(&normalised);
        if key.is_empty() {
            return Err(text
                .span
                .error(format!("`{name}:` needs a value with letters or digits")));
        }
        Ok(Query::Exact(Exact::Entity { kind, key }))
    }

    /// The E.164 form of the phone number `text`.
    fn phone(&self, text: &Text) -> Result<String, ParseError> {
        let region = self
            .context
            .phone_region
            .as_deref()
            .and_then(|region| region.to_ascii_uppercase().parse::<Id>().ok());
        e164(&text.value, region).ok_or_else(|| {
            let hint = if region.is_none() && !text.value.trim_start().starts_with('+') {
                ": with no default region, write it with its country code, as in +44 20 7946 0000"
            } else {
                ""
            };
            text.span
                .error(format!("`{}` is not a phone number{hint}", text.value))
        })
    }
}

/// The E.164 form of `value`, read in `region` when it has no country code.
fn e164(value: &str, region: Option<Id>) -> Option<String> {
    // Only digits and the separators numbers are written with: phonenumber would read letters
    // as a vanity number (1-800-FLOWERS), a number no record's analysis yields.
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')' | '/' | ' '))
    {
        return None;
    }
    let number = phonenumber::parse(region, value).ok()?;
    // Records keep numbers of a possible length that are not valid (the fictional 555-01xx),
    // so a search must be able to name them too.
    (number.is_valid() || of_possible_length(&number))
        .then(|| number.format().mode(Mode::E164).to_string())
}

/// Whether some region of the number's country code has numbers of its length, of any type.
fn of_possible_length(number: &PhoneNumber) -> bool {
    let length = number.national().to_string().len();
    let Some(regions) = DATABASE.by_code(&number.code().value()) else {
        return false;
    };
    regions.iter().any(|region| {
        let types = region.descriptors();
        // The general descriptor often lists no lengths: they are kept on each type.
        [
            Some(types.general()),
            types.fixed_line(),
            types.mobile(),
            types.toll_free(),
            types.premium_rate(),
            types.shared_cost(),
            types.personal_number(),
            types.voip(),
            types.pager(),
            types.uan(),
            types.voicemail(),
        ]
        .into_iter()
        .flatten()
        .any(|kind| {
            kind.possible_length()
                .iter()
                .any(|&possible| usize::from(possible) == length)
        })
    })
}

/// `parts` in one query: `Or` of them (`And` when `conjunction`), nested ones of the same kind
/// flattened, a single one by itself, none `None`.
fn join(parts: Vec<Query>, conjunction: bool) -> Option<Query> {
    let mut flat = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Query::And(inner) if conjunction => flat.extend(inner),
            Query::Or(inner) if !conjunction => flat.extend(inner),
            part => flat.push(part),
        }
    }
    if flat.len() > 1 {
        Some(if conjunction {
            Query::And(flat)
        } else {
            Query::Or(flat)
        })
    } else {
        flat.pop()
    }
}

/// A `kind:`, `state:` or `source:` value; their errors list the values there are.
fn keyword<T: FromStr<Err = String>>(text: &Text) -> Result<T, ParseError> {
    text.value
        .to_lowercase()
        .parse()
        .map_err(|message| text.span.error(message))
}

/// `text` as a day (`2026-01-31`) or an RFC 3339 instant.
fn when(text: &Text) -> Result<When, ParseError> {
    let value = text.value.trim();
    // jiff would also take other ISO 8601 shapes; the language promises only these two.
    let is_day = value.len() == 10
        && value.bytes().enumerate().all(|(at, byte)| match at {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let parsed = if is_day {
        value.parse().map(When::Day)
    } else {
        value.parse().map(When::Instant)
    };
    parsed.map_err(|_| {
        text.span.error(format!(
            "`{}` is not a date: write YYYY-MM-DD, as in 2026-01-31, or a time such as \
             2026-01-31T18:00:00Z",
            text.value
        ))
    })
}

/// The instant `when` starts: a day's midnight UTC.
fn start(when: When, text: &Text) -> Result<Timestamp, ParseError> {
    match when {
        When::Day(day) => day
            .to_zoned(TimeZone::UTC)
            .map(|midnight| midnight.timestamp())
            .map_err(|_| out_of_range(text)),
        When::Instant(instant) => Ok(instant),
    }
}

fn out_of_range(text: &Text) -> ParseError {
    text.span
        .error(format!("`{}` is beyond the dates searched", text.value))
}

/// `text` split at its commas, each part trimmed, exactly `N` of them.
fn parts<const N: usize>(text: &Text, usage: &str) -> Result<[Part; N], ParseError> {
    let chars: Vec<char> = text.value.chars().collect();
    let mut parts = Vec::with_capacity(N);
    let mut begin = 0;
    for piece in chars.split(|&c| c == ',') {
        let end = begin + piece.len();
        let lead = piece.iter().take_while(|c| c.is_whitespace()).count();
        let trail = piece
            .iter()
            .skip(lead)
            .rev()
            .take_while(|c| c.is_whitespace())
            .count();
        let (start, stop) = (begin + lead, end - trail);
        parts.push(Part {
            value: chars.iter().skip(start).take(stop - start).collect(),
            span: text.part(start, stop),
        });
        begin = end + 1;
    }
    <[Part; N]>::try_from(parts).map_err(|_| text.span.error(usage))
}

fn number(value: &str, span: Span) -> Result<f64, ParseError> {
    if value.is_empty() {
        return Err(span.error("a number is missing here"));
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
        .ok_or_else(|| span.error(format!("`{value}` is not a number")))
}

fn latitude(part: &Part) -> Result<f64, ParseError> {
    let lat = number(&part.value, part.span)?;
    if (-90.0..=90.0).contains(&lat) {
        Ok(lat)
    } else {
        Err(part
            .span
            .error(format!("latitude {lat} is not between -90 and 90")))
    }
}

fn longitude(part: &Part) -> Result<f64, ParseError> {
    let lon = number(&part.value, part.span)?;
    if (-180.0..=180.0).contains(&lon) {
        Ok(lon)
    } else {
        Err(part
            .span
            .error(format!("longitude {lon} is not between -180 and 180")))
    }
}

/// `near:LAT,LON,RADIUS`.
fn near(text: &Text) -> Result<GeoArea, ParseError> {
    let [lat, lon, radius] = parts(
        text,
        "`near:` takes latitude,longitude,radius, as in near:40.71,-74.00,25km",
    )?;
    let center = Point {
        lat: latitude(&lat)?,
        lon: longitude(&lon)?,
    };
    let lower = radius.value.to_ascii_lowercase();
    let (amount, metres) = UNITS
        .iter()
        .find_map(|&(unit, metres)| lower.strip_suffix(unit).map(|amount| (amount, metres)))
        .ok_or_else(|| {
            radius
                .span
                .error("the radius needs a unit: m, km or mi, as in 25km")
        })?;
    let radius_m = number(amount.trim(), radius.span)? * metres;
    if radius_m <= 0.0 || radius_m > MAX_RADIUS_M {
        return Err(radius.span.error(format!(
            "the radius must be more than 0 and at most {}km",
            MAX_RADIUS_M / 1_000.0
        )));
    }
    Ok(GeoArea::Circle { center, radius_m })
}

/// `bbox:SOUTH,WEST,NORTH,EAST`.
fn bbox(text: &Text) -> Result<GeoArea, ParseError> {
    let [south, west, north_part, east] = parts(
        text,
        "`bbox:` takes south,west,north,east, as in bbox:40.4,-74.3,41.0,-73.6",
    )?;
    let area = GeoArea::Box {
        south: latitude(&south)?,
        west: longitude(&west)?,
        north: latitude(&north_part)?,
        east: longitude(&east)?,
    };
    match area {
        GeoArea::Box { south, north, .. } if south > north => Err(north_part.span.error(format!(
            "the north edge {north} is south of the south edge {south}"
        ))),
        _ => Ok(area),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parse_in(text: &str, region: Option<&str>) -> Result<Query, ParseError> {
        let context = ParseContext {
            phone_region: region.map(str::to_owned),
        };
        parse(text, &context)
    }

    fn ok(text: &str) -> Query {
        parse_in(text, None).unwrap_or_else(|error| panic!("{text:?}: {error:?}"))
    }

    fn err(text: &str) -> ParseError {
        parse_in(text, None).expect_err(text)
    }

    /// The position and length of the error `text` makes.
    fn at(text: &str) -> (usize, usize) {
        let error = err(text);
        (error.position, error.length)
    }

    fn term(term: &str) -> Query {
        Query::Term {
            field: TextField::Any,
            term: term.to_owned(),
        }
    }

    fn phrase(terms: &[&str]) -> Query {
        Query::Phrase {
            field: TextField::Any,
            terms: terms.iter().map(|&term| term.to_owned()).collect(),
        }
    }

    fn prefix(field: TextField, prefix: &str) -> Query {
        Query::Prefix {
            field,
            prefix: prefix.to_owned(),
        }
    }

    fn not(query: Query) -> Query {
        Query::Not(Box::new(query))
    }

    fn and<const N: usize>(parts: [Query; N]) -> Query {
        Query::And(parts.into())
    }

    fn or<const N: usize>(parts: [Query; N]) -> Query {
        Query::Or(parts.into())
    }

    fn entity(kind: Option<EntityKind>, key: &str) -> Query {
        Query::Exact(Exact::Entity {
            kind,
            key: key.to_owned(),
        })
    }

    fn midnight(year: i16, month: i8, day: i8) -> Timestamp {
        jiff::civil::date(year, month, day)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp()
    }

    fn circle(lat: f64, lon: f64, radius_m: f64) -> Query {
        Query::Within(GeoArea::Circle {
            center: Point { lat, lon },
            radius_m,
        })
    }

    #[test]
    fn nothing_to_search_for_matches_everything() {
        for text in [
            "", "   \t\n ", ".", "... !!", "-", "+", "NOT .", "(.)", "\"\"", "-. OR ,",
        ] {
            assert_eq!(ok(text), Query::All, "{text:?}");
        }
    }

    #[test]
    fn words_are_analysed_like_the_index() {
        assert_eq!(ok("Trafficking"), term("traffick"));
        assert_eq!(ok("Łódź"), term("lodz"));
    }

    #[test]
    fn clauses_side_by_side_must_all_match() {
        let both = and([term("bus"), term("train")]);
        assert_eq!(ok("bus train"), both);
        assert_eq!(ok("bus AND train"), both);
        assert_eq!(ok("  bus\n\ttrain "), both);
    }

    #[test]
    fn operators_in_lower_case_are_words() {
        assert_eq!(
            ok("bus or train and car"),
            and([
                term("bus"),
                term("or"),
                term("train"),
                term("and"),
                term("car")
            ])
        );
        assert_eq!(ok("not"), term("not"));
        assert_eq!(ok("Or"), term("or"));
    }

    #[test]
    fn not_binds_tighter_than_and_than_or() {
        let (bus, train, car) = (term("bus"), term("train"), term("car"));
        assert_eq!(
            ok("bus train OR car"),
            or([and([bus.clone(), train.clone()]), car.clone()])
        );
        assert_eq!(
            ok("bus OR train car"),
            or([bus.clone(), and([train.clone(), car.clone()])])
        );
        assert_eq!(
            ok("bus OR train AND car"),
            or([bus.clone(), and([train.clone(), car.clone()])])
        );
        assert_eq!(ok("NOT bus train"), and([not(bus.clone()), train.clone()]));
        assert_eq!(
            ok("NOT bus OR train"),
            or([not(bus.clone()), train.clone()])
        );
        assert_eq!(
            ok("bus AND NOT train"),
            and([bus.clone(), not(train.clone())])
        );
        assert_eq!(ok("bus OR train OR car"), or([bus, train, car]));
    }

    #[test]
    fn parentheses_group_and_nesting_flattens() {
        let (bus, train, car, van) = (term("bus"), term("train"), term("car"), term("van"));
        assert_eq!(
            ok("bus (train OR car)"),
            and([bus.clone(), or([train.clone(), car.clone()])])
        );
        assert_eq!(
            ok("(bus train) car"),
            and([bus.clone(), train.clone(), car.clone()])
        );
        assert_eq!(
            ok("bus OR (train OR car)"),
            or([bus.clone(), train.clone(), car.clone()])
        );
        assert_eq!(ok("((bus))"), bus);
        assert_eq!(
            ok("(bus OR train)(car OR van)"),
            and([or([bus.clone(), train.clone()]), or([car, van])])
        );
        assert_eq!(ok("NOT(bus train)"), not(and([bus, train])));
    }

    #[test]
    fn plus_and_minus_work_as_in_lucene() {
        let (bus, train, car) = (term("bus"), term("train"), term("car"));
        assert_eq!(
            ok("+bus +train -car"),
            and([bus.clone(), train.clone(), not(car.clone())])
        );
        assert_eq!(
            ok("+bus +(train OR car)"),
            and([bus.clone(), or([train.clone(), car.clone()])])
        );
        assert_eq!(ok("-(bus train)"), not(and([bus.clone(), train.clone()])));
        assert_eq!(ok("-\"bus\""), not(bus.clone()));
        assert_eq!(ok("NOT NOT bus"), bus);
        assert_eq!(ok("--bus"), bus);
        assert_eq!(ok("+-bus"), not(bus.clone()));
        // A lone sign is punctuation.
        assert_eq!(ok("bus - train +"), and([bus.clone(), train.clone()]));
        // Inside a word a dash is a word break, not an operator.
        assert_eq!(ok("bus-train"), phrase(&["bus", "train"]));
    }

    #[test]
    fn a_word_of_several_tokens_is_a_phrase() {
        assert_eq!(ok("e-mail"), phrase(&["e", "mail"]));
        assert_eq!(ok("U.S."), phrase(&["u", "s"]));
        assert_eq!(ok("http://x.com/a"), phrase(&["http", "x", "com", "a"]));
        assert_eq!(ok("https:example"), phrase(&["https", "exampl"]));
        assert_eq!(
            ok("mailto:ana@x.org"),
            phrase(&["mailto", "ana", "x", "org"])
        );
        assert_eq!(ok("ftp://x.org"), phrase(&["ftp", "x", "org"]));
        assert_eq!(ok("10:30"), phrase(&["10", "30"]));
        assert_eq!(ok("Łódź:3"), phrase(&["lodz", "3"]));
    }

    #[test]
    fn clauses_of_punctuation_drop_out() {
        let (bus, train) = (term("bus"), term("train"));
        assert_eq!(ok("bus ... train"), and([bus.clone(), train.clone()]));
        assert_eq!(ok("bus OR ."), bus);
        assert_eq!(ok("bus AND ?"), bus);
        assert_eq!(ok("-! bus"), bus);
        assert_eq!(ok("(.) OR (bus)"), bus);
    }

    #[test]
    fn quotes_make_phrases() {
        assert_eq!(ok("\"massage parlor\""), phrase(&["massag", "parlor"]));
        assert_eq!(ok("\"Bus\""), term("bus"));
        assert_eq!(ok("\"NOT bus\""), phrase(&["not", "bus"]));
        assert_eq!(ok(r#""say \"hi\" now""#), phrase(&["say", "hi", "now"]));
        assert_eq!(ok(r#""back\\slash""#), phrase(&["back", "slash"]));
        assert_eq!(ok("bus\"train\""), and([term("bus"), term("train")]));
        assert_eq!(ok("\"minor*\""), term("minor"));
    }

    #[test]
    fn an_unclosed_quote_points_at_its_opening() {
        let error = err("bus \"train car");
        assert_eq!((error.position, error.length), (4, 1));
        assert!(
            error.message.contains("unclosed quote"),
            "{}",
            error.message
        );
        // An escaped quote does not close the phrase.
        assert_eq!(at(r#""bus \""#), (0, 1));
        assert_eq!(at("title:\"bus"), (6, 1));
    }

    #[test]
    fn a_star_ends_a_prefix() {
        assert_eq!(ok("minor*"), prefix(TextField::Any, "minor"));
        // Not stemmed: `trafficking*` must not become `traffick*`.
        assert_eq!(ok("Trafficking*"), prefix(TextField::Any, "trafficking"));
        assert_eq!(ok("Łódź*"), prefix(TextField::Any, "lodz"));
        assert_eq!(ok("-ab*"), not(prefix(TextField::Any, "ab")));
    }

    #[test]
    fn bad_prefixes_are_errors() {
        let short = err("bus x*");
        assert_eq!((short.position, short.length), (4, 2));
        assert_eq!(short.message, "a prefix needs at least 2 letters");
        assert_eq!(at("*"), (0, 1));
        assert_eq!(at(".*"), (0, 2));
        assert_eq!(at("ab*cd"), (2, 1));
        assert_eq!(at("**"), (0, 1));
        assert_eq!(at("*ab"), (0, 1));
        let split = err("e-mail*");
        assert_eq!((split.position, split.length), (0, 7));
        assert!(split.message.contains("one word"), "{}", split.message);
        let long = format!("{}*", "a".repeat(70));
        let error = err(&long);
        assert_eq!((error.position, error.length), (0, 71));
        assert!(error.message.contains("too long"), "{}", error.message);
    }

    #[test]
    fn title_takes_words_phrases_and_prefixes() {
        assert_eq!(
            ok("title:Buses"),
            Query::Term {
                field: TextField::Title,
                term: "buse".to_owned()
            }
        );
        assert_eq!(
            ok("Title:\"massage parlor\""),
            Query::Phrase {
                field: TextField::Title,
                terms: vec!["massag".to_owned(), "parlor".to_owned()]
            }
        );
        assert_eq!(ok("TITLE:minor*"), prefix(TextField::Title, "minor"));
        assert_eq!(
            ok("title:e-mail"),
            Query::Phrase {
                field: TextField::Title,
                terms: vec!["e".to_owned(), "mail".to_owned()]
            }
        );
        assert_eq!(ok("title:\"...\""), Query::All);
        assert_eq!(at("title:a*b"), (7, 1));
        assert_eq!(at("title:a*"), (6, 2));
    }

    #[test]
    fn a_field_needs_a_value() {
        let error = err("title: bus");
        assert_eq!((error.position, error.length), (0, 6));
        assert_eq!(
            error.message,
            "`title:` needs a value right after the colon"
        );
        assert_eq!(at("bus kind:"), (4, 5));
        assert_eq!(at("near:(1)"), (0, 5));
    }

    #[test]
    fn kind_state_and_source_take_their_values() {
        assert_eq!(ok("kind:report"), Query::Exact(Exact::Kind(Kind::Report)));
        assert_eq!(ok("kind:Request"), Query::Exact(Exact::Kind(Kind::Request)));
        for state in State::ALL {
            assert_eq!(
                ok(&format!("state:{}", state.as_str())),
                Query::Exact(Exact::State(state))
            );
        }
        for channel in Channel::ALL {
            assert_eq!(
                ok(&format!("source:{}", channel.as_str())),
                Query::Exact(Exact::Source(channel))
            );
        }
        assert_eq!(
            ok("source:\"hotline\""),
            Query::Exact(Exact::Source(Channel::Hotline))
        );
    }

    #[test]
    fn unknown_values_are_errors_at_the_value_listing_the_values() {
        let kind = err("kind:memo");
        assert_eq!((kind.position, kind.length), (5, 4));
        assert!(kind.message.contains("report, request"), "{}", kind.message);
        let state = err("bus state:open");
        assert_eq!((state.position, state.length), (10, 4));
        assert!(
            state.message.contains("intake, analysis"),
            "{}",
            state.message
        );
        let source = err("source:fax");
        assert_eq!((source.position, source.length), (7, 3));
        assert!(source.message.contains("hotline"), "{}", source.message);
        assert_eq!(at("kind:\"memo\""), (5, 6));
    }

    #[test]
    fn entity_filters_match_keys() {
        assert_eq!(ok("entity:\"Jane  Doe\""), entity(None, "jane doe"));
        assert_eq!(ok("entity:Jane"), entity(None, "jane"));
        assert_eq!(
            ok("person:\"Jane Doe\""),
            entity(Some(EntityKind::Person), "jane doe")
        );
        assert_eq!(ok("Person:Zoë"), entity(Some(EntityKind::Person), "zoe"));
        assert_eq!(
            ok("email:Jane.Doe@Example.COM"),
            entity(Some(EntityKind::Email), &entity_key("jane.doe@example.com"))
        );
        for kind in EntityKind::ALL {
            if kind == EntityKind::Phone {
                continue;
            }
            assert_eq!(
                ok(&format!("{kind}:abc1")),
                entity(Some(kind), "abc1"),
                "{kind}"
            );
        }
    }

    #[test]
    fn bad_entity_values_are_errors() {
        let empty = err("person:\"...\"");
        assert_eq!((empty.position, empty.length), (7, 5));
        assert_eq!(
            empty.message,
            "`person:` needs a value with letters or digits"
        );
        assert_eq!(at("entity:\"\""), (7, 2));
        assert_eq!(at("entity:-"), (7, 1));
        let star = err("person:jan*");
        assert_eq!((star.position, star.length), (10, 1));
        assert!(star.message.contains("whole values"), "{}", star.message);
    }

    #[test]
    fn phone_numbers_are_read_as_e164() {
        let phone = |key: &str| entity(Some(EntityKind::Phone), key);
        assert_eq!(ok("phone:+15555550123"), phone("15555550123"));
        assert_eq!(ok("phone:\"+44 20 7946 0000\""), phone("442079460000"));
        assert_eq!(
            parse_in("phone:\"(555) 555-0123\"", Some("us")),
            Ok(phone("15555550123"))
        );
        assert_eq!(
            parse_in("phone:555-555-0123", Some("US")),
            Ok(phone("15555550123"))
        );
        assert_eq!(
            parse_in("phone:02079460000", Some("GB")),
            Ok(phone("442079460000"))
        );
        // A number with its country code needs no region, whatever the default.
        assert_eq!(
            parse_in("phone:+442079460000", Some("US")),
            Ok(phone("442079460000"))
        );
    }

    #[test]
    fn what_is_not_a_phone_number_is_an_error_at_the_value() {
        let bare = err("bus phone:5555550123");
        assert_eq!((bare.position, bare.length), (10, 10));
        assert!(bare.message.contains("country code"), "{}", bare.message);
        let word = err("phone:hello");
        assert_eq!((word.position, word.length), (6, 5));
        assert!(
            word.message.contains("not a phone number"),
            "{}",
            word.message
        );
        assert_eq!(at("phone:+1"), (6, 2));
        assert_eq!(at("phone:+1555"), (6, 5));
        assert!(parse_in("phone:1-800-FLOWERS", Some("US")).is_err());
        // A region that is not one is no region.
        assert!(parse_in("phone:5555550123", Some("zz")).is_err());
    }

    #[test]
    fn has_asks_for_an_entity_type() {
        assert_eq!(ok("has:phone"), Query::Exact(Exact::Has(EntityKind::Phone)));
        assert_eq!(
            ok("has:Weapon"),
            Query::Exact(Exact::Has(EntityKind::Weapon))
        );
        let error = err("has:gun");
        assert_eq!((error.position, error.length), (4, 3));
        assert!(
            error.message.contains("person, organization"),
            "{}",
            error.message
        );
    }

    #[test]
    fn dates_bound_the_time_received() {
        assert_eq!(
            ok("after:2026-01-01"),
            Query::Received {
                from: Some(midnight(2026, 1, 1)),
                to: None
            }
        );
        assert_eq!(
            ok("before:2026-02-01"),
            Query::Received {
                from: None,
                to: Some(midnight(2026, 2, 1))
            }
        );
        assert_eq!(
            ok("on:2026-01-31"),
            Query::Received {
                from: Some(midnight(2026, 1, 31)),
                to: Some(midnight(2026, 2, 1))
            }
        );
        assert_eq!(
            ok("after:2026-01-01T10:00:00Z"),
            Query::Received {
                from: Some("2026-01-01T10:00:00Z".parse().unwrap()),
                to: None
            }
        );
        // The day of a time is its day in UTC.
        assert_eq!(
            ok("on:2026-01-31T23:30:00-05:00"),
            Query::Received {
                from: Some(midnight(2026, 2, 1)),
                to: Some(midnight(2026, 2, 2))
            }
        );
        assert_eq!(
            ok("after:2026-01-01 before:2026-02-01"),
            and([
                Query::Received {
                    from: Some(midnight(2026, 1, 1)),
                    to: None
                },
                Query::Received {
                    from: None,
                    to: Some(midnight(2026, 2, 1))
                }
            ])
        );
    }

    #[test]
    fn bad_dates_are_errors_at_the_value() {
        let month = err("after:2026-13-01");
        assert_eq!((month.position, month.length), (6, 10));
        assert!(month.message.contains("YYYY-MM-DD"), "{}", month.message);
        assert_eq!(at("after:yesterday"), (6, 9));
        assert_eq!(at("before:20260101"), (7, 8));
        assert_eq!(at("on:2026-1-1"), (3, 8));
        assert_eq!(at("on:2026-02-30"), (3, 10));
        assert_eq!(at("after:2026-01-01T10:00:00"), (6, 19));
        assert_eq!(at("on:9999-12-31"), (3, 10));
    }

    #[test]
    fn near_is_a_circle() {
        assert_eq!(ok("near:40.71,-74.00,25km"), circle(40.71, -74.0, 25_000.0));
        assert_eq!(ok("near:0,0,500m"), circle(0.0, 0.0, 500.0));
        assert_eq!(ok("near:0,0,1mi"), circle(0.0, 0.0, 1_609.344));
        assert_eq!(ok("near:-90,180,2KM"), circle(-90.0, 180.0, 2_000.0));
        assert_eq!(
            ok("near:\"40.71, -74.00, 25 km\""),
            circle(40.71, -74.0, 25_000.0)
        );
        assert_eq!(ok("near:0,0,20000km"), circle(0.0, 0.0, 20_000_000.0));
    }

    #[test]
    fn bad_circles_are_errors_at_the_number() {
        let lat = err("near:91,0,1km");
        assert_eq!((lat.position, lat.length), (5, 2));
        assert!(lat.message.contains("latitude"), "{}", lat.message);
        assert_eq!(at("near:0,181,1km"), (7, 3));
        assert_eq!(at("near:0,-180.5,1km"), (7, 6));
        assert_eq!(at("near:0,0,0km"), (9, 3));
        assert_eq!(at("near:0,0,-1km"), (9, 4));
        assert_eq!(at("near:0,0,20001km"), (9, 7));
        let unit = err("near:0,0,25");
        assert_eq!((unit.position, unit.length), (9, 2));
        assert!(unit.message.contains("unit"), "{}", unit.message);
        assert_eq!(at("near:0,0"), (5, 3));
        assert_eq!(at("near:0,0,1km,4"), (5, 9));
        assert_eq!(at("near:x,0,1km"), (5, 1));
        assert_eq!(at("near:nan,0,1km"), (5, 3));
        assert_eq!(at("near:inf,0,1km"), (5, 3));
        assert_eq!(at("near:0,0,xkm"), (9, 3));
        let missing = err("near:0,,1km");
        assert_eq!((missing.position, missing.length), (5, 6));
        assert_eq!(missing.message, "a number is missing here");
        assert_eq!(at("near:\"0, 181 , 1km\""), (9, 3));
    }

    #[test]
    fn bbox_is_a_box() {
        assert_eq!(
            ok("bbox:40.4,-74.3,41.0,-73.6"),
            Query::Within(GeoArea::Box {
                south: 40.4,
                west: -74.3,
                north: 41.0,
                east: -73.6
            })
        );
        // West east of east crosses the antimeridian.
        assert_eq!(
            ok("bbox:-20,170,20,-170"),
            Query::Within(GeoArea::Box {
                south: -20.0,
                west: 170.0,
                north: 20.0,
                east: -170.0
            })
        );
    }

    #[test]
    fn bad_boxes_are_errors_at_the_number() {
        let flipped = err("bbox:41,0,40,1");
        assert_eq!((flipped.position, flipped.length), (10, 2));
        assert!(
            flipped.message.contains("north edge"),
            "{}",
            flipped.message
        );
        assert_eq!(at("bbox:-91,0,0,1"), (5, 3));
        assert_eq!(at("bbox:0,0,1,200"), (11, 3));
        assert_eq!(at("bbox:0,0,1"), (5, 5));
        assert_eq!(at("bbox:0,x,1,1"), (7, 1));
    }

    #[test]
    fn unknown_fields_are_errors_at_the_name() {
        let error = err("colour:red");
        assert_eq!((error.position, error.length), (0, 6));
        for part in [
            "unknown field `colour`",
            "fields: title, kind",
            "bbox",
            "weapon",
        ] {
            assert!(error.message.contains(part), "{part}: {}", error.message);
        }
        assert_eq!(at("bus x:1"), (4, 1));
        assert_eq!(at("note:"), (0, 4));
        assert_eq!(ok("\"colour:red\""), phrase(&["colour", "red"]));
    }

    #[test]
    fn unbalanced_parentheses_are_errors() {
        let open = err("(bus");
        assert_eq!((open.position, open.length), (0, 1));
        assert_eq!(open.message, "`(` is never closed");
        let close = err("bus)");
        assert_eq!((close.position, close.length), (3, 1));
        assert_eq!(close.message, "`)` without `(`");
        assert_eq!(at(")"), (0, 1));
        assert_eq!(at("(bus))"), (5, 1));
        assert_eq!(at("bus (train OR car"), (4, 1));
        assert_eq!(at("((bus)"), (0, 1));
        assert_eq!(at("("), (0, 1));
        assert_eq!(at("()"), (0, 2));
        assert_eq!(at("bus ( )"), (4, 3));
    }

    #[test]
    fn dangling_operators_are_errors_at_the_operator() {
        let and = err("bus AND");
        assert_eq!((and.position, and.length), (4, 3));
        assert_eq!(and.message, "`AND` needs something on both sides");
        let or = err("OR bus");
        assert_eq!((or.position, or.length), (0, 2));
        assert_eq!(or.message, "`OR` needs something on both sides");
        let not = err("bus NOT");
        assert_eq!((not.position, not.length), (4, 3));
        assert_eq!(not.message, "`NOT` needs something after it");
        assert_eq!(at("NOT"), (0, 3));
        assert_eq!(at("AND"), (0, 3));
        assert_eq!(at("bus OR"), (4, 2));
        assert_eq!(at("bus AND OR train"), (8, 2));
        assert_eq!(at("bus OR OR train"), (7, 2));
        assert_eq!(at("(bus OR)"), (5, 2));
        assert_eq!(at("(NOT)"), (1, 3));
        assert_eq!(at("-AND bus"), (1, 3));
        assert_eq!(at("bus -(NOT)"), (6, 3));
        assert_eq!(at("bus AND ()"), (8, 2));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(at("Łódź colour:red"), (5, 6));
        assert_eq!(at("Łódź )"), (5, 1));
        assert_eq!(at("Łódź \"bus"), (5, 1));
        assert_eq!(at("żółw near:91,0,1km"), (10, 2));
        assert_eq!(at("🙂 kind:x"), (7, 1));
        assert_eq!(at("\"zoë\\\"\" kind:x"), (13, 1));
        assert_eq!(at("near:\"Ł, 0, 1km\""), (6, 1));
    }

    #[test]
    fn long_and_deep_queries_are_errors() {
        let longest = format!("{}b", "a ".repeat(999));
        assert_eq!(longest.chars().count(), 1_999);
        assert!(parse_in(&format!("{longest}c"), None).is_ok());
        let error = err(&format!("{longest}cd"));
        assert_eq!((error.position, error.length), (2_000, 1));
        assert!(error.message.contains("too long"), "{}", error.message);
        // Counted in characters: 2,000 of `ł` are 4,000 bytes.
        assert!(parse_in(&"ł".repeat(2_000), None).is_ok());

        let deep = format!("{}bus{}", "(".repeat(32), ")".repeat(32));
        assert_eq!(ok(&deep), term("bus"));
        let deeper = err(&format!("{}bus{}", "(".repeat(33), ")".repeat(33)));
        assert_eq!((deeper.position, deeper.length), (32, 1));
        assert!(deeper.message.contains("deeply"), "{}", deeper.message);
        // Signs are not nesting: they are read in a loop.
        assert_eq!(ok(&format!("{}bus", "-".repeat(1_000))), term("bus"));
    }

    #[test]
    fn the_example_of_the_module_parses() {
        let text = "trafficking \"massage parlor\" (bus OR train) NOT minor* kind:report \
                    state:analysis source:hotline phone:+15555550123 entity:\"Jane Doe\" \
                    after:2026-01-01 near:40.71,-74.00,25km";
        assert_eq!(
            ok(text),
            Query::And(vec![
                term("traffick"),
                phrase(&["massag", "parlor"]),
                or([term("bus"), term("train")]),
                not(prefix(TextField::Any, "minor")),
                Query::Exact(Exact::Kind(Kind::Report)),
                Query::Exact(Exact::State(State::Analysis)),
                Query::Exact(Exact::Source(Channel::Hotline)),
                entity(Some(EntityKind::Phone), "15555550123"),
                entity(None, "jane doe"),
                Query::Received {
                    from: Some(midnight(2026, 1, 1)),
                    to: None
                },
                circle(40.71, -74.0, 25_000.0),
            ])
        );
    }

    /// Pieces that make text near the grammar, where the parser has most ways to go wrong.
    const PIECES: [&str; 48] = [
        "AND",
        "OR",
        "NOT",
        "and",
        "(",
        ")",
        "\"",
        "\\\"",
        "\\",
        "-",
        "+",
        "*",
        " ",
        "bus",
        "Łódź",
        "🙂",
        "e-mail",
        "x*",
        "title:",
        "kind:",
        "kind:report",
        "state:x",
        "phone:",
        "+1555",
        "entity:",
        "person:",
        "has:",
        "has:phone",
        "after:",
        "on:2026-01-01",
        "before:9999-12-31",
        "2026-02-30",
        "near:",
        "bbox:",
        "40.7",
        ",",
        "-74",
        "25km",
        "0m",
        ":",
        "colour:",
        "http://x",
        "10:30",
        ".",
        "mi",
        "nan",
        "1e400",
        "\u{301}",
    ];

    /// That parsing `text` does not panic, and an error points into the text.
    fn check(text: &str) -> Result<(), TestCaseError> {
        let count = text.chars().count();
        for region in [None, Some("US"), Some("nowhere")] {
            if let Err(error) = parse_in(text, region) {
                prop_assert!(error.length >= 1, "{text:?}: {error:?}");
                prop_assert!(
                    error.position + error.length <= count,
                    "{text:?} ({count} characters): {error:?}"
                );
                prop_assert!(!error.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn any_text_parses_or_points_into_itself(text in "\\PC{0,60}|[\\s\\S]{0,60}") {
            check(&text)?;
        }

        #[test]
        fn text_near_the_grammar_parses_or_points_into_itself(
            pieces in prop::collection::vec(prop::sample::select(PIECES.as_slice()), 0..24),
            glue in prop::collection::vec(prop::sample::select(&["", " "][..]), 24),
        ) {
            let text: String = pieces
                .iter()
                .zip(&glue)
                .flat_map(|(piece, glue)| [*piece, *glue])
                .collect();
            check(&text)?;
        }

        #[test]
        fn phone_values_never_panic(value in "[0-9+()./ -]{0,24}") {
            check(&format!("phone:\"{value}\""))?;
            check(&format!("phone:{}", value.replace([' ', '(', ')'], "")))?;
        }

        #[test]
        fn long_text_is_bounded(text in "[a-z ()\"-]{1990,2010}") {
            check(&text)?;
        }
    }
}
