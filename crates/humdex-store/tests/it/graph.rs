use std::collections::BTreeMap;

use humdex_model::{
    Change, ChangeKind, Channel, EntityKind, EntityMerge, Field, Kind, Mention, NewRecord,
    NewRelation, Reader, RecordId, Role, TextPart,
};
use humdex_store::{
    Error, GraphMention, GraphPhoto, ImageBatch, NewFingerprint, RecordAnalysis, Store,
};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::util::{
    Backend, OkOn, define, field_name, label, later, now, reader, record, stores, text,
};

/// The clock to the millisecond, as the store keeps times.
pub fn at_ms() -> Timestamp {
    Timestamp::from_millisecond(now().as_millisecond()).unwrap()
}

/// The parameter an `Invalid` error names.
#[track_caller]
pub fn invalid_field<T: std::fmt::Debug>(backend: &str, result: &Result<T, Error>) -> String {
    match result {
        Err(Error::Invalid(invalid)) => invalid.field.clone().unwrap_or_default(),
        other => panic!("{backend}: expected Invalid, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(backend: &str, result: &Result<T, Error>) {
    assert!(
        matches!(result, Err(Error::NotFound)),
        "{backend}: expected NotFound, got {result:?}"
    );
}

/// The journal entries after `after`.
pub async fn journal_since(store: &Store, after: i64) -> Vec<Change> {
    store.journal_after(after, 100).await.unwrap()
}

/// Asserts that the journal holds exactly one entry after `after`, of `change` about `subject`
/// by `actor`, under `label`; and returns it.
#[track_caller]
pub fn only_entry(
    backend: &str,
    entries: &[Change],
    change: ChangeKind,
    subject: &str,
    actor: &str,
    label: Option<&str>,
) -> Change {
    let [entry] = entries else {
        panic!("{backend}: expected one journal entry, got {entries:?}");
    };
    assert_eq!(
        (entry.change, entry.subject.as_str(), entry.actor.as_str()),
        (change, subject, actor),
        "{backend}"
    );
    assert_eq!(
        entry.label.as_ref().map(|label| label.as_str()),
        label,
        "{backend}"
    );
    entry.clone()
}

/// ana may read everything here (LE and PII), ben only LE; pat is a partner with LE.
fn ana() -> Reader {
    reader("ana", Role::Analyst, &["LE", "PII"])
}

fn ben() -> Reader {
    reader("ben", Role::Analyst, &["LE"])
}

fn pat() -> Reader {
    reader("pat", Role::Partner, &["LE", "PII"])
}

/// A mention of `kind` in `part` at `start`, written `text`, normalised to `normalized`.
fn mention(
    part: TextPart,
    start: usize,
    kind: EntityKind,
    text: &str,
    normalized: Value,
) -> Mention {
    Mention {
        part,
        kind,
        text: text.to_owned(),
        start,
        end: start + text.chars().count(),
        normalized,
        confidence: 0.9,
        source: "test".to_owned(),
    }
}

fn narrative(start: usize, kind: EntityKind, value: &str) -> Mention {
    mention(TextPart::Narrative, start, kind, value, json!(value))
}

/// Takes in a record by ana under `record_label` with `fields`, and stores `mentions` as its
/// analysis (as the analysis projection would).
async fn analysed(
    backend: &Backend,
    record_label: Option<&str>,
    fields: BTreeMap<humdex_model::FieldName, Field>,
    mentions: Vec<Mention>,
) -> RecordId {
    let store = &backend.store;
    let new = NewRecord {
        label: record_label.map(label),
        fields,
        ..record(Kind::Report, "Recruitment ad")
    };
    let id = store
        .create_record(&ana(), new, Channel::Api, None, now())
        .await
        .ok_on(backend.name)
        .id;
    analyse(backend, id, mentions).await;
    id
}

async fn analyse(backend: &Backend, id: RecordId, mentions: Vec<Mention>) {
    let store = &backend.store;
    let record = store
        .record_for_projection(id)
        .await
        .ok_on(backend.name)
        .unwrap();
    let head = store.journal_head().await.ok_on(backend.name);
    // A projection of its own per record, so that each starts from nothing.
    store
        .save_analyses(
            &format!("test-analysis-{id}"),
            0,
            head,
            &[RecordAnalysis {
                record,
                mentions,
                indicators: Vec::new(),
            }],
        )
        .await
        .ok_on(backend.name);
}

/// The mentions of record `id` as the graph projection reads them.
async fn graph_mentions(store: &Store, id: RecordId) -> Vec<GraphMention> {
    let inputs = store.graph_inputs(&[id]).await.unwrap();
    inputs.into_iter().next().unwrap().mentions
}

/// The entity record `id` mentions as `name`.
async fn entity_named(store: &Store, id: RecordId, name: &str) -> String {
    graph_mentions(store, id)
        .await
        .into_iter()
        .find(|mention| mention.name == name)
        .unwrap_or_else(|| panic!("no mention of {name}"))
        .entity
}

/// The entities of the merge tests: Maria in two records (two entities until merged), Anna, a
/// phone both records share, and Ivan, in a record only PII holders read.
struct People {
    maria: String,
    maria_again: String,
    anna: String,
    phone: String,
    ivan: String,
    first: RecordId,
    second: RecordId,
    hidden: RecordId,
}

async fn people(backend: &Backend) -> People {
    define(backend, &["LE", "PII", "SECRET"]).await;
    let store = &backend.store;
    let first = analysed(
        backend,
        Some("LE"),
        BTreeMap::new(),
        vec![
            narrative(0, EntityKind::Person, "Maria"),
            narrative(10, EntityKind::Person, "Anna"),
            narrative(20, EntityKind::Phone, "+15555550100"),
        ],
    )
    .await;
    let second = analysed(
        backend,
        None,
        BTreeMap::new(),
        vec![
            narrative(0, EntityKind::Person, "Maria"),
            narrative(10, EntityKind::Phone, "+15555550100"),
        ],
    )
    .await;
    let hidden = analysed(
        backend,
        Some("PII"),
        BTreeMap::new(),
        vec![narrative(0, EntityKind::Person, "Ivan")],
    )
    .await;
    People {
        maria: entity_named(store, first, "Maria").await,
        maria_again: entity_named(store, second, "Maria").await,
        anna: entity_named(store, first, "Anna").await,
        phone: entity_named(store, first, "+15555550100").await,
        ivan: entity_named(store, hidden, "Ivan").await,
        first,
        second,
        hidden,
    }
}

#[tokio::test]
async fn merges_are_checked_journalled_and_undone_once() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        let p = people(&backend).await;
        assert_ne!(
            p.maria, p.maria_again,
            "{name}: names are entities of their record"
        );
        assert_eq!(
            p.phone,
            entity_named(store, p.second, "+15555550100").await,
            "{name}: identifiers are one entity across records"
        );

        let head = store.journal_head().await.ok_on(name);
        let merge = store
            .merge_entities(
                &ben(),
                &p.maria,
                &p.maria_again,
                "same passport number",
                at_ms(),
            )
            .await
            .ok_on(name);
        assert_eq!(
            (
                merge.into.as_str(),
                merge.merged.as_str(),
                merge.actor.as_str(),
                &merge.undone
            ),
            (p.maria.as_str(), p.maria_again.as_str(), "ben", &None),
            "{name}"
        );
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::EntitiesMerged,
            &merge.id.to_string(),
            "ben",
            None,
        );
        assert_eq!(
            store.entity_merges().await.ok_on(name),
            std::slice::from_ref(&merge),
            "{name}"
        );
        assert_eq!(
            store.entity_merge(merge.id).await.ok_on(name),
            Some(merge.clone()),
            "{name}"
        );

        // Refusals change nothing.
        let head = store.journal_head().await.ok_on(name);
        let refused = [
            ("merged", (&p.maria, &p.maria, "same person")),
            ("merged", (&p.maria, &p.phone, "a phone is no person")),
            ("merged", (&p.anna, &p.maria_again, "merged already")),
            ("into", (&p.maria_again, &p.anna, "into a merged entity")),
            ("reason", (&p.maria, &p.anna, " ")),
        ];
        for (field, (into, merged, reason)) in refused {
            let result = store
                .merge_entities(&ana(), into, merged, reason, at_ms())
                .await;
            assert_eq!(invalid_field(name, &result), field, "{name}: {reason}");
        }
        // An entity hidden from the actor, or one that does not exist, is not found: whether
        // it exists is not theirs to learn. A partner sees only the records they submitted.
        for (actor, into, merged) in [
            (ben(), &p.anna, &p.ivan),
            (ben(), &p.ivan, &p.anna),
            (ana(), &p.anna, &"0".repeat(64)),
            (pat(), &p.maria, &p.anna),
        ] {
            let result = store
                .merge_entities(&actor, into, merged, "why", at_ms())
                .await;
            assert_not_found(name, &result);
        }
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");
        assert_eq!(store.entity_merges().await.ok_on(name).len(), 1, "{name}");

        // Only those who see both entities undo a merge, and only once.
        let hidden_merge = store
            .merge_entities(&ana(), &p.anna, &p.ivan, "one alias", later(at_ms(), 1))
            .await
            .ok_on(name);
        assert_not_found(
            name,
            &store.undo_merge(&ben(), hidden_merge.id, at_ms()).await,
        );
        let head = store.journal_head().await.ok_on(name);
        let undone_at = later(at_ms(), 2);
        let undone = store
            .undo_merge(&ana(), hidden_merge.id, undone_at)
            .await
            .ok_on(name);
        assert_eq!(
            undone,
            EntityMerge {
                undone: Some(("ana".to_owned(), undone_at)),
                ..hidden_merge.clone()
            },
            "{name}"
        );
        let entry = only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::EntityMergeUndone,
            &hidden_merge.id.to_string(),
            "ana",
            None,
        );
        assert_eq!(entry.version, 2, "{name}");
        let again = store.undo_merge(&ana(), hidden_merge.id, at_ms()).await;
        assert_eq!(invalid_field(name, &again), "id", "{name}");
        assert_not_found(
            name,
            &store
                .undo_merge(&ana(), uuid::Uuid::now_v7(), at_ms())
                .await,
        );
        assert_eq!(
            store.entity_merges().await.ok_on(name),
            [merge, undone],
            "{name}: undone merges stay, in order"
        );

        // Once undone, the entity may be merged again.
        store
            .merge_entities(
                &ana(),
                &p.maria,
                &p.ivan,
                "second thoughts",
                later(at_ms(), 3),
            )
            .await
            .ok_on(name);
    }
}

#[tokio::test]
async fn exclusions_are_journalled_and_lifted() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        let p = people(&backend).await;

        let head = store.journal_head().await.ok_on(name);
        let at = at_ms();
        store
            .exclude_entity(&ben(), &p.phone, "the shelter's switchboard", at)
            .await
            .ok_on(name);
        let entry = only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::EntityExcluded,
            &p.phone,
            "ben",
            None,
        );
        assert_eq!(entry.version, 1, "{name}");
        let exclusions = store.entity_exclusions().await.ok_on(name);
        assert_eq!(exclusions.len(), 1, "{name}");
        let exclusion = &exclusions[0];
        assert_eq!(
            (
                exclusion.entity.as_str(),
                exclusion.kind,
                exclusion.key.as_str(),
                exclusion.reason.as_str(),
                exclusion.actor.as_str(),
                exclusion.at
            ),
            (
                p.phone.as_str(),
                EntityKind::Phone,
                r#""+15555550100""#,
                "the shelter's switchboard",
                "ben",
                at
            ),
            "{name}"
        );

        let head = store.journal_head().await.ok_on(name);
        let twice = store
            .exclude_entity(&ben(), &p.phone, "again", at_ms())
            .await;
        assert_eq!(invalid_field(name, &twice), "entity", "{name}");
        let blank = store.exclude_entity(&ana(), &p.anna, "", at_ms()).await;
        assert_eq!(invalid_field(name, &blank), "reason", "{name}");
        assert_not_found(
            name,
            &store
                .exclude_entity(&ben(), &p.ivan, "benign", at_ms())
                .await,
        );
        assert_not_found(name, &store.include_entity(&ben(), &p.ivan, at_ms()).await);
        let not_excluded = store.include_entity(&ana(), &p.anna, at_ms()).await;
        assert_eq!(invalid_field(name, &not_excluded), "entity", "{name}");
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");

        store
            .include_entity(&ana(), &p.phone, at_ms())
            .await
            .ok_on(name);
        let entry = only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::EntityExclusionRemoved,
            &p.phone,
            "ana",
            None,
        );
        assert_eq!(entry.version, 2, "{name}");
        assert!(
            store.entity_exclusions().await.ok_on(name).is_empty(),
            "{name}"
        );

        let head = store.journal_head().await.ok_on(name);
        store
            .exclude_entity(&ana(), &p.phone, "switchboard after all", at_ms())
            .await
            .ok_on(name);
        let entries = journal_since(store, head).await;
        let entry = only_entry(
            name,
            &entries,
            ChangeKind::EntityExcluded,
            &p.phone,
            "ana",
            None,
        );
        assert_eq!(entry.version, 3, "{name}");
        assert_eq!(
            store.entity_exclusions().await.ok_on(name)[0].reason,
            "switchboard after all",
            "{name}"
        );
    }
}

fn relation(p: &People, evidence: Vec<RecordId>) -> NewRelation {
    NewRelation {
        kind: "uses_phone".to_owned(),
        from: p.maria.clone(),
        to: p.phone.clone(),
        evidence,
        label: Some(label("LE")),
        note: "answers the ad".to_owned(),
    }
}

#[tokio::test]
async fn relations_cite_evidence_the_actor_reads() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        let p = people(&backend).await;

        let head = store.journal_head().await.ok_on(name);
        let at = at_ms();
        let added = store
            .add_relation(&ben(), relation(&p, vec![p.first, p.second, p.first]), at)
            .await
            .ok_on(name);
        assert_eq!(
            (added.evidence.as_slice(), added.actor.as_str(), added.at),
            ([p.first, p.second].as_slice(), "ben", at),
            "{name}: evidence cited twice is kept once"
        );
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::RelationAdded,
            &added.id.to_string(),
            "ben",
            Some("LE"),
        );
        assert_eq!(
            store.relations().await.ok_on(name),
            std::slice::from_ref(&added),
            "{name}"
        );
        assert_eq!(
            store.relation(added.id).await.ok_on(name),
            Some(added.clone()),
            "{name}"
        );

        // Refusals change nothing.
        let head = store.journal_head().await.ok_on(name);
        let refused = [
            (
                "kind",
                NewRelation {
                    kind: "friend".to_owned(),
                    ..relation(&p, vec![p.first])
                },
            ),
            ("evidence", relation(&p, Vec::new())),
            (
                "label",
                NewRelation {
                    label: Some(label("UNDEFINED")),
                    ..relation(&p, vec![p.first])
                },
            ),
        ];
        for (field, new) in refused {
            let result = store.add_relation(&ben(), new, at_ms()).await;
            assert_eq!(invalid_field(name, &result), field, "{name}");
        }
        let above_clearance = NewRelation {
            label: Some(label("SECRET")),
            ..relation(&p, vec![p.first])
        };
        let result = store.add_relation(&ben(), above_clearance, at_ms()).await;
        assert!(
            matches!(result, Err(Error::Denied(_))),
            "{name}: {result:?}"
        );
        // Entities and evidence the actor cannot see do not exist for them.
        let missing = RecordId::new(now());
        for new in [
            NewRelation {
                to: p.ivan.clone(),
                ..relation(&p, vec![p.first])
            },
            relation(&p, vec![p.first, p.hidden]),
            relation(&p, vec![missing]),
        ] {
            assert_not_found(name, &store.add_relation(&ben(), new, at_ms()).await);
        }
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");
        assert_eq!(store.relations().await.ok_on(name).len(), 1, "{name}");

        // Only readers of its label remove it; the journal entry carries the label.
        let carl = reader("carl", Role::Analyst, &["PII"]);
        assert_not_found(name, &store.remove_relation(&carl, added.id, at_ms()).await);
        store
            .remove_relation(&ana(), added.id, at_ms())
            .await
            .ok_on(name);
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::RelationRemoved,
            &added.id.to_string(),
            "ana",
            Some("LE"),
        );
        assert!(store.relations().await.ok_on(name).is_empty(), "{name}");
        assert_eq!(store.relation(added.id).await.ok_on(name), None, "{name}");
        assert_not_found(
            name,
            &store.remove_relation(&ana(), added.id, at_ms()).await,
        );
    }
}

/// A fingerprint of `blob` (variant `variant`) whose hash is `seed` repeated.
fn fingerprint(blob: &str, variant: &str, seed: u8) -> NewFingerprint {
    NewFingerprint {
        blob: blob.to_owned(),
        variant: variant.to_owned(),
        hash: [seed; 32],
        quality: 90,
        dihedral: [[seed; 32]; 8],
    }
}

#[tokio::test]
async fn graph_inputs_carry_each_mention_and_photo_with_its_label() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        define(&backend, &["LE", "PII"]).await;
        let phone_field = TextPart::Field {
            name: field_name("victim_phone"),
            item: None,
        };
        let fields = BTreeMap::from([(
            field_name("victim_phone"),
            text("+15555550100", Some("PII")),
        )]);
        let place = json!({"name": "Łódź", "lat": 51.77, "lon": 19.45, "country": "PL"});
        let id = analysed(
            &backend,
            Some("LE"),
            fields,
            vec![
                narrative(0, EntityKind::Phone, "+15555550100"),
                // The same entity again under the same label is one mention for the graph.
                narrative(20, EntityKind::Phone, "+15555550100"),
                mention(TextPart::Narrative, 40, EntityKind::Location, "Lodz", place),
                mention(
                    phone_field,
                    0,
                    EntityKind::Phone,
                    "+1 555 555 0100",
                    json!("+15555550100"),
                ),
            ],
        )
        .await;

        // One photo under the record's label, one with its own besides, and a file no one
        // fingerprinted (not a photo).
        let (photo, _) = store
            .attach(
                &ana(),
                id,
                "a.jpg".into(),
                "image/jpeg".into(),
                None,
                b"photo a".to_vec(),
                now(),
            )
            .await
            .ok_on(name);
        let (private, _) = store
            .attach(
                &ana(),
                id,
                "b.jpg".into(),
                "image/jpeg".into(),
                Some(label("PII")),
                b"photo b".to_vec(),
                now(),
            )
            .await
            .ok_on(name);
        let (document, _) = store
            .attach(
                &ana(),
                id,
                "c.pdf".into(),
                "application/pdf".into(),
                None,
                b"%PDF".to_vec(),
                now(),
            )
            .await
            .ok_on(name);
        let batch = ImageBatch {
            carried: vec![(
                id,
                vec![
                    photo.sha256.clone(),
                    private.sha256.clone(),
                    document.sha256.clone(),
                ],
            )],
            fingerprints: vec![
                fingerprint(&photo.sha256, "full", 1),
                fingerprint(&photo.sha256, "trimmed", 2),
                fingerprint(&private.sha256, "full", 3),
            ],
            ..ImageBatch::default()
        };
        let head = store.journal_head().await.ok_on(name);
        assert!(
            store
                .save_images("test-images", 0, head, &batch, now())
                .await
                .ok_on(name)
        );
        let ids = |blob: &str| {
            let blob = blob.to_owned();
            async move {
                store
                    .fingerprints_of(&blob)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|stored| stored.id)
                    .collect::<Vec<_>>()
            }
        };
        let (photo_ids, private_ids) = (ids(&photo.sha256).await, ids(&private.sha256).await);
        assert_eq!((photo_ids.len(), private_ids.len()), (2, 1), "{name}");

        let missing = RecordId::new(now());
        let inputs = store.graph_inputs(&[id, missing]).await.ok_on(name);
        let phone = inputs[0].mentions[0].entity.clone();
        let mut mentions = inputs[0].mentions.clone();
        mentions.sort_by(|a, b| (&a.name, &a.label).cmp(&(&b.name, &b.label)));
        let location = mentions
            .iter()
            .find(|mention| mention.kind == EntityKind::Location)
            .unwrap()
            .entity
            .clone();
        assert_eq!(
            mentions,
            [
                GraphMention {
                    entity: phone.clone(),
                    kind: EntityKind::Phone,
                    name: "+15555550100".to_owned(),
                    label: "(LE)&(PII)".to_owned(),
                },
                GraphMention {
                    entity: phone.clone(),
                    kind: EntityKind::Phone,
                    name: "+15555550100".to_owned(),
                    label: "LE".to_owned(),
                },
                GraphMention {
                    entity: location,
                    kind: EntityKind::Location,
                    name: "Łódź".to_owned(),
                    label: "LE".to_owned(),
                },
            ],
            "{name}"
        );
        let mut photos = inputs[0].photos.clone();
        photos.sort_by(|a, b| a.label.cmp(&b.label));
        assert_eq!(
            photos,
            [
                GraphPhoto {
                    sha256: private.sha256.clone(),
                    label: "(LE)&(PII)".to_owned(),
                    fingerprints: private_ids.clone(),
                },
                GraphPhoto {
                    sha256: photo.sha256.clone(),
                    label: "LE".to_owned(),
                    fingerprints: photo_ids.clone(),
                },
            ],
            "{name}"
        );
        assert_eq!(
            (
                inputs[1].record,
                inputs[1].exists,
                inputs[1].mentions.len(),
                inputs[1].photos.len()
            ),
            (missing, false, 0, 0),
            "{name}"
        );

        assert_eq!(
            store
                .photos_of_fingerprints(&[photo_ids[1], private_ids[0]])
                .await
                .ok_on(name),
            [
                (photo_ids[1], id, photo.sha256.clone(), "LE".to_owned()),
                (
                    private_ids[0],
                    id,
                    private.sha256.clone(),
                    "(LE)&(PII)".to_owned()
                ),
            ],
            "{name}"
        );
        assert_eq!(
            store.entity(&phone).await.ok_on(name),
            Some((EntityKind::Phone, r#""+15555550100""#.to_owned())),
            "{name}"
        );
        assert_eq!(store.entity("nope").await.ok_on(name), None, "{name}");
    }
}
