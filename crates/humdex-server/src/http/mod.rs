//! HTTP plumbing shared by every area: the error type and the extractors.

pub mod error;
pub mod extract;
