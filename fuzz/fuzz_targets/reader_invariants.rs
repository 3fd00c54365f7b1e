//! What the file-reader fuzz targets check: any bytes, read as a file of a given name within small
//! limits, give records that validate (each with a file to attach) or an error, never a panic.
//! A panic in a parsing library (lopdf, mail-parser) that the reader catches and reports as a
//! damaged file is allowed; one the reader does not catch still ends the run.

use std::sync::Once;
use std::time::Duration;

use humdex_ingest::{File, Limits, Options, read};

/// Reads `data` as a file named `name` and checks what comes back.
pub fn check(name: &str, data: &[u8]) {
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
            assert!(
                !extracted.attachments.is_empty(),
                "a record without its file"
            );
        }
    }
}
