//! File readers: each turns the bytes of one file into the records it holds. An email, a PDF, a
//! Word file or a photo is one record; an mbox holds one record per message, a spreadsheet or CSV
//! one per row, a JSON Lines file one per line. A record keeps the files it came from (the file
//! itself, an email's attachments) so they can be attached to it, and their text as its narrative
//! so text analysis and search see it.
//!
//! Readers never touch the store, and never trust a file: every reader works within [`Limits`]
//! (size, decompressed size, pages, rows, nesting, time) and answers a [`ReadError`] that says why
//! when a file breaks them. A reader either yields every record of a file or none.

use std::time::{Duration, Instant};

use humdex_model::NewRecord;

mod archive;
mod detect;
mod document;
mod email;
mod guard;
mod image;
mod json;
mod pdf;
mod sheet;
mod text;

pub use detect::{Format, ImageFormat, detect};
pub use sheet::{ColumnMapping, Table};

/// A file as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its name (an attachment's name in an email, a path's last part on disk).
    pub name: String,
    /// Its media type, as detected from its content (or its name where content says nothing).
    pub media_type: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// One record a file holds, with the files to attach to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The record, ready for intake (its narrative is the text found in the file).
    pub record: NewRecord,
    /// The files to attach: the file itself for a single-record file, an email's attachments.
    pub attachments: Vec<File>,
}

/// Bounds that a hostile file must not make a reader exceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest file read at all.
    pub max_file_bytes: u64,
    /// The most bytes decompressed from one file (zip members of DOCX/XLSX/ODS, PDF streams).
    pub max_expanded_bytes: u64,
    /// The most PDF pages read.
    pub max_pages: u32,
    /// The most spreadsheet/CSV rows (and mbox messages, JSON Lines lines) read.
    pub max_rows: u64,
    /// How deep attachments may nest (an email attached to an email attached to …).
    pub max_depth: u32,
    /// The most pixels an image may decode to.
    pub max_pixels: u64,
    /// How long one file may take to read.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 256 * 1024 * 1024,
            max_expanded_bytes: 512 * 1024 * 1024,
            max_pages: 5_000,
            max_rows: 1_000_000,
            max_depth: 8,
            max_pixels: 100_000_000,
            timeout: Duration::from_secs(60),
        }
    }
}

/// How to read files: limits, and how spreadsheet columns map to record fields.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Bounds against hostile files.
    pub limits: Limits,
    /// Which columns of a spreadsheet or CSV hold what; guessed from the header row when absent.
    pub mapping: Option<ColumnMapping>,
}

/// Why a file could not be read. Nothing of a file that fails is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The content is not a format we read.
    #[error("unsupported file type{}", .0.as_deref().map(|hint| format!(" ({hint})")).unwrap_or_default())]
    Unsupported(Option<String>),
    /// The file is damaged or not what it claims to be.
    #[error("cannot read {format}: {reason}")]
    Malformed {
        /// The format it was read as.
        format: &'static str,
        /// What was wrong, in words.
        reason: String,
    },
    /// The file breaks one of the [`Limits`].
    #[error("{0}")]
    Limit(String),
}

impl ReadError {
    /// A damaged `format` file.
    pub(crate) fn malformed(format: &'static str, reason: impl ToString) -> Self {
        Self::Malformed {
            format,
            reason: reason.to_string(),
        }
    }
}

/// The clock a reader checks against [`Limits::timeout`] between pages, rows and messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// Errs once the time allowed for one file is up.
    pub(crate) fn check(self) -> Result<(), ReadError> {
        if Instant::now() >= self.0 {
            Err(ReadError::Limit(
                "the file took too long to read".to_owned(),
            ))
        } else {
            Ok(())
        }
    }
}

/// The records in `file`, with the files to attach to each.
pub fn read(file: &File, options: &Options) -> Result<Vec<Extracted>, ReadError> {
    Context::start(options, &file.bytes)?.read(file)
}

/// The table in a spreadsheet or CSV file named `name`, for callers that want rows rather than
/// records (map layers): XLSX, XLS and ODS are told by their content, and any other file but a
/// PDF, Word file, photo or zip archive is read as CSV (separated by commas, semicolons or tabs,
/// tabs always when `name` ends in `.tsv`; UTF-8, UTF-16 after its byte order mark, else
/// Windows-1252). Works within `limits` as [`read`] does.
pub fn read_table(name: &str, bytes: &[u8], limits: &Limits) -> Result<Table, ReadError> {
    let options = Options {
        limits: limits.clone(),
        mapping: None,
    };
    sheet::read_table(&Context::start(&options, bytes)?, name, bytes)
}

/// What a reader carries while it reads one file and the files nested in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) options: &'a Options,
    pub(crate) deadline: Deadline,
    /// How many files this one is nested in.
    pub(crate) depth: u32,
}

impl<'a> Context<'a> {
    /// The context for reading a file of `bytes` that nests in none; its time starts now. A file
    /// larger than [`Limits::max_file_bytes`] is refused.
    fn start(options: &'a Options, bytes: &[u8]) -> Result<Self, ReadError> {
        let limits = &options.limits;
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(ReadError::Limit(format!(
                "the file is {} bytes; the limit is {}",
                bytes.len(),
                limits.max_file_bytes
            )));
        }
        Ok(Self {
            options,
            deadline: Deadline(Instant::now() + limits.timeout),
            depth: 0,
        })
    }

    /// Reads `file` by its detected format.
    pub(crate) fn read(&self, file: &File) -> Result<Vec<Extracted>, ReadError> {
        if self.depth > self.options.limits.max_depth {
            return Err(ReadError::Limit(format!(
                "files nest more than {} deep",
                self.options.limits.max_depth
            )));
        }
        self.deadline.check()?;
        match detect(&file.name, &file.bytes) {
            Some(Format::Email) => email::read_message(self, file),
            Some(Format::Mbox) => email::read_mbox(self, file),
            Some(Format::Pdf) => pdf::read(self, file),
            Some(Format::Docx) => document::read(self, file),
            Some(format @ (Format::Xlsx | Format::Xls | Format::Ods | Format::Csv)) => {
                sheet::read(self, file, format)
            }
            Some(Format::Image(_)) => image::read(self, file),
            Some(Format::Json) => json::read_json(self, file),
            Some(Format::JsonLines) => json::read_lines(self, file),
            Some(Format::Text) => document::read_text(self, file),
            None => Err(ReadError::Unsupported(None)),
        }
    }

    /// The context for a file nested in this one.
    pub(crate) fn nested(&self) -> Self {
        Self {
            depth: self.depth + 1,
            ..*self
        }
    }
}
