//! Colour-coded text: entities and indicators as HTML `<mark>` spans over escaped text.

use std::fmt::Write;
use std::ops::Range;

use serde::Serialize;

use crate::EntityKind;

/// A span to mark in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Character range in the text (Unicode scalar values, as in the JSON output).
    pub span: Range<usize>,
    /// What it is.
    pub what: Marked,
}

/// What a mark shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Marked {
    /// An entity, with its normalised value as a tooltip.
    Entity {
        /// The type.
        kind: EntityKind,
        /// A short description of the normalised value.
        detail: String,
    },
    /// A trafficking indicator, with its category and reason.
    Indicator {
        /// The category.
        category: String,
        /// Why it is an indicator.
        reason: String,
    },
}

/// A line of the legend: a type that occurs in the text and its colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegendEntry {
    /// The entity type, or `indicator`.
    #[serde(rename = "type")]
    pub name: &'static str,
    /// The CSS class of its marks.
    pub class: String,
    /// Its colour, `#rrggbb`.
    pub colour: String,
    /// How many marks it has.
    pub count: usize,
}

const INDICATOR: &str = "indicator";
const INDICATOR_COLOUR: [u8; 3] = [0xd0, 0x00, 0x3c];

/// The text as HTML, every character escaped, with `<mark class="ent-…">` around entities and
/// `<mark class="indicator">` around indicators. Marks must not overlap; an indicator inside an
/// entity is dropped (the entity says more), as is any mark beyond the end of the text.
pub fn html(text: &str, marks: &[Mark]) -> String {
    let mut out = String::with_capacity(text.len() + marks.len() * 64);
    let mut at = 0;
    for (span, mark) in placed(text, marks) {
        escape_into(&mut out, text.get(at..span.start).unwrap_or_default());
        let written = text.get(span.clone()).unwrap_or_default();
        match &mark.what {
            Marked::Entity { kind, detail } => {
                let _ = write!(out, "<mark class=\"ent ent-{kind}\" title=\"{kind}: ");
                escape_into(&mut out, detail);
                out.push_str("\">");
            }
            Marked::Indicator { category, reason } => {
                out.push_str("<mark class=\"indicator\" title=\"");
                escape_into(&mut out, category);
                out.push_str(": ");
                escape_into(&mut out, reason);
                out.push_str("\">");
            }
        }
        escape_into(&mut out, written);
        out.push_str("</mark>");
        at = span.end;
    }
    escape_into(&mut out, text.get(at..).unwrap_or_default());
    out
}

/// Whether each mark still covers the text it was found in (`written`, in the same order): marks
/// stored from an earlier version of a text must not be drawn over a later one.
pub fn marks_match(text: &str, marks: &[Mark], written: &[&str]) -> bool {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(byte, _)| byte)
        .chain(std::iter::once(text.len()))
        .collect();
    marks.len() == written.len()
        && marks.iter().zip(written).all(|(mark, written)| {
            let start = boundaries.get(mark.span.start);
            let end = boundaries.get(mark.span.end);
            match (start, end) {
                (Some(&start), Some(&end)) => text.get(start..end) == Some(*written),
                _ => false,
            }
        })
}

/// The legend for `marks`: each type that occurs, in the palette's order, with its count.
pub fn legend(marks: &[Mark]) -> Vec<LegendEntry> {
    let count = |wanted: Option<EntityKind>| {
        marks
            .iter()
            .filter(|mark| match &mark.what {
                Marked::Entity { kind, .. } => Some(*kind) == wanted,
                Marked::Indicator { .. } => wanted.is_none(),
            })
            .count()
    };
    let entities = EntityKind::ALL.into_iter().map(|kind| LegendEntry {
        name: kind.as_str(),
        class: format!("ent-{kind}"),
        colour: hex(kind.colour()),
        count: count(Some(kind)),
    });
    let indicators = std::iter::once(LegendEntry {
        name: INDICATOR,
        class: INDICATOR.to_owned(),
        colour: hex(INDICATOR_COLOUR),
        count: count(None),
    });
    entities
        .chain(indicators)
        .filter(|entry| entry.count > 0)
        .collect()
}

/// CSS for the marks: a background per entity type, a red underline for indicators.
pub fn stylesheet() -> String {
    let mut css = String::from("mark.ent{color:#111;border-radius:3px;padding:0 2px}\n");
    for kind in EntityKind::ALL {
        let _ = writeln!(css, "mark.ent-{kind}{{background:{}}}", hex(kind.colour()));
    }
    let _ = writeln!(
        css,
        "mark.{INDICATOR}{{background:none;color:inherit;text-decoration:underline wavy {}}}",
        hex(INDICATOR_COLOUR)
    );
    css
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The marks to draw with their byte ranges, in order: entities first claim their spans,
/// indicators take what is left.
fn placed<'m>(text: &str, marks: &'m [Mark]) -> Vec<(Range<usize>, &'m Mark)> {
    let mut ordered: Vec<&Mark> = marks
        .iter()
        .filter(|mark| mark.span.start < mark.span.end)
        .collect();
    ordered.sort_by_key(|mark| {
        (
            matches!(mark.what, Marked::Indicator { .. }),
            mark.span.start,
        )
    });
    let mut kept: Vec<&Mark> = Vec::with_capacity(ordered.len());
    for mark in ordered {
        if !kept
            .iter()
            .any(|kept| kept.span.start < mark.span.end && mark.span.start < kept.span.end)
        {
            kept.push(mark);
        }
    }
    kept.sort_by_key(|mark| mark.span.start);
    // One pass over the text turns the character offsets, now in order, into byte offsets.
    let mut bytes = text
        .char_indices()
        .map(|(byte, _)| byte)
        .chain(std::iter::once(text.len()))
        .enumerate()
        .peekable();
    // Offsets come in order, and a mark may end where the next begins: peek, don't consume.
    let mut byte_at = |char_offset: usize| {
        while bytes.next_if(|(chars, _)| *chars < char_offset).is_some() {}
        bytes
            .peek()
            .filter(|(chars, _)| *chars == char_offset)
            .map(|(_, byte)| *byte)
    };
    kept.into_iter()
        .map_while(|mark| Some((byte_at(mark.span.start)?..byte_at(mark.span.end)?, mark)))
        .collect()
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(span: Range<usize>, kind: EntityKind, detail: &str) -> Mark {
        Mark {
            span,
            what: Marked::Entity {
                kind,
                detail: detail.to_owned(),
            },
        }
    }

    fn indicator(span: Range<usize>) -> Mark {
        Mark {
            span,
            what: Marked::Indicator {
                category: "movement".to_owned(),
                reason: "new to the area".to_owned(),
            },
        }
    }

    #[test]
    fn marks_entities_and_escapes_everything_else() {
        let text = "<b>Jane</b> new in town, call 713-528-1234 ☎";
        let marks = [
            entity(3..7, EntityKind::Person, "Jane"),
            entity(30..42, EntityKind::Phone, "+17135281234"),
            indicator(12..23),
        ];
        assert_eq!(
            html(text, &marks),
            "&lt;b&gt;<mark class=\"ent ent-person\" title=\"person: Jane\">Jane</mark>&lt;/b&gt; \
             <mark class=\"indicator\" title=\"movement: new to the area\">new in town</mark>, call \
             <mark class=\"ent ent-phone\" title=\"phone: +17135281234\">713-528-1234</mark> ☎"
        );
    }

    #[test]
    fn an_indicator_inside_an_entity_gives_way() {
        let text = "150 roses";
        let marks = [
            indicator(4..9),
            entity(0..9, EntityKind::Money, "150 roses"),
        ];
        let out = html(text, &marks);
        assert_eq!(out.matches("<mark").count(), 1);
        assert!(out.contains("ent-money"));
        assert_eq!(legend(&marks).len(), 2);
    }

    #[test]
    fn a_tooltip_cannot_break_out_of_its_attribute() {
        let text = "Acme";
        let marks = [entity(0..4, EntityKind::Organization, "\"><script>")];
        let out = html(text, &marks);
        assert!(!out.contains("<script>"));
        assert!(out.contains("&quot;&gt;&lt;script&gt;"));
    }

    #[test]
    fn offsets_count_characters_and_marks_past_the_end_are_dropped() {
        let text = "Łódź and Kraków";
        let marks = [
            entity(0..4, EntityKind::Location, "Łódź"),
            entity(9..15, EntityKind::Location, "Kraków"),
            entity(15..40, EntityKind::Person, "x"),
        ];
        let out = html(text, &marks);
        assert!(out.starts_with(
            "<mark class=\"ent ent-location\" title=\"location: Łódź\">Łódź</mark> and"
        ));
        assert!(out.ends_with(">Kraków</mark>"));
        assert!(!out.contains("ent-person"));
    }

    #[test]
    fn adjacent_marks_are_all_drawn() {
        let text = "ab";
        let marks = [
            entity(0..1, EntityKind::Person, "a"),
            entity(1..2, EntityKind::Person, "b"),
        ];
        assert_eq!(html(text, &marks).matches("<mark").count(), 2);
    }

    #[test]
    fn marks_match_only_the_text_they_were_found_in() {
        let marks = [entity(5..11, EntityKind::Location, "x")];
        assert!(marks_match("Into Kraków now", &marks, &["Kraków"]));
        assert!(!marks_match("Into Krakow now!", &marks, &["Kraków"]));
        assert!(!marks_match("Into", &marks, &["Kraków"]));
        assert!(marks_match("", &[], &[]));
    }

    #[test]
    fn legend_lists_present_types_with_counts() {
        let marks = [
            entity(0..1, EntityKind::Phone, ""),
            entity(2..3, EntityKind::Phone, ""),
            entity(4..5, EntityKind::Person, ""),
        ];
        let legend = legend(&marks);
        let names: Vec<_> = legend.iter().map(|e| (e.name, e.count)).collect();
        assert_eq!(names, [("person", 1), ("phone", 2)]);
        assert!(stylesheet().contains("mark.ent-phone{background:#ffadad}"));
    }
}
