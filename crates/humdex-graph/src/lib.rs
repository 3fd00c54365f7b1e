//! Link analysis for Humdex: the entity graph built from what text analysis, photo fingerprints
//! and analysts say about records, and the charts drawn from it.
//!
//! [`Graph`] holds one node per entity (identifiers with the same normalised value are one node;
//! analyst merges join nodes reversibly) and one link per pair of entities, carrying its evidence:
//! the records that support it, each under the labels of the parts it was found in. Every query
//! takes the caller's [`Visibility`]: a link is seen only through evidence the caller may see, a
//! node only through a mention the caller may see. Queries answer a [`Chart`], which the layout,
//! the measures and the exports work on. The crate does no I/O and knows nothing of storage or
//! HTTP.
#![warn(missing_docs)]

mod chart;
mod error;
mod export;
mod graph;
mod label;
mod layout;
mod measure;
mod suggest;

pub use chart::{Chart, ChartEdge, ChartNode, LinkKind, NodeKind};
pub use error::{Error, Result};
pub use export::{MAX_IMAGE_SIDE, to_graphml, to_png, to_svg};
pub use graph::{
    EntityInput, EntitySummary, Graph, GraphStats, MentionInput, NodeId, Paths, PhotoMatch,
    RelationInput,
};
pub use label::{LabelId, Visibility};
pub use layout::lay_out;
pub use measure::measure;
pub use suggest::{Candidate, Suggestion, suggest};
