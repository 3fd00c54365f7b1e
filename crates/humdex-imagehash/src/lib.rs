//! Photo fingerprints. [`pdq`] computes Meta's PDQ perceptual hash exactly as the reference
//! does; [`index`] finds the stored hashes within a Hamming distance of a query's, exactly.

mod hash;
pub mod index;
pub mod pdq;

pub use hash::{Hash256, InvalidHash, InvalidHashLine, parse_hash_list};
