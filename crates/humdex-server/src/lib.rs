//! The Humdex HTTP API over axum: sign-in, sessions, second factors, lockout and API tokens
//! ([`auth`]), with CSRF protection, security headers and rate limits; record intake, reads, edits and
//! workflow ([`records`]), the entities text analysis finds in them, analyst pools, the journal and the dashboard, the tamper-evident audit
//! log's checkpoints, proofs and entries (signed with an [`AuditKey`]), and the OpenAPI
//! description generated from the handlers at `/api/v1/openapi.json`; and the browser UI
//! (`humdex-web`), a client of the same API.
//!
//! Handlers stay thin: they extract their inputs, call the store and map its errors through
//! [`ApiError`]. Rules belong in `humdex-model` and `humdex-store`, not here.
#![warn(missing_docs)]

mod analysis;
mod audit;
pub mod auth;
mod csrf;
mod disseminations;
mod graph;
mod headers;
mod http;
mod images;
pub mod import;
mod journal;
mod map;
mod pools;
mod privileges;
mod ratelimit;
mod records;
mod search;
mod subscriptions;

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use humdex_store::{ProjectionRunner, StateCountsProjection, Store};
use jiff::Timestamp;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

pub use audit::AuditKey;
pub use csrf::CSRF_HEADER;
pub use http::error::ApiError;
pub use http::extract::ClientAddress;
pub use humdex_web::TileServer;
pub use search::{Reindexed, reindex};

/// Limits of the API.
#[derive(Debug, Clone)]
pub struct Config {
    /// The largest JSON body accepted.
    pub max_body_bytes: usize,
    /// The largest attachment accepted.
    pub max_attachment_bytes: usize,
    /// The largest upload of files to import, all parts together.
    pub max_import_bytes: usize,
    /// The rate limit per client address on sign-in and the other routes that check a password
    /// or code.
    pub auth_rate_limit: RateLimit,
    /// The key that signs the audit log's checkpoints. The default is a fresh random key, which
    /// suits tests; `humdex serve` loads the node's key from its file.
    pub audit_key: AuditKey,
    /// The region (ISO 3166 alpha-2) of phone numbers written without a country code, unless a
    /// record's `phone_region` field says otherwise.
    pub phone_region: Option<String>,
    /// An admin's trafficking-indicator lexicon (TOML), added to the built-in one.
    pub indicator_lexicon: Option<String>,
    /// The directory of the search index; `None` keeps it in memory, which suits tests (the
    /// index is then rebuilt from the journal at every start).
    pub search_index: Option<std::path::PathBuf>,
    /// Whether subscriptions' webhooks may post to private, loopback and link-local addresses
    /// (an agency's internal systems); by default only public addresses are called.
    pub webhook_private_networks: bool,
    /// How many of a photo fingerprint's 256 bits may differ for two photos to match.
    pub image_match_distance: u32,
    /// The largest map-layer file accepted.
    pub max_layer_bytes: usize,
    /// A map tile server for the UI's map, besides the bundled offline basemap.
    pub tile_server: Option<TileServer>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_body_bytes: 2 * 1024 * 1024,
            max_attachment_bytes: 64 * 1024 * 1024,
            max_import_bytes: 256 * 1024 * 1024,
            auth_rate_limit: RateLimit {
                burst: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
                per_minute: NonZeroU32::new(60).unwrap_or(NonZeroU32::MIN),
            },
            audit_key: AuditKey::random(),
            phone_region: Some("US".to_owned()),
            indicator_lexicon: None,
            search_index: None,
            webhook_private_networks: false,
            image_match_distance: humdex_imagehash::index::DEFAULT_MAX_DISTANCE,
            max_layer_bytes: 64 * 1024 * 1024,
            tile_server: None,
        }
    }
}

/// A rate limit per client address: a burst, refilled at a steady rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests may come at once.
    pub burst: NonZeroU32,
    /// How many requests a minute refill it.
    pub per_minute: NonZeroU32,
}

/// The clock handlers read, a parameter so tests can set the time.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    state_counts: ProjectionRunner,
    analysis: ProjectionRunner,
    search: ProjectionRunner,
    images: Arc<images::Images>,
    image_runner: ProjectionRunner,
    graph: Arc<graph::LinkGraph>,
    graph_runner: ProjectionRunner,
    map: Arc<map::MapFeatures>,
    map_runner: ProjectionRunner,
    search_projection: Arc<search::SearchProjection>,
    search_index: Arc<humdex_search::index::SearchIndex>,
    percolation: Arc<subscriptions::Percolation>,
    clock: Clock,
    /// A hash to verify against when the username is unknown, so that sign-in takes as long
    /// whether or not the user exists.
    decoy_hash: String,
    config: Config,
    /// The rate limit of sign-in (see [`Config::auth_rate_limit`]).
    auth_limiter: ratelimit::Limiter,
    /// The audit log's signing key and the task that signs its checkpoints.
    auditor: audit::Auditor,
    /// Import jobs, running and recently finished.
    imports: import::ImportJobs,
}

impl AppState {
    /// The state over `store`; starts the store's projections, and the task that signs a
    /// checkpoint of the audit log with [`Config::audit_key`] every minute, the first at once.
    pub fn new(store: Store, config: Config, clock: Clock) -> Result<Self, ApiError> {
        let state_counts = ProjectionRunner::spawn(
            store.clone(),
            Arc::new(StateCountsProjection::new(store.clone())),
        );
        let analyzer = analysis::analyzer(config.indicator_lexicon.as_deref())?;
        let analysis = ProjectionRunner::spawn(
            store.clone(),
            Arc::new(analysis::AnalysisProjection::new(
                store.clone(),
                analyzer,
                config.phone_region.clone(),
            )),
        );
        let search_index = Arc::new(search::open_index(config.search_index.as_deref())?);
        let percolation = Arc::new(subscriptions::Percolation::new(
            store.clone(),
            search_index.clone(),
            clock.clone(),
            config.phone_region.clone(),
            config.webhook_private_networks,
        ));
        let search_projection = Arc::new(search::SearchProjection::new(
            store.clone(),
            search_index.clone(),
            analysis.clone(),
            percolation.clone(),
        ));
        let search = ProjectionRunner::spawn(store.clone(), search_projection.clone());
        tokio::spawn(search_projection.clone().follow_analysis());
        tokio::spawn(percolation.clone().deliver_webhooks());
        let images = Arc::new(images::Images::new(
            store.clone(),
            clock.clone(),
            config.image_match_distance,
        ));
        let image_runner = ProjectionRunner::spawn(
            store.clone(),
            Arc::new(images::ImageProjection(images.clone())),
        );
        tokio::spawn(images.clone().watch_lists());
        let graph = Arc::new(graph::LinkGraph::new(
            store.clone(),
            analysis.clone(),
            images.clone(),
            image_runner.clone(),
        ));
        let graph_runner = ProjectionRunner::spawn(
            store.clone(),
            Arc::new(graph::GraphProjection(graph.clone())),
        );
        let map = Arc::new(map::MapFeatures::new(store.clone(), analysis.clone()));
        let map_runner =
            ProjectionRunner::spawn(store.clone(), Arc::new(map::MapProjection(map.clone())));
        let auditor = audit::Auditor::start(&store, config.audit_key.clone(), clock.clone());
        Ok(Self {
            store,
            state_counts,
            analysis,
            search,
            images,
            image_runner,
            graph,
            graph_runner,
            map,
            map_runner,
            search_projection,
            search_index,
            percolation,
            auth_limiter: ratelimit::Limiter::new(config.auth_rate_limit, clock.clone()),
            auditor,
            imports: import::ImportJobs::new(),
            clock,
            decoy_hash: auth::decoy_hash()?,
            config,
        })
    }

    /// The state with the system clock.
    pub fn with_system_clock(store: Store, config: Config) -> Result<Self, ApiError> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the server's one source of real time"
        )]
        let clock: Clock = Arc::new(Timestamp::now);
        Self::new(store, config, clock)
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// The dashboard projection, to wait on in tests.
    pub fn state_counts(&self) -> &ProjectionRunner {
        &self.state_counts
    }

    /// The text-analysis projection, to wait on in tests.
    pub fn analysis(&self) -> &ProjectionRunner {
        &self.analysis
    }

    /// The search-index projection, to wait on in tests.
    pub fn search(&self) -> &ProjectionRunner {
        &self.search
    }

    /// The photo-fingerprint projection, to wait on in tests.
    pub fn images(&self) -> &ProjectionRunner {
        &self.image_runner
    }

    /// The link-graph projection, to wait on in tests.
    pub fn graph(&self) -> &ProjectionRunner {
        &self.graph_runner
    }

    /// The map projection, to wait on in tests.
    pub fn map(&self) -> &ProjectionRunner {
        &self.map_runner
    }

    /// Waits until every change up to `seq` is in the search index with its entities and has
    /// been matched against the subscriptions.
    pub async fn searchable(&self, seq: humdex_model::Seq) {
        self.search_projection.completed(seq).await;
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Humdex API", description = "Intelligence intake, analysis workflow and journal of a Humdex node."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in, sessions, second factors and passwords"),
        (name = "users", description = "Accounts and the second-factor policy, for admins"),
        (name = "tokens", description = "API tokens for machines"),
        (name = "records", description = "Reports and requests"),
        (name = "analysis", description = "Entities and trafficking indicators found in records' text"),
        (name = "search", description = "Search over the records the caller may see"),
        (name = "images", description = "Photo fingerprints: other copies of a photo, hash lists and their alerts"),
        (name = "graph", description = "Link analysis: entities, their links and evidence, charts, paths, merges and relations"),
        (name = "map", description = "Located features, clusters, layers of help, nearest help and tracks"),
        (name = "subscriptions", description = "Stored queries and the notifications of new records that match them"),
        (name = "workflow", description = "Workflow moves, assignment and pools"),
        (name = "journal", description = "The journal, counters and health"),
        (name = "audit", description = "The tamper-evident audit log: signed checkpoints, proofs and entries, for admins"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The whole API as a router.
pub fn app(state: AppState) -> Router {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes(&state))
        .merge(records::routes(state.config.max_attachment_bytes))
        .merge(pools::routes())
        .merge(journal::routes())
        .merge(privileges::routes())
        .merge(audit::routes())
        .merge(disseminations::routes())
        .merge(analysis::routes())
        .merge(search::routes())
        .merge(subscriptions::routes())
        .merge(images::routes(state.config.max_attachment_bytes))
        .merge(import::routes(state.config.max_import_bytes))
        .merge(graph::routes())
        .merge(map::routes(state.config.max_layer_bytes))
        .split_for_parts();
    let openapi = Arc::new(openapi);
    let tiles = state.config.tile_server.as_ref();
    let policy = headers::content_security_policy(tiles.map(|tiles| tiles.origin.as_str()));
    router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .merge(humdex_web::routes(tiles))
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            policy,
            headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
