//! libFuzzer over the JSON record readers: the input read as `.json` and as `.jsonl`; see
//! `table_invariants.rs`.
#![no_main]

mod table_invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["fuzz.json", "fuzz.jsonl"] {
        table_invariants::check(name, data);
    }
});
