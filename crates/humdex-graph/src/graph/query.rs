//! Queries: what one caller may see of the graph. Every query walks only visible links between
//! visible nodes, so nothing hidden shapes an answer, not even its order or its counts.

use std::cmp::Reverse;

use humdex_model::RecordId;
use rustc_hash::FxHashMap;
use serde::Serialize;
use smallvec::SmallVec;

use super::links::Neighbour;
use super::marks::Marks;
use super::{EntitySummary, Graph, Sight, dense};
use crate::chart::{Chart, ChartEdge, ChartNode, LinkKind, NodeKind};
use crate::label::Visibility;

/// The deepest neighbourhood asked for; a fourth ring around a hub is most of the graph.
const MAX_DEPTH: u32 = 3;
/// The most hops a chart expands its seeds by.
const MAX_EXPAND: u32 = 2;
/// The longest path looked for.
const MAX_PATH_DEPTH: u32 = 6;
/// A mark for a node the caller may not see, so it is judged once per query.
const HIDDEN: u32 = u32::MAX;
/// How many small nodes' lists a scan of many reads side by side: enough misses in flight to
/// hide memory latency, few enough to stay in registers and the first-level cache.
const SCAN_BATCH: usize = 16;

/// The shortest paths between two entities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paths {
    /// The nodes on the paths listed (by distance from the first entity, then id) and the links
    /// among them; what the cap left out of the shortest paths is counted in it.
    pub chart: Chart,
    /// Each path as indices into `chart.nodes`, from the first entity to the second.
    pub paths: Vec<Vec<u32>>,
    /// Whether there are more shortest paths than listed.
    pub more: bool,
}

/// A node reached by a walk, with its distance from the starts and the weight of its links to
/// the ring before it.
#[derive(Debug, Clone, Copy)]
struct Reached {
    node: u32,
    distance: u32,
    weight: u32,
}

/// The nodes within some hops of the starts.
struct Ball {
    reached: Vec<Reached>,
    /// Visible links among them with an end short of the last ring.
    inner_links: u64,
    /// Where the last ring starts in `reached`.
    last_ring: usize,
}

impl Graph {
    /// What a caller may see of an entity's node; `None` if no mention of it is visible.
    pub fn entity(&self, visibility: &Visibility, id: &str) -> Option<EntitySummary> {
        let node = self.visible_node_of(visibility, id)?;
        Some(self.summary(visibility, node))
    }

    /// The records the caller may see mention the entity's node, in id order.
    pub fn records_of(&self, visibility: &Visibility, entity: &str) -> Vec<RecordId> {
        let Some(node) = self.visible_node_of(visibility, entity) else {
            return Vec::new();
        };
        let mut records: Vec<RecordId> = self
            .members_of(&node)
            .iter()
            .filter_map(|&member| self.entities.get(member as usize))
            .flat_map(|member| member.mentions.iter())
            .filter(|&&(_, label)| visibility.sees(label))
            .filter_map(|&(record, _)| self.record_id(record))
            .collect();
        records.sort_unstable();
        records.dedup();
        records
    }

    /// The nodes (by id) a record mentions where the caller may see the mention, in id order.
    pub fn entities_of(&self, visibility: &Visibility, record: RecordId) -> Vec<String> {
        let mut ids: Vec<String> = self
            .visible_nodes_in(visibility, record)
            .map(|node| self.entity_id(node).to_owned())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The nodes within `depth` hops (at most 3) of an entity, at most `limit` of them; `None` if
    /// the caller may not see it.
    ///
    /// Nodes come start first, then by distance; within a ring by the weight of their links to
    /// the ring before (the visible records supporting them), then by id. (Ranking ties by how
    /// many records mention each node would mean counting them for every node of a hub's
    /// neighbourhood, not only for those shown.) The chart holds every visible link among its
    /// nodes, and counts the nodes of the neighbourhood the limit left out and the links that
    /// touch them.
    pub fn neighbourhood(
        &self,
        visibility: &Visibility,
        entity: &str,
        depth: u32,
        limit: usize,
    ) -> Option<Chart> {
        let start = self.visible_node_of(visibility, entity)?;
        Some(self.chart_around(visibility, &[start], depth.min(MAX_DEPTH), limit, 0))
    }

    /// A chart of seed entities and the entities of some records (where the caller may see their
    /// mention), expanded by `expand` hops (at most 2), ordered as [`Graph::neighbourhood`]
    /// orders (all seeds at distance 0) and paged: `limit` nodes from `offset`. The left-out
    /// counts say how many nodes, and links touching them, are not on this page. Seeds the caller
    /// may not see are ignored.
    pub fn chart(
        &self,
        visibility: &Visibility,
        seeds: &[String],
        records: &[RecordId],
        expand: u32,
        limit: usize,
        offset: usize,
    ) -> Chart {
        let mut starts: Vec<u32> = seeds
            .iter()
            .filter_map(|seed| self.visible_node_of(visibility, seed))
            .collect();
        for &record in records {
            starts.extend(self.visible_nodes_in(visibility, record));
        }
        self.chart_around(visibility, &starts, expand.min(MAX_EXPAND), limit, offset)
    }

    /// All shortest paths of at most `max_depth` hops (at most 6) between two entities, at most
    /// `max_paths` of them (in order of the ids along them); `None` if the caller may not see
    /// either entity. With no path, the chart holds the two entities alone.
    pub fn paths(
        &self,
        visibility: &Visibility,
        from: &str,
        to: &str,
        max_depth: u32,
        max_paths: usize,
    ) -> Option<Paths> {
        let source = self.visible_node_of(visibility, from)?;
        let target = self.visible_node_of(visibility, to)?;
        if source == target {
            let records = self.visible_records(visibility, source);
            return Some(Paths {
                chart: Chart {
                    nodes: vec![self.chart_node(visibility, source, 0, records)],
                    ..Chart::default()
                },
                paths: if max_paths > 0 {
                    vec![vec![0]]
                } else {
                    Vec::new()
                },
                more: max_paths == 0,
            });
        }
        let nodes = self.entities.len();
        let mut forward = self.marks.take(nodes);
        let mut backward = self.marks.take(nodes);
        forward.set(source, 0);
        backward.set(target, 0);
        let mut forward_layers = vec![vec![source]];
        let mut backward_layers = vec![vec![target]];
        let mut meeting = Vec::new();
        // Bidirectional: each step grows whichever side has the smaller frontier by one whole
        // ring, until the sides touch. Every shortest path then crosses the last ring grown at a
        // node both sides reached (see `dag`).
        while meeting.is_empty()
            && forward_layers.len() + backward_layers.len() - 2
                < max_depth.min(MAX_PATH_DEPTH) as usize
        {
            let forward_size = forward_layers.last().map_or(0, Vec::len);
            let backward_size = backward_layers.last().map_or(0, Vec::len);
            let (layers, marks, other) = if forward_size <= backward_size {
                (&mut forward_layers, &mut *forward, &*backward)
            } else {
                (&mut backward_layers, &mut *backward, &*forward)
            };
            let depth = dense(layers.len());
            let ring = self.grow(
                visibility,
                layers.last().map_or(&[], Vec::as_slice),
                depth,
                marks,
                other,
                &mut meeting,
            );
            if ring.is_empty() {
                break;
            }
            layers.push(ring);
        }
        if meeting.is_empty() {
            let records = [source, target].map(|node| self.visible_records(visibility, node));
            return Some(Paths {
                chart: Chart {
                    nodes: vec![
                        self.chart_node(visibility, source, 0, records[0]),
                        self.chart_node(visibility, target, 0, records[1]),
                    ],
                    ..Chart::default()
                },
                paths: Vec::new(),
                more: false,
            });
        }
        let length = forward_layers.len() + backward_layers.len() - 2;
        let dag = self.dag(visibility, &meeting, &forward, &backward, dense(length));
        drop((forward, backward));
        Some(self.paths_chart(visibility, &dag, source, target, max_paths))
    }

    /// The visible neighbours of an entity that are identifiers (phone, email, url, crypto wallet,
    /// handle, plate, photo), by id: what merge suggestions compare.
    pub fn identifiers(&self, visibility: &Visibility, entity: &str) -> Vec<String> {
        let Some(node) = self.visible_node_of(visibility, entity) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = self
            .links
            .neighbours(node)
            .iter()
            .filter(|entry| {
                self.face(entry.node)
                    .is_some_and(|(kind, _)| is_identifier(kind))
                    && self.visible_node(visibility, entry.node)
                    && self.links.visible(visibility, **entry)
            })
            .map(|entry| self.entity_id(entry.node).to_owned())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Every node of the given kinds the caller may see, by id.
    pub fn nodes(&self, visibility: &Visibility, kinds: &[NodeKind]) -> Vec<EntitySummary> {
        let mut nodes: Vec<EntitySummary> = (0..dense(self.entities.len()))
            .filter(|&slot| {
                self.canonical(slot) == slot
                    && self
                        .face(slot)
                        .is_some_and(|(kind, _)| kinds.contains(&kind))
                    && self.visible_node(visibility, slot)
            })
            .map(|node| self.summary(visibility, node))
            .collect();
        nodes.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        nodes
    }

    fn visible_node(&self, visibility: &Visibility, node: u32) -> bool {
        match self.sight.get(node as usize) {
            Some(Sight::AllPublic | Sight::SomePublic) => true,
            Some(Sight::Labelled) => self
                .entities
                .get(node as usize)
                .is_some_and(|node| node.labels.iter().any(|&(label, _)| visibility.sees(label))),
            Some(Sight::Nobody) | None => false,
        }
    }

    /// The node of an entity, if the caller may see it.
    fn visible_node_of(&self, visibility: &Visibility, entity: &str) -> Option<u32> {
        let node = self.canonical(self.entity_slot(entity)?);
        self.visible_node(visibility, node).then_some(node)
    }

    /// The nodes of the mentions of a record the caller may see, with repeats.
    fn visible_nodes_in(
        &self,
        visibility: &Visibility,
        record: RecordId,
    ) -> impl Iterator<Item = u32> {
        self.record_ids
            .get(&record)
            .and_then(|&slot| self.records.get(slot as usize))
            .into_iter()
            .flat_map(|record| record.mentions.iter())
            .filter(|&&(_, label)| visibility.sees(label))
            .map(|&(entity, _)| self.canonical(entity))
    }

    fn record_id(&self, record: u32) -> Option<RecordId> {
        self.records.get(record as usize).map(|record| record.id)
    }

    /// The entities of a node.
    fn members_of<'a>(&'a self, node: &'a u32) -> &'a [u32] {
        self.members
            .get(node)
            .map_or(std::slice::from_ref(node), Vec::as_slice)
    }

    /// A node's kind and name: its own entity's, or (should no input have named that one) the
    /// first member's that has them.
    fn face(&self, node: u32) -> Option<(NodeKind, &str)> {
        let named = |entity: &u32| {
            let (kind, name) = self.entities.get(*entity as usize)?.face.as_ref()?;
            Some((*kind, &**name))
        };
        named(&node).or_else(|| self.members_of(&node).iter().find_map(named))
    }

    /// How many records the caller may see mention the node.
    fn visible_records(&self, visibility: &Visibility, node: u32) -> u32 {
        match self.members_of(&node) {
            [only] => {
                if visibility.sees_everything()
                    || self.sight.get(*only as usize) == Some(&Sight::AllPublic)
                {
                    return self
                        .ranks
                        .get(*only as usize)
                        .map_or(0, |rank| rank.records);
                }
                self.entities.get(*only as usize).map_or(0, |entity| {
                    entity
                        .needs
                        .iter()
                        .filter(|&&(need, _)| visibility.meets(need))
                        .map(|&(_, count)| count)
                        .sum()
                })
            }
            members => {
                let mut records: Vec<u32> = members
                    .iter()
                    .filter_map(|&member| self.entities.get(member as usize))
                    .flat_map(|member| member.mentions.iter())
                    .filter(|&&(_, label)| visibility.sees(label))
                    .map(|&(record, _)| record)
                    .collect();
                records.sort_unstable();
                records.dedup();
                dense(records.len())
            }
        }
    }

    /// The kind and name a caller is shown for a node. A merged node's own name may come only
    /// from records the caller may not see, so it shows the first member (itself first) with a
    /// mention they may see.
    fn shown_face(&self, visibility: &Visibility, node: u32) -> (NodeKind, &str) {
        let members = self.members_of(&node);
        if members.len() > 1 && !visibility.sees_everything() {
            let seen = |entity: &&u32| {
                self.entities.get(**entity as usize).is_some_and(|member| {
                    member
                        .mentions
                        .iter()
                        .any(|&(_, label)| visibility.sees(label))
                })
            };
            let named = |entity: &u32| {
                let (kind, name) = self.entities.get(*entity as usize)?.face.as_ref()?;
                Some((*kind, &**name))
            };
            if let Some(face) = std::iter::once(&node)
                .chain(members)
                .filter(seen)
                .find_map(named)
            {
                return face;
            }
        }
        self.face(node).unwrap_or(UNNAMED)
    }

    fn summary(&self, visibility: &Visibility, node: u32) -> EntitySummary {
        let (kind, name) = self.shown_face(visibility, node);
        let mut merged: Vec<String> = self
            .members_of(&node)
            .iter()
            .filter(|&&member| member != node)
            .filter_map(|&member| self.entities.get(member as usize))
            .filter(|member| {
                member
                    .mentions
                    .iter()
                    .any(|&(_, label)| visibility.sees(label))
            })
            .map(|member| member.id.to_string())
            .collect();
        merged.sort_unstable();
        EntitySummary {
            id: self.entity_id(node).to_owned(),
            kind,
            name: name.to_owned(),
            records: self.visible_records(visibility, node),
            merged,
            excluded: self.is_excluded(node),
        }
    }

    fn chart_node(
        &self,
        visibility: &Visibility,
        node: u32,
        distance: u32,
        records: u32,
    ) -> ChartNode {
        let (kind, name) = self.shown_face(visibility, node);
        ChartNode {
            id: self.entity_id(node).to_owned(),
            kind,
            name: name.to_owned(),
            records,
            distance,
            x: 0.0,
            y: 0.0,
            degree: 0,
            betweenness: 0.0,
            community: 0,
        }
    }

    /// A chart edge for a visible link: its visible kinds, weight and evidence.
    fn chart_edge(
        &self,
        visibility: &Visibility,
        source: u32,
        target: u32,
        link: u32,
    ) -> ChartEdge {
        let mut kinds = 0u16;
        let mut records: SmallVec<[u32; 4]> = SmallVec::new();
        for evidence in self
            .links
            .get(link)
            .into_iter()
            .flat_map(|link| link.evidence.iter())
        {
            if evidence.visible(visibility) {
                kinds |= 1 << kind_bit(evidence.kind);
                records.extend(evidence.records());
            }
        }
        records.sort_unstable();
        records.dedup();
        let mut evidence: Vec<RecordId> = records
            .iter()
            .filter_map(|&record| self.record_id(record))
            .collect();
        evidence.sort_unstable();
        let weight = dense(evidence.len());
        evidence.truncate(Chart::EVIDENCE_SHOWN);
        let mut shown = Vec::with_capacity(kinds.count_ones() as usize);
        shown.extend(
            LinkKind::ALL
                .into_iter()
                .filter(|&kind| kinds & (1 << kind_bit(kind)) != 0),
        );
        ChartEdge {
            source,
            target,
            kinds: shown,
            weight,
            evidence,
        }
    }

    /// The chart of the nodes within `depth` hops of `starts`, paged.
    fn chart_around(
        &self,
        visibility: &Visibility,
        starts: &[u32],
        depth: u32,
        limit: usize,
        offset: usize,
    ) -> Chart {
        let ball = self.ball(
            visibility,
            starts,
            depth,
            &mut self.marks.take(self.entities.len()),
        );
        let page = self.page(visibility, &ball.reached, offset, limit);
        let page_nodes: Vec<u32> = page.iter().map(|&(reached, _)| reached.node).collect();
        let mut chart = Chart {
            nodes: page
                .iter()
                .map(|&(reached, records)| {
                    self.chart_node(visibility, reached.node, reached.distance, records)
                })
                .collect(),
            edges: self.edges_among(visibility, &page_nodes),
            ..Chart::default()
        };
        chart.nodes_left_out = (ball.reached.len() - page.len()) as u64;
        // Only a partial page needs the links among the last ring, which the walk did not see.
        if chart.nodes_left_out > 0 {
            let outer = self.outer_links(visibility, &ball);
            let all = ball.inner_links + outer;
            debug_assert!(
                all >= chart.edges.len() as u64,
                "the ball counts every link of the page"
            );
            chart.edges_left_out = all.saturating_sub(chart.edges.len() as u64);
        }
        chart
    }

    /// Breadth-first over visible links to visible nodes, counting the visible links among the
    /// nodes reached that have an end short of the last ring. `marks` hold each reached node's
    /// position in the walk, and [`HIDDEN`] for nodes found hidden.
    fn ball(&self, visibility: &Visibility, starts: &[u32], depth: u32, marks: &mut Marks) -> Ball {
        let mut reached: Vec<Reached> = Vec::new();
        for &start in starts {
            if marks.get(start).is_none() {
                marks.set(start, dense(reached.len()));
                reached.push(Reached {
                    node: start,
                    distance: 0,
                    weight: 0,
                });
            }
        }
        let mut links = 0u64;
        let mut ring = 0..reached.len();
        for distance in 0..depth {
            for position in ring.clone() {
                let Some(&Reached { node, .. }) = reached.get(position) else {
                    continue;
                };
                for &entry in self.links.neighbours(node) {
                    match marks.get(entry.node) {
                        Some(HIDDEN) => {}
                        Some(found) => {
                            let Some(found) = reached.get_mut(found as usize) else {
                                continue;
                            };
                            // Each link once: from its end nearer the starts, or its lower slot.
                            if found.distance < distance
                                || (found.distance == distance && entry.node < node)
                            {
                                continue;
                            }
                            if found.distance == distance + 1 {
                                let weight = self.links.weight(visibility, entry);
                                if weight > 0 {
                                    links += 1;
                                    found.weight += weight;
                                }
                            } else if self.links.visible(visibility, entry) {
                                links += 1;
                            }
                        }
                        None => {
                            if !self.visible_node(visibility, entry.node) {
                                marks.set(entry.node, HIDDEN);
                                continue;
                            }
                            let weight = self.links.weight(visibility, entry);
                            if weight > 0 {
                                links += 1;
                                marks.set(entry.node, dense(reached.len()));
                                reached.push(Reached {
                                    node: entry.node,
                                    distance: distance + 1,
                                    weight,
                                });
                            }
                        }
                    }
                }
            }
            ring = ring.end..reached.len();
        }
        Ball {
            reached,
            inner_links: links,
            last_ring: ring.start,
        }
    }

    /// The visible links between two nodes of the ball's last ring.
    fn outer_links(&self, visibility: &Visibility, ball: &Ball) -> u64 {
        let outer: Vec<u32> = ball
            .reached
            .get(ball.last_ring..)
            .unwrap_or(&[])
            .iter()
            .map(|reached| reached.node)
            .collect();
        self.count_links_among(visibility, &outer)
    }

    /// The reached nodes from `offset` to `offset + limit` in chart order (distance, then weight
    /// to the ring before, then id), each with its visible records. Only the nodes on the page
    /// are sorted, after a selection finds them, and only they are counted records for: a page of
    /// a huge neighbourhood costs little more than the walk.
    fn page(
        &self,
        visibility: &Visibility,
        reached: &[Reached],
        offset: usize,
        limit: usize,
    ) -> Vec<(Reached, u32)> {
        let wanted = offset.saturating_add(limit).min(reached.len());
        if wanted == 0 {
            return Vec::new();
        }
        // Ids compare by their first eight bytes as a number, and in full only on a tie: ranking
        // reads no id but the few that share a prefix.
        let mut ranked: Vec<(Reached, u64)> = reached
            .iter()
            .map(|&reached| {
                (
                    reached,
                    self.ranks
                        .get(reached.node as usize)
                        .map_or(0, |rank| rank.id_prefix),
                )
            })
            .collect();
        let order = |(a, a_prefix): &(Reached, u64), (b, b_prefix): &(Reached, u64)| {
            (a.distance, Reverse(a.weight), a_prefix)
                .cmp(&(b.distance, Reverse(b.weight), b_prefix))
                .then_with(|| self.entity_id(a.node).cmp(self.entity_id(b.node)))
        };
        if wanted < ranked.len() {
            ranked.select_nth_unstable_by(wanted - 1, order);
            ranked.truncate(wanted);
        }
        ranked.sort_unstable_by(order);
        ranked
            .into_iter()
            .skip(offset)
            .map(|(reached, _)| (reached, self.visible_records(visibility, reached.node)))
            .collect()
    }

    /// The chart edges among `nodes` (indices into it), by source and target.
    fn edges_among(&self, visibility: &Visibility, nodes: &[u32]) -> Vec<ChartEdge> {
        let mut edges = Vec::new();
        self.links_among(visibility, nodes, |a, b, link| {
            edges.push(self.chart_edge(visibility, dense(a.min(b)), dense(a.max(b)), link));
        });
        edges.sort_unstable_by_key(|edge| (edge.source, edge.target));
        edges
    }

    /// How many visible links join two of `nodes`.
    fn count_links_among(&self, visibility: &Visibility, nodes: &[u32]) -> u64 {
        let mut links = 0;
        self.links_among(visibility, nodes, |_, _, _| links += 1);
        links
    }

    /// Calls `each(i, j, link)` once for every visible link between `members[i]` and
    /// `members[j]` (distinct nodes).
    ///
    /// A hub is never scanned for the many small nodes around it: a link between a hub and a
    /// small node is reported by the small node, which scans its short list. Links between hubs
    /// are reported by the one with fewer neighbours, which looks the other up in its index when
    /// that is cheaper than a scan.
    fn links_among(
        &self,
        visibility: &Visibility,
        members: &[u32],
        mut each: impl FnMut(usize, usize, u32),
    ) {
        let mut marks = self.marks.take(self.entities.len());
        for (index, &node) in members.iter().enumerate() {
            marks.set(node, dense(index));
        }
        let index_of = |node: u32| marks.get(node).map(|index| index as usize);
        let mut hubs: Vec<(usize, usize)> = members
            .iter()
            .enumerate()
            .filter(|&(_, &node)| self.links.is_hub(node))
            .map(|(index, &node)| (self.links.neighbours(node).len(), index))
            .collect();
        hubs.sort_unstable();
        // Small nodes scan their lists in batches, slot order, a step of every list at a time:
        // the reads of a batch's adjacencies and of its lists' first entries do not wait on one
        // another, so the processor overlaps their cache misses instead of taking them one node
        // at a time (a hub's neighbourhood scans tens of thousands of lists). Slot order lets
        // neighbouring slots share memory pages.
        let mut in_slot_order: Vec<(u32, usize)> = members
            .iter()
            .copied()
            .zip(0..)
            .filter(|&(node, _)| !self.links.is_hub(node))
            .collect();
        in_slot_order.sort_unstable();
        for batch in in_slot_order.chunks(SCAN_BATCH) {
            let lists: SmallVec<[(&[Neighbour], usize); SCAN_BATCH]> = batch
                .iter()
                .map(|&(node, index)| (self.links.neighbours(node), index))
                .collect();
            let longest = lists.iter().map(|(list, _)| list.len()).max().unwrap_or(0);
            for step in 0..longest {
                for &(list, index) in &lists {
                    if let Some(&entry) = list.get(step)
                        && let Some(other) = index_of(entry.node)
                        && (other > index || self.links.is_hub(entry.node))
                        && self.links.visible(visibility, entry)
                    {
                        each(index, other, entry.link());
                    }
                }
            }
        }
        if hubs.is_empty() {
            return;
        }
        let mut hub_rank = vec![usize::MAX; members.len()];
        for (rank, &(_, index)) in hubs.iter().enumerate() {
            if let Some(slot) = hub_rank.get_mut(index) {
                *slot = rank;
            }
        }
        for (rank, &(degree, index)) in hubs.iter().enumerate() {
            let Some(adjacency) = members
                .get(index)
                .and_then(|&node| self.links.adjacency(node))
            else {
                continue;
            };
            let larger = hubs.get(rank + 1..).unwrap_or(&[]);
            // A hash lookup costs a few list entries' worth of scanning.
            if larger.len().saturating_mul(4) < degree {
                for &(_, other) in larger {
                    if let Some(entry) = members.get(other).and_then(|&node| adjacency.to(node))
                        && self.links.visible(visibility, entry)
                    {
                        each(index, other, entry.link());
                    }
                }
            } else {
                for &entry in &adjacency.list {
                    if let Some(other) = index_of(entry.node)
                        && hub_rank.get(other).is_some_and(|&other_rank| {
                            other_rank != usize::MAX && other_rank > rank
                        })
                        && self.links.visible(visibility, entry)
                    {
                        each(index, other, entry.link());
                    }
                }
            }
        }
    }

    /// Grows one side of the path search by a ring; nodes the other side reached are meetings.
    fn grow(
        &self,
        visibility: &Visibility,
        ring: &[u32],
        depth: u32,
        marks: &mut Marks,
        other: &Marks,
        meeting: &mut Vec<u32>,
    ) -> Vec<u32> {
        let mut next = Vec::new();
        for &node in ring {
            for &entry in self.links.neighbours(node) {
                let neighbour = entry.node;
                if marks.get(neighbour).is_some() || !self.links.visible(visibility, entry) {
                    continue;
                }
                if !self.visible_node(visibility, neighbour) {
                    marks.set(neighbour, HIDDEN);
                    continue;
                }
                marks.set(neighbour, depth);
                next.push(neighbour);
                if other
                    .get(neighbour)
                    .is_some_and(|distance| distance != HIDDEN)
                {
                    meeting.push(neighbour);
                }
            }
        }
        next
    }

    /// The links of all shortest paths, source to target, as (parent, child) pairs, with each
    /// node's distance from the source. Both sides grew whole rings and first touched in the last
    /// one grown, so every shortest path crosses it at a meeting node; the path's two halves are
    /// found walking each side's rings back from the meetings.
    fn dag(
        &self,
        visibility: &Visibility,
        meeting: &[u32],
        forward: &Marks,
        backward: &Marks,
        length: u32,
    ) -> Dag {
        let mut dag = Dag::default();
        let mut meeting = meeting.to_vec();
        meeting.sort_unstable();
        meeting.dedup();
        for (side, marks) in [(Side::Forward, forward), (Side::Backward, backward)] {
            let mut ring = meeting.clone();
            while let Some(distance) = ring
                .first()
                .and_then(|&node| marks.get(node))
                .filter(|&distance| distance > 0 && distance != HIDDEN)
            {
                let mut previous = Vec::new();
                for &node in &ring {
                    let from_source = match side {
                        Side::Forward => distance,
                        Side::Backward => length - distance,
                    };
                    dag.distance.insert(node, from_source);
                    for &entry in self.links.neighbours(node) {
                        if marks.get(entry.node) == Some(distance - 1)
                            && self.links.visible(visibility, entry)
                        {
                            previous.push(entry.node);
                            dag.links.push(match side {
                                Side::Forward => (entry.node, node),
                                Side::Backward => (node, entry.node),
                            });
                        }
                    }
                }
                previous.sort_unstable();
                previous.dedup();
                ring = previous;
            }
            for &node in &ring {
                dag.distance
                    .insert(node, if side == Side::Forward { 0 } else { length });
            }
        }
        dag.links.sort_unstable();
        dag.links.dedup();
        dag
    }

    /// Lists up to `max_paths` paths of the DAG and charts the nodes on them.
    fn paths_chart(
        &self,
        visibility: &Visibility,
        dag: &Dag,
        source: u32,
        target: u32,
        max_paths: usize,
    ) -> Paths {
        let mut children: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for &(parent, child) in &dag.links {
            children.entry(parent).or_default().push(child);
        }
        for list in children.values_mut() {
            list.sort_unstable_by(|&a, &b| self.entity_id(a).cmp(self.entity_id(b)));
        }
        // Paths through each node, counted from the source in order of distance.
        let mut by_distance: Vec<(u32, u32)> = dag
            .distance
            .iter()
            .map(|(&node, &distance)| (distance, node))
            .collect();
        by_distance.sort_unstable();
        let mut count: FxHashMap<u32, u64> = FxHashMap::default();
        count.insert(source, 1);
        for &(_, node) in &by_distance {
            let here = count.get(&node).copied().unwrap_or(0);
            for &child in children.get(&node).into_iter().flatten() {
                let entry = count.entry(child).or_insert(0);
                *entry = entry.saturating_add(here);
            }
        }
        let total = count.get(&target).copied().unwrap_or(0);

        // Depth-first in id order, stopping after `max_paths`.
        let mut paths: Vec<Vec<u32>> = Vec::new();
        let mut stack: Vec<(u32, usize)> = vec![(source, 0)];
        while let Some(&(node, next)) = stack.last() {
            if paths.len() >= max_paths {
                break;
            }
            if node == target {
                paths.push(stack.iter().map(|&(node, _)| node).collect());
                stack.pop();
                continue;
            }
            match children.get(&node).and_then(|list| list.get(next)) {
                Some(&child) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    stack.push((child, 0));
                }
                None => {
                    stack.pop();
                }
            }
        }

        let mut on_paths: Vec<u32> = paths.iter().flatten().copied().collect();
        on_paths.sort_unstable();
        on_paths.dedup();
        let distance_of = |node: u32| dag.distance.get(&node).copied().unwrap_or(0);
        on_paths.sort_unstable_by(|&a, &b| {
            distance_of(a)
                .cmp(&distance_of(b))
                .then_with(|| self.entity_id(a).cmp(self.entity_id(b)))
        });
        let index: FxHashMap<u32, u32> = on_paths
            .iter()
            .zip(0..)
            .map(|(&node, index)| (node, index))
            .collect();
        let mut chart = Chart {
            nodes: on_paths
                .iter()
                .map(|&node| {
                    self.chart_node(
                        visibility,
                        node,
                        distance_of(node),
                        self.visible_records(visibility, node),
                    )
                })
                .collect(),
            ..Chart::default()
        };
        chart.edges = self.edges_among(visibility, &on_paths);
        let all_nodes: Vec<u32> = by_distance.iter().map(|&(_, node)| node).collect();
        let all_links = self.count_links_among(visibility, &all_nodes);
        chart.nodes_left_out = (all_nodes.len() - on_paths.len()) as u64;
        chart.edges_left_out = all_links.saturating_sub(chart.edges.len() as u64);
        Paths {
            paths: paths
                .iter()
                .map(|path| {
                    path.iter()
                        .filter_map(|node| index.get(node).copied())
                        .collect()
                })
                .collect(),
            more: total > paths.len() as u64,
            chart,
        }
    }
}

/// The shortest-path DAG between two nodes.
#[derive(Default)]
struct Dag {
    /// (parent, child): the parent is one hop nearer the source.
    links: Vec<(u32, u32)>,
    /// Distance from the source of every node on a shortest path.
    distance: FxHashMap<u32, u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Forward,
    Backward,
}

/// Shown for a node no input named, which no caller can see (a named mention makes it visible).
const UNNAMED: (NodeKind, &str) = (NodeKind::Photo, "");

fn kind_bit(kind: LinkKind) -> u32 {
    kind as u32
}

fn is_identifier(kind: NodeKind) -> bool {
    use humdex_model::EntityKind;
    matches!(
        kind,
        NodeKind::Photo
            | NodeKind::Entity(
                EntityKind::Phone
                    | EntityKind::Email
                    | EntityKind::Url
                    | EntityKind::Crypto
                    | EntityKind::Handle
                    | EntityKind::Plate
            )
    )
}
