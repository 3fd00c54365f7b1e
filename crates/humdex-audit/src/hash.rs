use sha2::{Digest, Sha256};

/// A SHA-256 hash: of a leaf, of a tree node, or a tree's root.
pub type Hash = [u8; 32];

/// The root of the empty tree, SHA-256 of no bytes (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of one log entry's bytes: SHA-256(0x00 ‖ entry).
///
/// The prefix keeps a leaf from ever passing for an inner node (RFC 9162 §2.1.1).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(entry)
        .finalize()
        .into()
}

/// The hash of an inner node from its two children: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <Hash>::from(Sha256::digest(b"")));
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let leaf = leaf_hash(b"");
        // SHA-256(0x00), the RFC 6962 reference tree's first leaf.
        assert_eq!(
            leaf[..4],
            [0x6e, 0x34, 0x0b, 0x9c],
            "leaf hash of the empty entry"
        );
        let mut both = Vec::from(leaf);
        both.extend_from_slice(&leaf);
        assert_ne!(node_hash(&leaf, &leaf), leaf_hash(&both));
    }
}
