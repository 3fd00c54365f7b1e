//! RFC 9162 inclusion (§2.1.3) and consistency (§2.1.4) proofs.
//!
//! A proof is a list of subtree hashes. Each subtree is perfect or ends at the tree's right
//! edge (a [`Span`]), so it can be composed from stored perfect nodes; generation first lists the
//! spans, then the caller's lookup fills them in.

use crate::error::{Error, Result};
use crate::hash::{Hash, node_hash};
use crate::tree::{NodeId, Span};

/// The largest power of two below `size` (which is at least 2): where RFC 9162 splits a tree.
fn split(size: u64) -> u64 {
    1 << (size - 1).ilog2()
}

/// The subtrees of PATH(index, D[size]), from the leaf up.
fn inclusion_spans(index: u64, size: u64) -> Result<Vec<Span>> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let (mut start, mut end) = (0, size);
    let mut spans = Vec::new();
    while end - start > 1 {
        let middle = start + split(end - start);
        if index < middle {
            spans.push(Span { start: middle, end });
            end = middle;
        } else {
            spans.push(Span { start, end: middle });
            start = middle;
        }
    }
    spans.reverse();
    Ok(spans)
}

/// The subtrees of PROOF(size1, D[size2]), in proof order.
fn consistency_spans(size1: u64, size2: u64) -> Result<Vec<Span>> {
    if size1 > size2 {
        return Err(Error::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(Error::ConsistencyFromEmptyTree);
    }
    // SUBPROOF(m, D[start:end], b) walks down to the subtree that ends at size1; each step
    // appends one sibling, so the list is built top-down and reversed at the end.
    let (mut start, mut end) = (0, size2);
    let mut whole_old_tree = true;
    let mut spans = Vec::new();
    while size1 != end {
        let middle = start + split(end - start);
        if size1 <= middle {
            spans.push(Span { start: middle, end });
            end = middle;
        } else {
            spans.push(Span { start, end: middle });
            start = middle;
            whole_old_tree = false;
        }
    }
    // When the old tree is itself a subtree here, the verifier knows its root already.
    if !whole_old_tree {
        spans.push(Span { start, end });
    }
    spans.reverse();
    Ok(spans)
}

fn nodes_of(spans: Vec<Span>) -> Vec<NodeId> {
    spans.into_iter().flat_map(Span::nodes).collect()
}

fn hashes_of(
    spans: Vec<Span>,
    mut lookup: impl FnMut(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>> {
    spans
        .into_iter()
        .map(|span| span.hash(&mut lookup))
        .collect()
}

/// The perfect nodes [`inclusion_proof`] will look up, so the store can fetch them at once.
pub fn inclusion_proof_nodes(index: u64, size: u64) -> Result<Vec<NodeId>> {
    Ok(nodes_of(inclusion_spans(index, size)?))
}

/// The RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves, from the hashes of
/// [`inclusion_proof_nodes`], which `lookup` supplies.
pub fn inclusion_proof(
    index: u64,
    size: u64,
    lookup: impl FnMut(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>> {
    hashes_of(inclusion_spans(index, size)?, lookup)
}

/// The perfect nodes [`consistency_proof`] will look up, so the store can fetch them at once.
pub fn consistency_proof_nodes(size1: u64, size2: u64) -> Result<Vec<NodeId>> {
    Ok(nodes_of(consistency_spans(size1, size2)?))
}

/// The RFC 9162 consistency proof that the tree of `size1` leaves is a prefix of the tree of
/// `size2` leaves, from the hashes of [`consistency_proof_nodes`], which `lookup` supplies.
///
/// `size1` must be at least 1: RFC 9162 defines no proof from the empty tree.
pub fn consistency_proof(
    size1: u64,
    size2: u64,
    lookup: impl FnMut(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>> {
    hashes_of(consistency_spans(size1, size2)?, lookup)
}

/// The error for a proof of the wrong length, naming the length the sizes call for.
fn wrong_length(spans: Result<Vec<Span>>, proof: &[Hash]) -> Error {
    match spans {
        Ok(spans) => Error::WrongProofLength {
            expected: spans.len(),
            actual: proof.len(),
        },
        Err(error) => error,
    }
}

/// Shifts `first` and `second` right together until `first`'s lowest bit is set or it is 0.
fn shift_while_even(first: &mut u64, second: &mut u64) {
    while *first != 0 && *first & 1 == 0 {
        *first >>= 1;
        *second >>= 1;
    }
}

/// Checks that `proof` proves the leaf with `leaf_hash` is leaf `index` of the tree of `size`
/// leaves whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<()> {
    let length_error = || wrong_length(inclusion_spans(index, size), proof);
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let (mut first, mut last) = (index, size - 1);
    let mut hash = *leaf_hash;
    for sibling in proof {
        if last == 0 {
            return Err(length_error());
        }
        if first & 1 == 1 || first == last {
            hash = node_hash(sibling, &hash);
            shift_while_even(&mut first, &mut last);
        } else {
            hash = node_hash(&hash, sibling);
        }
        first >>= 1;
        last >>= 1;
    }
    if last != 0 {
        return Err(length_error());
    }
    if hash != *root {
        return Err(Error::RootMismatch { size });
    }
    Ok(())
}

/// Checks that `proof` proves the tree of `size1` leaves with root `root1` is a prefix of the tree
/// of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots; `size1` 0 is refused, as the empty tree is a
/// prefix of every tree and a proof from it shows nothing.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<()> {
    let length_error = || wrong_length(consistency_spans(size1, size2), proof);
    if size1 > size2 {
        return Err(Error::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(Error::ConsistencyFromEmptyTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(length_error());
        }
        if root1 != root2 {
            return Err(Error::RootMismatch { size: size2 });
        }
        return Ok(());
    }
    // An old tree of a power-of-two size is a subtree of the new one, whose root the proof leaves
    // out: the verifier starts from root1 instead.
    let (start, rest) = match proof.split_first() {
        None => return Err(length_error()),
        Some((head, tail)) if !size1.is_power_of_two() => (head, tail),
        Some(_) => (root1, proof),
    };
    let (mut first, mut last) = (size1 - 1, size2 - 1);
    while first & 1 == 1 {
        first >>= 1;
        last >>= 1;
    }
    let (mut old_root, mut new_root) = (*start, *start);
    for sibling in rest {
        if last == 0 {
            return Err(length_error());
        }
        if first & 1 == 1 || first == last {
            old_root = node_hash(sibling, &old_root);
            new_root = node_hash(sibling, &new_root);
            shift_while_even(&mut first, &mut last);
        } else {
            new_root = node_hash(&new_root, sibling);
        }
        first >>= 1;
        last >>= 1;
    }
    if last != 0 {
        return Err(length_error());
    }
    if old_root != *root1 {
        return Err(Error::RootMismatch { size: size1 });
    }
    if new_root != *root2 {
        return Err(Error::RootMismatch { size: size2 });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(pairs: &[(u64, u64)]) -> Vec<Span> {
        pairs
            .iter()
            .map(|&(start, end)| Span { start, end })
            .collect()
    }

    #[test]
    fn inclusion_spans_follow_rfc_9162_path() {
        // PATH(2, D[7]) = PATH(2, D[0:4]) : MTH(D[4:7]) = [D[3:4], D[0:2], D[4:7]].
        assert_eq!(
            inclusion_spans(2, 7).unwrap(),
            spans(&[(3, 4), (0, 2), (4, 7)])
        );
        assert_eq!(inclusion_spans(0, 1).unwrap(), vec![]);
        assert_eq!(
            inclusion_spans(1, 1),
            Err(Error::IndexOutOfRange { index: 1, size: 1 })
        );
    }

    #[test]
    fn consistency_spans_follow_rfc_9162_proof() {
        // The RFC 9162 §2.1.4.1 examples over seven leaves.
        assert_eq!(
            consistency_spans(3, 7).unwrap(),
            spans(&[(2, 3), (3, 4), (0, 2), (4, 7)])
        );
        assert_eq!(consistency_spans(4, 7).unwrap(), spans(&[(4, 7)]));
        assert_eq!(
            consistency_spans(6, 7).unwrap(),
            spans(&[(4, 6), (6, 7), (0, 4)])
        );
        assert_eq!(consistency_spans(5, 5).unwrap(), vec![]);
        assert_eq!(
            consistency_spans(0, 5),
            Err(Error::ConsistencyFromEmptyTree)
        );
    }

    #[test]
    fn a_wrong_length_names_the_expected_length() {
        let root = [0; 32];
        assert_eq!(
            verify_inclusion(&root, 0, 8, &[root], &root),
            Err(Error::WrongProofLength {
                expected: 3,
                actual: 1
            })
        );
        assert_eq!(
            verify_consistency(3, 7, &[root; 5], &root, &root),
            Err(Error::WrongProofLength {
                expected: 4,
                actual: 5
            })
        );
    }
}
