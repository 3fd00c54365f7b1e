//! PDQ hashing (see ../shared/research/pdq-spec.md).
