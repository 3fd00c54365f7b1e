//! What the spreadsheet and JSON fuzz targets check: any bytes that a given name and their content
//! make a table (a spreadsheet, CSV or JSON records), read within small limits, give records that
//! validate (with no files attached: the caller keeps a table once, not per row) or an error,
//! never a panic. Bytes that their content makes something else are left to the other targets. A
//! panic that the sheet reader catches from calamine and reports as a damaged file is allowed, so
//! only panics elsewhere abort.

use std::sync::Once;
use std::time::Duration;

use humdex_ingest::{File, Format, Limits, Options, detect, read};

/// Reads `data` as a file named `name` and checks what comes back.
pub fn check(name: &str, data: &[u8]) {
    let table = matches!(
        detect(name, data),
        Some(
            Format::Csv
                | Format::Xlsx
                | Format::Xls
                | Format::Ods
                | Format::Json
                | Format::JsonLines
        )
    );
    if !table {
        return;
    }
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // libfuzzer-sys aborts on any panic, even a caught one: keep that for ours only.
        let abort_on_panic = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|location| location.file().contains("/calamine-"));
            if !in_calamine {
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
            max_rows: 1_000,
            timeout: Duration::from_secs(10),
            ..Limits::default()
        },
        ..Options::default()
    };
    if let Ok(records) = read(&file, &options) {
        for extracted in records {
            if let Err(error) = extracted.record.validate() {
                panic!("a record read from {name} does not validate: {error:?}");
            }
            assert!(
                extracted.attachments.is_empty(),
                "a row with a file attached"
            );
        }
    }
}
