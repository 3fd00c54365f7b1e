//! libFuzzer over the JSON record readers: the input read as `.json` and as `.jsonl`, when its
//! content makes it a table; see `ingest_invariants.rs`.
#![no_main]

mod ingest_invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["fuzz.json", "fuzz.jsonl"] {
        ingest_invariants::check(name, data, ingest_invariants::is_table);
    }
});
