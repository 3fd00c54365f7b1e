use std::collections::{BTreeMap, BTreeSet};

use humdex_model::{
    Assignee, Channel, Field, FieldValue, Kind, Label, Location, Priority, Reader, RecordId,
    RecordPatch, RecordView, Role, Source, State,
};
use humdex_store::{Error, IdempotencyKey, RecordFilter};
use jiff::civil::date;
use sha2::{Digest, Sha256};

use crate::util::{
    OkOn, add_user, analyst, create, define, field_name, label, later, now, read, reader, record,
    set_pool, stores, text, versions,
};

/// Ana, an analyst who also holds `VICTIM_PII`, so she sees every record these tests write.
fn ana_with_pii() -> Reader {
    reader("ana", Role::Analyst, &["LE", "VICTIM_PII"])
}

fn source() -> Source {
    serde_json::from_value(
        serde_json::json!({"channel": "api", "reliability": "B", "credibility": 2}),
    )
    .unwrap()
}

fn key(key: &str, request_hash: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        key: key.to_owned(),
        request_hash: request_hash.to_owned(),
    })
}

/// Every record the list shows under `filter`, newest first, read in pages of `limit`.
async fn list_all(
    backend: &crate::util::Backend,
    reader: &Reader,
    filter: &RecordFilter,
    limit: u32,
) -> Vec<RecordId> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = backend
            .store
            .records(reader, filter, cursor, limit)
            .await
            .ok_on(backend.name);
        assert!(
            page.records.len() <= limit as usize,
            "{}: a page holds at most {limit}",
            backend.name
        );
        ids.extend(page.records.iter().map(RecordView::id));
        match page.next_cursor {
            Some(next) => {
                assert_eq!(
                    Some(next),
                    ids.last().copied(),
                    "{}: the cursor is the page's last record",
                    backend.name
                );
                assert_eq!(
                    page.records.len(),
                    limit as usize,
                    "{}: only the last page is short",
                    backend.name
                );
                cursor = Some(next);
            }
            None => return ids,
        }
    }
}

#[tokio::test]
async fn created_record_reads_back_as_submitted() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "VICTIM_PII"]).await;
        let ana = ana_with_pii();
        let mut new = record(Kind::Report, "Ad offering work abroad");
        new.narrative = "Posted on a jobs board; asks for passport copies.".to_owned();
        new.label = Some(label("LE"));
        new.source = Some(source());
        new.priority = serde_json::from_value::<Priority>(serde_json::json!(1)).unwrap();
        new.due = Some(date(2031, 3, 1));
        new.fields = BTreeMap::from([
            (field_name("victim_name"), text("Ana", Some("VICTIM_PII"))),
            (field_name("city"), text("Houston", None)),
            (
                field_name("age"),
                Field {
                    value: FieldValue::Number(17.0),
                    label: Some(label("LE&VICTIM_PII")),
                },
            ),
            (
                field_name("seen"),
                Field {
                    value: FieldValue::Date(date(2030, 12, 24)),
                    label: None,
                },
            ),
            (
                field_name("place"),
                Field {
                    value: FieldValue::Location(Location {
                        lat: 29.76,
                        lon: -95.37,
                        place: Some("Houston, TX".into()),
                    }),
                    label: None,
                },
            ),
            (
                field_name("phones"),
                Field {
                    value: FieldValue::List(vec![
                        FieldValue::Text("+1 555".into()),
                        FieldValue::Text("+1 556".into()),
                    ]),
                    label: Some(label("LE")),
                },
            ),
        ]);
        let at = now();
        let created = store
            .create_record(&ana, new.clone(), Channel::Form, None, at)
            .await
            .ok_on(name);
        assert_eq!(created.version, 1, "{name}");
        assert!(!created.replayed, "{name}");

        let stored = read(&backend, &ana, created.id).await;
        assert_eq!(stored.id, created.id, "{name}");
        assert_eq!(stored.version, 1, "{name}");
        assert_eq!(stored.state, State::Intake, "{name}");
        assert_eq!(
            stored.origin,
            store.node_id(),
            "{name}: the origin is this node"
        );
        assert_eq!(stored.kind, Kind::Report, "{name}");
        assert_eq!(stored.title, new.title, "{name}");
        assert_eq!(stored.narrative, new.narrative, "{name}");
        assert_eq!(stored.label, new.label, "{name}");
        assert_eq!(
            stored.source,
            source(),
            "{name}: a given source is kept, not the channel's"
        );
        assert_eq!(stored.fields, new.fields, "{name}");
        for (field, label) in [
            ("victim_name", Some("VICTIM_PII")),
            ("city", None),
            ("age", Some("LE&VICTIM_PII")),
        ] {
            assert_eq!(
                stored.fields[&field_name(field)]
                    .label
                    .as_ref()
                    .map(Label::as_str),
                label,
                "{name}: label of field {field}"
            );
        }
        assert_eq!(stored.created_by, "ana", "{name}");
        assert_eq!(
            (stored.received, stored.created, stored.updated),
            (at, at, at),
            "{name}"
        );
        assert!(stored.attachments.is_empty(), "{name}");
        // Nothing else differs from what the model makes of the submission.
        assert_eq!(
            stored,
            new.into_record(created.id, store.node_id(), "ana", at, Channel::Form),
            "{name}"
        );
    }
}

#[tokio::test]
async fn record_without_a_source_gets_the_channel_unjudged() {
    for backend in stores().await {
        let name = backend.name;
        let ana = analyst("ana");
        let created = backend
            .store
            .create_record(
                &ana,
                record(Kind::Request, "t"),
                Channel::Email,
                None,
                now(),
            )
            .await
            .ok_on(name);
        let stored = read(&backend, &ana, created.id).await;
        assert_eq!(stored.source, Source::unjudged(Channel::Email), "{name}");
        assert_eq!(stored.kind, Kind::Request, "{name}");
    }
}

#[tokio::test]
async fn invalid_or_unknown_records_are_refused() {
    for backend in stores().await {
        let name = backend.name;
        let ana = analyst("ana");
        let blank = create(&backend.store, &ana, Kind::Report, " ").await;
        assert!(
            matches!(&blank, Err(Error::Invalid(invalid)) if invalid.field.as_deref() == Some("title")),
            "{name}: {blank:?}"
        );
        assert_eq!(
            backend.store.journal_head().await.ok_on(name),
            0,
            "{name}: a refused record journals nothing"
        );
        let missing = backend.store.record(&ana, RecordId::new(now())).await;
        assert!(
            matches!(missing, Err(Error::NotFound)),
            "{name}: {missing:?}"
        );
        let missing = backend
            .store
            .record_versions(&ana, RecordId::new(now()))
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound)),
            "{name}: {missing:?}"
        );
    }
}

/// A record to make for the list tests.
struct Planned {
    kind: Kind,
    creator: &'static str,
    assignee: Option<&'static str>,
    /// Whether it moves on to analysis.
    analysed: bool,
}

impl Planned {
    fn assignee(&self) -> Option<Assignee> {
        self.assignee.map(|assignee| assignee.parse().unwrap())
    }

    fn state(&self) -> State {
        if self.analysed {
            State::Analysis
        } else {
            State::Intake
        }
    }
}

#[tokio::test]
async fn lists_filter_by_state_kind_assignee_and_creator() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        add_user(&backend, "ana").await;
        add_user(&backend, "ben").await;
        set_pool(&backend, "triage", &["ana"]).await;
        let base = now();
        let plan = [
            Planned {
                kind: Kind::Report,
                creator: "ana",
                assignee: None,
                analysed: false,
            },
            Planned {
                kind: Kind::Report,
                creator: "ben",
                assignee: Some("user:ana"),
                analysed: true,
            },
            Planned {
                kind: Kind::Request,
                creator: "ana",
                assignee: Some("pool:triage"),
                analysed: false,
            },
            Planned {
                kind: Kind::Request,
                creator: "ben",
                assignee: Some("user:ben"),
                analysed: true,
            },
            Planned {
                kind: Kind::Report,
                creator: "ana",
                assignee: Some("pool:triage"),
                analysed: true,
            },
            Planned {
                kind: Kind::Request,
                creator: "carol",
                assignee: None,
                analysed: false,
            },
        ];
        let mut made = Vec::new();
        for (index, planned) in plan.iter().enumerate() {
            let mut new = record(planned.kind, &format!("record {index}"));
            new.assignee = planned.assignee();
            let at = later(base, index as i64);
            let id = store
                .create_record(&analyst(planned.creator), new, Channel::Api, None, at)
                .await
                .ok_on(name)
                .id;
            if planned.analysed {
                store
                    .transition(&ana, id, Some(State::Analysis), None, Some(1), at)
                    .await
                    .ok_on(name);
            }
            made.push((id, planned));
        }
        // The ids of the planned records `keep` picks, newest first.
        let expect = |keep: &dyn Fn(&Planned) -> bool| -> Vec<RecordId> {
            made.iter()
                .rev()
                .filter(|(_, planned)| keep(planned))
                .map(|(id, _)| *id)
                .collect()
        };

        let all = list_all(&backend, &ana, &RecordFilter::default(), 100).await;
        assert_eq!(
            all,
            expect(&|_| true),
            "{name}: no filter lists every record, newest first"
        );

        for state in State::ALL {
            let filter = RecordFilter {
                state: Some(state),
                ..Default::default()
            };
            let want = expect(&|planned| planned.state() == state);
            assert_eq!(
                list_all(&backend, &ana, &filter, 100).await,
                want,
                "{name}: state {state}"
            );
        }
        for kind in Kind::ALL {
            let filter = RecordFilter {
                kind: Some(kind),
                ..Default::default()
            };
            assert_eq!(
                list_all(&backend, &ana, &filter, 100).await,
                expect(&|planned| planned.kind == kind),
                "{name}: kind {kind:?}"
            );
        }
        for assignee in ["user:ana", "user:ben", "pool:triage", "user:carol"] {
            let assignee: Assignee = assignee.parse().unwrap();
            let filter = RecordFilter {
                assignee: Some(assignee.clone()),
                ..Default::default()
            };
            let want = expect(&|planned| planned.assignee() == Some(assignee.clone()));
            assert_eq!(
                list_all(&backend, &ana, &filter, 100).await,
                want,
                "{name}: assignee {assignee}"
            );
        }
        // A partner sees only the records they created.
        for creator in ["ana", "ben", "carol", "nobody"] {
            let partner = reader(creator, Role::Partner, &["LE"]);
            assert_eq!(
                list_all(&backend, &partner, &RecordFilter::default(), 100).await,
                expect(&|planned| planned.creator == creator),
                "{name}: creator {creator}"
            );
        }
        let combined = RecordFilter {
            state: Some(State::Analysis),
            kind: Some(Kind::Report),
            assignee: Some("pool:triage".parse().unwrap()),
        };
        let partner_ana = reader("ana", Role::Partner, &["LE"]);
        let want = expect(&|planned| {
            planned.analysed
                && planned.kind == Kind::Report
                && planned.creator == "ana"
                && planned.assignee == Some("pool:triage")
        });
        assert_eq!(want.len(), 1, "the plan has one such record");
        assert_eq!(
            list_all(&backend, &partner_ana, &combined, 100).await,
            want,
            "{name}: filters combine"
        );
    }
}

#[tokio::test]
async fn pages_run_newest_first_without_gaps_or_duplicates() {
    for backend in stores().await {
        let name = backend.name;
        let ana = analyst("ana");
        let base = now();
        let mut created = Vec::new();
        for index in 0..23 {
            let kind = if index % 3 == 0 {
                Kind::Request
            } else {
                Kind::Report
            };
            let at = later(base, index);
            let id = backend
                .store
                .create_record(
                    &ana,
                    record(kind, &format!("record {index}")),
                    Channel::Api,
                    None,
                    at,
                )
                .await
                .ok_on(name)
                .id;
            created.push((id, kind));
        }
        let newest_first: Vec<RecordId> = created.iter().rev().map(|(id, _)| *id).collect();
        for limit in [1, 5, 7, 23, 50] {
            let listed = list_all(&backend, &ana, &RecordFilter::default(), limit).await;
            assert_eq!(listed, newest_first, "{name}: pages of {limit}");
        }
        // The first page of five, then the next, by hand.
        let first = backend
            .store
            .records(&ana, &RecordFilter::default(), None, 5)
            .await
            .ok_on(name);
        assert_eq!(first.records.len(), 5, "{name}");
        assert_eq!(first.next_cursor, Some(newest_first[4]), "{name}");
        let second = backend
            .store
            .records(&ana, &RecordFilter::default(), first.next_cursor, 5)
            .await
            .ok_on(name);
        let second_ids: Vec<RecordId> = second.records.iter().map(RecordView::id).collect();
        assert_eq!(
            second_ids,
            newest_first[5..10],
            "{name}: the second page continues where the first ended"
        );

        // Eight requests, read in pages of four: the second page is full and is the last.
        let requests = RecordFilter {
            kind: Some(Kind::Request),
            ..Default::default()
        };
        let want: Vec<RecordId> = created
            .iter()
            .rev()
            .filter(|(_, kind)| *kind == Kind::Request)
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(want.len(), 8);
        assert_eq!(
            list_all(&backend, &ana, &requests, 4).await,
            want,
            "{name}: filtered pages"
        );
        let page = backend
            .store
            .records(&ana, &requests, Some(want[3]), 4)
            .await
            .ok_on(name);
        assert_eq!(page.records.len(), 4, "{name}");
        assert_eq!(
            page.next_cursor, None,
            "{name}: a full last page has no next cursor"
        );

        let distinct: BTreeSet<RecordId> = newest_first.iter().copied().collect();
        assert_eq!(distinct.len(), 23, "{name}: ids are distinct");
    }
}

#[tokio::test]
async fn idempotency_key_replays_the_first_record() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let (ana, ben) = (analyst("ana"), analyst("ben"));
        let first = store
            .create_record(
                &ana,
                record(Kind::Report, "first"),
                Channel::Api,
                key("k1", "hash-a"),
                now(),
            )
            .await
            .ok_on(name);
        assert!(!first.replayed, "{name}");
        let head = store.journal_head().await.ok_on(name);

        let retry = store
            .create_record(
                &ana,
                record(Kind::Report, "first"),
                Channel::Api,
                key("k1", "hash-a"),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(
            retry.id, first.id,
            "{name}: a retry returns the first record"
        );
        assert_eq!(retry.version, 1, "{name}");
        assert!(retry.replayed, "{name}: a retry is marked replayed");
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: a retry journals nothing"
        );
        let listed = list_all(&backend, &ana, &RecordFilter::default(), 10).await;
        assert_eq!(
            listed,
            vec![first.id],
            "{name}: a retry creates no second record"
        );

        let reused = store
            .create_record(
                &ana,
                record(Kind::Report, "other"),
                Channel::Api,
                key("k1", "hash-b"),
                now(),
            )
            .await;
        assert!(
            matches!(reused, Err(Error::IdempotencyKeyReused)),
            "{name}: {reused:?}"
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: a refused key journals nothing"
        );

        // Keys belong to the actor: ben's k1 is a different key, whatever its hash.
        let other_actor = store
            .create_record(
                &ben,
                record(Kind::Report, "ben's"),
                Channel::Api,
                key("k1", "hash-b"),
                now(),
            )
            .await
            .ok_on(name);
        assert!(!other_actor.replayed, "{name}");
        assert_ne!(other_actor.id, first.id, "{name}: keys are per actor");
        let ben_retry = store
            .create_record(
                &ben,
                record(Kind::Report, "ben's"),
                Channel::Api,
                key("k1", "hash-b"),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(
            (ben_retry.id, ben_retry.replayed),
            (other_actor.id, true),
            "{name}"
        );

        // Without a key, the same request makes a new record each time.
        let keyless = create(store, &ana, Kind::Report, "first").await.ok_on(name);
        assert!(!keyless.replayed && keyless.id != first.id, "{name}");
        assert_eq!(
            list_all(&backend, &ana, &RecordFilter::default(), 10)
                .await
                .len(),
            3,
            "{name}"
        );
        assert_eq!(
            store.journal_after(0, 100).await.ok_on(name).len(),
            3,
            "{name}: one journal entry per record"
        );
        assert_eq!(
            read(&backend, &ana, first.id).await.title,
            "first",
            "{name}"
        );
    }
}

#[tokio::test]
async fn update_applies_the_patch_and_keeps_every_version() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "VICTIM_PII"]).await;
        // Ben lacks VICTIM_PII: he edits around the field withheld from him.
        let (ana, ben) = (ana_with_pii(), analyst("ben"));
        let mut new = record(Kind::Report, "before");
        new.narrative = "kept".to_owned();
        new.label = Some(label("LE"));
        new.fields = BTreeMap::from([
            (field_name("city"), text("Houston", None)),
            (field_name("victim_name"), text("Ana", Some("VICTIM_PII"))),
        ]);
        let id = store
            .create_record(&ana, new, Channel::Api, None, now())
            .await
            .ok_on(name)
            .id;
        let version_1 = read(&backend, &ana, id).await;

        let patch = RecordPatch {
            title: Some("after".to_owned()),
            label: Some(None),
            fields: BTreeMap::from([
                (field_name("city"), None),
                (field_name("phone"), Some(text("+1 555", Some("LE")))),
            ]),
            due: Some(Some(date(2031, 1, 2))),
            ..Default::default()
        };
        // Ben cannot see the victim's name, so he may not weaken the record's label that guards it.
        assert!(
            matches!(
                store.update_record(&ben, id, 1, patch.clone(), now()).await,
                Err(Error::Denied(_))
            ),
            "{name}"
        );
        let at = now();
        assert_eq!(
            store
                .update_record(&ana, id, 1, patch, at)
                .await
                .ok_on(name),
            2,
            "{name}"
        );
        let version_2 = read(&backend, &ana, id).await;
        assert_eq!(version_2.version, 2, "{name}");
        assert_eq!(version_2.title, "after", "{name}");
        assert_eq!(version_2.narrative, "kept", "{name}: members left out stay");
        assert_eq!(version_2.label, None, "{name}: null clears the label");
        assert!(
            !version_2.fields.contains_key(&field_name("city")),
            "{name}: null removes a field"
        );
        assert_eq!(
            version_2.fields[&field_name("phone")],
            text("+1 555", Some("LE")),
            "{name}"
        );
        assert_eq!(
            version_2.fields[&field_name("victim_name")],
            text("Ana", Some("VICTIM_PII")),
            "{name}"
        );
        assert_eq!(version_2.due, Some(date(2031, 1, 2)), "{name}");
        assert_eq!(version_2.updated, at, "{name}");
        assert_eq!(version_2.created_by, "ana", "{name}: the creator stays");
        assert_eq!(version_2.state, State::Intake, "{name}");

        let stale = store
            .update_record(
                &ben,
                id,
                1,
                RecordPatch {
                    title: Some("lost".into()),
                    ..Default::default()
                },
                now(),
            )
            .await;
        assert!(
            matches!(
                stale,
                Err(Error::VersionConflict {
                    expected: 1,
                    current: 2
                })
            ),
            "{name}: a stale version is refused with the current one: {stale:?}"
        );
        let invalid = store
            .update_record(
                &ben,
                id,
                2,
                RecordPatch {
                    title: Some("  ".into()),
                    ..Default::default()
                },
                now(),
            )
            .await;
        assert!(
            matches!(invalid, Err(Error::Invalid(_))),
            "{name}: {invalid:?}"
        );
        let ahead = store
            .update_record(&ben, id, 3, RecordPatch::default(), now())
            .await;
        assert!(
            matches!(
                ahead,
                Err(Error::VersionConflict {
                    expected: 3,
                    current: 2
                })
            ),
            "{name}: {ahead:?}"
        );
        assert_eq!(
            read(&backend, &ana, id).await,
            version_2,
            "{name}: refused edits change nothing"
        );

        let patch = RecordPatch {
            narrative: Some("rewritten".into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .update_record(&ana, id, 2, patch, now())
                .await
                .ok_on(name),
            3,
            "{name}"
        );
        let version_3 = read(&backend, &ana, id).await;

        assert_eq!(
            versions(&backend, &ana, id).await,
            vec![version_1, version_2, version_3],
            "{name}: every version is kept, oldest first"
        );

        let missing = store
            .update_record(&ana, RecordId::new(now()), 1, RecordPatch::default(), now())
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound)),
            "{name}: {missing:?}"
        );
    }
}

#[tokio::test]
async fn attachments_are_stored_once_and_read_back() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let (ana, ben) = (analyst("ana"), analyst("ben"));
        let first = create(store, &ana, Kind::Report, "one")
            .await
            .ok_on(name)
            .id;
        let second = create(store, &ana, Kind::Report, "two")
            .await
            .ok_on(name)
            .id;
        let content = b"%PDF-1.7 not really a pdf \x00\xff".to_vec();
        let sha256 = hex::encode(Sha256::digest(&content));

        let (attachment, version) = store
            .attach(
                &ana,
                first,
                "ad.pdf".into(),
                "application/pdf".into(),
                None,
                content.clone(),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(version, 2, "{name}: attaching makes a version");
        assert_eq!(attachment.sha256, sha256, "{name}");
        assert_eq!(attachment.size, content.len() as u64, "{name}");
        assert_eq!(
            (attachment.filename.as_str(), attachment.media_type.as_str()),
            ("ad.pdf", "application/pdf"),
            "{name}"
        );
        assert_eq!(
            read(&backend, &ana, first).await.attachments,
            vec![attachment.clone()],
            "{name}"
        );

        let (read_back, bytes) = store.attachment(&ana, first, &sha256).await.ok_on(name);
        assert_eq!(
            (read_back, bytes),
            (attachment.clone(), content.clone()),
            "{name}: the content reads back"
        );

        // The same content on another record, under another name.
        let (copy, version) = store
            .attach(
                &ben,
                second,
                "copy.pdf".into(),
                "application/pdf".into(),
                None,
                content.clone(),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(version, 2, "{name}");
        assert_eq!(copy.sha256, sha256, "{name}");
        assert_eq!(
            store.attachment(&ana, second, &sha256).await.ok_on(name),
            (copy, content.clone()),
            "{name}"
        );
        assert_eq!(
            store.attachment(&ana, first, &sha256).await.ok_on(name).1,
            content,
            "{name}: still readable on the first"
        );

        // Attaching the identical attachment again changes nothing.
        let head = store.journal_head().await.ok_on(name);
        let (again, version) = store
            .attach(
                &ana,
                first,
                "ad.pdf".into(),
                "application/pdf".into(),
                None,
                content.clone(),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(
            (again, version),
            (attachment, 2),
            "{name}: an identical attachment keeps the version"
        );
        assert_eq!(
            read(&backend, &ana, first).await.attachments.len(),
            1,
            "{name}"
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: and journals nothing"
        );

        // The same content under a new name is a new attachment.
        let (_, version) = store
            .attach(
                &ana,
                first,
                "renamed.pdf".into(),
                "application/pdf".into(),
                None,
                content.clone(),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(version, 3, "{name}");
        assert_eq!(
            read(&backend, &ana, first).await.attachments.len(),
            2,
            "{name}"
        );

        let (empty, _) = store
            .attach(
                &ana,
                second,
                "empty.txt".into(),
                "text/plain".into(),
                None,
                Vec::new(),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(
            store
                .attachment(&ana, second, &empty.sha256)
                .await
                .ok_on(name)
                .1,
            Vec::<u8>::new(),
            "{name}"
        );

        let unknown = store
            .attachment(&ana, first, &hex::encode(Sha256::digest(b"other")))
            .await;
        assert!(
            matches!(unknown, Err(Error::NotFound)),
            "{name}: {unknown:?}"
        );
        let third = create(store, &ana, Kind::Report, "three")
            .await
            .ok_on(name)
            .id;
        let not_carried = store.attachment(&ana, third, &sha256).await;
        assert!(
            matches!(not_carried, Err(Error::NotFound)),
            "{name}: a record reads only its own attachments: {not_carried:?}"
        );
        let missing = store
            .attach(
                &ana,
                RecordId::new(now()),
                "x".into(),
                "text/plain".into(),
                None,
                b"x".to_vec(),
                now(),
            )
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound)),
            "{name}: {missing:?}"
        );
    }
}

#[tokio::test]
async fn a_record_and_its_files_are_created_together_or_not_at_all() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        let photo = b"\x89PNG\r\n\x1a\n not really a png".to_vec();
        let note = b"the note".to_vec();
        let head = store.journal_head().await.ok_on(name);
        let files = vec![
            (
                "photo.png".to_owned(),
                "image/png".to_owned(),
                photo.clone(),
            ),
            ("note.txt".to_owned(), "text/plain".to_owned(), note.clone()),
            (
                "photo.png".to_owned(),
                "image/png".to_owned(),
                photo.clone(),
            ),
        ];
        let created = store
            .create_with_attachments(
                &ana,
                record(Kind::Report, "an email with files"),
                Channel::Import,
                files.clone(),
                key("file:abc:0", ""),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(created.version, 1, "{name}");
        let stored = read(&backend, &ana, created.id).await;
        assert_eq!(
            stored
                .attachments
                .iter()
                .map(|attachment| (attachment.filename.as_str(), attachment.size))
                .collect::<Vec<_>>(),
            [("photo.png", photo.len() as u64), ("note.txt", 8)],
            "{name}: the same file twice is attached once"
        );
        for (content, attachment) in [&photo, &note].into_iter().zip(&stored.attachments) {
            assert_eq!(attachment.sha256, hex::encode(Sha256::digest(content)));
            let (_, bytes) = store
                .attachment(&ana, created.id, &attachment.sha256)
                .await
                .ok_on(name);
            assert_eq!(&bytes, content, "{name}");
        }
        let changes = store.journal_after(head, 10).await.ok_on(name);
        assert_eq!(
            changes
                .iter()
                .map(|change| (change.change, change.version))
                .collect::<Vec<_>>(),
            [(humdex_model::ChangeKind::RecordCreated, 1)],
            "{name}: one journal entry, for a record that has its files already"
        );

        let head = store.journal_head().await.ok_on(name);
        let again = store
            .create_with_attachments(
                &ana,
                record(Kind::Report, "an email with files"),
                Channel::Import,
                files.clone(),
                key("file:abc:0", ""),
                now(),
            )
            .await
            .ok_on(name);
        assert_eq!(again.id, created.id, "{name}");
        assert!(
            again.replayed,
            "{name}: the same key finds the first record"
        );
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");

        // A record that cannot be stored leaves nothing behind: no record, no journal entry.
        let mut secret = record(Kind::Report, "labelled beyond the writer");
        secret.label = Some(label("LE&INTERPOL"));
        let refused = store
            .create_with_attachments(
                &ana,
                secret,
                Channel::Import,
                vec![("other.txt".into(), "text/plain".into(), b"other".to_vec())],
                key("file:def:0", ""),
                now(),
            )
            .await;
        assert!(
            matches!(refused, Err(Error::Invalid(_))),
            "{name}: {refused:?}"
        );
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");
        let listed = list_all(&backend, &ana, &RecordFilter::default(), 10).await;
        assert_eq!(listed, [created.id], "{name}");
    }
}
