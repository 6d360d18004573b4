//! The application of the `service` example: an HTTP service on axum whose request handler and
//! background worker are guarded by taskward's attributes instead of hand-written tokio code.
//!
//! - `GET /quote?delay_ms=N`: a price quote from a simulated upstream that takes `N` ms to answer
//!   (default 20). The handler is `#[graceful]` (tracked by the service's [`Shutdown`]),
//!   `#[bounded]` (at most [`QUOTE_LIMIT`] requests inside at once; a request waits at most 50ms
//!   for a slot, then is shed) and `#[with_timeout]` (300ms once it holds a slot).
//! - `GET /stats`: plain-text figures, one `name value` a line: requests inside the quote handler
//!   now and at most, quotes served, cache refreshes and their failures, tracked calls.
//! - `GET /rate`: an exchange rate from a second, flaky dependency ([`Rates`]): one call in three
//!   fails, which `#[retry]` hides; while it is down (`GET /rate/outage?down=1`, for the demo and
//!   the test), every call fails, and `#[circuit_breaker]` stops calling it after 3 failed
//!   requests, answering 503 at once until a probe after 500ms finds it back.
//! - `GET /partner`: a call of a partner's API that takes at most [`PARTNER_RATE`] calls a second
//!   from the whole service, however many replicas run: `#[rate_limited(in = PARTNER_API)]`, a
//!   fleet rate limit kept in Redis when the example is built with the `redis` feature and run
//!   with `REDIS_URL` (see `main.rs`), a local one otherwise. The answer is the time the call
//!   started, in microseconds since the Unix epoch.
//! - A background worker ([`refresh_cache`]) refreshes the quote cache every 250ms. It fails now
//!   and then: `#[supervised(restart = "always")]` restarts it after a failure (with backoff, within
//!   a restart budget) and after a success, until shutdown; `#[graceful]` makes the drain wait
//!   for its last run.
//!
//! [`run`] serves until the coordinator is triggered (`main` triggers it on SIGINT/SIGTERM), then
//! stops accepting connections, lets the requests in flight finish, cancels what still runs after
//! the grace period, and returns the [`DrainReport`].
//!
//! # Errors as HTTP responses
//!
//! Handlers return `Result<_, AppError>`; [`AppError`] wraps a [`taskward::Error`] (the attributes
//! convert into it through `From`) and answers with a `text/plain` body, the error's message:
//!
//! | `taskward::Error` | status | headers | because |
//! |---|---|---|---|
//! | `Rejected` | 503 Service Unavailable | `Retry-After: 1` | load shed: every slot was busy for the whole `wait`; a retry a moment later likely gets one |
//! | `Timeout` | 504 Gateway Timeout | | the upstream did not answer within the deadline; the call was dropped |
//! | `ShuttingDown` | 503 Service Unavailable | `Connection: close` | this instance is stopping and refuses new work: retry on a new connection (another instance) |
//! | `Cancelled` | 503 Service Unavailable | `Connection: close` | the request was still running at the end of the grace period and was cut off |
//! | `CircuitOpen` | 503 Service Unavailable | `Retry-After: 1` | a breaker fails calls fast while the upstream recovers |
//! | `LimitUnavailable` | 503 Service Unavailable | `Retry-After: 1` | a fleet limit's Redis did not answer: the call was not made |
//! | anything else (`Panicked`, variants added later) | 500 Internal Server Error | | a bug, not a load condition |

use std::fmt;
use std::future::IntoFuture;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use taskward::{
    Breaker, DrainReport, RateLimit, Shutdown, bounded, circuit_breaker, graceful, rate_limited,
    retry, supervised, with_timeout,
};
use tokio::net::TcpListener;

/// At most this many requests inside [`quote`] at once (its `#[bounded]` limit).
pub const QUOTE_LIMIT: usize = 8;
/// How long [`quote`] may run once it holds a slot, as written in its `#[with_timeout]`.
pub const QUOTE_TIMEOUT: Duration = Duration::from_millis(300);
/// The upstream delay of `GET /quote` without `delay_ms`.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(20);
/// The largest `delay_ms` taken (larger values are capped).
const MAX_DELAY_MS: u64 = 60_000;
/// How long the server may take to close its connections once the drain is over.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the handlers and the worker share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The coordinator the `#[graceful]` functions are tracked by.
    pub shutdown: Shutdown,
    /// The figures behind `GET /stats`.
    pub stats: Arc<Stats>,
    /// The quote cache the worker refreshes.
    pub cache: Arc<QuoteCache>,
    /// The exchange-rate dependency of `GET /rate`, and its breaker.
    pub rates: Arc<Rates>,
}

impl AppState {
    /// A fresh state tracked by `shutdown`.
    pub fn new(shutdown: Shutdown) -> Self {
        AppState {
            shutdown,
            stats: Arc::default(),
            cache: Arc::new(QuoteCache::new()),
            rates: Arc::new(Rates::new()),
        }
    }
}

/// Counters of the running service.
#[derive(Debug, Default)]
pub struct Stats {
    inside: AtomicUsize,
    inside_max: AtomicUsize,
    quotes: AtomicU64,
    refresh_runs: AtomicU64,
    refresh_failures: AtomicU64,
}

impl Stats {
    /// Counts a request inside the quote handler until the guard is dropped (on return, timeout
    /// or cancellation alike).
    fn enter(&self) -> Inside<'_> {
        let now = self.inside.fetch_add(1, Relaxed) + 1;
        self.inside_max.fetch_max(now, Relaxed);
        Inside(self)
    }

    /// Requests inside the quote handler now.
    pub fn inside(&self) -> usize {
        self.inside.load(Relaxed)
    }

    /// The most requests seen inside the quote handler at once.
    pub fn inside_max(&self) -> usize {
        self.inside_max.load(Relaxed)
    }

    /// The `GET /stats` page.
    pub fn render(&self, shutdown: &Shutdown) -> String {
        format!(
            "in_handler {}\nin_handler_max {}\nin_handler_limit {}\nquotes_served {}\n\
             cache_refresh_runs {}\ncache_refresh_failures {}\ntracked_calls {}\nshutting_down {}\n",
            self.inside(),
            self.inside_max(),
            QUOTE_LIMIT,
            self.quotes.load(Relaxed),
            self.refresh_runs.load(Relaxed),
            self.refresh_failures.load(Relaxed),
            shutdown.in_flight(),
            shutdown.is_triggered(),
        )
    }
}

/// Leaves the gauge of [`Stats`] when dropped.
struct Inside<'a>(&'a Stats);

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.inside.fetch_sub(1, Relaxed);
    }
}

/// The cached base price that quotes are made from.
#[derive(Debug)]
pub struct QuoteCache {
    /// The base price in cents.
    base_cents: AtomicU64,
    /// How many refreshes succeeded.
    generation: AtomicU64,
}

impl QuoteCache {
    fn new() -> Self {
        QuoteCache {
            base_cents: AtomicU64::new(10_000),
            generation: AtomicU64::new(0),
        }
    }
}

/// The service's routes over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/quote", get(quote))
        .route("/stats", get(stats))
        .route("/rate", get(rate))
        .route("/rate/outage", get(rate_outage))
        .route("/partner", get(partner))
        .with_state(state)
}

/// Calls a second that the partner's API takes from the whole service.
pub const PARTNER_RATE: u32 = 50;

/// The partner's limit: one for the whole fleet, in Redis, with the `redis` feature (evenly spaced:
/// burst 1); the same figures in this process alone without it.
#[cfg(feature = "redis")]
pub static PARTNER_API: RateLimit =
    RateLimit::fleet("partner-api", PARTNER_RATE, Duration::from_secs(1)).with_burst(1);
/// The partner's limit: one for the whole fleet, in Redis, with the `redis` feature (evenly spaced:
/// burst 1); the same figures in this process alone without it.
#[cfg(not(feature = "redis"))]
pub static PARTNER_API: RateLimit =
    RateLimit::new(PARTNER_RATE, Duration::from_secs(1)).with_burst(1);

/// `GET /partner`: one call of the partner's API, within its limit (2s of waiting for a slot,
/// then 503); answers the time the call started, in microseconds since the Unix epoch.
#[rate_limited(in = PARTNER_API, wait = "2s")]
pub async fn partner() -> Result<String, AppError> {
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    Ok(format!("partner call at {at}\n"))
}

/// `GET /quote?delay_ms=N`: asks the (simulated) upstream for a quote.
///
/// Guarded as a whole: tracked for shutdown, at most [`QUOTE_LIMIT`] at once (50ms of waiting
/// for a slot, then 503), and 300ms to answer once it has one (then 504).
#[graceful(in = &state.shutdown)]
#[bounded(QUOTE_LIMIT, wait = "50ms")]
#[with_timeout("300ms")]
pub async fn quote(
    State(state): State<AppState>,
    UpstreamDelay(delay): UpstreamDelay,
) -> Result<String, AppError> {
    let _inside = state.stats.enter();
    let cents = upstream_quote(&state.cache, delay).await;
    state.stats.quotes.fetch_add(1, Relaxed);
    Ok(format!(
        "quote {}.{:02} (cache generation {})\n",
        cents / 100,
        cents % 100,
        state.cache.generation.load(Relaxed)
    ))
}

/// The slow dependency: answers after `delay`, with the cached base price and a spread.
async fn upstream_quote(cache: &QuoteCache, delay: Duration) -> u64 {
    tokio::time::sleep(delay).await;
    cache.base_cents.load(Relaxed) + 25
}

/// The exchange-rate dependency: one call in three fails (a blip that calling again fixes), and
/// while it is down every call fails. The breaker in front of it is its own, one per state.
#[derive(Debug)]
pub struct Rates {
    /// Opens after 3 failed requests in a row; a probe 500ms later.
    breaker: Breaker,
    down: AtomicBool,
    /// Calls that reached the dependency (attempts, retries included).
    pub calls: AtomicU64,
}

impl Rates {
    fn new() -> Self {
        Rates {
            breaker: Breaker::new().failures(3).reset(Duration::from_millis(500)),
            down: AtomicBool::new(false),
            calls: AtomicU64::new(0),
        }
    }

    /// The breaker's state, for `GET /stats` and the test.
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }
}

/// Why the exchange rate could not be had.
#[derive(Debug)]
pub enum RateError {
    /// The dependency failed this call.
    Unavailable,
    /// Refused by taskward: the breaker is open.
    Taskward(taskward::Error),
}

impl From<taskward::Error> for RateError {
    fn from(err: taskward::Error) -> Self {
        RateError::Taskward(err)
    }
}

/// One request for the rate: a failed call is retried (twice, 10ms then 20ms later); a request
/// whose attempts all fail counts as one failure of the breaker, which opens after 3 and then
/// answers at once with `CircuitOpen` instead of calling.
#[circuit_breaker(in = &rates.breaker, on = RateError::Unavailable)]
#[retry(attempts = 3, backoff = "10ms..20ms", jitter = false, budget = false, on = RateError::Unavailable)]
async fn fetch_rate(rates: &Rates) -> Result<u64, RateError> {
    let call = rates.calls.fetch_add(1, Relaxed) + 1;
    tokio::time::sleep(Duration::from_millis(5)).await; // the call to the dependency
    if rates.down.load(Relaxed) || call.is_multiple_of(3) {
        return Err(RateError::Unavailable);
    }
    Ok(10_850)
}

/// `GET /rate`: the exchange rate; 502 when the dependency failed every attempt, 503 while the
/// breaker is open.
async fn rate(State(state): State<AppState>) -> Response {
    match fetch_rate(&state.rates).await {
        Ok(rate) => format!("rate {}.{:04}\n", rate / 10_000, rate % 10_000).into_response(),
        Err(RateError::Unavailable) => (
            StatusCode::BAD_GATEWAY,
            "the exchange-rate service failed every attempt\n",
        )
            .into_response(),
        Err(RateError::Taskward(err)) => AppError(err).into_response(),
    }
}

/// `GET /rate/outage?down=1` (or `0`): takes the exchange-rate dependency down, or brings it back.
async fn rate_outage(State(state): State<AppState>, uri: axum::http::Uri) -> &'static str {
    let down = uri.query().is_some_and(|q| q.contains("down=1"));
    state.rates.down.store(down, Relaxed);
    if down { "down\n" } else { "up\n" }
}

/// `GET /stats`: the figures of [`Stats`], as text.
async fn stats(State(state): State<AppState>) -> String {
    let mut page = state.stats.render(&state.shutdown);
    let rates = &state.rates;
    page.push_str(&format!(
        "rate_calls {}\nrate_breaker_opened {}\n",
        rates.calls.load(Relaxed),
        rates.breaker().times_opened()
    ));
    page
}

/// The `delay_ms` query parameter of `GET /quote`; a malformed value is a 400.
pub struct UpstreamDelay(pub Duration);

impl<S: Send + Sync> FromRequestParts<S> for UpstreamDelay {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let mut delay = DEFAULT_DELAY;
        for ms in query.split('&').filter_map(|p| p.strip_prefix("delay_ms=")) {
            let ms: u64 = ms.parse().map_err(|_| {
                (
                    StatusCode::BAD_REQUEST,
                    "delay_ms is a whole number of milliseconds\n",
                )
            })?;
            delay = Duration::from_millis(ms.min(MAX_DELAY_MS));
        }
        Ok(UpstreamDelay(delay))
    }
}

/// The background worker: one run refreshes the quote cache from the upstream; every fifth run
/// fails. Restarted after every run, 250ms later (after a failure: with backoff, at most 20
/// restarts within 10s), until shutdown begins.
#[graceful(in = &state.shutdown)]
#[supervised(
    restart = "always",
    restarts = 20,
    within = "10s",
    backoff = "250ms..2s"
)]
pub async fn refresh_cache(state: AppState) -> Result<(), RefreshError> {
    let run = state.stats.refresh_runs.fetch_add(1, Relaxed) + 1;
    tokio::time::sleep(Duration::from_millis(20)).await; // the call to the upstream
    if run.is_multiple_of(5) {
        state.stats.refresh_failures.fetch_add(1, Relaxed);
        return Err(RefreshError::Upstream { run });
    }
    state
        .cache
        .base_cents
        .store(10_000 + run * 37 % 500, Relaxed);
    state.cache.generation.fetch_add(1, Relaxed);
    Ok(())
}

/// Why the worker stopped, or why one of its runs failed.
#[derive(Debug)]
pub enum RefreshError {
    /// The upstream failed this run.
    Upstream {
        /// The run that failed (the first run is 1).
        run: u64,
    },
    /// The worker was stopped by taskward (cancelled at the end of the grace period).
    Taskward(taskward::Error),
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefreshError::Upstream { run } => write!(f, "upstream unavailable (run {run})"),
            RefreshError::Taskward(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for RefreshError {}

impl From<taskward::Error> for RefreshError {
    fn from(err: taskward::Error) -> Self {
        RefreshError::Taskward(err)
    }
}

/// A handler's failure, answered as the module docs' table says.
#[derive(Debug)]
pub struct AppError(pub taskward::Error);

impl From<taskward::Error> for AppError {
    fn from(err: taskward::Error) -> Self {
        AppError(err)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        use taskward::Error;
        let body = format!("{}\n", self.0);
        match self.0 {
            Error::Rejected { .. } | Error::CircuitOpen { .. } | Error::LimitUnavailable { .. } => {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "1")],
                    body,
                )
                    .into_response()
            }
            Error::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, body).into_response(),
            Error::ShuttingDown { .. } | Error::Cancelled { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONNECTION, "close")],
                body,
            )
                .into_response(),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, body).into_response(),
        }
    }
}

/// Runs the service: serves `router` on `listener` and runs [`refresh_cache`] until
/// `state.shutdown` is triggered; then stops accepting connections, waits for the tracked calls
/// (cancelling those still running after `grace`), lets the server close its connections, and
/// returns what the drain did.
///
/// # Errors
///
/// When the server stops by itself with an error (it then drains too).
pub async fn run(
    listener: TcpListener,
    router: Router,
    state: AppState,
    grace: Duration,
) -> io::Result<DrainReport> {
    let shutdown = state.shutdown.clone();
    let worker = tokio::spawn(refresh_cache(state));
    // Stops accepting once triggered; then answers the requests on its open connections, closes
    // idle ones, and ends when every connection is closed.
    let serve = axum::serve(listener, router).with_graceful_shutdown(shutdown.triggered());
    let mut server = tokio::spawn(serve.into_future());

    // The server only ends by itself on an error (it then drains too).
    let ended_early = tokio::select! {
        () = shutdown.triggered() => None,
        ended = &mut server => Some(ended),
    };

    tracing::info!(?grace, "shutting down: draining the calls in flight");
    let report = shutdown.drain(grace).await;
    tracing::info!(%report, "drained");

    // Every tracked call has ended: the server has responses to write and connections to close.
    let ended = match ended_early {
        Some(ended) => ended,
        None => match tokio::time::timeout(CLOSE_TIMEOUT, &mut server).await {
            Ok(ended) => ended,
            Err(_) => {
                tracing::warn!("connections still open after {CLOSE_TIMEOUT:?}: dropping them");
                server.abort();
                Ok(Ok(()))
            }
        },
    };
    match worker.await {
        Ok(Ok(())) => tracing::info!("cache refresher stopped"),
        Ok(Err(err)) => tracing::warn!(%err, "cache refresher stopped"),
        Err(join) => tracing::error!(%join, "cache refresher crashed"),
    }
    match ended {
        Ok(Ok(())) => Ok(report),
        Ok(Err(err)) => Err(err),
        Err(join) => Err(io::Error::other(join)),
    }
}
