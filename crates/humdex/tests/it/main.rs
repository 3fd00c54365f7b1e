//! The `humdex` binary as its users run it, on every backend the run has.

/// Running the binary: a node in a child process, and the CLI's commands.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support fails the test loudly"
)]
mod support;

/// `humdex audit verify`: passes on a clean log, and names what was changed or removed.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod audit;
/// `humdex import` and `humdex user add`.
mod cli;
/// The demo dataset served: a chart from one suspect's phone reaching people, adverts and places
/// across reports, with labelled evidence hidden from a low-clearance analyst, and the demo's
/// layer of help answering `nearest`.
#[expect(clippy::unwrap_used, reason = "its helpers fail the test loudly")]
mod demo;
/// `humdex import` of a folder of files: emails with attachments, text, CSV, JSON Lines, and
/// broken files reported with their reasons; a second import creates nothing.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "its helpers fail the test loudly"
)]
mod import_files;
/// Every acknowledged record survives a SIGKILL of the server mid-write (nothing lost).
mod kill;
/// `humdex reindex`: the search index rebuilt from the journal, found again by the server.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "its helpers fail the test loudly"
)]
mod reindex;
