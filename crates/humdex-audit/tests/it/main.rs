//! The audit log against the transparency-dev proof vectors, a simple model of RFC 9162, and
//! the tampering `humdex audit verify` must catch.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

/// Checkpoints: signed-note round trips, and changed notes or other keys refused.
mod checkpoints;
/// Audit entries: the canonical leaf bytes and reading them back.
mod entries;
/// Whole-log verification: a clean log passes, and each kind of tampering is named.
mod log;
/// Random and exhaustive trees: proofs from stored perfect nodes equal the RFC 9162 definitions.
mod model;
/// The transparency-dev/merkle vectors (`tests/data/merkle`), every inclusion and consistency file.
mod vectors;
