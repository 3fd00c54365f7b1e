//! The percolator (being written).
