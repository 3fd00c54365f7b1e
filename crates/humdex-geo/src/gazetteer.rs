//! The embedded gazetteer: places, their name keys and the word lists that guard the text scan.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::normalise::Tokens;

/// A resolved place: what a geocoded location mention normalises to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The gazetteer's name for the place.
    pub name: String,
    /// Latitude in decimal degrees (WGS 84).
    pub lat: f64,
    /// Longitude in decimal degrees (WGS 84).
    pub lon: f64,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// What sort of place a gazetteer entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    /// A country or territory; its point is its capital.
    Country,
    /// A US state (or DC); its point is the population-weighted centroid of its cities.
    State,
    /// A populated place of at least 15,000 people.
    City,
}

/// One gazetteer entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub place: Place,
    pub kind: PlaceKind,
    /// GeoNames admin1 code: the postal code for US states ("TX"), empty for countries.
    pub admin1: String,
    pub population: u64,
}

impl Entry {
    /// Whether `other` lies inside this country or state.
    pub fn contains(&self, other: &Entry) -> bool {
        match self.kind {
            PlaceKind::Country => {
                other.kind != PlaceKind::Country && other.place.country == self.place.country
            }
            PlaceKind::State => {
                other.kind == PlaceKind::City
                    && other.place.country == "US"
                    && other.admin1 == self.admin1
            }
            PlaceKind::City => false,
        }
    }
}

/// A place a name key leads to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub place: u32,
    /// Reached through one of GeoNames' alternate names, which include historic and foreign ones.
    pub alias: bool,
}

/// A place an abbreviation leads to ("TX", "USA").
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeHit {
    pub place: u32,
    /// Taken as a place on its own in unlabelled text ("USA"), not only after a comma ("Paris, TX").
    pub standalone: bool,
}

/// The embedded GeoNames gazetteer.
#[derive(Debug)]
pub struct Gazetteer {
    pub(crate) places: Vec<Entry>,
    /// Folded name → places; keys that only begin longer names map to nothing, so a scan knows to go on.
    pub(crate) names: FxHashMap<Box<str>, Vec<Hit>>,
    /// Upper-case code → places.
    pub(crate) codes: FxHashMap<Box<str>, Vec<CodeHit>>,
    /// The longest name, in words.
    pub(crate) max_words: usize,
    /// Ordinary English words that are also (parts of) place names.
    pub(crate) common: FxHashSet<Box<str>>,
    /// Person names that are also place names.
    pub(crate) given: FxHashSet<Box<str>>,
}

const PLACES: &str = include_str!("../data/places.tsv");
const COMMON_WORDS: &str = include_str!("../data/common-words.txt");
const GIVEN_NAMES: &str = include_str!("../data/given-names.txt");

impl Gazetteer {
    /// The embedded gazetteer (parsed once, shared).
    pub fn embedded() -> &'static Gazetteer {
        static EMBEDDED: OnceLock<Gazetteer> = OnceLock::new();
        EMBEDDED.get_or_init(Self::load)
    }

    /// A freshly parsed copy of the embedded data; [`Gazetteer::embedded`] parses it only once.
    pub fn load() -> Gazetteer {
        Self::parse(PLACES)
    }

    /// Parses the `places.tsv` format (see `data/README.md`); malformed lines are skipped.
    fn parse(tsv: &str) -> Self {
        let mut gazetteer = Self {
            places: Vec::new(),
            // Names and aliases average about three a line, plus the prefixes of longer names.
            names: FxHashMap::with_capacity_and_hasher(tsv.len() / 12, Default::default()),
            codes: FxHashMap::default(),
            max_words: 1,
            common: word_list(COMMON_WORDS),
            given: word_list(GIVEN_NAMES),
        };
        let mut words = Tokens::default();
        for line in tsv.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t');
            let mut next = || fields.next().unwrap_or_default();
            let (kind, names, country, admin1, population, lat, lon, codes, aliases) = (
                next(),
                next(),
                next(),
                next(),
                next(),
                next(),
                next(),
                next(),
                next(),
            );
            let kind = match kind {
                "N" => PlaceKind::Country,
                "S" => PlaceKind::State,
                "C" => PlaceKind::City,
                _ => continue,
            };
            let (Ok(population), Ok(lat), Ok(lon), Ok(index)) = (
                population.parse(),
                lat.parse(),
                lon.parse(),
                u32::try_from(gazetteer.places.len()),
            ) else {
                continue;
            };
            let mut names = names.split('|');
            let name = names.next().unwrap_or_default();
            for (key, alias) in [name].into_iter().chain(names).map(|n| (n, false)).chain(
                aliases
                    .split('|')
                    .filter(|a| !a.is_empty())
                    .map(|a| (a, true)),
            ) {
                words.fill(key);
                gazetteer.add_name(
                    words.whole_key(),
                    Hit {
                        place: index,
                        alias,
                    },
                );
            }
            for code in codes.split('|').filter(|c| !c.is_empty()) {
                let (code, standalone) =
                    code.strip_suffix('*').map_or((code, false), |c| (c, true));
                let hit = CodeHit {
                    place: index,
                    standalone,
                };
                gazetteer.codes.entry(code.into()).or_default().push(hit);
            }
            let place = Place {
                name: name.to_owned(),
                lat,
                lon,
                country: country.to_owned(),
            };
            gazetteer.places.push(Entry {
                place,
                kind,
                admin1: admin1.to_owned(),
                population,
            });
        }
        gazetteer
    }

    fn add_name(&mut self, key: String, hit: Hit) {
        if key.is_empty() {
            return;
        }
        let mut prefix_end = 0;
        let mut words = 1;
        while let Some(space) = key.get(prefix_end..).and_then(|rest| rest.find(' ')) {
            let end = prefix_end + space;
            if let Some(prefix) = key.get(..end).filter(|p| !self.names.contains_key(*p)) {
                self.names.insert(prefix.into(), Vec::new());
            }
            prefix_end = end + 1;
            words += 1;
        }
        self.max_words = self.max_words.max(words);
        let hits = self.names.entry(key.into()).or_default();
        // Python's folding in convert.py and ours differ slightly, so an alias can repeat a name.
        if !hits.iter().any(|h| h.place == hit.place) {
            hits.push(hit);
        }
    }

    pub(crate) fn entry(&self, index: u32) -> Option<&Entry> {
        self.places.get(usize::try_from(index).ok()?)
    }
}

fn word_list(text: &str) -> FxHashSet<Box<str>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(Into::into)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_line() {
        let gazetteer = Gazetteer::embedded();
        let lines = PLACES.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(gazetteer.places.len(), lines);
        assert!(gazetteer.places.len() > 34_000);
        assert!(gazetteer.common.contains("reading") && gazetteer.given.contains("victoria"));
        let lodz = gazetteer
            .names
            .get("lodz")
            .and_then(|hits| hits.first())
            .and_then(|h| gazetteer.entry(h.place));
        assert_eq!(lodz.map(|e| e.place.country.as_str()), Some("PL"));
    }
}
