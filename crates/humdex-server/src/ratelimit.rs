//! Rate limits per client address with governor (GCRA): a burst, refilled at a steady rate,
//! answered with 429 and `Retry-After` once spent. They guard sign-in and the other routes that
//! check a secret, and are for public endpoints to come: add them to a router with
//! `.route_layer(axum::middleware::from_fn_with_state(state.auth_limiter.clone(), ratelimit::limit))`.
//!
//! The limiter reads the server's clock, so tests set time for it as for everything else.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::http::error::ApiError;
use crate::http::extract::ClientAddress;
use crate::{Clock, RateLimit};

/// Addresses tracked before the limiter forgets those that are back to a full burst.
const MAX_TRACKED: usize = 10_000;

/// The server's clock, as governor reads time: nanoseconds since the epoch.
#[derive(Clone)]
struct ServerClock(Clock);

impl GovernorClock for ServerClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let millis = u64::try_from((self.0)().as_millisecond()).unwrap_or(0);
        Nanos::from(Duration::from_millis(millis))
    }
}

type KeyedLimiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, ServerClock, NoOpMiddleware<Nanos>>;

/// A rate limiter keyed by client address.
#[derive(Clone)]
pub(crate) struct Limiter {
    limiter: Arc<KeyedLimiter>,
    clock: ServerClock,
}

impl Limiter {
    /// A limiter for `limit`, reading `clock`.
    pub(crate) fn new(limit: RateLimit, clock: Clock) -> Self {
        let quota = Quota::per_minute(limit.per_minute).allow_burst(limit.burst);
        let clock = ServerClock(clock);
        Self {
            limiter: Arc::new(RateLimiter::new(
                quota,
                DefaultKeyedStateStore::default(),
                clock.clone(),
            )),
            clock,
        }
    }

    /// Takes one request from `address`'s allowance; if it is spent, answers how long until
    /// the next is allowed.
    fn check(&self, address: &ClientAddress) -> Result<(), Duration> {
        if self.limiter.len() > MAX_TRACKED {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&address.key())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// Middleware: refuses the request with 429 when its address has spent its allowance.
pub(crate) async fn limit(
    State(limiter): State<Limiter>,
    address: ClientAddress,
    request: Request,
    next: Next,
) -> Response {
    match limiter.check(&address) {
        Ok(()) => next.run(request).await,
        Err(wait) => ApiError::RateLimited {
            retry_after_secs: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
        }
        .into_response(),
    }
}
