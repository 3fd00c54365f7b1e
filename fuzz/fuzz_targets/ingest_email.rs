//! libFuzzer over the file readers with input named `.eml`: see `ingest_invariants.rs`.
#![no_main]

mod ingest_invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ingest_invariants::check("fuzz.eml", data, |_| true));
