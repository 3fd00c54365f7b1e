use std::collections::BTreeSet;

use futures::TryStreamExt;
use humdex_audit::{
    AuditEntry, Frontier, Hash, Outcome, SigningKey, leaf_hash, verify_consistency,
    verify_inclusion, verify_log,
};
use humdex_model::{ChangeKind, Kind, State};
use humdex_store::{AuditLeaf, Error, Store};
use serde_json::json;

use crate::util::{OkOn, add_user, analyst, create, define, now, stores};

const ORIGIN: &str = "humdex.test/audit";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn entry(actor: &str, target: &str) -> AuditEntry {
    AuditEntry {
        at: now(),
        actor: actor.to_owned(),
        action: "record.read".to_owned(),
        target: target.to_owned(),
        outcome: Outcome::Success,
        source: Some("203.0.113.9".to_owned()),
        detail: json!({"withheld": ["victim_name"]}),
    }
}

async fn leaves(store: &Store) -> Vec<AuditLeaf> {
    store.audit_leaves().try_collect().await.unwrap()
}

/// The roots of the log at every size, recomputed from the stored leaf bytes alone.
async fn roots(store: &Store) -> Vec<Hash> {
    let mut frontier = Frontier::new();
    let mut roots = vec![frontier.root()];
    for leaf in leaves(store).await {
        frontier.append(leaf_hash(leaf.leaf.as_bytes())).unwrap();
        roots.push(frontier.root());
    }
    roots
}

#[tokio::test]
async fn appends_take_the_next_index_and_keep_the_bytes_they_hashed() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        assert_eq!(store.audit_size().await.ok_on(name), 0);
        let mut appended = Vec::new();
        for i in 0..11 {
            let entry = entry("ana", &format!("record-{i}"));
            store.append_audit(entry.clone()).await.ok_on(name);
            assert_eq!(store.audit_size().await.ok_on(name), i + 1, "{name}");
            appended.push(entry);
        }
        assert_eq!(store.audit_size().await.ok_on(name), 11);

        let stored = leaves(store).await;
        for (i, (leaf, entry)) in stored.iter().zip(&appended).enumerate() {
            assert_eq!(leaf.index, i as u64, "{name}");
            assert_eq!(
                leaf.leaf.as_bytes(),
                entry.to_leaf_bytes().unwrap(),
                "{name}"
            );
            assert_eq!(
                leaf.leaf_hash,
                Some(leaf_hash(leaf.leaf.as_bytes())),
                "{name}"
            );
        }
        let page = store.audit_entries(4, 3).await.ok_on(name);
        let indexes: Vec<u64> = page.iter().map(|entry| entry.index).collect();
        assert_eq!(indexes, [4, 5, 6], "{name}");
        assert_eq!(page[0].entry, appended[4], "{name}");
        assert!(store.audit_entries(11, 10).await.ok_on(name).is_empty());
    }
}

#[tokio::test]
async fn checkpoints_are_signed_only_when_the_log_grew_and_match_the_entries() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        let key = key();
        for i in 0..5 {
            store
                .append_audit(entry("ana", &i.to_string()))
                .await
                .ok_on(name);
        }
        let first = store
            .audit_checkpoint(ORIGIN, &key, now())
            .await
            .ok_on(name);
        let checkpoint = first.verify(&key.verifying_key()).unwrap();
        assert_eq!((checkpoint.size, checkpoint.origin.as_str()), (5, ORIGIN));
        assert_eq!(checkpoint.root, roots(store).await[5], "{name}");

        let again = store
            .audit_checkpoint(ORIGIN, &key, now())
            .await
            .ok_on(name);
        assert_eq!(again, first, "{name}: an unchanged log is not signed again");

        store.append_audit(entry("ben", "5")).await.ok_on(name);
        let grown = store
            .audit_checkpoint(ORIGIN, &key, now())
            .await
            .ok_on(name);
        assert_eq!(grown.checkpoint().size, 6, "{name}");
        assert_eq!(grown.checkpoint().root, roots(store).await[6], "{name}");

        let checkpoints = store.audit_checkpoints().await.ok_on(name);
        assert_eq!(checkpoints, [first, grown], "{name}");
        let entries = leaves(store)
            .await
            .into_iter()
            .map(|leaf| (leaf.index, leaf.leaf, leaf.leaf_hash));
        let summary = verify_log(entries, checkpoints, &key.verifying_key()).unwrap();
        assert_eq!((summary.entries, summary.checkpoints), (6, 2), "{name}");
    }
}

#[tokio::test]
async fn every_journalled_change_is_audited_with_it() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        add_user(&backend, "ana").await;
        define(&backend, &["LE"]).await;
        let ana = analyst("ana");
        let created = create(store, &ana, Kind::Report, "Ad for massage work")
            .await
            .ok_on(name);
        store
            .transition(
                &ana,
                created.id,
                Some(State::Analysis),
                None,
                Some(1),
                now(),
            )
            .await
            .ok_on(name);
        let granted: BTreeSet<String> = ["LE".to_owned()].into();
        store
            .set_authorizations("admin", "ana", BTreeSet::new(), now())
            .await
            .ok_on(name);
        store
            .set_authorizations("admin", "ana", granted, now())
            .await
            .ok_on(name);

        // Writes that fail, alone or amid a busy batch, leave neither a journal entry nor an
        // audit entry: each is rolled back with its change.
        let stale = store.transition(
            &ana,
            created.id,
            Some(State::Archived),
            None,
            Some(1),
            now(),
        );
        let titles: Vec<String> = (0..20).map(|i| format!("request {i}")).collect();
        let creates = titles
            .iter()
            .map(|title| create(store, &ana, Kind::Request, title));
        let (stale, creates) = tokio::join!(stale, futures::future::join_all(creates));
        assert!(
            matches!(stale, Err(Error::VersionConflict { .. })),
            "{name}: {stale:?}"
        );
        assert!(creates.iter().all(Result::is_ok), "{name}");

        let head = store.journal_head().await.ok_on(name);
        let journal = store.journal_after(0, 1000).await.ok_on(name);
        let audited = store.audit_entries(0, 1000).await.ok_on(name);
        assert_eq!(
            audited.len(),
            journal.len(),
            "{name}: one audit entry per change"
        );
        for (change, audited) in journal.iter().zip(&audited) {
            let entry = &audited.entry;
            assert_eq!(entry.action, change.change.as_str(), "{name}");
            assert_eq!(entry.target, change.subject, "{name}");
            assert_eq!(entry.actor, change.actor, "{name}");
            assert_eq!(entry.outcome, Outcome::Success, "{name}");
            assert_eq!(entry.detail["seq"], json!(change.seq), "{name}");
            assert_eq!(entry.detail["version"], json!(change.version), "{name}");
        }
        assert_eq!(journal.last().map(|change| change.seq), Some(head));

        let record_created = audited
            .iter()
            .find(|audited| audited.entry.target == created.id.to_string())
            .unwrap();
        assert_eq!(record_created.entry.action, "record_created", "{name}");
        assert_eq!(
            record_created.entry.detail,
            json!({"seq": record_created.entry.detail["seq"], "version": 1, "kind": "report",
                   "state": "intake"}),
            "{name}"
        );
        let transitioned = audited
            .iter()
            .find(|audited| audited.entry.action == ChangeKind::RecordTransitioned.as_str())
            .unwrap();
        assert_eq!(
            transitioned.entry.detail["previous_state"], "intake",
            "{name}"
        );
        assert_eq!(transitioned.entry.detail["state"], "analysis", "{name}");
        let grants: Vec<_> = audited
            .iter()
            .filter(|audited| audited.entry.action == "authorizations_changed")
            .map(|audited| {
                (
                    audited.entry.detail["granted"].clone(),
                    audited.entry.detail["revoked"].clone(),
                )
            })
            .collect();
        assert_eq!(
            grants,
            [(json!([]), json!(["LE"])), (json!(["LE"]), json!([]))],
            "{name}"
        );
    }
}

#[tokio::test]
async fn proofs_from_the_store_verify() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        for i in 0..13 {
            store
                .append_audit(entry("ana", &i.to_string()))
                .await
                .ok_on(name);
        }
        let roots = roots(store).await;
        let leaves = leaves(store).await;
        for size in 1..=13u64 {
            for index in 0..size {
                let proof = store.audit_inclusion_proof(index, size).await.ok_on(name);
                let leaf = leaf_hash(leaves[index as usize].leaf.as_bytes());
                assert_eq!(proof.leaf_hash, leaf, "{name}");
                assert_eq!((proof.leaf_index, proof.tree_size), (index, size));
                verify_inclusion(&leaf, index, size, &proof.hashes, &roots[size as usize])
                    .unwrap_or_else(|error| panic!("{name}: {index} in {size}: {error}"));
            }
            for from in 1..=size {
                let proof = store.audit_consistency_proof(from, size).await.ok_on(name);
                verify_consistency(
                    from,
                    size,
                    &proof,
                    &roots[from as usize],
                    &roots[size as usize],
                )
                .unwrap_or_else(|error| panic!("{name}: {from} to {size}: {error}"));
            }
        }
    }
}

#[tokio::test]
async fn proofs_outside_the_log_are_refused_naming_the_parameter() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        for i in 0..3 {
            store
                .append_audit(entry("ana", &i.to_string()))
                .await
                .ok_on(name);
        }
        for (index, size, field) in [(3, 3, "index"), (0, 4, "size"), (0, 0, "index")] {
            let refused = store.audit_inclusion_proof(index, size).await;
            assert_eq!(invalid_field(&refused), field, "{name}: {index} in {size}");
        }
        for (from, to, field) in [(0, 3, "from"), (3, 2, "from"), (1, 4, "to")] {
            let refused = store.audit_consistency_proof(from, to).await;
            assert_eq!(invalid_field(&refused), field, "{name}: {from} to {to}");
        }
    }
}

/// The parameter an `Invalid` error names.
fn invalid_field<T: std::fmt::Debug>(result: &Result<T, Error>) -> &str {
    match result {
        Err(Error::Invalid(invalid)) => invalid.field.as_deref().unwrap_or("(none)"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_get_distinct_indexes_and_one_consistent_tree() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        let appends = (0..200).map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.append_audit(entry("ana", &i.to_string())).await })
        });
        for joined in futures::future::join_all(appends).await {
            joined.unwrap().ok_on(name);
        }
        let indexes: Vec<u64> = leaves(store).await.iter().map(|leaf| leaf.index).collect();
        assert_eq!(indexes, (0..200).collect::<Vec<_>>(), "{name}");

        let key = key();
        let checkpoint = store
            .audit_checkpoint(ORIGIN, &key, now())
            .await
            .ok_on(name);
        assert_eq!(checkpoint.checkpoint().size, 200, "{name}");
        assert_eq!(
            checkpoint.checkpoint().root,
            roots(store).await[200],
            "{name}"
        );
        let targets: BTreeSet<String> = store
            .audit_entries(0, 1000)
            .await
            .ok_on(name)
            .into_iter()
            .map(|audited| audited.entry.target)
            .collect();
        assert_eq!(
            targets.len(),
            200,
            "{name}: every append kept its own entry"
        );
    }
}
