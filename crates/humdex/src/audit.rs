//! The audit log at the command line: the node's signing key file, which `serve` creates, and
//! `humdex audit verify`, which replays the whole log against its signed checkpoints.
//!
//! The key file holds the ed25519 secret key as 64 hex digits on one line, mode 0600. It is kept
//! apart from the database on purpose: whoever can write the database must not be able to sign
//! a doctored log. Nodes that share one PostgreSQL must share the key file too, since the log and
//! its checkpoints are one.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::TryStreamExt;
use humdex_audit::{LogVerifier, SigningKey, VerifyingKey};
use humdex_store::Store;

use crate::StoreArgs;

/// The key file's name in the data directory.
const KEY_FILE: &str = "audit-signing.key";
/// The key file with `--database`, in the working directory.
const DATABASE_KEY_FILE: &str = "humdex-audit.key";

/// Where the signing key is: `key` if given, else beside the data (in the data directory, or in
/// the working directory for a database named by URL).
pub fn key_path(store: &StoreArgs, key: Option<PathBuf>) -> PathBuf {
    match (key, &store.database) {
        (Some(key), _) => key,
        (None, Some(_)) => PathBuf::from(DATABASE_KEY_FILE),
        (None, None) => store.data.join(KEY_FILE),
    }
}

/// Reads the key at `path`; `None` if there is no such file.
fn read_key(path: &Path) -> anyhow::Result<Option<SigningKey>> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the key file lives outside the database by design"
    )]
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            anyhow!(
                "{} does not hold an audit signing key (64 hex digits)",
                path.display()
            )
        })?;
    warn_if_readable_by_others(path);
    Ok(Some(SigningKey::from_bytes(&bytes)))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = path
        .metadata()
        .map(|metadata| metadata.permissions().mode())
        .unwrap_or(0);
    if mode & 0o077 != 0 {
        eprintln!(
            "warning: the audit signing key {} is open to other users (mode {:o}); chmod 600 it",
            path.display(),
            mode & 0o777
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

/// Loads the signing key at `path`, creating it (mode 0600) if there is none yet. Answers the
/// key and whether it was created.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<(SigningKey, bool)> {
    if let Some(key) = read_key(path)? {
        return Ok((key, false));
    }
    let key = SigningKey::from_bytes(&rand::random());
    let mut options = std::fs::OpenOptions::new();
    // create_new: if another process created the key meanwhile, fail rather than overwrite it.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the audit signing key {}", path.display()))?;
    writeln!(file, "{}", hex::encode(key.to_bytes()))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the audit signing key {}", path.display()))?;
    Ok((key, true))
}

/// The public key to check checkpoints with: the key file's, or, failing that, the one the
/// database records (with a warning, as whoever can write the database could have replaced it).
async fn public_key(store: &Store, path: &Path) -> anyhow::Result<VerifyingKey> {
    let recorded = store.audit_public_key().await?;
    match (read_key(path)?, recorded) {
        (Some(key), recorded) => {
            let key = key.verifying_key();
            if recorded.is_some_and(|recorded| recorded != key) {
                eprintln!(
                    "warning: the database records another audit public key than {}'s; \
                     checking with the key file",
                    path.display()
                );
            }
            Ok(key)
        }
        (None, Some(recorded)) => {
            eprintln!(
                "warning: no audit signing key at {}: checking signatures with the public key \
                 the database records, which is weaker, as whoever can write the database \
                 could have replaced it",
                path.display()
            );
            Ok(recorded)
        }
        (None, None) => bail!(
            "no audit signing key at {} and none recorded in the database; name it with \
             --audit-key (`humdex serve` creates it on its first run)",
            path.display()
        ),
    }
}

/// `humdex audit verify`: replays every entry of the log, checking each against its stored leaf
/// hash and every checkpoint's signature and root, and prints a summary. Fails with the first
/// sign of tampering.
pub async fn verify(store: &Store, key_path: &Path) -> anyhow::Result<()> {
    let key = public_key(store, key_path).await?;
    // Checkpoints first: entries only grow, so every checkpoint read is within the entries read
    // after it, even while a node keeps appending.
    let checkpoints = store.audit_checkpoints().await?;
    let bar = crate::progress_bar(store.audit_size().await?, "verifying the audit log");
    let mut verifier = LogVerifier::new(&key, checkpoints);
    let mut leaves = store.audit_leaves();
    let failed = |error| anyhow!("the audit log fails verification: {error}");
    while let Some(leaf) = leaves.try_next().await? {
        verifier
            .push(leaf.index, leaf.leaf.as_bytes(), leaf.leaf_hash.as_ref())
            .map_err(failed)?;
        bar.inc(1);
    }
    let summary = verifier.finish().map_err(failed)?;
    bar.finish_and_clear();
    println!(
        "The audit log verifies: {}, {}, root {}.",
        counted(summary.entries, "entry", "entries"),
        counted(
            summary.checkpoints as u64,
            "signed checkpoint",
            "signed checkpoints"
        ),
        BASE64.encode(summary.root)
    );
    let unsigned = summary.entries.saturating_sub(summary.checkpointed);
    if unsigned > 0 {
        println!(
            "The last {} not yet covered by a checkpoint; `humdex serve` signs one every minute.",
            counted(unsigned, "entry is", "entries are")
        );
    }
    Ok(())
}

/// `count` and the noun for it: `1 entry`, `2 entries`.
fn counted(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
