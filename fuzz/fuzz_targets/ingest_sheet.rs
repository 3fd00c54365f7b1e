//! libFuzzer over the spreadsheet reader: the input read as XLSX, ODS and CSV (and as XLS when it
//! starts like a compound file, whatever its name), when its content makes it a table; see
//! `ingest_invariants.rs`.
#![no_main]

mod ingest_invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["fuzz.xlsx", "fuzz.ods", "fuzz.csv"] {
        ingest_invariants::check(name, data, ingest_invariants::is_table);
    }
});
