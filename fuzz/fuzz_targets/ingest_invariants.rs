//! What the file-reader fuzz targets check: any bytes, read as a file of a given name within small
//! limits, give records that validate or an error, never a panic. A single-document file's record
//! carries the file to attach; a table's rows (a spreadsheet, CSV or JSON records) carry none, as
//! the caller keeps a table once, not per row.
//!
//! A panic in a parsing library (lopdf, mail-parser, calamine) that the reader catches and reports
//! as a damaged file is allowed; one the reader does not catch still ends the run.

use std::sync::Once;
use std::time::Duration;

use humdex_ingest::{File, Format, Limits, Options, detect, read};

/// Whether files of `format` hold a table, one record per row or line.
pub fn is_table(format: Format) -> bool {
    matches!(
        format,
        Format::Csv | Format::Xlsx | Format::Xls | Format::Ods | Format::Json | Format::JsonLines
    )
}

/// Reads `data` as a file named `name` and checks what comes back, if its name and content make
/// it a format that `wanted` picks (bytes left out are left to the other targets).
pub fn check(name: &str, data: &[u8], wanted: impl Fn(Format) -> bool) {
    // Bytes of no format we read only make `read` refuse them: nothing to check.
    let Some(format) = detect(name, data).filter(|&format| wanted(format)) else {
        return;
    };
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // libfuzzer-sys's hook aborts on any panic, even a caught one. Keep it for panics in our
        // code; a library's panic unwinds to the reader's guard, or to libfuzzer-sys, which
        // aborts on any panic that reaches it.
        let abort_on_panic = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_library = info
                .location()
                .is_some_and(|location| location.file().contains("/.cargo/registry/"));
            if !in_library {
                abort_on_panic(info);
            }
        }));
    });
    let file = File {
        name: name.to_owned(),
        media_type: String::new(),
        bytes: data.to_vec(),
    };
    let options = Options {
        limits: Limits {
            max_file_bytes: 1 << 20,
            max_expanded_bytes: 8 << 20,
            max_pages: 50,
            max_rows: 1_000,
            max_depth: 4,
            max_pixels: 4_000_000,
            timeout: Duration::from_secs(10),
        },
        ..Options::default()
    };
    if let Ok(records) = read(&file, &options) {
        for extracted in records {
            if let Err(error) = extracted.record.validate() {
                panic!("a record read from {name} does not validate: {error:?}");
            }
            if is_table(format) {
                assert!(
                    extracted.attachments.is_empty(),
                    "a row with a file attached"
                );
            } else {
                assert!(
                    !extracted.attachments.is_empty(),
                    "a record without its file"
                );
            }
        }
    }
}
