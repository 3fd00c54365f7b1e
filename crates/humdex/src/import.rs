//! `humdex import FILE.jsonl`: one record per line. Bad lines are reported by number with the
//! reason and skipped; good lines are loaded. Each line's content is its idempotency key, so
//! running the same import twice loads nothing twice.

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;
use futures::StreamExt;
use humdex_model::{Channel, NewRecord, Reader, Role, User};
use humdex_store::{IdempotencyKey, Store};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// How many records are in flight at once: enough to fill the writer's group commits.
const IN_FLIGHT: usize = 256;

/// What an import did.
pub struct ImportSummary {
    /// Records loaded (including ones an earlier run of the same import had loaded).
    pub loaded: u64,
    /// Lines rejected.
    pub rejected: u64,
}

/// Parses one line into a record, or says why not.
fn parse_line(line: &str) -> Result<NewRecord, String> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let record: NewRecord =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let reason = error.into_inner();
            if path == "." {
                reason.to_string()
            } else {
                format!("{path}: {reason}")
            }
        })?;
    record.validate().map_err(|invalid| invalid.to_string())?;
    Ok(record)
}

/// Who an import writes as: the user `actor` names, with their clearance; otherwise (the
/// default `import`) the operator at the console, who holds the whole database already and so
/// may write any defined authorization.
async fn writer(store: &Store, actor: &str) -> anyhow::Result<Reader> {
    let user = match store.credentials(actor).await {
        Ok((user, _)) => user,
        Err(humdex_store::Error::NotFound) => User {
            username: actor.parse().map_err(anyhow::Error::msg)?,
            role: Role::Admin,
            authorizations: store
                .authorization_definitions()
                .await?
                .into_iter()
                .map(|definition| definition.name)
                .collect(),
        },
        Err(error) => return Err(error.into()),
    };
    Ok(Reader::new(&user))
}

pub async fn import(
    store: &Store,
    path: &Path,
    actor: &str,
    now: Timestamp,
) -> anyhow::Result<ImportSummary> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the file named on the command line"
    )]
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let writer = writer(store, actor).await?;
    let bar = crate::progress_bar(size, "importing");
    let reader = std::io::BufReader::new(file);

    let mut rejected = 0;
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line =
            line.with_context(|| format!("cannot read line {number} of {}", path.display()))?;
        bar.inc(line.len() as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line) {
            Ok(record) => {
                let key = IdempotencyKey {
                    key: format!("import:{}", hex::encode(Sha256::digest(line.as_bytes()))),
                    request_hash: String::new(),
                };
                records.push((number, record, key));
            }
            Err(reason) => {
                rejected += 1;
                bar.suspend(|| eprintln!("line {number}: {reason}"));
            }
        }
    }

    bar.set_length(records.len() as u64);
    bar.set_position(0);
    let mut loaded = 0;
    let writer = &writer;
    let mut writes = futures::stream::iter(records)
        .map(|(number, record, key)| async move {
            (
                number,
                store
                    .create_record(writer, record, Channel::Import, Some(key), now)
                    .await,
            )
        })
        .buffer_unordered(IN_FLIGHT);
    while let Some((number, result)) = writes.next().await {
        bar.inc(1);
        match result {
            Ok(_) => loaded += 1,
            Err(humdex_store::Error::Invalid(invalid)) => {
                rejected += 1;
                bar.suspend(|| eprintln!("line {number}: {invalid}"));
            }
            Err(humdex_store::Error::Denied(denied)) => {
                rejected += 1;
                let at = denied
                    .field
                    .map(|field| format!("{field}: "))
                    .unwrap_or_default();
                bar.suspend(|| eprintln!("line {number}: {at}{}", denied.message));
            }
            Err(error) => return Err(error).with_context(|| format!("cannot store line {number}")),
        }
    }
    bar.finish_and_clear();
    Ok(ImportSummary { loaded, rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_offending_member() {
        let reason =
            parse_line(r#"{"kind": "report", "title": "t", "fields": {"city": {"valu": 1}}}"#)
                .unwrap_err();
        assert!(reason.starts_with("fields.city"), "{reason}");
        let reason = parse_line(r#"{"kind": "report", "title": ""}"#).unwrap_err();
        assert!(reason.starts_with("title:"), "{reason}");
        assert!(parse_line("not json").is_err());
        assert!(
            parse_line(r#"{"kind": "request", "title": "Any intelligence on +1 555 0142?"}"#)
                .is_ok()
        );
    }
}
