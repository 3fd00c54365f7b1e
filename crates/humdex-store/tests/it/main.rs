//! Integration tests of the store. Every test runs on each backend the run has: SQLite always,
//! PostgreSQL too when `HUMDEX_TEST_POSTGRES_URL` is set (see `humdex-testkit`).
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

// Fixtures shared by the other modules: records, users, pools and an opened store per backend.
mod util;

// Records: intake and reading back, lists and their pages, idempotency keys, edits and versions, attachments.
mod records;

// The workflow: transitions legal and illegal, assignees, pool claims.
mod workflow;

// The journal: one entry per change, with the right contents and order, and its pages.
mod journal;

// Identity: passwords, disabled accounts, second factors, challenges, sign-in failures, API
// tokens and the MFA policy.
mod identity;

// The group-committing writer: concurrent writes, and failing writes inside a busy batch.
mod writer;

// Projections: the state counts replayed from random operation sequences, against a model.
mod projection;

// Labels: what each reader may see of records, fields, versions, the journal and the counters,
// and which labels a writer may write; with a property test over random labels and readers.
mod privileges;

// The audit log: appends and their indexes, checkpoints, proofs that verify, every journalled
// change audited in its transaction, and concurrent appends.
mod audit;

// Subscriptions: their owners alone create, list, pause and delete them; notifications kept once
// per record version, paged by id, delivered to webhooks, and deleted with their subscription.
mod subscriptions;

// The entity graph: merges checked, journalled and undone once; exclusions; relations citing
// evidence the actor reads; what the graph projection reads of records, with labels.
mod graph;

// The map: layers with their features (public ones unlabelled), tracks and their positions by
// time, each write journalled under its label.
mod map;
