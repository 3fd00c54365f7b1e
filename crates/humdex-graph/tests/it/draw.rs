//! Layout, measures and exports of hand-built charts.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "helpers outside #[test] functions fail loudly too"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use humdex_graph::{
    Chart, ChartEdge, ChartNode, Error, LinkKind, MAX_IMAGE_SIDE, NodeKind, lay_out, measure,
    to_graphml, to_png, to_svg,
};
use humdex_model::{EntityKind, RecordId};
use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

const PERSON: NodeKind = NodeKind::Entity(EntityKind::Person);
const PHONE: NodeKind = NodeKind::Entity(EntityKind::Phone);

fn node(index: usize, kind: NodeKind, name: &str) -> ChartNode {
    ChartNode {
        id: format!("{index:064x}"),
        kind,
        name: name.to_owned(),
        records: 1,
        distance: u32::from(index != 0),
        x: 0.0,
        y: 0.0,
        degree: 0,
        betweenness: 0.0,
        community: 0,
    }
}

/// A chart of `count` people, linked as `links` says, each link with weight 1.
fn chart(count: usize, links: &[(u32, u32)]) -> Chart {
    weighted_chart(
        count,
        &links.iter().map(|&(a, b)| (a, b, 1)).collect::<Vec<_>>(),
    )
}

fn weighted_chart(count: usize, links: &[(u32, u32, u32)]) -> Chart {
    Chart {
        nodes: (0..count)
            .map(|index| node(index, PERSON, &format!("person {index}")))
            .collect(),
        edges: links
            .iter()
            .map(|&(source, target, weight)| ChartEdge {
                source,
                target,
                kinds: vec![LinkKind::CoMention],
                weight,
                evidence: Vec::new(),
            })
            .collect(),
        nodes_left_out: 0,
        edges_left_out: 0,
    }
}

/// Two cliques of five, 0–4 and 5–9, joined by a bridge from 4 to 5.
fn two_cliques() -> Chart {
    let mut links = Vec::new();
    for base in [0, 5] {
        for a in base..base + 5 {
            for b in a + 1..base + 5 {
                links.push((a, b));
            }
        }
    }
    links.push((4, 5));
    chart(10, &links)
}

fn positions(chart: &Chart) -> Vec<(f32, f32)> {
    chart.nodes.iter().map(|node| (node.x, node.y)).collect()
}

fn distance(chart: &Chart, a: usize, b: usize) -> f64 {
    let (a, b) = (&chart.nodes[a], &chart.nodes[b]);
    f64::from(a.x - b.x).hypot(f64::from(a.y - b.y))
}

/// A deterministic scattering of links: node `i` links to a few pseudo-random others.
fn scattered(count: usize, links_per_node: u64) -> Chart {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut links = Vec::new();
    for source in 0..count as u32 {
        for _ in 0..links_per_node {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let target = (state >> 33) as u32 % count as u32;
            if target != source {
                links.push((source, target));
            }
        }
    }
    chart(count, &links)
}

// Layout.

#[test]
fn layout_is_the_same_on_every_run() {
    let mut first = two_cliques();
    let mut second = two_cliques();
    lay_out(&mut first);
    lay_out(&mut second);
    assert_eq!(positions(&first), positions(&second));
    assert!(positions(&first).iter().any(|&(x, y)| x != 0.0 || y != 0.0));
}

#[test]
fn layout_puts_no_two_nodes_at_one_spot() {
    for mut chart in [two_cliques(), scattered(300, 2), chart(12, &[])] {
        lay_out(&mut chart);
        for a in 0..chart.nodes.len() {
            for b in a + 1..chart.nodes.len() {
                assert!(distance(&chart, a, b) > 5.0, "{a} and {b} overlap");
            }
        }
    }
}

#[test]
fn linked_nodes_end_closer_than_unlinked_ones() {
    let mut chart = scattered(200, 2);
    lay_out(&mut chart);
    let linked: BTreeSet<(u32, u32)> = chart
        .edges
        .iter()
        .map(|edge| (edge.source.min(edge.target), edge.source.max(edge.target)))
        .collect();
    let (mut linked_sum, mut linked_count, mut other_sum, mut other_count) = (0.0, 0, 0.0, 0);
    for a in 0..chart.nodes.len() {
        for b in a + 1..chart.nodes.len() {
            if linked.contains(&(a as u32, b as u32)) {
                linked_sum += distance(&chart, a, b);
                linked_count += 1;
            } else {
                other_sum += distance(&chart, a, b);
                other_count += 1;
            }
        }
    }
    let (linked_mean, other_mean) = (
        linked_sum / linked_count as f64,
        other_sum / other_count as f64,
    );
    assert!(
        linked_mean * 2.0 < other_mean,
        "{linked_mean} vs {other_mean}"
    );
}

#[test]
fn heavy_links_pull_harder() {
    // A square 0-1-2-3-0 with one heavy side: its ends end closer than those of the light ones.
    let mut chart = weighted_chart(4, &[(0, 1, 50), (1, 2, 1), (2, 3, 1), (3, 0, 1)]);
    lay_out(&mut chart);
    let heavy = distance(&chart, 0, 1);
    for (a, b) in [(1, 2), (2, 3), (3, 0)] {
        assert!(heavy < distance(&chart, a, b) * 0.8, "{heavy} vs {a}-{b}");
    }
}

#[test]
fn components_are_packed_without_overlapping() {
    // A clique pair, a triangle, a pair, and two loners, interleaved in the node order.
    let mut chart = two_cliques();
    let first_extra = chart.nodes.len();
    for index in first_extra..first_extra + 7 {
        chart
            .nodes
            .push(node(index, PHONE, &format!("phone {index}")));
    }
    for (a, b) in [(10, 12), (12, 14), (14, 10), (11, 15)] {
        chart.edges.push(ChartEdge {
            source: a,
            target: b,
            kinds: vec![LinkKind::UsesPhone],
            weight: 1,
            evidence: Vec::new(),
        });
    }
    lay_out(&mut chart);
    let components: [&[usize]; 5] = [
        &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        &[10, 12, 14],
        &[11, 15],
        &[13],
        &[16],
    ];
    let boxes: Vec<[f32; 4]> = components
        .iter()
        .map(|members| {
            members.iter().fold(
                [f32::MAX, f32::MAX, f32::MIN, f32::MIN],
                |[left, top, right, bottom], &member| {
                    let node = &chart.nodes[member];
                    [
                        left.min(node.x),
                        top.min(node.y),
                        right.max(node.x),
                        bottom.max(node.y),
                    ]
                },
            )
        })
        .collect();
    for (first, a) in boxes.iter().enumerate() {
        for (second, b) in boxes.iter().enumerate().skip(first + 1) {
            let apart = a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1];
            assert!(apart, "components {first} {a:?} and {second} {b:?} overlap");
        }
    }
}

#[test]
fn empty_and_single_node_charts_lay_out() {
    let mut empty = Chart::default();
    lay_out(&mut empty);
    assert!(empty.nodes.is_empty());
    let mut single = chart(1, &[]);
    lay_out(&mut single);
    assert!(single.nodes[0].x.is_finite() && single.nodes[0].y.is_finite());
}

#[test]
fn a_large_chart_lays_out_through_the_quadtree() {
    // One component (a path through all nodes, and chords) of more than the 1,000 nodes the
    // exact push is kept for.
    let mut large = scattered(1_500, 1);
    let path = chart(
        1_500,
        &(0..1_499)
            .map(|index| (index, index + 1))
            .collect::<Vec<_>>(),
    );
    large.edges.extend(path.edges);
    lay_out(&mut large);
    let mut spots: Vec<(i64, i64)> = large
        .nodes
        .iter()
        .map(|node| {
            assert!(node.x.is_finite() && node.y.is_finite());
            ((node.x * 10.0) as i64, (node.y * 10.0) as i64)
        })
        .collect();
    spots.sort_unstable();
    spots.dedup();
    assert_eq!(spots.len(), large.nodes.len(), "two nodes share a spot");
}

// Measures.

fn betweenness(chart: &Chart) -> Vec<f32> {
    chart.nodes.iter().map(|node| node.betweenness).collect()
}

fn assert_close(actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-5, "{actual:?} != {expected:?}");
    }
}

#[test]
fn a_star_centre_lies_on_every_path() {
    let mut star = chart(5, &[(0, 1), (0, 2), (0, 3), (4, 0)]);
    measure(&mut star);
    let degrees: Vec<u32> = star.nodes.iter().map(|node| node.degree).collect();
    assert_eq!(degrees, [4, 1, 1, 1, 1]);
    assert_close(&betweenness(&star), &[1.0, 0.0, 0.0, 0.0, 0.0]);
    assert!(star.nodes.iter().all(|node| node.community == 0));
}

#[test]
fn a_path_is_most_between_in_the_middle() {
    let mut path = chart(5, &[(0, 1), (1, 2), (2, 3), (3, 4)]);
    measure(&mut path);
    let degrees: Vec<u32> = path.nodes.iter().map(|node| node.degree).collect();
    assert_eq!(degrees, [1, 2, 2, 2, 1]);
    // Of the 6 pairs of the other four: node 1 lies between 0 and 2, 3, 4; node 2 between 0 or
    // 1 and 3 or 4.
    assert_close(&betweenness(&path), &[0.0, 0.5, 4.0 / 6.0, 0.5, 0.0]);
}

#[test]
fn two_cliques_joined_by_a_bridge_are_two_communities() {
    let mut chart = two_cliques();
    measure(&mut chart);
    let communities: Vec<u32> = chart.nodes.iter().map(|node| node.community).collect();
    assert_eq!(communities, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // Every path between the cliques crosses 4 and 5: 4 lies between its 4 clique mates and
    // the 5 of the other side, 20 of the 36 pairs it can lie between.
    let values = betweenness(&chart);
    assert_close(&values[4..6], &[20.0 / 36.0, 20.0 / 36.0]);
    let highest = values.iter().copied().fold(0.0, f32::max);
    assert_eq!(values[4], highest);
    assert!(
        values
            .iter()
            .enumerate()
            .all(|(index, &value)| index == 4 || index == 5 || value < highest)
    );
    assert_eq!(chart.nodes[4].degree, 5);
}

#[test]
fn communities_are_numbered_by_size_then_lowest_index() {
    // A triangle 0-2, a loner 3, a four-clique 4-7 and another triangle 8-10.
    let mut links = vec![(0, 1), (1, 2), (0, 2), (8, 9), (9, 10), (8, 10)];
    for a in 4..8 {
        for b in a + 1..8 {
            links.push((a, b));
        }
    }
    let mut chart = chart(11, &links);
    measure(&mut chart);
    let communities: Vec<u32> = chart.nodes.iter().map(|node| node.community).collect();
    assert_eq!(communities, [1, 1, 1, 3, 0, 0, 0, 0, 2, 2, 2]);
}

#[test]
fn self_links_parallel_links_and_stray_ends_are_ignored() {
    let mut chart = chart(3, &[(0, 1), (1, 0), (1, 1), (1, 2), (2, 7)]);
    measure(&mut chart);
    let degrees: Vec<u32> = chart.nodes.iter().map(|node| node.degree).collect();
    assert_eq!(degrees, [1, 2, 1]);
    assert_close(&betweenness(&chart), &[0.0, 1.0, 0.0]);
}

/// Betweenness by listing every shortest path between every pair and counting those through
/// each node, normalised by the pairs of the other nodes.
fn brute_force_betweenness(count: usize, links: &BTreeSet<(usize, usize)>) -> Vec<f64> {
    let linked = |a: usize, b: usize| links.contains(&(a.min(b), a.max(b)));
    let mut between = vec![0.0; count];
    for source in 0..count {
        for target in source + 1..count {
            // Breadth-first, every path at once: extend each path by each unvisited neighbour.
            let mut paths = vec![vec![source]];
            let mut shortest = Vec::new();
            while shortest.is_empty() && !paths.is_empty() {
                paths = paths
                    .iter()
                    .flat_map(|path| {
                        (0..count)
                            .filter(|&next| {
                                linked(*path.last().unwrap(), next) && !path.contains(&next)
                            })
                            .map(|next| [path.clone(), vec![next]].concat())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                shortest = paths
                    .iter()
                    .filter(|path| path.last() == Some(&target))
                    .cloned()
                    .collect();
            }
            for path in &shortest {
                for &inner in &path[1..path.len() - 1] {
                    between[inner] += 1.0 / shortest.len() as f64;
                }
            }
        }
    }
    let pairs = ((count as f64 - 1.0) * (count as f64 - 2.0) / 2.0).max(1.0);
    between.into_iter().map(|value| value / pairs).collect()
}

proptest! {
    #[test]
    fn betweenness_counts_shortest_paths(
        count in 1_usize..9,
        raw_links in prop::collection::vec((0_u32..9, 0_u32..9), 0..24),
    ) {
        let links: Vec<(u32, u32)> = raw_links
            .into_iter()
            .map(|(a, b)| (a % count as u32, b % count as u32))
            .collect();
        let mut measured = chart(count, &links);
        measure(&mut measured);
        let distinct: BTreeSet<(usize, usize)> = links
            .iter()
            .filter(|(a, b)| a != b)
            .map(|&(a, b)| (a.min(b) as usize, a.max(b) as usize))
            .collect();
        let expected = brute_force_betweenness(count, &distinct);
        for (node, expected) in measured.nodes.iter().zip(expected) {
            prop_assert!((f64::from(node.betweenness) - expected).abs() < 1e-5,
                "{} != {expected}", node.betweenness);
        }
        for (index, node) in measured.nodes.iter().enumerate() {
            let neighbours = distinct.iter().filter(|&&(a, b)| a == index || b == index).count();
            prop_assert_eq!(node.degree as usize, neighbours);
        }
    }

    #[test]
    fn communities_stay_within_components_and_are_numbered_by_size(
        count in 1_usize..30,
        raw_links in prop::collection::vec((0_u32..30, 0_u32..30, 1_u32..5), 0..60),
    ) {
        let links: Vec<(u32, u32, u32)> = raw_links
            .into_iter()
            .map(|(a, b, weight)| (a % count as u32, b % count as u32, weight))
            .collect();
        let mut measured = weighted_chart(count, &links);
        measure(&mut measured);
        let mut again = measured.clone();
        measure(&mut again);
        prop_assert_eq!(&measured, &again);

        // Components by repeated relaxation: each node takes the lowest label among its links.
        let mut component: Vec<usize> = (0..count).collect();
        loop {
            let mut changed = false;
            for &(a, b, _) in &links {
                let (a, b) = (a as usize, b as usize);
                let lowest = component[a].min(component[b]);
                changed |= component[a] != lowest || component[b] != lowest;
                component[a] = lowest;
                component[b] = lowest;
            }
            if !changed { break; }
        }
        let community: Vec<usize> =
            measured.nodes.iter().map(|node| node.community as usize).collect();
        for a in 0..count {
            for b in 0..count {
                if community[a] == community[b] {
                    prop_assert_eq!(component[a], component[b]);
                }
            }
        }
        let numbers = community.iter().max().map_or(0, |&last| last + 1);
        let sizes: Vec<usize> = (0..numbers)
            .map(|number| community.iter().filter(|&&c| c == number).count())
            .collect();
        let firsts: Vec<usize> = (0..numbers)
            .map(|number| community.iter().position(|&c| c == number).unwrap())
            .collect();
        for number in 1..numbers {
            prop_assert!(sizes[number] > 0);
            prop_assert!(sizes[number - 1] > sizes[number]
                || (sizes[number - 1] == sizes[number] && firsts[number - 1] < firsts[number]),
                "{sizes:?} {firsts:?}");
        }
    }
}

// Exports.

const AWKWARD_NAME: &str = "Smith <&\"> 'Ltd'";

/// A measured, laid-out chart with an awkward name, an analyst's relation, evidence and
/// left-out counts.
fn exported_chart() -> Chart {
    let mut chart = two_cliques();
    chart.nodes[3].name = AWKWARD_NAME.to_owned();
    chart.nodes[7].kind = NodeKind::Photo;
    chart.nodes[8].name = "a name far longer than any label should ever be drawn".to_owned();
    chart.edges[0].kinds = vec![LinkKind::CoMention, LinkKind::Family];
    chart.edges[0].weight = 12;
    chart.edges[0].evidence = vec![
        RecordId::from_str("01890a5d-ac96-774b-bcce-b302099a8057").unwrap(),
        RecordId::from_str("01890a5d-ac96-774b-bcce-b302099a8058").unwrap(),
    ];
    chart.nodes_left_out = 4;
    chart.edges_left_out = 9;
    lay_out(&mut chart);
    measure(&mut chart);
    chart
}

#[derive(Default)]
struct GraphMl {
    keys: Vec<BTreeMap<String, String>>,
    graph: BTreeMap<String, String>,
    nodes: Vec<(String, BTreeMap<String, String>)>,
    edges: Vec<(String, String, BTreeMap<String, String>)>,
}

fn parse_graphml(xml: &str) -> GraphMl {
    let mut reader = Reader::from_str(xml);
    let mut parsed = GraphMl::default();
    let mut inside = "graph";
    loop {
        match reader.read_event().unwrap() {
            Event::Start(element) | Event::Empty(element) => {
                let attributes: BTreeMap<String, String> = element
                    .attributes()
                    .map(|attribute| {
                        let attribute = attribute.unwrap();
                        let value = attribute.normalized_value(XmlVersion::Implicit1_0).unwrap();
                        (attribute.key.as_ref().to_owned(), value.into_owned())
                    })
                    .collect();
                match element.name().as_ref() {
                    "key" => parsed.keys.push(attributes),
                    "node" => {
                        inside = "node";
                        parsed
                            .nodes
                            .push((attributes["id"].clone(), BTreeMap::new()));
                    }
                    "edge" => {
                        inside = "edge";
                        let (source, target) =
                            (attributes["source"].clone(), attributes["target"].clone());
                        parsed.edges.push((source, target, BTreeMap::new()));
                    }
                    "data" => {
                        let raw = reader.read_text(element.name()).unwrap();
                        let value = quick_xml::escape::unescape(&raw).unwrap().into_owned();
                        let key = attributes["key"].clone();
                        let values = match inside {
                            "node" => &mut parsed.nodes.last_mut().unwrap().1,
                            "edge" => &mut parsed.edges.last_mut().unwrap().2,
                            _ => &mut parsed.graph,
                        };
                        values.insert(key, value);
                    }
                    _ => {}
                }
            }
            Event::End(element) if matches!(element.name().as_ref(), "node" | "edge") => {
                inside = "graph"
            }
            Event::Eof => break,
            _ => {}
        }
    }
    parsed
}

#[test]
fn graphml_reads_back_with_every_attribute() {
    let chart = exported_chart();
    let parsed = parse_graphml(&to_graphml(&chart));

    let declared: BTreeSet<(String, String)> = parsed
        .keys
        .iter()
        .map(|key| (key["for"].clone(), key["id"].clone()))
        .collect();
    for node_key in [
        "kind",
        "name",
        "records",
        "x",
        "y",
        "degree",
        "betweenness",
        "community",
    ] {
        assert!(
            declared.contains(&("node".to_owned(), node_key.to_owned())),
            "{node_key}"
        );
    }
    for edge_key in ["kinds", "weight", "evidence"] {
        assert!(
            declared.contains(&("edge".to_owned(), edge_key.to_owned())),
            "{edge_key}"
        );
    }
    let ids: BTreeSet<&String> = parsed.keys.iter().map(|key| &key["id"]).collect();
    assert_eq!(ids.len(), parsed.keys.len(), "key ids must be unique");

    assert_eq!(parsed.graph["nodes_left_out"], "4");
    assert_eq!(parsed.graph["edges_left_out"], "9");
    assert_eq!(parsed.nodes.len(), chart.nodes.len());
    assert_eq!(parsed.edges.len(), chart.edges.len());
    for ((id, values), node) in parsed.nodes.iter().zip(&chart.nodes) {
        assert_eq!(id, &node.id);
        assert_eq!(values["kind"], node.kind.as_str());
        assert_eq!(values["name"], node.name);
        assert_eq!(values["records"], node.records.to_string());
        assert_eq!(values["x"].parse::<f32>().unwrap(), node.x);
        assert_eq!(values["y"].parse::<f32>().unwrap(), node.y);
        assert_eq!(values["degree"], node.degree.to_string());
        assert_eq!(
            values["betweenness"].parse::<f32>().unwrap(),
            node.betweenness
        );
        assert_eq!(values["community"], node.community.to_string());
    }
    assert_eq!(parsed.nodes[3].1["name"], AWKWARD_NAME);
    for ((source, target, values), edge) in parsed.edges.iter().zip(&chart.edges) {
        assert_eq!(source, &chart.nodes[edge.source as usize].id);
        assert_eq!(target, &chart.nodes[edge.target as usize].id);
        assert_eq!(values["weight"], edge.weight.to_string());
    }
    let first = &parsed.edges[0].2;
    assert_eq!(first["kinds"], "co_mention family");
    assert_eq!(
        first["evidence"],
        "01890a5d-ac96-774b-bcce-b302099a8057 01890a5d-ac96-774b-bcce-b302099a8058"
    );
}

#[test]
fn graphml_replaces_characters_xml_cannot_hold() {
    let mut chart = chart(1, &[]);
    chart.nodes[0].name = "bell\u{7}<".to_owned();
    let parsed = parse_graphml(&to_graphml(&chart));
    assert_eq!(parsed.nodes[0].1["name"], "bell\u{fffd}<");
}

#[test]
fn svg_names_every_node_and_says_what_was_left_out() {
    let chart = exported_chart();
    let svg = to_svg(&chart);
    for node in &chart.nodes {
        let escaped = quick_xml::escape::escape(node.name.as_str());
        assert!(
            svg.contains(&format!("<title>{escaped}</title>")),
            "{}",
            node.name
        );
    }
    assert!(svg.contains("Smith &lt;&amp;&quot;&gt; &apos;Ltd&apos;"));
    assert!(!svg.contains(AWKWARD_NAME));
    // The long name is cut in its label, whole in its tooltip.
    assert!(svg.contains(">a name far longer than any labe…</text>"));
    assert!(
        svg.contains("10 nodes, 21 links (4 nodes and 9 links left out by the chart&apos;s limit)")
    );
    for legend in [
        ">person</text>",
        ">photo</text>",
        ">found in records</text>",
        ">stated by an analyst</text>",
    ] {
        assert!(svg.contains(legend), "{legend}");
    }
    assert!(
        !svg.contains(">phone</text>"),
        "only kinds in the chart are in the legend"
    );

    // The view box holds every node.
    let view_box: Vec<f32> = svg
        .split("viewBox=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .split(' ')
        .map(|number| number.parse().unwrap())
        .collect();
    for node in &chart.nodes {
        assert!(node.x > view_box[0] && node.x < view_box[0] + view_box[2]);
        assert!(node.y > view_box[1] && node.y < view_box[1] + view_box[3]);
    }
    // Without anything left out, the caption says nothing of it.
    let mut whole = chart.clone();
    (whole.nodes_left_out, whole.edges_left_out) = (0, 0);
    assert!(!to_svg(&whole).contains("left out"));
}

#[test]
fn png_is_drawn_at_the_width_asked_for() {
    let chart = exported_chart();
    let png = to_png(&chart, 640).unwrap();
    let picture = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_rgba8();
    assert_eq!(picture.width(), 640);
    assert!(picture.height() > 0);
    let drawn = picture
        .pixels()
        .filter(|pixel| pixel.0 != [255, 255, 255, 255])
        .count();
    assert!(drawn > 1_000, "only {drawn} pixels drawn");
    // Dark text pixels: labels and the caption were drawn with the bundled font.
    let dark = picture
        .pixels()
        .filter(|pixel| pixel.0[..3].iter().all(|&c| c < 80))
        .count();
    assert!(dark > 500, "only {dark} dark pixels");
}

#[test]
fn png_refuses_sizes_it_cannot_draw() {
    let exported = exported_chart();
    assert!(matches!(
        to_png(&exported, 0),
        Err(Error::ImageSize { width: 0, .. })
    ));
    assert!(matches!(
        to_png(&exported, MAX_IMAGE_SIDE + 1),
        Err(Error::ImageSize { .. })
    ));
    // A single column of nodes is far taller than wide.
    let mut tower = chart(40, &[]);
    for (index, node) in tower.nodes.iter_mut().enumerate() {
        node.name = String::new();
        node.y = index as f32 * 1_000.0;
    }
    assert!(matches!(
        to_png(&tower, 4_000),
        Err(Error::ImageSize { .. })
    ));
    assert!(to_png(&Chart::default(), 100).is_ok());
}
