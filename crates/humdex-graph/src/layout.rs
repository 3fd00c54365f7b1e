//! Force-directed layout of a chart.

use crate::Chart;
use crate::measure::neighbours;

/// Chart units between two linked nodes at rest: room for a node and the start of its label.
const IDEAL_DISTANCE: f64 = 60.0;
/// Chart units between the boxes of two components.
const COMPONENT_GAP: f64 = IDEAL_DISTANCE;
/// Force steps for a component of up to [`EXACT_REPULSION_LIMIT`] nodes; the temperature falls
/// linearly to zero over them.
const ITERATIONS: usize = 300;
/// The fewest steps for a larger component, which gets fewer steps the larger it is (300 at
/// 1,000 nodes, 100 from 3,000), so that 5,000 nodes take a fraction of a second: starting from
/// a breadth-first spiral, a large component's clusters have separated long before 300 steps.
const MIN_ITERATIONS: usize = 100;
/// Components larger than this feel each other's repulsion through a Barnes–Hut quadtree:
/// the exact sum over all pairs costs the square of the size on every step.
const EXACT_REPULSION_LIMIT: usize = 1_000;
/// Barnes–Hut opening criterion: a quadtree cell at least this many of its widths away is felt
/// as one body at its centre of mass (θ = 1).
const OPENING_RATIO: f64 = 1.0;
/// Quadtree depth below which nodes at (almost) the same spot share a cell instead of splitting
/// it forever.
const MAX_DEPTH: usize = 32;
/// Distances below this are treated as this, so two nodes very close together push apart hard
/// but finitely.
const MIN_DISTANCE: f64 = 0.01;
/// Angle between consecutive nodes of the starting spiral (the golden angle), which spreads them
/// evenly without two on one ray.
const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;

type Point = [f64; 2];

/// Fills every node's [`x`](crate::ChartNode::x) and [`y`](crate::ChartNode::y) with a
/// force-directed layout (Fruchterman–Reingold with linear cooling).
///
/// Linked nodes pull together, more strongly the heavier the link (by the logarithm of its
/// weight, so heavy links shorten without collapsing); all nodes push apart. Each connected
/// component is laid out on its own from a spiral around its lowest-indexed node (the chart's
/// starting nodes come first, so they start at the centre), and the components are then packed
/// side by side in rows, largest first, with a gap between their boxes. Components of more than
/// 1,000 nodes approximate the push between far-apart nodes with a Barnes–Hut quadtree, so the
/// cost of a step grows as n log n rather than n², and take fewer steps.
///
/// The result depends on the chart alone: no randomness, the same positions on every run.
pub fn lay_out(chart: &mut Chart) {
    let neighbours = neighbours(chart);
    let components = components(&neighbours);
    // Chart index → index within its component.
    let mut local = vec![0; neighbours.len()];
    let laid_out: Vec<Vec<Point>> = components
        .iter()
        .map(|members| {
            for (position, &member) in members.iter().enumerate() {
                if let Some(slot) = local.get_mut(member) {
                    *slot = position;
                }
            }
            let links: Vec<Vec<(usize, f64)>> = members
                .iter()
                .map(|&member| {
                    neighbours
                        .get(member)
                        .into_iter()
                        .flatten()
                        .filter_map(|&(other, strength)| {
                            Some((*local.get(other)?, 1.0 + strength.ln()))
                        })
                        .collect()
                })
                .collect();
            force_directed(&links)
        })
        .collect();
    let offsets = pack(&laid_out);
    for ((members, points), offset) in components.iter().zip(&laid_out).zip(offsets) {
        for (&member, point) in members.iter().zip(points) {
            if let Some(node) = chart.nodes.get_mut(member) {
                node.x = (point[0] + offset[0]) as f32;
                node.y = (point[1] + offset[1]) as f32;
            }
        }
    }
}

/// The connected components, largest first (ties in order of their lowest index), each listed
/// in breadth-first order from its lowest index.
fn components(neighbours: &[Vec<(usize, f64)>]) -> Vec<Vec<usize>> {
    let mut reached = vec![false; neighbours.len()];
    let mut components = Vec::new();
    for start in 0..neighbours.len() {
        if reached.get(start) != Some(&false) {
            continue;
        }
        if let Some(flag) = reached.get_mut(start) {
            *flag = true;
        }
        let mut members = vec![start];
        let mut next = 0;
        while let Some(&node) = members.get(next) {
            next += 1;
            for &(other, _) in neighbours.get(node).into_iter().flatten() {
                if let Some(flag @ false) = reached.get_mut(other) {
                    *flag = true;
                    members.push(other);
                }
            }
        }
        components.push(members);
    }
    // Stable, so equal sizes keep the order of their lowest index.
    components.sort_by_key(|members| std::cmp::Reverse(members.len()));
    components
}

/// Positions for one connected component, given as neighbour lists with the pull factor of each
/// link, centred near the origin.
fn force_directed(links: &[Vec<(usize, f64)>]) -> Vec<Point> {
    let count = links.len();
    let mut positions: Vec<Point> = (0..count)
        .map(|index| {
            let radius = IDEAL_DISTANCE * 0.5 * (index as f64).sqrt();
            let angle = index as f64 * GOLDEN_ANGLE;
            [radius * angle.cos(), radius * angle.sin()]
        })
        .collect();
    let mut displacement = vec![[0.0; 2]; count];
    let mut tree = QuadTree::default();
    let mut stack = Vec::new();
    // About a tenth of the component's final width, as Fruchterman and Reingold suggest.
    let start_temperature = IDEAL_DISTANCE * (0.2 * (count as f64).sqrt()).max(1.0);
    let iterations = if count > EXACT_REPULSION_LIMIT {
        (ITERATIONS * EXACT_REPULSION_LIMIT / count).max(MIN_ITERATIONS)
    } else {
        ITERATIONS
    };
    for iteration in 0..iterations {
        if count > EXACT_REPULSION_LIMIT {
            tree.build(&positions);
            for (moved, &point) in displacement.iter_mut().zip(&positions) {
                *moved = tree.repulsion(point, &mut stack);
            }
        } else {
            exact_repulsion(&positions, &mut displacement);
        }
        for ((moved, &point), node_links) in displacement.iter_mut().zip(&positions).zip(links) {
            for &(other, pull) in node_links {
                if let Some(&other_point) = positions.get(other) {
                    let delta = sub(other_point, point);
                    let factor = length(delta) / IDEAL_DISTANCE * pull;
                    *moved = add(*moved, scale(delta, factor));
                }
            }
        }
        let temperature = start_temperature * (1.0 - iteration as f64 / iterations as f64);
        for (point, &moved) in positions.iter_mut().zip(&displacement) {
            let distance = length(moved);
            if distance > 0.0 {
                *point = add(*point, scale(moved, distance.min(temperature) / distance));
            }
        }
    }
    positions
}

/// The push `point` feels from a body `delta` away from it (pointing from the body to `point`):
/// k²/d, away from the body.
fn push(delta: Point, mass: f64) -> Point {
    let squared = (delta[0] * delta[0] + delta[1] * delta[1]).max(MIN_DISTANCE * MIN_DISTANCE);
    scale(delta, IDEAL_DISTANCE * IDEAL_DISTANCE * mass / squared)
}

/// Every pair's push, each pair computed once and applied to both.
fn exact_repulsion(positions: &[Point], displacement: &mut [Point]) {
    displacement.fill([0.0; 2]);
    let mut rest_positions = positions;
    let mut rest_displacement = displacement;
    while let (Some((&point, later_points)), Some((moved, later_moved))) = (
        rest_positions.split_first(),
        std::mem::take(&mut rest_displacement).split_first_mut(),
    ) {
        for (&other, other_moved) in later_points.iter().zip(later_moved.iter_mut()) {
            let force = push(sub(point, other), 1.0);
            *moved = add(*moved, force);
            *other_moved = sub(*other_moved, force);
        }
        rest_positions = later_points;
        rest_displacement = later_moved;
    }
}

/// A Barnes–Hut quadtree over the positions of one step, its cells kept in one vector that is
/// reused from step to step.
#[derive(Default)]
struct QuadTree {
    cells: Vec<Cell>,
}

#[derive(Clone, Copy)]
struct Cell {
    centre: Point,
    half_width: f64,
    /// Bodies inside.
    mass: f64,
    /// The sum of the positions of the bodies inside while the tree is built, then their mean
    /// (the centre of mass), so a step divides once per cell rather than once per visit.
    position: Point,
    content: Content,
}

#[derive(Clone, Copy)]
enum Content {
    Empty,
    /// One body, or several too close to tell apart at [`MAX_DEPTH`].
    Body,
    /// Indices of the child cells by quadrant; 0 (the root, never a child) where none.
    Split([usize; 4]),
}

impl QuadTree {
    fn build(&mut self, positions: &[Point]) {
        let (mut low, mut high) = ([f64::MAX; 2], [f64::MIN; 2]);
        for point in positions {
            low = [low[0].min(point[0]), low[1].min(point[1])];
            high = [high[0].max(point[0]), high[1].max(point[1])];
        }
        self.cells.clear();
        self.cells.push(Cell::empty(
            scale(add(low, high), 0.5),
            ((high[0] - low[0]).max(high[1] - low[1]) / 2.0).max(MIN_DISTANCE),
        ));
        for &point in positions {
            self.insert(point);
        }
        for cell in &mut self.cells {
            cell.position = scale(cell.position, 1.0 / cell.mass.max(1.0));
        }
    }

    fn insert(&mut self, point: Point) {
        let mut index = 0;
        for depth in 0.. {
            let Some(cell) = self.cells.get_mut(index) else {
                return;
            };
            let resident = scale(cell.position, 1.0 / cell.mass.max(1.0));
            cell.mass += 1.0;
            cell.position = add(cell.position, point);
            match cell.content {
                Content::Empty => {
                    cell.content = Content::Body;
                    return;
                }
                Content::Body if depth >= MAX_DEPTH => return,
                Content::Body => {
                    cell.content = Content::Split([0; 4]);
                    let child = self.child(index, resident);
                    if let Some(child) = self.cells.get_mut(child) {
                        child.mass = 1.0;
                        child.position = resident;
                        child.content = Content::Body;
                    }
                }
                Content::Split(_) => {}
            }
            index = self.child(index, point);
        }
    }

    /// The child of `parent` in the quadrant of `point`, made empty if there was none.
    fn child(&mut self, parent: usize, point: Point) -> usize {
        let Some(&Cell {
            centre,
            half_width,
            content: Content::Split(children),
            ..
        }) = self.cells.get(parent)
        else {
            return parent;
        };
        let east = point[0] >= centre[0];
        let south = point[1] >= centre[1];
        let quadrant = usize::from(east) + 2 * usize::from(south);
        if let Some(&existing) = children.get(quadrant).filter(|&&child| child != 0) {
            return existing;
        }
        let quarter = half_width / 2.0;
        let offset = [
            if east { quarter } else { -quarter },
            if south { quarter } else { -quarter },
        ];
        let index = self.cells.len();
        self.cells.push(Cell::empty(add(centre, offset), quarter));
        if let Some(Cell {
            content: Content::Split(children),
            ..
        }) = self.cells.get_mut(parent)
            && let Some(slot) = children.get_mut(quadrant)
        {
            *slot = index;
        }
        index
    }

    /// The push of all bodies on a body at `point`; a cell seen from far enough away pushes as
    /// one body. The body's own cell is at distance 0 and pushes nothing.
    fn repulsion(&self, point: Point, stack: &mut Vec<usize>) -> Point {
        let mut force = [0.0; 2];
        stack.clear();
        stack.push(0);
        while let Some(index) = stack.pop() {
            let Some(cell) = self.cells.get(index).filter(|cell| cell.mass > 0.0) else {
                continue;
            };
            let delta = sub(point, cell.position);
            // Squared, to spare a square root on every visit.
            let distance = delta[0] * delta[0] + delta[1] * delta[1];
            let opening_distance = 2.0 * cell.half_width * OPENING_RATIO;
            match cell.content {
                Content::Split(children) if opening_distance * opening_distance > distance => {
                    stack.extend(children.iter().filter(|&&child| child != 0));
                }
                _ if distance > 0.0 => force = add(force, push(delta, cell.mass)),
                _ => {}
            }
        }
        force
    }
}

impl Cell {
    fn empty(centre: Point, half_width: f64) -> Self {
        Self {
            centre,
            half_width,
            mass: 0.0,
            position: [0.0; 2],
            content: Content::Empty,
        }
    }
}

/// Offsets that place each component's box in rows, left to right, the rows about as wide as
/// the whole is tall, with [`COMPONENT_GAP`] between boxes.
fn pack(components: &[Vec<Point>]) -> Vec<Point> {
    let boxes: Vec<(Point, Point)> = components
        .iter()
        .map(|points| {
            let mut low = [f64::MAX; 2];
            let mut high = [f64::MIN; 2];
            for point in points {
                low = [low[0].min(point[0]), low[1].min(point[1])];
                high = [high[0].max(point[0]), high[1].max(point[1])];
            }
            (low, sub(high, low))
        })
        .collect();
    let area: f64 = boxes
        .iter()
        .map(|(_, size)| (size[0] + COMPONENT_GAP) * (size[1] + COMPONENT_GAP))
        .sum();
    let widest = boxes.iter().map(|(_, size)| size[0]).fold(0.0, f64::max);
    let row_width = area.sqrt().max(widest);
    let (mut x, mut y, mut row_height) = (0.0, 0.0, 0.0_f64);
    boxes
        .iter()
        .map(|&(low, size)| {
            if x > 0.0 && x + size[0] > row_width {
                x = 0.0;
                y += row_height + COMPONENT_GAP;
                row_height = 0.0;
            }
            let offset = sub([x, y], low);
            x += size[0] + COMPONENT_GAP;
            row_height = row_height.max(size[1]);
            offset
        })
        .collect()
}

fn add(a: Point, b: Point) -> Point {
    [a[0] + b[0], a[1] + b[1]]
}

fn sub(a: Point, b: Point) -> Point {
    [a[0] - b[0], a[1] - b[1]]
}

fn scale(a: Point, factor: f64) -> Point {
    [a[0] * factor, a[1] * factor]
}

fn length(a: Point) -> f64 {
    (a[0] * a[0] + a[1] * a[1]).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadtree_push_matches_exact_push_from_far_away() {
        let positions: Vec<Point> = (0..50)
            .map(|index| [f64::from(index % 7) * 3.0, f64::from(index / 7) * 3.0])
            .collect();
        let mut tree = QuadTree::default();
        tree.build(&positions);
        let far = [1_000.0, 1_000.0];
        let approximate = tree.repulsion(far, &mut Vec::new());
        let exact = positions
            .iter()
            .fold([0.0; 2], |sum, &point| add(sum, push(sub(far, point), 1.0)));
        assert!(length(sub(approximate, exact)) < length(exact) * 0.01);
    }

    #[test]
    fn quadtree_survives_nodes_at_one_spot() {
        let positions = vec![[5.0, 5.0]; 10];
        let mut tree = QuadTree::default();
        tree.build(&positions);
        assert_eq!(tree.cells.first().map(|cell| cell.mass), Some(10.0));
        assert_eq!(tree.repulsion([5.0, 5.0], &mut Vec::new()), [0.0, 0.0]);
    }
}
