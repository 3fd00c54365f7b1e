use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use humdex_model::{Channel, Kind, RecordId, RecordPatch, State};
use humdex_store::{Error, Projection, ProjectionRunner, StateCounts, StateCountsProjection};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::util::{OkOn, analyst, now, record, stores};

/// One step of a random history.
#[derive(Debug, Clone)]
enum Operation {
    Create(Kind),
    /// Moves the record at this index (of those made so far) to a state, legal or not.
    Transition(Index, State),
    /// Edits the record's content, which leaves its state alone.
    Update(Index),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        2 => kind().prop_map(Operation::Create),
        4 => (any::<Index>(), prop::sample::select(State::ALL.to_vec()))
            .prop_map(|(index, state)| Operation::Transition(index, state)),
        1 => any::<Index>().prop_map(Operation::Update),
    ]
}

/// The counts a model of the records gives, without zeros.
fn model_counts(model: &[(RecordId, Kind, State, i64)]) -> StateCounts {
    let mut counts = StateCounts::default();
    for (_, kind, state, _) in model {
        *counts
            .counts
            .entry(*state)
            .or_default()
            .entry(*kind)
            .or_default() += 1;
    }
    counts
}

/// The stored counts without the zeros left behind by records that moved on.
fn without_zeros(mut counts: StateCounts) -> StateCounts {
    for by_kind in counts.counts.values_mut() {
        by_kind.retain(|_, count| *count != 0);
    }
    counts.counts.retain(|_, by_kind| !by_kind.is_empty());
    counts
}

/// Runs `operations` against each backend and a model, with the projection started halfway so
/// that it both replays history and follows live writes, then compares the counts.
async fn check(operations: Vec<Operation>) {
    for backend in stores().await {
        let name = backend.name;
        let store = &backend.store;
        let ana = analyst("ana");
        // (id, kind, state, version) of every record made so far.
        let mut model: Vec<(RecordId, Kind, State, i64)> = Vec::new();
        let halfway = operations.len() / 2;
        let mut running = None;
        for (step, operation) in operations.iter().enumerate() {
            if step == halfway {
                let projection = Arc::new(StateCountsProjection::new(store.clone()));
                running = Some((
                    ProjectionRunner::spawn(store.clone(), projection.clone()),
                    projection,
                ));
            }
            match operation {
                Operation::Create(kind) => {
                    let created = store
                        .create_record(&ana, record(*kind, "t"), Channel::Api, None, now())
                        .await
                        .ok_on(name);
                    model.push((created.id, *kind, State::Intake, 1));
                }
                Operation::Transition(index, to) => {
                    if model.is_empty() {
                        continue;
                    }
                    let position = index.index(model.len());
                    let entry = &mut model[position];
                    let result = store
                        .transition(&ana, entry.0, Some(*to), None, Some(entry.3), now())
                        .await;
                    if entry.2.can_move_to(*to) {
                        assert_eq!(result.ok_on(name), entry.3 + 1, "{name}: step {step}");
                        entry.2 = *to;
                        entry.3 += 1;
                    } else {
                        assert!(
                            matches!(result, Err(Error::IllegalTransition { from, to: refused }) if from == entry.2 && refused == *to),
                            "{name}: step {step}: {result:?}"
                        );
                    }
                }
                Operation::Update(index) => {
                    if model.is_empty() {
                        continue;
                    }
                    let position = index.index(model.len());
                    let entry = &mut model[position];
                    let patch = RecordPatch {
                        narrative: Some(format!("step {step}")),
                        ..Default::default()
                    };
                    let version = store
                        .update_record(&ana, entry.0, entry.3, patch, now())
                        .await
                        .ok_on(name);
                    assert_eq!(version, entry.3 + 1, "{name}: step {step}");
                    entry.3 += 1;
                }
            }
        }
        let (runner, projection) = match running {
            Some(running) => running,
            None => {
                let projection = Arc::new(StateCountsProjection::new(store.clone()));
                (
                    ProjectionRunner::spawn(store.clone(), projection.clone()),
                    projection,
                )
            }
        };
        let head = store.journal_head().await.ok_on(name);
        // Only a guard against a hang: the runner is woken by each commit, so this never decides
        // the outcome of a passing run.
        tokio::time::timeout(Duration::from_secs(60), runner.caught_up(head))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{name}: the projection did not reach {head}; it is at {}",
                    runner.applied()
                )
            });
        assert_eq!(
            runner.applied(),
            head,
            "{name}: the runner reports the head"
        );
        assert_eq!(
            projection.last_applied().await.ok_on(name),
            head,
            "{name}: the stored position is the head"
        );
        let counts = without_zeros(store.state_counts(&ana).await.ok_on(name));
        assert_eq!(
            counts,
            model_counts(&model),
            "{name}: counts after {operations:?}"
        );
        let total: i64 = counts.counts.values().flat_map(BTreeMap::values).sum();
        assert_eq!(
            total,
            model.len() as i64,
            "{name}: every record is counted once"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn state_counts_follow_the_journal(operations in prop::collection::vec(operation(), 0..40)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(check(operations));
    }
}
