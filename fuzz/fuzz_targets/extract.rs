//! libFuzzer over the whole text analysis: any UTF-8 input must analyse without a panic and with
//! every invariant the smoke test checks.
#![no_main]

#[path = "../../crates/humdex-text/tests/invariants/mod.rs"]
mod invariants;

use std::sync::LazyLock;

use humdex_text::Analyzer;
use libfuzzer_sys::fuzz_target;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new().expect("the model loads"));

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        invariants::check(&ANALYZER, text);
    }
});
