//! Place resolution: candidates by folded name, a population prior, and evidence from the same text.

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::gazetteer::{Entry, Gazetteer, Hit, Place, PlaceKind};
use crate::normalise::Tokens;

/// A place mention resolved to a gazetteer place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// Byte span of the mention: the model's span as given, or the matched words of a gazetteer-only find.
    pub span: Range<usize>,
    /// The place.
    pub place: Place,
    /// Country, US state or city.
    pub kind: PlaceKind,
    /// GeoNames admin1 code of a state or city: the postal code in the US ("TX"), a GeoNames code elsewhere.
    pub admin1: Option<String>,
    /// How sure the resolution is, in 0..=1: the winner's share of its candidates, lowered for unlabelled finds.
    pub confidence: f32,
    /// Whether the NER model tagged the mention (rather than the gazetteer scan finding it).
    pub from_model: bool,
}

/// Boost for places inside the region written after them: "Paris, TX", and less for "Paris TX".
const COMMA_QUALIFIER: f32 = 8.0;
const SPACE_QUALIFIER: f32 = 6.0;
/// GeoNames alternate names include historic and foreign ones ("Elbow" for Portland, Maine).
const ALIAS_PENALTY: f32 = 2.5;
/// Unlabelled finds of places this large are accepted without a cue, even in lower case ("new in
/// houston"); smaller ones are too often surnames ("Davis", "Kennedy").
const CUELESS_POPULATION: u64 = 100_000;
/// ... and of names made of ordinary words ("long beach", not "new city").
const COMMON_PHRASE_POPULATION: u64 = 150_000;
/// Names that are single ordinary words ("Phoenix", "China") need this and a capital letter mid-sentence.
const COMMON_WORD_POPULATION: u64 = 1_000_000;
/// Words after which a name is taken as a place even when it is also a person's name ("in Austin").
const CUES: [&str; 11] = [
    "in",
    "at",
    "near",
    "from",
    "to",
    "visiting",
    "around",
    "outside",
    "downtown",
    "across",
    "throughout",
];

/// A found mention and its candidates.
#[derive(Debug)]
struct Match {
    span: Range<usize>,
    /// The words whose name matched (inside `span` for a model mention).
    words: Range<usize>,
    hits: Vec<Hit>,
    from_model: bool,
    /// The region written right after the match and how much it vouches for the places inside it.
    qualifier: Option<Qualifier>,
    /// For an abbreviation found only as another find's qualifier: that find, whose fate it shares.
    qualifies: Option<usize>,
}

#[derive(Debug)]
struct Qualifier {
    words: Range<usize>,
    regions: Vec<u32>,
    boost: f32,
}

impl Gazetteer {
    /// Resolves place mentions in one text. `mentions` are byte spans the NER model tagged as places (GPE/LOC/FAC);
    /// each gets its best place, or nothing. The text is also scanned for place names the model missed (returned
    /// with `from_model: false`), but names that are ordinary English words ("Reading", "Mobile", "Nice"), person
    /// names ("Victoria"), short or small places are only accepted with evidence: the model's tag, a region after
    /// them ("Reading, PA"), a locative cue ("in austin"), or for common words a capital letter mid-sentence on a
    /// large place ("Phoenix"). Results are ordered by span.
    pub fn resolve(&self, text: &str, mentions: &[Range<usize>]) -> Vec<Resolved> {
        let tokens = Tokens::new(text);
        let mut covered = vec![false; tokens.list.len()];
        let mut matches = Vec::new();
        for mention in mentions {
            let Some(words) = words_in(text, &tokens, mention) else {
                continue;
            };
            if let Some(flags) = covered.get_mut(words.clone()) {
                flags.fill(true);
            }
            if let Some((found, hits)) = self.model_match(text, &tokens, words) {
                matches.push(Match::new(mention.clone(), found, hits, true));
            }
        }
        self.scan(text, &tokens, &covered, &mut matches);
        let qualifiers: Vec<_> = matches
            .iter()
            .map(|m| self.qualifier(text, &tokens, m))
            .collect();
        for (m, qualifier) in matches.iter_mut().zip(qualifiers) {
            m.qualifier = qualifier;
        }
        adopt_qualifiers(&tokens, &covered, &mut matches);
        let accepted: Vec<bool> = matches
            .iter()
            .map(|m| m.from_model || (m.qualifies.is_none() && self.accept(text, &tokens, m)))
            .collect();
        // A qualifying region stands or falls with the find it qualifies, through chains ("Athens, Georgia, USA");
        // each link points to words earlier in the text, so the walk ends.
        let keep: Vec<bool> = (0..matches.len())
            .map(|mut i| {
                while let Some(q) = matches.get(i).and_then(|m| m.qualifies) {
                    i = q;
                }
                accepted.get(i) == Some(&true)
            })
            .collect();
        let mut resolved = self.choose(&matches, &keep);
        resolved.sort_by_key(|r| (r.span.start, r.span.end));
        resolved
    }

    /// The best-matching words of a model mention: the whole mention if it is a name, else the most specific name
    /// inside it ("the Houston area", "Houston, TX").
    fn model_match(
        &self,
        text: &str,
        tokens: &Tokens,
        words: Range<usize>,
    ) -> Option<(Range<usize>, Vec<Hit>)> {
        if let Some(hits) = self
            .names
            .get(tokens.key(words.clone()).as_str())
            .filter(|h| !h.is_empty())
        {
            return Some((words, hits.clone()));
        }
        if words.len() == 1 {
            let hits = self.code_hits(text, tokens, words.start, false);
            if !hits.is_empty() {
                return Some((words, hits));
            }
        }
        let rank = |hits: &[Hit]| {
            hits.iter()
                .filter_map(|h| self.entry(h.place))
                .map(|e| e.kind as u8)
                .max()
                .unwrap_or(0)
        };
        words
            .clone()
            .filter_map(|start| {
                self.longest_at(text, tokens, start, words.end)
                    .map(|(end, hits)| (start..end, hits))
            })
            .min_by_key(|(found, hits)| {
                (
                    std::cmp::Reverse(rank(hits)),
                    std::cmp::Reverse(found.len()),
                    found.start,
                )
            })
            .map(|(found, hits)| (found, hits.to_vec()))
    }

    /// Finds names the model did not tag, outside its mentions, longest first.
    fn scan(&self, text: &str, tokens: &Tokens, covered: &[bool], matches: &mut Vec<Match>) {
        let mut start = 0;
        while start < tokens.list.len() {
            let free = covered.iter().skip(start).take(self.max_words);
            let limit = start + free.take_while(|&&c| !c).count();
            let Some(token) = tokens
                .list
                .get(start)
                .filter(|_| limit > start && !in_address(text, start, tokens))
            else {
                start += 1;
                continue;
            };
            if let Some((end, hits)) = self.longest_at(text, tokens, start, limit) {
                // Alternate names are too often foreign or historic ("Hang" for Hangzhou) to trust
                // unlabelled.
                let hits: Vec<Hit> = hits.iter().copied().filter(|h| !h.alias).collect();
                if !hits.is_empty() {
                    let span = token.span.start
                        ..tokens
                            .list
                            .get(end - 1)
                            .map_or(token.span.end, |t| t.span.end);
                    matches.push(Match::new(span, start..end, hits, false));
                    start = end;
                    continue;
                }
            } else {
                let hits = self.code_hits(text, tokens, start, true);
                if !hits.is_empty() {
                    matches.push(Match::new(
                        token.span.clone(),
                        start..start + 1,
                        hits,
                        false,
                    ));
                }
            }
            start += 1;
        }
    }

    /// The longest name starting at word `start` and ending by `limit`: its end and places.
    fn longest_at(
        &self,
        text: &str,
        tokens: &Tokens,
        start: usize,
        limit: usize,
    ) -> Option<(usize, &[Hit])> {
        let mut key = String::new();
        let mut best = None;
        for end in start + 1..=limit.min(start + self.max_words) {
            if end > start + 1 {
                let joined = gap(text, tokens, end - 2).is_some_and(|g| {
                    g.len() <= 3
                        && g.chars()
                            .all(|c| c.is_whitespace() || matches!(c, '-' | '.' | '\'' | '’'))
                });
                if !joined {
                    break;
                }
                key.push(' ');
            }
            key.push_str(tokens.folded(end - 1));
            match self.names.get(key.as_str()) {
                None => break,
                Some(hits) if !hits.is_empty() => best = Some((end, hits.as_slice())),
                Some(_) => {}
            }
        }
        best
    }

    /// Places an abbreviation at word `index` stands for; upper case only unless the model tagged it.
    fn code_hits(&self, text: &str, tokens: &Tokens, index: usize, standalone: bool) -> Vec<Hit> {
        let Some(token) = tokens.list.get(index).filter(|t| !standalone || t.upper) else {
            return Vec::new();
        };
        let word = text.get(token.span.clone()).unwrap_or_default();
        let dotted = word.contains('.');
        let code: String = word
            .chars()
            .filter(|&c| c != '.')
            .flat_map(char::to_uppercase)
            .collect();
        self.codes.get(code.as_str()).map_or_else(Vec::new, |hits| {
            hits.iter()
                .filter(|h| !standalone || h.standalone || dotted)
                .map(|h| Hit {
                    place: h.place,
                    alias: false,
                })
                .collect()
        })
    }

    /// The country or state written right after `m` that contains one of its candidates.
    fn qualifier(&self, text: &str, tokens: &Tokens, m: &Match) -> Option<Qualifier> {
        let separator = gap(text, tokens, m.words.end.checked_sub(1)?)?.trim();
        let boost = match separator {
            "," => COMMA_QUALIFIER,
            "" => SPACE_QUALIFIER,
            _ => return None,
        };
        let next = m.words.end;
        let holding = |hits: &[Hit]| -> Vec<u32> {
            let places: Vec<&Entry> = m.hits.iter().filter_map(|h| self.entry(h.place)).collect();
            let holds = |r: &Entry| places.iter().any(|&p| r.contains(p));
            hits.iter()
                .filter(|r| self.entry(r.place).is_some_and(holds))
                .map(|r| r.place)
                .collect()
        };
        if let Some((end, hits)) = self.longest_at(text, tokens, next, tokens.list.len()) {
            let regions = holding(hits);
            if !regions.is_empty() {
                return Some(Qualifier {
                    words: next..end,
                    regions,
                    boost,
                });
            }
        }
        // Abbreviations count here only in upper case: "Portland, OR", not "Portland or".
        let regions = tokens
            .list
            .get(next)
            .filter(|t| t.upper)
            .map(|_| holding(&self.code_hits(text, tokens, next, false)))
            .unwrap_or_default();
        (!regions.is_empty()).then_some(Qualifier {
            words: next..next + 1,
            regions,
            boost,
        })
    }

    /// Whether an unlabelled find is a place rather than a word, a person or a coincidence.
    fn accept(&self, text: &str, tokens: &Tokens, m: &Match) -> bool {
        if m.qualifier.is_some() {
            return true;
        }
        let Some(first) = tokens.list.get(m.words.start) else {
            return false;
        };
        let key = tokens.key(m.words.clone());
        let population = m
            .hits
            .iter()
            .filter_map(|h| self.entry(h.place))
            .map(|e| e.population)
            .max()
            .unwrap_or(0);
        let capitalised = first.capitalised && !sentence_start(text, first.span.start);
        let cue = m.words.start.checked_sub(1).is_some_and(|prev| {
            gap(text, tokens, prev).is_some_and(|g| g.trim().is_empty())
                && CUES.contains(&tokens.folded(prev))
        });
        let letters = key.bytes().filter(u8::is_ascii_alphanumeric).count();
        if m.hits.iter().all(|h| {
            self.entry(h.place)
                .is_some_and(|e| e.kind == PlaceKind::City)
        }) && letters < 4
            && population < COMMON_WORD_POPULATION
        {
            false
        } else if self.given.contains(key.as_str()) {
            cue
        } else if m.words.len() == 1 && self.common.contains(key.as_str()) {
            capitalised && population >= COMMON_WORD_POPULATION
        } else if key.split(' ').all(|w| self.common.contains(w)) {
            capitalised || cue || population >= COMMON_PHRASE_POPULATION
        } else {
            cue || population >= CUELESS_POPULATION
        }
    }

    /// Picks each kept match's place: prior, qualifier, then the other matches' countries and states.
    fn choose(&self, matches: &[Match], keep: &[bool]) -> Vec<Resolved> {
        let kept = || {
            matches
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(m, _)| m)
        };
        // First guesses without context; each match then sees the others' guesses.
        let first: Vec<Option<&Entry>> = kept()
            .map(|m| self.best(m, |_| 0.0).map(|(e, _, _)| e))
            .collect();
        let mut countries: FxHashMap<&str, Seen> = FxHashMap::default();
        let mut regions: FxHashMap<(&str, &str), Seen> = FxHashMap::default();
        for e in first.iter().flatten() {
            countries
                .entry(&e.place.country)
                .or_default()
                .add(e.kind, 1.0);
            if e.kind != PlaceKind::Country {
                regions
                    .entry((&e.place.country, &e.admin1))
                    .or_default()
                    .add(e.kind, 1.0);
            }
        }
        let chosen: Vec<_> = kept()
            .zip(&first)
            .map(|(m, own)| {
                let context = |c: &Entry| {
                    let others = |seen: Option<&Seen>, same: bool| {
                        let mut seen = seen.copied().unwrap_or_default();
                        if let Some(own) = own.filter(|_| same) {
                            seen.add(own.kind, -1.0);
                        }
                        seen
                    };
                    let own_country = own.is_some_and(|o| o.place.country == c.place.country);
                    let country = others(countries.get(c.place.country.as_str()), own_country);
                    let mut boost = (2.0 * country.countries
                        + 0.75 * (country.states + country.cities))
                        .min(2.0);
                    if c.kind != PlaceKind::Country {
                        let key = (c.place.country.as_str(), c.admin1.as_str());
                        let region = others(
                            regions.get(&key),
                            own_country && own.is_some_and(|o| o.admin1 == c.admin1),
                        );
                        boost += match c.kind {
                            PlaceKind::State => 2.0 * region.cities,
                            _ => 3.0 * region.states + 0.75 * region.cities,
                        }
                        .min(3.0);
                    }
                    boost
                };
                (m, self.best(m, context))
            })
            .collect();
        chosen
            .iter()
            .filter_map(|(m, best)| {
                let (mut entry, mut confidence, alias) = (*best)?;
                // A region written after a place is the region holding it: "Georgia" in "Athens, Georgia".
                if let Some(held) = chosen.iter().find_map(|(other, b)| {
                    other
                        .qualifier
                        .as_ref()
                        .filter(|q| q.words.start == m.words.start)
                        .and(b.map(|b| b.0))
                }) && let Some(region) = m
                    .hits
                    .iter()
                    .filter_map(|h| self.entry(h.place))
                    .find(|r| r.contains(held))
                {
                    entry = region;
                }
                if !m.from_model {
                    confidence *= if m.qualifier.is_some() { 0.9 } else { 0.8 };
                }
                if alias {
                    confidence *= 0.8;
                }
                Some(Resolved {
                    span: m.span.clone(),
                    place: entry.place.clone(),
                    kind: entry.kind,
                    admin1: (!entry.admin1.is_empty()).then(|| entry.admin1.clone()),
                    confidence,
                    from_model: m.from_model,
                })
            })
            .collect()
    }

    /// The highest-scoring candidate of `m`, its share of the candidates' weight, and whether it is an alias.
    fn best(&self, m: &Match, context: impl Fn(&Entry) -> f32) -> Option<(&Entry, f32, bool)> {
        let scored: Vec<(&Entry, f32, bool)> = m
            .hits
            .iter()
            .filter_map(|h| {
                let entry = self.entry(h.place)?;
                let qualified = m.qualifier.as_ref().filter(|q| {
                    q.regions
                        .iter()
                        .filter_map(|&r| self.entry(r))
                        .any(|region| region.contains(entry))
                });
                let score = prior(entry) - if h.alias { ALIAS_PENALTY } else { 0.0 }
                    + qualified.map_or(0.0, |q| q.boost)
                    + context(entry);
                Some((entry, score, h.alias))
            })
            .collect();
        let &(entry, top, alias) = scored.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
        let total: f32 = scored.iter().map(|(_, s, _)| (s - top).exp()).sum();
        Some((entry, 1.0 / total, alias))
    }
}

impl Gazetteer {
    /// Geocodes a place or address written on its own (a spreadsheet cell, a form field): the whole text if it is a
    /// place name ("Łódź", "Washington, D.C."), else its parts split at commas, semicolons and line breaks, the most
    /// specific first (a city before a state before a country, the earlier of equals, as addresses run from street
    /// to country), with the other parts choosing among places of the same name ("Paris, TX" is in Texas) and the
    /// more populous place winning otherwise. Words with digits (house numbers, postcodes) are ignored, and
    /// abbreviations ("TX", "USA") count only in capitals. When no part is a name, the most specific place
    /// [`Gazetteer::resolve`] finds in the text is taken ("Houston TX", "downtown Lagos").
    pub fn geocode(&self, text: &str) -> Option<Place> {
        let mut tokens = Tokens::new(text);
        let whole = self.exact_hits(&tokens, 0..tokens.list.len());
        if let Some(entry) = self.likeliest(&whole, &[]) {
            return Some(entry.place.clone());
        }
        let parts: Vec<Vec<Hit>> = text
            .split([',', ';', '\n'])
            .map(|part| {
                tokens.fill(part);
                let words = (0..tokens.list.len())
                    .filter(|&i| !tokens.folded(i).bytes().any(|b| b.is_ascii_digit()));
                self.exact_hits(&tokens, words)
            })
            .collect();
        let rank = |hits: &[Hit]| {
            hits.iter()
                .filter_map(|h| self.entry(h.place))
                .map(|e| e.kind as u8)
                .max()
        };
        let focus = parts
            .iter()
            .enumerate()
            .filter_map(|(i, hits)| Some((i, rank(hits)?)))
            .max_by_key(|&(i, rank)| (rank, std::cmp::Reverse(i)))
            .map(|(i, _)| i);
        let Some(focus) = focus else {
            return self.geocode_inside(text);
        };
        let regions: Vec<&Entry> = parts
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != focus)
            .flat_map(|(_, hits)| hits.iter().filter_map(|h| self.entry(h.place)))
            .collect();
        let hits = parts.get(focus)?;
        self.likeliest(hits, &regions).map(|e| e.place.clone())
    }

    /// Places whose whole name is the words `words` of `tokens` (or, for one word in capitals, whose abbreviation).
    fn exact_hits(&self, tokens: &Tokens, words: impl Iterator<Item = usize>) -> Vec<Hit> {
        let words: Vec<usize> = words.collect();
        let key = words
            .iter()
            .map(|&i| tokens.folded(i))
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(hits) = self.names.get(key.as_str()).filter(|h| !h.is_empty()) {
            return hits.clone();
        }
        match words.as_slice() {
            [word] if tokens.list.get(*word).is_some_and(|t| t.upper) => self
                .codes
                .get(key.to_ascii_uppercase().as_str())
                .map(|codes| {
                    codes
                        .iter()
                        .map(|c| Hit {
                            place: c.place,
                            alias: false,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The most likely of `hits`: the population prior, less for alternate names, more inside one of `regions`. A
    /// state loses to its own city of the same name ("New York"), whose point is the one meant.
    fn likeliest(&self, hits: &[Hit], regions: &[&Entry]) -> Option<&Entry> {
        let entries: Vec<&Entry> = hits.iter().filter_map(|h| self.entry(h.place)).collect();
        hits.iter()
            .filter_map(|h| {
                let entry = self.entry(h.place)?;
                if entry.kind == PlaceKind::State
                    && entries.iter().any(|&city| entry.contains(city))
                {
                    return None;
                }
                let score = prior(entry) - if h.alias { ALIAS_PENALTY } else { 0.0 }
                    + if regions.iter().any(|r| r.contains(entry)) {
                        COMMA_QUALIFIER
                    } else {
                        0.0
                    };
                Some((entry, score))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(entry, _)| entry)
    }

    /// The most specific place named inside `text`, found as in unlabelled text, with its guards against ordinary
    /// words and lower-case abbreviations ("ok", "or").
    fn geocode_inside(&self, text: &str) -> Option<Place> {
        self.resolve(text, &[])
            .into_iter()
            .max_by(|a, b| {
                (a.kind as u8)
                    .cmp(&(b.kind as u8))
                    .then(a.confidence.total_cmp(&b.confidence))
            })
            .map(|r| r.place)
    }
}

impl Match {
    fn new(span: Range<usize>, words: Range<usize>, hits: Vec<Hit>, from_model: bool) -> Self {
        Self {
            span,
            words,
            hits,
            from_model,
            qualifier: None,
            qualifies: None,
        }
    }
}

/// Log-population, with countries ahead of their same-named cities and states behind them ("New York").
fn prior(e: &Entry) -> f32 {
    let log = (e.population.max(1_000) as f32).ln();
    match e.kind {
        PlaceKind::Country => log + 2.0,
        PlaceKind::State => log - 1.0,
        PlaceKind::City => log,
    }
}

/// How many of the other matches' first guesses are countries, states and cities of one country or state.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    countries: f32,
    states: f32,
    cities: f32,
}

impl Seen {
    fn add(&mut self, kind: PlaceKind, n: f32) {
        match kind {
            PlaceKind::Country => self.countries += n,
            PlaceKind::State => self.states += n,
            PlaceKind::City => self.cities += n,
        }
    }
}

/// Makes the region qualifying a find ("TX" in "Paris, TX", "Georgia" in "Athens, Georgia") a place of its own
/// that stands or falls with the find, unless the model tagged it.
fn adopt_qualifiers(tokens: &Tokens, covered: &[bool], matches: &mut Vec<Match>) {
    for index in 0..matches.len() {
        let Some(q) = matches.get(index).and_then(|m| m.qualifier.as_ref()) else {
            continue;
        };
        let (Some(first), Some(last)) = (
            tokens.list.get(q.words.start),
            tokens.list.get(q.words.end - 1),
        ) else {
            continue;
        };
        if covered.get(q.words.start) != Some(&false) {
            continue;
        }
        let hits = q
            .regions
            .iter()
            .map(|&place| Hit {
                place,
                alias: false,
            })
            .collect();
        let mut region = Match::new(
            first.span.start..last.span.end,
            q.words.clone(),
            hits,
            false,
        );
        region.qualifies = Some(index);
        match matches
            .iter_mut()
            .find(|other| other.words.start == region.words.start)
        {
            Some(found) => {
                region.qualifier = found.qualifier.take(); // "Paris, Texas, USA"
                *found = region;
            }
            None => matches.push(region),
        }
    }
}

/// The words lying wholly inside a mention, if it is a valid span of `text`.
fn words_in(text: &str, tokens: &Tokens, mention: &Range<usize>) -> Option<Range<usize>> {
    let valid = mention.start <= mention.end
        && text.is_char_boundary(mention.start)
        && text.is_char_boundary(mention.end);
    let start = tokens
        .list
        .partition_point(|t| t.span.start < mention.start);
    let end = tokens.list.partition_point(|t| t.span.end <= mention.end);
    (valid && start < end).then_some(start..end)
}

/// The text between word `index` and the next.
fn gap<'t>(text: &'t str, tokens: &Tokens, index: usize) -> Option<&'t str> {
    let (a, b) = (tokens.list.get(index)?, tokens.list.get(index + 1)?);
    text.get(a.span.end..b.span.start)
}

/// Whether a capital letter at `at` is only there because a sentence or line starts.
fn sentence_start(text: &str, at: usize) -> bool {
    let before = text
        .get(..at)
        .unwrap_or_default()
        .trim_end_matches([' ', '\t', '"', '\'', '(']);
    before.is_empty() || before.ends_with(['.', '!', '?', '\n', '\r', ':'])
}

/// Whether word `index` belongs to an e-mail address or URL ("houston@example.com").
fn in_address(text: &str, index: usize, tokens: &Tokens) -> bool {
    let Some(token) = tokens.list.get(index) else {
        return false;
    };
    let before = text
        .get(..token.span.start)
        .and_then(|s| s.rsplit(char::is_whitespace).next())
        .unwrap_or_default();
    let after = text
        .get(token.span.end..)
        .and_then(|s| s.split(char::is_whitespace).next())
        .unwrap_or_default();
    let start = token.span.start - before.len();
    let chunk = text
        .get(start..token.span.end + after.len())
        .unwrap_or_default();
    chunk.contains('@') || chunk.contains("://") || chunk.contains("www.")
}
