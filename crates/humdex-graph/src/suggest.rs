//! Merge suggestions: people and organisations that may be one, for an analyst to confirm.
//!
//! Names alone decide nothing — two people may share one — so a suggestion says why it was made:
//! how alike the names are and which identifiers (phones, e-mail addresses, handles…) the
//! entities share. Pairs are found through blocking keys (name tokens and their first letters,
//! shared identifiers) rather than by comparing every pair, which would not finish on a real
//! archive.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::NodeKind;

/// An entity that may be merged, as the caller may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The entity's id.
    pub id: String,
    /// Person or organisation; others are never suggested.
    pub kind: NodeKind,
    /// Its name.
    pub name: String,
    /// The identifiers linked to it (ids of phone, e-mail, handle… entities).
    pub identifiers: Vec<String>,
}

/// Entities that may be one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The entities, at least two, by id.
    pub entities: Vec<String>,
    /// Their names, as written, one per distinct spelling.
    pub names: Vec<String>,
    /// How alike the names are, 0 to 1 (1: the same once case, accents and word order are
    /// set aside).
    pub name_similarity: f64,
    /// Identifiers more than one of them is linked to.
    pub shared_identifiers: Vec<String>,
    /// The suggestion's strength, 0 to 1, from both.
    pub score: f64,
}

/// The lowest name similarity suggested on the name alone.
const NAME_ALONE: f64 = 0.9;
/// The lowest name similarity suggested when identifiers are shared besides.
const NAME_WITH_IDENTIFIER: f64 = 0.75;
/// Blocking keys shared by more name groups than this are too common to pair on ("john",
/// a hotel switchboard); pairs still meet through their other keys.
const MAX_BLOCK: usize = 200;

/// Entities of one kind whose names are the same once normalised.
struct NameGroup<'a> {
    kind: NodeKind,
    tokens: Vec<String>,
    members: Vec<&'a Candidate>,
    identifiers: BTreeSet<&'a str>,
}

impl NameGroup<'_> {
    fn key(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Suggests merges among `candidates`, strongest first, at most `limit`.
pub fn suggest(candidates: &[Candidate], limit: usize) -> Vec<Suggestion> {
    let mut by_name: BTreeMap<(NodeKind, String), NameGroup> = BTreeMap::new();
    for candidate in candidates
        .iter()
        .filter(|candidate| is_named(candidate.kind))
    {
        let tokens = tokens(&candidate.name);
        if tokens.is_empty() {
            continue;
        }
        let group = by_name
            .entry((candidate.kind, tokens.join(" ")))
            .or_insert_with(|| NameGroup {
                kind: candidate.kind,
                tokens,
                members: Vec::new(),
                identifiers: BTreeSet::new(),
            });
        group.members.push(candidate);
        group
            .identifiers
            .extend(candidate.identifiers.iter().map(String::as_str));
    }
    let groups: Vec<NameGroup> = by_name.into_values().collect();

    let mut suggestions = Vec::new();
    for group in groups.iter().filter(|group| group.members.len() > 1) {
        let shared = shared_within(&group.members);
        suggestions.push(suggestion(&[group], 1.0, shared));
    }
    for (first, second) in pairs(&groups) {
        let (Some(a), Some(b)) = (groups.get(first), groups.get(second)) else {
            continue;
        };
        let similarity = name_similarity(&a.tokens, &b.tokens);
        let shared: Vec<String> = a
            .identifiers
            .intersection(&b.identifiers)
            .map(|id| (*id).to_owned())
            .collect();
        let threshold = if shared.is_empty() {
            NAME_ALONE
        } else {
            NAME_WITH_IDENTIFIER
        };
        if similarity >= threshold {
            suggestions.push(suggestion(&[a, b], similarity, shared));
        }
    }
    suggestions.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entities.cmp(&b.entities))
    });
    suggestions.truncate(limit);
    suggestions
}

fn is_named(kind: NodeKind) -> bool {
    use humdex_model::EntityKind;
    matches!(
        kind,
        NodeKind::Entity(EntityKind::Person | EntityKind::Organization)
    )
}

/// A name's words, folded to lower-case ASCII and sorted, so that "PETROV, Ivan" and
/// "Ivan Petrov" are one name.
fn tokens(name: &str) -> Vec<String> {
    let folded = deunicode::deunicode(name).to_lowercase();
    let mut tokens: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect();
    tokens.sort();
    tokens
}

/// Jaro–Winkler on the sorted words, and on each word of the shorter name against its best
/// match in the longer one, whichever is higher: "Ivan Petrov" and "Ivan Petrof" score high,
/// and so do "Petrov" and "Ivan Petrov".
fn name_similarity(a: &[String], b: &[String]) -> f64 {
    let whole = strsim::jaro_winkler(&a.join(" "), &b.join(" "));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let best_each: f64 = short
        .iter()
        .map(|word| {
            long.iter()
                .map(|other| strsim::jaro_winkler(word, other))
                .fold(0.0, f64::max)
        })
        .sum();
    // One shared word out of several is weak evidence; scale by how much of the longer name
    // it covers.
    let words = best_each / long.len().max(1) as f64;
    whole.max(words)
}

/// Identifiers that at least two of `members` are linked to.
fn shared_within(members: &[&Candidate]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for member in members {
        let distinct: BTreeSet<&str> = member.identifiers.iter().map(String::as_str).collect();
        for id in distinct {
            *seen.entry(id).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(id, _)| id.to_owned())
        .collect()
}

fn suggestion(groups: &[&NameGroup], similarity: f64, shared: Vec<String>) -> Suggestion {
    let mut entities: Vec<String> = groups
        .iter()
        .flat_map(|group| group.members.iter().map(|member| member.id.clone()))
        .collect();
    entities.sort();
    let names: BTreeSet<String> = groups
        .iter()
        .flat_map(|group| group.members.iter().map(|member| member.name.clone()))
        .collect();
    // Shared identifiers weigh as much as a near-perfect name: a phone used by both is
    // the stronger sign.
    let identifier_weight = if shared.is_empty() { 0.0 } else { 1.0 };
    Suggestion {
        entities,
        names: names.into_iter().collect(),
        name_similarity: similarity,
        score: 0.7 * similarity + 0.3 * identifier_weight,
        shared_identifiers: shared,
    }
}

/// Pairs of distinct name groups of one kind that share a blocking key: a word, a word's
/// first three letters, or an identifier.
fn pairs(groups: &[NameGroup]) -> BTreeSet<(usize, usize)> {
    let mut blocks: BTreeMap<(NodeKind, String), Vec<usize>> = BTreeMap::new();
    for (index, group) in groups.iter().enumerate() {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for token in &group.tokens {
            keys.insert(format!("w:{token}"));
            keys.insert(format!("p:{}", token.chars().take(3).collect::<String>()));
        }
        keys.extend(group.identifiers.iter().map(|id| format!("i:{id}")));
        for key in keys {
            blocks.entry((group.kind, key)).or_default().push(index);
        }
    }
    let mut pairs = BTreeSet::new();
    for members in blocks.values().filter(|members| members.len() <= MAX_BLOCK) {
        for (position, first) in members.iter().enumerate() {
            for second in members.iter().skip(position + 1) {
                let pair = (*first.min(second), *first.max(second));
                if groups.get(pair.0).map(NameGroup::key) != groups.get(pair.1).map(NameGroup::key)
                {
                    pairs.insert(pair);
                }
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use humdex_model::EntityKind;

    use super::*;

    fn person(id: &str, name: &str, identifiers: &[&str]) -> Candidate {
        Candidate {
            id: id.to_owned(),
            kind: NodeKind::Entity(EntityKind::Person),
            name: name.to_owned(),
            identifiers: identifiers.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    #[test]
    fn same_name_in_other_order_and_script_is_one_group() {
        let found = suggest(
            &[
                person("a", "Ivan Petrov", &[]),
                person("b", "PETROV, Ivan", &["phone1"]),
                person("c", "Iván Petrov", &["phone1"]),
            ],
            10,
        );
        assert_eq!(found.len(), 1);
        let first = &found[0];
        assert_eq!(first.entities, ["a", "b", "c"]);
        assert_eq!(first.shared_identifiers, ["phone1"]);
        assert!((first.score - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_misspelling_is_suggested_and_a_shared_phone_lowers_the_bar() {
        let found = suggest(
            &[
                person("a", "Ivan Petrov", &[]),
                person("b", "Ivan Petrof", &[]),
                person("c", "Maria Lopez", &["phone9"]),
                person("d", "Mariah Lopes", &["phone9"]),
                person("e", "Tom Baker", &[]),
            ],
            10,
        );
        let pairs: Vec<&[String]> = found.iter().map(|s| s.entities.as_slice()).collect();
        assert!(
            pairs.contains(&&["a".to_owned(), "b".to_owned()][..]),
            "{found:?}"
        );
        assert!(
            pairs.contains(&&["c".to_owned(), "d".to_owned()][..]),
            "{found:?}"
        );
        assert!(found.iter().all(|s| !s.entities.contains(&"e".to_owned())));
        // The pair sharing a phone ranks above the pair with only a name.
        assert_eq!(found[0].entities, ["c", "d"]);
    }

    #[test]
    fn different_people_and_other_kinds_are_not_suggested() {
        let mut phone = person("p1", "Ivan Petrov", &[]);
        phone.kind = NodeKind::Entity(EntityKind::Phone);
        let mut other = phone.clone();
        other.id = "p2".to_owned();
        let found = suggest(
            &[
                person("a", "Ivan Petrov", &[]),
                person("b", "Olga Smirnova", &[]),
                phone,
                other,
            ],
            10,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn organisations_are_not_paired_with_people() {
        let mut company = person("o", "Ivan Petrov", &["phone1"]);
        company.kind = NodeKind::Entity(EntityKind::Organization);
        let found = suggest(&[person("a", "Ivan Petrov", &["phone1"]), company], 10);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn limit_keeps_the_strongest() {
        let candidates: Vec<Candidate> = (0..20)
            .flat_map(|n| {
                [
                    person(&format!("{n}a"), &format!("Person Number{n}"), &[]),
                    person(&format!("{n}b"), &format!("Person Number{n}"), &[]),
                ]
            })
            .collect();
        assert_eq!(suggest(&candidates, 5).len(), 5);
    }
}
