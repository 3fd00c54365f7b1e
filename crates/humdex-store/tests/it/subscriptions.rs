use std::collections::BTreeSet;

use humdex_model::{
    ChangeKind, DeliveryChannel, Kind, NewNotification, NewSubscription, Notification, RecordId,
    Role, Subscription, SubscriptionId,
};
use humdex_store::{Error, NewUser, Store};
use humdex_testkit::TestDatabase;
use jiff::Timestamp;
use serde_json::json;

use crate::util::{Backend, OkOn, add_user, analyst, create, later, now, stores};

/// The clock to the millisecond, as the store keeps times.
fn at_ms() -> Timestamp {
    Timestamp::from_millisecond(now().as_millisecond()).unwrap()
}

fn ui(name: &str, query: &str) -> NewSubscription {
    NewSubscription {
        name: name.to_owned(),
        query: query.to_owned(),
        channel: DeliveryChannel::Ui,
        webhook_url: None,
    }
}

fn webhook(name: &str, query: &str) -> NewSubscription {
    NewSubscription {
        channel: DeliveryChannel::Webhook,
        webhook_url: Some("https://hooks.example.org/humdex".to_owned()),
        ..ui(name, query)
    }
}

async fn subscribe(backend: &Backend, owner: &str, new: NewSubscription) -> Subscription {
    let (subscription, _) = backend
        .store
        .create_subscription(owner, new, at_ms())
        .await
        .ok_on(backend.name);
    subscription
}

/// A record to match, made by ana.
async fn record(backend: &Backend, title: &str) -> RecordId {
    create(&backend.store, &analyst("ana"), Kind::Report, title)
        .await
        .ok_on(backend.name)
        .id
}

fn matched(subscription: SubscriptionId, record: RecordId, version: i64) -> NewNotification {
    NewNotification {
        subscription_id: subscription,
        record_id: record,
        version,
        created: at_ms(),
        reasons: json!({"terms": ["visa"], "fields": ["narrative"], "version": version}),
    }
}

/// The (record, version) pairs of `notifications`, in their order.
fn keys(notifications: &[Notification]) -> Vec<(RecordId, i64)> {
    notifications
        .iter()
        .map(|notification| (notification.record_id, notification.version))
        .collect()
}

fn ids(notifications: &[Notification]) -> Vec<i64> {
    notifications
        .iter()
        .map(|notification| notification.id)
        .collect()
}

/// The parameter an `Invalid` error names.
#[track_caller]
fn invalid_field<T: std::fmt::Debug>(backend: &str, result: &Result<T, Error>) -> String {
    match result {
        Err(Error::Invalid(invalid)) => invalid.field.clone().unwrap_or_default(),
        other => panic!("{backend}: expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn owners_create_list_pause_and_delete_their_subscriptions() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        add_user(&backend, "ana").await;
        add_user(&backend, "ben").await;
        let head = store.journal_head().await.ok_on(name);

        let refused = [
            ("name", ui(" ", "visa")),
            ("name", ui(&"n".repeat(201), "visa")),
            ("query", ui("Visas", "")),
            ("query", ui("Visas", &"q".repeat(2001))),
            (
                "webhook_url",
                NewSubscription {
                    webhook_url: Some("https://hooks.example.org".to_owned()),
                    ..ui("Visas", "visa")
                },
            ),
            (
                "webhook_url",
                NewSubscription {
                    webhook_url: None,
                    ..webhook("Visas", "visa")
                },
            ),
            (
                "webhook_url",
                NewSubscription {
                    webhook_url: Some("file:///etc/passwd".to_owned()),
                    ..webhook("Visas", "visa")
                },
            ),
        ];
        for (field, new) in refused {
            let result = store.create_subscription("ana", new, at_ms()).await;
            assert_eq!(invalid_field(name, &result), field, "{name}");
        }
        assert_eq!(
            store.journal_head().await.ok_on(name),
            head,
            "{name}: refusals journal nothing"
        );

        let created = at_ms();
        let (visas, visas_secret) = store
            .create_subscription("ana", ui("Visas", "visa AND driver"), created)
            .await
            .ok_on(name);
        assert_eq!(
            visas,
            Subscription {
                id: visas.id,
                owner: "ana".to_owned(),
                name: "Visas".to_owned(),
                query: "visa AND driver".to_owned(),
                channel: DeliveryChannel::Ui,
                webhook_url: None,
                paused: false,
                created,
                updated: created,
                version: 1,
            },
            "{name}"
        );
        let (hooked, hooked_secret) = store
            .create_subscription("ana", webhook("Ports", "port:rotterdam"), created)
            .await
            .ok_on(name);
        for secret in [&visas_secret, &hooked_secret] {
            assert_eq!(secret.len(), 64, "{name}: 32 bytes in hex");
            assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        }
        assert_ne!(visas_secret, hooked_secret, "{name}");
        assert_eq!(
            store.webhook_secret(hooked.id).await.ok_on(name),
            hooked_secret
        );
        let bens = subscribe(&backend, "ben", ui("Mine", "debt bondage")).await;

        assert_eq!(
            store.subscriptions("ana").await.ok_on(name),
            [visas.clone(), hooked.clone()],
            "{name}"
        );
        assert_eq!(
            store.subscriptions("ben").await.ok_on(name),
            std::slice::from_ref(&bens),
            "{name}"
        );
        assert_eq!(
            store.subscription(hooked.id).await.ok_on(name),
            hooked,
            "{name}"
        );
        assert_eq!(
            store.all_subscriptions().await.ok_on(name),
            [visas.clone(), hooked.clone(), bens.clone()],
            "{name}"
        );

        // Another user can neither change ana's subscription nor learn that its id exists.
        let ben_pauses = store
            .set_subscription_paused("ben", visas.id, true, at_ms())
            .await;
        assert!(matches!(ben_pauses, Err(Error::NotFound)), "{name}");
        let ben_deletes = store.delete_subscription("ben", visas.id, at_ms()).await;
        assert!(matches!(ben_deletes, Err(Error::NotFound)), "{name}");
        let ben_reads = store
            .subscription_notifications("ben", visas.id, 0, 10)
            .await;
        assert!(matches!(ben_reads, Err(Error::NotFound)), "{name}");
        let unknown = SubscriptionId::new(created);
        assert!(matches!(
            store.subscription(unknown).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            store.webhook_secret(unknown).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            store
                .set_subscription_paused("ana", unknown, true, at_ms())
                .await,
            Err(Error::NotFound)
        ));

        let paused_at = later(created, 5);
        let paused = store
            .set_subscription_paused("ana", visas.id, true, paused_at)
            .await
            .ok_on(name);
        assert!(paused.paused, "{name}");
        assert_eq!(
            (paused.version, paused.updated, paused.created),
            (2, paused_at, created)
        );
        let head = store.journal_head().await.ok_on(name);
        let again = store
            .set_subscription_paused("ana", visas.id, true, later(created, 9))
            .await
            .ok_on(name);
        assert_eq!(again, paused, "{name}: pausing a paused subscription");
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");
        let resumed = store
            .set_subscription_paused("ana", visas.id, false, at_ms())
            .await
            .ok_on(name);
        assert_eq!((resumed.paused, resumed.version), (false, 3), "{name}");
        assert_eq!(store.subscription(visas.id).await.ok_on(name), resumed);

        store
            .delete_subscription("ana", visas.id, at_ms())
            .await
            .ok_on(name);
        assert!(matches!(
            store.subscription(visas.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            store.delete_subscription("ana", visas.id, at_ms()).await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            store.subscriptions("ana").await.ok_on(name),
            std::slice::from_ref(&hooked),
            "{name}"
        );

        // The journal names the subscription only; its query and name are in the audit log.
        let journal = store.journal_after(0, 1000).await.ok_on(name);
        let visas_changes: Vec<_> = journal
            .iter()
            .filter(|change| change.subject == visas.id.to_string())
            .map(|change| (change.change, change.version, change.actor.as_str()))
            .collect();
        assert_eq!(
            visas_changes,
            [
                (ChangeKind::SubscriptionCreated, 1, "ana"),
                (ChangeKind::SubscriptionChanged, 2, "ana"),
                (ChangeKind::SubscriptionChanged, 3, "ana"),
                (ChangeKind::SubscriptionDeleted, 4, "ana"),
            ],
            "{name}"
        );
        let (feed, _) = store
            .journal_for(&analyst("ben"), 0, 1000)
            .await
            .ok_on(name);
        let feed = serde_json::to_string(&feed).unwrap();
        assert!(
            !feed.contains("visa AND driver") && !feed.contains("Visas"),
            "{name}"
        );
        let audited = store.audit_entries(0, 1000).await.ok_on(name);
        let created_entry = audited
            .iter()
            .find(|audited| {
                audited.entry.action == "subscription_created"
                    && audited.entry.target == hooked.id.to_string()
            })
            .unwrap();
        assert_eq!(
            created_entry.entry.detail,
            json!({"seq": created_entry.entry.detail["seq"], "version": 1, "name": "Ports",
                   "query": "port:rotterdam", "channel": "webhook",
                   "webhook_url": "https://hooks.example.org/humdex"}),
            "{name}"
        );
        assert!(
            !audited.iter().any(|audited| audited
                .entry
                .detail
                .to_string()
                .contains(&hooked_secret)),
            "{name}: the secret is not audited"
        );
    }
}

#[tokio::test]
async fn notifications_are_kept_once_per_record_version_and_paged_by_id() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        add_user(&backend, "ana").await;
        add_user(&backend, "ben").await;
        let (first, second) = (
            record(&backend, "Driver wanted").await,
            record(&backend, "Visa help").await,
        );
        let anas = subscribe(&backend, "ana", ui("Visas", "visa")).await;
        let bens = subscribe(&backend, "ben", ui("Drivers", "driver")).await;

        let added = store
            .add_notifications(&[
                matched(anas.id, first, 1),
                matched(anas.id, second, 1),
                matched(bens.id, first, 1),
                matched(anas.id, first, 1),
            ])
            .await
            .ok_on(name);
        assert_eq!(
            keys(&added),
            [(first, 1), (second, 1), (first, 1)],
            "{name}: the repeat in one call is left out"
        );
        let owners: Vec<_> = added.iter().map(|added| added.owner.as_str()).collect();
        assert_eq!(owners, ["ana", "ana", "ben"], "{name}");
        assert!(ids(&added).is_sorted(), "{name}");
        assert_eq!(added[0].reasons["terms"], json!(["visa"]), "{name}");

        let again = store
            .add_notifications(&[matched(anas.id, first, 1), matched(anas.id, first, 2)])
            .await
            .ok_on(name);
        assert_eq!(keys(&again), [(first, 2)], "{name}: a new version only");
        assert!(again[0].id > added[2].id, "{name}");
        assert_eq!(store.add_notifications(&[]).await.ok_on(name), [], "{name}");

        let anas_all = store.notifications("ana", 0, 100).await.ok_on(name);
        assert_eq!(
            anas_all,
            [added[0].clone(), added[1].clone(), again[0].clone()],
            "{name}: read back as added"
        );
        let first_page = store.notifications("ana", 0, 2).await.ok_on(name);
        assert_eq!(ids(&first_page), ids(&anas_all[..2]), "{name}");
        let rest = store
            .notifications("ana", first_page[1].id, 2)
            .await
            .ok_on(name);
        assert_eq!(ids(&rest), ids(&anas_all[2..]), "{name}");
        let end = store.notifications("ana", rest[0].id, 2).await.ok_on(name);
        assert!(end.is_empty(), "{name}");
        assert_eq!(
            store.notifications("ben", 0, 100).await.ok_on(name),
            [added[2].clone()],
            "{name}: each owner reads their own"
        );
        assert_eq!(
            store
                .subscription_notifications("ana", anas.id, added[0].id, 100)
                .await
                .ok_on(name),
            [added[1].clone(), again[0].clone()],
            "{name}"
        );
    }
}

#[tokio::test]
async fn webhook_notifications_wait_until_marked_delivered_and_not_while_paused() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        add_user(&backend, "ana").await;
        let (first, second) = (
            record(&backend, "Driver wanted").await,
            record(&backend, "Visa help").await,
        );
        let hooked = subscribe(&backend, "ana", webhook("Ports", "port")).await;
        let shown = subscribe(&backend, "ana", ui("Visas", "visa")).await;
        let added = store
            .add_notifications(&[
                matched(hooked.id, first, 1),
                matched(shown.id, first, 1),
                matched(hooked.id, second, 1),
            ])
            .await
            .ok_on(name);
        let to_post = store
            .undelivered_webhook_notifications(10)
            .await
            .ok_on(name);
        assert_eq!(
            to_post,
            [added[0].clone(), added[2].clone()],
            "{name}: webhook subscriptions only"
        );
        assert_eq!(
            ids(&store.undelivered_webhook_notifications(1).await.ok_on(name)),
            [added[0].id],
            "{name}"
        );

        store.mark_delivered(&[added[0].id]).await.ok_on(name);
        store.mark_delivered(&[]).await.ok_on(name);
        assert_eq!(
            ids(&store
                .undelivered_webhook_notifications(10)
                .await
                .ok_on(name)),
            [added[2].id],
            "{name}"
        );

        store
            .set_subscription_paused("ana", hooked.id, true, at_ms())
            .await
            .ok_on(name);
        assert!(
            store
                .undelivered_webhook_notifications(10)
                .await
                .ok_on(name)
                .is_empty(),
            "{name}: a paused subscription's wait"
        );
        let while_paused = store
            .add_notifications(&[matched(hooked.id, first, 2)])
            .await
            .ok_on(name);
        assert!(
            while_paused.is_empty(),
            "{name}: a paused subscription matches nothing"
        );
        store
            .set_subscription_paused("ana", hooked.id, false, at_ms())
            .await
            .ok_on(name);
        assert_eq!(
            ids(&store
                .undelivered_webhook_notifications(10)
                .await
                .ok_on(name)),
            [added[2].id],
            "{name}"
        );
        store
            .mark_delivered(&[added[2].id, added[1].id])
            .await
            .ok_on(name);
        assert!(
            store
                .undelivered_webhook_notifications(10)
                .await
                .ok_on(name)
                .is_empty(),
            "{name}"
        );
        assert_eq!(
            store.notifications("ana", 0, 10).await.ok_on(name),
            added,
            "{name}: delivered notifications are still shown"
        );
    }
}

#[tokio::test]
async fn deleting_a_subscription_deletes_its_notifications_and_stops_new_ones() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        add_user(&backend, "ana").await;
        let first = record(&backend, "Driver wanted").await;
        let kept = subscribe(&backend, "ana", ui("Drivers", "driver")).await;
        let doomed = subscribe(&backend, "ana", webhook("Visas", "visa")).await;
        let added = store
            .add_notifications(&[matched(kept.id, first, 1), matched(doomed.id, first, 1)])
            .await
            .ok_on(name);

        store
            .delete_subscription("ana", doomed.id, at_ms())
            .await
            .ok_on(name);
        assert_eq!(
            store.notifications("ana", 0, 10).await.ok_on(name),
            [added[0].clone()],
            "{name}"
        );
        assert!(
            store
                .undelivered_webhook_notifications(10)
                .await
                .ok_on(name)
                .is_empty(),
            "{name}"
        );
        let late = store
            .add_notifications(&[matched(doomed.id, first, 2), matched(kept.id, first, 2)])
            .await
            .ok_on(name);
        assert_eq!(
            keys(&late),
            [(first, 2)],
            "{name}: a deleted subscription's match is dropped"
        );
        assert_eq!(late[0].subscription_id, kept.id, "{name}");
        assert!(
            late[0].id > added[1].id,
            "{name}: the deleted notifications' ids are not handed out again"
        );
    }
}

/// Two nodes sharing one database add notifications at once while a reader pages through them:
/// since ids become visible in order, paging by id misses none.
#[tokio::test]
async fn readers_paging_by_id_miss_no_notification_added_concurrently() {
    for database in TestDatabase::all().await {
        let name = database.backend;
        let first = Store::open(&database.url).await.ok_on(name);
        let second = Store::open(&database.url).await.ok_on(name);
        let ana = NewUser {
            username: "ana".parse().unwrap(),
            role: Role::Analyst,
            password_hash: "$argon2id$not-a-real-hash".to_owned(),
            authorizations: vec!["LE".to_owned()],
        };
        first.add_user("admin", ana, now()).await.ok_on(name);
        let id = create(&first, &analyst("ana"), Kind::Report, "Driver wanted")
            .await
            .ok_on(name)
            .id;
        let (subscription, _) = first
            .create_subscription("ana", ui("Drivers", "driver"), at_ms())
            .await
            .ok_on(name);

        const WRITES: i64 = 40;
        const PER_WRITE: i64 = 5;
        let writes = (0..WRITES).map(|write| {
            let store = if write % 2 == 0 { &first } else { &second };
            let batch: Vec<_> = (0..PER_WRITE)
                .map(|i| matched(subscription.id, id, write * PER_WRITE + i))
                .collect();
            async move { store.add_notifications(&batch).await.ok_on(name) }
        });
        let reader = async {
            let mut seen = Vec::new();
            let mut after = 0;
            while seen.len() < usize::try_from(WRITES * PER_WRITE).unwrap() {
                let page = second.notifications("ana", after, 7).await.ok_on(name);
                if let Some(last) = page.last() {
                    after = last.id;
                } else {
                    tokio::task::yield_now().await;
                }
                seen.extend(ids(&page));
            }
            seen
        };
        let timed = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            tokio::join!(futures::future::join_all(writes), reader)
        });
        let (written, seen) = timed
            .await
            .unwrap_or_else(|_| panic!("{name}: the reader missed notifications"));
        let written: BTreeSet<i64> = written.iter().flat_map(|added| ids(added)).collect();
        assert_eq!(written.len(), seen.len(), "{name}");
        assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), written, "{name}");
    }
}
