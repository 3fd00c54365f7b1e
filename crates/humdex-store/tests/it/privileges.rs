//! Labels enforced by the store: what each reader may see of records, fields, attachments,
//! versions, the journal and the counters, and which labels a writer may write.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use humdex_model::{
    Assignee, ChangeKind, Channel, Kind, Label, NewRecord, Reader, RecordId, RecordPatch,
    RecordPointer, RecordView, Role, State,
};
use humdex_store::{
    Error, ProjectionRunner, RecordFilter, StateCounts, StateCountsProjection, Store,
};

use crate::util::{
    Backend, OkOn, add_user, analyst, define, field_name, label, later, now, read, reader, record,
    stores, text,
};

/// Analyst ana, who holds every authorization these tests define, and so writes every record.
fn ana() -> Reader {
    reader(
        "ana",
        Role::Analyst,
        &["LE", "NGO", "VICTIM_PII", "A", "B", "C", "D"],
    )
}

/// Caseworker carol, of a partner NGO: she holds `NGO` and nothing else.
fn carol() -> Reader {
    reader("carol", Role::Caseworker, &["NGO"])
}

/// A record of `kind` titled `title` under `label`.
fn labelled(kind: Kind, title: &str, record_label: Option<&str>) -> NewRecord {
    let mut new = record(kind, title);
    new.label = record_label.map(label);
    new
}

async fn create(backend: &Backend, writer: &Reader, new: NewRecord) -> RecordId {
    backend
        .store
        .create_record(writer, new, Channel::Api, None, now())
        .await
        .ok_on(backend.name)
        .id
}

async fn patch(
    backend: &Backend,
    writer: &Reader,
    id: RecordId,
    version: i64,
    patch: RecordPatch,
) -> i64 {
    let new_version = backend
        .store
        .update_record(writer, id, version, patch, now())
        .await
        .ok_on(backend.name);
    assert_eq!(new_version, version + 1, "{}", backend.name);
    new_version
}

async fn attach(
    backend: &Backend,
    writer: &Reader,
    id: RecordId,
    filename: &str,
    attachment_label: Option<&str>,
    content: &[u8],
) -> humdex_store::Result<(humdex_model::Attachment, i64)> {
    backend
        .store
        .attach(
            writer,
            id,
            filename.to_owned(),
            "application/octet-stream".to_owned(),
            attachment_label.map(label),
            content.to_vec(),
            now(),
        )
        .await
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

/// Every record `reader` may list under `filter`, read in pages of `limit`, checking that each
/// page but the last is full, that a next cursor is the page's last record, and that the last
/// page has none.
async fn list_all(
    backend: &Backend,
    reader: &Reader,
    filter: &RecordFilter,
    limit: u32,
) -> Vec<RecordView> {
    let name = backend.name;
    let mut views = Vec::new();
    let mut cursor = None;
    loop {
        let page = backend
            .store
            .records(reader, filter, cursor, limit)
            .await
            .ok_on(name);
        assert!(
            page.records.len() <= limit as usize,
            "{name}: at most {limit}"
        );
        let ids: Vec<RecordId> = page.records.iter().map(RecordView::id).collect();
        views.extend(page.records);
        match page.next_cursor {
            Some(next) => {
                assert_eq!(
                    ids.len(),
                    limit as usize,
                    "{name}: a page with a next cursor is full"
                );
                assert_eq!(
                    Some(next),
                    ids.last().copied(),
                    "{name}: the cursor is the page's last record"
                );
                cursor = Some(next);
            }
            None => return views,
        }
    }
}

fn ids(views: &[RecordView]) -> Vec<RecordId> {
    views.iter().map(RecordView::id).collect()
}

/// `reader`'s whole feed, read `limit` entries at a time, and the position it ends at.
async fn feed(backend: &Backend, reader: &Reader, limit: u32) -> (Vec<humdex_model::Change>, i64) {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let (changes, position) = backend
            .store
            .journal_for(reader, after, limit)
            .await
            .ok_on(backend.name);
        assert!(
            changes.len() <= limit as usize,
            "{}: at most {limit}",
            backend.name
        );
        assert!(position >= after, "{}: the position moves on", backend.name);
        if let Some(last) = changes.last() {
            if changes.len() == limit as usize {
                assert_eq!(
                    position, last.seq,
                    "{}: a full page ends at its last entry",
                    backend.name
                );
            } else {
                assert!(position >= last.seq, "{}", backend.name);
            }
        }
        after = position;
        if changes.is_empty() {
            return (all, after);
        }
        all.extend(changes);
    }
}

/// Starts the state-counts projection on `store` and waits until it has applied the journal.
async fn caught_up_counts(backend: &Backend) {
    let store: &Store = &backend.store;
    let runner = ProjectionRunner::spawn(
        store.clone(),
        Arc::new(StateCountsProjection::new(store.clone())),
    );
    let head = store.journal_head().await.ok_on(backend.name);
    tokio::time::timeout(Duration::from_secs(60), runner.caught_up(head))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{}: the projection did not reach {head}; it is at {}",
                backend.name,
                runner.applied()
            )
        });
}

fn counts(entries: &[(State, Kind, i64)]) -> StateCounts {
    let mut counts = StateCounts::default();
    for (state, kind, count) in entries {
        *counts
            .counts
            .entry(*state)
            .or_default()
            .entry(*kind)
            .or_default() += count;
    }
    counts
}

fn without_zeros(mut counts: StateCounts) -> StateCounts {
    for by_kind in counts.counts.values_mut() {
        by_kind.retain(|_, count| *count != 0);
    }
    counts.counts.retain(|_, by_kind| !by_kind.is_empty());
    counts
}

#[track_caller]
fn assert_denied_at<T: std::fmt::Debug>(
    result: humdex_store::Result<T>,
    path: Option<&str>,
    what: &str,
) {
    assert!(
        matches!(&result, Err(Error::Denied(denied)) if denied.field.as_deref() == path),
        "{what}: expected Denied at {path:?}, got {result:?}"
    );
}

#[track_caller]
fn assert_invalid_at<T: std::fmt::Debug>(result: humdex_store::Result<T>, path: &str, what: &str) {
    assert!(
        matches!(&result, Err(Error::Invalid(invalid)) if invalid.field.as_deref() == Some(path)),
        "{what}: expected Invalid at {path}, got {result:?}"
    );
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: humdex_store::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::NotFound)),
        "{what}: expected NotFound, got {result:?}"
    );
}

#[tokio::test]
async fn a_field_without_its_label_is_withheld_from_every_view() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "VICTIM_PII"]).await;
        let ana = ana();
        let ben = analyst("ben");
        let mut new = labelled(Kind::Report, "Ad offering work abroad", Some("LE"));
        new.fields = BTreeMap::from([
            (
                field_name("victim"),
                text("Ana Morales-Secret", Some("VICTIM_PII")),
            ),
            (field_name("city"), text("Houston", None)),
            (field_name("phone"), text("+1 555 0199", Some("LE"))),
        ]);
        let id = create(&backend, &ana, new).await;
        let (passport, _) = attach(
            &backend,
            &ana,
            id,
            "passport-secret.jpg",
            Some("VICTIM_PII"),
            b"passport scan",
        )
        .await
        .ok_on(name);
        let (ad, _) = attach(&backend, &ana, id, "ad.txt", None, b"work abroad")
            .await
            .ok_on(name);
        let secrets = ["Ana Morales-Secret", "passport-secret.jpg"];
        let check = |view: &RecordView, what: &str| {
            let RecordView::Full(visible) = view else {
                panic!("{name}: {what}: ben sees the record: {view:?}");
            };
            assert_eq!(
                visible.withheld_fields(),
                &BTreeSet::from([field_name("victim")]),
                "{name}: {what}"
            );
            assert_eq!(
                visible.record().fields.keys().collect::<Vec<_>>(),
                [&field_name("city"), &field_name("phone")],
                "{name}: {what}: the withheld field is not in the record"
            );
            let serialized = json(view);
            for secret in secrets {
                assert!(
                    !serialized.contains(secret),
                    "{name}: {what}: {secret} leaked: {serialized}"
                );
            }
            let value: serde_json::Value = serde_json::from_str(&serialized).unwrap();
            assert_eq!(
                value["fields"]["victim"],
                serde_json::json!({"withheld": true}),
                "{name}: {what}"
            );
            assert_eq!(
                value["fields"]["city"]["value"], "Houston",
                "{name}: {what}"
            );
        };

        let view = store.record(&ben, id).await.ok_on(name);
        check(&view, "record");
        let RecordView::Full(visible) = &view else {
            unreachable!()
        };
        assert_eq!(visible.withheld_attachments(), 1, "{name}");
        assert_eq!(visible.record().attachments, vec![ad.clone()], "{name}");
        let value: serde_json::Value = serde_json::from_str(&json(&view)).unwrap();
        assert_eq!(
            value["attachments"][1],
            serde_json::json!({"withheld": true}),
            "{name}: a withheld attachment shows only that it is there"
        );

        let listed = list_all(&backend, &ben, &RecordFilter::default(), 10).await;
        assert_eq!(ids(&listed), [id], "{name}");
        check(&listed[0], "list");

        let versions = store.record_versions(&ben, id).await.ok_on(name);
        assert_eq!(
            versions.len(),
            3,
            "{name}: the record and its two attachments"
        );
        for visible in versions {
            check(&RecordView::Full(Box::new(visible)), "versions");
        }

        let (changes, _) = feed(&backend, &ben, 100).await;
        assert_eq!(
            changes
                .iter()
                .filter(|change| change.subject == id.to_string())
                .count(),
            3,
            "{name}: ben's feed tells of every change to the record"
        );
        assert!(!json(&changes).contains("Ana Morales-Secret"), "{name}");

        assert_not_found(
            store.attachment(&ben, id, &passport.sha256).await,
            &format!("{name}: the withheld attachment"),
        );
        assert_eq!(
            store.attachment(&ben, id, &ad.sha256).await.ok_on(name),
            (ad, b"work abroad".to_vec()),
            "{name}"
        );

        // Holding VICTIM_PII as well, ana sees it all.
        let full = read(&backend, &ana, id).await;
        assert_eq!(
            full.fields[&field_name("victim")],
            text("Ana Morales-Secret", Some("VICTIM_PII")),
            "{name}"
        );
        assert_eq!(full.attachments.len(), 2, "{name}");
        assert_eq!(
            store
                .attachment(&ana, id, &passport.sha256)
                .await
                .ok_on(name)
                .1,
            b"passport scan",
            "{name}"
        );
        // Without LE, VICTIM_PII alone shows nothing: a field's label adds to the record's.
        let pii_only = reader("dan", Role::Caseworker, &["VICTIM_PII"]);
        assert_not_found(
            store.record(&pii_only, id).await,
            &format!("{name}: VICTIM_PII without LE"),
        );
    }
}

#[tokio::test]
async fn a_record_above_clearance_does_not_exist_for_the_reader() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        add_user(&backend, "carol").await;
        crate::util::set_pool(&backend, "triage", &["carol"]).await;
        let (ana, carol) = (ana(), carol());
        // Oldest first; `true` for a record carol may not see, with runs longer than a page so
        // that pages must be filled from further down.
        let plan = [
            true, true, false, true, true, true, true, true, false, false, true, false, true,
            false, false, true, true, true, true, true,
        ];
        let visible_labels = [None, Some("NGO"), Some("LE|NGO")];
        let base = now();
        let mut made = Vec::new();
        for (index, hidden) in plan.iter().enumerate() {
            let record_label = if *hidden {
                Some("LE")
            } else {
                visible_labels[index % visible_labels.len()]
            };
            let mut new = labelled(Kind::Report, &format!("record {index}"), record_label);
            new.assignee = Some(Assignee::Pool("triage".to_owned()));
            let id = store
                .create_record(&ana, new, Channel::Api, None, later(base, index as i64))
                .await
                .ok_on(name)
                .id;
            made.push((id, *hidden));
        }
        let newest_first = |keep: &dyn Fn(bool) -> bool| -> Vec<RecordId> {
            made.iter()
                .rev()
                .filter(|(_, hidden)| keep(*hidden))
                .map(|(id, _)| *id)
                .collect()
        };
        let visible = newest_first(&|hidden| !hidden);
        assert_eq!(visible.len(), 6);
        for limit in [1, 2, 3, 4, 6, 7, 50] {
            let listed = list_all(&backend, &carol, &RecordFilter::default(), limit).await;
            assert_eq!(ids(&listed), visible, "{name}: carol's pages of {limit}");
        }
        let first = store
            .records(&carol, &RecordFilter::default(), None, 2)
            .await
            .ok_on(name);
        assert_eq!(
            ids(&first.records),
            visible[..2],
            "{name}: the page fills up"
        );
        assert_eq!(first.next_cursor, Some(visible[1]), "{name}");
        let second = store
            .records(&carol, &RecordFilter::default(), first.next_cursor, 2)
            .await
            .ok_on(name);
        assert_eq!(ids(&second.records), visible[2..4], "{name}");
        assert_eq!(second.next_cursor, Some(visible[3]), "{name}");
        let last = store
            .records(&carol, &RecordFilter::default(), Some(visible[3]), 2)
            .await
            .ok_on(name);
        assert_eq!(ids(&last.records), visible[4..], "{name}");
        assert_eq!(
            last.next_cursor, None,
            "{name}: only hidden records follow the last page"
        );
        let in_intake = RecordFilter {
            state: Some(State::Intake),
            ..Default::default()
        };
        assert_eq!(
            ids(&list_all(&backend, &carol, &in_intake, 4).await),
            visible,
            "{name}: filtered the same"
        );
        assert_eq!(
            ids(&list_all(&backend, &ana, &RecordFilter::default(), 5).await),
            newest_first(&|_| true),
            "{name}: ana sees them all"
        );

        let (hidden, _) = made.iter().find(|(_, hidden)| *hidden).copied().unwrap();
        let (shown, _) = made.iter().find(|(_, hidden)| !*hidden).copied().unwrap();
        let (attachment, _) = attach(&backend, &ana, hidden, "a.txt", None, b"a")
            .await
            .ok_on(name);
        attach(&backend, &ana, shown, "a.txt", None, b"a")
            .await
            .ok_on(name);
        let what = |what: &str| format!("{name}: {what} of a record above clearance");
        assert_not_found(store.record(&carol, hidden).await, &what("record"));
        assert_not_found(
            store.record_versions(&carol, hidden).await,
            &what("versions"),
        );
        assert_not_found(
            store.attachment(&carol, hidden, &attachment.sha256).await,
            &what("attachment"),
        );
        assert_eq!(
            store
                .attachment(&carol, shown, &attachment.sha256)
                .await
                .ok_on(name)
                .1,
            b"a",
            "{name}: the same file on a record carol sees"
        );
        let before = store.journal_head().await.ok_on(name);
        assert_not_found(
            store
                .update_record(&carol, hidden, 2, RecordPatch::default(), now())
                .await,
            &what("update"),
        );
        assert_not_found(
            store
                .transition(&carol, hidden, Some(State::Analysis), None, None, now())
                .await,
            &what("transition"),
        );
        assert_not_found(store.claim(&carol, hidden, now()).await, &what("claim"));
        assert_not_found(
            attach(&backend, &carol, hidden, "b.txt", None, b"b").await,
            &what("attach"),
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            before,
            "{name}: refused writes journal nothing"
        );
        // The record carol sees, she may claim.
        assert_eq!(
            store.claim(&carol, shown, now()).await.ok_on(name),
            3,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_feed_and_the_counters_leave_out_what_the_reader_may_not_see() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        let (ana, carol) = (ana(), carol());
        let nobody = reader("nobody", Role::Analyst, &[]);
        // h1 stays hidden from carol; h2 is hidden until relabelled NGO; v1 is shown until
        // relabelled LE; u1 has no label.
        let h1 = create(&backend, &ana, labelled(Kind::Report, "h1", Some("LE"))).await;
        let h2 = create(&backend, &ana, labelled(Kind::Report, "h2", Some("LE"))).await;
        let v1 = create(&backend, &ana, labelled(Kind::Report, "v1", Some("NGO"))).await;
        let u1 = create(&backend, &ana, labelled(Kind::Request, "u1", None)).await;
        for id in [h1, v1] {
            store
                .transition(&ana, id, Some(State::Analysis), None, Some(1), now())
                .await
                .ok_on(name);
        }
        let relabel = |to: &str| RecordPatch {
            label: Some(Some(label(to))),
            ..Default::default()
        };
        patch(&backend, &ana, h2, 1, relabel("NGO")).await;
        patch(&backend, &ana, v1, 2, relabel("LE")).await;
        let head = store.journal_head().await.ok_on(name);

        let (changes, position) = feed(&backend, &carol, 100).await;
        assert_eq!(
            position, head,
            "{name}: the feed's position reaches the head past hidden entries"
        );
        let about_records: BTreeSet<(String, i64)> = changes
            .iter()
            .filter(|change| change.kind.is_some())
            .map(|change| (change.subject.clone(), change.version))
            .collect();
        let want: BTreeSet<(String, i64)> = [(h2, 2), (v1, 1), (v1, 2), (u1, 1)]
            .into_iter()
            .map(|(id, version)| (id.to_string(), version))
            .collect();
        assert_eq!(about_records, want, "{name}: carol's feed");
        assert!(
            changes
                .iter()
                .filter(|change| change.kind.is_some())
                .all(|change| carol.satisfies(change.label.as_ref())),
            "{name}"
        );
        assert_eq!(
            changes
                .iter()
                .filter(|change| change.change == ChangeKind::AuthorizationDefined)
                .count(),
            2,
            "{name}: entries about no record are for everyone"
        );
        for limit in [1, 2, 3] {
            assert_eq!(
                feed(&backend, &carol, limit).await,
                (changes.clone(), head),
                "{name}: carol's feed in pages of {limit}"
            );
        }
        let (everything, _) = feed(&backend, &ana, 100).await;
        assert_eq!(
            everything,
            store.journal_after(0, 100).await.ok_on(name),
            "{name}: ana's feed is the whole journal"
        );
        let (bare, _) = feed(&backend, &nobody, 100).await;
        let bare: Vec<String> = bare
            .iter()
            .filter(|change| change.kind.is_some())
            .map(|change| change.subject.clone())
            .collect();
        assert_eq!(bare, [u1.to_string()], "{name}: no authorizations");

        caught_up_counts(&backend).await;
        assert_eq!(
            without_zeros(store.state_counts(&carol).await.ok_on(name)),
            counts(&[
                (State::Intake, Kind::Report, 1),
                (State::Intake, Kind::Request, 1)
            ]),
            "{name}: carol counts h2 (now NGO) and u1, not h1 nor v1 (now LE)"
        );
        assert_eq!(
            without_zeros(store.state_counts(&ana).await.ok_on(name)),
            counts(&[
                (State::Intake, Kind::Report, 1),
                (State::Analysis, Kind::Report, 2),
                (State::Intake, Kind::Request, 1),
            ]),
            "{name}: ana counts every record"
        );
        assert_eq!(
            without_zeros(store.state_counts(&nobody).await.ok_on(name)),
            counts(&[(State::Intake, Kind::Request, 1)]),
            "{name}: without authorizations, only the unlabelled record"
        );
    }
}

#[tokio::test]
async fn a_pointer_shows_only_whom_to_ask() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        add_user(&backend, "ana").await;
        crate::util::set_pool(&backend, "triage", &["ana"]).await;
        let (ana, carol) = (ana(), carol());
        let base = now();
        let mut new = labelled(Kind::Request, "Operation Nightjar", Some("LE"));
        new.narrative = "Undercover officer at the docks".to_owned();
        new.fields = BTreeMap::from([(field_name("informant"), text("Rui Secret", None))]);
        new.label_pointer = true;
        new.point_of_contact = Some("Desk 4, +1 555 0100".to_owned());
        new.assignee = Some(Assignee::Pool("triage".to_owned()));
        let asked = store
            .create_record(&ana, new, Channel::Api, None, base)
            .await
            .ok_on(name)
            .id;
        let mut new = labelled(Kind::Report, "Nightjar follow-up", Some("LE"));
        new.label_pointer = true;
        let by_creator = store
            .create_record(&ana, new, Channel::Api, None, later(base, 1))
            .await
            .ok_on(name)
            .id;
        let hidden = store
            .create_record(
                &ana,
                labelled(Kind::Report, "Nightjar hidden", Some("LE")),
                Channel::Api,
                None,
                later(base, 2),
            )
            .await
            .ok_on(name)
            .id;
        let (attachment, _) = attach(&backend, &ana, asked, "plan.pdf", None, b"plan")
            .await
            .ok_on(name);

        let view = store.record(&carol, asked).await.ok_on(name);
        assert_eq!(
            view,
            RecordView::Pointer(RecordPointer {
                id: asked,
                kind: Kind::Request,
                origin: store.node_id().to_owned(),
                point_of_contact: "Desk 4, +1 555 0100".to_owned(),
                pointer: true,
            }),
            "{name}"
        );
        let value: serde_json::Value = serde_json::from_str(&json(&view)).unwrap();
        let members: BTreeSet<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            members,
            BTreeSet::from(["id", "kind", "origin", "point_of_contact", "pointer"]),
            "{name}"
        );
        let RecordView::Pointer(pointer) = store.record(&carol, by_creator).await.ok_on(name)
        else {
            panic!("{name}: a pointer");
        };
        assert_eq!(
            pointer.point_of_contact, "ana",
            "{name}: without a point of contact, the creator"
        );

        let listed = list_all(&backend, &carol, &RecordFilter::default(), 1).await;
        assert_eq!(
            ids(&listed),
            [by_creator, asked],
            "{name}: pointers are listed"
        );
        assert!(
            listed
                .iter()
                .all(|view| matches!(view, RecordView::Pointer(_))),
            "{name}"
        );
        let serialized = json(&listed);
        for secret in ["Nightjar", "Undercover", "Rui Secret", "plan.pdf", "triage"] {
            assert!(
                !serialized.contains(secret),
                "{name}: {secret} leaked: {serialized}"
            );
        }
        let requests = RecordFilter {
            kind: Some(Kind::Request),
            ..Default::default()
        };
        assert_eq!(
            ids(&list_all(&backend, &carol, &requests, 10).await),
            [asked],
            "{name}: the kind shows on a pointer, so it may filter pointers"
        );
        let in_intake = RecordFilter {
            state: Some(State::Intake),
            ..Default::default()
        };
        let pooled = RecordFilter {
            assignee: Some(Assignee::Pool("triage".to_owned())),
            ..Default::default()
        };
        for filter in [&in_intake, &pooled] {
            assert!(
                list_all(&backend, &carol, filter, 10).await.is_empty(),
                "{name}: a filter on what a pointer hides leaves pointers out: {filter:?}"
            );
        }
        assert_eq!(
            ids(&list_all(&backend, &ana, &in_intake, 10).await),
            [hidden, by_creator, asked],
            "{name}"
        );
        assert_eq!(
            ids(&list_all(&backend, &ana, &pooled, 10).await),
            [asked],
            "{name}"
        );

        let what = |what: &str| format!("{name}: {what} of a pointer");
        let head = store.journal_head().await.ok_on(name);
        assert_denied_at(
            store
                .transition(&carol, asked, Some(State::Analysis), None, None, now())
                .await,
            None,
            &what("transition"),
        );
        assert_denied_at(
            store
                .update_record(
                    &carol,
                    asked,
                    2,
                    RecordPatch {
                        title: Some("mine".to_owned()),
                        ..Default::default()
                    },
                    now(),
                )
                .await,
            None,
            &what("update"),
        );
        assert_denied_at(
            attach(&backend, &carol, asked, "b.txt", None, b"b").await,
            None,
            &what("attach"),
        );
        assert_denied_at(
            store.claim(&carol, asked, now()).await,
            None,
            &what("claim"),
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: nothing was written"
        );
        assert_denied_at(
            store.record_versions(&carol, asked).await,
            None,
            &what("versions"),
        );
        assert_not_found(
            store.attachment(&carol, asked, &attachment.sha256).await,
            &what("attachment"),
        );
        assert_not_found(
            store.record(&carol, hidden).await,
            &format!("{name}: not a pointer"),
        );
        let (changes, _) = feed(&backend, &carol, 100).await;
        assert!(
            changes.iter().all(|change| change.kind.is_none()),
            "{name}: the feed tells nothing of pointer records: {changes:?}"
        );
    }
}

#[tokio::test]
async fn nobody_writes_labels_above_their_clearance() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO", "VICTIM_PII"]).await;
        let ben = analyst("ben");
        let head = store.journal_head().await.ok_on(name);
        for above in ["NGO", "LE&NGO", "VICTIM_PII"] {
            let refused = store
                .create_record(
                    &ben,
                    labelled(Kind::Report, "t", Some(above)),
                    Channel::Api,
                    None,
                    now(),
                )
                .await;
            assert_denied_at(
                refused,
                Some("label"),
                &format!("{name}: record label {above}"),
            );
        }
        let mut new = labelled(Kind::Report, "t", Some("LE"));
        new.fields = BTreeMap::from([
            (field_name("city"), text("Houston", Some("LE"))),
            (field_name("victim"), text("Ana", Some("VICTIM_PII"))),
        ]);
        let refused = store
            .create_record(&ben, new, Channel::Api, None, now())
            .await;
        assert_denied_at(
            refused,
            Some("fields.victim.label"),
            &format!("{name}: field label"),
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: refused records journal nothing"
        );

        // A label ben satisfies, if not in every way, he may write.
        let id = create(&backend, &ben, labelled(Kind::Report, "t", Some("LE|NGO"))).await;
        let head = store.journal_head().await.ok_on(name);
        let refused = store
            .update_record(
                &ben,
                id,
                1,
                RecordPatch {
                    label: Some(Some(label("NGO"))),
                    ..Default::default()
                },
                now(),
            )
            .await;
        assert_denied_at(refused, Some("label"), &format!("{name}: relabel above"));
        let refused = store
            .update_record(
                &ben,
                id,
                1,
                RecordPatch {
                    fields: BTreeMap::from([(
                        field_name("victim"),
                        Some(text("Ana", Some("VICTIM_PII"))),
                    )]),
                    ..Default::default()
                },
                now(),
            )
            .await;
        assert_denied_at(
            refused,
            Some("fields.victim.label"),
            &format!("{name}: a field above"),
        );
        let refused = attach(&backend, &ben, id, "scan.jpg", Some("VICTIM_PII"), b"scan").await;
        assert_denied_at(refused, Some("label"), &format!("{name}: attachment above"));
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: refused writes journal nothing"
        );
        assert_eq!(read(&backend, &ben, id).await.version, 1, "{name}");
        // Partners are held to the same rule.
        let partner = reader("pia", Role::Partner, &["NGO"]);
        assert_denied_at(
            store
                .create_record(
                    &partner,
                    labelled(Kind::Report, "t", Some("LE")),
                    Channel::Api,
                    None,
                    now(),
                )
                .await,
            Some("label"),
            &format!("{name}: partner"),
        );
    }
}

#[tokio::test]
async fn labels_must_name_defined_authorizations() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE"]).await;
        // GHOST is not defined; ana satisfies `LE|GHOST` through LE all the same.
        let ana = ana();
        let head = store.journal_head().await.ok_on(name);
        let refused = store
            .create_record(
                &ana,
                labelled(Kind::Report, "t", Some("LE|GHOST")),
                Channel::Api,
                None,
                now(),
            )
            .await;
        assert_invalid_at(refused, "label", &format!("{name}: record label"));
        let mut new = labelled(Kind::Report, "t", Some("LE"));
        new.fields = BTreeMap::from([(field_name("victim"), text("Ana", Some("LE|GHOST")))]);
        let refused = store
            .create_record(&ana, new, Channel::Api, None, now())
            .await;
        assert_invalid_at(
            refused,
            "fields.victim.label",
            &format!("{name}: field label"),
        );
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");

        let id = create(&backend, &ana, labelled(Kind::Report, "t", Some("LE"))).await;
        let head = store.journal_head().await.ok_on(name);
        let refused = store
            .update_record(
                &ana,
                id,
                1,
                RecordPatch {
                    label: Some(Some(label("LE|GHOST"))),
                    ..Default::default()
                },
                now(),
            )
            .await;
        assert_invalid_at(refused, "label", &format!("{name}: patched label"));
        let refused = store
            .update_record(
                &ana,
                id,
                1,
                RecordPatch {
                    fields: BTreeMap::from([(
                        field_name("city"),
                        Some(text("Houston", Some("LE|GHOST"))),
                    )]),
                    ..Default::default()
                },
                now(),
            )
            .await;
        assert_invalid_at(
            refused,
            "fields.city.label",
            &format!("{name}: patched field label"),
        );
        let refused = attach(&backend, &ana, id, "a.txt", Some("LE|GHOST"), b"a").await;
        assert_invalid_at(refused, "label", &format!("{name}: attachment label"));
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: refused labels journal nothing"
        );

        // Once an admin defines GHOST, the same label is accepted.
        define(&backend, &["GHOST"]).await;
        patch(
            &backend,
            &ana,
            id,
            1,
            RecordPatch {
                label: Some(Some(label("LE|GHOST"))),
                ..Default::default()
            },
        )
        .await;
        let invalid = store
            .define_authorization("admin", "LE&X", "not a token", now())
            .await;
        assert_invalid_at(
            invalid,
            "name",
            &format!("{name}: an authorization is a token"),
        );
    }
}

#[tokio::test]
async fn a_patch_may_not_touch_a_field_withheld_from_the_writer() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "VICTIM_PII"]).await;
        let (ana, ben) = (ana(), analyst("ben"));
        let mut new = labelled(Kind::Report, "t", Some("LE"));
        new.fields = BTreeMap::from([
            (field_name("victim"), text("Ana", Some("VICTIM_PII"))),
            (field_name("city"), text("Houston", None)),
        ]);
        let id = create(&backend, &ana, new).await;
        let head = store.journal_head().await.ok_on(name);
        for (what, field) in [
            ("set", Some(text("Someone else", None))),
            ("set with its label", Some(text("Someone else", Some("LE")))),
            ("remove", None),
        ] {
            let refused = store
                .update_record(
                    &ben,
                    id,
                    1,
                    RecordPatch {
                        fields: BTreeMap::from([(field_name("victim"), field)]),
                        ..Default::default()
                    },
                    now(),
                )
                .await;
            assert_denied_at(refused, Some("fields.victim"), &format!("{name}: {what}"));
        }
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");
        // The fields he sees, he may change.
        patch(
            &backend,
            &ben,
            id,
            1,
            RecordPatch {
                title: Some("edited".to_owned()),
                fields: BTreeMap::from([(field_name("city"), Some(text("Dallas", None)))]),
                ..Default::default()
            },
        )
        .await;
        let stored = read(&backend, &ana, id).await;
        assert_eq!(
            (
                stored.title.as_str(),
                &stored.fields[&field_name("city")],
                &stored.fields[&field_name("victim")]
            ),
            (
                "edited",
                &text("Dallas", None),
                &text("Ana", Some("VICTIM_PII"))
            ),
            "{name}: the withheld field is as it was"
        );
    }
}

#[tokio::test]
async fn a_change_of_labels_is_journalled_as_a_relabelling() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        let ana = ana();
        let mut new = labelled(Kind::Report, "t", Some("LE"));
        new.fields = BTreeMap::from([(field_name("city"), text("Houston", None))]);
        let id = create(&backend, &ana, new).await;
        let steps: Vec<(RecordPatch, ChangeKind, Option<&str>, Option<&str>)> = vec![
            (
                RecordPatch {
                    title: Some("edited".to_owned()),
                    ..Default::default()
                },
                ChangeKind::RecordUpdated,
                Some("LE"),
                Some("LE"),
            ),
            (
                RecordPatch {
                    label: Some(Some(label("LE|NGO"))),
                    ..Default::default()
                },
                ChangeKind::RecordRelabelled,
                Some("LE|NGO"),
                Some("LE"),
            ),
            (
                RecordPatch {
                    fields: BTreeMap::from([(
                        field_name("city"),
                        Some(text("Houston", Some("NGO"))),
                    )]),
                    ..Default::default()
                },
                ChangeKind::RecordRelabelled,
                Some("LE|NGO"),
                Some("LE|NGO"),
            ),
            (
                RecordPatch {
                    label_pointer: Some(true),
                    ..Default::default()
                },
                ChangeKind::RecordRelabelled,
                Some("LE|NGO"),
                Some("LE|NGO"),
            ),
            (
                RecordPatch {
                    label: Some(Some(label("LE|NGO"))),
                    narrative: Some("same label".to_owned()),
                    ..Default::default()
                },
                ChangeKind::RecordUpdated,
                Some("LE|NGO"),
                Some("LE|NGO"),
            ),
            (
                RecordPatch {
                    label: Some(None),
                    ..Default::default()
                },
                ChangeKind::RecordRelabelled,
                None,
                Some("LE|NGO"),
            ),
        ];
        let mut want = vec![(ChangeKind::RecordCreated, 1, Some("LE".to_owned()), None)];
        for (step, (record_patch, change, after, before)) in steps.into_iter().enumerate() {
            let version = step as i64 + 1;
            patch(&backend, &ana, id, version, record_patch).await;
            want.push((
                change,
                version + 1,
                after.map(str::to_owned),
                before.map(str::to_owned),
            ));
        }
        let got: Vec<_> = store
            .journal_after(0, 100)
            .await
            .ok_on(name)
            .into_iter()
            .filter(|change| change.subject == id.to_string())
            .map(|change| {
                (
                    change.change,
                    change.version,
                    change.label.as_ref().map(Label::to_string),
                    change.previous_label.as_ref().map(Label::to_string),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
        let value = serde_json::to_value(
            store
                .journal_after(0, 100)
                .await
                .ok_on(name)
                .iter()
                .find(|change| change.change == ChangeKind::RecordRelabelled)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (&value["change"], &value["label"], &value["previous_label"]),
            (
                &serde_json::json!("record_relabelled"),
                &serde_json::json!("LE|NGO"),
                &serde_json::Value::Null
            ),
            "{name}: the old label is not shown to readers of the new one"
        );
    }
}

#[tokio::test]
async fn versions_above_the_readers_clearance_are_left_out() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO", "VICTIM_PII"]).await;
        let (ana, ben, carol) = (ana(), analyst("ben"), carol());
        let mut new = labelled(Kind::Report, "t", Some("LE"));
        new.fields = BTreeMap::from([(field_name("victim"), text("Ana Secret", None))]);
        let id = create(&backend, &ana, new).await;
        patch(
            &backend,
            &ana,
            id,
            1,
            RecordPatch {
                label: Some(Some(label("LE|NGO"))),
                fields: BTreeMap::from([(
                    field_name("victim"),
                    Some(text("Ana Secret", Some("VICTIM_PII"))),
                )]),
                ..Default::default()
            },
        )
        .await;
        patch(
            &backend,
            &ana,
            id,
            2,
            RecordPatch {
                narrative: Some("more".to_owned()),
                ..Default::default()
            },
        )
        .await;

        let versions = store.record_versions(&carol, id).await.ok_on(name);
        assert_eq!(
            versions
                .iter()
                .map(|visible| visible.record().version)
                .collect::<Vec<_>>(),
            [2, 3],
            "{name}: carol was not cleared for version 1"
        );
        assert!(
            versions
                .iter()
                .all(|visible| visible.withheld_fields() == &BTreeSet::from([field_name("victim")])),
            "{name}"
        );
        assert!(!json(&versions).contains("Ana Secret"), "{name}");

        let versions = store.record_versions(&ben, id).await.ok_on(name);
        let withheld: Vec<usize> = versions
            .iter()
            .map(|visible| visible.withheld_fields().len())
            .collect();
        assert_eq!(
            withheld,
            [0, 1, 1],
            "{name}: ben saw the field before it was labelled, and not since"
        );
        assert_eq!(
            versions[0].record().fields[&field_name("victim")],
            text("Ana Secret", None),
            "{name}"
        );
        assert_eq!(
            store.record_versions(&ana, id).await.ok_on(name).len(),
            3,
            "{name}"
        );

        // A record that was once shown to carol and is no longer: none of it is.
        let once = create(&backend, &ana, labelled(Kind::Report, "once", Some("NGO"))).await;
        patch(
            &backend,
            &ana,
            once,
            1,
            RecordPatch {
                label: Some(Some(label("LE"))),
                ..Default::default()
            },
        )
        .await;
        assert_not_found(
            store.record_versions(&carol, once).await,
            &format!("{name}: versions of a record now above clearance"),
        );
        assert_not_found(store.record(&carol, once).await, name);
    }
}

#[tokio::test]
async fn admins_grant_and_revoke_defined_authorizations() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        let definitions = store.authorization_definitions().await.ok_on(name);
        assert_eq!(
            definitions
                .iter()
                .map(|definition| (definition.name.as_str(), definition.defined_by.as_str()))
                .collect::<Vec<_>>(),
            [("LE", "admin"), ("NGO", "admin")],
            "{name}"
        );
        let ngo_record = create(&backend, &ana(), labelled(Kind::Report, "ngo", Some("NGO"))).await;
        add_user(&backend, "ben").await;
        let sight = |user: &humdex_model::User| Reader::new(user);
        let (user, _) = store.credentials("ben").await.ok_on(name);
        assert_not_found(
            store.record(&sight(&user), ngo_record).await,
            &format!("{name}: before the grant"),
        );

        let head = store.journal_head().await.ok_on(name);
        let changed = store
            .set_authorizations("admin", "ben", BTreeSet::from(["NGO".to_owned()]), now())
            .await
            .ok_on(name);
        assert_eq!(
            changed,
            (vec!["NGO".to_owned()], vec!["LE".to_owned()]),
            "{name}: granted and revoked"
        );
        let (user, _) = store.credentials("ben").await.ok_on(name);
        assert_eq!(user.authorizations, ["NGO"], "{name}");
        read(&backend, &sight(&user), ngo_record).await;
        let journal = store.journal_after(head, 10).await.ok_on(name);
        assert_eq!(
            journal
                .iter()
                .map(|change| (
                    change.change,
                    change.subject.as_str(),
                    change.actor.as_str()
                ))
                .collect::<Vec<_>>(),
            [(ChangeKind::AuthorizationsChanged, "ben", "admin")],
            "{name}"
        );

        let head = store.journal_head().await.ok_on(name);
        let unchanged = store
            .set_authorizations("admin", "ben", BTreeSet::from(["NGO".to_owned()]), now())
            .await
            .ok_on(name);
        assert_eq!(unchanged, (vec![], vec![]), "{name}");
        let unknown = store
            .set_authorizations(
                "admin",
                "ben",
                BTreeSet::from(["GHOST".to_owned(), "LE".to_owned()]),
                now(),
            )
            .await;
        assert_invalid_at(unknown, "authorizations", &format!("{name}: unknown"));
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: no change, nothing journalled"
        );
        assert_eq!(
            store.credentials("ben").await.ok_on(name).0.authorizations,
            ["NGO"],
            "{name}: a refused change changes nothing"
        );
        assert_not_found(
            store
                .set_authorizations("admin", "nobody", BTreeSet::new(), now())
                .await,
            &format!("{name}: no such user"),
        );
        let revoked = store
            .set_authorizations("admin", "ben", BTreeSet::new(), now())
            .await
            .ok_on(name);
        assert_eq!(revoked, (vec![], vec!["NGO".to_owned()]), "{name}");
        let (user, _) = store.credentials("ben").await.ok_on(name);
        assert_not_found(
            store.record(&sight(&user), ngo_record).await,
            &format!("{name}: after the revocation"),
        );
    }
}

/// Every change to a user is journalled with the next version of that user, whichever part of
/// the store makes it.
#[tokio::test]
async fn user_versions_count_authorization_changes_with_the_rest() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        add_user(&backend, "ben").await;
        store
            .set_authorizations("admin", "ben", BTreeSet::from(["NGO".to_owned()]), now())
            .await
            .ok_on(name);
        store
            .set_disabled("admin", "ben", true, now())
            .await
            .ok_on(name);
        store
            .set_authorizations("admin", "ben", BTreeSet::new(), now())
            .await
            .ok_on(name);
        store
            .set_disabled("admin", "ben", false, now())
            .await
            .ok_on(name);
        let versions: Vec<(ChangeKind, i64)> = store
            .journal_after(0, 100)
            .await
            .ok_on(name)
            .iter()
            .filter(|change| change.subject == "ben")
            .map(|change| (change.change, change.version))
            .collect();
        assert_eq!(
            versions,
            [
                (ChangeKind::UserAdded, 1),
                (ChangeKind::AuthorizationsChanged, 2),
                (ChangeKind::UserDisabled, 3),
                (ChangeKind::AuthorizationsChanged, 4),
                (ChangeKind::UserEnabled, 5),
            ],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_partner_sees_only_their_own_records() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        define(&backend, &["LE", "NGO"]).await;
        let ana = ana();
        let pia = reader("pia", Role::Partner, &["NGO"]);
        let base = now();
        let mut made = Vec::new();
        for (index, (writer, record_label)) in [
            (&pia, None),
            (&ana, None),
            (&pia, Some("NGO")),
            (&ana, Some("NGO")),
        ]
        .into_iter()
        .enumerate()
        {
            let id = store
                .create_record(
                    writer,
                    labelled(Kind::Report, &format!("record {index}"), record_label),
                    Channel::Api,
                    None,
                    later(base, index as i64),
                )
                .await
                .ok_on(name)
                .id;
            made.push(id);
        }
        let (own, others) = ([made[2], made[0]], [made[1], made[3]]);
        assert_eq!(
            ids(&list_all(&backend, &pia, &RecordFilter::default(), 1).await),
            own,
            "{name}"
        );
        let in_intake = RecordFilter {
            state: Some(State::Intake),
            ..Default::default()
        };
        assert_eq!(
            ids(&list_all(&backend, &pia, &in_intake, 10).await),
            own,
            "{name}"
        );
        for id in own {
            read(&backend, &pia, id).await;
            assert_eq!(
                store.record_versions(&pia, id).await.ok_on(name).len(),
                1,
                "{name}"
            );
        }
        for id in others {
            assert_not_found(store.record(&pia, id).await, name);
            assert_not_found(store.record_versions(&pia, id).await, name);
            assert_not_found(
                store
                    .update_record(&pia, id, 1, RecordPatch::default(), now())
                    .await,
                name,
            );
        }
        let (changes, _) = feed(&backend, &pia, 100).await;
        assert!(
            changes
                .iter()
                .all(|change| others.iter().all(|id| change.subject != id.to_string())),
            "{name}: nothing of others' records in the feed"
        );
        // Not even an unlabelled record of someone else shows, however it is asked for.
        let serialized = json(&list_all(&backend, &pia, &RecordFilter::default(), 10).await);
        assert!(
            !serialized.contains("record 1") && !serialized.contains("record 3"),
            "{name}"
        );
        caught_up_counts(&backend).await;
        assert_eq!(
            without_zeros(store.state_counts(&pia).await.ok_on(name)),
            StateCounts::default(),
            "{name}: partners get no counters"
        );
        assert_eq!(
            ids(&list_all(&backend, &ana, &RecordFilter::default(), 10).await),
            [made[3], made[2], made[1], made[0]],
            "{name}: an analyst sees every record"
        );
    }
}

/// Random labels and readers: nothing leaks, and more authorizations see more.
mod properties {
    use proptest::prelude::*;

    use super::*;

    const AUTHORIZATIONS: [&str; 4] = ["A", "B", "C", "D"];

    /// An access expression over A to D, built as a tree so the test can evaluate it itself.
    #[derive(Debug, Clone)]
    enum Expr {
        Token(usize),
        All(Vec<Expr>),
        Any(Vec<Expr>),
    }

    impl Expr {
        fn render(&self) -> String {
            let join = |parts: &[Expr], operator: &str| {
                parts
                    .iter()
                    .map(|part| match part {
                        Expr::Token(_) => part.render(),
                        _ => format!("({})", part.render()),
                    })
                    .collect::<Vec<_>>()
                    .join(operator)
            };
            match self {
                Self::Token(index) => AUTHORIZATIONS[*index].to_owned(),
                Self::All(parts) => join(parts, "&"),
                Self::Any(parts) => join(parts, "|"),
            }
        }

        fn allows(&self, held: &BTreeSet<usize>) -> bool {
            match self {
                Self::Token(index) => held.contains(index),
                Self::All(parts) => parts.iter().all(|part| part.allows(held)),
                Self::Any(parts) => parts.iter().any(|part| part.allows(held)),
            }
        }
    }

    fn allows(expr: Option<&Expr>, held: &BTreeSet<usize>) -> bool {
        expr.is_none_or(|expr| expr.allows(held))
    }

    fn render(expr: Option<&Expr>) -> Option<Label> {
        expr.map(|expr| label(&expr.render()))
    }

    fn expr() -> impl Strategy<Value = Expr> {
        (0..AUTHORIZATIONS.len())
            .prop_map(Expr::Token)
            .prop_recursive(2, 8, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 2..=3).prop_map(Expr::All),
                    prop::collection::vec(inner, 2..=3).prop_map(Expr::Any),
                ]
            })
    }

    fn maybe_label() -> impl Strategy<Value = Option<Expr>> {
        prop::option::weighted(0.7, expr())
    }

    /// A field as generated: its label and the random word in its value.
    type FieldPlan = (Option<Expr>, String);

    /// A later version: a new record label, whether it is a pointer, and new values (with new
    /// labels) for some fields.
    #[derive(Debug, Clone)]
    struct PatchPlan {
        label: Option<Expr>,
        pointer: bool,
        fields: Vec<Option<FieldPlan>>,
    }

    #[derive(Debug, Clone)]
    struct RecordPlan {
        label: Option<Expr>,
        pointer: bool,
        fields: Vec<FieldPlan>,
        patches: Vec<PatchPlan>,
    }

    fn word() -> impl Strategy<Value = String> {
        // No hex digits, so a word cannot turn up inside an id.
        "[g-z]{6}"
    }

    fn record_plan() -> impl Strategy<Value = RecordPlan> {
        (
            maybe_label(),
            any::<bool>(),
            prop::collection::vec((maybe_label(), word()), 1..=3),
        )
            .prop_flat_map(|(label, pointer, fields)| {
                let count = fields.len();
                let patch = (
                    maybe_label(),
                    any::<bool>(),
                    prop::collection::vec(prop::option::of((maybe_label(), word())), count),
                )
                    .prop_map(|(label, pointer, fields)| PatchPlan {
                        label,
                        pointer,
                        fields,
                    });
                prop::collection::vec(patch, 0..=2).prop_map(move |patches| RecordPlan {
                    label: label.clone(),
                    pointer,
                    fields: fields.clone(),
                    patches,
                })
            })
    }

    fn held() -> impl Strategy<Value = BTreeSet<usize>> {
        prop::collection::btree_set(0..AUTHORIZATIONS.len(), 0..=AUTHORIZATIONS.len())
    }

    /// One stored version as the test expects it.
    #[derive(Debug, Clone)]
    struct ModelVersion {
        label: Option<Expr>,
        pointer: bool,
        /// By field name: value and label.
        fields: BTreeMap<String, (String, Option<Expr>)>,
    }

    impl ModelVersion {
        /// The fields `held` sees, or `None` if the version is not shown in full.
        fn visible(&self, held: &BTreeSet<usize>) -> Option<BTreeMap<String, String>> {
            allows(self.label.as_ref(), held).then(|| {
                self.fields
                    .iter()
                    .filter(|(_, (_, field_label))| allows(field_label.as_ref(), held))
                    .map(|(name, (value, _))| (name.clone(), value.clone()))
                    .collect()
            })
        }
    }

    struct ModelRecord {
        id: RecordId,
        versions: Vec<ModelVersion>,
    }

    impl ModelRecord {
        fn current(&self) -> &ModelVersion {
            self.versions.last().unwrap()
        }
    }

    fn value_of(record: usize, version: usize, field: usize, word: &str) -> String {
        format!("S{record}x{version}x{field}{word}")
    }

    async fn write(backend: &Backend, plans: &[RecordPlan]) -> Vec<ModelRecord> {
        let writer = reader("writer", Role::Analyst, &AUTHORIZATIONS);
        let mut model = Vec::new();
        for (r, plan) in plans.iter().enumerate() {
            let mut version = ModelVersion {
                label: plan.label.clone(),
                pointer: plan.pointer,
                fields: plan
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(f, (field_label, word))| {
                        (
                            format!("f{f}"),
                            (value_of(r, 1, f, word), field_label.clone()),
                        )
                    })
                    .collect(),
            };
            let mut new = labelled(Kind::Report, &format!("record {r}"), None);
            new.label = render(version.label.as_ref());
            new.label_pointer = version.pointer;
            new.fields = version
                .fields
                .iter()
                .map(|(name, (value, field_label))| {
                    (
                        field_name(name),
                        humdex_model::Field {
                            value: humdex_model::FieldValue::Text(value.clone()),
                            label: render(field_label.as_ref()),
                        },
                    )
                })
                .collect();
            let id = create(backend, &writer, new).await;
            let mut versions = vec![version.clone()];
            for (p, patch_plan) in plan.patches.iter().enumerate() {
                let number = p + 2;
                let mut record_patch = RecordPatch {
                    label: Some(render(patch_plan.label.as_ref())),
                    label_pointer: Some(patch_plan.pointer),
                    ..Default::default()
                };
                version.label = patch_plan.label.clone();
                version.pointer = patch_plan.pointer;
                for (f, change) in patch_plan.fields.iter().enumerate() {
                    let Some((field_label, word)) = change else {
                        continue;
                    };
                    let value = value_of(r, number, f, word);
                    record_patch.fields.insert(
                        field_name(&format!("f{f}")),
                        Some(humdex_model::Field {
                            value: humdex_model::FieldValue::Text(value.clone()),
                            label: render(field_label.as_ref()),
                        }),
                    );
                    version
                        .fields
                        .insert(format!("f{f}"), (value, field_label.clone()));
                }
                patch(backend, &writer, id, number as i64 - 1, record_patch).await;
                versions.push(version.clone());
            }
            model.push(ModelRecord { id, versions });
        }
        model
    }

    /// The (record, field, value) triples a reader saw, per read path.
    #[derive(Debug, Default)]
    struct Seen {
        record: BTreeSet<(RecordId, String, String)>,
        list: BTreeSet<(RecordId, String, String)>,
        versions: BTreeSet<(RecordId, String, String)>,
        feed: BTreeSet<(String, i64)>,
    }

    /// Who reads, on which backend, and every secret value written.
    #[derive(Clone, Copy)]
    struct Reading<'a> {
        name: &'a str,
        held: &'a BTreeSet<usize>,
        secrets: &'a BTreeSet<String>,
    }

    /// Checks one view of `model_version` of record `id` as `held` sees it, and notes what it
    /// showed. Every secret value but those the reader may see must be absent from it.
    fn check_view(
        reading: &Reading<'_>,
        path: &str,
        id: RecordId,
        view: &RecordView,
        model_version: &ModelVersion,
        seen: &mut BTreeSet<(RecordId, String, String)>,
    ) {
        let Reading {
            name,
            held,
            secrets,
        } = *reading;
        let serialized = json(view);
        let allowed = model_version.visible(held);
        match (view, &allowed) {
            (RecordView::Full(visible), Some(fields)) => {
                let shown: BTreeMap<String, String> = visible
                    .record()
                    .fields
                    .iter()
                    .map(|(field, value)| {
                        let humdex_model::FieldValue::Text(text) = &value.value else {
                            panic!("{name}: {path}: a text field");
                        };
                        (field.as_str().to_owned(), text.clone())
                    })
                    .collect();
                assert_eq!(
                    &shown, fields,
                    "{name}: {path}: fields of {id} for {held:?}"
                );
                let withheld: BTreeSet<String> = visible
                    .withheld_fields()
                    .iter()
                    .map(|field| field.as_str().to_owned())
                    .collect();
                let want: BTreeSet<String> = model_version
                    .fields
                    .keys()
                    .filter(|field| !fields.contains_key(*field))
                    .cloned()
                    .collect();
                assert_eq!(withheld, want, "{name}: {path}: withheld of {id}");
                seen.extend(shown.into_iter().map(|(field, value)| (id, field, value)));
            }
            (RecordView::Pointer(pointer), None) => {
                assert!(
                    model_version.pointer,
                    "{name}: {path}: {id} is no pointer for {held:?}"
                );
                assert_eq!(pointer.id, id, "{name}: {path}");
            }
            _ => panic!("{name}: {path}: {id} for {held:?}: got {view:?}, want {allowed:?}"),
        }
        let allowed: BTreeSet<&String> =
            allowed.iter().flat_map(|fields| fields.values()).collect();
        for secret in secrets.iter().filter(|secret| !allowed.contains(secret)) {
            assert!(
                !serialized.contains(secret.as_str()),
                "{name}: {path}: {secret} leaked to {held:?} from {id}: {serialized}"
            );
        }
    }

    async fn read_everything(
        backend: &Backend,
        model: &[ModelRecord],
        held: &BTreeSet<usize>,
    ) -> Seen {
        let name = backend.name;
        let store = &backend.store;
        let tokens: Vec<&str> = held.iter().map(|index| AUTHORIZATIONS[*index]).collect();
        let who = reader("reader", Role::Analyst, &tokens);
        let secrets: BTreeSet<String> = model
            .iter()
            .flat_map(|record| &record.versions)
            .flat_map(|version| version.fields.values().map(|(value, _)| value.clone()))
            .collect();
        let mut seen = Seen::default();
        let reading = Reading {
            name,
            held,
            secrets: &secrets,
        };

        for record in model {
            let current = record.current();
            let full = allows(current.label.as_ref(), held);
            match store.record(&who, record.id).await {
                Ok(view) => check_view(
                    &reading,
                    "record",
                    record.id,
                    &view,
                    current,
                    &mut seen.record,
                ),
                Err(Error::NotFound) => assert!(
                    !full && !current.pointer,
                    "{name}: {} is hidden from {held:?}",
                    record.id
                ),
                Err(error) => panic!("{name}: record: {error:?}"),
            }
            match store.record_versions(&who, record.id).await {
                Ok(versions) => {
                    assert!(full, "{name}: versions of {} for {held:?}", record.id);
                    let want: Vec<&ModelVersion> = record
                        .versions
                        .iter()
                        .filter(|version| allows(version.label.as_ref(), held))
                        .collect();
                    assert_eq!(
                        versions.len(),
                        want.len(),
                        "{name}: versions of {} for {held:?}",
                        record.id
                    );
                    for (visible, model_version) in versions.into_iter().zip(want) {
                        check_view(
                            &reading,
                            "versions",
                            record.id,
                            &RecordView::Full(Box::new(visible)),
                            model_version,
                            &mut seen.versions,
                        );
                    }
                }
                Err(Error::NotFound) => assert!(!full && !current.pointer, "{name}"),
                Err(Error::Denied(_)) => assert!(!full && current.pointer, "{name}"),
                Err(error) => panic!("{name}: versions: {error:?}"),
            }
        }

        let listed = list_all(backend, &who, &RecordFilter::default(), 2).await;
        let want: Vec<RecordId> = model
            .iter()
            .rev()
            .filter(|record| {
                allows(record.current().label.as_ref(), held) || record.current().pointer
            })
            .map(|record| record.id)
            .collect();
        assert_eq!(ids(&listed), want, "{name}: list for {held:?}");
        for view in &listed {
            let record = model.iter().find(|record| record.id == view.id()).unwrap();
            check_view(
                &reading,
                "list",
                record.id,
                view,
                record.current(),
                &mut seen.list,
            );
        }

        let (changes, _) = feed(backend, &who, 3).await;
        let serialized = json(&changes);
        for secret in &secrets {
            assert!(
                !serialized.contains(secret.as_str()),
                "{name}: the feed shows no values"
            );
        }
        let shown: BTreeSet<(String, i64)> = changes
            .iter()
            .filter(|change| change.kind.is_some())
            .map(|change| (change.subject.clone(), change.version))
            .collect();
        let want: BTreeSet<(String, i64)> = model
            .iter()
            .flat_map(|record| {
                record
                    .versions
                    .iter()
                    .enumerate()
                    .filter(|(_, version)| allows(version.label.as_ref(), held))
                    .map(|(index, _)| (record.id.to_string(), index as i64 + 1))
            })
            .collect();
        assert_eq!(shown, want, "{name}: feed for {held:?}");
        seen.feed = shown;
        seen
    }

    async fn check(plans: Vec<RecordPlan>, small: BTreeSet<usize>, more: BTreeSet<usize>) {
        let large: BTreeSet<usize> = small.union(&more).copied().collect();
        for backend in stores().await {
            let name = backend.name;
            define(&backend, &AUTHORIZATIONS).await;
            let model = write(&backend, &plans).await;
            let few = read_everything(&backend, &model, &small).await;
            let many = read_everything(&backend, &model, &large).await;
            for (path, few, many) in [
                ("record", &few.record, &many.record),
                ("list", &few.list, &many.list),
                ("versions", &few.versions, &many.versions),
            ] {
                assert!(
                    few.is_subset(many),
                    "{name}: {path}: {small:?} saw {:?} that {large:?} did not",
                    few.difference(many).collect::<Vec<_>>()
                );
            }
            assert!(
                few.feed.is_subset(&many.feed),
                "{name}: feed: {small:?} saw more than {large:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn labels_never_leak_and_more_authorizations_see_more(
            plans in prop::collection::vec(record_plan(), 1..=4),
            small in held(),
            more in held(),
        ) {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(check(plans, small, more));
        }
    }
}
