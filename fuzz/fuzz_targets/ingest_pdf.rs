//! libFuzzer over the file readers with input named `.pdf`: see `reader_invariants.rs`.
#![no_main]

mod reader_invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| reader_invariants::check("fuzz.pdf", data));
