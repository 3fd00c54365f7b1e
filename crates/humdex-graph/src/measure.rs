//! Measures of a chart: degree, betweenness centrality and communities.

use crate::Chart;

/// Charts with more nodes than this get betweenness from a sample of sources: exact Brandes costs
/// one breadth-first search per node, which grows with the square of the chart.
const EXACT_BETWEENNESS_LIMIT: usize = 2_000;
/// How many sources the sampled betweenness starts from.
const SAMPLED_SOURCES: usize = 1_000;
/// A bound on the local-moving passes of one Louvain level; each pass that moves a node raises
/// modularity, so this only guards against rounding keeping a level busy.
const MAX_PASSES: usize = 100;
/// The least modularity gain (in link-weight units) worth moving a node for; smaller gains are
/// rounding noise and would let nodes swap back and forth.
const MIN_GAIN: f64 = 1e-9;

/// Fills each node's [`degree`](crate::ChartNode::degree),
/// [`betweenness`](crate::ChartNode::betweenness) and
/// [`community`](crate::ChartNode::community).
///
/// - Degree counts a node's neighbours in the chart.
/// - Betweenness is Brandes' unweighted shortest-path betweenness, normalised for an undirected
///   graph to 0..=1 (the share of the other pairs' shortest paths that pass through the node).
///   Charts of more than 2,000 nodes are measured from 1,000 sources spread evenly over the node
///   order and scaled up, an estimate rather than the exact value.
/// - Communities are Louvain's: nodes move between communities while modularity (on link weights)
///   rises, then each community becomes one node, and so on while anything moves. Communities
///   are numbered from 0 by size, largest first, ties going to the one holding the lowest node
///   index.
///
/// Links from a node to itself or to an index outside the chart are ignored, and parallel links
/// count as one whose weight is their sum. Every result depends on the chart alone, never on
/// chance or timing.
pub fn measure(chart: &mut Chart) {
    let neighbours = neighbours(chart);
    let betweenness = betweenness(&neighbours);
    let communities = communities(&neighbours);
    for (((node, links), betweenness), community) in chart
        .nodes
        .iter_mut()
        .zip(&neighbours)
        .zip(betweenness)
        .zip(communities)
    {
        node.degree = u32::try_from(links.len()).unwrap_or(u32::MAX);
        node.betweenness = betweenness as f32;
        node.community = u32::try_from(community).unwrap_or(u32::MAX);
    }
}

/// For each node of the chart, its neighbours in index order, each with the strength of the
/// links to it: the sum of their weights, a link of weight 0 counting as 1 (it is drawn, so it
/// links). Self-links and links to indices outside the chart are dropped.
pub(crate) fn neighbours(chart: &Chart) -> Vec<Vec<(usize, f64)>> {
    let count = chart.nodes.len();
    let mut links = Vec::with_capacity(chart.edges.len() * 2);
    for edge in &chart.edges {
        let (source, target) = (edge.source as usize, edge.target as usize);
        if source != target && source < count && target < count {
            let strength = f64::from(edge.weight.max(1));
            links.push((source, target, strength));
            links.push((target, source, strength));
        }
    }
    adjacency(count, links)
}

/// Neighbour lists from directed `(from, to, weight)` links, parallel links summed. The sort is
/// stable, so sums are added in the same order on every run.
fn adjacency(count: usize, mut links: Vec<(usize, usize, f64)>) -> Vec<Vec<(usize, f64)>> {
    links.sort_by_key(|&(from, to, _)| (from, to));
    let mut lists: Vec<Vec<(usize, f64)>> = vec![Vec::new(); count];
    for (from, to, weight) in links {
        let Some(list) = lists.get_mut(from) else {
            continue;
        };
        match list.last_mut() {
            Some((last, sum)) if *last == to => *sum += weight,
            _ => list.push((to, weight)),
        }
    }
    lists
}

/// Normalised betweenness of every node (see [`measure`]).
fn betweenness(neighbours: &[Vec<(usize, f64)>]) -> Vec<f64> {
    let count = neighbours.len();
    let mut centrality = vec![0.0; count];
    if count < 3 {
        return centrality;
    }
    let sources = if count > EXACT_BETWEENNESS_LIMIT {
        // Evenly spread, so the sample covers the starting nodes and the chart's edges alike.
        (0..SAMPLED_SOURCES)
            .map(|sample| sample * count / SAMPLED_SOURCES)
            .collect()
    } else {
        (0..count).collect::<Vec<_>>()
    };
    let mut search = ShortestPaths::new(count);
    for &source in &sources {
        search.accumulate(neighbours, source, &mut centrality);
    }
    // Every unordered pair was counted from both ends; normalise by the (n-1)(n-2)/2 pairs a
    // node can lie between, scaling a sample up to all sources.
    let count = count as f64;
    let scale = count / sources.len() as f64 / ((count - 1.0) * (count - 2.0));
    centrality
        .into_iter()
        .map(|value| (value * scale).clamp(0.0, 1.0))
        .collect()
}

/// Brandes' single-source pass, its buffers reused from source to source.
struct ShortestPaths {
    /// Hops from the source; `usize::MAX` when not reached.
    distance: Vec<usize>,
    /// Number of shortest paths from the source.
    paths: Vec<f64>,
    /// The dependency of the source on each node.
    dependency: Vec<f64>,
    /// Nodes in the order the search reached them; also the search's queue.
    order: Vec<usize>,
}

impl ShortestPaths {
    fn new(count: usize) -> Self {
        Self {
            distance: vec![usize::MAX; count],
            paths: vec![0.0; count],
            dependency: vec![0.0; count],
            order: Vec::with_capacity(count),
        }
    }

    /// Adds the source's dependency on every other node to `centrality`.
    fn accumulate(
        &mut self,
        neighbours: &[Vec<(usize, f64)>],
        source: usize,
        centrality: &mut [f64],
    ) {
        self.distance.fill(usize::MAX);
        self.paths.fill(0.0);
        self.dependency.fill(0.0);
        self.order.clear();
        set(&mut self.distance, source, 0);
        set(&mut self.paths, source, 1.0);
        self.order.push(source);

        let mut next = 0;
        while let Some(&node) = self.order.get(next) {
            next += 1;
            let distance = get(&self.distance, node, usize::MAX);
            let paths = get(&self.paths, node, 0.0);
            for &(other, _) in neighbours.get(node).into_iter().flatten() {
                if get(&self.distance, other, 0) == usize::MAX {
                    set(&mut self.distance, other, distance + 1);
                    self.order.push(other);
                }
                if get(&self.distance, other, 0) == distance + 1 {
                    add(&mut self.paths, other, paths);
                }
            }
        }

        for &node in self.order.iter().rev() {
            let distance = get(&self.distance, node, 0);
            let share = (1.0 + get(&self.dependency, node, 0.0)) / get(&self.paths, node, 1.0);
            for &(other, _) in neighbours.get(node).into_iter().flatten() {
                if distance > 0 && get(&self.distance, other, usize::MAX) == distance - 1 {
                    add(
                        &mut self.dependency,
                        other,
                        get(&self.paths, other, 0.0) * share,
                    );
                }
            }
            if node != source {
                add(centrality, node, get(&self.dependency, node, 0.0));
            }
        }
    }
}

/// Community of every node, numbered as [`measure`] says.
fn communities(neighbours: &[Vec<(usize, f64)>]) -> Vec<usize> {
    let count = neighbours.len();
    let mut graph = Aggregate {
        neighbours: neighbours.to_vec(),
        inner: vec![0.0; count],
    };
    // Which node of the current level each chart node has been folded into.
    let mut membership: Vec<usize> = (0..count).collect();
    while let Some((community, community_count)) = graph.move_nodes() {
        for member in &mut membership {
            *member = get(&community, *member, *member);
        }
        graph = graph.fold(&community, community_count);
    }

    // Renumber: largest first; the community met first in node order holds the lowest index.
    let mut sizes: Vec<(usize, usize)> = Vec::new(); // (size, first member) per community
    let mut first_seen = vec![usize::MAX; graph.neighbours.len()];
    let mut by_first_seen = Vec::with_capacity(count);
    for &member in &membership {
        let seen = get(&first_seen, member, usize::MAX);
        let position = if seen == usize::MAX {
            set(&mut first_seen, member, sizes.len());
            sizes.push((0, sizes.len()));
            sizes.len() - 1
        } else {
            seen
        };
        if let Some((size, _)) = sizes.get_mut(position) {
            *size += 1;
        }
        by_first_seen.push(position);
    }
    let mut ranking: Vec<(usize, usize)> = sizes.clone();
    ranking.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut number = vec![0; sizes.len()];
    for (rank, &(_, position)) in ranking.iter().enumerate() {
        set(&mut number, position, rank);
    }
    by_first_seen
        .into_iter()
        .map(|position| get(&number, position, 0))
        .collect()
}

/// One level of Louvain: a graph whose nodes are the communities of the level below.
struct Aggregate {
    /// For each node, the other nodes it links to and the summed weight of those links.
    neighbours: Vec<Vec<(usize, f64)>>,
    /// For each node, the weight of links inside it, counted from both ends.
    inner: Vec<f64>,
}

impl Aggregate {
    /// The local-moving phase: each node in turn joins the neighbouring community that raises
    /// modularity most, until a pass moves nothing. Answers each node's community, numbered from
    /// 0 in order of first member, and the number of communities; `None` when no node moved.
    fn move_nodes(&self) -> Option<(Vec<usize>, usize)> {
        let strengths: Vec<f64> = self
            .neighbours
            .iter()
            .zip(&self.inner)
            .map(|(links, inner)| links.iter().map(|(_, weight)| weight).sum::<f64>() + inner)
            .collect();
        // Twice the total link weight, the 2m of the modularity formula.
        let total: f64 = strengths.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let count = self.neighbours.len();
        let mut community: Vec<usize> = (0..count).collect();
        let mut community_strength = strengths.clone();
        // Weight from the node being moved to each community it touches; zero elsewhere.
        let mut weight_to = vec![0.0; count];
        let mut touched = Vec::new();
        let mut moved_any = false;
        for _ in 0..MAX_PASSES {
            let mut moved = false;
            for (node, (links, &strength)) in self.neighbours.iter().zip(&strengths).enumerate() {
                let current = get(&community, node, node);
                for &(other, weight) in links {
                    let target = get(&community, other, other);
                    if get(&weight_to, target, 0.0) == 0.0 {
                        touched.push(target);
                    }
                    add(&mut weight_to, target, weight);
                }
                add(&mut community_strength, current, -strength);
                // The modularity gain of joining a community, up to a factor shared by all.
                let gain = |target: usize| {
                    get(&weight_to, target, 0.0)
                        - get(&community_strength, target, 0.0) * strength / total
                };
                let mut best = (current, gain(current));
                for &target in &touched {
                    let target_gain = gain(target);
                    if target_gain > best.1 + MIN_GAIN {
                        best = (target, target_gain);
                    }
                }
                add(&mut community_strength, best.0, strength);
                if best.0 != current {
                    set(&mut community, node, best.0);
                    moved = true;
                }
                for target in touched.drain(..) {
                    set(&mut weight_to, target, 0.0);
                }
            }
            if !moved {
                break;
            }
            moved_any = true;
        }
        if !moved_any {
            return None;
        }
        let mut number = vec![usize::MAX; count];
        let mut numbered = 0;
        for target in &mut community {
            let existing = get(&number, *target, usize::MAX);
            *target = if existing == usize::MAX {
                set(&mut number, *target, numbered);
                numbered += 1;
                numbered - 1
            } else {
                existing
            };
        }
        Some((community, numbered))
    }

    /// The graph of the communities: links between two communities summed, links inside one
    /// added to its inner weight.
    fn fold(&self, community: &[usize], community_count: usize) -> Self {
        let mut inner = vec![0.0; community_count];
        let mut links = Vec::new();
        for (node, (node_links, &node_inner)) in self.neighbours.iter().zip(&self.inner).enumerate()
        {
            let from = get(community, node, 0);
            add(&mut inner, from, node_inner);
            for &(other, weight) in node_links {
                let to = get(community, other, 0);
                if to == from {
                    add(&mut inner, from, weight);
                } else {
                    links.push((from, to, weight));
                }
            }
        }
        Self {
            neighbours: adjacency(community_count, links),
            inner,
        }
    }
}

/// The value at `index`, or `missing` past the end (indices here always come from the chart, so
/// `missing` is never used; it spares a panic path).
fn get<T: Copy>(values: &[T], index: usize, missing: T) -> T {
    values.get(index).copied().unwrap_or(missing)
}

fn set<T>(values: &mut [T], index: usize, value: T) {
    if let Some(slot) = values.get_mut(index) {
        *slot = value;
    }
}

fn add(values: &mut [f64], index: usize, amount: f64) {
    if let Some(slot) = values.get_mut(index) {
        *slot += amount;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(count: usize, links: &[(usize, usize)]) -> Vec<Vec<(usize, f64)>> {
        let directed = links
            .iter()
            .flat_map(|&(a, b)| [(a, b, 1.0), (b, a, 1.0)])
            .collect();
        adjacency(count, directed)
    }

    #[test]
    fn adjacency_sums_parallel_links() {
        let lists = adjacency(3, vec![(0, 1, 2.0), (0, 2, 1.0), (0, 1, 3.0)]);
        assert_eq!(lists, vec![vec![(1, 5.0), (2, 1.0)], vec![], vec![]]);
    }

    #[test]
    fn louvain_keeps_unlinked_nodes_apart() {
        assert_eq!(communities(&lists(3, &[])), vec![0, 1, 2]);
    }

    #[test]
    fn louvain_folds_a_ring_of_cliques_into_its_cliques() {
        // Six triangles in a ring: modularity is highest with each triangle on its own.
        let mut links = Vec::new();
        for clique in 0..6 {
            let base = clique * 3;
            links.extend([(base, base + 1), (base + 1, base + 2), (base, base + 2)]);
            links.push((base + 2, (base + 3) % 18));
        }
        let community = communities(&lists(18, &links));
        for clique in community.chunks(3) {
            assert!(clique.iter().all(|&c| c == clique[0]), "{community:?}");
        }
        let mut distinct = community.clone();
        distinct.dedup();
        assert_eq!(distinct, vec![0, 1, 2, 3, 4, 5]);
    }
}
