use humdex_model::{Assignee, ChangeKind, Channel, Kind, State};
use humdex_store::Error;

use crate::util::{OkOn, add_user, analyst, create, now, read, record, set_pool, stores, versions};

#[tokio::test]
async fn legal_path_moves_through_every_state() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        let id = create(store, &ana, Kind::Report, "t").await.ok_on(name).id;
        let path = [
            State::Analysis,
            State::Dissemination,
            State::Archived,
            State::Analysis,
        ];
        for (step, to) in path.into_iter().enumerate() {
            let expected = step as i64 + 1;
            let version = store
                .transition(&ana, id, Some(to), None, Some(expected), now())
                .await
                .ok_on(name);
            assert_eq!(version, expected + 1, "{name}: step {step} to {to}");
            let stored = read(&backend, &ana, id).await;
            assert_eq!(
                (stored.state, stored.version),
                (to, expected + 1),
                "{name}: step {step}"
            );
        }
        // From dissemination the way back to analysis is open too.
        store
            .transition(&ana, id, Some(State::Dissemination), None, None, now())
            .await
            .ok_on(name);
        assert_eq!(
            store
                .transition(&ana, id, Some(State::Analysis), None, None, now())
                .await
                .ok_on(name),
            7,
            "{name}"
        );
        let states: Vec<State> = versions(&backend, &ana, id)
            .await
            .iter()
            .map(|record| record.state)
            .collect();
        assert_eq!(
            states,
            [
                State::Intake,
                State::Analysis,
                State::Dissemination,
                State::Archived,
                State::Analysis,
                State::Dissemination,
                State::Analysis
            ],
            "{name}: every version is kept"
        );
    }
}

#[tokio::test]
async fn illegal_transition_changes_nothing() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        let id = create(store, &ana, Kind::Request, "t").await.ok_on(name).id;
        let before = read(&backend, &ana, id).await;
        let head = store.journal_head().await.ok_on(name);
        for to in [State::Archived, State::Dissemination, State::Intake] {
            let refused = store
                .transition(&ana, id, Some(to), None, Some(1), now())
                .await;
            assert!(
                matches!(refused, Err(Error::IllegalTransition { from: State::Intake, to: refused_to }) if refused_to == to),
                "{name}: intake to {to}: {refused:?}"
            );
        }
        // An illegal move refuses the assignment that came with it.
        add_user(&backend, "ana").await;
        let head = head + 1;
        let refused = store
            .transition(
                &ana,
                id,
                Some(State::Archived),
                Some(Some(Assignee::User("ana".into()))),
                None,
                now(),
            )
            .await;
        assert!(
            matches!(refused, Err(Error::IllegalTransition { .. })),
            "{name}: {refused:?}"
        );
        let stale = store
            .transition(&ana, id, Some(State::Analysis), None, Some(2), now())
            .await;
        assert!(
            matches!(
                stale,
                Err(Error::VersionConflict {
                    expected: 2,
                    current: 1
                })
            ),
            "{name}: {stale:?}"
        );

        assert_eq!(
            read(&backend, &ana, id).await,
            before,
            "{name}: the record is unchanged"
        );
        assert_eq!(
            versions(&backend, &ana, id).await.len(),
            1,
            "{name}: no version was added"
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: nothing was journaled"
        );

        let missing = store
            .transition(
                &ana,
                humdex_model::RecordId::new(now()),
                Some(State::Analysis),
                None,
                None,
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
async fn assignees_must_exist() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        add_user(&backend, "ana").await;
        set_pool(&backend, "triage", &["ana"]).await;
        let id = create(store, &ana, Kind::Report, "t").await.ok_on(name).id;
        let head = store.journal_head().await.ok_on(name);

        for ghost in [
            Assignee::User("ghost".into()),
            Assignee::Pool("ghost".into()),
        ] {
            let refused = store
                .transition(&ana, id, None, Some(Some(ghost.clone())), None, now())
                .await;
            assert!(
                matches!(&refused, Err(Error::Invalid(invalid)) if invalid.field.as_deref() == Some("assignee")),
                "{name}: {ghost}: {refused:?}"
            );
            let mut new = record(Kind::Report, "assigned at intake");
            new.assignee = Some(ghost.clone());
            let refused = store
                .create_record(&ana, new, Channel::Api, None, now())
                .await;
            assert!(
                matches!(refused, Err(Error::Invalid(_))),
                "{name}: intake assigned to {ghost}: {refused:?}"
            );
        }
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: refused assignments journal nothing"
        );
        assert_eq!(read(&backend, &ana, id).await.version, 1, "{name}");

        let version = store
            .transition(
                &ana,
                id,
                None,
                Some(Some(Assignee::User("ana".into()))),
                Some(1),
                now(),
            )
            .await
            .ok_on(name);
        let stored = read(&backend, &ana, id).await;
        assert_eq!(
            (version, stored.assignee, stored.state),
            (2, Some(Assignee::User("ana".into())), State::Intake),
            "{name}"
        );
        store
            .transition(
                &ana,
                id,
                Some(State::Analysis),
                Some(Some(Assignee::Pool("triage".into()))),
                Some(2),
                now(),
            )
            .await
            .ok_on(name);
        let stored = read(&backend, &ana, id).await;
        assert_eq!(
            (stored.assignee, stored.state),
            (Some(Assignee::Pool("triage".into())), State::Analysis),
            "{name}"
        );
        store
            .transition(&ana, id, None, Some(None), Some(3), now())
            .await
            .ok_on(name);
        assert_eq!(
            read(&backend, &ana, id).await.assignee,
            None,
            "{name}: Some(None) unassigns"
        );
    }
}

#[tokio::test]
async fn pool_members_claim_pool_records() {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let (ana, ben) = (analyst("ana"), analyst("ben"));
        add_user(&backend, "ana").await;
        add_user(&backend, "ben").await;
        set_pool(&backend, "triage", &["ana"]).await;
        let mut new = record(Kind::Report, "for the pool");
        new.assignee = Some(Assignee::Pool("triage".into()));
        let id = store
            .create_record(&ben, new, Channel::Api, None, now())
            .await
            .ok_on(name)
            .id;
        let head = store.journal_head().await.ok_on(name);

        let outsider = store.claim(&ben, id, now()).await;
        assert!(
            matches!(&outsider, Err(Error::NotPoolMember(pool)) if pool == "triage"),
            "{name}: {outsider:?}"
        );
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: a refused claim journals nothing"
        );
        assert_eq!(read(&backend, &ana, id).await.version, 1, "{name}");

        assert_eq!(store.claim(&ana, id, now()).await.ok_on(name), 2, "{name}");
        let stored = read(&backend, &ana, id).await;
        assert_eq!(
            stored.assignee,
            Some(Assignee::User("ana".into())),
            "{name}: the claimer holds the record"
        );
        assert_eq!(
            stored.state,
            State::Intake,
            "{name}: a claim does not move the record"
        );
        let journal = store.journal_after(head, 10).await.ok_on(name);
        assert_eq!(journal.len(), 1, "{name}");
        assert_eq!(
            (
                journal[0].change,
                journal[0].actor.as_str(),
                journal[0].version
            ),
            (ChangeKind::RecordClaimed, "ana", 2),
            "{name}"
        );

        let claimed_again = store.claim(&ana, id, now()).await;
        assert!(
            matches!(claimed_again, Err(Error::NotPoolAssigned)),
            "{name}: {claimed_again:?}"
        );
        let unassigned = create(store, &ben, Kind::Report, "nobody's")
            .await
            .ok_on(name)
            .id;
        let refused = store.claim(&ana, unassigned, now()).await;
        assert!(
            matches!(refused, Err(Error::NotPoolAssigned)),
            "{name}: {refused:?}"
        );

        // Membership is read at claim time: once ben joins the pool, he may claim.
        let mut new = record(Kind::Request, "second");
        new.assignee = Some(Assignee::Pool("triage".into()));
        let second = store
            .create_record(&ana, new, Channel::Api, None, now())
            .await
            .ok_on(name)
            .id;
        set_pool(&backend, "triage", &["ana", "ben"]).await;
        assert_eq!(
            store.claim(&ben, second, now()).await.ok_on(name),
            2,
            "{name}"
        );
        assert_eq!(
            read(&backend, &ana, second).await.assignee,
            Some(Assignee::User("ben".into())),
            "{name}"
        );
    }
}
