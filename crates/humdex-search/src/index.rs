//! The tantivy index (being written).
