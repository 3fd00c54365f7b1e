//! `humdex hash IMAGE…`: PDQ fingerprints of photos; `humdex hash-list import|list`: the lists of
//! known images' hashes that raise alerts when a record's photo matches.

use std::path::{Path, PathBuf};

use anyhow::Context;
use humdex_imagehash::parse_hash_list;
use humdex_imagehash::pdq::{self, Fingerprint};
use humdex_store::Store;
use jiff::Timestamp;
use serde_json::json;

/// The most pixels a photo may decode to.
const MAX_PIXELS: u64 = 200_000_000;

#[expect(clippy::disallowed_methods, reason = "files named on the command line")]
fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn fingerprint_json(variant: &str, fingerprint: &Fingerprint) -> serde_json::Value {
    json!({
        "variant": variant,
        "hash": fingerprint.hash.to_string(),
        "quality": fingerprint.quality,
        "dihedral": fingerprint.dihedral.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// Prints each image's hash and quality (`HASH QUALITY PATH`, and a `trimmed` line when cutting
/// uniform borders changes the hash), or a JSON object per line with the dihedral hashes too.
/// Returns how many images could not be hashed.
pub fn hash(images: &[PathBuf], json: bool) -> usize {
    let mut failed = 0;
    for path in images {
        let fingerprints = read(path).and_then(|bytes| {
            pdq::fingerprint_image(&bytes, MAX_PIXELS)
                .with_context(|| format!("cannot hash {}", path.display()))
        });
        match fingerprints {
            Ok(fingerprints) if json => {
                let mut variants = vec![fingerprint_json("full", &fingerprints.full)];
                variants.extend(
                    fingerprints
                        .trimmed
                        .map(|t| fingerprint_json("trimmed", &t)),
                );
                println!("{}", json!({"path": path, "fingerprints": variants}));
            }
            Ok(fingerprints) => {
                let full = fingerprints.full;
                println!("{} {:>3} {}", full.hash, full.quality, path.display());
                if let Some(trimmed) = fingerprints.trimmed {
                    println!(
                        "{} {:>3} {} (trimmed)",
                        trimmed.hash,
                        trimmed.quality,
                        path.display()
                    );
                }
            }
            Err(error) => {
                failed += 1;
                eprintln!("{error:#}");
            }
        }
    }
    failed
}

/// Imports the hash list in `file` as `name`.
pub async fn import_list(
    store: &Store,
    name: &str,
    file: &Path,
    max_distance: u32,
    now: Timestamp,
) -> anyhow::Result<()> {
    let text = String::from_utf8(read(file)?)
        .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    let hashes = parse_hash_list(&text).with_context(|| format!("in {}", file.display()))?;
    let bytes: Vec<_> = hashes.iter().map(|hash| hash.to_bytes()).collect();
    let list = store
        .create_hash_list("cli", name, max_distance, &bytes, now)
        .await?;
    println!(
        "Imported {} hashes as list {} (matching within {} bits). A running server matches the stored photos against it within seconds.",
        list.size, list.name, list.max_distance
    );
    Ok(())
}

/// Prints the hash lists.
pub async fn print_lists(store: &Store) -> anyhow::Result<()> {
    for list in store.hash_lists().await? {
        println!(
            "{}\t{} hashes\twithin {} bits\timported by {} at {}",
            list.name, list.size, list.max_distance, list.created_by, list.created
        );
    }
    Ok(())
}
