use humdex_model::{Channel, EntityKind, Kind, RecordId, State};
use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::analyzer::{key_analyzer, text_analyzer, tokens};
use crate::{Exact, GeoArea, Point, ViewEntity, ViewText};

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn view(texts: &[(&str, &str)]) -> View {
    View {
        record: RecordId::new(ts("2026-03-15T10:00:00Z")),
        version: 1,
        labels: Vec::new(),
        excluded: Vec::new(),
        created_by: "analyst".to_owned(),
        kind: Kind::Report,
        state: State::Intake,
        source: Channel::Hotline,
        received: ts("2026-03-15T10:00:00Z"),
        texts: texts
            .iter()
            .map(|&(part, text)| ViewText {
                part: part.to_owned(),
                text: text.to_owned(),
            })
            .collect(),
        entities: Vec::new(),
        points: Vec::new(),
    }
}

fn term(term: &str) -> Query {
    Query::Term {
        field: TextField::Any,
        term: term.to_owned(),
    }
}

fn title(term: &str) -> Query {
    Query::Term {
        field: TextField::Title,
        term: term.to_owned(),
    }
}

fn phrase(field: TextField, terms: &[&str]) -> Query {
    Query::Phrase {
        field,
        terms: terms.iter().map(|&term| term.to_owned()).collect(),
    }
}

fn prefix(field: TextField, prefix: &str) -> Query {
    Query::Prefix {
        field,
        prefix: prefix.to_owned(),
    }
}

fn not(query: Query) -> Query {
    Query::Not(Box::new(query))
}

fn received(from: Option<&str>, to: Option<&str>) -> Query {
    Query::Received {
        from: from.map(ts),
        to: to.map(ts),
    }
}

fn circle(lat: f64, lon: f64, radius_m: f64) -> Query {
    Query::Within(GeoArea::Circle {
        center: Point { lat, lon },
        radius_m,
    })
}

/// A percolator holding `queries` under keys 0, 1, …
fn stored(queries: &[Query]) -> Percolator {
    let mut percolator = Percolator::new();
    for (key, query) in queries.iter().enumerate() {
        percolator.insert(key as u64, query, &NoStatistics).unwrap();
    }
    percolator
}

fn keys(percolator: &Percolator, view: &View) -> Vec<u64> {
    let matches = percolator.percolate(view, &mut Scratch::new());
    matches.into_iter().map(|found| found.key).collect()
}

fn reasons(percolator: &Percolator, view: &View) -> Vec<(String, Vec<String>)> {
    let matches = percolator.percolate(view, &mut Scratch::new());
    matches
        .into_iter()
        .flat_map(|found| found.reasons)
        .map(|reason| (reason.what, reason.parts))
        .collect()
}

fn owned(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|&part| part.to_owned()).collect()
}

#[test]
fn a_term_matches_its_stemmed_word_in_any_text() {
    let percolator = stored(&[term("traffick"), term("bus")]);
    let seen = view(&[
        ("title", "Hotline call"),
        ("narrative", "She was trafficked"),
        ("fields.note", "Trafficking ring"),
    ]);
    assert_eq!(keys(&percolator, &seen), [0]);
    assert_eq!(
        reasons(&percolator, &seen),
        [("traffick".to_owned(), owned(&["narrative", "fields.note"]))]
    );
    assert!(keys(&percolator, &view(&[("narrative", "nothing here")])).is_empty());
}

#[test]
fn a_title_term_looks_in_the_title_only() {
    let percolator = stored(&[title("visa")]);
    assert_eq!(keys(&percolator, &view(&[("title", "Visa fraud")])), [0]);
    assert!(keys(&percolator, &view(&[("narrative", "visa fraud")])).is_empty());
}

#[test]
fn a_phrase_needs_consecutive_words_in_one_text() {
    let percolator = stored(&[
        phrase(TextField::Any, &["massag", "parlor"]),
        phrase(TextField::Title, &["massag", "parlor"]),
    ]);
    let body = view(&[("narrative", "a Massage parlors raid")]);
    assert_eq!(keys(&percolator, &body), [0]);
    assert_eq!(
        reasons(&percolator, &body),
        [("massag parlor".to_owned(), owned(&["narrative"]))]
    );
    assert_eq!(
        keys(&percolator, &view(&[("title", "massage parlor")])),
        [0, 1]
    );
    let apart = view(&[("narrative", "massage the parlor")]);
    assert!(keys(&percolator, &apart).is_empty());
    let across = view(&[("title", "a massage"), ("narrative", "parlor")]);
    assert!(keys(&percolator, &across).is_empty());
}

#[test]
fn a_prefix_matches_unstemmed_words() {
    let percolator = stored(&[
        prefix(TextField::Any, "minor"),
        prefix(TextField::Any, "trafficki"),
        prefix(TextField::Title, "lod"),
    ]);
    let seen = view(&[("title", "Łódź"), ("narrative", "two minors, trafficking")]);
    assert_eq!(keys(&percolator, &seen), [0, 1, 2]);
    assert!(reasons(&percolator, &seen).contains(&("minor*".to_owned(), owned(&["narrative"]))));
    let other = view(&[("narrative", "lodz min traffick")]);
    assert!(keys(&percolator, &other).is_empty());
}

#[test]
fn metadata_filters_compare_values() {
    let percolator = stored(&[
        Query::Exact(Exact::Kind(Kind::Report)),
        Query::Exact(Exact::Kind(Kind::Request)),
        Query::Exact(Exact::State(State::Intake)),
        Query::Exact(Exact::Source(Channel::Email)),
    ]);
    let seen = view(&[]);
    assert_eq!(keys(&percolator, &seen), [0, 2]);
    assert_eq!(
        reasons(&percolator, &seen),
        [
            ("kind report".to_owned(), Vec::new()),
            ("state intake".to_owned(), Vec::new())
        ]
    );
}

#[test]
fn entity_filters_match_keys_and_types() {
    let percolator = stored(&[
        Query::Exact(Exact::Entity {
            kind: None,
            key: "15555550123".to_owned(),
        }),
        Query::Exact(Exact::Entity {
            kind: Some(EntityKind::Phone),
            key: "15555550123".to_owned(),
        }),
        Query::Exact(Exact::Entity {
            kind: Some(EntityKind::Person),
            key: "15555550123".to_owned(),
        }),
        Query::Exact(Exact::Has(EntityKind::Phone)),
        Query::Exact(Exact::Has(EntityKind::Email)),
    ]);
    let mut seen = view(&[]);
    seen.entities.push(ViewEntity {
        kind: EntityKind::Phone,
        key: "15555550123".to_owned(),
        part: "fields.phone".to_owned(),
    });
    assert_eq!(keys(&percolator, &seen), [0, 1, 3]);
    let found = percolator.percolate(&seen, &mut Scratch::new());
    assert_eq!(found[0].reasons[0].what, "phone 15555550123");
    assert_eq!(found[0].reasons[0].parts, ["fields.phone"]);
    assert_eq!(found[2].reasons[0].what, "has phone");
}

#[test]
fn date_ranges_include_the_start_and_exclude_the_end() {
    let percolator = stored(&[
        received(Some("2026-03-15T10:00:00Z"), None),
        received(None, Some("2026-03-15T10:00:00Z")),
        received(Some("2026-03-01T00:00:00Z"), Some("2026-04-01T00:00:00Z")),
        received(
            Some("1800-01-01T00:00:00Z"),
            Some("2026-03-15T10:00:00.000000001Z"),
        ),
        received(
            Some("2026-03-15T10:00:00.000000001Z"),
            Some("2300-01-01T00:00:00Z"),
        ),
    ]);
    let mut seen = view(&[]);
    assert_eq!(keys(&percolator, &seen), [0, 2, 3]);
    assert_eq!(
        reasons(&percolator, &seen)[0].0,
        "received 2026-03-15T10:00:00Z"
    );
    seen.received = ts("1850-06-01T00:00:00Z");
    assert_eq!(keys(&percolator, &seen), [1, 3]);
    seen.received = ts("2250-06-01T00:00:00Z");
    assert_eq!(keys(&percolator, &seen), [0, 4]);
}

#[test]
fn areas_match_the_points_inside() {
    let percolator = stored(&[
        circle(40.7128, -74.006, 25_000.0),
        circle(51.5, -0.12, 1_000.0),
        Query::Within(GeoArea::Box {
            south: 40.0,
            west: -75.0,
            north: 41.0,
            east: -73.0,
        }),
    ]);
    let mut seen = view(&[]);
    seen.points.push(Point {
        lat: 40.8,
        lon: -73.9,
    });
    assert_eq!(keys(&percolator, &seen), [0, 2]);
    assert_eq!(reasons(&percolator, &seen)[0].0, "near 40.8,-73.9");
    seen.points = vec![Point {
        lat: 51.52,
        lon: -0.12,
    }];
    assert!(keys(&percolator, &seen).is_empty());
}

#[test]
fn boolean_combinations() {
    let percolator = stored(&[
        Query::And(vec![term("bus"), term("train")]),
        Query::Or(vec![term("bus"), term("train")]),
        Query::And(vec![term("bus"), not(term("train"))]),
        Query::And(vec![
            term("bus"),
            Query::Or(vec![term("visa"), not(term("train"))]),
        ]),
        Query::And(vec![Query::All, term("bus")]),
        Query::Or(vec![
            Query::And(vec![term("bus"), term("visa")]),
            term("train"),
        ]),
    ]);
    assert_eq!(
        keys(&percolator, &view(&[("narrative", "bus and train")])),
        [0, 1, 4, 5]
    );
    assert_eq!(
        keys(&percolator, &view(&[("narrative", "the bus")])),
        [1, 2, 3, 4]
    );
    assert_eq!(keys(&percolator, &view(&[("narrative", "train")])), [1, 5]);
}

#[test]
fn reasons_are_the_satisfied_leaves_outside_not() {
    let percolator = stored(&[Query::And(vec![
        term("bus"),
        not(term("visa")),
        Query::Or(vec![term("train"), term("minor"), term("plane")]),
        Query::Exact(Exact::Kind(Kind::Report)),
    ])]);
    let seen = view(&[("title", "Minors"), ("narrative", "bus, no train")]);
    assert_eq!(
        reasons(&percolator, &seen),
        [
            ("bus".to_owned(), owned(&["narrative"])),
            ("train".to_owned(), owned(&["narrative"])),
            ("minor".to_owned(), owned(&["title"])),
            ("kind report".to_owned(), Vec::new()),
        ]
    );
}

#[test]
fn queries_without_a_required_anchor_are_refused() {
    let world = GeoArea::Box {
        south: -90.0,
        west: -180.0,
        north: 90.0,
        east: 180.0,
    };
    let refused = [
        Query::All,
        not(term("bus")),
        Query::And(vec![]),
        Query::And(vec![not(term("bus")), not(term("train"))]),
        Query::Or(vec![term("bus"), not(term("train"))]),
        received(None, None),
        Query::Within(world),
        prefix(TextField::Any, ""),
    ];
    let mut percolator = stored(&[term("bus")]);
    for query in &refused {
        assert_eq!(
            percolator.insert(0, query, &NoStatistics),
            Err(Refused::Unanchorable),
            "{query:?}"
        );
    }
    // The refused replacements left key 0 as it was.
    assert_eq!(percolator.len(), 1);
    assert_eq!(keys(&percolator, &view(&[("narrative", "bus")])), [0]);
    // With an anchor beside them they are fine.
    let anchored = Query::And(vec![
        Query::Within(world),
        prefix(TextField::Any, ""),
        term("bus"),
    ]);
    percolator.insert(1, &anchored, &NoStatistics).unwrap();
    let mut seen = view(&[("narrative", "bus")]);
    assert_eq!(keys(&percolator, &seen), [0]);
    seen.points.push(Point { lat: 1.0, lon: 2.0 });
    assert_eq!(keys(&percolator, &seen), [0, 1]);
}

#[test]
fn removal_and_replacement_before_and_after_compaction() {
    let mut percolator = stored(&[term("bus"), term("train"), term("visa")]);
    let seen = view(&[("narrative", "bus train visa plane")]);
    assert!(percolator.remove(1));
    assert!(!percolator.remove(1));
    percolator.insert(2, &term("plane"), &NoStatistics).unwrap();
    assert_eq!(percolator.len(), 2);
    assert_eq!(keys(&percolator, &seen), [0, 2]);
    assert_eq!(reasons(&percolator, &seen)[1].0, "plane");
    percolator.compact();
    assert_eq!(keys(&percolator, &seen), [0, 2]);
    percolator.insert(0, &term("car"), &NoStatistics).unwrap();
    percolator.insert(7, &term("visa"), &NoStatistics).unwrap();
    assert!(percolator.remove(2));
    assert_eq!(keys(&percolator, &seen), [7]);
    percolator.compact();
    assert_eq!(keys(&percolator, &seen), [7]);
    assert_eq!(keys(&percolator, &view(&[("title", "car")])), [0]);
    // Tokens only removed queries named are gone.
    assert_eq!(percolator.vocabulary.dict.len(), 2);
}

#[test]
fn the_rarest_conjunct_anchors_and_terms_alone_skip_verification() {
    struct Counts;
    impl TermStatistics for Counts {
        fn views(&self) -> u64 {
            100
        }
        fn doc_freq(&self, _field: TextField, term: &str) -> Option<u64> {
            Some(if term == "rare" { 1 } else { 90 })
        }
    }
    let mut percolator = Percolator::new();
    let query = Query::And(vec![term("common"), term("rare")]);
    percolator.insert(1, &query, &Counts).unwrap();
    let mut scratch = Scratch::new();
    percolator.percolate(&view(&[("narrative", "common words")]), &mut scratch);
    assert_eq!(scratch.candidates(), 0);
    let found = percolator.percolate(&view(&[("narrative", "rare common")]), &mut scratch);
    assert_eq!((found.len(), scratch.candidates()), (1, 1));
    let record = percolator.live[&1] as usize;
    assert_eq!(percolator.records[record] & record::COMPLETE, 0);
    percolator
        .insert(2, &Query::Or(vec![term("a"), title("b")]), &Counts)
        .unwrap();
    let record = percolator.live[&2] as usize;
    assert_ne!(percolator.records[record] & record::COMPLETE, 0);
}

#[test]
fn compaction_comes_due_after_many_removals() {
    let queries: Vec<Query> = (0..100).map(|i| term(&format!("w{i}"))).collect();
    let mut percolator = stored(&queries);
    percolator.compact();
    assert!(!percolator.compaction_due());
    for key in 0..40 {
        percolator.remove(key);
    }
    assert!(percolator.compaction_due());
    percolator.compact();
    assert!(!percolator.compaction_due());
    assert_eq!(keys(&percolator, &view(&[("narrative", "w39 w40")])), [40]);
}

#[test]
fn the_percolator_is_shared_between_threads_and_scratch_moves_to_one() {
    fn shared<T: Send + Sync>() {}
    fn moved<T: Send>() {}
    shared::<Percolator>();
    moved::<Scratch>();
}

#[test]
fn memory_stays_small_per_query() {
    let queries: Vec<Query> = (0..10_000)
        .map(|i| Query::And(vec![term(&format!("w{i}")), term(&format!("v{}", i % 977))]))
        .collect();
    let mut percolator = stored(&queries);
    percolator.compact();
    let per_query = percolator.memory_bytes() / percolator.len();
    assert!(per_query < 200, "{per_query} bytes per query");
}

// A brute-force evaluator, straight from the definitions, against which the percolator is
// checked on random views and queries.

fn words(analyzer: fn() -> tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<(String, usize)> {
    tokens(&mut analyzer(), text)
        .into_iter()
        .map(|token| (token.text, token.position))
        .collect()
}

fn in_field(view: &View, field: TextField) -> impl Iterator<Item = &ViewText> {
    view.texts
        .iter()
        .filter(move |text| field == TextField::Any || text.part == "title")
}

fn brute(query: &Query, view: &View) -> bool {
    match query {
        Query::All => true,
        Query::Term { field, term } => in_field(view, *field).any(|text| {
            words(text_analyzer, &text.text)
                .iter()
                .any(|(w, _)| w == term)
        }),
        Query::Phrase { field, terms } => in_field(view, *field).any(|text| {
            let words = words(text_analyzer, &text.text);
            !terms.is_empty()
                && words.iter().any(|(_, start)| {
                    terms
                        .iter()
                        .enumerate()
                        .all(|(i, term)| words.iter().any(|(w, p)| w == term && *p == start + i))
                })
        }),
        Query::Prefix { field, prefix } => in_field(view, *field).any(|text| {
            words(key_analyzer, &text.text)
                .iter()
                .any(|(w, _)| w.starts_with(prefix.as_str()))
        }),
        Query::Exact(Exact::Kind(kind)) => view.kind == *kind,
        Query::Exact(Exact::State(state)) => view.state == *state,
        Query::Exact(Exact::Source(source)) => view.source == *source,
        Query::Exact(Exact::Entity { kind, key }) => view
            .entities
            .iter()
            .any(|e| &e.key == key && kind.is_none_or(|kind| kind == e.kind)),
        Query::Exact(Exact::Has(kind)) => view.entities.iter().any(|e| e.kind == *kind),
        Query::Received { from, to } => {
            from.is_none_or(|from| from <= view.received) && to.is_none_or(|to| view.received < to)
        }
        Query::Within(area) => view.points.iter().any(|&point| area.contains(point)),
        Query::And(children) => children.iter().all(|child| brute(child, view)),
        Query::Or(children) => children.iter().any(|child| brute(child, view)),
        Query::Not(child) => !brute(child, view),
    }
}

/// The anchoring rules, restated: a query is stored iff this holds.
fn anchorable(query: &Query) -> bool {
    match query {
        Query::All | Query::Not(_) => false,
        Query::Term { .. } | Query::Phrase { .. } | Query::Exact(_) => true,
        Query::Prefix { prefix, .. } => !prefix.is_empty(),
        Query::Received { from, to } => from.is_some() || to.is_some(),
        Query::Within(area) => area.cover().is_some(),
        Query::And(children) => children.iter().any(anchorable),
        Query::Or(children) => children.iter().all(anchorable),
    }
}

const WORDS: [&str; 14] = [
    "trafficking",
    "traffickers",
    "massage",
    "parlor",
    "parlors",
    "bus",
    "train",
    "minor",
    "minors",
    "Łódź",
    "visa",
    "the",
    "of",
    "a",
];
const PARTS: [&str; 3] = ["title", "narrative", "fields.note"];
const INSTANTS: [&str; 12] = [
    "1850-06-01T00:00:00Z",
    "1899-12-31T23:59:59.999999999Z",
    "1900-01-01T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00Z",
    "2026-03-15T00:00:00Z",
    "2026-03-15T10:00:00Z",
    "2026-03-16T00:00:00Z",
    "2026-04-01T00:00:00Z",
    "2199-12-31T23:59:59.5Z",
    "2200-01-01T00:00:00Z",
    "2300-01-01T00:00:00Z",
];
const CENTERS: [(f64, f64); 2] = [(40.7128, -74.006), (51.5, -0.12)];
const KEYS: [&str; 3] = ["15555550123", "jane doe", "x@y.org"];
const KINDS: [EntityKind; 3] = [EntityKind::Phone, EntityKind::Person, EntityKind::Email];

/// An analysed word of the vocabulary, or one no view holds.
fn word_token() -> impl Strategy<Value = String> {
    (0..=WORDS.len()).prop_map(|i| {
        WORDS
            .get(i)
            .and_then(|word| words(text_analyzer, word).into_iter().next())
            .map_or_else(|| "zebra".to_owned(), |(word, _)| word)
    })
}

fn field() -> impl Strategy<Value = TextField> {
    prop_oneof![3 => Just(TextField::Any), 1 => Just(TextField::Title)]
}

fn instant() -> impl Strategy<Value = Timestamp> {
    (0..INSTANTS.len()).prop_map(|i| ts(INSTANTS[i]))
}

fn point() -> impl Strategy<Value = Point> {
    (0..CENTERS.len(), -30.0..30.0f64, -30.0..30.0f64).prop_map(|(i, north_km, east_km)| {
        let (lat, lon) = CENTERS[i];
        Point {
            lat: lat + north_km / 111.0,
            lon: lon + east_km / (111.0 * lat.to_radians().cos()),
        }
    })
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        4 => (field(), word_token()).prop_map(|(field, term)| Query::Term { field, term }),
        2 => (field(), prop::collection::vec(word_token(), 2..=3))
            .prop_map(|(field, terms)| Query::Phrase { field, terms }),
        2 => (field(), 0..WORDS.len(), 0..6usize).prop_map(|(field, i, length)| {
            let word = words(key_analyzer, WORDS[i]).remove(0).0;
            let prefix: String = word.chars().take(length.max(1)).collect();
            Query::Prefix { field, prefix }
        }),
        1 => prop_oneof![
            Just(Exact::Kind(Kind::Report)),
            Just(Exact::Kind(Kind::Request)),
            Just(Exact::State(State::Intake)),
            Just(Exact::State(State::Archived)),
            Just(Exact::Source(Channel::Hotline)),
            (0..KEYS.len(), prop::option::of(0..KINDS.len())).prop_map(|(key, kind)| {
                Exact::Entity {
                    kind: kind.map(|kind| KINDS[kind]),
                    key: KEYS[key].to_owned(),
                }
            }),
            (0..KINDS.len()).prop_map(|kind| Exact::Has(KINDS[kind])),
        ]
        .prop_map(Query::Exact),
        1 => (prop::option::of(instant()), prop::option::of(instant()))
            .prop_map(|(from, to)| Query::Received { from, to }),
        1 => (point(), prop_oneof![Just(500.0), Just(5_000.0), Just(40_000.0)])
            .prop_map(|(center, radius_m)| Query::Within(GeoArea::Circle { center, radius_m })),
        1 => (point(), 0.01..1.0f64).prop_map(|(corner, size)| Query::Within(GeoArea::Box {
            south: corner.lat,
            west: corner.lon,
            north: corner.lat + size,
            east: corner.lon + size,
        })),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Query::And),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Query::Or),
            inner.prop_map(|child| Query::Not(Box::new(child))),
        ]
    })
}

fn random_view() -> impl Strategy<Value = View> {
    let text = (
        0..PARTS.len(),
        prop::collection::vec((0..WORDS.len(), prop_oneof![Just(" "), Just(", ")]), 0..8),
    )
        .prop_map(|(part, words)| ViewText {
            part: PARTS[part].to_owned(),
            text: words
                .into_iter()
                .map(|(word, gap)| format!("{}{gap}", WORDS[word]))
                .collect(),
        });
    let entity =
        (0..KINDS.len(), 0..KEYS.len(), 1..PARTS.len()).prop_map(|(kind, key, part)| ViewEntity {
            kind: KINDS[kind],
            key: KEYS[key].to_owned(),
            part: PARTS[part].to_owned(),
        });
    (
        prop::collection::vec(text, 0..4),
        prop::collection::vec(entity, 0..3),
        prop::collection::vec(point(), 0..3),
        instant(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(texts, entities, points, received, report, intake)| {
            let mut view = view(&[]);
            view.texts = texts;
            view.entities = entities;
            view.points = points;
            view.received = received;
            view.kind = if report { Kind::Report } else { Kind::Request };
            view.state = if intake {
                State::Intake
            } else {
                State::Archived
            };
            view
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn percolation_equals_brute_force(
        queries in prop::collection::vec(query(), 1..24),
        replacements in prop::collection::vec((0..16u64, query()), 0..4),
        removals in prop::collection::vec(0..16u64, 0..4),
        compact in any::<bool>(),
        views in prop::collection::vec(random_view(), 1..5),
    ) {
        let mut percolator = Percolator::new();
        let mut expected: Vec<Option<&Query>> = Vec::new();
        for (key, query) in queries.iter().enumerate() {
            let stored = percolator.insert(key as u64, query, &NoStatistics);
            prop_assert_eq!(stored.is_ok(), anchorable(query), "{:?}", query);
            expected.push(stored.is_ok().then_some(query));
        }
        if compact {
            percolator.compact();
        }
        for (key, query) in &replacements {
            if percolator.insert(*key, query, &NoStatistics).is_ok() {
                let key = *key as usize;
                if expected.len() <= key {
                    expected.resize(key + 1, None);
                }
                expected[key] = Some(query);
            }
        }
        for key in &removals {
            let had = expected.get(*key as usize).copied().flatten().is_some();
            prop_assert_eq!(percolator.remove(*key), had);
            if had {
                expected[*key as usize] = None;
            }
        }
        prop_assert_eq!(percolator.len(), expected.iter().flatten().count());
        let mut scratch = Scratch::new();
        for view in &views {
            let want: Vec<u64> = expected
                .iter()
                .enumerate()
                .filter(|(_, query)| query.is_some_and(|query| brute(query, view)))
                .map(|(key, _)| key as u64)
                .collect();
            let found = percolator.percolate(view, &mut scratch);
            let got: Vec<u64> = found.iter().map(|found| found.key).collect();
            prop_assert_eq!(&got, &want, "view {:?}", view);
            for found in &found {
                prop_assert!(!found.reasons.is_empty(), "{:?}", found);
            }
        }
    }
}
