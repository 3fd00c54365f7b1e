use humdex_audit::{
    AuditEntry, Checkpoint, Error, Frontier, Hash, LogSummary, LogVerifier, Outcome,
    SignedCheckpoint, SigningKey, leaf_hash, verify_log,
};
use jiff::Timestamp;
use serde_json::json;

const ORIGIN: &str = "humdex.example.org/audit";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + second).unwrap()
}

fn entry_bytes(index: u64) -> Vec<u8> {
    AuditEntry {
        at: at(index as i64),
        actor: "analyst".to_owned(),
        action: "record.read".to_owned(),
        target: format!("record-{index}"),
        outcome: Outcome::Success,
        source: Some("192.0.2.1".to_owned()),
        detail: json!({"withheld": []}),
    }
    .to_leaf_bytes()
    .unwrap()
}

type Entry = (u64, Vec<u8>, Option<Hash>);

/// A log of `size` entries with their stored leaf hashes, and checkpoints signed at `sizes`.
fn log(size: u64, sizes: &[u64]) -> (Vec<Entry>, Vec<SignedCheckpoint>) {
    let mut frontier = Frontier::new();
    let mut checkpoints = Vec::new();
    let mut entries = Vec::new();
    let mut sign = |frontier: &Frontier| {
        if sizes.contains(&frontier.size()) {
            checkpoints.push(signed(frontier.size(), frontier.root(), &key()));
        }
    };
    sign(&frontier);
    for index in 0..size {
        let bytes = entry_bytes(index);
        let hash = leaf_hash(&bytes);
        frontier.append(hash).unwrap();
        entries.push((index, bytes, Some(hash)));
        sign(&frontier);
    }
    (entries, checkpoints)
}

fn signed(size: u64, root: Hash, key: &SigningKey) -> SignedCheckpoint {
    let checkpoint = Checkpoint {
        origin: ORIGIN.to_owned(),
        size,
        root,
        time: at(1000 + size as i64),
    };
    SignedCheckpoint::sign(checkpoint, ORIGIN, key).unwrap()
}

fn verify(entries: Vec<Entry>, checkpoints: Vec<SignedCheckpoint>) -> Result<LogSummary, Error> {
    verify_log(entries, checkpoints, &key().verifying_key())
}

#[test]
fn an_untouched_log_verifies() {
    let (entries, checkpoints) = log(10, &[0, 3, 8]);
    let mut frontier = Frontier::new();
    for (_, bytes, _) in &entries {
        frontier.append(leaf_hash(bytes)).unwrap();
    }
    assert_eq!(
        verify(entries.clone(), checkpoints.clone()),
        Ok(LogSummary {
            entries: 10,
            checkpoints: 3,
            checkpointed: 8,
            root: frontier.root(),
        })
    );
    // Without stored leaf hashes, and entry by entry, the answer is the same.
    let bare = entries
        .iter()
        .map(|(index, bytes, _)| (*index, bytes, None));
    assert_eq!(
        verify_log(bare, checkpoints.clone(), &key().verifying_key())
            .unwrap()
            .root,
        frontier.root()
    );
    let mut verifier = LogVerifier::new(&key().verifying_key(), checkpoints);
    for (index, bytes, hash) in &entries {
        verifier.push(*index, bytes, hash.as_ref()).unwrap();
    }
    assert_eq!(verifier.finish().unwrap().entries, 10);
}

#[test]
fn the_empty_log_verifies() {
    let (entries, checkpoints) = log(0, &[0]);
    let summary = verify(entries, checkpoints).unwrap();
    assert_eq!((summary.entries, summary.checkpoints), (0, 1));
}

#[test]
fn a_changed_entry_is_named_by_its_stored_leaf_hash() {
    let (mut entries, checkpoints) = log(10, &[3, 8]);
    entries[5].1 = entry_bytes(50);
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::LeafHashMismatch { index: 5 })
    );
}

#[test]
fn a_changed_entry_and_leaf_hash_fail_the_next_checkpoint() {
    let (mut entries, checkpoints) = log(10, &[3, 8]);
    entries[5].1 = entry_bytes(50);
    entries[5].2 = Some(leaf_hash(&entries[5].1));
    let error = verify(entries, checkpoints).unwrap_err();
    assert_eq!(
        error,
        Error::CheckpointRootMismatch {
            size: 8,
            first_suspect: 3
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("an entry before index 8 was changed after the checkpoint at size 8"),
        "{error}"
    );
}

#[test]
fn a_removed_entry_is_a_gap() {
    let (mut entries, checkpoints) = log(10, &[8]);
    entries.remove(4);
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::EntriesMissing {
            expected: 4,
            found: 5
        })
    );
}

#[test]
fn an_inserted_entry_is_out_of_order() {
    let (mut entries, checkpoints) = log(10, &[8]);
    let inserted = entries[4].clone();
    entries.insert(5, inserted);
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::EntryOutOfOrder {
            expected: 5,
            found: 4
        })
    );
}

#[test]
fn renumbering_after_a_removal_fails_the_next_checkpoint() {
    let (mut entries, checkpoints) = log(10, &[2, 8]);
    entries.remove(4);
    for (index, entry) in entries.iter_mut().enumerate() {
        entry.0 = index as u64;
    }
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::CheckpointRootMismatch {
            size: 8,
            first_suspect: 2
        })
    );
}

#[test]
fn a_badly_signed_checkpoint_is_named() {
    let (entries, mut checkpoints) = log(10, &[3, 8]);
    let root = checkpoints[0].checkpoint().root;
    checkpoints[0] = signed(3, root, &SigningKey::from_bytes(&[2; 32]));
    assert_eq!(
        verify(entries.clone(), checkpoints.clone()),
        Err(Error::CheckpointSignature {
            size: 3,
            reason: Box::new(Error::NoSignatureByKey)
        })
    );

    let (_, mut checkpoints) = log(10, &[3, 8]);
    let forged = checkpoints[1].to_note().replacen("\n8\n", "\n9\n", 1);
    checkpoints[1] = SignedCheckpoint::from_note(&forged).unwrap();
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::CheckpointSignature {
            size: 9,
            reason: Box::new(Error::BadSignature)
        })
    );
}

#[test]
fn entries_removed_from_the_end_leave_a_checkpoint_beyond_the_log() {
    let (mut entries, checkpoints) = log(10, &[3, 8]);
    entries.truncate(6);
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::CheckpointBeyondLog {
            size: 8,
            log_size: 6
        })
    );
}

#[test]
fn checkpoints_must_grow() {
    let (entries, checkpoints) = log(10, &[3, 8]);
    let reversed: Vec<_> = checkpoints.iter().rev().cloned().collect();
    assert_eq!(
        verify(entries.clone(), reversed),
        Err(Error::CheckpointsOutOfOrder {
            previous: 8,
            size: 3
        })
    );
    let repeated = vec![checkpoints[0].clone(), checkpoints[0].clone()];
    assert_eq!(
        verify(entries, repeated),
        Err(Error::CheckpointsOutOfOrder {
            previous: 3,
            size: 3
        })
    );
}

#[test]
fn the_first_sign_of_tampering_is_reported() {
    let (mut entries, mut checkpoints) = log(10, &[3, 8]);
    entries[1].1 = entry_bytes(10);
    checkpoints[1] = signed(8, [0; 32], &key());
    entries.truncate(5);
    assert_eq!(
        verify(entries, checkpoints),
        Err(Error::LeafHashMismatch { index: 1 })
    );
}
