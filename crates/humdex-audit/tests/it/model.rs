use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use humdex_audit::{
    EMPTY_ROOT, Frontier, Hash, NodeId, consistency_proof, consistency_proof_nodes,
    inclusion_proof, inclusion_proof_nodes, leaf_hash, node_hash, root_at, verify_consistency,
    verify_inclusion,
};
use proptest::prelude::*;

/// The RFC 9162 §2.1 definitions, written as plainly as the RFC does, over leaf hashes.
mod reference {
    use super::*;

    /// The largest power of two below `n` (n ≥ 2).
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// MTH(D[n]).
    pub fn root(leaves: &[Hash]) -> Hash {
        match leaves {
            [] => EMPTY_ROOT,
            [leaf] => *leaf,
            _ => {
                let k = split(leaves.len());
                node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
            }
        }
    }

    /// PATH(m, D[n]).
    pub fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        if leaves.len() <= 1 {
            return Vec::new();
        }
        let k = split(leaves.len());
        let (mut proof, sibling) = if m < k {
            (path(m, &leaves[..k]), root(&leaves[k..]))
        } else {
            (path(m - k, &leaves[k..]), root(&leaves[..k]))
        };
        proof.push(sibling);
        proof
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    pub fn proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        subproof(m, leaves, true)
    }

    fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        if m == leaves.len() {
            return if whole {
                Vec::new()
            } else {
                vec![root(leaves)]
            };
        }
        let k = split(leaves.len());
        let (mut proof, sibling) = if m <= k {
            (subproof(m, &leaves[..k], whole), root(&leaves[k..]))
        } else {
            (subproof(m - k, &leaves[k..], false), root(&leaves[..k]))
        };
        proof.push(sibling);
        proof
    }
}

/// A log of `size` leaves drawn from `seed`: its leaf hashes, the perfect nodes the store keeps,
/// and the frontier.
fn build(seed: u64, size: usize) -> (Vec<Hash>, HashMap<NodeId, Hash>, Frontier) {
    let leaves: Vec<Hash> = (0..size as u64)
        .map(|i| leaf_hash(&[seed.to_be_bytes(), i.to_be_bytes()].concat()))
        .collect();
    let mut frontier = Frontier::new();
    let mut nodes = HashMap::new();
    for leaf in &leaves {
        for (id, hash) in frontier.append(*leaf).unwrap() {
            assert!(nodes.insert(id, hash).is_none(), "{id} reported twice");
        }
    }
    (leaves, nodes, frontier)
}

/// Runs `generate` with a lookup into `nodes`, and checks it asked for exactly `listed`.
fn looked_up<T>(
    nodes: &HashMap<NodeId, Hash>,
    listed: Vec<NodeId>,
    generate: impl FnOnce(&mut dyn FnMut(NodeId) -> Option<Hash>) -> T,
) -> T {
    let asked = RefCell::new(BTreeSet::new());
    let result = generate(&mut |id| {
        asked.borrow_mut().insert(id);
        nodes.get(&id).copied()
    });
    assert_eq!(asked.into_inner(), listed.into_iter().collect());
    result
}

/// Checks the inclusion proof of leaf `index` in the whole log against PATH.
fn check_inclusion(leaves: &[Hash], nodes: &HashMap<NodeId, Hash>, root: &Hash, index: usize) {
    let (size, index_u64) = (leaves.len() as u64, index as u64);
    let proof = looked_up(
        nodes,
        inclusion_proof_nodes(index_u64, size).unwrap(),
        |lookup| inclusion_proof(index_u64, size, lookup).unwrap(),
    );
    assert_eq!(
        proof,
        reference::path(index, leaves),
        "PATH({index}, D[{size}])"
    );
    verify_inclusion(&leaves[index], index_u64, size, &proof, root).unwrap();
}

/// Checks the root of the first `old` leaves, and their consistency proof with the whole log
/// against PROOF.
fn check_consistency(leaves: &[Hash], nodes: &HashMap<NodeId, Hash>, root: &Hash, old: usize) {
    let (size, old_u64) = (leaves.len() as u64, old as u64);
    let old_root = reference::root(&leaves[..old]);
    assert_eq!(
        root_at(old_u64, |id| nodes.get(&id).copied()).unwrap(),
        old_root
    );
    let proof = looked_up(
        nodes,
        consistency_proof_nodes(old_u64, size).unwrap(),
        |lookup| consistency_proof(old_u64, size, lookup).unwrap(),
    );
    assert_eq!(
        proof,
        reference::proof(old, leaves),
        "PROOF({old}, D[{size}])"
    );
    verify_consistency(old_u64, size, &proof, &old_root, root).unwrap();
}

#[test]
fn every_proof_of_small_trees_follows_rfc_9162() {
    for size in 1..=48 {
        let (leaves, nodes, frontier) = build(size as u64, size);
        let root = reference::root(&leaves);
        assert_eq!(frontier.root(), root);
        for position in 0..size {
            check_inclusion(&leaves, &nodes, &root, position);
            check_consistency(&leaves, &nodes, &root, position + 1);
        }
    }
}

fn log_and_positions() -> impl Strategy<Value = (u64, usize, usize, usize)> {
    (any::<u64>(), 1..3000usize)
        .prop_flat_map(|(seed, size)| (Just(seed), Just(size), 0..size, 1..=size))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn proofs_from_stored_nodes_follow_rfc_9162(
        (seed, size, index, old) in log_and_positions(),
        element in any::<prop::sample::Index>(),
        bit in 0..256usize,
    ) {
        let (leaves, nodes, frontier) = build(seed, size);
        let root = reference::root(&leaves);
        prop_assert_eq!(frontier.root(), root);
        check_inclusion(&leaves, &nodes, &root, index);
        check_consistency(&leaves, &nodes, &root, old);

        // One flipped bit anywhere in a proof is caught.
        let flip = |proof: &mut Vec<Hash>| {
            let at = element.index(proof.len());
            proof[at][bit / 8] ^= 1 << (bit % 8);
        };
        let old_root = reference::root(&leaves[..old]);
        let lookup = |id| nodes.get(&id).copied();
        let (size, index_u64, old_u64) = (size as u64, index as u64, old as u64);
        let mut inclusion = inclusion_proof(index_u64, size, lookup).unwrap();
        if !inclusion.is_empty() {
            flip(&mut inclusion);
            prop_assert!(verify_inclusion(&leaves[index], index_u64, size, &inclusion, &root).is_err());
        }
        let mut consistency = consistency_proof(old_u64, size, lookup).unwrap();
        if !consistency.is_empty() {
            flip(&mut consistency);
            prop_assert!(verify_consistency(old_u64, size, &consistency, &old_root, &root).is_err());
        }
    }

    #[test]
    fn a_restored_frontier_carries_on_like_the_original(
        (seed, size, _, old) in log_and_positions(),
    ) {
        let (leaves, nodes, _) = build(seed, size);
        let mut original = Frontier::new();
        for leaf in &leaves[..old] {
            original.append(*leaf).unwrap();
        }
        let mut restored = Frontier::restore(old as u64, |id| nodes.get(&id).copied()).unwrap();
        prop_assert_eq!(&restored, &original);
        for leaf in &leaves[old..] {
            prop_assert_eq!(restored.append(*leaf).unwrap(), original.append(*leaf).unwrap());
        }
        prop_assert_eq!(restored.root(), reference::root(&leaves));
    }
}
