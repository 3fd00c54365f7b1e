//! Search benchmark: Humdex's tantivy index against SQLite FTS5 and PostgreSQL full-text search,
//! on the same synthetic intelligence reports and the same analysts' queries, in one run.
//!
//! For each size the records are generated (deterministically, from a fixed seed) and loaded
//! into each engine in turn, one engine at a time, each on one thread:
//!
//! * Humdex with labels: one view per subset of a record's field labels, searched by (a) a
//!   reader who holds every authorization and (b) a reader who holds none;
//! * Humdex without labels: the same records as one view each, searched by any reader (c). The
//!   cost of privilege filtering is (a) or (b) against (c);
//! * SQLite FTS5 (`porter unicode61 remove_diacritics 2`) through sqlx, in a temporary file;
//! * PostgreSQL 15: a generated `tsvector` column with a GIN index, in a schema of its own that
//!   is dropped afterwards. Skipped when the server does not answer.
//!
//! Every engine answers the same ~200 queries with the first page of 20 hits by relevance and
//! the total number of matches (Humdex also counts the facets every search returns), warm: one
//! pass to warm up, then several measured passes.
//!
//! Environment: `SEARCH_BENCH_SIZES` (records, default `100000,1000000`), `SEARCH_BENCH_REPS`
//! (measured passes over the queries, default 5), `SEARCH_BENCH_PEER_REPS` (passes for SQLite
//! and PostgreSQL, default the same), `SEARCH_BENCH_ENGINES` (default `humdex,sqlite,postgres`),
//! `SEARCH_BENCH_PG` (default `postgres://postgres@127.0.0.1:5432/test`; `off` skips PostgreSQL)
//! and `SEARCH_BENCH_TMP` (where the indexes go, default the system's temporary directory).

// The generator indexes its own constant tables with picks drawn below their lengths.
#![allow(clippy::indexing_slicing)]

use std::collections::HashSet;
use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use humdex_model::{Channel, EntityKind, Kind, Reader, RecordId, Role, State, User};
use humdex_search::analyzer::entity_key;
use humdex_search::index::{Page, SearchIndex, Sort};
use humdex_search::{ParseContext, Query, View, ViewEntity, ViewText};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, QueryBuilder, Sqlite};

const SEED: u64 = 0x4855_4d44_4558;
/// The first page of hits, by relevance.
const PAGE: Page = Page {
    offset: 0,
    limit: 20,
    sort: Sort::Relevance,
};
/// Records between commits while loading.
const COMMIT_EVERY: u64 = 50_000;
/// Received dates start on 2023-07-01 and spread over three years.
const START_MS: i64 = 1_688_169_600_000;
const SPAN_MS: i64 = 1_096 * 86_400_000;
/// The day of the `after:` queries.
const AFTER_DAY: &str = "2025-06-01";
/// Rows per insert statement into the peers.
const PEER_BATCH: usize = 500;

// ---------------------------------------------------------------------------------------------
// Word tables.

/// Function words: frequent in the texts, never queried (PostgreSQL drops them as stop words).
static FUNCTION_WORDS: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "the of and to a in was were with for on at by from that he she they her his their who is \
    had has been an as not this it into there after before about when them him but or we i"
        .split_whitespace()
        .collect()
});

/// PostgreSQL's English stop words: kept out of the queried vocabulary.
const STOP_WORDS: &str = "i me my myself we our ours ourselves you your yours yourself \
    yourselves he him his himself she her hers herself it its itself they them their theirs \
    themselves what which who whom this that these those am is are was were be been being have \
    has had having do does did doing a an the and but if or because as until while of at by for \
    with about against between into through during before after above below to from up down in \
    out on off over under again further then once here there when where why how all any both \
    each few more most other some such no nor not only own same so than too very s t can will \
    just don should now";

/// Common English words, most frequent first; the Zipf tail beyond them is made of word-like
/// tokens.
static GENERAL_WORDS: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "said told time day night week month year home house apartment room car money work job \
    people woman women man men girl girls boy family friend friends mother father brother \
    sister cousin uncle aunt child children daughter son husband wife street city town area \
    place location address building door window floor kitchen store shop market road highway \
    airport flight ticket bank account card payment rent loan contract document photo photos \
    picture video call calls message messages number name names age english spanish language \
    church hospital clinic doctor nurse police officer detective agent agency investigation \
    case report information source tipster neighbor landlord owner manager boss driver guard \
    customer customers client clients arrived left moved paid worked lived stayed returned \
    reported called saw met drove took brought sent received kept refused threatened \
    promised forced escaped watched followed hired picked dropped transported advertised \
    posted contacted observed noticed appeared seemed believed stated explained described \
    identified mentioned confirmed denied owed borrowed charged collected counted shared \
    slept cooked cleaned walked waited looked heard knew wanted needed tried started stopped \
    opened closed entered parked visited crossed traveled flew landed dollars pesos salary \
    hours shift shifts schedule uniform bed beds mattress bathroom basement garage yard \
    fence camera cameras lock keys gate parking lot vehicle sedan suv license plate bruises \
    injuries food water clothes bag luggage suitcase laptop computer website internet email \
    social media accounts app group gang network organization company business bar club \
    casino park beach river mountain village country county office court judge lawyer \
    attorney interpreter translator embassy consulate immigration status permit residence \
    citizenship birth certificate identification young older new local foreign small large \
    dark white black red blue green gray silver late early several many different nearby \
    unknown possible afraid scared tired hungry injured pregnant nervous quiet angry \
    friendly suspicious unusual frequent regular daily weekly multiple additional previous \
    recent current former approximately around later never always often sometimes usually \
    still also maybe together alone outside inside behind across near"
        .split_whitespace()
        .collect()
});

/// A `|`-separated list of terms, some of several words.
fn terms(text: &'static str) -> Vec<&'static str> {
    text.split('|').collect()
}

/// Domain terms seen in every kind of case, most frequent first.
static SHARED_TERMS: LazyLock<Vec<&str>> = LazyLock::new(|| {
    terms(
        "trafficking|victim|recruiter|passport|debt|threats|cash|trafficker|survivor|coercion|\
    hotline|tip|exploitation|smuggling|identity documents|debt bondage|forced labor",
    )
});

/// Kinds of case: their share of the records and their own terms, most frequent first.
const SCENARIO_TEXTS: &[(u32, &str)] = &[
    (
        30,
        "massage|motel|escort|roses|massage parlor|parlor|ads|hotel room|pimp|quota|tattoo|\
     outcall|incall|truck stop|brothel|spa",
    ),
    (
        20,
        "visa|farm|wages|crew leader|housing|recruitment fee|construction|factory|overtime|\
     orchard|nail salon|restaurant|labor camp|contractor|dishwasher|H-2A",
    ),
    (
        10,
        "employer|nanny|housekeeper|locked|passport confiscated|maid|diplomat|servant|caregiver|\
     au pair|no days off|domestic",
    ),
    (
        15,
        "van|bus station|border|smuggler|truck|safe house|coyote|checkpoint|stash house|\
     bus ticket|ferry|port of entry",
    ),
    (
        15,
        "instagram|whatsapp|profile|chat|cashapp|telegram|gift cards|bitcoin|dating app|webcam|\
     livestream|sextortion",
    ),
    (
        10,
        "runaway|minor|school|group home|foster care|grooming|underage|shelter|boyfriend|juvenile",
    ),
];

/// A kind of case.
struct Scenario {
    weight: u32,
    terms: Vec<&'static str>,
}

static SCENARIOS: LazyLock<Vec<Scenario>> = LazyLock::new(|| {
    SCENARIO_TEXTS
        .iter()
        .map(|(weight, text)| Scenario {
            weight: *weight,
            terms: terms(text),
        })
        .collect()
});

static FIRST_NAMES: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "Maria Ana Jose Luis Carmen Rosa Juan Elena Olena Irina Natalia Svetlana Mei Lin Thi Minh \
    Grace Joy Blessing Amara Fatima Aisha Priya Sunita Daniela Gabriela Valentina Camila \
    Lucia Sofia Jessica Ashley Brittany Tiffany Destiny Crystal Michael David James Robert \
    Carlos Miguel Pedro Andrei Sergei Viktor Ivan Dmitri Kwame Chinedu Emeka Tunde Rajesh \
    Arjun Wei Jun Hao Tuan Khanh Marco Antonio Rafael Hector Oscar Raul Diego Jorge Ramon \
    Tomas Nikolai Bogdan Mihai Stefan Petra Zoë Łucja Agnieszka Katarzyna Marta Ioana"
        .split_whitespace()
        .collect()
});

static LAST_NAMES: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores \
    Rivera Gomez Diaz Reyes Cruz Morales Ortiz Gutierrez Chavez Nguyen Tran Le Pham Wang Li \
    Zhang Chen Liu Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor \
    Thomas Moore Jackson White Harris Okafor Adeyemi Okonkwo Mensah Boateng Kumar Sharma \
    Patel Singh Ivanov Petrov Smirnov Kovalenko Shevchenko Bondarenko Popescu Ionescu \
    Kowalski Nowak Wiśniewski Müller Schmidt Rossi Russo Santos Oliveira Silva Souza \
    Castillo Vargas Mendoza Aguilar Romero Herrera Medina Ruiz"
        .split_whitespace()
        .collect()
});

static CITIES: LazyLock<Vec<&str>> = LazyLock::new(|| {
    terms(
        "Houston|Atlanta|Las Vegas|Chicago|Miami|Phoenix|Dallas|Los Angeles|New York|Newark|\
    Toronto|Manila|Bangkok|Lagos|Kyiv|Bucharest|Chisinau|Tijuana|Guadalajara|San Pedro Sula|\
    Tegucigalpa|Guatemala City|Orlando|Seattle|Denver|Portland|Tampa|Charlotte|Nashville|\
    Detroit|Baltimore|Richmond|Fresno|Bakersfield|El Paso|Laredo|McAllen|Brownsville|\
    Oklahoma City|Tulsa|Memphis|Albuquerque|Reno|São Paulo|Bogotá|Łódź|Zürich|Ciudad Juárez|\
    Monterrey|San Diego",
    )
});

const AREA_CODES: &[u32] = &[
    702, 713, 832, 305, 404, 602, 214, 213, 347, 718, 956, 915, 407, 206, 303, 503,
];

/// The labelled fields a record may carry: name and label.
const VICTIM_FIELD: (&str, &str) = ("victim", "VICTIM_PII");
const NOTES_FIELD: (&str, &str) = ("casework_notes", "LE&CASEWORK");
/// The label of the records only law enforcement may see.
const RECORD_LABEL: &str = "LE";
/// Every authorization the labels name.
const ALL_AUTHORIZATIONS: &[&str] = &["LE", "VICTIM_PII", "CASEWORK"];

const STATES: &[(State, u32)] = &[
    (State::Intake, 15),
    (State::Analysis, 25),
    (State::Dissemination, 15),
    (State::Archived, 45),
];

const CHANNELS: &[(Channel, u32)] = &[
    (Channel::Hotline, 30),
    (Channel::Form, 15),
    (Channel::Email, 15),
    (Channel::Phone, 10),
    (Channel::Partner, 15),
    (Channel::Api, 5),
    (Channel::Mobile, 7),
    (Channel::Import, 3),
];

/// Size of the whole general vocabulary, real words first.
const VOCABULARY: usize = 30_000;
/// Phone numbers that recur across reports.
const PHONE_POOL: usize = 50_000;

// ---------------------------------------------------------------------------------------------
// The generator.

/// Ranks drawn with probability proportional to 1 / rank^exponent.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(exponent);
                total
            })
            .collect();
        Self { cumulative }
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&sum| sum <= target)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

fn weighted<T: Copy>(rng: &mut StdRng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for &(item, weight) in table {
        if roll < weight {
            return item;
        }
        roll -= weight;
    }
    table[0].0
}

/// A generated phone number: as written, and as an entity key.
struct Phone {
    text: String,
    key: String,
}

/// The word tables and their distributions.
struct Corpus {
    general: Vec<String>,
    general_zipf: Zipf,
    scenario_zipf: Vec<Zipf>,
    shared_zipf: Zipf,
    first_zipf: Zipf,
    last_zipf: Zipf,
    city_zipf: Zipf,
    phone_zipf: Zipf,
    first_keys: Vec<String>,
    last_keys: Vec<String>,
    city_keys: Vec<String>,
    phones: Vec<Phone>,
}

/// Which part of a record an entity was found in.
const TITLE: usize = 0;
const NARRATIVE: usize = 1;
/// Field `i` of a record is part `FIELD + i`.
const FIELD: usize = 2;

struct Entity {
    kind: EntityKind,
    key: String,
    part: usize,
}

struct LabelledField {
    name: &'static str,
    label: &'static str,
    text: String,
}

/// One generated record.
struct Doc {
    number: u64,
    id: RecordId,
    kind: Kind,
    state: State,
    source: Channel,
    received: Timestamp,
    created_by: String,
    label: Option<&'static str>,
    title: String,
    narrative: String,
    fields: Vec<LabelledField>,
    entities: Vec<Entity>,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Word-like tokens for the tail of the vocabulary: two or three syllables.
fn made_up_words(count: usize, taken: &HashSet<String>) -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p",
        "pl", "r", "s", "sh", "st", "t", "tr", "v", "w", "z", "qu", "sk", "bl",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"];
    const CODAS: &[&str] = &["", "", "n", "r", "l", "s", "t", "m", "nd", "st", "x", "k"];
    let mut rng = StdRng::seed_from_u64(SEED ^ 0xABCD);
    let mut seen: HashSet<String> = taken.clone();
    let mut words = Vec::with_capacity(count);
    while words.len() < count {
        let syllables = if rng.random_bool(0.6) { 2 } else { 3 };
        let mut word = String::new();
        for _ in 0..syllables {
            word.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
            word.push_str(VOWELS[rng.random_range(0..VOWELS.len())]);
            word.push_str(CODAS[rng.random_range(0..CODAS.len())]);
        }
        if word.len() >= 4 && seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

impl Corpus {
    fn new() -> Self {
        let stop: HashSet<&str> = STOP_WORDS.split_whitespace().collect();
        let mut taken: HashSet<String> = FUNCTION_WORDS.iter().map(|w| (*w).to_owned()).collect();
        taken.extend(stop.iter().map(|w| (*w).to_owned()));
        for term in SHARED_TERMS
            .iter()
            .chain(SCENARIOS.iter().flat_map(|s| s.terms.iter()))
        {
            taken.extend(term.split(' ').map(str::to_lowercase));
        }
        let mut general: Vec<String> = Vec::with_capacity(VOCABULARY);
        for word in GENERAL_WORDS.iter() {
            if !stop.contains(word) && taken.insert((*word).to_owned()) {
                general.push((*word).to_owned());
            }
        }
        let tail = made_up_words(VOCABULARY - general.len(), &taken);
        general.extend(tail);
        let phones = (0..PHONE_POOL as u64)
            .map(|n| {
                let mixed = splitmix(n ^ SEED);
                let area = AREA_CODES[(mixed % AREA_CODES.len() as u64) as usize];
                let exchange = 200 + (mixed >> 8) % 800;
                let line = (mixed >> 20) % 10_000;
                Phone {
                    text: format!("{area}-{exchange:03}-{line:04}"),
                    key: format!("1{area}{exchange:03}{line:04}"),
                }
            })
            .collect();
        Self {
            general_zipf: Zipf::new(general.len(), 1.0),
            general,
            scenario_zipf: SCENARIOS
                .iter()
                .map(|s| Zipf::new(s.terms.len(), 1.0))
                .collect(),
            shared_zipf: Zipf::new(SHARED_TERMS.len(), 1.0),
            first_zipf: Zipf::new(FIRST_NAMES.len(), 0.8),
            last_zipf: Zipf::new(LAST_NAMES.len(), 0.8),
            city_zipf: Zipf::new(CITIES.len(), 0.9),
            phone_zipf: Zipf::new(PHONE_POOL, 1.0),
            first_keys: FIRST_NAMES.iter().map(|n| entity_key(n)).collect(),
            last_keys: LAST_NAMES.iter().map(|n| entity_key(n)).collect(),
            city_keys: CITIES.iter().map(|n| entity_key(n)).collect(),
            phones,
        }
    }

    fn person(&self, rng: &mut StdRng, out: &mut String, part: usize, entities: &mut Vec<Entity>) {
        let (first, last) = (self.first_zipf.sample(rng), self.last_zipf.sample(rng));
        out.push_str(FIRST_NAMES[first]);
        out.push(' ');
        out.push_str(LAST_NAMES[last]);
        remember(
            entities,
            EntityKind::Person,
            format!("{} {}", self.first_keys[first], self.last_keys[last]),
            part,
        );
    }

    fn city(&self, rng: &mut StdRng, out: &mut String, part: usize, entities: &mut Vec<Entity>) {
        let city = self.city_zipf.sample(rng);
        out.push_str(CITIES[city]);
        remember(
            entities,
            EntityKind::Location,
            self.city_keys[city].clone(),
            part,
        );
    }

    fn phone(&self, rng: &mut StdRng, out: &mut String, part: usize, entities: &mut Vec<Entity>) {
        let phone = &self.phones[self.phone_zipf.sample(rng)];
        out.push_str(&phone.text);
        remember(entities, EntityKind::Phone, phone.key.clone(), part);
    }

    fn domain_term(&self, rng: &mut StdRng, scenario: usize) -> &'static str {
        if rng.random_bool(0.7) {
            SCENARIOS[scenario].terms[self.scenario_zipf[scenario].sample(rng)]
        } else {
            SHARED_TERMS[self.shared_zipf.sample(rng)]
        }
    }

    /// Appends one token (or a multi-word term) to `out`; returns how many words it was.
    fn token(
        &self,
        rng: &mut StdRng,
        scenario: usize,
        out: &mut String,
        part: usize,
        entities: &mut Vec<Entity>,
    ) -> usize {
        let roll: f64 = rng.random();
        if roll < 0.30 {
            out.push_str(FUNCTION_WORDS[rng.random_range(0..FUNCTION_WORDS.len())]);
            1
        } else if roll < 0.36 {
            let term = self.domain_term(rng, scenario);
            out.push_str(term);
            term.split(' ').count()
        } else if roll < 0.38 {
            self.person(rng, out, part, entities);
            2
        } else if roll < 0.395 {
            self.city(rng, out, part, entities);
            1
        } else if roll < 0.40 {
            self.phone(rng, out, part, entities);
            3
        } else {
            out.push_str(&self.general[self.general_zipf.sample(rng)]);
            1
        }
    }

    /// Sentences of about `target` words.
    fn prose(
        &self,
        rng: &mut StdRng,
        scenario: usize,
        target: usize,
        part: usize,
        entities: &mut Vec<Entity>,
    ) -> String {
        let mut out = String::with_capacity(target * 7);
        let mut words = 0;
        while words < target {
            let length = rng.random_range(8..=20);
            for position in 0..length {
                if !out.is_empty() {
                    out.push(' ');
                }
                let start = out.len();
                words += self.token(rng, scenario, &mut out, part, entities);
                if position == 0 {
                    capitalize(&mut out, start);
                }
                if position + 1 == length {
                    out.push('.');
                } else if rng.random_bool(0.05) {
                    out.push(',');
                }
            }
        }
        out
    }

    fn title(
        &self,
        rng: &mut StdRng,
        scenario: usize,
        kind: Kind,
        entities: &mut Vec<Entity>,
    ) -> String {
        let mut out = String::new();
        if kind == Kind::Request {
            out.push_str("RFI: ");
        }
        let start = out.len();
        out.push_str(self.domain_term(rng, scenario));
        capitalize(&mut out, start);
        for _ in 0..rng.random_range(2..=5) {
            out.push(' ');
            out.push_str(&self.general[self.general_zipf.sample(rng)]);
        }
        if rng.random_bool(0.6) {
            out.push_str(" in ");
            self.city(rng, &mut out, TITLE, entities);
        }
        out
    }

    fn doc(&self, number: u64) -> Result<Doc> {
        let mut rng = StdRng::seed_from_u64(splitmix(SEED ^ number));
        let weights: Vec<(usize, u32)> = SCENARIOS
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.weight))
            .collect();
        let scenario = weighted(&mut rng, &weights);
        let kind = if rng.random_bool(0.25) {
            Kind::Request
        } else {
            Kind::Report
        };
        let state = weighted(&mut rng, STATES);
        let source = weighted(&mut rng, CHANNELS);
        let received = Timestamp::from_millisecond(START_MS + rng.random_range(0..SPAN_MS))?;
        let mut entities = Vec::new();
        let title = self.title(&mut rng, scenario, kind, &mut entities);
        let target = rng.random_range(80..=400);
        let narrative = self.prose(&mut rng, scenario, target, NARRATIVE, &mut entities);
        let mut fields = Vec::new();
        if rng.random_bool(0.30) {
            let both = rng.random_bool(0.4);
            let victim = rng.random_bool(0.5);
            if both || victim {
                let part = FIELD + fields.len();
                let mut text = String::new();
                self.person(&mut rng, &mut text, part, &mut entities);
                let _ = write!(text, ", age {}, from ", rng.random_range(14..=40));
                self.city(&mut rng, &mut text, part, &mut entities);
                text.push_str(". Contact ");
                self.phone(&mut rng, &mut text, part, &mut entities);
                text.push_str(". ");
                let words = rng.random_range(10..=30);
                text.push_str(&self.prose(&mut rng, scenario, words, part, &mut entities));
                fields.push(LabelledField {
                    name: VICTIM_FIELD.0,
                    label: VICTIM_FIELD.1,
                    text,
                });
            }
            if both || !victim {
                let part = FIELD + fields.len();
                let words = rng.random_range(20..=60);
                let text = self.prose(&mut rng, scenario, words, part, &mut entities);
                fields.push(LabelledField {
                    name: NOTES_FIELD.0,
                    label: NOTES_FIELD.1,
                    text,
                });
            }
        }
        let label = rng.random_bool(0.15).then_some(RECORD_LABEL);
        Ok(Doc {
            number,
            id: record_id(number)?,
            kind,
            state,
            source,
            received,
            created_by: format!("analyst{}", number % 25),
            label,
            title,
            narrative,
            fields,
            entities,
        })
    }
}

fn record_id(number: u64) -> Result<RecordId> {
    RecordId::from_str(&format!("0190c3a0-0000-7000-8000-{number:012x}")).context("a record id")
}

fn capitalize(out: &mut str, start: usize) {
    if let Some(first) = out.get_mut(start..start + 1) {
        first.make_ascii_uppercase();
    }
}

fn remember(entities: &mut Vec<Entity>, kind: EntityKind, key: String, part: usize) {
    if !entities
        .iter()
        .any(|e| e.kind == kind && e.part == part && e.key == key)
    {
        entities.push(Entity { kind, key, part });
    }
}

impl Doc {
    fn part_name(&self, part: usize) -> String {
        match part {
            TITLE => "title".to_owned(),
            NARRATIVE => "narrative".to_owned(),
            field => format!(
                "fields.{}",
                self.fields.get(field - FIELD).map_or("", |f| f.name)
            ),
        }
    }

    /// The views of the record: with `labelled`, one per subset of its field labels, as
    /// `View::of_record` makes them; without, one view of everything and no labels at all.
    fn views(&self, labelled: bool) -> Vec<View> {
        if !labelled {
            return vec![self.view(Vec::new(), Vec::new(), &|_| true)];
        }
        let mut field_labels: Vec<&str> = self.fields.iter().map(|f| f.label).collect();
        field_labels.sort_unstable();
        field_labels.dedup();
        (0..1u32 << field_labels.len())
            .map(|subset| {
                let chosen = |index: usize| subset & (1 << index) != 0;
                let mut labels: Vec<String> = self.label.iter().map(|l| (*l).to_owned()).collect();
                let mut excluded = Vec::new();
                for (index, label) in field_labels.iter().enumerate() {
                    if chosen(index) {
                        labels.push((*label).to_owned());
                    } else {
                        excluded.push((*label).to_owned());
                    }
                }
                let open = |label: &str| {
                    field_labels
                        .iter()
                        .position(|candidate| *candidate == label)
                        .is_some_and(chosen)
                };
                self.view(labels, excluded, &open)
            })
            .collect()
    }

    fn view(
        &self,
        labels: Vec<String>,
        excluded: Vec<String>,
        open: &dyn Fn(&str) -> bool,
    ) -> View {
        let visible = |part: usize| {
            part < FIELD
                || self
                    .fields
                    .get(part - FIELD)
                    .is_some_and(|field| open(field.label))
        };
        let mut texts = vec![
            ViewText {
                part: "title".to_owned(),
                text: self.title.clone(),
            },
            ViewText {
                part: "narrative".to_owned(),
                text: self.narrative.clone(),
            },
        ];
        for (index, field) in self.fields.iter().enumerate() {
            if visible(FIELD + index) {
                texts.push(ViewText {
                    part: self.part_name(FIELD + index),
                    text: field.text.clone(),
                });
            }
        }
        let entities = self
            .entities
            .iter()
            .filter(|entity| visible(entity.part))
            .map(|entity| ViewEntity {
                kind: entity.kind,
                key: entity.key.clone(),
                part: self.part_name(entity.part),
            })
            .collect();
        View {
            record: self.id,
            version: 1,
            labels,
            excluded,
            created_by: self.created_by.clone(),
            kind: self.kind,
            state: self.state,
            source: self.source,
            received: self.received,
            texts,
            entities,
            points: Vec::new(),
        }
    }

    /// The row the peers store: everything, as one title and one body.
    fn row(self) -> PeerRow {
        let mut body = self.narrative;
        for field in self.fields {
            body.push('\n');
            body.push_str(&field.text);
        }
        PeerRow {
            id: self.number as i64,
            kind: self.kind.as_str(),
            state: self.state.as_str(),
            source: self.source.as_str(),
            received: self.received.as_millisecond(),
            title: self.title,
            body,
        }
    }
}

struct PeerRow {
    id: i64,
    kind: &'static str,
    state: &'static str,
    source: &'static str,
    received: i64,
    title: String,
    body: String,
}

// ---------------------------------------------------------------------------------------------
// The queries.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Rare,
    Mid,
    Common,
    And,
    Phrase,
    Or,
    Prefix,
    Kind,
    After,
    Not,
}

const CLASSES: [(Class, &str); 10] = [
    (Class::Rare, "rare word"),
    (Class::Mid, "mid word"),
    (Class::Common, "common word"),
    (Class::And, "AND of 2-3"),
    (Class::Phrase, "phrase"),
    (Class::Or, "OR of 2-3"),
    (Class::Prefix, "prefix*"),
    (Class::Kind, "word kind:request"),
    (Class::After, "word after:"),
    (Class::Not, "a NOT b"),
];

#[derive(Debug, Clone)]
enum Term {
    Word(String),
    /// Words as written; a phone number is one word of the phrase.
    Phrase(Vec<String>),
    Prefix(String),
}

#[derive(Debug, Clone)]
enum Shape {
    And(Vec<Term>),
    Or(Vec<Term>),
    Not(Term, Term),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    None,
    Request,
    After,
}

#[derive(Debug, Clone)]
struct BenchQuery {
    class: Class,
    shape: Shape,
    filter: Filter,
}

impl BenchQuery {
    /// In the analysts' query language.
    fn humdex(&self) -> String {
        let term = |term: &Term| match term {
            Term::Word(word) => word.clone(),
            Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
            Term::Prefix(prefix) => format!("{prefix}*"),
        };
        let mut text = match &self.shape {
            Shape::And(terms) => terms.iter().map(term).collect::<Vec<_>>().join(" "),
            Shape::Or(terms) => terms.iter().map(term).collect::<Vec<_>>().join(" OR "),
            Shape::Not(a, b) => format!("{} NOT {}", term(a), term(b)),
        };
        match self.filter {
            Filter::None => {}
            Filter::Request => text.push_str(" kind:request"),
            Filter::After => {
                let _ = write!(text, " after:{AFTER_DAY}");
            }
        }
        text
    }

    /// An FTS5 MATCH expression, or `None` when FTS5 cannot say it.
    fn fts5(&self) -> Option<String> {
        let term = |term: &Term| match term {
            Term::Word(word) => format!("\"{word}\""),
            Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
            Term::Prefix(prefix) => format!("{prefix}*"),
        };
        Some(match &self.shape {
            Shape::And(terms) => terms.iter().map(term).collect::<Vec<_>>().join(" AND "),
            Shape::Or(terms) => terms.iter().map(term).collect::<Vec<_>>().join(" OR "),
            Shape::Not(a, b) => format!("{} NOT {}", term(a), term(b)),
        })
    }

    /// A `to_tsquery('english', …)` text, or `None` when PostgreSQL cannot say it.
    fn tsquery(&self) -> Option<String> {
        let term = |term: &Term| match term {
            Term::Word(word) => word.clone(),
            Term::Phrase(words) => format!("({})", words.join(" <-> ")),
            Term::Prefix(prefix) => format!("{prefix}:*"),
        };
        Some(match &self.shape {
            Shape::And(terms) => terms.iter().map(term).collect::<Vec<_>>().join(" & "),
            Shape::Or(terms) => terms.iter().map(term).collect::<Vec<_>>().join(" | "),
            Shape::Not(a, b) => format!("{} & !{}", term(a), term(b)),
        })
    }
}

fn lowercase_words(term: &str) -> Vec<String> {
    term.split(' ').map(str::to_lowercase).collect()
}

impl Corpus {
    /// The query mix: ~200 queries an analyst might type, drawn with their own seed.
    fn queries(&self) -> Result<Vec<BenchQuery>> {
        let mut rng = StdRng::seed_from_u64(SEED.wrapping_add(1));
        let mut queries = Vec::new();
        let mut seen = HashSet::new();
        let single: Vec<&str> = SHARED_TERMS
            .iter()
            .chain(SCENARIOS.iter().flat_map(|s| s.terms.iter()))
            .copied()
            .filter(|t| !t.contains(' ') && !t.contains('-'))
            .collect();
        // The most frequent terms: the first few of each list.
        let common_domain: Vec<&str> = SHARED_TERMS
            .iter()
            .take(6)
            .chain(SCENARIOS.iter().flat_map(|s| s.terms.iter().take(3)))
            .copied()
            .filter(|t| !t.contains(' '))
            .collect();
        let multi: Vec<&str> = SHARED_TERMS
            .iter()
            .chain(SCENARIOS.iter().flat_map(|s| s.terms.iter()))
            .copied()
            .filter(|t| t.contains(' '))
            .collect();
        let general = |rng: &mut StdRng, from: usize, to: usize| {
            Term::Word(self.general[rng.random_range(from..to)].clone())
        };
        let word = |words: &[&str], rng: &mut StdRng| {
            Term::Word(words[rng.random_range(0..words.len())].to_owned())
        };
        let mut add =
            |class: Class, count: usize, make: &mut dyn FnMut(&mut StdRng) -> BenchQuery| {
                let mut added = 0;
                let mut tries = 0;
                while added < count && tries < count * 50 {
                    tries += 1;
                    let query = make(&mut rng);
                    debug_assert_eq!(query.class, class);
                    if seen.insert(query.humdex()) {
                        queries.push(query);
                        added += 1;
                    }
                }
            };
        let plain = |class: Class, shape: Shape| BenchQuery {
            class,
            shape,
            filter: Filter::None,
        };

        add(Class::Rare, 25, &mut |rng| {
            plain(
                Class::Rare,
                Shape::And(vec![general(rng, 8_000, VOCABULARY)]),
            )
        });
        add(Class::Mid, 25, &mut |rng| {
            plain(Class::Mid, Shape::And(vec![general(rng, 300, 3_000)]))
        });
        add(Class::Common, 12, &mut |rng| {
            plain(Class::Common, Shape::And(vec![general(rng, 0, 40)]))
        });
        add(Class::Common, 8, &mut |rng| {
            plain(Class::Common, Shape::And(vec![word(&common_domain, rng)]))
        });
        add(Class::And, 10, &mut |rng| {
            let scenario = &SCENARIOS[rng.random_range(0..SCENARIOS.len())];
            let words: Vec<&str> = scenario
                .terms
                .iter()
                .take(8)
                .copied()
                .filter(|t| !t.contains(' ') && !t.contains('-'))
                .collect();
            let first = rng.random_range(0..words.len());
            let second = (first + rng.random_range(1..words.len().max(2))) % words.len();
            let terms = vec![
                Term::Word(words[first].to_owned()),
                Term::Word(words[second].to_owned()),
            ];
            plain(Class::And, Shape::And(terms))
        });
        add(Class::And, 10, &mut |rng| {
            let terms = vec![word(&single, rng), general(rng, 100, 1_500)];
            plain(Class::And, Shape::And(terms))
        });
        add(Class::And, 5, &mut |rng| {
            let terms = vec![
                general(rng, 0, 40),
                general(rng, 0, 40),
                general(rng, 40, 400),
            ];
            plain(Class::And, Shape::And(terms))
        });
        add(Class::And, 5, &mut |rng| {
            let first = FIRST_NAMES[rng.random_range(0..30)].to_lowercase();
            let last = LAST_NAMES[rng.random_range(0..40)].to_lowercase();
            plain(
                Class::And,
                Shape::And(vec![Term::Word(first), Term::Word(last)]),
            )
        });
        add(Class::Phrase, 8, &mut |rng| {
            let words = lowercase_words(multi[rng.random_range(0..multi.len())]);
            plain(Class::Phrase, Shape::And(vec![Term::Phrase(words)]))
        });
        let bigrams = self.bigrams(400)?;
        add(Class::Phrase, 6, &mut |rng| {
            let (a, b) = bigrams[rng.random_range(0..bigrams.len())].clone();
            plain(Class::Phrase, Shape::And(vec![Term::Phrase(vec![a, b])]))
        });
        add(Class::Phrase, 3, &mut |rng| {
            let phone = self.phones[rng.random_range(0..200)].text.clone();
            plain(Class::Phrase, Shape::And(vec![Term::Phrase(vec![phone])]))
        });
        add(Class::Phrase, 3, &mut |rng| {
            let multi_cities: Vec<&str> =
                CITIES.iter().copied().filter(|c| c.contains(' ')).collect();
            let city = multi_cities[rng.random_range(0..multi_cities.len())];
            plain(
                Class::Phrase,
                Shape::And(vec![Term::Phrase(lowercase_words(city))]),
            )
        });
        add(Class::Or, 10, &mut |rng| {
            let count = rng.random_range(2..=3);
            let terms = (0..count).map(|_| word(&single, rng)).collect();
            plain(Class::Or, Shape::Or(terms))
        });
        add(Class::Or, 10, &mut |rng| {
            let count = rng.random_range(2..=3);
            let terms = (0..count).map(|_| general(rng, 200, 5_000)).collect();
            plain(Class::Or, Shape::Or(terms))
        });
        let fixed = [
            "traff", "recruit", "smuggl", "pass", "mass", "esc", "exploit",
        ];
        add(Class::Prefix, 7, &mut |rng| {
            let prefix = fixed[rng.random_range(0..fixed.len())].to_owned();
            plain(Class::Prefix, Shape::And(vec![Term::Prefix(prefix)]))
        });
        add(Class::Prefix, 8, &mut |rng| {
            let word = &self.general[rng.random_range(0..300)];
            let length = rng.random_range(3..=4).min(word.len());
            let prefix = word.chars().take(length).collect();
            plain(Class::Prefix, Shape::And(vec![Term::Prefix(prefix)]))
        });
        for (class, filter) in [
            (Class::Kind, Filter::Request),
            (Class::After, Filter::After),
        ] {
            add(class, 15, &mut |rng| {
                let term = if rng.random_bool(0.5) {
                    word(&single, rng)
                } else {
                    general(rng, 0, 300)
                };
                BenchQuery {
                    class,
                    shape: Shape::And(vec![term]),
                    filter,
                }
            });
        }
        add(Class::Not, 15, &mut |rng| {
            let a = if rng.random_bool(0.6) {
                word(&common_domain, rng)
            } else {
                general(rng, 0, 60)
            };
            let b = word(&single, rng);
            plain(Class::Not, Shape::Not(a, b))
        });
        Ok(queries)
    }

    /// Pairs of adjacent content words in the narratives of the first `docs` records.
    fn bigrams(&self, docs: u64) -> Result<Vec<(String, String)>> {
        let stop: HashSet<&str> = STOP_WORDS.split_whitespace().collect();
        let content = |word: &str| {
            word.chars().all(|c| c.is_ascii_lowercase()) && !stop.contains(word) && word.len() > 2
        };
        let mut pairs = Vec::new();
        for number in 1..=docs {
            let doc = self.doc(number)?;
            let words: Vec<&str> = doc.narrative.split(' ').collect();
            for pair in words.windows(2) {
                let [a, b] = pair else { continue };
                let b = b.trim_end_matches(['.', ',']);
                if content(a) && content(b) {
                    pairs.push(((*a).to_owned(), b.to_owned()));
                }
            }
        }
        if pairs.is_empty() {
            bail!("no bigrams in the first {docs} records");
        }
        Ok(pairs)
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/// What loading an engine took.
#[derive(Clone)]
struct Load {
    /// Records per second, generation time excluded.
    records_per_s: f64,
    /// Documents (views) per second.
    docs_per_s: f64,
    /// Documents in the index.
    docs: u64,
    seconds: f64,
    bytes: u64,
    notes: String,
}

/// Latencies of one engine, in ms: a list per query (empty for those it dropped).
struct Timings {
    samples: Vec<Vec<f64>>,
    totals: Vec<Option<u64>>,
    first_ms: f64,
}

struct Summary {
    p50: f64,
    p99: f64,
    mean: f64,
    count: usize,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summarize(samples: impl Iterator<Item = f64>) -> Summary {
    let mut all: Vec<f64> = samples.collect();
    all.sort_by(f64::total_cmp);
    let mean = all.iter().sum::<f64>() / all.len().max(1) as f64;
    Summary {
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        mean,
        count: all.len(),
    }
}

impl Timings {
    fn summary(&self, keep: impl Fn(usize) -> bool) -> Summary {
        summarize(
            self.samples
                .iter()
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .flat_map(|(_, s)| s.iter().copied()),
        )
    }

    /// Over each query's fastest run: what the engine does without the machine's noise.
    fn best(&self) -> Summary {
        summarize(
            self.samples
                .iter()
                .filter_map(|s| s.iter().copied().min_by(f64::total_cmp)),
        )
    }

    fn median(&self, query: usize) -> f64 {
        let mut samples = self.samples.get(query).cloned().unwrap_or_default();
        samples.sort_by(f64::total_cmp);
        percentile(&samples, 0.5)
    }

    fn answered(&self) -> usize {
        self.samples.iter().filter(|s| !s.is_empty()).count()
    }
}

fn progress(len: u64, prefix: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix:>24} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar.set_prefix(prefix.to_owned());
    bar
}

fn ms(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1e3
}

fn reader(authorizations: &[&str]) -> Result<Reader> {
    let user = User {
        username: "analyst".parse().map_err(anyhow::Error::msg)?,
        role: Role::Analyst,
        authorizations: authorizations.iter().map(|a| (*a).to_owned()).collect(),
    };
    Ok(Reader::new(&user))
}

fn dir_size(path: &Path) -> Result<u64> {
    let mut total = 0;
    if path.is_file() {
        return Ok(path.metadata()?.len());
    }
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

// ----- Humdex

/// Indexes `size` records into `dir`, committing every [`COMMIT_EVERY`], and waits for the
/// background merges to end.
fn build_humdex(
    corpus: &Corpus,
    size: u64,
    dir: &Path,
    labelled: bool,
) -> Result<(SearchIndex, Load)> {
    let name = if labelled {
        "humdex (labels)"
    } else {
        "humdex (no labels)"
    };
    let index = SearchIndex::open(dir)?;
    let bar = progress(size, name);
    let start = Instant::now();
    let mut generating = Duration::ZERO;
    let mut docs = 0u64;
    for number in 1..=size {
        let begun = Instant::now();
        let doc = corpus.doc(number)?;
        let views = doc.views(labelled);
        generating += begun.elapsed();
        docs += views.len() as u64;
        index.replace(doc.id, &views)?;
        if number % COMMIT_EVERY == 0 && number < size {
            index.commit(&number.to_string())?;
            bar.suspend(|| {
                eprintln!(
                    "{name}: {number}/{size} records committed, {:.0} s",
                    start.elapsed().as_secs_f64()
                );
            });
        }
        bar.inc(1);
    }
    index.commit(&size.to_string())?;
    bar.finish_and_clear();
    let seconds = (start.elapsed() - generating).as_secs_f64();
    // Merges go on in the background after the last commit; wait for them, as a server's index
    // would have settled, then commit once more so the reader sees the merged segments.
    let settling = Instant::now();
    let watched = tantivy::Index::open_in_dir(dir)?;
    let mut last = (usize::MAX, 0);
    let mut stable = 0;
    while stable < 3 && settling.elapsed() < Duration::from_secs(900) {
        std::thread::sleep(Duration::from_secs(1));
        let now = (watched.searchable_segment_metas()?.len(), dir_size(dir)?);
        if now == last {
            stable += 1;
        } else {
            stable = 0;
            last = now;
        }
    }
    index.commit("settled")?;
    let segments = watched.searchable_segment_metas()?.len();
    eprintln!(
        "{name}: {size} records, {docs} documents in {seconds:.1} s (+{:.0} s generating); \
         merges settled in {:.0} s, {segments} segments",
        generating.as_secs_f64(),
        settling.elapsed().as_secs_f64()
    );
    let load = Load {
        records_per_s: size as f64 / seconds,
        docs_per_s: docs as f64 / seconds,
        docs,
        seconds,
        bytes: dir_size(dir)?,
        notes: format!(
            "1 writer thread, 64 MB; commit every {COMMIT_EVERY}; {segments} segments after merges settled ({:.0} s)",
            settling.elapsed().as_secs_f64()
        ),
    };
    Ok((index, load))
}

/// Times every query for each of `runs` (an index and its reader), interleaved: query by query,
/// (a), (b), (c) in turn, so that noise from the machine falls on all of them alike.
fn time_humdex(
    runs: &[(&SearchIndex, &Reader)],
    queries: &[Query],
    reps: usize,
) -> Result<Vec<Timings>> {
    let bar = progress(
        ((reps + 1) * queries.len() * runs.len()) as u64,
        "humdex (a) (b) (c)",
    );
    let mut timings: Vec<Timings> = runs
        .iter()
        .map(|_| Timings {
            samples: vec![Vec::with_capacity(reps); queries.len()],
            totals: vec![None; queries.len()],
            first_ms: 0.0,
        })
        .collect();
    for pass in 0..=reps {
        for (i, query) in queries.iter().enumerate() {
            for ((index, reader), timings) in runs.iter().zip(&mut timings) {
                let start = Instant::now();
                let found = index.search(reader, query, PAGE)?;
                let elapsed = ms(start.elapsed());
                if pass == 0 {
                    if i == 0 {
                        timings.first_ms = elapsed;
                    }
                    timings.totals[i] = Some(found.total);
                } else {
                    timings.samples[i].push(elapsed);
                }
                std::hint::black_box(found);
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    Ok(timings)
}

// ----- SQLite FTS5

async fn sqlite_flush(connection: &mut SqliteConnection, rows: &[PeerRow]) -> Result<()> {
    let mut records =
        QueryBuilder::<Sqlite>::new("INSERT INTO records(id, kind, state, source, received) ");
    records.push_values(rows, |mut values, row| {
        values
            .push_bind(row.id)
            .push_bind(row.kind)
            .push_bind(row.state)
            .push_bind(row.source)
            .push_bind(row.received);
    });
    records.build().execute(&mut *connection).await?;
    let mut texts = QueryBuilder::<Sqlite>::new("INSERT INTO fts(rowid, title, body) ");
    texts.push_values(rows, |mut values, row| {
        values
            .push_bind(row.id)
            .push_bind(row.title.clone())
            .push_bind(row.body.clone());
    });
    texts.build().execute(&mut *connection).await?;
    Ok(())
}

async fn sqlite_load(corpus: &Corpus, size: u64, path: &Path) -> Result<(SqliteConnection, Load)> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        // Give it the page cache and mmap it needs to answer from memory, as tantivy does.
        .pragma("cache_size", "-2000000")
        .pragma("mmap_size", "17179869184");
    let mut connection = SqliteConnection::connect_with(&options).await?;
    sqlx::query(
        "CREATE TABLE records(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, \
         source TEXT NOT NULL, received INTEGER NOT NULL)",
    )
    .execute(&mut connection)
    .await?;
    sqlx::query(
        "CREATE VIRTUAL TABLE fts USING fts5(title, body, \
         tokenize = 'porter unicode61 remove_diacritics 2')",
    )
    .execute(&mut connection)
    .await?;
    let bar = progress(size, "sqlite fts5");
    let start = Instant::now();
    let mut generating = Duration::ZERO;
    let mut rows = Vec::with_capacity(PEER_BATCH);
    let mut number = 1;
    while number <= size {
        let mut transaction = connection.begin().await?;
        let end = (number + COMMIT_EVERY - 1).min(size);
        while number <= end {
            let begun = Instant::now();
            rows.push(corpus.doc(number)?.row());
            generating += begun.elapsed();
            if rows.len() == PEER_BATCH || number == end {
                sqlite_flush(&mut transaction, &rows).await?;
                bar.inc(rows.len() as u64);
                rows.clear();
            }
            number += 1;
        }
        transaction.commit().await?;
    }
    bar.finish_and_clear();
    let loading = start.elapsed() - generating;
    let optimizing = Instant::now();
    sqlx::query("INSERT INTO fts(fts) VALUES('optimize')")
        .execute(&mut connection)
        .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await?;
    let optimized = optimizing.elapsed();
    let seconds = (loading + optimized).as_secs_f64();
    let mut bytes = dir_size(path)?;
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if wal.exists() {
        bytes += dir_size(&wal)?;
    }
    eprintln!(
        "sqlite fts5: {size} records in {:.1} s + optimize {:.1} s",
        loading.as_secs_f64(),
        optimized.as_secs_f64()
    );
    Ok((
        connection,
        Load {
            records_per_s: size as f64 / seconds,
            docs_per_s: size as f64 / seconds,
            docs: size,
            seconds,
            bytes,
            notes: format!(
                "inserts of {PEER_BATCH} rows, transaction every {COMMIT_EVERY}; \
                 then 'optimize' ({:.0} s, included)",
                optimized.as_secs_f64()
            ),
        },
    ))
}

/// Top 20 by bm25 (FTS5's `rank` is `bm25(fts)`) and the count of matches.
async fn sqlite_ask(
    connection: &mut SqliteConnection,
    text: &str,
    filter: Filter,
    after_ms: i64,
) -> Result<u64> {
    let (top, total): (Vec<i64>, i64) = match filter {
        Filter::None => (
            sqlx::query_scalar("SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 20")
                .bind(text)
                .fetch_all(&mut *connection)
                .await?,
            sqlx::query_scalar("SELECT count(*) FROM fts WHERE fts MATCH ?1")
                .bind(text)
                .fetch_one(&mut *connection)
                .await?,
        ),
        Filter::Request => (
            sqlx::query_scalar(
                "SELECT fts.rowid FROM fts JOIN records ON records.id = fts.rowid \
                 WHERE fts MATCH ?1 AND records.kind = ?2 ORDER BY fts.rank LIMIT 20",
            )
            .bind(text)
            .bind(Kind::Request.as_str())
            .fetch_all(&mut *connection)
            .await?,
            sqlx::query_scalar(
                "SELECT count(*) FROM fts JOIN records ON records.id = fts.rowid \
                 WHERE fts MATCH ?1 AND records.kind = ?2",
            )
            .bind(text)
            .bind(Kind::Request.as_str())
            .fetch_one(&mut *connection)
            .await?,
        ),
        Filter::After => (
            sqlx::query_scalar(
                "SELECT fts.rowid FROM fts JOIN records ON records.id = fts.rowid \
                 WHERE fts MATCH ?1 AND records.received >= ?2 ORDER BY fts.rank LIMIT 20",
            )
            .bind(text)
            .bind(after_ms)
            .fetch_all(&mut *connection)
            .await?,
            sqlx::query_scalar(
                "SELECT count(*) FROM fts JOIN records ON records.id = fts.rowid \
                 WHERE fts MATCH ?1 AND records.received >= ?2",
            )
            .bind(text)
            .bind(after_ms)
            .fetch_one(&mut *connection)
            .await?,
        ),
    };
    std::hint::black_box(top);
    Ok(total.try_into()?)
}

// ----- PostgreSQL

async fn pg_load(corpus: &Corpus, size: u64, connection: &mut PgConnection) -> Result<Load> {
    sqlx::query(
        "CREATE TABLE docs(id bigint PRIMARY KEY, kind text NOT NULL, state text NOT NULL, \
         source text NOT NULL, received bigint NOT NULL, title text NOT NULL, body text NOT NULL, \
         tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED)",
    )
    .execute(&mut *connection)
    .await?;
    let bar = progress(size, "postgresql");
    let start = Instant::now();
    let mut generating = Duration::ZERO;
    let mut rows = Vec::with_capacity(PEER_BATCH);
    let mut number = 1;
    while number <= size {
        let mut transaction = connection.begin().await?;
        let end = (number + COMMIT_EVERY - 1).min(size);
        while number <= end {
            let begun = Instant::now();
            rows.push(corpus.doc(number)?.row());
            generating += begun.elapsed();
            if rows.len() == PEER_BATCH || number == end {
                let column =
                    |f: &dyn Fn(&PeerRow) -> String| rows.iter().map(f).collect::<Vec<_>>();
                sqlx::query(
                    "INSERT INTO docs(id, kind, state, source, received, title, body) \
                     SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], \
                     $5::bigint[], $6::text[], $7::text[])",
                )
                .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
                .bind(column(&|r| r.kind.to_owned()))
                .bind(column(&|r| r.state.to_owned()))
                .bind(column(&|r| r.source.to_owned()))
                .bind(rows.iter().map(|r| r.received).collect::<Vec<_>>())
                .bind(column(&|r| r.title.clone()))
                .bind(column(&|r| r.body.clone()))
                .execute(&mut *transaction)
                .await?;
                bar.inc(rows.len() as u64);
                rows.clear();
            }
            number += 1;
        }
        transaction.commit().await?;
    }
    bar.finish_and_clear();
    let loading = start.elapsed() - generating;
    let indexing = Instant::now();
    sqlx::query("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
        .execute(&mut *connection)
        .await?;
    let gin = indexing.elapsed();
    let vacuuming = Instant::now();
    sqlx::query("VACUUM ANALYZE docs")
        .execute(&mut *connection)
        .await?;
    let vacuum = vacuuming.elapsed();
    let (bytes, gin_bytes): (i64, i64) = sqlx::query_as(
        "SELECT pg_total_relation_size('docs')::bigint, pg_relation_size('docs_tsv')::bigint",
    )
    .fetch_one(&mut *connection)
    .await?;
    let seconds = (loading + gin + vacuum).as_secs_f64();
    eprintln!(
        "postgresql: {size} records in {:.1} s + GIN {:.1} s + vacuum analyze {:.1} s",
        loading.as_secs_f64(),
        gin.as_secs_f64(),
        vacuum.as_secs_f64()
    );
    Ok(Load {
        records_per_s: size as f64 / seconds,
        docs_per_s: size as f64 / seconds,
        docs: size,
        seconds,
        bytes: bytes.try_into()?,
        notes: format!(
            "UNNEST inserts of {PEER_BATCH} rows ({:.0} s, tsvector computed on insert), \
             then GIN build {:.0} s + VACUUM ANALYZE {:.0} s (included); GIN {:.0} MB",
            loading.as_secs_f64(),
            gin.as_secs_f64(),
            vacuum.as_secs_f64(),
            gin_bytes as f64 / 1e6
        ),
    })
}

/// Top 20 by `ts_rank` and the count of matches.
async fn pg_ask(
    connection: &mut PgConnection,
    text: &str,
    filter: Filter,
    after_ms: i64,
) -> Result<u64> {
    let (top, total): (Vec<i64>, i64) = match filter {
        Filter::None => (
            sqlx::query_scalar(
                "SELECT id FROM docs, to_tsquery('english', $1) q WHERE tsv @@ q \
                 ORDER BY ts_rank(tsv, q) DESC LIMIT 20",
            )
            .bind(text)
            .fetch_all(&mut *connection)
            .await?,
            sqlx::query_scalar("SELECT count(*) FROM docs WHERE tsv @@ to_tsquery('english', $1)")
                .bind(text)
                .fetch_one(&mut *connection)
                .await?,
        ),
        Filter::Request => (
            sqlx::query_scalar(
                "SELECT id FROM docs, to_tsquery('english', $1) q WHERE tsv @@ q AND kind = $2 \
                 ORDER BY ts_rank(tsv, q) DESC LIMIT 20",
            )
            .bind(text)
            .bind(Kind::Request.as_str())
            .fetch_all(&mut *connection)
            .await?,
            sqlx::query_scalar(
                "SELECT count(*) FROM docs WHERE tsv @@ to_tsquery('english', $1) AND kind = $2",
            )
            .bind(text)
            .bind(Kind::Request.as_str())
            .fetch_one(&mut *connection)
            .await?,
        ),
        Filter::After => (
            sqlx::query_scalar(
                "SELECT id FROM docs, to_tsquery('english', $1) q WHERE tsv @@ q \
                 AND received >= $2 ORDER BY ts_rank(tsv, q) DESC LIMIT 20",
            )
            .bind(text)
            .bind(after_ms)
            .fetch_all(&mut *connection)
            .await?,
            sqlx::query_scalar(
                "SELECT count(*) FROM docs WHERE tsv @@ to_tsquery('english', $1) \
                 AND received >= $2",
            )
            .bind(text)
            .bind(after_ms)
            .fetch_one(&mut *connection)
            .await?,
        ),
    };
    std::hint::black_box(top);
    Ok(total.try_into()?)
}

enum Peer<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

async fn time_peer(
    peer: &mut Peer<'_>,
    texts: &[Option<String>],
    queries: &[BenchQuery],
    reps: usize,
    after_ms: i64,
    name: &str,
) -> Result<Timings> {
    let bar = progress(((reps + 1) * texts.len()) as u64, name);
    let mut samples = vec![Vec::with_capacity(reps); texts.len()];
    let mut totals = vec![None; texts.len()];
    let mut first_ms = 0.0;
    for pass in 0..=reps {
        for (i, (text, query)) in texts.iter().zip(queries).enumerate() {
            bar.inc(1);
            let Some(text) = text else { continue };
            let start = Instant::now();
            let total = match peer {
                Peer::Sqlite(connection) => {
                    sqlite_ask(connection, text, query.filter, after_ms).await
                }
                Peer::Postgres(connection) => {
                    pg_ask(connection, text, query.filter, after_ms).await
                }
            }
            .with_context(|| format!("{name}: {text}"))?;
            let elapsed = ms(start.elapsed());
            if pass == 0 {
                if i == 0 {
                    first_ms = elapsed;
                }
                totals[i] = Some(total);
            } else {
                samples[i].push(elapsed);
            }
        }
    }
    bar.finish_and_clear();
    Ok(Timings {
        samples,
        totals,
        first_ms,
    })
}

// ---------------------------------------------------------------------------------------------
// One size, start to end.

struct Engine {
    name: String,
    load: Option<Load>,
    timings: Timings,
    dropped: usize,
}

struct Settings {
    reps: usize,
    /// Measured passes for SQLite and PostgreSQL, whose common-word queries take long at 1M.
    peer_reps: usize,
    /// Which of `humdex`, `sqlite` and `postgres` to run.
    engines: HashSet<String>,
    pg_url: Option<String>,
    tmp: PathBuf,
    after_ms: i64,
}

fn run_size(
    corpus: &Corpus,
    queries: &[BenchQuery],
    size: u64,
    settings: &Settings,
    runtime: &tokio::runtime::Runtime,
) -> Result<()> {
    let reps = settings.reps;
    let scratch = tempfile::Builder::new()
        .prefix("search-bench-")
        .tempdir_in(&settings.tmp)?;
    eprintln!("== {size} records, scratch {}", scratch.path().display());
    let parsed: Vec<Query> = queries
        .iter()
        .map(|q| {
            let text = q.humdex();
            humdex_search::parse(&text, &ParseContext::default())
                .map_err(|error| anyhow::anyhow!("{text}: {error}"))
        })
        .collect::<Result<_>>()?;
    let full = reader(ALL_AUTHORIZATIONS)?;
    let restricted = reader(&[])?;
    let mut engines = Vec::new();
    if settings.engines.contains("humdex") {
        // Both indexes are built first, then searched query by query in turn.
        let labelled_dir = scratch.path().join("humdex-labelled");
        let (labelled, labelled_load) = build_humdex(corpus, size, &labelled_dir, true)?;
        let plain_dir = scratch.path().join("humdex-plain");
        let (plain, plain_load) = build_humdex(corpus, size, &plain_dir, false)?;
        let runs = [
            (&labelled, &full),
            (&labelled, &restricted),
            (&plain, &full),
        ];
        let mut timings = time_humdex(&runs, &parsed, reps)?.into_iter();
        drop(labelled);
        drop(plain);
        remove(&labelled_dir);
        remove(&plain_dir);
        for (name, load) in [
            ("Humdex (a) full clearance", Some(labelled_load)),
            ("Humdex (b) no authorizations", None),
            ("Humdex (c) no labels", Some(plain_load)),
        ] {
            let timings = timings.next().context("timings of each Humdex run")?;
            engines.push(Engine {
                name: name.to_owned(),
                load,
                timings,
                dropped: 0,
            });
        }
    }

    // SQLite FTS5.
    if settings.engines.contains("sqlite") {
        let texts: Vec<Option<String>> = queries.iter().map(BenchQuery::fts5).collect();
        let path = scratch.path().join("fts5.db");
        let sqlite = runtime.block_on(async {
            let (mut connection, load) = sqlite_load(corpus, size, &path).await?;
            let timings = time_peer(
                &mut Peer::Sqlite(&mut connection),
                &texts,
                queries,
                settings.peer_reps,
                settings.after_ms,
                "sqlite fts5",
            )
            .await?;
            connection.close().await?;
            anyhow::Ok((load, timings))
        })?;
        remove(&path);
        engines.push(Engine {
            name: "SQLite FTS5".to_owned(),
            load: Some(sqlite.0),
            dropped: texts.iter().filter(|t| t.is_none()).count(),
            timings: sqlite.1,
        });
    }

    // PostgreSQL.
    let mut pg_note = String::new();
    if !settings.engines.contains("postgres") {
        pg_note = "PostgreSQL not selected (SEARCH_BENCH_ENGINES)".to_owned();
    } else if let Some(url) = &settings.pg_url {
        let texts: Vec<Option<String>> = queries.iter().map(BenchQuery::tsquery).collect();
        match runtime.block_on(run_pg(corpus, size, url, &texts, queries, settings)) {
            Ok((load, timings)) => engines.push(Engine {
                name: "PostgreSQL 15 tsvector+GIN".to_owned(),
                load: Some(load),
                dropped: texts.iter().filter(|t| t.is_none()).count(),
                timings,
            }),
            Err(error) => {
                pg_note = format!("PostgreSQL skipped: {error:#}");
                eprintln!("{pg_note}");
            }
        }
    } else {
        pg_note = "PostgreSQL skipped (SEARCH_BENCH_PG=off)".to_owned();
    }

    report(size, queries, &engines, &pg_note, settings);
    Ok(())
}

fn remove(path: &Path) {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    if let Err(error) = result {
        eprintln!("could not remove {}: {error}", path.display());
    }
}

async fn run_pg(
    corpus: &Corpus,
    size: u64,
    url: &str,
    texts: &[Option<String>],
    queries: &[BenchQuery],
    settings: &Settings,
) -> Result<(Load, Timings)> {
    // One backend, no parallel workers: one thread, like the others. JIT off and a larger
    // work_mem give ranking queries their best chance.
    let options = PgConnectOptions::from_str(url)?.options([
        ("max_parallel_workers_per_gather", "0"),
        ("jit", "off"),
        ("work_mem", "64MB"),
        ("maintenance_work_mem", "1GB"),
    ]);
    let mut connection =
        tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&options))
            .await
            .context("connecting to PostgreSQL timed out")??;
    let schema = format!("bench_search_{}", std::process::id());
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut connection)
        .await?;
    let outcome = async {
        sqlx::query(AssertSqlSafe(format!("SET search_path TO {schema}")))
            .execute(&mut connection)
            .await?;
        let load = pg_load(corpus, size, &mut connection).await?;
        let timings = time_peer(
            &mut Peer::Postgres(&mut connection),
            texts,
            queries,
            settings.peer_reps,
            settings.after_ms,
            "postgresql",
        )
        .await?;
        anyhow::Ok((load, timings))
    }
    .await;
    let dropped = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut connection)
        .await;
    if let Err(error) = dropped {
        eprintln!("could not drop schema {schema}: {error}");
    }
    connection.close().await?;
    outcome
}

// ---------------------------------------------------------------------------------------------
// The report.

fn percent(value: f64, base: f64) -> String {
    format!("{:+.0}%", (value / base - 1.0) * 100.0)
}

fn report(
    size: u64,
    queries: &[BenchQuery],
    engines: &[Engine],
    pg_note: &str,
    settings: &Settings,
) {
    let (reps, peer_reps) = (settings.reps, settings.peer_reps);
    let Some(reference) = engines.first() else {
        return;
    };
    let reference_p99 = reference.timings.summary(|_| true).p99;
    println!();
    println!("### {size} records");
    println!();
    println!(
        "{} queries, first page of 20 by relevance + total count (Humdex also computes facets); 1 warm-up pass + {reps} measured passes for Humdex ((a), (b), (c) interleaved query by query), {peer_reps} for SQLite and PostgreSQL; one thread per engine, engines run one after another.",
        queries.len()
    );
    println!();
    println!(
        "| engine | p50 ms | p99 ms | mean ms | p99 / Humdex (a) | best run per query: p50 / p99 ms | queries answered | first query ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for engine in engines {
        let summary = engine.timings.summary(|_| true);
        let best = engine.timings.best();
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2}x | {:.2} / {:.2} | {}{} | {:.1} |",
            engine.name,
            summary.p50,
            summary.p99,
            summary.mean,
            summary.p99 / reference_p99,
            best.p50,
            best.p99,
            engine.timings.answered(),
            if engine.dropped > 0 {
                format!(" ({} dropped)", engine.dropped)
            } else {
                String::new()
            },
            engine.timings.first_ms,
        );
        debug_assert!(summary.count > 0);
    }
    if !pg_note.is_empty() {
        println!();
        println!("{pg_note}");
    }
    let find = |prefix: &str| engines.iter().find(|e| e.name.starts_with(prefix));
    if let (Some(a), Some(b), Some(c)) =
        (find("Humdex (a)"), find("Humdex (b)"), find("Humdex (c)"))
    {
        println!();
        for (how, a, b, c) in [
            (
                "all runs",
                a.timings.summary(|_| true),
                b.timings.summary(|_| true),
                c.timings.summary(|_| true),
            ),
            (
                "each query's best run",
                a.timings.best(),
                b.timings.best(),
                c.timings.best(),
            ),
        ] {
            println!(
                "Privilege filtering cost ({how}; target < +20%): (a) full clearance vs (c) no labels: p50 {}, p99 {}, mean {}; (b) no authorizations vs (c): p50 {}, p99 {}, mean {}.",
                percent(a.p50, c.p50),
                percent(a.p99, c.p99),
                percent(a.mean, c.mean),
                percent(b.p50, c.p50),
                percent(b.p99, c.p99),
                percent(b.mean, c.mean),
            );
            println!();
        }
    }

    println!();
    println!("| engine | load records/s | load docs/s | documents | load s | on disk MB | notes |");
    println!("|---|---|---|---|---|---|---|");
    for engine in engines {
        if let Some(load) = &engine.load {
            println!(
                "| {} | {:.0} | {:.0} | {} | {:.1} | {:.0} | {} |",
                engine.name.replace(" (a) full clearance", " with labels"),
                load.records_per_s,
                load.docs_per_s,
                load.docs,
                load.seconds,
                load.bytes as f64 / 1e6,
                load.notes
            );
        }
    }

    println!();
    print!("| query class | n |");
    for engine in engines {
        print!(" {} p50 / p99 |", engine.name);
    }
    println!();
    print!("|---|---|");
    for _ in engines {
        print!("---|");
    }
    println!();
    for (class, label) in CLASSES {
        let members = |i: usize| queries.get(i).is_some_and(|q| q.class == class);
        let count = queries.iter().filter(|q| q.class == class).count();
        print!("| {label} | {count} |");
        for engine in engines {
            let summary = engine.timings.summary(members);
            print!(" {:.2} / {:.2} |", summary.p50, summary.p99);
        }
        println!();
    }

    // The slowest queries of Humdex (a), with what the others took for them.
    let mut order: Vec<usize> = (0..queries.len()).collect();
    order.sort_by(|x, y| {
        reference
            .timings
            .median(*y)
            .total_cmp(&reference.timings.median(*x))
    });
    println!();
    print!("Slowest queries for Humdex (a), median ms:\n\n| query | matches (a) |");
    for engine in engines {
        print!(" {} |", engine.name);
    }
    println!();
    print!("|---|---|");
    for _ in engines {
        print!("---|");
    }
    println!();
    for &i in order.iter().take(10) {
        let Some(query) = queries.get(i) else {
            continue;
        };
        let total = reference
            .timings
            .totals
            .get(i)
            .copied()
            .flatten()
            .unwrap_or(0);
        print!("| `{}` | {total} |", query.humdex());
        for engine in engines {
            print!(" {:.2} |", engine.timings.median(i));
        }
        println!();
    }

    // Do the engines agree on what matches?
    println!();
    let totals = |engine: &Engine| -> u64 { engine.timings.totals.iter().flatten().sum() };
    let line: Vec<String> = engines
        .iter()
        .map(|e| format!("{} {}", e.name, totals(e)))
        .collect();
    println!("Matches summed over all queries: {}.", line.join("; "));
    if let (Some(a), Some(c)) = (find("Humdex (a)"), find("Humdex (c)")) {
        let differ = a
            .timings
            .totals
            .iter()
            .zip(&c.timings.totals)
            .filter(|(x, y)| x != y)
            .count();
        println!(
            "Humdex (a) and (c) differ in total on {differ} of {} queries (they should not: the full-clearance reader sees everything).",
            queries.len()
        );
    }
}

fn main() -> Result<()> {
    let sizes: Vec<u64> = env::var("SEARCH_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".to_owned())
        .split(',')
        .map(|s| s.trim().parse().with_context(|| format!("size `{s}`")))
        .collect::<Result<_>>()?;
    let reps = match env::var("SEARCH_BENCH_REPS") {
        Ok(value) => value.parse().context("SEARCH_BENCH_REPS")?,
        Err(_) => 5,
    };
    let pg_url = match env::var("SEARCH_BENCH_PG") {
        Ok(value) if value == "off" => None,
        Ok(value) => Some(value),
        Err(_) => Some("postgres://postgres@127.0.0.1:5432/test".to_owned()),
    };
    let peer_reps = match env::var("SEARCH_BENCH_PEER_REPS") {
        Ok(value) => value.parse().context("SEARCH_BENCH_PEER_REPS")?,
        Err(_) => reps,
    };
    let settings = Settings {
        reps,
        peer_reps,
        engines: env::var("SEARCH_BENCH_ENGINES")
            .unwrap_or_else(|_| "humdex,sqlite,postgres".to_owned())
            .split(',')
            .map(|engine| engine.trim().to_owned())
            .collect(),
        pg_url,
        tmp: env::var_os("SEARCH_BENCH_TMP").map_or_else(env::temp_dir, PathBuf::from),
        after_ms: format!("{AFTER_DAY}T00:00:00Z")
            .parse::<Timestamp>()?
            .as_millisecond(),
    };
    let corpus = Corpus::new();
    let queries = corpus.queries()?;
    println!("## Humdex search benchmark");
    println!();
    print!("Query mix ({} queries):", queries.len());
    for (class, label) in CLASSES {
        let examples: Vec<String> = queries
            .iter()
            .filter(|q| q.class == class)
            .take(2)
            .map(|q| format!("`{}`", q.humdex()))
            .collect();
        print!(
            " {label} {} (e.g. {});",
            queries.iter().filter(|q| q.class == class).count(),
            examples.join(", ")
        );
    }
    println!();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    for size in sizes {
        run_size(&corpus, &queries, size, &settings, &runtime)?;
    }
    Ok(())
}
