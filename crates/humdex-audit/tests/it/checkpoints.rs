use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use humdex_audit::{Checkpoint, Error, SignedCheckpoint, SigningKey, leaf_hash};

const ORIGIN: &str = "humdex.example.org/audit";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 42,
        root: leaf_hash(b"root"),
        time: "2026-11-23T18:00:00.123456Z".parse().unwrap(),
    }
}

fn note() -> String {
    SignedCheckpoint::sign(checkpoint(), ORIGIN, &key(1))
        .unwrap()
        .to_note()
}

#[test]
fn a_signed_checkpoint_round_trips_through_its_note() {
    let signed = SignedCheckpoint::sign(checkpoint(), ORIGIN, &key(1)).unwrap();
    let note = signed.to_note();
    let text = format!(
        "{ORIGIN}\n42\n{}\ntime 2026-11-23T18:00:00.123456Z\n\n— {ORIGIN} ",
        BASE64.encode(leaf_hash(b"root"))
    );
    assert!(note.starts_with(&text), "{note}");
    assert_eq!(note.lines().count(), 6);

    let read = SignedCheckpoint::from_note(&note).unwrap();
    assert_eq!(read, signed);
    assert_eq!(read.to_note(), note);
    assert_eq!(read.verify(&key(1).verifying_key()), Ok(&checkpoint()));
}

#[test]
fn a_changed_origin_size_root_or_time_fails() {
    let note = note();
    let root = BASE64.encode(leaf_hash(b"root"));
    let other_root = BASE64.encode(leaf_hash(b"other"));
    for (from, to) in [
        ("audit\n", "audit2\n"),
        ("\n42\n", "\n41\n"),
        (root.as_str(), other_root.as_str()),
        (".123456Z", ".123457Z"),
    ] {
        let changed = note.replacen(from, to, 1);
        assert_ne!(changed, note);
        let read = SignedCheckpoint::from_note(&changed).unwrap();
        assert_eq!(
            read.verify(&key(1).verifying_key()),
            Err(Error::BadSignature),
            "{changed}"
        );
    }
}

#[test]
fn another_key_is_refused() {
    let read = SignedCheckpoint::from_note(&note()).unwrap();
    assert_eq!(
        read.verify(&key(2).verifying_key()),
        Err(Error::NoSignatureByKey)
    );
    // The same name on another key is another key.
    let impostor = SignedCheckpoint::sign(checkpoint(), ORIGIN, &key(2)).unwrap();
    assert_eq!(
        impostor.verify(&key(1).verifying_key()),
        Err(Error::NoSignatureByKey)
    );
    // The log's signature moved under another name no longer matches the key's ID.
    let renamed = note().replacen(&format!("— {ORIGIN} "), "— someone.else ", 1);
    let read = SignedCheckpoint::from_note(&renamed).unwrap();
    assert_eq!(
        read.verify(&key(1).verifying_key()),
        Err(Error::NoSignatureByKey)
    );
}

/// The last line of a note: its (only) signature line.
fn signature_line(note: &str) -> &str {
    note.lines().last().unwrap()
}

#[test]
fn signatures_by_other_keys_are_kept_and_ignored() {
    let witness = SignedCheckpoint::sign(checkpoint(), "witness.example", &key(3)).unwrap();
    let cosigned = format!("{}{}\n", note(), signature_line(&witness.to_note()));
    let read = SignedCheckpoint::from_note(&cosigned).unwrap();
    assert_eq!(read.to_note(), cosigned);
    assert!(read.verify(&key(1).verifying_key()).is_ok());
    assert!(read.verify(&key(3).verifying_key()).is_ok());

    // A second, failing signature under the log's own name and key refuses the note.
    let other_time = Checkpoint {
        time: "2026-11-23T18:00:01Z".parse().unwrap(),
        ..checkpoint()
    };
    let stale = SignedCheckpoint::sign(other_time, ORIGIN, &key(1)).unwrap();
    let mixed = format!("{}{}\n", note(), signature_line(&stale.to_note()));
    let read = SignedCheckpoint::from_note(&mixed).unwrap();
    assert_eq!(
        read.verify(&key(1).verifying_key()),
        Err(Error::BadSignature)
    );
}

#[test]
fn malformed_notes_are_refused() {
    let note = note();
    let line = signature_line(&note).to_owned();
    let text = note.strip_suffix(&format!("\n{line}\n")).unwrap();
    for (bad, why) in [
        (text.to_owned(), "no blank line before the signatures"),
        (format!("{text}\n\n"), "no signature"),
        (format!("{text}\n{line}"), "no final newline"),
        (note.replacen("\n42\n", "\n4\r2\n", 1), "control character"),
        (
            note.replacen("— ", "- ", 1),
            "a signature line is not '— <name> <signature>'",
        ),
        (
            note.replacen(&format!("— {ORIGIN}"), "— a+b", 1),
            "invalid key name",
        ),
        (
            format!("{text}\n— {ORIGIN} !!!\n"),
            "signature is not base64",
        ),
        (
            format!("{text}\n— {ORIGIN} AAA=\n"),
            "signature shorter than its key ID",
        ),
        (
            format!("{text}\n{}", format!("{line}\n").repeat(17)),
            "too many signatures",
        ),
    ] {
        assert_eq!(
            SignedCheckpoint::from_note(&bad),
            Err(Error::MalformedNote(why)),
            "{bad}"
        );
    }
    assert_eq!(
        SignedCheckpoint::from_note(&note.replacen("\n42\n", "\n042\n", 1)),
        Err(Error::MalformedCheckpoint("not in canonical form"))
    );
}

#[test]
fn only_valid_checkpoints_and_key_names_are_signed() {
    assert_eq!(
        SignedCheckpoint::sign(checkpoint(), "has space", &key(1)),
        Err(Error::InvalidKeyName("has space".to_owned()))
    );
    for origin in ["", "two\nlines"] {
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            ..checkpoint()
        };
        assert!(matches!(
            SignedCheckpoint::sign(checkpoint, ORIGIN, &key(1)),
            Err(Error::MalformedCheckpoint(_))
        ));
    }
}
