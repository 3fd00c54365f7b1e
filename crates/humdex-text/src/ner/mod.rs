//! A pure-Rust port of the NER component of spaCy's `en_core_web_sm` 3.8.0.
