//! libFuzzer over the image reader with input named `.jpg` (PNG, WebP, GIF and TIFF are told by
//! their content): see `ingest_invariants.rs`.
#![no_main]

mod ingest_invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ingest_invariants::check("fuzz.jpg", data, |_| true));
