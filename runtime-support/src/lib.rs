//! Runtime support of [taskward](https://docs.rs/taskward): the pieces its attribute macros expand
//! to. Depend on `taskward` and use the items it re-exports; this crate's `__private` module is
//! not a public API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// What several attributes share.
mod backoff;
mod catch_panic;
mod describe;
mod duration;
mod error;
mod handle;
mod meta;
mod rerun;
mod restart_window;
mod signature;
mod sync;

// One module per attribute, and the coordinator that `#[graceful]` calls register with.
mod bounded;
mod graceful;
mod retry;
mod shutdown;
mod supervised;
mod with_timeout;

// #[blocking]
mod blocking;

#[doc(hidden)]
pub mod __private;

pub use backoff::seed_jitter;
pub use bounded::{Bulkhead, Permit};
pub use catch_panic::quiet_caught_panics;
pub use error::Error;
pub use shutdown::{DrainReport, SecondSignal, Shutdown};

// `#[rate_limited]`: the rate limit and the waits for its slots.
mod rate_limited;
pub use rate_limited::RateLimit;
// `#[circuit_breaker]`.
mod circuit_breaker;
pub use circuit_breaker::{Breaker, BreakerState};
// `#[bounded(adaptive)]`.
pub use bounded::adaptive::{AdaptiveBulkhead, AdaptiveLimit, AdaptivePermit, Algorithm};
// `#[hedged]`: the runs of a call, and the latency histogram of `after = "p95"`.
mod hedged;

// Fault injection and metrics, each behind its feature (the metrics module's functions are empty
// without it).
#[cfg(feature = "fault-injection")]
mod faults;
mod metrics;
/// Fault injection for tests (feature `fault-injection`): see `taskward::faults`.
#[cfg(feature = "fault-injection")]
pub mod fault_injection {
    pub use crate::faults::{Fault, Injection, inject};
}
/// The names of the metrics that taskward records (feature `metrics`): see the crate docs.
pub mod metric_names {
    pub use crate::metrics::{
        ADAPTIVE_LIMIT, BREAKER_TRANSITIONS, CALLS, COALESCED, FLEET_ERRORS, FLEET_ROUND_TRIP,
        FLEET_UNAVAILABLE, HEDGE_WINS, HEDGES, PERMIT_WAIT, PERMITS_IN_USE, REJECTIONS, RESTARTS,
        RETRIES, TIMEOUTS,
    };
}
// `#[coalesce]`: single flight.
mod coalesce;

// Fleet-wide limits kept in Redis (feature `redis`).
#[cfg(feature = "redis")]
pub mod fleet;
