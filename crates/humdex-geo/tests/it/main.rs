//! The map's server side: the spatial index against brute force, clustering and aggregation, layers read from
//! GeoJSON/KML and placed from table rows, and exports read back.

/// Clustering for the map and H3 counts: counts conserved, groups checked against h3o and their points.
mod cluster;
/// GeoJSON and KML exports parse back, and read back as layers.
mod export;
/// Layers: GeoJSON and KML files and table rows placed by coordinates or place names, what could not be placed
/// and why, hostile and broken files.
mod layer;
/// Nearest-k and bounding boxes against brute force, across the antimeridian and near the poles.
mod spatial;
