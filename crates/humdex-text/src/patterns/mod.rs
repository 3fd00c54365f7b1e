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

/// Running one extractor in its unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{Context, Found, Normalized};

    /// An extractor's entry point.
    pub(crate) type Find = fn(&str, &Context, &mut Vec<Found>);

    /// What `find` reports in `text` read with `context`, in text order.
    pub(crate) fn finds(find: Find, text: &str, context: &Context) -> Vec<Found> {
        let mut out = Vec::new();
        find(text, context, &mut out);
        out.sort_by_key(|found| found.span.start);
        out
    }

    /// For an extractor whose values are text: each find as (written, normalised).
    pub(crate) fn texts(find: Find, text: &str, context: &Context) -> Vec<(String, String)> {
        finds(find, text, context)
            .into_iter()
            .map(|found| match found.normalized {
                Normalized::Text(value) => (text[found.span].to_owned(), value),
                other => panic!("expected a text value, got {other:?}"),
            })
            .collect()
    }
}
