//! The adjacency store: links in a slab, each with its evidence, and per node a list of
//! (neighbour, link) pairs.
//!
//! Purpose-built rather than petgraph: petgraph's `StableGraph` keeps edges in per-node linked
//! lists (a pointer chase per neighbour) and has no way to find the edge between two nodes but a
//! scan of one of them, while this store scans a contiguous list and indexes hubs. Links never
//! outlive their last piece of evidence, so the slab recycles slots as records change.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::Change;
use crate::chart::LinkKind;
use crate::label::{Need, Visibility};

/// A record slot standing for "no record" in [`Evidence::other_record`].
pub(super) const NO_RECORD: u32 = u32::MAX;

/// Beyond this many neighbours a node gets an index from neighbour to position, so finding the
/// link between two nodes costs a hash lookup instead of a scan of a hub's list.
const HUB_DEGREE: usize = 48;

/// One reason for a link: a record (and, for an image match, the other record), what the caller
/// must see at each end of the link (lower node slot first), and the kind. 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Evidence {
    pub(super) record: u32,
    pub(super) other_record: u32,
    /// What the caller must see at the link's lower end and at its higher end (by node slot).
    pub(super) needs: [Need; 2],
    pub(super) kind: LinkKind,
}

impl Evidence {
    pub(super) fn visible(&self, visibility: &Visibility) -> bool {
        visibility.meets(self.needs[0]) && visibility.meets(self.needs[1])
    }

    /// The records this evidence stands on.
    pub(super) fn records(&self) -> impl Iterator<Item = u32> {
        std::iter::once(self.record)
            .chain((self.other_record != NO_RECORD).then_some(self.other_record))
    }
}

/// A link between two nodes; its ends are known from the adjacency lists that lead to it. No
/// evidence means the slot is free. Nearly every link has one piece of evidence, stored inline.
#[derive(Debug, Default)]
pub(super) struct Link {
    pub(super) evidence: SmallVec<[Evidence; 1]>,
}

impl Link {
    pub(super) fn visible(&self, visibility: &Visibility) -> bool {
        visibility.sees_everything() || self.evidence.iter().any(|item| item.visible(visibility))
    }

    /// How many records the caller may see support the link (0: the link is hidden).
    pub(super) fn weight(&self, visibility: &Visibility) -> u32 {
        match self.evidence.as_slice() {
            [only] if only.visible(visibility) => {
                if only.other_record == NO_RECORD || only.other_record == only.record {
                    1
                } else {
                    2
                }
            }
            [_] => 0,
            _ => {
                let mut records = self.visible_records(visibility);
                records.sort_unstable();
                records.dedup();
                u32::try_from(records.len()).unwrap_or(u32::MAX)
            }
        }
    }

    /// The record slots of the visible evidence, with repeats.
    pub(super) fn visible_records(&self, visibility: &Visibility) -> SmallVec<[u32; 8]> {
        self.evidence
            .iter()
            .filter(|item| item.visible(visibility))
            .flat_map(Evidence::records)
            .collect()
    }
}

/// A node's neighbours, each with the link to it.
#[derive(Debug, Default)]
pub(super) struct Adjacency {
    pub(super) list: Vec<(u32, u32)>,
    /// Neighbour → position in `list`, for hubs only.
    index: Option<Box<FxHashMap<u32, u32>>>,
}

impl Adjacency {
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// The link to `neighbour`, if any: a hash lookup for a hub, a scan of a short list otherwise.
    pub(super) fn link_to(&self, neighbour: u32) -> Option<u32> {
        match &self.index {
            Some(index) => {
                let position = *index.get(&neighbour)?;
                self.list.get(position as usize).map(|&(_, link)| link)
            }
            None => self.list.iter().find(|&&(other, _)| other == neighbour).map(|&(_, link)| link),
        }
    }

    /// Whether finding a link here by lookup is cheap (a hub's index).
    pub(super) fn is_indexed(&self) -> bool {
        self.index.is_some()
    }

    fn push(&mut self, neighbour: u32, link: u32) {
        let position = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push((neighbour, link));
        match &mut self.index {
            Some(index) => {
                index.insert(neighbour, position);
            }
            None if self.list.len() > HUB_DEGREE => {
                self.index = Some(Box::new(
                    self.list
                        .iter()
                        .zip(0..)
                        .map(|(&(other, _), position)| (other, position))
                        .collect(),
                ));
            }
            None => {}
        }
    }

    fn remove(&mut self, neighbour: u32) {
        let position = match &mut self.index {
            Some(index) => index.remove(&neighbour).map(|position| position as usize),
            None => self.list.iter().position(|&(other, _)| other == neighbour),
        };
        let Some(position) = position else { return };
        self.list.swap_remove(position);
        if let (Some(index), Some(&(moved, _))) = (&mut self.index, self.list.get(position)) {
            index.insert(moved, u32::try_from(position).unwrap_or(u32::MAX));
        }
        // Hysteresis: a hub that shrinks far below the threshold drops its index.
        if self.list.len() < HUB_DEGREE / 2 {
            self.index = None;
        }
        if self.list.is_empty() {
            self.list = Vec::new();
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.list.capacity() * size_of::<(u32, u32)>()
            + self.index.as_ref().map_or(0, |index| {
                size_of::<FxHashMap<u32, u32>>() + index.capacity() * (size_of::<(u32, u32)>() + 1)
            })
    }
}

/// The links of a graph and the adjacency of its nodes (indexed by node slot).
#[derive(Debug, Default)]
pub(super) struct Links {
    slab: Vec<Link>,
    free: Vec<u32>,
    adjacency: Vec<Adjacency>,
    /// Links in use.
    pub(super) live: usize,
    /// Pieces of evidence over all links.
    pub(super) evidence: usize,
}

impl Links {
    pub(super) fn get(&self, link: u32) -> Option<&Link> {
        self.slab.get(link as usize)
    }

    /// Makes room for nodes up to slot `nodes - 1`.
    pub(super) fn reserve_nodes(&mut self, nodes: usize) {
        if self.adjacency.len() < nodes {
            self.adjacency.resize_with(nodes, Adjacency::default);
        }
    }

    pub(super) fn adjacency(&self, node: u32) -> Option<&Adjacency> {
        self.adjacency.get(node as usize)
    }

    /// The neighbours of `node`, each with the link to it.
    pub(super) fn neighbours(&self, node: u32) -> &[(u32, u32)] {
        self.adjacency.get(node as usize).map_or(&[], |adjacency| adjacency.list.as_slice())
    }

    /// The link between two nodes, looked up from whichever end makes it cheaper.
    pub(super) fn between(&self, a: u32, b: u32) -> Option<u32> {
        let (a_side, b_side) = (self.adjacency(a)?, self.adjacency(b)?);
        let from_a =
            a_side.is_indexed() || (!b_side.is_indexed() && a_side.len() <= b_side.len());
        if from_a { a_side.link_to(b) } else { b_side.link_to(a) }
    }

    /// Adds or removes one piece of evidence of the link between `a` and `b`.
    pub(super) fn change(&mut self, ends: (u32, u32), evidence: Evidence, change: Change) {
        match change {
            Change::Add => self.add(ends, evidence),
            Change::Remove => self.remove(ends, evidence),
        }
    }

    /// Adds `evidence` to the link between `a` and `b` (distinct node slots), creating it.
    /// `evidence.needs` are given in the order `a`, `b`.
    fn add(&mut self, (a, b): (u32, u32), mut evidence: Evidence) {
        let (low, high) = if a < b {
            (a, b)
        } else {
            evidence.needs.reverse();
            (b, a)
        };
        self.evidence += 1;
        if let Some(link) = self.between(low, high).and_then(|link| self.slab.get_mut(link as usize)) {
            link.evidence.push(evidence);
            return;
        }
        let fresh = Link {
            evidence: SmallVec::from_buf([evidence]),
        };
        let link = match self.free.pop() {
            Some(slot) => {
                if let Some(place) = self.slab.get_mut(slot as usize) {
                    *place = fresh;
                }
                slot
            }
            None => {
                self.slab.push(fresh);
                u32::try_from(self.slab.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.live += 1;
        self.reserve_nodes(high as usize + 1);
        if let Some(list) = self.adjacency.get_mut(low as usize) {
            list.push(high, link);
        }
        if let Some(list) = self.adjacency.get_mut(high as usize) {
            list.push(low, link);
        }
    }

    /// Removes one piece of evidence equal to `evidence` from the link between `a` and `b`, and
    /// the link with its last piece. `evidence.needs` are given in the order `a`, `b`.
    fn remove(&mut self, (a, b): (u32, u32), mut evidence: Evidence) {
        let (low, high) = if a < b {
            (a, b)
        } else {
            evidence.needs.reverse();
            (b, a)
        };
        let Some(slot) = self.between(low, high) else { return };
        let Some(link) = self.slab.get_mut(slot as usize) else { return };
        let Some(position) = link.evidence.iter().position(|item| *item == evidence) else {
            return;
        };
        link.evidence.swap_remove(position);
        self.evidence -= 1;
        if link.evidence.is_empty() {
            *link = Link::default();
            self.free.push(slot);
            self.live -= 1;
            if let Some(list) = self.adjacency.get_mut(low as usize) {
                list.remove(high);
            }
            if let Some(list) = self.adjacency.get_mut(high as usize) {
                list.remove(low);
            }
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        let spilled: usize = self
            .slab
            .iter()
            .filter(|link| link.evidence.spilled())
            .map(|link| link.evidence.capacity() * size_of::<Evidence>())
            .sum();
        let adjacency: usize = self.adjacency.iter().map(Adjacency::heap_bytes).sum();
        self.slab.capacity() * size_of::<Link>()
            + spilled
            + self.free.capacity() * size_of::<u32>()
            + self.adjacency.capacity() * size_of::<Adjacency>()
            + adjacency
    }
}
