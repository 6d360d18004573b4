// The crate page, in parts named by what they hold. rustdoc joins the parts line by line, so an
// empty line (`""`) goes between each part and the next: without it, a part that ends with a
// table would take the first line of the next part as one more row. The testing recipe's example
// is a test file itself, shown as it is run.
#![doc = include_str!("docs/crate/overview.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/pitfalls.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/signatures.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/stacking.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/expansion.md")]
#![doc = ""]
#![doc = include_str!("docs/expand/bounded_with_timeout.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/hygiene.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/shapes.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/compile-errors.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/observability.md")]
#![doc = ""]
#![doc = include_str!("docs/crate/testing.md")]
#![doc = ""]
#![doc = "```rust"]
#![doc = include_str!("../tests/testing_recipe.rs")]
#![doc = "```"]
#![doc = ""]
#![doc = include_str!("docs/crate/cost.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate self as taskward;

#[doc = include_str!("docs/attributes/bounded.md")]
#[doc = include_str!("docs/expand/bounded.md")]
#[doc = ""]
#[doc = "`#[bounded(adaptive, min = 2, max = 64)]` on a function returning a `Result`: the call's outcome is reported with its permit."]
#[doc = ""]
#[doc = include_str!("docs/expand/bounded_adaptive.md")]
#[doc(inline)]
pub use taskward_macros::bounded;

#[doc = include_str!("docs/attributes/with_timeout.md")]
#[doc = include_str!("docs/expand/with_timeout.md")]
#[doc(inline)]
pub use taskward_macros::with_timeout;

#[doc = include_str!("docs/attributes/supervised.md")]
#[doc = include_str!("docs/expand/graceful_supervised.md")]
#[doc(inline)]
pub use taskward_macros::supervised;

#[doc = include_str!("docs/attributes/graceful.md")]
#[doc(inline)]
pub use taskward_macros::graceful;

#[doc = include_str!("docs/attributes/blocking.md")]
#[doc = include_str!("docs/expand/blocking.md")]
#[doc(inline)]
pub use taskward_macros::blocking;
#[doc = include_str!("docs/attributes/retry.md")]
#[doc = include_str!("docs/expand/retry.md")]
#[doc(inline)]
pub use taskward_macros::retry;

pub use taskward_runtime::{
    Bulkhead, DrainReport, Error, Permit, SecondSignal, Shutdown, quiet_caught_panics, seed_jitter,
};

#[doc = include_str!("docs/attributes/circuit_breaker.md")]
#[doc = include_str!("docs/expand/circuit_breaker.md")]
#[doc = ""]
#[doc = "Over `#[retry(attempts = 3, on = ..)]`, on a method: the breaker sees one outcome per call."]
#[doc = ""]
#[doc = include_str!("docs/expand/circuit_breaker_retry.md")]
#[doc(inline)]
pub use taskward_macros::circuit_breaker;

pub use taskward_runtime::{Breaker, BreakerState};

#[doc(hidden)]
pub use taskward_runtime::__private;

#[doc = include_str!("docs/attributes/rate_limited.md")]
#[doc = include_str!("docs/expand/rate_limited.md")]
#[doc(inline)]
pub use taskward_macros::rate_limited;

pub use taskward_runtime::RateLimit;

// `#[bounded(adaptive)]`: the limit that finds itself, and its settings.
pub use taskward_runtime::{AdaptiveBulkhead, AdaptiveLimit, AdaptivePermit, Algorithm};

#[doc = include_str!("docs/attributes/hedged.md")]
#[doc = include_str!("docs/expand/hedged.md")]
#[doc(inline)]
pub use taskward_macros::hedged;

// Fault injection and metrics, each behind its cargo feature.
#[cfg(feature = "fault-injection")]
#[cfg_attr(docsrs, doc(cfg(feature = "fault-injection")))]
pub mod faults {
    #![doc = include_str!("docs/crate/faults.md")]
    pub use taskward_runtime::fault_injection::{Fault, Injection, inject};
}
pub mod metrics {
    #![doc = include_str!("docs/crate/metrics.md")]
    pub use taskward_runtime::metric_names::*;
}

#[doc = include_str!("docs/attributes/coalesce.md")]
#[doc = include_str!("docs/expand/coalesce.md")]
#[doc(inline)]
pub use taskward_macros::coalesce;

#[cfg(feature = "redis")]
#[doc = include_str!("docs/fleet.md")]
pub mod fleet {
    pub use taskward_runtime::fleet::*;
}

#[doc = include_str!("docs/attributes/check.md")]
#[doc(inline)]
pub use taskward_macros::check;
