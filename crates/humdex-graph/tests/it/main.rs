//! humdex-graph's integration tests.

/// Layout, measures (degree, betweenness, communities) and exports (GraphML, SVG, PNG) of
/// hand-built charts.
mod draw;
/// The entity graph: links, labels, records, image matches, relations, merges, exclusions, and
/// the limits and counts of neighbourhoods, paths and charts.
mod graph;
/// Random change sequences against a brute-force model of the graph.
mod graph_model;
