//! The entity graph through its public API: links and their weights, labels, records replaced
//! and removed, image matches, relations, merges, exclusions, and the queries' limits and counts.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "helpers outside #[test] functions fail loudly too"
)]

use humdex_graph::{
    Chart, EntityInput, Graph, LabelId, LinkKind, MentionInput, NodeKind, PhotoMatch,
    RelationInput, Visibility,
};
use humdex_model::{EntityKind, RecordId};

pub(crate) fn record(number: u64) -> RecordId {
    format!("00000000-0000-7000-8000-{number:012x}")
        .parse()
        .unwrap()
}

fn kind_of(id: &str) -> NodeKind {
    if id.starts_with("photo") {
        NodeKind::Photo
    } else if id.starts_with("phone") {
        NodeKind::Entity(EntityKind::Phone)
    } else {
        NodeKind::Entity(EntityKind::Person)
    }
}

fn input(id: &str) -> EntityInput {
    EntityInput {
        id: id.to_owned(),
        kind: kind_of(id),
        name: format!("name of {id}"),
    }
}

fn mention(id: &str, label: LabelId) -> MentionInput {
    MentionInput {
        entity: input(id),
        label,
    }
}

/// Sets a record whose mentions are all public.
fn public_record(graph: &mut Graph, number: u64, ids: &[&str]) {
    let mentions = ids.iter().map(|id| mention(id, LabelId::PUBLIC)).collect();
    graph.set_record(record(number), mentions, Vec::new());
}

fn ids(chart: &Chart) -> Vec<&str> {
    chart.nodes.iter().map(|node| node.id.as_str()).collect()
}

/// The chart's edges as (source id, target id, weight), ends in id order, sorted.
fn edges(chart: &Chart) -> Vec<(String, String, u32)> {
    let mut edges: Vec<(String, String, u32)> = chart
        .edges
        .iter()
        .map(|edge| {
            let mut ends = [
                chart.nodes[edge.source as usize].id.clone(),
                chart.nodes[edge.target as usize].id.clone(),
            ];
            ends.sort();
            let [a, b] = ends;
            (a, b, edge.weight)
        })
        .collect();
    edges.sort();
    edges
}

fn edge<'a>(chart: &'a Chart, a: &str, b: &str) -> Option<&'a humdex_graph::ChartEdge> {
    chart.edges.iter().find(|edge| {
        let ends = [
            &chart.nodes[edge.source as usize].id,
            &chart.nodes[edge.target as usize].id,
        ];
        (ends[0] == a && ends[1] == b) || (ends[0] == b && ends[1] == a)
    })
}

fn triple(a: &str, b: &str, weight: u32) -> (String, String, u32) {
    (a.to_owned(), b.to_owned(), weight)
}

#[test]
fn co_mentions_link_every_pair_and_weigh_by_records() {
    let mut graph = Graph::new();
    public_record(&mut graph, 1, &["a", "b", "c"]);
    public_record(&mut graph, 2, &["a", "b"]);
    let all = Visibility::all();
    let chart = graph.neighbourhood(&all, "a", 1, 100).unwrap();
    assert_eq!(ids(&chart), ["a", "b", "c"]);
    assert_eq!(
        edges(&chart),
        [
            triple("a", "b", 2),
            triple("a", "c", 1),
            triple("b", "c", 1)
        ]
    );
    let a_b = edge(&chart, "a", "b").unwrap();
    assert_eq!(a_b.kinds, [LinkKind::CoMention]);
    assert_eq!(a_b.evidence, [record(1), record(2)]);
    assert_eq!(chart.nodes[0].records, 2);
    assert_eq!(chart.nodes[0].distance, 0);
    assert_eq!(chart.nodes[1].distance, 1);
    assert_eq!((chart.nodes_left_out, chart.edges_left_out), (0, 0));
    assert_eq!(graph.records_of(&all, "c"), [record(1)]);
    assert_eq!(graph.entities_of(&all, record(2)), ["a", "b"]);
    let stats = graph.stats();
    assert_eq!(
        (stats.nodes, stats.links, stats.evidence, stats.records),
        (3, 3, 4, 2)
    );
}

#[test]
fn a_caller_sees_links_only_through_evidence_and_nodes_only_through_mentions_they_may_see() {
    let mut graph = Graph::new();
    let secret = graph.label("LE&VICTIM_PII");
    public_record(&mut graph, 1, &["a", "b"]);
    // Record 2: a under the secret label, b public, c only secret.
    graph.set_record(
        record(2),
        vec![
            mention("a", secret),
            mention("b", LabelId::PUBLIC),
            mention("c", secret),
        ],
        Vec::new(),
    );
    // Record 3: d both public and secret, e public: visible through d's public mention.
    graph.set_record(
        record(3),
        vec![
            mention("d", secret),
            mention("d", LabelId::PUBLIC),
            mention("e", LabelId::PUBLIC),
        ],
        Vec::new(),
    );
    let low = graph.visibility(|_| false);
    let high = graph.visibility(|label| label == "LE&VICTIM_PII");

    let seen_low = graph.neighbourhood(&low, "b", 2, 100).unwrap();
    assert_eq!(ids(&seen_low), ["b", "a"]);
    assert_eq!(edges(&seen_low), [triple("a", "b", 1)]);
    assert_eq!(edge(&seen_low, "a", "b").unwrap().evidence, [record(1)]);
    assert_eq!(
        seen_low.nodes[1].records, 1,
        "a's secret mention in record 2 is not counted"
    );
    assert_eq!((seen_low.nodes_left_out, seen_low.edges_left_out), (0, 0));
    assert!(graph.entity(&low, "c").is_none());
    assert!(graph.neighbourhood(&low, "c", 1, 10).is_none());
    assert_eq!(graph.records_of(&low, "a"), [record(1)]);
    assert_eq!(graph.entities_of(&low, record(2)), ["b"]);

    let seen_high = graph.neighbourhood(&high, "b", 2, 100).unwrap();
    assert_eq!(ids(&seen_high), ["b", "a", "c"]);
    assert_eq!(
        edges(&seen_high),
        [
            triple("a", "b", 2),
            triple("a", "c", 1),
            triple("b", "c", 1)
        ]
    );
    assert_eq!(
        edge(&seen_high, "a", "b").unwrap().evidence,
        [record(1), record(2)]
    );

    let d = graph.neighbourhood(&low, "d", 1, 10).unwrap();
    assert_eq!(edges(&d), [triple("d", "e", 1)]);
    assert_eq!(graph.entity(&low, "d").unwrap().records, 1);

    // A label interned after the visibility was built is not seen by it.
    let later = graph.label("LATER");
    graph.set_record(
        record(4),
        vec![mention("a", later), mention("f", later)],
        Vec::new(),
    );
    assert!(graph.entity(&high, "f").is_none());
    assert!(graph.entity(&Visibility::all(), "f").is_some());
}

#[test]
fn a_link_whose_public_evidence_goes_is_hidden_again() {
    let mut graph = Graph::new();
    let secret = graph.label("S");
    public_record(&mut graph, 1, &["a", "b"]);
    public_record(&mut graph, 3, &["a"]);
    public_record(&mut graph, 4, &["b"]);
    graph.set_record(
        record(2),
        vec![mention("a", secret), mention("b", secret)],
        Vec::new(),
    );
    let low = graph.visibility(|_| false);
    assert_eq!(
        edges(&graph.neighbourhood(&low, "a", 1, 10).unwrap()),
        [triple("a", "b", 1)]
    );
    graph.set_record(record(1), Vec::new(), Vec::new());
    assert!(
        graph
            .neighbourhood(&low, "a", 1, 10)
            .unwrap()
            .edges
            .is_empty()
    );
    assert_eq!(graph.paths(&low, "a", "b", 3, 10).unwrap().paths.len(), 0);
    let high = graph.visibility(|_| true);
    assert_eq!(
        edges(&graph.neighbourhood(&high, "a", 1, 10).unwrap()),
        [triple("a", "b", 1)]
    );
}

#[test]
fn a_record_set_again_replaces_what_it_contributed_and_an_empty_one_removes_it() {
    let mut graph = Graph::new();
    public_record(&mut graph, 1, &["a", "b", "c"]);
    public_record(&mut graph, 1, &["a", "b"]);
    let all = Visibility::all();
    assert!(graph.node("c").is_none());
    assert!(graph.entity(&all, "c").is_none());
    let chart = graph.neighbourhood(&all, "a", 2, 10).unwrap();
    assert_eq!(edges(&chart), [triple("a", "b", 1)]);
    graph.set_record(record(1), Vec::new(), Vec::new());
    assert!(graph.node("a").is_none());
    assert!(graph.neighbourhood(&all, "a", 1, 10).is_none());
    let stats = graph.stats();
    assert_eq!(
        (stats.nodes, stats.links, stats.evidence, stats.records),
        (0, 0, 0, 0)
    );
}

#[test]
fn a_photo_match_links_two_photos_when_both_records_mentions_are_seen() {
    let mut graph = Graph::new();
    let secret = graph.label("S");
    let matched = |other_label| PhotoMatch {
        photo: "photo-1".to_owned(),
        other: input("photo-2"),
        other_record: record(2),
        other_label,
    };
    graph.set_record(record(2), vec![mention("photo-2", secret)], Vec::new());
    graph.set_record(
        record(1),
        vec![
            mention("photo-1", LabelId::PUBLIC),
            mention("a", LabelId::PUBLIC),
        ],
        vec![
            matched(secret),
            // Its photo is not among the record's mentions: ignored.
            PhotoMatch {
                photo: "photo-9".to_owned(),
                ..matched(LabelId::PUBLIC)
            },
        ],
    );
    let low = graph.visibility(|_| false);
    let high = graph.visibility(|_| true);
    let seen_low = graph.neighbourhood(&low, "photo-1", 1, 10).unwrap();
    assert_eq!(ids(&seen_low), ["photo-1", "a"]);
    let seen_high = graph.neighbourhood(&high, "photo-1", 1, 10).unwrap();
    let photos = edge(&seen_high, "photo-1", "photo-2").unwrap();
    assert_eq!(photos.kinds, [LinkKind::ImageMatch]);
    assert_eq!(photos.weight, 2);
    assert_eq!(photos.evidence, [record(1), record(2)]);
    assert!(graph.node("photo-9").is_none());
    assert_eq!(graph.identifiers(&high, "a"), ["photo-1"]);

    // The other record's label: seen through a public copy of the match.
    graph.set_record(
        record(1),
        vec![mention("photo-1", LabelId::PUBLIC)],
        vec![matched(LabelId::PUBLIC)],
    );
    assert!(
        graph
            .neighbourhood(&low, "photo-1", 1, 10)
            .unwrap()
            .edges
            .is_empty(),
        "photo-2 itself is secret"
    );
    graph.set_record(
        record(2),
        vec![mention("photo-2", LabelId::PUBLIC)],
        Vec::new(),
    );
    let both = graph.neighbourhood(&low, "photo-1", 1, 10).unwrap();
    assert_eq!(edges(&both), [triple("photo-1", "photo-2", 2)]);

    graph.set_record(record(1), Vec::new(), Vec::new());
    assert!(
        graph
            .neighbourhood(&high, "photo-2", 1, 10)
            .unwrap()
            .edges
            .is_empty()
    );
}

#[test]
fn relations_link_their_ends_once_a_record_mentions_them_and_show_only_seen_evidence() {
    let mut graph = Graph::new();
    let secret = graph.label("S");
    public_record(&mut graph, 1, &["a"]);
    graph.add_relation(RelationInput {
        id: "rel-1".to_owned(),
        kind: LinkKind::Associate,
        from: "a".to_owned(),
        to: "z".to_owned(),
        evidence: vec![(record(9), LabelId::PUBLIC), (record(8), secret)],
    });
    let all = Visibility::all();
    let low = graph.visibility(|_| false);
    assert_eq!(
        ids(&graph.neighbourhood(&all, "a", 1, 10).unwrap()),
        ["a"],
        "z is pending"
    );

    public_record(&mut graph, 2, &["z"]);
    let chart = graph.neighbourhood(&all, "a", 1, 10).unwrap();
    let link = edge(&chart, "a", "z").unwrap();
    assert_eq!(link.kinds, [LinkKind::Associate]);
    assert_eq!(link.evidence, [record(8), record(9)]);
    let chart = graph.neighbourhood(&low, "a", 1, 10).unwrap();
    assert_eq!(edge(&chart, "a", "z").unwrap().evidence, [record(9)]);

    // Replaced by id: only the secret evidence is left.
    graph.add_relation(RelationInput {
        id: "rel-1".to_owned(),
        kind: LinkKind::Family,
        from: "a".to_owned(),
        to: "z".to_owned(),
        evidence: vec![(record(8), secret)],
    });
    assert!(
        graph
            .neighbourhood(&low, "a", 1, 10)
            .unwrap()
            .edges
            .is_empty()
    );
    let chart = graph.neighbourhood(&all, "a", 1, 10).unwrap();
    assert_eq!(edge(&chart, "a", "z").unwrap().kinds, [LinkKind::Family]);

    // A co-mention and a relation on one link: both kinds, in legend order.
    public_record(&mut graph, 3, &["a", "z"]);
    let chart = graph.neighbourhood(&all, "a", 1, 10).unwrap();
    let link = edge(&chart, "a", "z").unwrap();
    assert_eq!(link.kinds, [LinkKind::CoMention, LinkKind::Family]);
    assert_eq!(link.weight, 2);

    graph.remove_relation("rel-1");
    let chart = graph.neighbourhood(&all, "a", 1, 10).unwrap();
    assert_eq!(edge(&chart, "a", "z").unwrap().kinds, [LinkKind::CoMention]);
    graph.remove_relation("no-such-relation");
}

/// A neighbourhood's node ids and (end, end, weight) edges.
type Shape = (Vec<String>, Vec<(String, String, u32)>);

/// Every node's depth-1 neighbourhood, as everyone sees it.
fn snapshot(graph: &Graph, entities: &[&str]) -> Vec<Option<Shape>> {
    entities
        .iter()
        .map(|id| {
            graph
                .neighbourhood(&Visibility::all(), id, 1, 100)
                .map(|chart| {
                    (
                        chart.nodes.iter().map(|node| node.id.clone()).collect(),
                        edges(&chart),
                    )
                })
        })
        .collect()
}

const MERGE_ENTITIES: [&str; 6] = ["a", "b", "c", "x", "y", "w"];

fn merge_records(graph: &mut Graph) {
    public_record(graph, 1, &["a", "x"]);
    public_record(graph, 2, &["b", "x"]);
    public_record(graph, 3, &["c", "y"]);
    public_record(graph, 4, &["a", "b", "w"]);
    graph.add_relation(RelationInput {
        id: "rel".to_owned(),
        kind: LinkKind::Paid,
        from: "a".to_owned(),
        to: "y".to_owned(),
        evidence: vec![(record(7), LabelId::PUBLIC)],
    });
}

const MERGES: [(&str, &str, &str); 2] = [("m1", "b", "a"), ("m2", "c", "b")];

#[test]
fn merges_chain_and_undo_in_any_order_as_if_never_made() {
    let all = Visibility::all();
    let mut graph = Graph::new();
    merge_records(&mut graph);
    for (id, into, merged) in MERGES {
        graph.merge(id, into, merged);
    }
    assert_eq!(graph.node("a"), graph.node("c"));
    let c = graph.entity(&all, "a").unwrap();
    assert_eq!(c.id, "c");
    assert_eq!(c.name, "name of c");
    assert_eq!(c.merged, ["a", "b"]);
    assert_eq!(c.records, 4);
    let chart = graph.neighbourhood(&all, "b", 1, 100).unwrap();
    assert_eq!(ids(&chart)[0], "c");
    // a and b, co-mentioned in record 4, are one node: no link to itself.
    assert_eq!(
        edges(&chart),
        [
            triple("c", "w", 1),
            triple("c", "x", 2),
            triple("c", "y", 2)
        ]
    );

    for undo_first in [0, 1] {
        let mut graph = Graph::new();
        merge_records(&mut graph);
        for (id, into, merged) in MERGES {
            graph.merge(id, into, merged);
        }
        let (first, second) = (MERGES[undo_first], MERGES[1 - undo_first]);
        graph.undo_merge(first.0);
        let mut expected = Graph::new();
        merge_records(&mut expected);
        expected.merge(second.0, second.1, second.2);
        assert_eq!(
            snapshot(&graph, &MERGE_ENTITIES),
            snapshot(&expected, &MERGE_ENTITIES)
        );
        graph.undo_merge(second.0);
        let mut fresh = Graph::new();
        merge_records(&mut fresh);
        assert_eq!(
            snapshot(&graph, &MERGE_ENTITIES),
            snapshot(&fresh, &MERGE_ENTITIES)
        );
        let sizes = |graph: &Graph| {
            let stats = graph.stats();
            (stats.nodes, stats.links, stats.evidence, stats.records)
        };
        assert_eq!(sizes(&graph), sizes(&fresh));
    }

    // Merges made before the records they touch arrive, and replayed merge ids.
    let mut early = Graph::new();
    early.merge("m1", "b", "a");
    early.merge("m1", "b", "a");
    merge_records(&mut early);
    let mut late = Graph::new();
    merge_records(&mut late);
    late.merge("m1", "b", "a");
    assert_eq!(
        snapshot(&early, &MERGE_ENTITIES),
        snapshot(&late, &MERGE_ENTITIES)
    );
    assert_eq!(early.entity(&all, "a").unwrap().merged, ["a"]);
}

#[test]
fn a_merged_entity_the_caller_cannot_see_is_not_listed() {
    let mut graph = Graph::new();
    let secret = graph.label("S");
    public_record(&mut graph, 1, &["a"]);
    graph.set_record(record(2), vec![mention("b", secret)], Vec::new());
    graph.merge("m", "a", "b");
    let low = graph.visibility(|_| false);
    let summary = graph.entity(&low, "b").unwrap();
    assert_eq!(
        (summary.id.as_str(), summary.merged.len(), summary.records),
        ("a", 0, 1)
    );
    assert_eq!(graph.entity(&Visibility::all(), "a").unwrap().merged, ["b"]);
}

#[test]
fn an_excluded_entity_keeps_its_node_and_relations_but_no_co_mention_links() {
    let mut graph = Graph::new();
    public_record(&mut graph, 1, &["a", "phone-switchboard", "b"]);
    graph.add_relation(RelationInput {
        id: "rel".to_owned(),
        kind: LinkKind::UsesPhone,
        from: "a".to_owned(),
        to: "phone-switchboard".to_owned(),
        evidence: vec![(record(1), LabelId::PUBLIC)],
    });
    let all = Visibility::all();
    let before = graph.neighbourhood(&all, "a", 1, 10).unwrap();
    graph.exclude("phone-switchboard");
    let chart = graph
        .neighbourhood(&all, "phone-switchboard", 1, 10)
        .unwrap();
    assert_eq!(edges(&chart), [triple("a", "phone-switchboard", 1)]);
    assert_eq!(
        edge(&chart, "a", "phone-switchboard").unwrap().kinds,
        [LinkKind::UsesPhone]
    );
    assert!(graph.entity(&all, "phone-switchboard").unwrap().excluded);
    let a = graph.neighbourhood(&all, "a", 1, 10).unwrap();
    assert_eq!(
        edges(&a),
        [triple("a", "b", 1), triple("a", "phone-switchboard", 1)]
    );
    graph.include("phone-switchboard");
    assert_eq!(graph.neighbourhood(&all, "a", 1, 10).unwrap(), before);

    // An exclusion made before the record arrives holds.
    graph.exclude("phone-later");
    public_record(&mut graph, 2, &["b", "phone-later"]);
    assert!(
        graph
            .neighbourhood(&all, "phone-later", 1, 10)
            .unwrap()
            .edges
            .is_empty()
    );
}

/// Start s; ring 1: b1 (3 records with s), b2 (2), b3 (1, but in more records); ring 2: c1 via
/// b1, c2 via b2 and b3; a link b1–b2 inside ring 1 and c1–c2 inside ring 2.
fn rings() -> Graph {
    let mut graph = Graph::new();
    for number in 1..=3 {
        public_record(&mut graph, number, &["s", "b1"]);
    }
    for number in 4..=5 {
        public_record(&mut graph, number, &["s", "b2"]);
    }
    public_record(&mut graph, 6, &["s", "b3"]);
    public_record(&mut graph, 7, &["b3", "c2"]);
    public_record(&mut graph, 8, &["b3", "q"]);
    public_record(&mut graph, 9, &["b1", "b2"]);
    public_record(&mut graph, 10, &["b1", "c1"]);
    public_record(&mut graph, 11, &["b2", "c2"]);
    public_record(&mut graph, 12, &["c1", "c2"]);
    graph
}

#[test]
fn a_neighbourhood_orders_by_distance_and_weight_and_counts_what_its_limit_leaves_out() {
    let graph = rings();
    let all = Visibility::all();
    let full = graph.neighbourhood(&all, "s", 2, 100).unwrap();
    assert_eq!(
        ids(&full),
        ["s", "b1", "b2", "b3", "c2", "c1", "q"],
        "c1 and q tie: by id"
    );
    assert_eq!(
        full.nodes
            .iter()
            .map(|node| node.distance)
            .collect::<Vec<_>>(),
        [0, 1, 1, 1, 2, 2, 2]
    );
    assert_eq!(full.edges.len(), 9);
    assert_eq!((full.nodes_left_out, full.edges_left_out), (0, 0));

    let one = graph.neighbourhood(&all, "s", 1, 100).unwrap();
    assert_eq!(ids(&one), ["s", "b1", "b2", "b3"]);
    assert_eq!(one.edges.len(), 4, "s–b1, s–b2, s–b3 and b1–b2");

    for limit in 0..=7 {
        let page = graph.neighbourhood(&all, "s", 2, limit).unwrap();
        assert_eq!(ids(&page), ids(&full)[..limit]);
        assert_eq!(page.nodes_left_out, (7 - limit) as u64);
        assert_eq!(page.edges.len() as u64 + page.edges_left_out, 9);
        let expected: Vec<_> = edges(&full)
            .into_iter()
            .filter(|(a, b, _)| {
                ids(&page).contains(&a.as_str()) && ids(&page).contains(&b.as_str())
            })
            .collect();
        assert_eq!(edges(&page), expected);
    }

    let three = graph.neighbourhood(&all, "s", 9, 100).unwrap();
    assert_eq!(
        three.nodes.len(),
        7,
        "depth is capped at 3, and the graph has 7 nodes"
    );
}

#[test]
fn hubs_are_charted_and_counted_like_small_nodes() {
    // Three hubs with a hundred spokes each (beyond the degree at which a node's neighbours are
    // indexed), spokes linked among themselves at random, hubs linked to each other.
    let mut graph = Graph::new();
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut state = 7u64;
    let mut next = |below: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % below
    };
    for hub in 0..3 {
        for spoke in 0..100 {
            records.push(vec![
                format!("hub-{hub}"),
                format!("spoke-{}", (hub * 70 + spoke) % 250),
            ]);
        }
    }
    records.push(vec![
        "hub-0".to_owned(),
        "hub-1".to_owned(),
        "hub-2".to_owned(),
    ]);
    for _ in 0..300 {
        records.push(vec![
            format!("spoke-{}", next(250)),
            format!("spoke-{}", next(250)),
        ]);
    }
    for (number, ids) in records.iter().enumerate() {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        public_record(&mut graph, number as u64 + 1, &ids);
    }
    let mut linked = std::collections::BTreeSet::new();
    for ids in &records {
        for a in ids {
            for b in ids {
                if a < b {
                    linked.insert((a.clone(), b.clone()));
                }
            }
        }
    }
    let all = Visibility::all();
    for start in ["hub-0", "spoke-3", "spoke-140"] {
        let whole = graph.neighbourhood(&all, start, 2, usize::MAX).unwrap();
        let among = |chart: &Chart| {
            let names = ids(chart);
            linked
                .iter()
                .filter(|(a, b)| names.contains(&a.as_str()) && names.contains(&b.as_str()))
                .count()
        };
        assert_eq!(whole.edges.len(), among(&whole), "from {start}");
        for limit in [1, 10, 60, 200] {
            let page = graph.neighbourhood(&all, start, 2, limit).unwrap();
            assert_eq!(
                page.edges.len(),
                among(&page),
                "from {start}, limit {limit}"
            );
            assert_eq!(
                page.edges.len() as u64 + page.edges_left_out,
                whole.edges.len() as u64
            );
            assert_eq!(
                page.nodes.len() as u64 + page.nodes_left_out,
                whole.nodes.len() as u64
            );
        }
    }
}

#[test]
fn ties_in_weight_go_to_the_lower_id() {
    let mut graph = Graph::new();
    public_record(&mut graph, 1, &["s", "n-many", "n-few", "n-also-few"]);
    public_record(&mut graph, 2, &["n-many"]);
    let chart = graph.neighbourhood(&Visibility::all(), "s", 1, 10).unwrap();
    assert_eq!(ids(&chart), ["s", "n-also-few", "n-few", "n-many"]);
    assert_eq!(chart.nodes[3].records, 2);
    let first_two = graph.neighbourhood(&Visibility::all(), "s", 1, 2).unwrap();
    assert_eq!(ids(&first_two), ["s", "n-also-few"]);
}

#[test]
fn paths_lists_all_shortest_paths_up_to_a_cap_and_counts_the_rest() {
    let mut graph = Graph::new();
    let secret = graph.label("S");
    public_record(&mut graph, 1, &["a", "b1"]);
    public_record(&mut graph, 2, &["b1", "d"]);
    public_record(&mut graph, 3, &["a", "b2"]);
    public_record(&mut graph, 4, &["b2", "d"]);
    public_record(&mut graph, 5, &["a", "c"]);
    public_record(&mut graph, 6, &["c", "e"]);
    public_record(&mut graph, 7, &["e", "d"]);
    graph.set_record(
        record(8),
        vec![mention("a", secret), mention("d", secret)],
        Vec::new(),
    );
    let low = graph.visibility(|_| false);
    let paths = graph.paths(&low, "a", "d", 4, 10).unwrap();
    let chart_ids = ids(&paths.chart);
    assert_eq!(chart_ids, ["a", "b1", "b2", "d"]);
    let named: Vec<Vec<&str>> = paths
        .paths
        .iter()
        .map(|path| {
            path.iter()
                .map(|&index| chart_ids[index as usize])
                .collect()
        })
        .collect();
    assert_eq!(named, [["a", "b1", "d"], ["a", "b2", "d"]]);
    assert!(!paths.more);
    assert_eq!(paths.chart.edges.len(), 4);
    assert_eq!(
        paths
            .chart
            .nodes
            .iter()
            .map(|node| node.distance)
            .collect::<Vec<_>>(),
        [0, 1, 1, 2]
    );
    assert_eq!(
        (paths.chart.nodes_left_out, paths.chart.edges_left_out),
        (0, 0)
    );

    let capped = graph.paths(&low, "d", "a", 4, 1).unwrap();
    assert_eq!(ids(&capped.chart), ["d", "b1", "a"]);
    assert_eq!(capped.paths, [[0, 1, 2]]);
    assert!(capped.more);
    assert_eq!(
        (capped.chart.nodes_left_out, capped.chart.edges_left_out),
        (1, 2)
    );

    // The secret record links a and d directly, for those who see it.
    let high = graph.visibility(|_| true);
    let direct = graph.paths(&high, "a", "d", 4, 10).unwrap();
    assert_eq!(direct.paths, [[0, 1]]);

    // Too far for the depth asked: the two ends alone.
    let far = graph.paths(&low, "b1", "e", 1, 10).unwrap();
    assert!(far.paths.is_empty() && !far.more);
    assert_eq!(ids(&far.chart), ["b1", "e"]);
    let near = graph.paths(&low, "b1", "e", 3, 10).unwrap();
    assert_eq!(ids(&near.chart), ["b1", "d", "e"], "b1–a–c–e is longer");
    assert!(graph.paths(&low, "a", "nobody", 3, 10).is_none());
    assert_eq!(graph.paths(&low, "a", "a", 3, 10).unwrap().paths, [[0]]);
}

#[test]
fn a_chart_expands_seeds_and_records_and_pages_without_losing_count() {
    let graph = rings();
    let all = Visibility::all();
    let whole = graph.chart(&all, &["q".to_owned()], &[record(9)], 1, 100, 0);
    assert_eq!(ids(&whole)[..3], ["b1", "b2", "q"], "seeds first, by id");
    assert!(whole.nodes[..3].iter().all(|node| node.distance == 0));
    let total_edges = whole.edges.len() as u64;
    let mut paged = Vec::new();
    for offset in (0..whole.nodes.len() + 2).step_by(2) {
        let page = graph.chart(&all, &["q".to_owned()], &[record(9)], 1, 2, offset);
        assert_eq!(
            page.nodes.len() as u64 + page.nodes_left_out,
            whole.nodes.len() as u64
        );
        assert_eq!(page.edges.len() as u64 + page.edges_left_out, total_edges);
        paged.extend(page.nodes.into_iter().map(|node| node.id));
    }
    assert_eq!(paged, ids(&whole));
    let hidden = graph.chart(
        &graph.visibility(|_| false),
        &["nobody".to_owned()],
        &[record(99)],
        2,
        10,
        0,
    );
    assert!(hidden.nodes.is_empty() && hidden.edges.is_empty());
}

#[test]
fn identifiers_and_nodes_list_what_merge_suggestions_compare() {
    let mut graph = Graph::new();
    let secret = graph.label("S");
    graph.set_record(
        record(1),
        vec![
            mention("ann", LabelId::PUBLIC),
            mention("phone-1", LabelId::PUBLIC),
            mention("phone-2", secret),
            mention("photo-1", LabelId::PUBLIC),
            mention("bob", LabelId::PUBLIC),
        ],
        Vec::new(),
    );
    let low = graph.visibility(|_| false);
    assert_eq!(graph.identifiers(&low, "ann"), ["phone-1", "photo-1"]);
    assert_eq!(
        graph.identifiers(&Visibility::all(), "ann"),
        ["phone-1", "phone-2", "photo-1"]
    );
    let people = graph.nodes(&low, &[NodeKind::Entity(EntityKind::Person)]);
    assert_eq!(
        people
            .iter()
            .map(|node| node.id.as_str())
            .collect::<Vec<_>>(),
        ["ann", "bob"]
    );
    let phones = graph.nodes(&low, &[NodeKind::Entity(EntityKind::Phone)]);
    assert_eq!(phones.len(), 1);
    assert_eq!(phones[0].records, 1);
}

#[test]
fn a_merged_node_is_named_by_a_member_the_caller_may_see() {
    let mut graph = Graph::new();
    let secret = graph.label("LE");
    public_record(&mut graph, 1, &["person-a", "phone-1"]);
    graph.set_record(
        record(2),
        vec![mention("person-b", secret), mention("phone-1", secret)],
        Vec::new(),
    );
    graph.merge("m1", "person-b", "person-a");
    let low = graph.visibility(|_| false);
    let shown = graph.entity(&low, "person-a").unwrap();
    assert_eq!(
        shown.name, "name of person-a",
        "person-b is named only under LE"
    );
    let chart = graph.neighbourhood(&low, "phone-1", 1, 10).unwrap();
    assert!(
        chart
            .nodes
            .iter()
            .all(|node| node.name != "name of person-b")
    );
    let full = graph.visibility(|_| true);
    assert_eq!(
        graph.entity(&full, "person-a").unwrap().name,
        "name of person-b"
    );
}
