//! The bytecode a stored query is verified with, and its interpreter.
//!
//! A query is a tree written in prefix order into `u32` words, so that verifying it reads one
//! short run of memory instead of chasing boxes:
//!
//! ```text
//! TRUE | FALSE
//! TOKEN id                          the view holds token `id`
//! PHRASE field n id1 … idn          the words at consecutive positions of one text
//! ANY_WORD field                    some word in field (the empty prefix)
//! RANGE flags from×4 to×4           received in [from, to); flags: 1 from set, 2 to set
//! CIRCLE lat×2 lon×2 radius×2       some point within the circle
//! BOX south×2 west×2 north×2 east×2 some point within the box
//! AND length child…                 length: words of the whole node, to skip the rest
//! OR length child…
//! NOT child
//! ```
//!
//! `field` is 0 for any text and 1 for the title; `×n` is a value spread over n words.

use crate::{GeoArea, Point, TextField, View};

use super::Reason;
use super::compile::{self, tag_of};
use super::dict::Dictionary;
use super::doc::DocState;

/// The opcodes.
pub(super) mod op {
    pub(in super::super) const TRUE: u32 = 0;
    pub(in super::super) const FALSE: u32 = 1;
    pub(in super::super) const TOKEN: u32 = 2;
    pub(in super::super) const PHRASE: u32 = 3;
    pub(in super::super) const ANY_WORD: u32 = 4;
    pub(in super::super) const RANGE: u32 = 5;
    pub(in super::super) const CIRCLE: u32 = 6;
    pub(in super::super) const BOX: u32 = 7;
    pub(in super::super) const AND: u32 = 8;
    pub(in super::super) const OR: u32 = 9;
    pub(in super::super) const NOT: u32 = 10;
}

/// The word `field` is written as.
pub(super) fn field_word(field: TextField) -> u32 {
    u32::from(field == TextField::Title)
}

/// Appends `value` as four words, lowest first.
pub(super) fn push_i128(code: &mut Vec<u32>, value: i128) {
    let bits = value as u128;
    code.extend((0..4).map(|i| (bits >> (32 * i)) as u32));
}

/// Appends `value` as two words, lowest first.
pub(super) fn push_f64(code: &mut Vec<u32>, value: f64) {
    let bits = value.to_bits();
    code.extend([bits as u32, (bits >> 32) as u32]);
}

fn read_i128(code: &[u32], at: usize) -> Option<i128> {
    let words = code.get(at..at + 4)?;
    let bits = words
        .iter()
        .rev()
        .fold(0u128, |bits, &word| (bits << 32) | u128::from(word));
    Some(bits as i128)
}

fn read_f64(code: &[u32], at: usize) -> Option<f64> {
    let low = u64::from(*code.get(at)?);
    let high = u64::from(*code.get(at + 1)?);
    Some(f64::from_bits((high << 32) | low))
}

/// Calls `each` on every token id in `code` (for renumbering tokens); `None` if malformed.
pub(super) fn token_ids_mut(code: &mut [u32], mut each: impl FnMut(&mut u32)) -> Option<()> {
    // Prefix order makes a walk over the nodes a walk over the words.
    let mut pc = 0;
    while pc < code.len() {
        pc += match *code.get(pc)? {
            op::TRUE | op::FALSE | op::NOT => 1,
            op::AND | op::OR | op::ANY_WORD => 2,
            op::TOKEN => {
                each(code.get_mut(pc + 1)?);
                2
            }
            op::PHRASE => {
                let n = *code.get(pc + 2)? as usize;
                code.get_mut(pc + 3..pc + 3 + n)?
                    .iter_mut()
                    .for_each(&mut each);
                3 + n
            }
            op::RANGE => 10,
            op::CIRCLE => 7,
            op::BOX => 9,
            _ => return None,
        };
    }
    Some(())
}

/// One query's code against one view.
pub(super) struct Check<'a> {
    pub(super) code: &'a [u32],
    pub(super) doc: &'a DocState,
    pub(super) view: &'a View,
}

impl Check<'_> {
    /// Whether the view matches.
    pub(super) fn matches(&self) -> bool {
        matches!(self.node(0), Some((true, _)))
    }

    /// The value of the node at `pc` and where the next begins; `None` if malformed.
    fn node(&self, pc: usize) -> Option<(bool, usize)> {
        let word = |at: usize| self.code.get(at).copied();
        Some(match word(pc)? {
            op::TRUE => (true, pc + 1),
            op::FALSE => (false, pc + 1),
            op::TOKEN => (self.doc.holds(word(pc + 1)?), pc + 2),
            op::PHRASE => {
                let n = word(pc + 2)? as usize;
                let words = self.code.get(pc + 3..pc + 3 + n)?;
                let title = word(pc + 1)? == 1;
                let found = self.doc.phrase(words, title, self.view, |_| false);
                (found, pc + 3 + n)
            }
            op::ANY_WORD => (self.doc.any_word(word(pc + 1)? == 1), pc + 2),
            op::RANGE => (self.in_range(pc)?, pc + 10),
            op::CIRCLE | op::BOX => {
                let (area, next) = self.area(pc)?;
                (self.point_in(area).is_some(), next)
            }
            op @ (op::AND | op::OR) => {
                let end = pc + word(pc + 1)? as usize;
                let decisive = op == op::OR;
                let mut at = pc + 2;
                while at < end {
                    let (value, next) = self.node(at)?;
                    if value == decisive {
                        return Some((decisive, end));
                    }
                    at = next;
                }
                (!decisive, end)
            }
            op::NOT => {
                let (value, next) = self.node(pc + 1)?;
                (!value, next)
            }
            _ => return None,
        })
    }

    fn in_range(&self, pc: usize) -> Option<bool> {
        let flags = *self.code.get(pc + 1)?;
        let from = read_i128(self.code, pc + 2)?;
        let to = read_i128(self.code, pc + 6)?;
        let at = self.view.received.as_nanosecond();
        Some((flags & 1 == 0 || from <= at) && (flags & 2 == 0 || at < to))
    }

    fn area(&self, pc: usize) -> Option<(GeoArea, usize)> {
        let value = |i: usize| read_f64(self.code, pc + 1 + 2 * i);
        if *self.code.get(pc)? == op::CIRCLE {
            let center = Point {
                lat: value(0)?,
                lon: value(1)?,
            };
            let radius_m = value(2)?;
            Some((GeoArea::Circle { center, radius_m }, pc + 7))
        } else {
            let area = GeoArea::Box {
                south: value(0)?,
                west: value(1)?,
                north: value(2)?,
                east: value(3)?,
            };
            Some((area, pc + 9))
        }
    }

    fn point_in(&self, area: GeoArea) -> Option<Point> {
        self.view
            .points
            .iter()
            .copied()
            .find(|&point| area.contains(point))
    }

    /// Why a matching view matches: the satisfied leaves outside any NOT, one reason per
    /// distinct description.
    pub(super) fn reasons(&self, dict: &Dictionary) -> Vec<Reason> {
        let mut reasons = Vec::new();
        self.collect(0, dict, &mut reasons);
        reasons
    }

    /// Adds the reasons of the node at `pc`, which holds.
    fn collect(&self, pc: usize, dict: &Dictionary, out: &mut Vec<Reason>) -> Option<()> {
        let word = |at: usize| self.code.get(at).copied();
        match word(pc)? {
            op::TOKEN => self.token_reason(word(pc + 1)?, dict, out),
            op::PHRASE => {
                let n = word(pc + 2)? as usize;
                let words = self.code.get(pc + 3..pc + 3 + n)?;
                let what: Vec<&str> = words.iter().map(|&id| dict.name(id)).collect();
                let mut texts = Vec::new();
                self.doc
                    .phrase(words, word(pc + 1)? == 1, self.view, |text| {
                        texts.push(text);
                        true
                    });
                add(out, what.join(" "), self.text_parts(texts));
            }
            op::ANY_WORD => add(out, "*".to_owned(), Vec::new()),
            op::RANGE => add(out, format!("received {}", self.view.received), Vec::new()),
            op::CIRCLE | op::BOX => {
                let point = self.point_in(self.area(pc)?.0)?;
                add(out, format!("near {},{}", point.lat, point.lon), Vec::new());
            }
            op::AND | op::OR => {
                let end = pc + word(pc + 1)? as usize;
                let mut at = pc + 2;
                while at < end {
                    let (value, next) = self.node(at)?;
                    if value {
                        self.collect(at, dict, out);
                    }
                    at = next;
                }
            }
            // TRUE says nothing, and what lies under NOT is a reason against, not for.
            _ => {}
        }
        Some(())
    }

    fn token_reason(&self, id: u32, dict: &Dictionary, out: &mut Vec<Reason>) {
        let name = dict.name(id);
        let value = name.get(2..).unwrap_or("");
        let sources = self.doc.sources(id);
        let entity = |index: u32| self.view.entities.get(index as usize);
        let (what, parts) = match tag_of(name) {
            None => (name.to_owned(), self.text_parts(sources)),
            Some(compile::TITLE) => (value.to_owned(), self.text_parts(sources)),
            Some(compile::PREFIX | compile::TITLE_PREFIX) => {
                (format!("{value}*"), self.text_parts(sources))
            }
            Some(compile::KIND) => (format!("kind {value}"), Vec::new()),
            Some(compile::STATE) => (format!("state {value}"), Vec::new()),
            Some(compile::SOURCE) => (format!("source {value}"), Vec::new()),
            Some(compile::ENTITY | compile::ENTITY_OF) => {
                let first = sources.iter().rev().find_map(|&index| entity(index));
                let what = first.map_or_else(
                    || value.replace('\0', " "),
                    |entity| format!("{} {}", entity.kind, entity.key),
                );
                (what, self.entity_parts(sources))
            }
            Some(compile::HAS) => (format!("has {value}"), self.entity_parts(sources)),
            Some(_) => return,
        };
        add(out, what, parts);
    }

    /// The names of the texts at `indexes`, in the view's order, each once.
    fn text_parts(&self, indexes: Vec<u32>) -> Vec<String> {
        parts(indexes, |index| {
            self.view.texts.get(index as usize).map(|text| &text.part)
        })
    }

    fn entity_parts(&self, indexes: Vec<u32>) -> Vec<String> {
        parts(indexes, |index| {
            self.view
                .entities
                .get(index as usize)
                .map(|entity| &entity.part)
        })
    }
}

fn parts<'a>(mut indexes: Vec<u32>, part: impl Fn(u32) -> Option<&'a String>) -> Vec<String> {
    indexes.sort_unstable();
    indexes.dedup();
    let mut names: Vec<String> = Vec::new();
    for name in indexes.into_iter().filter_map(part) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// Adds a reason, merging it into an earlier one that says the same.
fn add(out: &mut Vec<Reason>, what: String, parts: Vec<String>) {
    match out.iter_mut().find(|reason| reason.what == what) {
        Some(reason) => {
            for part in parts {
                if !reason.parts.contains(&part) {
                    reason.parts.push(part);
                }
            }
        }
        None => out.push(Reason { what, parts }),
    }
}
