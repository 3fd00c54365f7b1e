//! Subscription search: stored queries that notify their owners the moment a new or changed
//! record matches, live in the browser (Server-Sent Events) or by signed webhook.
//!
//! Every analysed record version goes through the percolator once per view; a match becomes a
//! notification only for the subscription whose owner sees exactly that view, so nobody is told
//! of a record because of a field they may not read. Notifications are stored once per
//! (subscription, record, version) before anyone is told of them.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use hmac::{Hmac, Mac};
use humdex_model::{
    DeliveryChannel, NewNotification, NewSubscription, Notification, Reader, Subscription,
    SubscriptionId,
};
use humdex_search::index::{Page, SearchIndex, Sort};
use humdex_search::percolator::{NoStatistics, Percolator, Refused, Scratch, TermStatistics};
use humdex_search::{TextField, View};
use humdex_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use tokio::sync::watch;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, JsonBody};
use crate::search::{SearchResults, parse_query, search_results};

/// More notifications than this in one wake of a stream go as one digest event.
const DIGEST_AFTER: usize = 10;
/// The most notifications one read of the store takes.
const BATCH: u32 = 500;
/// How many webhook posts one delivery round makes at most, one per subscription.
const WEBHOOK_BATCH: u32 = 1000;

/// A subscription as the percolator knows it.
struct Registered {
    id: SubscriptionId,
    owner: String,
    paused: bool,
}

/// The subscriptions in the percolator, by its keys.
#[derive(Default)]
struct Registry {
    next_key: u64,
    by_key: HashMap<u64, Registered>,
    keys: HashMap<SubscriptionId, u64>,
}

/// The running percolator, its subscriptions, and the signal that new notifications exist.
pub(crate) struct Percolation {
    store: Store,
    index: Arc<SearchIndex>,
    percolator: RwLock<Percolator>,
    registry: RwLock<Registry>,
    /// The id of the newest notification, so streams and the webhook deliverer wake.
    newest: watch::Sender<i64>,
    clock: crate::Clock,
    /// The region of phone numbers in stored queries written without a country code.
    phone_region: Option<String>,
    /// Set once the stored subscriptions are in the percolator.
    loaded: tokio::sync::OnceCell<()>,
    /// Whether webhooks may go to private, loopback and link-local addresses.
    private_networks: bool,
}

/// Document frequencies from the search index, to anchor each query on its rarest term.
struct IndexStatistics<'a>(&'a SearchIndex);

impl TermStatistics for IndexStatistics<'_> {
    fn views(&self) -> u64 {
        self.0.documents()
    }

    fn doc_freq(&self, field: TextField, term: &str) -> Option<u64> {
        self.0.doc_freq(field, term).ok()
    }
}

impl Percolation {
    pub(crate) fn new(
        store: Store,
        index: Arc<SearchIndex>,
        clock: crate::Clock,
        phone_region: Option<String>,
        private_networks: bool,
    ) -> Self {
        Self {
            store,
            index,
            percolator: RwLock::new(Percolator::new()),
            registry: RwLock::new(Registry::default()),
            newest: watch::Sender::new(0),
            clock,
            phone_region,
            loaded: tokio::sync::OnceCell::new(),
            private_networks,
        }
    }

    /// Puts the stored subscriptions in the percolator, once, before it first runs.
    async fn loaded(&self) -> humdex_store::Result<()> {
        self.loaded
            .get_or_try_init(|| self.load())
            .await
            .map(|_| ())
    }

    async fn load(&self) -> humdex_store::Result<()> {
        self.newest
            .send_replace(self.store.newest_notification_id().await?);
        let context = humdex_search::ParseContext {
            phone_region: self.phone_region.clone(),
        };
        for subscription in self.store.all_subscriptions().await? {
            // Stored queries parsed when they were made; one that no longer does (the language
            // changed) is logged and left out rather than stop the server.
            match humdex_search::parse(&subscription.query, &context) {
                Ok(query) => {
                    if let Err(error) = self.register(&subscription, &query) {
                        tracing::warn!(id = %subscription.id, %error, "subscription left out");
                    }
                }
                Err(error) => {
                    tracing::warn!(id = %subscription.id, %error, "subscription left out")
                }
            }
        }
        Ok(())
    }

    /// Puts `subscription` in the percolator; refused when its query cannot be anchored.
    fn register(
        &self,
        subscription: &Subscription,
        query: &humdex_search::Query,
    ) -> Result<(), Refused> {
        let mut registry = self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let key = match registry.keys.get(&subscription.id) {
            Some(key) => *key,
            None => {
                registry.next_key += 1;
                registry.next_key
            }
        };
        let mut percolator = self
            .percolator
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        percolator.insert(key, query, &IndexStatistics(&self.index))?;
        if percolator.compaction_due() {
            percolator.compact();
        }
        drop(percolator);
        registry.keys.insert(subscription.id, key);
        registry.by_key.insert(
            key,
            Registered {
                id: subscription.id,
                owner: subscription.owner.clone(),
                paused: subscription.paused,
            },
        );
        Ok(())
    }

    fn set_paused(&self, id: SubscriptionId, paused: bool) {
        let mut registry = self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = registry.keys.get(&id).copied()
            && let Some(registered) = registry.by_key.get_mut(&key)
        {
            registered.paused = paused;
        }
    }

    fn unregister(&self, id: SubscriptionId) {
        let mut registry = self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = registry.keys.remove(&id) {
            registry.by_key.remove(&key);
            self.percolator
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(key);
        }
    }

    /// Runs every stored query against the views of the analysed record versions `records`,
    /// and stores a notification for each match its owner may see.
    pub(crate) async fn percolate(&self, records: Vec<Vec<View>>) -> humdex_store::Result<()> {
        self.loaded().await?;
        // Which subscription matched which view, and why.
        let matches: Vec<(SubscriptionId, String, View, serde_json::Value)> = {
            let percolator = self
                .percolator
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let registry = self.registry.read().unwrap_or_else(PoisonError::into_inner);
            let mut scratch = Scratch::new();
            let mut matches = Vec::new();
            for view in records.into_iter().flatten() {
                for found in percolator.percolate(&view, &mut scratch) {
                    let Some(registered) = registry.by_key.get(&found.key) else {
                        continue;
                    };
                    if registered.paused {
                        continue;
                    }
                    let reasons: Vec<serde_json::Value> = found
                        .reasons
                        .iter()
                        .map(|reason| json!({"matched": reason.what, "parts": reason.parts}))
                        .collect();
                    matches.push((
                        registered.id,
                        registered.owner.clone(),
                        view.clone(),
                        serde_json::Value::Array(reasons),
                    ));
                }
            }
            matches
        };
        if matches.is_empty() {
            return Ok(());
        }
        let mut readers: HashMap<String, Option<Reader>> = HashMap::new();
        let mut notifications = Vec::new();
        let now = (self.clock)();
        for (subscription_id, owner, view, reasons) in matches {
            if !readers.contains_key(&owner) {
                let reader = match self.store.account(&owner).await {
                    Ok(account) if !account.disabled => Some(Reader::new(&account.user)),
                    Ok(_) | Err(humdex_store::Error::NotFound) => None,
                    Err(error) => return Err(error),
                };
                readers.insert(owner.clone(), reader);
            }
            let Some(Some(reader)) = readers.get(&owner) else {
                continue;
            };
            // The owner is told only of the view they see, and so only of what it holds.
            if !view.visible_to(reader) {
                continue;
            }
            notifications.push(NewNotification {
                subscription_id,
                record_id: view.record,
                version: view.version,
                created: now,
                reasons,
            });
        }
        let stored = self.store.add_notifications(&notifications).await?;
        if let Some(newest) = stored.iter().map(|notification| notification.id).max() {
            self.newest.send_if_modified(|current| {
                let newer = newest > *current;
                if newer {
                    *current = newest;
                }
                newer
            });
        }
        Ok(())
    }

    /// Posts undelivered webhook notifications, one signed post per subscription per round
    /// (a digest when there are several); runs for as long as the server does.
    pub(crate) async fn deliver_webhooks(self: Arc<Self>) {
        let mut newest = self.newest.subscribe();
        let mut failures: u32 = 0;
        loop {
            match self.deliver_round().await {
                Ok(true) => {
                    failures = 0;
                    continue;
                }
                Ok(false) => failures = 0,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, "webhook delivery failed; retrying");
                }
            }
            if failures == 0 {
                // New notifications wake the deliverer; other nodes' are found within 30 s.
                let _ = tokio::time::timeout(Duration::from_secs(30), newest.changed()).await;
            } else {
                // Back off while receivers fail: 10 s, 20 s, … up to five minutes.
                let wait = 5u64.saturating_mul(1 << failures.min(6)).min(300);
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
        }
    }

    /// One round of webhook delivery; `Ok(true)` when there may be more to deliver at once.
    async fn deliver_round(&self) -> Result<bool, String> {
        let pending = self
            .store
            .undelivered_webhook_notifications(WEBHOOK_BATCH)
            .await
            .map_err(|error| error.to_string())?;
        let full = pending.len() == WEBHOOK_BATCH as usize;
        let mut by_subscription: HashMap<SubscriptionId, Vec<Notification>> = HashMap::new();
        for notification in pending {
            by_subscription
                .entry(notification.subscription_id)
                .or_default()
                .push(notification);
        }
        let mut failed = None;
        for (id, notifications) in by_subscription {
            let subscription = match self.store.subscription(id).await {
                Ok(subscription) => subscription,
                Err(humdex_store::Error::NotFound) => continue,
                Err(error) => return Err(error.to_string()),
            };
            let Some(url) = subscription.webhook_url.as_deref() else {
                continue;
            };
            let secret = self
                .store
                .webhook_secret(id)
                .await
                .map_err(|error| error.to_string())?;
            let body = serde_json::to_vec(&json!({
                "subscription_id": id,
                "name": subscription.name,
                "count": notifications.len(),
                "notifications": notifications,
            }))
            .map_err(|error| error.to_string())?;
            let sent_at = (self.clock)().as_second();
            let signature = sign(&secret, sent_at, &body)?;
            let response = webhook_client(url, self.private_networks)
                .await?
                .post(url)
                .header("content-type", "application/json")
                .header("x-humdex-timestamp", sent_at.to_string())
                .header("x-humdex-signature", format!("sha256={signature}"))
                .body(body)
                .send()
                .await;
            match response {
                Ok(response) if response.status().is_success() => {
                    let ids: Vec<i64> = notifications.iter().map(|n| n.id).collect();
                    self.store
                        .mark_delivered(&ids)
                        .await
                        .map_err(|error| error.to_string())?;
                }
                Ok(response) => failed = Some(format!("{url} answered {}", response.status())),
                Err(error) => failed = Some(format!("{url}: {error}")),
            }
        }
        match failed {
            Some(error) => Err(error),
            None => Ok(full),
        }
    }
}

/// A client that posts to `url`, its host resolved here once and pinned, so that the address
/// checked is the address called. Addresses on private, loopback and link-local networks are
/// refused unless `private_networks` allows them: a webhook must not become a way to reach the
/// node's own network.
pub(crate) async fn webhook_client(
    url: &str,
    private_networks: bool,
) -> Result<reqwest::Client, String> {
    let parsed = reqwest::Url::parse(url).map_err(|error| format!("{url}: {error}"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("{url} names no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| format!("{url} names no port"))?;
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|error| format!("{host}: {error}"))?
        .collect();
    let Some(address) = addresses.first().copied() else {
        return Err(format!("{host} has no address"));
    };
    if !private_networks && !addresses.iter().all(|address| public(address.ip())) {
        return Err(format!(
            "{host} is on a private network; webhooks go to public addresses unless the node \
             allows private ones (--webhook-private-networks)"
        ));
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, address)
        .build()
        .map_err(|error| error.to_string())
}

/// Whether `ip` is an address on the public internet.
fn public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(ip) => {
            !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_multicast()
                || ip.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT.
                || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(mapped) => public(IpAddr::V4(mapped)),
            None => {
                !(ip.is_loopback()
                    || ip.is_unspecified()
                    || ip.is_multicast()
                    || ip.is_unique_local()
                    || ip.is_unicast_link_local())
            }
        },
    }
}

/// The webhook signature: HMAC-SHA256, keyed by the subscription's secret, over
/// `<unix seconds>.<body>`, in lower-case hex. Receivers recompute it and refuse old timestamps.
pub(crate) fn sign(secret: &str, sent_at: i64, body: &[u8]) -> Result<String, String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .map_err(|error| error.to_string())?;
    mac.update(sent_at.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(hex::encode(mac.finalize().into_bytes()))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_subscription, list_subscriptions))
        .routes(routes!(change_subscription, delete_subscription))
        .routes(routes!(list_notifications))
        .routes(routes!(notification_stream))
}

/// A new subscription, with what already matches it.
#[derive(Serialize, ToSchema)]
pub(crate) struct Created {
    /// The subscription.
    subscription: Subscription,
    /// The key that signs its webhook posts (HMAC-SHA256 over `<timestamp>.<body>`, sent as
    /// `X-Humdex-Signature: sha256=<hex>` with `X-Humdex-Timestamp`); shown only now.
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_secret: Option<String>,
    /// The archive's records that already match, newest first: the query run once as a search.
    existing: SearchResults,
}

/// Stores a query that notifies the caller of every new or changed record that matches it. The
/// query is the search language's; it must look for something (a word, phrase, entity, place
/// or filter), since a subscription to "everything but X" would be checked against every
/// record.
#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "subscriptions", security(("bearer" = [])),
    request_body = NewSubscription,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody)))]
async fn create_subscription(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody { value: new, .. }: JsonBody<NewSubscription>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    new.validate().map_err(humdex_store::Error::from)?;
    let query = parse_query(&state, "query", &new.query)?;
    // Tried on an empty percolator before anything is stored, so a refused query leaves
    // nothing behind.
    Percolator::new()
        .insert(0, &query, &NoStatistics)
        .map_err(|error| ApiError::invalid("query", error.to_string()))?;
    if let Some(url) = &new.webhook_url {
        webhook_client(url, state.config.webhook_private_networks)
            .await
            .map_err(|error| ApiError::invalid("webhook_url", error))?;
    }
    let channel = new.channel;
    state.percolation.loaded().await?;
    let (subscription, secret) = state
        .store
        .create_subscription(caller.name(), new, state.now())
        .await?;
    state
        .percolation
        .register(&subscription, &query)
        .map_err(|error| ApiError::invalid("query", error.to_string()))?;
    // After registering: a record indexed from now on is percolated; one indexed before is found
    // by this search.
    let page = Page {
        offset: 0,
        limit: 20,
        sort: Sort::Newest,
    };
    let existing = search_results(&state, &caller.reader(), query, page).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            subscription,
            webhook_secret: (channel == DeliveryChannel::Webhook).then_some(secret),
            existing,
        }),
    ))
}

/// The caller's subscriptions.
#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "subscriptions", security(("bearer" = [])),
    responses((status = 200, body = Vec<Subscription>)))]
async fn list_subscriptions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Subscription>>, ApiError> {
    Ok(Json(state.store.subscriptions(caller.name()).await?))
}

/// A change to a subscription.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubscriptionChange {
    /// Pause (`true`) or resume (`false`) it.
    paused: bool,
}

/// Pauses or resumes one of the caller's subscriptions; a paused one notifies no one.
#[utoipa::path(patch, path = "/api/v1/subscriptions/{id}", tag = "subscriptions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SubscriptionChange,
    responses((status = 200, body = Subscription), (status = 404, body = ErrorBody)))]
async fn change_subscription(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SubscriptionId>,
    JsonBody { value: change, .. }: JsonBody<SubscriptionChange>,
) -> Result<Json<Subscription>, ApiError> {
    let subscription = state
        .store
        .set_subscription_paused(caller.name(), id, change.paused, state.now())
        .await?;
    state.percolation.set_paused(id, subscription.paused);
    Ok(Json(subscription))
}

/// Deletes one of the caller's subscriptions and its notifications.
#[utoipa::path(delete, path = "/api/v1/subscriptions/{id}", tag = "subscriptions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_subscription(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SubscriptionId>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_subscription(caller.name(), id, state.now())
        .await?;
    state.percolation.unregister(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Where to start a list of notifications.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct NotificationsQuery {
    /// `oldest` first (the default, read on with `after`) or `newest` first (read back with
    /// `before`).
    order: Option<String>,
    /// Oldest first: only notifications after this id.
    after: Option<i64>,
    /// Newest first: only notifications before this id.
    before: Option<i64>,
    /// At most this many, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// The caller's notifications: oldest first after `after`, or with `order=newest` newest first
/// before `before`.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "subscriptions", security(("bearer" = [])),
    params(NotificationsQuery),
    responses((status = 200, body = Vec<Notification>)))]
async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<NotificationsQuery>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=BATCH).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("limit is 1 to {BATCH}")));
    }
    let notifications = match (query.order.as_deref(), query.after, query.before) {
        (None | Some("oldest"), after, None) => {
            state
                .store
                .notifications(caller.name(), after.unwrap_or(0), limit)
                .await?
        }
        (Some("newest"), None, before) => {
            state
                .store
                .newest_notifications(caller.name(), before, limit)
                .await?
        }
        (Some("oldest" | "newest") | None, _, _) => {
            return Err(ApiError::invalid(
                "order",
                "`after` reads oldest first and `before` newest first (order=newest)",
            ));
        }
        (Some(_), _, _) => {
            return Err(ApiError::invalid("order", "order is `oldest` or `newest`"));
        }
    };
    Ok(Json(notifications))
}

/// The caller's notifications as they happen (Server-Sent Events). Each event's id is the
/// notification's; reconnecting with `Last-Event-ID` resumes after it. An event `notification`
/// holds one notification; when many arrive at once they come as one `digest` event holding
/// them all.
#[utoipa::path(get, path = "/api/v1/notifications/stream", tag = "subscriptions", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", description = "notification and digest events")))]
async fn notification_stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // A new stream starts now; a resumed one after the last event it had.
    let after = match headers.get("last-event-id") {
        None => state.store.newest_notification_id().await?,
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|value| value.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::invalid("Last-Event-ID", "not an event id from this stream")
            })?,
    };
    let owner = caller.name().to_owned();
    let store = state.store.clone();
    let newest = state.percolation.newest.subscribe();
    let batches = futures::stream::unfold(
        (store, owner, after, newest),
        |(store, owner, mut after, mut newest)| async move {
            loop {
                match store.notifications(&owner, after, BATCH).await {
                    Ok(notifications) if !notifications.is_empty() => {
                        after = notifications.last().map_or(after, |last| last.id);
                        let events = events_for(&notifications);
                        return Some((events, (store, owner, after, newest)));
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "notification stream read failed"),
                }
                // Woken by this node's notifications; other nodes' are found within seconds.
                let _ = tokio::time::timeout(Duration::from_secs(2), newest.changed()).await;
            }
        },
    );
    let events = batches.flat_map(|events| futures::stream::iter(events.into_iter().map(Ok)));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The events for `notifications`: one each, or one digest of them all when there are many.
fn events_for(notifications: &[Notification]) -> Vec<Event> {
    let event = |name: &str, id: i64, data: String| {
        Event::default().event(name).id(id.to_string()).data(data)
    };
    if notifications.len() > DIGEST_AFTER {
        let last = notifications.last().map_or(0, |last| last.id);
        let digest = json!({"count": notifications.len(), "notifications": notifications});
        return vec![event("digest", last, digest.to_string())];
    }
    notifications
        .iter()
        .map(|notification| {
            let data = serde_json::to_string(notification).unwrap_or_default();
            event("notification", notification.id, data)
        })
        .collect()
}
