//! Text analysis for Humdex: finds the people, organisations, places, contacts, money, weapons and trafficking
//! indicators in a record's text, each with its span, type, normalised value, confidence and extractor.
//!
//! The pipeline: deterministic [`patterns`] (phones to E.164, e-mails, URLs, coordinates, money, dates, ages,
//! crypto wallets, social handles, plates, weapons), a statistical [`ner`] model (a pure-Rust port of spaCy's
//! `en_core_web_sm` 3.8.0 NER, reproducing its entities exactly), a merge where patterns win overlaps with the
//! model's numbers, geocoding of places through [`humdex_geo`], and an [`indicators`] lexicon that scores the
//! text. This crate does no I/O beyond loading its embedded model and data.
#![warn(missing_docs)]

mod analysis;
mod entity;
pub mod highlight;
pub mod indicators;
mod names;
pub mod ner;
mod offsets;
pub mod patterns;
pub mod tokenizer;

pub use analysis::{Analysis, Analyzer, Entity, LoadError, MAX_TEXT_BYTES, Truncation};
pub use entity::{Context, EntityKind, Found, Normalized};
