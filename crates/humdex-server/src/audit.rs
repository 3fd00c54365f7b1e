//! The tamper-evident audit log over HTTP, for admins: the latest signed checkpoint, inclusion
//! and consistency proofs, and the entries. Every one of these reads is itself audited.
//!
//! Also the node's signing key ([`AuditKey`]), the task that signs a checkpoint every minute when
//! the log has grown, and `AppState::audit`, through which handlers audit what the journal does
//! not see (reads, sign-ins). Changes the journal records are audited by the store itself.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use humdex_audit::{AuditEntry, Hash, Outcome, SignedCheckpoint, SigningKey, VerifyingKey};
use humdex_store::{AuditInclusionProof, IndexedAuditEntry, Store};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::task::AbortHandle;
use tokio::time::MissedTickBehavior;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;
use crate::{AppState, Clock};

/// How often the node signs a checkpoint, if the log has grown.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(60);

/// The action under which reads of the audit log are audited.
const AUDIT_READ: &str = "audit.read";

/// The most entries one page lists.
const MAX_PAGE: u32 = 1000;

/// The ed25519 key that signs the audit log's checkpoints.
///
/// It must live outside the database, so that someone who can write the database cannot sign a
/// doctored log: `humdex serve` keeps it in a file of its own. Cheap to clone; its `Debug` shows
/// only the public key.
#[derive(Clone)]
pub struct AuditKey(Arc<SigningKey>);

impl AuditKey {
    /// The key `key`.
    pub fn new(key: SigningKey) -> Self {
        Self(Arc::new(key))
    }

    /// A fresh random key, for tests and throwaway nodes: checkpoints it signs cannot be
    /// verified once the node has gone.
    pub fn random() -> Self {
        Self::new(SigningKey::from_bytes(&rand::random()))
    }

    /// The public key, which verifies the checkpoints.
    pub fn public_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }
}

impl Default for AuditKey {
    /// A random key (see [`AuditKey::random`]).
    fn default() -> Self {
        Self::random()
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey")
            .field("public_key", &BASE64.encode(self.public_key().as_bytes()))
            .finish_non_exhaustive()
    }
}

/// Stops a background task when the last clone of the state that owns it is dropped.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The node's side of the audit log: its key, the origin its checkpoints name, and the task that
/// signs them.
#[derive(Clone)]
pub(crate) struct Auditor {
    key: AuditKey,
    /// The checkpoints' origin and the signature's key name: one log per database, so named
    /// after the database's node id.
    origin: String,
    _signer: Arc<AbortOnDrop>,
}

impl Auditor {
    /// Starts signing a checkpoint of `store`'s log every minute, the first at once.
    pub(crate) fn start(store: &Store, key: AuditKey, clock: Clock) -> Self {
        let origin = format!("humdex/{}", store.node_id());
        let signer = tokio::spawn(sign_checkpoints(
            store.clone(),
            key.clone(),
            origin.clone(),
            clock,
        ));
        Self {
            key,
            origin,
            _signer: Arc::new(AbortOnDrop(signer.abort_handle())),
        }
    }
}

/// Signs a checkpoint each interval, if the log grew. An interval, not the wall clock, schedules
/// it, so a clock set back or forward neither stops nor floods it; the checkpoint's time is the
/// node's clock.
async fn sign_checkpoints(store: Store, key: AuditKey, origin: String, clock: Clock) {
    let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = store.audit_checkpoint(&origin, &key.0, clock()).await {
            tracing::warn!(%error, "cannot sign an audit checkpoint; trying again in a minute");
        }
    }
}

/// How an audited request ended: refused for want of privilege (`denied`, which includes a
/// record that does not exist for the caller), failed otherwise, or answered.
pub(crate) fn outcome_of<T>(result: &Result<T, ApiError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Success,
        Err(ApiError::NotFound | ApiError::Forbidden(_)) => Outcome::Denied,
        Err(_) => Outcome::Failure,
    }
}

impl AppState {
    /// Appends an entry to the audit log, timed by the node's clock, and returns once it is
    /// durable. For what the journal does not see, such as record reads and sign-ins; `source` is
    /// the client's address when known.
    pub(crate) async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        outcome: Outcome,
        source: Option<String>,
        detail: Value,
    ) -> Result<(), ApiError> {
        let entry = AuditEntry {
            at: self.now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            outcome,
            source,
            detail,
        };
        self.store.append_audit(entry).await?;
        Ok(())
    }

    /// Runs `read` of the audit log at `endpoint` for `caller`, who must be an admin, and audits
    /// it with its outcome (and `detail`, the parameters) before its answer can go out: if the
    /// read cannot be audited, it is not answered.
    async fn audited_read<T>(
        &self,
        caller: &Caller,
        endpoint: &str,
        mut detail: Value,
        read: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let source = Some(caller.address().to_string());
        let result = match caller.must_be_admin() {
            Ok(()) => read.await,
            Err(denied) => Err(denied),
        };
        let outcome = outcome_of(&result);
        if let (Err(error), Value::Object(members)) = (&result, &mut detail) {
            members.insert("error".to_owned(), error.to_string().into());
        }
        self.audit(caller.name(), AUDIT_READ, endpoint, outcome, source, detail)
            .await?;
        result
    }
}

fn base64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

/// A query parameter that is a whole number: `default` when absent, or required if there is
/// none.
fn number(name: &str, value: Option<&str>, default: Option<u64>) -> Result<u64, ApiError> {
    match (value, default) {
        (Some(value), _) => value
            .parse()
            .map_err(|_| ApiError::invalid(name, format!("{name} is a whole number, 0 or more"))),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(ApiError::invalid(name, format!("{name} is required"))),
    }
}

/// A signed checkpoint of the audit log.
#[derive(Serialize, ToSchema)]
pub struct CheckpointView {
    /// The log's name, also the signature's key name.
    origin: String,
    /// The number of entries the checkpoint vouches for.
    size: u64,
    /// The root of the log's Merkle tree at `size` (RFC 9162), base64.
    root: String,
    /// When the checkpoint was signed.
    #[schema(value_type = String, format = DateTime)]
    time: Timestamp,
    /// The checkpoint as a C2SP signed note, ed25519-signed.
    note: String,
    /// The node's ed25519 public key, base64 of its 32 bytes: verifies `note`.
    public_key: String,
}

impl CheckpointView {
    fn new(signed: &SignedCheckpoint, key: &AuditKey) -> Self {
        let checkpoint = signed.checkpoint();
        Self {
            origin: checkpoint.origin.clone(),
            size: checkpoint.size,
            root: base64(&checkpoint.root),
            time: checkpoint.time,
            note: signed.to_note(),
            public_key: BASE64.encode(key.public_key().as_bytes()),
        }
    }
}

/// The latest signed checkpoint of the audit log, signed afresh if the log has grown (admins
/// only).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = CheckpointView), (status = 403, body = ErrorBody)))]
async fn checkpoint(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CheckpointView>, ApiError> {
    let read = async {
        let auditor = &state.auditor;
        let signed = state
            .store
            .audit_checkpoint(&auditor.origin, &auditor.key.0, state.now())
            .await?;
        Ok(CheckpointView::new(&signed, &auditor.key))
    };
    let endpoint = "/api/v1/audit/checkpoint";
    let view = state
        .audited_read(&caller, endpoint, json!({}), read)
        .await?;
    Ok(Json(view))
}

/// Which entry, in the log at which size.
#[derive(Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry's index, from 0.
    #[param(value_type = u64, required = true)]
    index: Option<String>,
    /// The size of the log to prove it in, such as a checkpoint's: more than `index`, at most the
    /// log's size.
    #[param(value_type = u64, required = true)]
    size: Option<String>,
}

/// An RFC 9162 inclusion proof.
#[derive(Serialize, ToSchema)]
pub struct InclusionProofView {
    /// The entry's index.
    leaf_index: u64,
    /// The size of the log the proof is for.
    tree_size: u64,
    /// The proof's hashes, from the leaf up, base64.
    hashes: Vec<String>,
    /// The entry's leaf hash, SHA-256(0x00 ‖ entry), base64.
    leaf_hash: String,
}

impl From<AuditInclusionProof> for InclusionProofView {
    fn from(proof: AuditInclusionProof) -> Self {
        Self {
            leaf_index: proof.leaf_index,
            tree_size: proof.tree_size,
            hashes: proof.hashes.iter().map(base64).collect(),
            leaf_hash: base64(&proof.leaf_hash),
        }
    }
}

/// Proves that an entry is in the log at a size, such as a checkpoint's (admins only).
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", tag = "audit",
    security(("bearer" = [])), params(InclusionQuery),
    responses((status = 200, body = InclusionProofView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn inclusion_proof(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProofView>, ApiError> {
    let detail = json!(query);
    let read = async {
        let index = number("index", query.index.as_deref(), None)?;
        let size = number("size", query.size.as_deref(), None)?;
        Ok(state.store.audit_inclusion_proof(index, size).await?)
    };
    let endpoint = "/api/v1/audit/proof/inclusion";
    let proof = state.audited_read(&caller, endpoint, detail, read).await?;
    Ok(Json(proof.into()))
}

/// Between which sizes of the log.
#[derive(Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The earlier size, at least 1.
    #[param(value_type = u64, required = true)]
    from: Option<String>,
    /// The later size, at least `from` and at most the log's size.
    #[param(value_type = u64, required = true)]
    to: Option<String>,
}

/// An RFC 9162 consistency proof.
#[derive(Serialize, ToSchema)]
pub struct ConsistencyProofView {
    /// The earlier size.
    from: u64,
    /// The later size.
    to: u64,
    /// The proof's hashes, base64.
    hashes: Vec<String>,
}

/// Proves that the log at one size is a prefix of the log at a later size: nothing was changed
/// or removed in between (admins only).
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", tag = "audit",
    security(("bearer" = [])), params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProofView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn consistency_proof(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProofView>, ApiError> {
    let detail = json!(query);
    let read = async {
        let from = number("from", query.from.as_deref(), None)?;
        let to = number("to", query.to.as_deref(), None)?;
        let hashes = state.store.audit_consistency_proof(from, to).await?;
        Ok(ConsistencyProofView {
            from,
            to,
            hashes: hashes.iter().map(base64).collect(),
        })
    };
    let endpoint = "/api/v1/audit/proof/consistency";
    let proof = state.audited_read(&caller, endpoint, detail, read).await?;
    Ok(Json(proof))
}

/// Paging through the audit log.
#[derive(Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The index of the first entry (default 0).
    #[param(value_type = Option<u64>)]
    from: Option<String>,
    /// Entries per page, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
}

/// One entry of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Its position in the log, from 0.
    index: u64,
    /// When it happened.
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// Who acted.
    actor: String,
    /// What was done: a journalled change (`record_created`…) or a dotted action
    /// (`audit.read`…).
    action: String,
    /// What it was done to.
    target: String,
    /// `success`, `failure` or `denied`.
    #[schema(value_type = String)]
    outcome: Outcome,
    /// The client's address, when known.
    source: Option<String>,
    /// Anything else kept.
    #[schema(value_type = Object)]
    detail: Value,
}

impl From<IndexedAuditEntry> for AuditEntryView {
    fn from(indexed: IndexedAuditEntry) -> Self {
        let AuditEntry {
            at,
            actor,
            action,
            target,
            outcome,
            source,
            detail,
        } = indexed.entry;
        Self {
            index: indexed.index,
            at,
            actor,
            action,
            target,
            outcome,
            source,
            detail,
        }
    }
}

/// A page of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditEntries {
    /// The entries, in order; pass the last index + 1 as `from` for the next page.
    entries: Vec<AuditEntryView>,
}

/// Lists the audit log's entries in order, a page at a time (admins only).
#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "audit", security(("bearer" = [])),
    params(EntriesQuery),
    responses((status = 200, body = AuditEntries), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn entries(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EntriesQuery>,
) -> Result<Json<AuditEntries>, ApiError> {
    let detail = json!(query);
    let read = async {
        let from = number("from", query.from.as_deref(), Some(0))?;
        let limit = number("limit", query.limit.as_deref(), Some(100))?;
        let limit = u32::try_from(limit)
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| ApiError::invalid("limit", "limit is 1 to 1000"))?;
        Ok(state.store.audit_entries(from, limit).await?)
    };
    let endpoint = "/api/v1/audit/entries";
    let entries = state.audited_read(&caller, endpoint, detail, read).await?;
    Ok(Json(AuditEntries {
        entries: entries.into_iter().map(AuditEntryView::from).collect(),
    }))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(inclusion_proof))
        .routes(routes!(consistency_proof))
        .routes(routes!(entries))
}
