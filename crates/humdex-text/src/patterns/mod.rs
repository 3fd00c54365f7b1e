//! Deterministic extractors: each validates and normalises what it finds. See `SPANS.md` beside this crate's
//! manifest for what each span covers.

use crate::{Context, Found};

mod age;
mod coordinates;
mod crypto;
mod date;
mod email;
mod handle;
mod money;
mod phone;
mod plate;
mod url;
mod weapon;

/// Runs every pattern extractor over `text`; the results may overlap each other.
pub fn find_all(text: &str, context: &Context) -> Vec<Found> {
    let mut found = Vec::new();
    for find in [
        url::find,
        email::find,
        phone::find,
        handle::find,
        crypto::find,
        coordinates::find,
        money::find,
        date::find,
        age::find,
        plate::find,
        weapon::find,
    ] {
        find(text, context, &mut found);
    }
    found
}
