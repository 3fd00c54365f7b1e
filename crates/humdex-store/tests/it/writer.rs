use std::collections::BTreeSet;

use humdex_model::{ChangeKind, Kind, RecordId, RecordPatch, RecordView, State};
use humdex_store::{Error, RecordFilter};
use tokio::task::JoinSet;

use crate::util::{OkOn, analyst, create, now, read, stores, versions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_all_commit() {
    for backend in stores().await {
        let name = backend.name;
        let ana = analyst("ana");
        let mut tasks = JoinSet::new();
        for index in 0..200 {
            let (store, ana) = (backend.store.clone(), ana.clone());
            tasks.spawn(async move {
                let kind = if index % 2 == 0 {
                    Kind::Report
                } else {
                    Kind::Request
                };
                create(&store, &ana, kind, &format!("record {index}")).await
            });
        }
        let mut ids = BTreeSet::new();
        while let Some(joined) = tasks.join_next().await {
            let created = joined.unwrap().ok_on(name);
            assert_eq!((created.version, created.replayed), (1, false), "{name}");
            ids.insert(created.id);
        }
        assert_eq!(ids.len(), 200, "{name}: 200 distinct ids");

        let journal = backend.store.journal_after(0, 1000).await.ok_on(name);
        assert_eq!(journal.len(), 200, "{name}: one journal entry per record");
        assert!(
            journal.windows(2).all(|pair| pair[0].seq < pair[1].seq),
            "{name}: sequence numbers strictly increase"
        );
        assert!(
            journal
                .iter()
                .all(|change| change.change == ChangeKind::RecordCreated),
            "{name}"
        );
        let subjects: BTreeSet<RecordId> = journal
            .iter()
            .map(|change| change.subject.parse().unwrap())
            .collect();
        assert_eq!(subjects, ids, "{name}: the journal names every record once");
        assert_eq!(
            backend.store.journal_head().await.ok_on(name),
            journal.last().unwrap().seq,
            "{name}"
        );

        let listed = backend
            .store
            .records(&ana, &RecordFilter::default(), None, 1000)
            .await
            .ok_on(name);
        let listed: BTreeSet<RecordId> = listed.records.iter().map(RecordView::id).collect();
        assert_eq!(listed, ids, "{name}: every record is stored");
    }
}

/// What each write of the mixed burst was, so its result can be checked.
enum Write {
    Create,
    Update(RecordId),
    StaleUpdate(RecordId),
    IllegalTransition(RecordId),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_writes_fail_alone() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let (ana, ben) = (analyst("ana"), analyst("ben"));
        let mut existing = Vec::new();
        for index in 0..40 {
            let id = create(store, &ana, Kind::Report, &format!("existing {index}"))
                .await
                .ok_on(name)
                .id;
            existing.push(id);
        }
        let head = store.journal_head().await.ok_on(name);

        // Every record gets a good edit of version 1, an edit of a version that never exists
        // (stale against the good edit whichever runs first), and an illegal move; creates are mixed between.
        let mut writes = Vec::new();
        for (index, id) in existing.iter().enumerate() {
            writes.push(Write::Create);
            writes.push(Write::StaleUpdate(*id));
            writes.push(Write::Update(*id));
            writes.push(Write::IllegalTransition(*id));
            if index % 2 == 0 {
                writes.push(Write::Create);
            }
        }
        let mut tasks = JoinSet::new();
        for (position, write) in writes.into_iter().enumerate() {
            let (store, ben) = (store.clone(), ben.clone());
            tasks.spawn(async move {
                let patch = RecordPatch {
                    narrative: Some(format!("write {position}")),
                    ..Default::default()
                };
                let result = match &write {
                    Write::Create => {
                        create(&store, &ben, Kind::Request, &format!("new {position}"))
                            .await
                            .map(|created| created.version)
                    }
                    Write::Update(id) => store.update_record(&ben, *id, 1, patch, now()).await,
                    Write::StaleUpdate(id) => store.update_record(&ben, *id, 0, patch, now()).await,
                    Write::IllegalTransition(id) => {
                        store
                            .transition(&ben, *id, Some(State::Archived), None, None, now())
                            .await
                    }
                };
                (write, result)
            });
        }
        let mut successes = 0;
        while let Some(joined) = tasks.join_next().await {
            let (write, result) = joined.unwrap();
            match write {
                Write::Create => {
                    assert_eq!(result.ok_on(name), 1, "{name}");
                    successes += 1;
                }
                Write::Update(id) => {
                    assert_eq!(
                        result.ok_on(name),
                        2,
                        "{name}: the good edit of {id} commits"
                    );
                    successes += 1;
                }
                Write::StaleUpdate(id) => assert!(
                    matches!(
                        result,
                        Err(Error::VersionConflict {
                            expected: 0,
                            current: 1 | 2
                        })
                    ),
                    "{name}: the stale edit of {id} fails: {result:?}"
                ),
                Write::IllegalTransition(id) => assert!(
                    matches!(
                        result,
                        Err(Error::IllegalTransition {
                            from: State::Intake,
                            to: State::Archived
                        })
                    ),
                    "{name}: the illegal move of {id} fails: {result:?}"
                ),
            }
        }
        assert_eq!(successes, 60 + 40, "{name}: 60 creates and 40 good edits");

        let journal = store.journal_after(head, 1000).await.ok_on(name);
        assert_eq!(
            journal.len(),
            successes,
            "{name}: only the successful writes are journaled"
        );
        assert!(
            journal.windows(2).all(|pair| pair[0].seq < pair[1].seq),
            "{name}"
        );
        let updated = journal
            .iter()
            .filter(|change| change.change == ChangeKind::RecordUpdated)
            .count();
        assert_eq!(updated, 40, "{name}");
        for id in &existing {
            let stored = read(&backend, &ana, *id).await;
            assert_eq!(
                (stored.version, stored.state),
                (2, State::Intake),
                "{name}: {id} took exactly the good edit"
            );
            assert_eq!(versions(&backend, &ana, *id).await.len(), 2, "{name}");
        }
        let all = store
            .records(&ana, &RecordFilter::default(), None, 1000)
            .await
            .ok_on(name);
        assert_eq!(all.records.len(), 40 + 60, "{name}: every create committed");
    }
}
