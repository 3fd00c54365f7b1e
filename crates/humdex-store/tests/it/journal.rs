use humdex_model::{Assignee, Change, ChangeKind, Channel, Kind, RecordPatch, State};

use crate::util::{OkOn, add_user, analyst, create, now, record, set_pool, stores, versions};

/// The parts of a change a test can predict: kind, subject, version, actor, record kind, state, previous state.
type Expected = (
    ChangeKind,
    String,
    i64,
    &'static str,
    Option<Kind>,
    Option<State>,
    Option<State>,
);

fn predictable(change: &Change) -> Expected {
    let actor: &'static str = match change.actor.as_str() {
        "admin" => "admin",
        "ana" => "ana",
        "ben" => "ben",
        other => panic!("unexpected actor {other}"),
    };
    (
        change.change,
        change.subject.clone(),
        change.version,
        actor,
        change.kind,
        change.state,
        change.previous_state,
    )
}

#[tokio::test]
async fn every_change_appends_one_entry_in_order() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let (ana, ben) = (analyst("ana"), analyst("ben"));
        assert_eq!(
            store.journal_head().await.ok_on(name),
            0,
            "{name}: a new store has an empty journal"
        );
        let mut expected: Vec<Expected> = Vec::new();

        add_user(&backend, "ana").await;
        expected.push((
            ChangeKind::UserAdded,
            "ana".into(),
            1,
            "admin",
            None,
            None,
            None,
        ));
        set_pool(&backend, "triage", &["ana"]).await;
        expected.push((
            ChangeKind::PoolChanged,
            "triage".into(),
            1,
            "admin",
            None,
            None,
            None,
        ));
        set_pool(&backend, "triage", &[]).await;
        expected.push((
            ChangeKind::PoolChanged,
            "triage".into(),
            2,
            "admin",
            None,
            None,
            None,
        ));
        set_pool(&backend, "triage", &["ana"]).await;
        expected.push((
            ChangeKind::PoolChanged,
            "triage".into(),
            3,
            "admin",
            None,
            None,
            None,
        ));

        let at = now();
        let id = store
            .create_record(&ben, record(Kind::Request, "t"), Channel::Api, None, at)
            .await
            .ok_on(name)
            .id;
        let subject = id.to_string();
        let record_change = |change, version, actor, state, previous| {
            (
                change,
                subject.clone(),
                version,
                actor,
                Some(Kind::Request),
                Some(state),
                previous,
            )
        };
        expected.push(record_change(
            ChangeKind::RecordCreated,
            1,
            "ben",
            State::Intake,
            None,
        ));
        let patch = RecordPatch {
            title: Some("edited".into()),
            ..Default::default()
        };
        store
            .update_record(&ana, id, 1, patch, now())
            .await
            .ok_on(name);
        expected.push(record_change(
            ChangeKind::RecordUpdated,
            2,
            "ana",
            State::Intake,
            Some(State::Intake),
        ));
        store
            .transition(&ana, id, Some(State::Analysis), None, Some(2), now())
            .await
            .ok_on(name);
        expected.push(record_change(
            ChangeKind::RecordTransitioned,
            3,
            "ana",
            State::Analysis,
            Some(State::Intake),
        ));
        store
            .attach(
                &ben,
                id,
                "a.txt".into(),
                "text/plain".into(),
                None,
                b"a".to_vec(),
                now(),
            )
            .await
            .ok_on(name);
        expected.push(record_change(
            ChangeKind::AttachmentAdded,
            4,
            "ben",
            State::Analysis,
            Some(State::Analysis),
        ));
        store
            .transition(
                &ben,
                id,
                None,
                Some(Some(Assignee::Pool("triage".into()))),
                None,
                now(),
            )
            .await
            .ok_on(name);
        expected.push(record_change(
            ChangeKind::RecordTransitioned,
            5,
            "ben",
            State::Analysis,
            Some(State::Analysis),
        ));
        store.claim(&ana, id, now()).await.ok_on(name);
        expected.push(record_change(
            ChangeKind::RecordClaimed,
            6,
            "ana",
            State::Analysis,
            Some(State::Analysis),
        ));
        store
            .transition(&ana, id, Some(State::Dissemination), None, Some(6), now())
            .await
            .ok_on(name);
        expected.push(record_change(
            ChangeKind::RecordTransitioned,
            7,
            "ana",
            State::Dissemination,
            Some(State::Analysis),
        ));

        // Refused changes, and an attachment the record already carries, append nothing.
        assert!(
            store
                .transition(&ana, id, Some(State::Intake), None, None, now())
                .await
                .is_err(),
            "{name}"
        );
        assert!(
            store
                .update_record(&ana, id, 1, RecordPatch::default(), now())
                .await
                .is_err(),
            "{name}"
        );
        assert!(store.claim(&ana, id, now()).await.is_err(), "{name}");
        store
            .attach(
                &ben,
                id,
                "a.txt".into(),
                "text/plain".into(),
                None,
                b"a".to_vec(),
                now(),
            )
            .await
            .ok_on(name);

        let journal = store.journal_after(0, 1000).await.ok_on(name);
        let got: Vec<Expected> = journal.iter().map(predictable).collect();
        assert_eq!(got, expected, "{name}: one entry per change, in order");
        assert!(
            journal.windows(2).all(|pair| pair[0].seq < pair[1].seq),
            "{name}: sequence numbers increase"
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            journal.last().unwrap().seq,
            "{name}: the head is the last entry"
        );
        let created = journal
            .iter()
            .find(|change| change.change == ChangeKind::RecordCreated)
            .unwrap();
        assert_eq!(
            created.at.as_millisecond(),
            at.as_millisecond(),
            "{name}: the entry carries the change's time"
        );
        // Each record entry names the version it made, which the store keeps.
        let versions = versions(&backend, &ana, id).await;
        for change in journal.iter().filter(|change| change.subject == subject) {
            let version = &versions[change.version as usize - 1];
            assert_eq!(
                (version.version, Some(version.state)),
                (change.version, change.state),
                "{name}: seq {}",
                change.seq
            );
        }
    }
}

#[tokio::test]
async fn journal_after_reads_in_pages() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        for index in 0..10 {
            let id = create(store, &ana, Kind::Report, &format!("record {index}"))
                .await
                .ok_on(name)
                .id;
            if index % 2 == 0 {
                store
                    .transition(&ana, id, Some(State::Analysis), None, Some(1), now())
                    .await
                    .ok_on(name);
            }
        }
        let all = store.journal_after(0, 1000).await.ok_on(name);
        assert_eq!(all.len(), 15, "{name}");
        let head = store.journal_head().await.ok_on(name);
        assert_eq!(all.last().map(|change| change.seq), Some(head), "{name}");

        for limit in [1, 4, 15, 100] {
            let mut paged = Vec::new();
            let mut after = 0;
            loop {
                let page = store.journal_after(after, limit).await.ok_on(name);
                assert!(page.len() <= limit as usize, "{name}: at most {limit}");
                let Some(last) = page.last() else { break };
                after = last.seq;
                paged.extend(page);
            }
            assert_eq!(
                paged, all,
                "{name}: pages of {limit} read the whole journal once, in order"
            );
        }
        let from_middle = store.journal_after(all[6].seq, 3).await.ok_on(name);
        assert_eq!(
            from_middle,
            all[7..10],
            "{name}: entries strictly after the position"
        );
        assert!(
            store.journal_after(head, 10).await.ok_on(name).is_empty(),
            "{name}: nothing after the head"
        );
        assert!(
            store.journal_after(0, 0).await.ok_on(name).is_empty(),
            "{name}: a limit of 0 reads nothing"
        );
    }
}

/// Two nodes sharing one PostgreSQL write at once while a third tails the journal: the tailer,
/// reading `seq > last` as fast as it can, must never step over an entry that becomes visible
/// later (a sequence taken by a transaction that commits after a higher one).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailer_never_skips_entries_committed_out_of_order() {
    let Some(database) = humdex_testkit::TestDatabase::postgres().await else {
        return;
    };
    let nodes = [
        humdex_store::Store::open(&database.url).await.unwrap(),
        humdex_store::Store::open(&database.url).await.unwrap(),
    ];
    let tailer = humdex_store::Store::open(&database.url).await.unwrap();
    let start = tailer.journal_head().await.unwrap();

    let mut writers = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        for client in 0..8 {
            let node = node.clone();
            writers.push(tokio::spawn(async move {
                for n in 0..40 {
                    let title = format!("node {index} client {client} record {n}");
                    create(&node, &analyst("ana"), Kind::Report, &title)
                        .await
                        .unwrap();
                }
            }));
        }
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writing = done.clone();
    let tail = tokio::spawn(async move {
        let mut seen = Vec::new();
        let mut last = start;
        loop {
            let finished = writing.load(std::sync::atomic::Ordering::SeqCst);
            let changes = tailer.journal_after(last, 100).await.unwrap();
            if changes.is_empty() && finished {
                return (seen, tailer);
            }
            for change in changes {
                last = change.seq;
                seen.push(change.seq);
            }
        }
    });
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (seen, tailer) = tail.await.unwrap();
    let all: Vec<_> = tailer
        .journal_after(start, 1000)
        .await
        .unwrap()
        .iter()
        .map(|change| change.seq)
        .collect();
    assert_eq!(all.len(), 640);
    assert_eq!(
        seen, all,
        "postgres: the tailer skipped entries that became visible late"
    );
}
