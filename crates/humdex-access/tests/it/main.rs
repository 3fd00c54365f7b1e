//! Access expressions against the Apache conformance suite and against a simple model.

/// The Apache accumulo-access conformance cases (`tests/data`), every one of them.
mod conformance;
/// Random expressions: printing and parsing agree, and compiled checks agree with evaluation.
mod model;
