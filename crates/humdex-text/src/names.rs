//! Domain lists that correct the NER model's names where reports and ads trip it up: organisations
//! it does not know (agencies, NGOs, money-transfer services), sentence-initial common words it takes
//! for names ("Victim stated…"), vehicles it takes for companies ("a silver Honda Civic"), and
//! businesses it takes for places ("Pearl Massage"). The model's own output is unchanged; only the
//! merged entities are.

use std::collections::HashSet;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::{EntityKind, Found, Normalized};

const ORGANIZATIONS: &str = include_str!("../data/organizations.txt");
const VEHICLE_MAKES: &str = include_str!("../data/vehicle-makes.txt");
const BUSINESS_WORDS: &str = include_str!("../data/business-words.txt");
const COMMON_WORDS: &str = include_str!("../data/common-words.txt");

/// An organisation from the list is as sure as a pattern: the name is written exactly.
const LISTED_CONFIDENCE: f32 = 0.9;

pub(crate) struct NameRules {
    organizations: AhoCorasick,
    vehicle_makes: HashSet<&'static str>,
    business_words: HashSet<&'static str>,
    common_words: HashSet<&'static str>,
}

fn entries(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

impl NameRules {
    pub(crate) fn builtin() -> Result<Self, aho_corasick::BuildError> {
        Ok(Self {
            organizations: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(entries(ORGANIZATIONS))?,
            vehicle_makes: entries(VEHICLE_MAKES).collect(),
            business_words: entries(BUSINESS_WORDS).collect(),
            common_words: entries(COMMON_WORDS).collect(),
        })
    }

    /// The listed organisations named in `text`, on word boundaries.
    pub(crate) fn find_organizations(&self, text: &str, out: &mut Vec<Found>) {
        for found in self.organizations.find_iter(text) {
            let span = found.range();
            if !on_word_boundaries(text, &span) {
                continue;
            }
            let Some(name) = text.get(span.clone()) else {
                continue;
            };
            out.push(Found {
                kind: EntityKind::Organization,
                normalized: Normalized::Text(name.to_owned()),
                span,
                confidence: LISTED_CONFIDENCE,
                source: "organizations",
            });
        }
    }

    /// A model entity as Humdex keeps it: dropped when it is a vehicle, a person or organisation
    /// in lower case, or a capitalised common word at the start of a sentence; an organisation
    /// when its last word says business.
    pub(crate) fn review(&self, text: &str, mut found: Found) -> Option<Found> {
        let written = text.get(found.span.clone())?;
        let mut words = written.split_whitespace();
        let first = words.next()?;
        let last = words.next_back().unwrap_or(first);
        let named = matches!(
            found.kind,
            EntityKind::Person | EntityKind::Organization | EntityKind::Location
        );
        if !named {
            return Some(found);
        }
        if self.vehicle_makes.contains(first) {
            return None;
        }
        // Names are capitalised; the model's all-lower-case "people" and "companies" in report
        // text ("reviews describe") are noise. Places stay: ads write "houston".
        if found.kind != EntityKind::Location && !written.chars().any(char::is_uppercase) {
            return None;
        }
        let single = first == last;
        if single
            && found.kind != EntityKind::Location
            && sentence_start(text, found.span.start)
            && self
                .common_words
                .contains(first.to_ascii_lowercase().as_str())
        {
            return None;
        }
        if !single && self.business_words.contains(last) {
            found.kind = EntityKind::Organization;
        }
        Some(found)
    }
}

fn on_word_boundaries(text: &str, span: &Range<usize>) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text.get(..span.start).and_then(|t| t.chars().next_back());
    let after = text.get(span.end..).and_then(|t| t.chars().next());
    !before.is_some_and(word) && !after.is_some_and(word)
}

/// Whether `at` begins a sentence, a line or a list item.
fn sentence_start(text: &str, at: usize) -> bool {
    let before = text
        .get(..at)
        .unwrap_or_default()
        .trim_end_matches([' ', '\t', '"', '\'', '“', '(']);
    match before.chars().next_back() {
        None => true,
        Some(c) => matches!(
            c,
            '.' | '!' | '?' | ':' | ';' | '\n' | '-' | '•' | '*' | '>'
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(kind: EntityKind, text: &str, name: &str) -> Found {
        let start = text.find(name).unwrap();
        Found {
            kind,
            span: start..start + name.len(),
            normalized: Normalized::Text(name.to_owned()),
            confidence: 0.8,
            source: "ner",
        }
    }

    #[test]
    fn listed_organisations_are_found_on_word_boundaries() {
        let rules = NameRules::builtin().unwrap();
        let mut out = Vec::new();
        let text = "Referred by Homeland Security Investigations and ICE; paid via Western Union. Nice day.";
        rules.find_organizations(text, &mut out);
        let names: Vec<&str> = out.iter().map(|f| &text[f.span.clone()]).collect();
        assert_eq!(
            names,
            ["Homeland Security Investigations", "ICE", "Western Union"]
        );
    }

    #[test]
    fn sentence_initial_common_words_are_not_names() {
        let rules = NameRules::builtin().unwrap();
        let text = "Victim stated she met Amber. Caller: Joy said so.";
        assert!(
            rules
                .review(text, model(EntityKind::Person, text, "Victim"))
                .is_none()
        );
        assert!(
            rules
                .review(text, model(EntityKind::Organization, text, "Caller"))
                .is_none()
        );
        assert!(
            rules
                .review(text, model(EntityKind::Person, text, "Amber"))
                .is_some()
        );
        assert!(
            rules
                .review(text, model(EntityKind::Person, text, "Joy"))
                .is_some()
        );
    }

    #[test]
    fn lower_case_people_and_companies_are_noise_but_places_are_not() {
        let rules = NameRules::builtin().unwrap();
        let text = "reviews describe her as new in houston";
        assert!(
            rules
                .review(
                    text,
                    model(EntityKind::Organization, text, "reviews describe")
                )
                .is_none()
        );
        assert!(
            rules
                .review(text, model(EntityKind::Location, text, "houston"))
                .is_some()
        );
    }

    #[test]
    fn vehicles_are_dropped_and_businesses_are_organisations() {
        let rules = NameRules::builtin().unwrap();
        let text = "Seen in a silver Honda Civic outside Pearl Massage on Main Street.";
        assert!(
            rules
                .review(text, model(EntityKind::Organization, text, "Honda Civic"))
                .is_none()
        );
        let business = rules
            .review(text, model(EntityKind::Location, text, "Pearl Massage"))
            .unwrap();
        assert_eq!(business.kind, EntityKind::Organization);
        let street = rules
            .review(text, model(EntityKind::Location, text, "Main Street"))
            .unwrap();
        assert_eq!(street.kind, EntityKind::Location);
    }
}
