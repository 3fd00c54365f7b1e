//! Exact Hamming search over 256-bit hashes.
