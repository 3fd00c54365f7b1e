//! `humdex import PATH…`: files and folders of emails, PDFs, documents, spreadsheets, photos and
//! JSON, through the server's import job runner (the same as `POST /api/v1/import`), with a
//! progress bar. Folders are walked in name order, hidden entries skipped; each file is read only
//! when its turn comes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use humdex_ingest::{ColumnMapping, Options};
use humdex_model::{Label, Reader, Role, User};
use humdex_server::Clock;
use humdex_server::import::{FileStatus, ImportBatch, ImportFile, ImportJob, ImportJobs};
use humdex_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use uuid::Uuid;

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

/// The files `paths` name: files as given, folders walked.
fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<ImportFile>> {
    let mut found = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            walk(path, &mut found)?;
        } else {
            found.push((path.clone(), metadata.len()));
        }
    }
    Ok(found
        .into_iter()
        .map(|(path, size)| ImportFile::on_disk(path.display().to_string(), path, size))
        .collect())
}

/// Adds the files under `dir`, in name order, skipping hidden entries and not following links
/// to folders (which could loop).
fn walk(dir: &Path, found: &mut Vec<(PathBuf, u64)>) -> anyhow::Result<()> {
    let cannot = || format!("cannot read the folder {}", dir.display());
    let mut entries = std::fs::read_dir(dir)
        .with_context(cannot)?
        .collect::<Result<Vec<_>, _>>()
        .with_context(cannot)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type().with_context(cannot)?.is_dir() {
            walk(&path, found)?;
            continue;
        }
        let metadata =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_file() {
            found.push((path, metadata.len()));
        }
    }
    Ok(())
}

fn read_mapping(path: &Path) -> anyhow::Result<ColumnMapping> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the mapping file named on the command line"
    )]
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the mapping {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("the mapping {} is not a column mapping", path.display()))
}

/// A bar over the batch's bytes, with the rate in bytes and in files.
fn progress_bar(bytes: u64) -> ProgressBar {
    let bar = ProgressBar::new(bytes);
    let template = "{spinner} importing [{bar:40}] {bytes}/{total_bytes} \
                    ({binary_bytes_per_sec}, {msg}, {eta} left)";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("0 files/s");
    bar
}

/// Imports the files at `paths` as `actor`, with `mapping` (a JSON file) for spreadsheets and
/// `label` on every record. Failures are printed as they happen; answers the finished job.
pub async fn import(
    store: &Store,
    paths: &[PathBuf],
    actor: &str,
    mapping: Option<&Path>,
    label: Option<Label>,
    clock: Clock,
) -> anyhow::Result<ImportJob> {
    let writer = writer(store, actor).await?;
    if let Some(label) = &label {
        store.check_label(&writer, "label", label).await?;
    }
    let options = Options {
        mapping: mapping.map(read_mapping).transpose()?,
        ..Options::default()
    };
    let files = files(paths)?;
    let bar = progress_bar(files.iter().map(ImportFile::size).sum());
    let started = Instant::now();
    let shown = bar.clone();
    let on_file = move |result: &humdex_server::import::FileResult,
                        counts: &humdex_server::import::ImportCounts| {
        shown.set_position(counts.bytes_done);
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        shown.set_message(format!("{:.1} files/s", counts.files_done as f64 / seconds));
        if let Some(error) = &result.error {
            let what = if result.status == FileStatus::Failed {
                "failed"
            } else {
                "some records refused"
            };
            shown.suspend(|| eprintln!("{}: {what}: {error}", result.name));
        }
    };
    let jobs = ImportJobs::new();
    let id = Uuid::now_v7();
    let batch = ImportBatch {
        files,
        options,
        label,
    };
    jobs.start(id, store.clone(), writer, batch, clock, on_file)
        .await;
    bar.finish_and_clear();
    jobs.get(id).context("the import job was lost")
}

/// The closing line: `Imported 12 records from 4 files; 1 duplicates; 2 failed.`
pub fn summary(job: &ImportJob) -> String {
    let counts = &job.counts;
    let imported = counts
        .files_done
        .saturating_sub(counts.files_duplicate + counts.files_failed);
    let mut line = format!(
        "Imported {} records from {imported} files; {} duplicates; {} failed",
        counts.records_created, counts.files_duplicate, counts.files_failed
    );
    if counts.records_rejected > 0 {
        line.push_str(&format!("; {} records refused", counts.records_rejected));
    }
    line.push('.');
    line
}
