use std::fmt;

use crate::error::{Error, Result};
use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// A perfect subtree: the `2^level` leaves from `index · 2^level` on.
///
/// Perfect subtrees never change once their last leaf is in, so their hashes can be stored as
/// rows and every root and proof of the log composed from O(log n) of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// The height above the leaves: 0 for a leaf.
    pub level: u8,
    /// The position among the nodes of this level, from the left.
    pub index: u64,
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(level {}, index {})", self.level, self.index)
    }
}

/// The leaves `start..end` of a tree, always either a perfect subtree or a range that ends at the
/// tree's right edge: the only kinds of subtree RFC 9162's recursions visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

impl Span {
    /// The perfect subtrees that make up the span, left to right, each as large as it can be.
    pub(crate) fn nodes(self) -> Vec<NodeId> {
        let mut nodes = Vec::new();
        let mut position = self.start;
        while position < self.end {
            let fits = (self.end - position).ilog2();
            let level = if position == 0 {
                fits
            } else {
                fits.min(position.trailing_zeros())
            };
            // level < 64, as both bounds are bit positions of a u64.
            nodes.push(NodeId {
                level: level as u8,
                index: position >> level,
            });
            position += 1 << level;
        }
        nodes
    }

    /// The span's Merkle tree hash, folded from the right out of its perfect subtrees as
    /// RFC 9162 splits a right edge: the largest perfect subtree on the left, the rest on the
    /// right.
    pub(crate) fn hash(self, lookup: &mut impl FnMut(NodeId) -> Option<Hash>) -> Result<Hash> {
        let hashes = self
            .nodes()
            .into_iter()
            .map(|node| lookup(node).ok_or(Error::MissingNode(node)))
            .collect::<Result<Vec<_>>>()?;
        Ok(fold_right(hashes.iter()).unwrap_or(EMPTY_ROOT))
    }
}

/// Hashes a left-to-right run of perfect subtrees into the root of the range they cover.
fn fold_right<'a>(hashes: impl DoubleEndedIterator<Item = &'a Hash>) -> Option<Hash> {
    hashes.rev().fold(None, |right, left| {
        Some(match right {
            None => *left,
            Some(right) => node_hash(left, &right),
        })
    })
}

/// The right edge of the log's tree: the perfect subtrees its leaves make up so far, which is all
/// an append or a root needs.
///
/// A node keeps one `Frontier` in memory; the store keeps every perfect node that
/// [`append`](Frontier::append) reports, so after a restart [`restore`](Frontier::restore) rebuilds
/// the frontier from O(log n) of them instead of re-reading the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// The perfect subtrees of `nodes_for(size)`, left to right.
    nodes: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The frontier of the empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves appended.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree of all leaves appended, [`EMPTY_ROOT`] if none.
    pub fn root(&self) -> Hash {
        fold_right(self.nodes.iter().map(|(_, hash)| hash)).unwrap_or(EMPTY_ROOT)
    }

    /// Appends a leaf hash and returns every perfect node it completes, the leaf itself (level 0)
    /// first and the largest last: the rows the store inserts for this leaf.
    pub fn append(&mut self, leaf_hash: Hash) -> Result<Vec<(NodeId, Hash)>> {
        let size = self.size.checked_add(1).ok_or(Error::TreeFull)?;
        let mut node = NodeId {
            level: 0,
            index: self.size,
        };
        let mut hash = leaf_hash;
        let mut completed = vec![(node, hash)];
        while let Some(&(left_node, left)) = self.nodes.last()
            && left_node.level == node.level
        {
            self.nodes.pop();
            hash = node_hash(&left, &hash);
            node = NodeId {
                level: node.level + 1,
                index: left_node.index >> 1,
            };
            completed.push((node, hash));
        }
        self.nodes.push((node, hash));
        self.size = size;
        Ok(completed)
    }

    /// The perfect nodes a tree of `size` leaves consists of, left to right, one per set bit of
    /// `size`: what [`restore`](Frontier::restore) and [`root_at`] look up.
    pub fn nodes_for(size: u64) -> Vec<NodeId> {
        Span {
            start: 0,
            end: size,
        }
        .nodes()
    }

    /// Rebuilds the frontier of a log of `size` leaves from the hashes of
    /// [`nodes_for(size)`](Frontier::nodes_for), which `lookup` supplies.
    pub fn restore(size: u64, mut lookup: impl FnMut(NodeId) -> Option<Hash>) -> Result<Self> {
        let nodes = Self::nodes_for(size)
            .into_iter()
            .map(|node| Ok((node, lookup(node).ok_or(Error::MissingNode(node))?)))
            .collect::<Result<_>>()?;
        Ok(Self { size, nodes })
    }
}

/// The root of the log when it had `size` leaves, from the hashes of
/// [`Frontier::nodes_for(size)`](Frontier::nodes_for), which `lookup` supplies.
pub fn root_at(size: u64, lookup: impl FnMut(NodeId) -> Option<Hash>) -> Result<Hash> {
    Ok(Frontier::restore(size, lookup)?.root())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    #[test]
    fn nodes_for_follows_the_bits_of_the_size() {
        assert_eq!(Frontier::nodes_for(0), vec![]);
        assert_eq!(Frontier::nodes_for(8), vec![node(3, 0)]);
        assert_eq!(
            Frontier::nodes_for(13),
            vec![node(3, 0), node(2, 2), node(0, 12)]
        );
        assert_eq!(Frontier::nodes_for(u64::MAX).len(), 64);
    }

    #[test]
    fn spans_on_the_right_edge_split_at_aligned_boundaries() {
        let span = Span { start: 8, end: 13 };
        assert_eq!(span.nodes(), vec![node(2, 2), node(0, 12)]);
        let perfect = Span { start: 4, end: 6 };
        assert_eq!(perfect.nodes(), vec![node(1, 2)]);
    }

    #[test]
    fn append_reports_the_completed_perfect_nodes() {
        let mut frontier = Frontier::new();
        let leaf = |i: u8| [i; 32];
        for i in 0..7 {
            frontier.append(leaf(i)).unwrap();
        }
        let completed = frontier.append(leaf(7)).unwrap();
        let ids: Vec<_> = completed.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, vec![node(0, 7), node(1, 3), node(2, 1), node(3, 0)]);
        assert_eq!(completed.last().unwrap().1, frontier.root());
        assert_eq!(frontier.size(), 8);
    }

    #[test]
    fn a_full_tree_refuses_another_leaf() {
        let mut frontier = Frontier::restore(u64::MAX, |_| Some([0; 32])).unwrap();
        assert_eq!(frontier.append([1; 32]), Err(Error::TreeFull));
        assert_eq!(frontier.size(), u64::MAX);
    }
}
