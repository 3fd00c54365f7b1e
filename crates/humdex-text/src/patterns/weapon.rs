//! Weapons: types, makes with models and ammunition words from the lexicon in `data/weapons.toml`, and calibres
//! (`9mm`, `.38`, `.45 ACP`, `5.56`, `7.62x39`, `12 gauge`, `.22 LR`, `45 cal`), parsed here. Pieces written next to
//! each other make one phrase (`9mm Glock 19 pistol`, `.38 revolver`, `9mm rounds`), normalised to its pieces'
//! canonical names ("9mm glock 19 pistol", "9mm ammunition").
//!
//! A calibre alone is a weapon only with ammunition after it ("9mm rounds") or a determiner or verb of having before
//! it ("a .45", "carrying a 9mm"), and then only a firearm calibre (not "a 5mm gap"). Ammunition alone is not one.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::Deserialize;

use crate::{Context, EntityKind, Found, Normalized};

const CALIBRE: &str = r"(?P<x>\d{1,2}\.\d{2})\s?[x×]\s?(?P<case>\d{2,3})(?:\s?mm)?(?-u:\b)
    |(?P<mm>\d{1,2}(?:\.\d{1,2})?)\s?(?:mm|millimet(?:er|re)s?)(?-u:\b)
    |(?P<mil>9)\s?mil(?-u:\b)
    |(?P<dot>\.\d{2,3})(?:\s?(?P<dotsuffix>acp|auto|lr|special|spl|magnum|mag|s&w|sw|win(?:chester)?|colt|wmr|hmr|
        super|cal(?:iber|ibre)?))?(?-u:\b)
    |(?P<cal>\d{2,3})\s?(?P<calsuffix>cal(?:iber|ibre)?|acp|lr)(?-u:\b)
    |(?P<gauge>\d{1,2})[\s-]?(?:gauge|ga)(?-u:\b)
    |(?P<nato>5\.56|7\.62|5\.45)(?-u:\b)";

/// Millimetre calibres of firearms, for a calibre standing alone after a determiner.
const FIREARM_MM: [&str; 7] = ["9", "10", "5.56", "7.62", "5.45", "5.7", "7.65"];

/// Words before a lone calibre that make it a weapon: "a .45", "carrying 9mm".
const HAVING: &str = "a an the his her my their your our one with carrying carries carried packing pulled \
                      brandished brandishing holding had has have";

#[derive(Deserialize)]
struct Lexicon {
    #[serde(rename = "type")]
    types: Vec<Entry>,
    make: Vec<Make>,
    ammo: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    aliases: Vec<String>,
    #[serde(default)]
    not_before: Vec<String>,
    #[serde(default)]
    not_after: Vec<String>,
}

#[derive(Deserialize)]
struct Make {
    name: String,
    aliases: Vec<String>,
    models: String,
    #[serde(default)]
    model_required: bool,
}

/// The lexicon compiled into one regex, with what each alias (by [`key`]) stands for.
struct Weapons {
    pieces: Regex,
    types: Vec<Entry>,
    type_of: HashMap<String, usize>,
    ammo: HashMap<String, String>,
    makes: HashMap<String, (String, Regex, bool)>,
}

// `(?-u:\b)`: ASCII word boundaries; Unicode ones make the regex engine leave its fast DFA on any emoji.
#[expect(
    clippy::expect_used,
    reason = "embedded lexicon and literal patterns, covered by tests"
)]
static WEAPONS: LazyLock<Weapons> = LazyLock::new(|| {
    let lexicon: Lexicon =
        toml::from_str(include_str!("../../data/weapons.toml")).expect("valid weapon lexicon");
    // A make may run into its model ("glock26"), so it has no closing word boundary; `piece` checks that.
    let pattern = format!(
        r"(?xi)(?P<calibre>{CALIBRE})|(?-u:\b)(?P<make>{})|(?-u:\b)(?P<type>{})s?(?-u:\b)|(?-u:\b)(?P<ammo>{})s?(?-u:\b)",
        alternation(lexicon.make.iter().flat_map(|m| &m.aliases)),
        alternation(lexicon.types.iter().flat_map(|t| &t.aliases)),
        alternation(lexicon.ammo.iter().flat_map(|a| &a.aliases)),
    );
    let mut makes = HashMap::new();
    for make in &lexicon.make {
        let models = Regex::new(&format!(r"^(?i:[\s-]?(?:{}))(?-u:\b)", make.models))
            .expect("valid model pattern");
        for alias in &make.aliases {
            makes.insert(
                key(alias),
                (make.name.clone(), models.clone(), make.model_required),
            );
        }
    }
    let ammo = lexicon
        .ammo
        .iter()
        .flat_map(|a| a.aliases.iter().map(|alias| (key(alias), a.name.clone())))
        .collect();
    let type_of = lexicon
        .types
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.aliases.iter().map(move |a| (key(a), i)))
        .collect();
    Weapons {
        pieces: Regex::new(&pattern).expect("valid weapon pattern"),
        types: lexicon.types,
        type_of,
        ammo,
        makes,
    }
});

/// Aliases as one alternation, longest first so that "stun gun" wins over "gun".
fn alternation<'a>(aliases: impl Iterator<Item = &'a String>) -> String {
    let mut aliases: Vec<&String> = aliases.collect();
    aliases.sort_by_key(|a| std::cmp::Reverse(a.len()));
    aliases
        .iter()
        .map(|a| alias_pattern(a))
        .collect::<Vec<_>>()
        .join("|")
}

/// An alias as a pattern: a space or hyphen in it matches either or nothing.
fn alias_pattern(alias: &str) -> String {
    alias
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                r"[\s-]?".to_owned()
            } else {
                regex::escape(&c.to_string())
            }
        })
        .collect()
}

/// The lookup form of an alias or a match: lower case, letters, digits and `&` only.
fn key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || *c == '&')
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Calibre { firearm: bool },
    Make,
    Type,
    Ammo,
}

struct Piece {
    span: Range<usize>,
    part: Part,
    name: String,
}

pub(crate) fn find(text: &str, _context: &Context, out: &mut Vec<Found>) {
    let weapons = &*WEAPONS;
    let mut phrase: Vec<Piece> = Vec::new();
    for caps in weapons.pieces.captures_iter(text) {
        let Some(piece) = piece(weapons, text, &caps) else {
            continue;
        };
        let adjacent = phrase.last().is_some_and(|last| {
            text.get(last.span.end..piece.span.start)
                .is_some_and(|gap| gap.len() <= 3 && gap.trim().is_empty())
        });
        if !adjacent {
            emit(text, &phrase, out);
            phrase.clear();
        }
        phrase.push(piece);
    }
    emit(text, &phrase, out);
}

fn piece(weapons: &Weapons, text: &str, caps: &Captures) -> Option<Piece> {
    let whole = caps.get(0)?;
    if caps.name("calibre").is_some() {
        let before = text
            .get(..whole.start())
            .and_then(|s| s.chars().next_back());
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | ',' | '$' | '€' | '£'))
        {
            return None;
        }
        let (name, firearm) = calibre(caps)?;
        return Some(Piece {
            span: whole.range(),
            part: Part::Calibre { firearm },
            name,
        });
    }
    let found = key(whole.as_str());
    let singular = found.strip_suffix('s').unwrap_or(&found).to_owned();
    if caps.name("make").is_some() {
        let (name, models, model_required) = weapons.makes.get(&found)?;
        let model = text.get(whole.end()..).and_then(|rest| models.find(rest));
        let Some(model) = model else {
            // Without a model, the make must end its word ("Colton", "Sigma" are not makes).
            let inside = text
                .get(whole.end()..)
                .and_then(|s| s.chars().next())
                .is_some_and(char::is_alphanumeric);
            return (!model_required && !inside).then(|| Piece {
                span: whole.range(),
                part: Part::Make,
                name: name.clone(),
            });
        };
        let model_name = model
            .as_str()
            .trim_start_matches([' ', '-'])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let span = whole.start()..whole.end() + model.end();
        return Some(Piece {
            span,
            part: Part::Make,
            name: format!("{name} {}", model_name.to_lowercase()),
        });
    }
    if caps.name("ammo").is_some() {
        let name = weapons
            .ammo
            .get(&found)
            .or_else(|| weapons.ammo.get(&singular))?;
        return Some(Piece {
            span: whole.range(),
            part: Part::Ammo,
            name: name.clone(),
        });
    }
    let index = weapons
        .type_of
        .get(&found)
        .or_else(|| weapons.type_of.get(&singular))?;
    let entry = weapons.types.get(*index)?;
    let before = word_before(text, whole.start()).to_lowercase();
    let after = word_after(text, whole.end()).to_lowercase();
    if entry.not_before.contains(&before) || entry.not_after.contains(&after) {
        return None;
    }
    Some(Piece {
        span: whole.range(),
        part: Part::Type,
        name: entry.name.clone(),
    })
}

/// A calibre's canonical name, and whether it is a firearm calibre when standing alone.
fn calibre(caps: &Captures) -> Option<(String, bool)> {
    let text = |name: &str| caps.name(name).map(|m| m.as_str().to_lowercase());
    if let (Some(x), Some(case)) = (text("x"), text("case")) {
        return Some((format!("{x}x{case}"), true));
    }
    if let Some(mm) = text("mm").or(text("nato")) {
        let firearm = FIREARM_MM.contains(&mm.as_str());
        return Some((format!("{mm}mm"), firearm));
    }
    if text("mil").is_some() {
        return Some(("9mm".to_owned(), true));
    }
    if let Some(gauge) = text("gauge") {
        return Some((format!("{gauge} gauge"), true));
    }
    let (number, suffix) = match text("dot") {
        Some(dot) => (dot, text("dotsuffix")),
        None => (format!(".{}", text("cal")?), text("calsuffix")),
    };
    let suffix = match suffix
        .as_deref()
        .map(|s| s.split_whitespace().collect::<String>())
    {
        Some(s) if s.starts_with("cal") => None,
        Some(s) => Some(match s.as_str() {
            "auto" => "acp".to_owned(),
            "spl" => "special".to_owned(),
            "mag" => "magnum".to_owned(),
            "sw" => "s&w".to_owned(),
            "win" => "winchester".to_owned(),
            _ => s,
        }),
        None => None,
    };
    Some((
        suffix.map_or_else(|| number.clone(), |s| format!("{number} {s}")),
        true,
    ))
}

fn word_before(text: &str, at: usize) -> &str {
    let head = text.get(..at).unwrap_or("").trim_end();
    head.rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
}

fn word_after(text: &str, at: usize) -> &str {
    let tail = text.get(at..).unwrap_or("").trim_start();
    tail.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
}

/// Reports a phrase of adjacent pieces if it names a weapon.
fn emit(text: &str, phrase: &[Piece], out: &mut Vec<Found>) {
    let (Some(first), Some(last)) = (phrase.first(), phrase.last()) else {
        return;
    };
    let has = |part: fn(Part) -> bool| phrase.iter().any(|p| part(p.part));
    let calibre = has(|p| matches!(p, Part::Calibre { .. }));
    let confidence = if has(|p| p == Part::Make || p == Part::Type) {
        if phrase.len() > 1 { 0.95 } else { 0.85 }
    } else if calibre && has(|p| p == Part::Ammo) {
        0.8
    } else if calibre
        && phrase.len() == 1
        && has(|p| p == Part::Calibre { firearm: true })
        && HAVING
            .split_whitespace()
            .any(|w| w.eq_ignore_ascii_case(word_before(text, first.span.start)))
    {
        0.7
    } else {
        return;
    };
    let name = phrase
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    out.push(Found {
        kind: EntityKind::Weapon,
        span: first.span.start..last.span.end,
        normalized: Normalized::Text(name),
        confidence,
        source: "weapon",
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::testing::texts;

    fn run(text: &str) -> Vec<(String, String)> {
        texts(find, text, &Context::default())
    }

    fn weapon(span: &str, name: &str) -> (String, String) {
        (span.to_owned(), name.to_owned())
    }

    #[test]
    fn types() {
        for (text, span, name) in [
            ("he had a pistol", "pistol", "pistol"),
            ("two Handguns", "Handguns", "handgun"),
            ("an AR15 in the trunk", "AR15", "ar-15"),
            ("AK 47", "AK 47", "ak-47"),
            ("threatened her with a machete.", "machete", "machete"),
            ("brass knuckles", "brass knuckles", "brass knuckles"),
            ("knives", "knives", "knife"),
            (
                "a sawed-off shotgun",
                "sawed-off shotgun",
                "sawed-off shotgun",
            ),
            ("stun gun", "stun gun", "stun gun"),
            ("Uzi", "Uzi", "uzi"),
        ] {
            assert_eq!(run(text), [weapon(span, name)], "{text}");
        }
        assert_eq!(run("a shotgun and a taser").len(), 2);
    }

    #[test]
    fn makes_and_models() {
        for (text, span, name) in [
            ("a Glock 19 in her bag", "Glock 19", "glock 19"),
            ("glock26", "glock26", "glock 26"),
            ("a Glock", "Glock", "glock"),
            ("Beretta 92FS", "Beretta 92FS", "beretta 92fs"),
            (
                "Smith & Wesson M&P Shield",
                "Smith & Wesson M&P Shield",
                "smith & wesson m&p shield",
            ),
            ("Sig Sauer P320", "Sig Sauer P320", "sig sauer p320"),
            ("a sig p365", "sig p365", "sig sauer p365"),
            ("Ruger LCP", "Ruger LCP", "ruger lcp"),
            ("Hi-Point C9", "Hi-Point C9", "hi-point c9"),
            ("Hi Point", "Hi Point", "hi-point"),
            ("Colt 1911", "Colt 1911", "colt 1911"),
        ] {
            assert_eq!(run(text), [weapon(span, name)], "{text}");
        }
    }

    #[test]
    fn phrases_join_adjacent_pieces() {
        for (text, span, name) in [
            (
                "a 9mm Glock 19 pistol.",
                "9mm Glock 19 pistol",
                "9mm glock 19 pistol",
            ),
            ("a .38 revolver", ".38 revolver", ".38 revolver"),
            (
                "his .45 ACP Colt 1911",
                ".45 ACP Colt 1911",
                ".45 acp colt 1911",
            ),
            ("12 gauge shotgun", "12 gauge shotgun", "12 gauge shotgun"),
            ("7.62x39 rounds", "7.62x39 rounds", "7.62x39 ammunition"),
            ("box of 9mm rounds", "9mm rounds", "9mm ammunition"),
            ("5.56 ammo", "5.56 ammo", "5.56mm ammunition"),
            (".22 LR rifle", ".22 LR rifle", ".22 lr rifle"),
            ("a 45 cal pistol", "45 cal pistol", ".45 pistol"),
            ("shotgun shells", "shotgun shells", "shotgun ammunition"),
            ("a .40 S&W Glock 23", ".40 S&W Glock 23", ".40 s&w glock 23"),
        ] {
            assert_eq!(run(text), [weapon(span, name)], "{text}");
        }
    }

    #[test]
    fn lone_calibres_need_context() {
        assert_eq!(run("he pulled a .45 on him"), [weapon(".45", ".45")]);
        assert_eq!(run("carrying a 9mm"), [weapon("9mm", "9mm")]);
        for text in [
            "9mm",
            "a 5mm gap",
            "costs 5.56 today",
            "rounds",
            "1.38",
            "$.45",
            "Colt 45",
            "Colton 19",
            "sigma",
        ] {
            assert!(run(text).is_empty(), "{text}: {:?}", run(text));
        }
    }

    #[test]
    fn lookalikes_are_not_weapons() {
        for text in [
            "a shotgun wedding",
            "riding shotgun",
            "hot glue gun",
            "massage gun for sale",
            "butter knife",
            "Taurus season",
            "rifle through her bag",
            "gunshot",
            "tag AK",
        ] {
            assert!(run(text).is_empty(), "{text}: {:?}", run(text));
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in ["🔫 gun 🔫", "é́gun", "glock", ".", "9mm 9mm 9mm", ""] {
            run(text);
        }
        assert_eq!(run("🌹gun🌹"), [weapon("gun", "gun")]);
        run(&"gun".repeat(33_000));
        run(&"9mm ".repeat(25_000));
        run(&"x".repeat(100_000));
    }
}
