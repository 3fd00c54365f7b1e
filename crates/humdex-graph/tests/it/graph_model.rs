//! Random sequences of record, merge, exclusion and relation changes: the graph's two-hop
//! neighbourhoods and shortest paths equal those of a brute-force model rebuilt from the inputs
//! alone, under a random visibility.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "helpers outside #[test] functions fail loudly too"
)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use humdex_graph::{
    Chart, EntityInput, Graph, LabelId, LinkKind, MentionInput, NodeKind, PhotoMatch, RelationInput,
};
use humdex_model::{EntityKind, RecordId};
use proptest::prelude::*;

use crate::graph::record;

/// Entities 0..5 are people, 5..9 photos.
const ENTITIES: u8 = 9;
const PEOPLE: u8 = 5;
const RECORDS: u8 = 6;
/// Label 0 is public; 1 and 2 are "A" and "B".
const LABELS: u8 = 3;
const RELATION_KINDS: [LinkKind; 3] = [LinkKind::Associate, LinkKind::Family, LinkKind::Paid];

fn entity_id(entity: u8) -> String {
    if entity < PEOPLE {
        format!("e{entity}")
    } else {
        format!("p{}", entity - PEOPLE)
    }
}

fn entity_input(entity: u8) -> EntityInput {
    EntityInput {
        id: entity_id(entity),
        kind: if entity < PEOPLE {
            NodeKind::Entity(EntityKind::Person)
        } else {
            NodeKind::Photo
        },
        name: entity_id(entity),
    }
}

fn record_id(record: u8) -> RecordId {
    self::record(u64::from(record) + 1)
}

#[derive(Debug, Clone)]
enum Op {
    SetRecord {
        record: u8,
        mentions: Vec<(u8, u8)>,
        matches: Vec<(u8, u8, u8, u8)>,
    },
    Merge {
        id: u8,
        into: u8,
        merged: u8,
    },
    Undo {
        id: u8,
    },
    Exclude(u8),
    Include(u8),
    AddRelation {
        id: u8,
        kind: u8,
        from: u8,
        to: u8,
        evidence: Vec<(u8, u8)>,
    },
    RemoveRelation {
        id: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let entity = || 0..ENTITIES;
    let photo = || PEOPLE..ENTITIES;
    let label = || 0..LABELS;
    prop_oneof![
        6 => (
            0..RECORDS,
            prop::collection::vec((entity(), label()), 0..5),
            prop::collection::vec((photo(), photo(), 0..RECORDS, label()), 0..2),
        )
            .prop_map(|(record, mentions, matches)| Op::SetRecord { record, mentions, matches }),
        2 => (0..4u8, entity(), entity()).prop_map(|(id, into, merged)| Op::Merge { id, into, merged }),
        1 => (0..4u8).prop_map(|id| Op::Undo { id }),
        1 => entity().prop_map(Op::Exclude),
        1 => entity().prop_map(Op::Include),
        2 => (0..3u8, 0..3u8, entity(), entity(), prop::collection::vec((0..RECORDS, label()), 0..3))
            .prop_map(|(id, kind, from, to, evidence)| Op::AddRelation { id, kind, from, to, evidence }),
        1 => (0..3u8).prop_map(|id| Op::RemoveRelation { id }),
    ]
}

/// A record's (entity, label) mentions and (photo, other, other record, other label) matches.
type RecordInput = (Vec<(u8, u8)>, Vec<(u8, u8, u8, u8)>);
/// A relation's kind, ends and (record, label) evidence.
type RelationModel = (u8, u8, u8, Vec<(u8, u8)>);
/// A piece of evidence: kind, records, whether the caller sees it.
type Piece = (LinkKind, Vec<u8>, bool);
/// Pieces of evidence as (kind, records).
type Pieces = Vec<(LinkKind, Vec<u8>)>;

/// The inputs, as last given.
#[derive(Default)]
struct Model {
    records: BTreeMap<u8, RecordInput>,
    merges: BTreeMap<u8, (u8, u8)>,
    excluded: BTreeSet<u8>,
    relations: BTreeMap<u8, RelationModel>,
}

/// A visible link as a chart shows it.
type Shown = (Vec<LinkKind>, u32, Vec<RecordId>);

/// The graph the model derives, as one caller sees it.
struct Seen {
    /// Node → records with a visible mention of it.
    nodes: BTreeMap<u8, BTreeSet<u8>>,
    /// (node, node) in id order → visible evidence as (kind, records).
    links: BTreeMap<(u8, u8), Pieces>,
    canonical: BTreeMap<u8, u8>,
}

impl Model {
    fn apply(&mut self, op: &Op) {
        match op.clone() {
            Op::SetRecord {
                record,
                mentions,
                matches,
            } => {
                if mentions.is_empty() && matches.is_empty() {
                    self.records.remove(&record);
                } else {
                    self.records.insert(record, (mentions, matches));
                }
            }
            Op::Merge { id, into, merged } => {
                self.merges.remove(&id);
                if into != merged {
                    self.merges.insert(id, (into, merged));
                }
            }
            Op::Undo { id } => {
                self.merges.remove(&id);
            }
            Op::Exclude(entity) => {
                self.excluded.insert(entity);
            }
            Op::Include(entity) => {
                self.excluded.remove(&entity);
            }
            Op::AddRelation {
                id,
                kind,
                from,
                to,
                evidence,
            } => {
                self.relations.insert(id, (kind, from, to, evidence));
            }
            Op::RemoveRelation { id } => {
                self.relations.remove(&id);
            }
        }
    }

    /// Components of the merges; each known by the member no merge merged into another, or the
    /// smallest id among those (or among all) when there is not exactly one.
    fn canonical(&self) -> BTreeMap<u8, u8> {
        let mut component: Vec<u8> = (0..ENTITIES).collect();
        loop {
            let mut changed = false;
            for &(into, merged) in self.merges.values() {
                let low = component[into as usize].min(component[merged as usize]);
                for end in [into, merged] {
                    let old = component[end as usize];
                    if old != low {
                        for slot in component.iter_mut().filter(|slot| **slot == old) {
                            *slot = low;
                        }
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let merged_away: BTreeSet<u8> = self.merges.values().map(|&(_, merged)| merged).collect();
        let mut canonical = BTreeMap::new();
        for entity in 0..ENTITIES {
            let members: Vec<u8> = (0..ENTITIES)
                .filter(|&other| component[other as usize] == component[entity as usize])
                .collect();
            let never: Vec<u8> = members
                .iter()
                .copied()
                .filter(|member| !merged_away.contains(member))
                .collect();
            let pool = if never.is_empty() { &members } else { &never };
            let chosen = if pool.len() == 1 {
                pool[0]
            } else {
                *pool
                    .iter()
                    .min_by_key(|&&member| entity_id(member))
                    .unwrap()
            };
            canonical.insert(entity, chosen);
        }
        canonical
    }

    fn seen(&self, sees: impl Fn(u8) -> bool) -> Seen {
        let canonical = self.canonical();
        let node = |entity: u8| canonical[&entity];
        let mut nodes: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
        // (node, node) in id order → (kind, records, visible) of every piece.
        let mut evidence: BTreeMap<(u8, u8), Vec<Piece>> = BTreeMap::new();
        let mut add = |a: u8, b: u8, kind, records: Vec<u8>, visible: bool| {
            let key = if entity_id(a) < entity_id(b) {
                (a, b)
            } else {
                (b, a)
            };
            evidence
                .entry(key)
                .or_default()
                .push((kind, records, visible));
        };
        for (&record, (mentions, matches)) in &self.records {
            let mut labels_of: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
            let mut node_labels: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
            for &(entity, label) in mentions {
                labels_of.entry(entity).or_default().insert(label);
                if sees(label) {
                    nodes.entry(node(entity)).or_default().insert(record);
                }
                if !self.excluded.contains(&entity) {
                    node_labels.entry(node(entity)).or_default().insert(label);
                }
            }
            let groups: Vec<(u8, bool)> = node_labels
                .iter()
                .map(|(&node, labels)| (node, labels.iter().any(|&label| sees(label))))
                .collect();
            for (position, &(a, a_seen)) in groups.iter().enumerate() {
                for &(b, b_seen) in &groups[position + 1..] {
                    add(a, b, LinkKind::CoMention, vec![record], a_seen && b_seen);
                }
            }
            for &(photo, other, other_record, other_label) in matches {
                let Some(labels) = labels_of.get(&photo) else {
                    continue;
                };
                if self.excluded.contains(&photo)
                    || self.excluded.contains(&other)
                    || node(photo) == node(other)
                {
                    continue;
                }
                let visible = labels.iter().any(|&label| sees(label)) && sees(other_label);
                add(
                    node(photo),
                    node(other),
                    LinkKind::ImageMatch,
                    vec![record, other_record],
                    visible,
                );
            }
        }
        for (kind, from, to, items) in self.relations.values() {
            if node(*from) == node(*to) {
                continue;
            }
            for &(record, label) in items {
                add(
                    node(*from),
                    node(*to),
                    RELATION_KINDS[*kind as usize],
                    vec![record],
                    sees(label),
                );
            }
        }
        let links = evidence
            .into_iter()
            .filter(|((a, b), _)| nodes.contains_key(a) && nodes.contains_key(b))
            .map(|(ends, items)| {
                (
                    ends,
                    items
                        .into_iter()
                        .filter(|item| item.2)
                        .map(|(kind, records, _)| (kind, records))
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, items)| !items.is_empty())
            .collect();
        Seen {
            nodes,
            links,
            canonical,
        }
    }
}

impl Seen {
    fn neighbours(&self, node: u8) -> impl Iterator<Item = u8> + '_ {
        self.links.keys().filter_map(move |&(a, b)| {
            if a == node {
                Some(b)
            } else if b == node {
                Some(a)
            } else {
                None
            }
        })
    }

    /// Distances from `start` within `depth` hops.
    fn ball(&self, start: u8, depth: u32) -> BTreeMap<u8, u32> {
        let mut distance = BTreeMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            let here = distance[&node];
            if here == depth {
                continue;
            }
            for next in self.neighbours(node) {
                if let std::collections::btree_map::Entry::Vacant(entry) = distance.entry(next) {
                    entry.insert(here + 1);
                    queue.push_back(next);
                }
            }
        }
        distance
    }

    fn shown(&self, ends: (u8, u8)) -> Shown {
        let items = &self.links[&ends];
        let kinds: BTreeSet<LinkKind> = items.iter().map(|(kind, _)| *kind).collect();
        let records: BTreeSet<RecordId> = items
            .iter()
            .flat_map(|(_, records)| records.iter().map(|&record| record_id(record)))
            .collect();
        let weight = records.len() as u32;
        (
            kinds.into_iter().collect(),
            weight,
            records.into_iter().take(Chart::EVIDENCE_SHOWN).collect(),
        )
    }
}

fn chart_nodes(chart: &Chart) -> BTreeMap<String, (u32, u32)> {
    chart
        .nodes
        .iter()
        .map(|node| (node.id.clone(), (node.distance, node.records)))
        .collect()
}

fn chart_links(chart: &Chart) -> BTreeMap<(String, String), Shown> {
    chart
        .edges
        .iter()
        .map(|edge| {
            let mut ends = [
                chart.nodes[edge.source as usize].id.clone(),
                chart.nodes[edge.target as usize].id.clone(),
            ];
            ends.sort();
            let [a, b] = ends;
            (
                (a, b),
                (edge.kinds.clone(), edge.weight, edge.evidence.clone()),
            )
        })
        .collect()
}

fn run(graph: &mut Graph, labels: &[LabelId], op: &Op) {
    match op.clone() {
        Op::SetRecord {
            record,
            mentions,
            matches,
        } => graph.set_record(
            record_id(record),
            mentions
                .iter()
                .map(|&(entity, label)| MentionInput {
                    entity: entity_input(entity),
                    label: labels[label as usize],
                })
                .collect(),
            matches
                .iter()
                .map(|&(photo, other, other_record, other_label)| PhotoMatch {
                    photo: entity_id(photo),
                    other: entity_input(other),
                    other_record: record_id(other_record),
                    other_label: labels[other_label as usize],
                })
                .collect(),
        ),
        Op::Merge { id, into, merged } => {
            graph.merge(&format!("m{id}"), &entity_id(into), &entity_id(merged))
        }
        Op::Undo { id } => graph.undo_merge(&format!("m{id}")),
        Op::Exclude(entity) => graph.exclude(&entity_id(entity)),
        Op::Include(entity) => graph.include(&entity_id(entity)),
        Op::AddRelation {
            id,
            kind,
            from,
            to,
            evidence,
        } => graph.add_relation(RelationInput {
            id: format!("r{id}"),
            kind: RELATION_KINDS[kind as usize],
            from: entity_id(from),
            to: entity_id(to),
            evidence: evidence
                .iter()
                .map(|&(record, label)| (record_id(record), labels[label as usize]))
                .collect(),
        }),
        Op::RemoveRelation { id } => graph.remove_relation(&format!("r{id}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn neighbourhoods_and_paths_match_a_model_rebuilt_from_the_inputs(
        ops in prop::collection::vec(op(), 1..40),
        seen_labels in 0..4u8,
        start in 0..ENTITIES,
        end in 0..ENTITIES,
        limit in 0..8usize,
    ) {
        let mut graph = Graph::new();
        let labels = [LabelId::PUBLIC, graph.label("A"), graph.label("B")];
        let mut model = Model::default();
        for op in &ops {
            run(&mut graph, &labels, op);
            model.apply(op);
        }
        let sees = |label: u8| label == 0 || seen_labels & (1 << (label - 1)) != 0;
        let visibility = graph.visibility(|text| (text == "A" && sees(1)) || (text == "B" && sees(2)));
        let seen = model.seen(sees);
        let start_node = seen.canonical[&start];

        let chart = graph.neighbourhood(&visibility, &entity_id(start), 2, usize::MAX);
        prop_assert_eq!(chart.is_some(), seen.nodes.contains_key(&start_node));
        let Some(chart) = chart else { return Ok(()) };
        let ball = seen.ball(start_node, 2);
        let expected_nodes: BTreeMap<String, (u32, u32)> = ball
            .iter()
            .map(|(&node, &distance)| (entity_id(node), (distance, seen.nodes[&node].len() as u32)))
            .collect();
        prop_assert_eq!(chart_nodes(&chart), expected_nodes);
        let expected_links: BTreeMap<(String, String), Shown> = seen
            .links
            .keys()
            .filter(|(a, b)| ball.contains_key(a) && ball.contains_key(b))
            .map(|&(a, b)| ((entity_id(a), entity_id(b)), seen.shown((a, b))))
            .collect();
        prop_assert_eq!(chart_links(&chart), expected_links);
        prop_assert_eq!((chart.nodes_left_out, chart.edges_left_out), (0, 0));

        // A limit keeps a prefix of the order and counts the rest exactly.
        let page = graph.neighbourhood(&visibility, &entity_id(start), 2, limit).unwrap();
        prop_assert_eq!(&page.nodes[..], &chart.nodes[..limit.min(chart.nodes.len())]);
        prop_assert_eq!(page.nodes.len() as u64 + page.nodes_left_out, chart.nodes.len() as u64);
        prop_assert_eq!(page.edges.len() as u64 + page.edges_left_out, chart.edges.len() as u64);

        // Shortest paths: as many as the model counts, each a chain of visible links.
        let end_node = seen.canonical[&end];
        let paths = graph.paths(&visibility, &entity_id(start), &entity_id(end), 4, 1000);
        prop_assert_eq!(paths.is_some(), seen.nodes.contains_key(&end_node));
        let Some(paths) = paths else { return Ok(()) };
        let from_end = seen.ball(end_node, 4);
        let length = from_end.get(&start_node).copied();
        let ball = seen.ball(start_node, 4);
        let mut count: BTreeMap<u8, u64> = BTreeMap::from([(start_node, 1)]);
        if let Some(length) = length {
            for step in 1..=length {
                for (&node, _) in ball.iter().filter(|(_, distance)| **distance == step) {
                    let total = seen.neighbours(node).filter(|previous| ball.get(previous) == Some(&(step - 1))).map(|previous| count.get(&previous).copied().unwrap_or(0)).sum();
                    count.insert(node, total);
                }
            }
        }
        let expected = length.map_or(0, |_| count.get(&end_node).copied().unwrap_or(0));
        prop_assert_eq!(paths.paths.len() as u64, expected);
        prop_assert!(!paths.more);
        for path in &paths.paths {
            prop_assert_eq!(path.len() as u32, length.unwrap() + 1);
            let names: Vec<&str> = path.iter().map(|&index| paths.chart.nodes[index as usize].id.as_str()).collect();
            prop_assert_eq!(names[0], entity_id(start_node));
            prop_assert_eq!(*names.last().unwrap(), entity_id(end_node));
            for pair in names.windows(2) {
                let mut ends = [pair[0], pair[1]];
                ends.sort();
                let known = seen.links.keys().any(|&(a, b)| entity_id(a) == ends[0] && entity_id(b) == ends[1]);
                prop_assert!(known, "{} and {} are not linked", ends[0], ends[1]);
            }
        }
    }
}
