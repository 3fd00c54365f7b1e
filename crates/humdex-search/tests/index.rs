//! The index answers queries over the views readers may see, and over nothing else.
#![expect(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail the test loudly"
)]

use humdex_model::{EntityKind, Kind, Reader, Record, Role, State, User};
use humdex_search::index::{Page, SearchIndex, Sort};
use humdex_search::{Exact, GeoArea, Point, Query, TextField, View};
use proptest::prelude::*;
use serde_json::json;

fn reader(authorizations: &[&str]) -> Reader {
    reader_with_role(authorizations, Role::Analyst, "analyst")
}

fn reader_with_role(authorizations: &[&str], role: Role, name: &str) -> Reader {
    let user = User {
        username: name.to_owned().try_into().expect("valid name"),
        role,
        authorizations: authorizations.iter().map(|a| (*a).to_owned()).collect(),
    };
    Reader::new(&user)
}

/// A record: `fields` maps names to `(text, label)`.
fn record(
    n: u128,
    label: Option<&str>,
    narrative: &str,
    fields: &[(&str, &str, Option<&str>)],
) -> Record {
    let fields: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(name, text, label)| {
            let mut field = json!({"value": text});
            if let Some(label) = label {
                field["label"] = json!(label);
            }
            ((*name).to_owned(), field)
        })
        .collect();
    serde_json::from_value(json!({
        "id": uuid_for(n),
        "version": 1,
        "origin": "node-a",
        "kind": if n.is_multiple_of(2) { "report" } else { "request" },
        "source": {"channel": "hotline", "reliability": "B", "credibility": 2},
        "received": format!("2026-01-{:02}T10:00:00Z", 1 + n % 28),
        "created": "2026-01-01T10:00:00Z",
        "updated": "2026-01-01T10:00:00Z",
        "created_by": "analyst",
        "title": format!("Report {n}"),
        "narrative": narrative,
        "fields": fields,
        "attachments": [],
        "state": "intake",
        "assignee": null,
        "priority": 3,
        "due": null,
        "label": label,
        "label_pointer": false,
    }))
    .expect("a valid record")
}

fn uuid_for(n: u128) -> String {
    format!("0190c3a0-0000-7000-8000-{n:012x}")
}

fn index_of(records: &[Record]) -> SearchIndex {
    let index = SearchIndex::in_memory().expect("index");
    for record in records {
        index
            .replace(record.id, &View::of_record(record, &[]))
            .expect("indexed");
    }
    index.commit("1").expect("committed");
    index
}

fn term(word: &str) -> Query {
    Query::Term {
        field: TextField::Any,
        term: word.to_owned(),
    }
}

const PAGE: Page = Page {
    offset: 0,
    limit: 100,
    sort: Sort::Relevance,
};

fn ids(index: &SearchIndex, reader: &Reader, query: &Query) -> Vec<String> {
    let found = index.search(reader, query, PAGE).expect("searched");
    let mut ids: Vec<String> = found
        .hits
        .iter()
        .map(|hit| hit.record.to_string())
        .collect();
    ids.sort();
    assert_eq!(found.total as usize, ids.len());
    ids
}

#[test]
fn words_phrases_prefixes_and_booleans() {
    let index = index_of(&[
        record(
            1,
            None,
            "Victims were moved by bus to the massage parlor.",
            &[],
        ),
        record(2, None, "Workers at the nail salon were not paid.", &[]),
        record(3, None, "A parlor for massage, trafficking suspected.", &[]),
    ]);
    let everyone = reader(&[]);
    assert_eq!(
        ids(&index, &everyone, &term("parlor")),
        [uuid_for(1), uuid_for(3)]
    );
    let phrase = Query::Phrase {
        field: TextField::Any,
        terms: vec!["massag".into(), "parlor".into()],
    };
    assert_eq!(ids(&index, &everyone, &phrase), [uuid_for(1)]);
    let prefix = Query::Prefix {
        field: TextField::Any,
        prefix: "traffi".into(),
    };
    assert_eq!(ids(&index, &everyone, &prefix), [uuid_for(3)]);
    let not_bus = Query::And(vec![term("parlor"), Query::Not(Box::new(term("bus")))]);
    assert_eq!(ids(&index, &everyone, &not_bus), [uuid_for(3)]);
    let either = Query::Or(vec![term("salon"), term("bus")]);
    assert_eq!(ids(&index, &everyone, &either), [uuid_for(1), uuid_for(2)]);
    let requests = Query::Exact(Exact::Kind(Kind::Request));
    assert_eq!(
        ids(&index, &everyone, &requests),
        [uuid_for(1), uuid_for(3)]
    );
    let title = Query::Term {
        field: TextField::Title,
        term: "2".into(),
    };
    assert_eq!(ids(&index, &everyone, &title), [uuid_for(2)]);
    let received = Query::Received {
        from: Some("2026-01-03T00:00:00Z".parse().expect("time")),
        to: None,
    };
    assert_eq!(
        ids(&index, &everyone, &received),
        [uuid_for(2), uuid_for(3)]
    );
}

#[test]
fn facets_count_matching_records() {
    let index = index_of(&[
        record(1, None, "parlor", &[]),
        record(2, None, "parlor", &[]),
        record(3, None, "parlor", &[]),
    ]);
    let found = index
        .search(&reader(&[]), &term("parlor"), PAGE)
        .expect("searched");
    assert_eq!(found.facets.kind.get("request"), Some(&2));
    assert_eq!(found.facets.kind.get("report"), Some(&1));
    assert_eq!(found.facets.state.get(State::Intake.as_str()), Some(&3));
    assert_eq!(found.facets.source.get("hotline"), Some(&3));
}

#[test]
fn pages_and_time_order() {
    let records: Vec<Record> = (1..=25).map(|n| record(n, None, "bus", &[])).collect();
    let index = index_of(&records);
    let newest = Page {
        offset: 0,
        limit: 10,
        sort: Sort::Newest,
    };
    let first = index
        .search(&reader(&[]), &term("bus"), newest)
        .expect("searched");
    assert_eq!(first.total, 25);
    assert_eq!(first.hits.len(), 10);
    assert_eq!(
        first.hits.first().map(|hit| hit.record.to_string()),
        Some(uuid_for(25))
    );
    let third = index
        .search(
            &reader(&[]),
            &term("bus"),
            Page {
                offset: 20,
                ..newest
            },
        )
        .expect("searched");
    assert_eq!(third.hits.len(), 5);
}

#[test]
fn a_conjunction_across_fields_matches_for_a_reader_who_sees_both() {
    let records = [record(
        1,
        None,
        "Met at the bus station.",
        &[("victim_name", "Jane Roe", Some("VICTIM_PII"))],
    )];
    let index = index_of(&records);
    let both = Query::And(vec![term("bus"), term("roe")]);
    assert_eq!(ids(&index, &reader(&["VICTIM_PII"]), &both), [uuid_for(1)]);
    assert!(ids(&index, &reader(&[]), &both).is_empty());
    // Without the field, the record still matches on what the reader sees, once.
    assert_eq!(ids(&index, &reader(&[]), &term("bus")), [uuid_for(1)]);
    assert_eq!(
        ids(&index, &reader(&["VICTIM_PII"]), &term("bus")),
        [uuid_for(1)]
    );
    // A negation cannot reveal the hidden word either: `bus NOT roe` matches for the reader
    // who cannot see Roe, exactly as if the field were empty.
    let not_roe = Query::And(vec![term("bus"), Query::Not(Box::new(term("roe")))]);
    assert_eq!(ids(&index, &reader(&[]), &not_roe), [uuid_for(1)]);
    assert!(ids(&index, &reader(&["VICTIM_PII"]), &not_roe).is_empty());
}

#[test]
fn partners_find_only_their_own_records() {
    let index = index_of(&[record(1, None, "bus", &[])]);
    let partner = reader_with_role(&[], Role::Partner, "partner-a");
    assert!(ids(&index, &partner, &term("bus")).is_empty());
    let author = reader_with_role(&[], Role::Partner, "analyst");
    assert_eq!(ids(&index, &author, &term("bus")), [uuid_for(1)]);
}

#[test]
fn entities_and_places() {
    let record = record(1, None, "Call 555-0123 in Houston", &[]);
    let mut views = View::of_record(&record, &[]);
    let view = views.first_mut().expect("one view");
    view.entities.push(humdex_search::ViewEntity {
        kind: EntityKind::Phone,
        key: "15555550123".into(),
        part: "narrative".into(),
    });
    view.points.push(Point {
        lat: 29.76,
        lon: -95.37,
    });
    let index = SearchIndex::in_memory().expect("index");
    index.replace(record.id, &views).expect("indexed");
    index.commit("1").expect("committed");
    let everyone = reader(&[]);
    let phone = Query::Exact(Exact::Entity {
        kind: Some(EntityKind::Phone),
        key: "15555550123".into(),
    });
    assert_eq!(ids(&index, &everyone, &phone), [uuid_for(1)]);
    let any = Query::Exact(Exact::Entity {
        kind: None,
        key: "15555550123".into(),
    });
    assert_eq!(ids(&index, &everyone, &any), [uuid_for(1)]);
    let as_email = Query::Exact(Exact::Entity {
        kind: Some(EntityKind::Email),
        key: "15555550123".into(),
    });
    assert!(ids(&index, &everyone, &as_email).is_empty());
    let near = |radius_m: f64| {
        Query::Within(GeoArea::Circle {
            center: Point {
                lat: 29.95,
                lon: -95.37,
            },
            radius_m,
        })
    };
    // Houston is 21 km south of the centre.
    assert_eq!(ids(&index, &everyone, &near(25_000.0)), [uuid_for(1)]);
    assert!(ids(&index, &everyone, &near(15_000.0)).is_empty());
    let world = Query::Within(GeoArea::Box {
        south: -90.0,
        west: -180.0,
        north: 90.0,
        east: 180.0,
    });
    assert_eq!(ids(&index, &everyone, &world), [uuid_for(1)]);
    let found = index
        .search(
            &everyone,
            &Query::Exact(Exact::Has(EntityKind::Phone)),
            PAGE,
        )
        .expect("searched");
    assert_eq!(found.facets.entity_types.get("phone"), Some(&1));
}

#[test]
fn the_payload_survives_a_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let index = SearchIndex::open(dir.path()).expect("index");
        let record = record(1, None, "bus", &[]);
        index
            .replace(record.id, &View::of_record(&record, &[]))
            .expect("indexed");
        index.commit("{\"journal\":7}").expect("committed");
    }
    let index = SearchIndex::open(dir.path()).expect("reopened");
    assert_eq!(
        index.payload().expect("payload").as_deref(),
        Some("{\"journal\":7}")
    );
    assert_eq!(ids(&index, &reader(&[]), &term("bus")), [uuid_for(1)]);
}

#[test]
fn ranking_ignores_documents_the_reader_cannot_see() {
    let public: Vec<Record> = (1..=6)
        .map(|n| {
            record(
                n,
                None,
                if n % 2 == 0 {
                    "bus bus station"
                } else {
                    "bus train"
                },
                &[],
            )
        })
        .collect();
    let mut with_secrets = public.clone();
    // Secret records full of `train`: were they counted, `train` would be common and rank low.
    with_secrets.extend((7..=40).map(|n| record(n, Some("SECRET"), "train train train", &[])));
    let query = Query::Or(vec![term("bus"), term("train"), term("station")]);
    let scores = |index: &SearchIndex| {
        let found = index.search(&reader(&[]), &query, PAGE).expect("searched");
        let mut scores: Vec<(String, u32)> = found
            .hits
            .iter()
            .map(|hit| (hit.record.to_string(), (hit.score * 1000.0).round() as u32))
            .collect();
        scores.sort();
        scores
    };
    assert_eq!(scores(&index_of(&public)), scores(&index_of(&with_secrets)));
}

/// Words planted in fields (or records) above the reader's clearance.
const SECRETS: [&str; 3] = ["zanzibar", "quokka", "mandolin"];

fn planted() -> impl Strategy<Value = Vec<(u8, bool, u8, u8)>> {
    // Per record: which secret word, whether it goes in a labelled field or a labelled record,
    // which label, and which public word goes beside it.
    prop::collection::vec((0u8..3, any::<bool>(), 0u8..3, 0u8..3), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever is planted above a reader's clearance is never found, counted, faceted or
    /// ranked for them; what they may see is found exactly.
    #[test]
    fn secrets_above_clearance_never_leak(plants in planted(), clearance in 0u8..4) {
        let labels = ["SECRET", "VICTIM_PII&LE", "SOURCE|SECRET"];
        let public_words = ["bus", "parlor", "salon"];
        let authorizations: &[&str] = match clearance {
            0 => &[],
            1 => &["VICTIM_PII"],
            2 => &["VICTIM_PII", "LE"],
            _ => &["SOURCE"],
        };
        let searcher = reader(authorizations);
        let satisfied = |label: &str| {
            let label: humdex_model::Label = label.parse().expect("label");
            searcher.satisfies(Some(&label))
        };
        let records: Vec<Record> = plants
            .iter()
            .enumerate()
            .map(|(n, (secret, in_field, label, public))| {
                let secret = SECRETS[*secret as usize];
                let label = labels[*label as usize];
                let public = public_words[*public as usize];
                if *in_field {
                    record(n as u128, None, public, &[("note", secret, Some(label))])
                } else {
                    record(n as u128, Some(label), &format!("{public} {secret}"), &[])
                }
            })
            .collect();
        let index = index_of(&records);
        for secret in SECRETS {
            let expected: Vec<String> = plants
                .iter()
                .enumerate()
                .filter(|(_, (word, _, label, _))| SECRETS[*word as usize] == secret && satisfied(labels[*label as usize]))
                .map(|(n, _)| uuid_for(n as u128))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let queries = [
                term(secret),
                Query::Prefix { field: TextField::Any, prefix: secret[..4].to_owned() },
                Query::Or(vec![term(secret), term("nothing")]),
                Query::And(vec![term(secret), Query::Not(Box::new(term("nothing")))]),
            ];
            for query in &queries {
                let found = index.search(&searcher, query, PAGE).expect("searched");
                let mut hits: Vec<String> = found.hits.iter().map(|hit| hit.record.to_string()).collect();
                hits.sort();
                prop_assert_eq!(&hits, &expected, "{:?}", query);
                prop_assert_eq!(found.total as usize, expected.len());
                let faceted: u64 = found.facets.kind.values().sum();
                prop_assert_eq!(faceted as usize, expected.len());
            }
        }
        // Counting everything counts each visible record once, and none it may not see.
        let visible_records = plants
            .iter()
            .filter(|(_, in_field, label, _)| *in_field || satisfied(labels[*label as usize]))
            .count();
        let all = index.search(&searcher, &Query::All, PAGE).expect("searched");
        prop_assert_eq!(all.total as usize, visible_records);
    }
}
