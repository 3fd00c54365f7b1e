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
    fn visible(&self, visibility: &Visibility) -> bool {
        visibility.sees_everything() || self.evidence.iter().any(|item| item.visible(visibility))
    }

    /// How many records the caller may see support the link (0: the link is hidden).
    fn weight(&self, visibility: &Visibility) -> u32 {
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
                let mut records: SmallVec<[u32; 8]> = self
                    .evidence
                    .iter()
                    .filter(|item| item.visible(visibility))
                    .flat_map(Evidence::records)
                    .collect();
                records.sort_unstable();
                records.dedup();
                u32::try_from(records.len()).unwrap_or(u32::MAX)
            }
        }
    }

    /// What every caller may be told without reading the link: see [`Neighbour`].
    fn hints(&self) -> u32 {
        let seen_by_all = self
            .evidence
            .iter()
            .any(|item| item.needs == [Need::PUBLIC, Need::PUBLIC]);
        let weight_one = matches!(self.evidence.as_slice(),
            [only] if only.other_record == NO_RECORD || only.other_record == only.record);
        (if seen_by_all {
            Neighbour::SEEN_BY_ALL
        } else {
            0
        }) | (if weight_one { Neighbour::WEIGHT_ONE } else { 0 })
    }
}

/// An entry of a node's adjacency: a neighbour and the link to it, whose two top bits say what
/// the link's evidence gives every caller, so that walks through public links never read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Neighbour {
    pub(super) node: u32,
    tagged: u32,
}

impl Neighbour {
    /// Some piece of evidence needs no label: every caller sees the link.
    const SEEN_BY_ALL: u32 = 1 << 31;
    /// One piece of evidence, on one record: whoever sees the link sees weight 1.
    const WEIGHT_ONE: u32 = 1 << 30;
    /// The link's slot. Slots stop at 2³⁰ (a billion links, tens of gigabytes).
    const SLOT: u32 = Self::WEIGHT_ONE - 1;

    pub(super) fn link(self) -> u32 {
        self.tagged & Self::SLOT
    }
}

/// Neighbours kept inside a node's adjacency before it spills to the heap: a walk that scans
/// thousands of small nodes then reads one cache line for each.
const INLINE_NEIGHBOURS: usize = 6;

/// A node's neighbours, each with the link to it: one cache line, holding the list itself when
/// short (as most are).
#[derive(Debug, Default)]
#[repr(align(64))]
pub(super) struct Adjacency {
    pub(super) list: SmallVec<[Neighbour; INLINE_NEIGHBOURS]>,
    /// Neighbour → position in `list`, for hubs only.
    index: Option<Box<FxHashMap<u32, u32>>>,
}

impl Adjacency {
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// The entry for `neighbour`, if linked: a hash lookup for a hub, a scan of a short list
    /// otherwise.
    pub(super) fn to(&self, neighbour: u32) -> Option<Neighbour> {
        self.position(neighbour)
            .and_then(|position| self.list.get(position).copied())
    }

    fn position(&self, neighbour: u32) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&neighbour).map(|&position| position as usize),
            None => self.list.iter().position(|entry| entry.node == neighbour),
        }
    }

    /// Whether finding a link here by lookup is cheap (a hub's index).
    pub(super) fn is_indexed(&self) -> bool {
        self.index.is_some()
    }

    fn push(&mut self, entry: Neighbour) {
        let position = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(entry);
        match &mut self.index {
            Some(index) => {
                index.insert(entry.node, position);
            }
            None if self.list.len() > HUB_DEGREE => {
                self.index = Some(Box::new(
                    self.list
                        .iter()
                        .zip(0..)
                        .map(|(entry, position)| (entry.node, position))
                        .collect(),
                ));
            }
            None => {}
        }
    }

    fn retag(&mut self, neighbour: u32, tagged: u32) {
        if let Some(position) = self.position(neighbour)
            && let Some(entry) = self.list.get_mut(position)
        {
            entry.tagged = tagged;
        }
    }

    fn remove(&mut self, neighbour: u32) {
        let position = match &mut self.index {
            Some(index) => index.remove(&neighbour).map(|position| position as usize),
            None => self.list.iter().position(|entry| entry.node == neighbour),
        };
        let Some(position) = position else { return };
        self.list.swap_remove(position);
        if let (Some(index), Some(moved)) = (&mut self.index, self.list.get(position)) {
            index.insert(moved.node, u32::try_from(position).unwrap_or(u32::MAX));
        }
        // Hysteresis: a hub that shrinks far below the threshold drops its index, a list far
        // below what fits inline moves back in.
        if self.list.len() < HUB_DEGREE / 2 {
            self.index = None;
        }
        if self.list.spilled() && self.list.len() <= INLINE_NEIGHBOURS / 2 {
            self.list.shrink_to_fit();
        }
    }

    fn heap_bytes(&self) -> usize {
        (if self.list.spilled() {
            self.list.capacity() * size_of::<Neighbour>()
        } else {
            0
        }) + self.index.as_ref().map_or(0, |index| {
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
    /// A bit per node slot: whether its adjacency is indexed (a hub). Kept apart so that a scan
    /// can tell hubs among thousands of neighbours from an eighth of a megabyte per million nodes.
    hubs: Vec<u64>,
    /// Links in use.
    pub(super) live: usize,
    /// Pieces of evidence over all links.
    pub(super) evidence: usize,
}

impl Links {
    pub(super) fn get(&self, link: u32) -> Option<&Link> {
        self.slab.get(link as usize)
    }

    /// Whether the caller sees the link of an adjacency entry.
    pub(super) fn visible(&self, visibility: &Visibility, entry: Neighbour) -> bool {
        entry.tagged & Neighbour::SEEN_BY_ALL != 0
            || visibility.sees_everything()
            || self
                .get(entry.link())
                .is_some_and(|link| link.visible(visibility))
    }

    /// How many records the caller may see support the link of an adjacency entry (0: hidden).
    pub(super) fn weight(&self, visibility: &Visibility, entry: Neighbour) -> u32 {
        const SIMPLE: u32 = Neighbour::SEEN_BY_ALL | Neighbour::WEIGHT_ONE;
        if entry.tagged & SIMPLE == SIMPLE {
            return 1;
        }
        self.get(entry.link())
            .map_or(0, |link| link.weight(visibility))
    }

    /// Makes room for nodes up to slot `nodes - 1`.
    pub(super) fn reserve_nodes(&mut self, nodes: usize) {
        if self.adjacency.len() < nodes {
            self.adjacency.resize_with(nodes, Adjacency::default);
            self.hubs.resize(nodes.div_ceil(64), 0);
        }
    }

    /// Whether a node's neighbours are indexed: see [`Adjacency::to`].
    pub(super) fn is_hub(&self, node: u32) -> bool {
        self.hubs
            .get(node as usize / 64)
            .is_some_and(|word| word & (1 << (node % 64)) != 0)
    }

    fn note_hub(&mut self, node: u32) {
        let indexed = self
            .adjacency
            .get(node as usize)
            .is_some_and(Adjacency::is_indexed);
        if let Some(word) = self.hubs.get_mut(node as usize / 64) {
            if indexed {
                *word |= 1 << (node % 64);
            } else {
                *word &= !(1 << (node % 64));
            }
        }
    }

    pub(super) fn adjacency(&self, node: u32) -> Option<&Adjacency> {
        self.adjacency.get(node as usize)
    }

    /// The neighbours of `node`, each with the link to it.
    pub(super) fn neighbours(&self, node: u32) -> &[Neighbour] {
        self.adjacency
            .get(node as usize)
            .map_or(&[], |adjacency| adjacency.list.as_slice())
    }

    /// The link between two nodes, looked up from whichever end makes it cheaper.
    pub(super) fn between(&self, a: u32, b: u32) -> Option<u32> {
        let (a_side, b_side) = (self.adjacency(a)?, self.adjacency(b)?);
        let from_a = a_side.is_indexed() || (!b_side.is_indexed() && a_side.len() <= b_side.len());
        let entry = if from_a { a_side.to(b) } else { b_side.to(a) };
        entry.map(Neighbour::link)
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
        if let Some(slot) = self.between(low, high) {
            if let Some(link) = self.slab.get_mut(slot as usize) {
                link.evidence.push(evidence);
                self.evidence += 1;
                self.retag((low, high), slot);
            }
            return;
        }
        let fresh = Link {
            evidence: SmallVec::from_buf([evidence]),
        };
        let tagged = fresh.hints();
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(place) = self.slab.get_mut(slot as usize) {
                    *place = fresh;
                }
                slot
            }
            None if self.slab.len() <= Neighbour::SLOT as usize => {
                self.slab.push(fresh);
                u32::try_from(self.slab.len() - 1).unwrap_or(Neighbour::SLOT)
            }
            None => return,
        };
        self.live += 1;
        self.evidence += 1;
        self.reserve_nodes(high as usize + 1);
        for (node, neighbour) in [(low, high), (high, low)] {
            if let Some(list) = self.adjacency.get_mut(node as usize) {
                list.push(Neighbour {
                    node: neighbour,
                    tagged: slot | tagged,
                });
            }
            self.note_hub(node);
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
        let Some(slot) = self.between(low, high) else {
            return;
        };
        let Some(link) = self.slab.get_mut(slot as usize) else {
            return;
        };
        let Some(position) = link.evidence.iter().position(|item| *item == evidence) else {
            return;
        };
        link.evidence.swap_remove(position);
        self.evidence -= 1;
        if !link.evidence.is_empty() {
            self.retag((low, high), slot);
            return;
        }
        *link = Link::default();
        self.free.push(slot);
        self.live -= 1;
        for (node, neighbour) in [(low, high), (high, low)] {
            if let Some(list) = self.adjacency.get_mut(node as usize) {
                list.remove(neighbour);
            }
            self.note_hub(node);
        }
    }

    /// Refreshes the hints of a link whose evidence changed, at both ends.
    fn retag(&mut self, (low, high): (u32, u32), slot: u32) {
        let Some(tagged) = self.slab.get(slot as usize).map(|link| slot | link.hints()) else {
            return;
        };
        for (node, neighbour) in [(low, high), (high, low)] {
            if let Some(list) = self.adjacency.get_mut(node as usize) {
                list.retag(neighbour, tagged);
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
            + self.hubs.capacity() * size_of::<u64>()
            + adjacency
    }
}
