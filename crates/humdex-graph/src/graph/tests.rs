//! The store beneath the queries: hub indexes, recycled slots, compact evidence.

use super::links::{Evidence, Link};
use super::*;

fn record(number: u64) -> RecordId {
    format!("00000000-0000-7000-8000-{number:012x}")
        .parse()
        .unwrap()
}

fn mention(id: &str) -> MentionInput {
    MentionInput {
        entity: EntityInput {
            id: id.to_owned(),
            kind: NodeKind::Entity(humdex_model::EntityKind::Person),
            name: id.to_owned(),
        },
        label: LabelId::PUBLIC,
    }
}

/// A hub mentioned with each of `spokes` others, one record each.
fn hub(spokes: u64) -> Graph {
    let mut graph = Graph::new();
    for spoke in 0..spokes {
        graph.set_record(
            record(spoke),
            vec![mention("hub"), mention(&format!("spoke-{spoke}"))],
            Vec::new(),
        );
    }
    graph
}

fn link_between(graph: &Graph, a: &str, b: &str) -> Option<u32> {
    let (a, b) = (graph.entity_slot(a)?, graph.entity_slot(b)?);
    let found = graph.links.between(a, b);
    assert_eq!(found, graph.links.between(b, a), "both ends agree");
    found
}

#[test]
fn a_hub_finds_its_links_through_its_index_while_it_grows_and_shrinks() {
    let mut graph = hub(100);
    let hub_slot = graph.entity_slot("hub").unwrap();
    assert!(graph.links.adjacency(hub_slot).unwrap().is_indexed());
    // Remove every other spoke, swapping list entries around under the index.
    for spoke in (0..100).step_by(2) {
        graph.set_record(record(spoke), Vec::new(), Vec::new());
    }
    for spoke in 0..100 {
        assert_eq!(
            link_between(&graph, "hub", &format!("spoke-{spoke}")).is_some(),
            spoke % 2 == 1,
            "spoke {spoke}"
        );
    }
    for spoke in (1..100).step_by(2).take(40) {
        graph.set_record(record(spoke), Vec::new(), Vec::new());
    }
    let adjacency = graph.links.adjacency(hub_slot).unwrap();
    assert_eq!(adjacency.len(), 10);
    assert!(
        !adjacency.is_indexed(),
        "a hub that shrinks drops its index"
    );
    for spoke in 81..100 {
        assert_eq!(
            link_between(&graph, "hub", &format!("spoke-{spoke}")).is_some(),
            spoke % 2 == 1
        );
    }
}

#[test]
fn freed_link_slots_are_reused() {
    let mut graph = hub(10);
    for round in 0..5 {
        for spoke in 0..10 {
            graph.set_record(record(spoke), Vec::new(), Vec::new());
        }
        assert_eq!(graph.stats().links, 0, "round {round}");
        for spoke in 0..10 {
            graph.set_record(
                record(spoke),
                vec![mention("hub"), mention(&format!("spoke-{spoke}"))],
                Vec::new(),
            );
        }
    }
    assert!(graph.links.get(9).is_some());
    assert!(
        graph.links.get(10).is_none(),
        "ten links never needed an eleventh slot"
    );
}

#[test]
fn one_piece_of_evidence_lives_inside_its_link_and_a_short_adjacency_in_one_cache_line() {
    assert_eq!(size_of::<Evidence>(), 20);
    assert_eq!(size_of::<Link>(), 32);
    assert_eq!(size_of::<super::links::Adjacency>(), 64);
}
