//! The API driven through `app().oneshot(..)` on every backend the run has (SQLite always,
//! PostgreSQL when HUMDEX_TEST_POSTGRES_URL is set).

/// Shared setup: a node with users, and a client that speaks JSON to it.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support fails the test loudly"
)]
mod support;

/// Text analysis of records: entities found, normalised and located, stored as a projection,
/// withheld with the field they were found in, and shown colour-coded.
#[expect(clippy::unwrap_used, reason = "its helpers fail the test loudly")]
mod analysis;
/// The audit log: signed checkpoints and the proofs that verify against them, admins only,
/// parameters checked, and every read of the log audited itself.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod audit;
/// Sign-in, sessions, expiry and sign-out.
mod auth;
/// Malformed input: every refusal is a JSON error that names what is wrong, and changes nothing.
mod bad_input;
/// Releasing records to users and pools, and their queues.
mod dissemination;
/// Link analysis: a phone reaching people and places across reports, paths, charts and their
/// exports, merges with undo, relations and exclusions, never past the caller's clearance.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod graph;
/// Identity: second factors, lockout, passwords, disabled accounts, API tokens and their scopes,
/// CSRF, security headers and rate limits.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod identity;
/// Photo fingerprints: copies found re-encoded, resized and rotated, only among the records and
/// files the caller may see; flat pictures never matched; hash lists raising alerts.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod images;
/// File imports: a job in the background, each file's result, duplicates found again, jobs
/// private to who started them, and refusals before anything runs.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod import;
/// The map: layers from spreadsheets, GeoJSON and KML with nearest help, record locations and
/// places within clearance, filters, exports, H3 cells, clusters of 100k points, and tracks.
#[expect(clippy::unwrap_used, reason = "its helpers fail the test loudly")]
mod map;
/// Labels: withheld fields, hidden records, pointers, writing within one's clearance, grants,
/// and the property that no response ever shows a value above the reader's clearance.
mod privileges;
/// Intake, reads, lists, edits, idempotency and attachments.
mod records;
/// Search: words, filters, entities and places, facets and pages, and nothing above the
/// caller's clearance.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod search;
/// Subscriptions: stored queries, backfill, live notifications by event stream and webhook,
/// and none for a field the owner may not see.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod subscriptions;
/// Workflow moves, pools, claims, the journal, the dashboard and the OpenAPI description.
mod workflow;
