//! Checkpoints in the C2SP tlog-checkpoint text format, signed as C2SP signed notes with ed25519.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::entry::format_time;
use crate::error::{Error, Result};
use crate::hash::Hash;

/// The signed-note signature type byte of ed25519.
const ED25519: u8 = 0x01;

/// The most signature lines a note may carry; the signed-note spec asks for at least 16.
const MAX_SIGNATURES: usize = 16;

/// What the log commits to at one moment: its size and root, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, such as `humdex.example.org/audit`: non-empty, one line.
    pub origin: String,
    /// The number of entries in the log.
    pub size: u64,
    /// The root of the log's tree at `size`.
    pub root: Hash,
    /// When the checkpoint was made, in UTC.
    pub time: Timestamp,
}

impl Checkpoint {
    /// The note text: origin, size, base64 root, and the extension line `time <RFC 3339>`, each
    /// line ending in a newline.
    fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root),
            format_time(self.time)
        )
    }

    /// Reads note text back, accepting only the exact text [`text`](Checkpoint::text) writes, so
    /// the parsed checkpoint is what was signed.
    fn parse(text: &str) -> Result<Self> {
        let body = text
            .strip_suffix('\n')
            .ok_or(Error::MalformedCheckpoint("no final newline"))?;
        let mut lines = body.split('\n');
        let mut line = |what| lines.next().ok_or(Error::MalformedCheckpoint(what));
        let origin = line("no origin line")?;
        let size = line("no size line")?;
        let root = line("no root line")?;
        let time = line("no time line")?;
        if lines.next().is_some() {
            return Err(Error::MalformedCheckpoint("unexpected extension line"));
        }
        let checkpoint = Self {
            origin: origin.to_owned(),
            size: size
                .parse()
                .map_err(|_| Error::MalformedCheckpoint("size is not a decimal number"))?,
            root: BASE64
                .decode(root)
                .ok()
                .and_then(|root| Hash::try_from(root).ok())
                .ok_or(Error::MalformedCheckpoint(
                    "root is not a base64 SHA-256 hash",
                ))?,
            time: time
                .strip_prefix("time ")
                .and_then(|time| time.parse().ok())
                .ok_or(Error::MalformedCheckpoint("no RFC 3339 time line"))?,
        };
        checkpoint.validate()?;
        if checkpoint.text() != text {
            return Err(Error::MalformedCheckpoint("not in canonical form"));
        }
        Ok(checkpoint)
    }

    fn validate(&self) -> Result<()> {
        if self.origin.is_empty() {
            return Err(Error::MalformedCheckpoint("empty origin"));
        }
        if self.origin.chars().any(char::is_control) {
            return Err(Error::MalformedCheckpoint("control character in origin"));
        }
        Ok(())
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NoteSignature {
    key_name: String,
    key_id: [u8; 4],
    signature: Vec<u8>,
}

impl NoteSignature {
    /// Signs a note's text (final newline included) with `key` under `key_name`.
    fn new(text: &str, key_name: &str, key: &SigningKey) -> Result<Self> {
        check_key_name(key_name)?;
        Ok(Self {
            key_name: key_name.to_owned(),
            key_id: key_id(key_name, &key.verifying_key()),
            signature: key.sign(text.as_bytes()).to_bytes().to_vec(),
        })
    }

    /// The line `— <key name> <base64 of key ID ‖ signature>`, newline included.
    fn line(&self) -> String {
        let mut bytes = self.key_id.to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("— {} {}\n", self.key_name, BASE64.encode(bytes))
    }

    /// Reads a signature line, without its newline.
    fn parse(line: &str) -> Result<Self> {
        let (key_name, encoded) = line
            .strip_prefix("— ")
            .and_then(|rest| rest.split_once(' '))
            .ok_or(Error::MalformedNote(
                "a signature line is not '— <name> <signature>'",
            ))?;
        check_key_name(key_name).map_err(|_| Error::MalformedNote("invalid key name"))?;
        let bytes = BASE64
            .decode(encoded)
            .map_err(|_| Error::MalformedNote("signature is not base64"))?;
        let (key_id, signature) = bytes
            .split_first_chunk::<4>()
            .ok_or(Error::MalformedNote("signature shorter than its key ID"))?;
        Ok(Self {
            key_name: key_name.to_owned(),
            key_id: *key_id,
            signature: signature.to_vec(),
        })
    }

    /// Whether this is a signature by `key` (`false` for another key's, to be ignored), and an
    /// error if it is but does not match `text`.
    fn is_by(&self, text: &str, key: &VerifyingKey) -> Result<bool> {
        if self.key_id != key_id(&self.key_name, key) {
            return Ok(false);
        }
        let signature = Signature::from_slice(&self.signature).map_err(|_| Error::BadSignature)?;
        key.verify_strict(text.as_bytes(), &signature)
            .map_err(|_| Error::BadSignature)?;
        Ok(true)
    }
}

/// The signed-note key ID: the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
fn key_id(key_name: &str, key: &VerifyingKey) -> [u8; 4] {
    let digest: Hash = Sha256::new()
        .chain_update(key_name)
        .chain_update([b'\n', ED25519])
        .chain_update(key.as_bytes())
        .finalize()
        .into();
    let [a, b, c, d, ..] = digest;
    [a, b, c, d]
}

fn check_key_name(key_name: &str) -> Result<()> {
    if key_name.is_empty() || key_name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(Error::InvalidKeyName(key_name.to_owned()));
    }
    Ok(())
}

/// A checkpoint with its signatures, as a C2SP signed note.
///
/// Signatures by other keys (a witness's, a retired key's) are kept and written back, and ignored
/// by [`verify`](SignedCheckpoint::verify).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    signatures: Vec<NoteSignature>,
}

impl SignedCheckpoint {
    /// Signs `checkpoint` with `key`, under `key_name` (which should be the origin).
    pub fn sign(checkpoint: Checkpoint, key_name: &str, key: &SigningKey) -> Result<Self> {
        checkpoint.validate()?;
        let signature = NoteSignature::new(&checkpoint.text(), key_name, key)?;
        Ok(Self {
            checkpoint,
            signatures: vec![signature],
        })
    }

    /// The checkpoint, not yet trusted: use [`verify`](SignedCheckpoint::verify) to get one
    /// that is.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The signed note: the checkpoint text, a blank line, and a line `— <key name> <base64 of
    /// key ID ‖ signature>` per signature.
    pub fn to_note(&self) -> String {
        let mut note = self.checkpoint.text();
        note.push('\n');
        for signature in &self.signatures {
            note.push_str(&signature.line());
        }
        note
    }

    /// Reads a signed note holding a Humdex checkpoint. The signatures are not checked yet.
    pub fn from_note(note: &str) -> Result<Self> {
        if note.chars().any(|c| c.is_ascii_control() && c != '\n') {
            return Err(Error::MalformedNote("control character"));
        }
        let (text, lines) = note
            .rsplit_once("\n\n")
            .ok_or(Error::MalformedNote("no blank line before the signatures"))?;
        if lines.is_empty() {
            return Err(Error::MalformedNote("no signature"));
        }
        let signatures = lines
            .strip_suffix('\n')
            .ok_or(Error::MalformedNote("no final newline"))?
            .split('\n')
            .map(NoteSignature::parse)
            .collect::<Result<Vec<_>>>()?;
        if signatures.len() > MAX_SIGNATURES {
            return Err(Error::MalformedNote("too many signatures"));
        }
        Ok(Self {
            checkpoint: Checkpoint::parse(&format!("{text}\n"))?,
            signatures,
        })
    }

    /// Checks the signature by `key` and returns the checkpoint it vouches for.
    ///
    /// Signatures under another key ID are ignored; one under this key's ID that fails refuses
    /// the whole note, as the signed-note spec asks.
    pub fn verify(&self, key: &VerifyingKey) -> Result<&Checkpoint> {
        let text = self.checkpoint.text();
        let mut verified = false;
        for signature in &self.signatures {
            verified |= signature.is_by(&text, key)?;
        }
        if verified {
            Ok(&self.checkpoint)
        } else {
            Err(Error::NoSignatureByKey)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of golang.org/x/mod sumdb/note (BSD-3-Clause): its signer and verifier keys,
    /// its text and its signature line.
    const GO_SIGNER: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_LINE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    /// The 32 key bytes of a Go key string of `fields` `+`-separated fields (the last, base64,
    /// may hold a `+` too), after its ed25519 type byte.
    fn go_key_bytes(key: &str, fields: usize) -> [u8; 32] {
        let encoded = key.splitn(fields, '+').last().unwrap();
        let bytes = BASE64.decode(encoded).unwrap();
        assert_eq!(bytes[0], ED25519);
        bytes[1..].try_into().unwrap()
    }

    #[test]
    fn signature_lines_match_the_go_note_package() {
        let key = SigningKey::from_bytes(&go_key_bytes(GO_SIGNER, 5));
        assert_eq!(key.verifying_key().to_bytes(), go_key_bytes(GO_VERIFIER, 3));
        assert_eq!(
            key_id("PeterNeumann", &key.verifying_key()),
            [0xc7, 0x4f, 0x20, 0xa3]
        );

        let signature = NoteSignature::new(GO_TEXT, "PeterNeumann", &key).unwrap();
        assert_eq!(signature.line(), GO_LINE);
        let parsed = NoteSignature::parse(GO_LINE.trim_end()).unwrap();
        assert_eq!(parsed, signature);
        assert_eq!(parsed.is_by(GO_TEXT, &key.verifying_key()), Ok(true));
        assert_eq!(
            parsed.is_by("another text\n", &key.verifying_key()),
            Err(Error::BadSignature)
        );
        let other = SigningKey::from_bytes(&[7; 32]).verifying_key();
        assert_eq!(parsed.is_by(GO_TEXT, &other), Ok(false));
    }

    #[test]
    fn key_name_may_not_hold_spaces_or_plus() {
        assert!(check_key_name("humdex.example.org/audit").is_ok());
        for bad in ["", "a b", "a+b", "a\u{a0}b"] {
            assert_eq!(
                check_key_name(bad),
                Err(Error::InvalidKeyName(bad.to_owned()))
            );
        }
    }

    #[test]
    fn parse_refuses_non_canonical_text() {
        let good = "log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ntime 2026-11-23T18:00:00.000000Z\n";
        assert_eq!(Checkpoint::parse(good).unwrap().size, 5);
        for (bad, why) in [
            (good.replace("\n5\n", "\n05\n"), "not in canonical form"),
            (good.replace("\n5\n", "\n+5\n"), "not in canonical form"),
            (good.replace(".000000Z", "Z"), "not in canonical form"),
            (good.replace("time ", "when "), "no RFC 3339 time line"),
            (good.replace("log\n", "\n"), "empty origin"),
            (format!("{good}extra\n"), "unexpected extension line"),
            (
                good.replace("47DEQ", "47DE"),
                "root is not a base64 SHA-256 hash",
            ),
        ] {
            assert_eq!(
                Checkpoint::parse(&bad),
                Err(Error::MalformedCheckpoint(why)),
                "{bad}"
            );
        }
    }
}
