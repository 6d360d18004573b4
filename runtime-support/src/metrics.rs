//! Metrics (feature `metrics`): what the wrappers record through the `metrics` facade, and under
//! which names. Each function here is one line at its call site and empty without the feature
//! (its arguments are then unused and the call compiles to nothing).
//!
//! | name | kind | labels | recorded |
//! |---|---|---|---|
//! | `taskward_calls_total` | counter | `function` | at the start of each call of an annotated function |
//! | `taskward_rejections_total` | counter | `function`, `reason` | a call refused: `bulkhead`, `rate_limit`, `circuit_open`, `shutting_down` |
//! | `taskward_timeouts_total` | counter | `function` | a call cut by `#[with_timeout]` |
//! | `taskward_restarts_total` | counter | `function` | a run of `#[supervised]` started again |
//! | `taskward_retries_total` | counter | `function` | a run of `#[retry]` started again |
//! | `taskward_breaker_transitions_total` | counter | `function`, `to` | a circuit breaker's change: `open`, `half_open`, `closed` |
//! | `taskward_permit_wait_seconds` | histogram | `function` | the wait of each `#[bounded]` call for its permit (0 when one was free) |
//! | `taskward_permits_in_use` | gauge | `function` | the permits of `#[bounded]` held by the function's calls |

use crate::meta::Meta;

/// `taskward_calls_total`.
pub const CALLS: &str = "taskward_calls_total";
/// `taskward_rejections_total`.
pub const REJECTIONS: &str = "taskward_rejections_total";
/// `taskward_timeouts_total`.
pub const TIMEOUTS: &str = "taskward_timeouts_total";
/// `taskward_restarts_total`.
pub const RESTARTS: &str = "taskward_restarts_total";
/// `taskward_retries_total`.
pub const RETRIES: &str = "taskward_retries_total";
/// `taskward_breaker_transitions_total`.
pub const BREAKER_TRANSITIONS: &str = "taskward_breaker_transitions_total";
/// `taskward_permit_wait_seconds`.
pub const PERMIT_WAIT: &str = "taskward_permit_wait_seconds";
/// `taskward_permits_in_use`.
pub const PERMITS_IN_USE: &str = "taskward_permits_in_use";

/// Why a call was refused: the `reason` label of `taskward_rejections_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// `#[bounded(.., wait = ..)]` found no permit in time.
    Bulkhead,
    /// `#[rate_limited(.., wait = ..)]` found its slot too far away.
    RateLimit,
    /// `#[circuit_breaker]` was open.
    CircuitOpen,
    /// `#[graceful]`: shutdown had begun.
    ShuttingDown,
}

impl Rejection {
    /// The label's value.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Rejection::Bulkhead => "bulkhead",
            Rejection::RateLimit => "rate_limit",
            Rejection::CircuitOpen => "circuit_open",
            Rejection::ShuttingDown => "shutting_down",
        }
    }
}

/// The state a circuit breaker went to: the `to` label of `taskward_breaker_transitions_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Closed or half-open to open.
    Open,
    /// Open to half-open (the cool-down is over; probe calls go through).
    HalfOpen,
    /// Half-open to closed.
    Closed,
}

impl Transition {
    /// The label's value.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Transition::Open => "open",
            Transition::HalfOpen => "half_open",
            Transition::Closed => "closed",
        }
    }
}

#[cfg(feature = "metrics")]
pub(crate) use on::{Keys, Labelled};

#[cfg(feature = "metrics")]
mod on {
    use ::metrics::{Key, Label, Level, Metadata};

    use crate::meta::Meta;

    pub static METADATA: Metadata<'static> =
        Metadata::new("taskward", Level::INFO, Some(module_path!()));

    /// The keys of a function's metrics that are recorded on every call: built (and hashed) at
    /// its first call, from the label kept in its `Meta`, so a call neither allocates nor hashes.
    #[derive(Debug)]
    pub struct Keys {
        pub calls: Key,
        pub timeouts: Key,
        pub restarts: Key,
        pub retries: Key,
        pub permit_wait: Key,
        pub in_use: Key,
    }

    #[inline]
    pub fn keys(meta: &'static Meta) -> &'static Keys {
        meta.keys.get_or_init(|| build(meta))
    }

    #[cold]
    fn build(meta: &'static Meta) -> Keys {
        let key = |name| Key::from_static_parts(name, &meta.labels);
        Keys {
            calls: key(super::CALLS),
            timeouts: key(super::TIMEOUTS),
            restarts: key(super::RESTARTS),
            retries: key(super::RETRIES),
            permit_wait: key(super::PERMIT_WAIT),
            in_use: key(super::PERMITS_IN_USE),
        }
    }

    /// The keys with a second label, `reason` of a rejection and `to` of a transition (in the
    /// order of [`super::Rejection`] and [`super::Transition`]): built once per function, at its
    /// first such event (allocating their labels then), so that the calls an open breaker refuses
    /// allocate nothing.
    #[derive(Debug)]
    pub struct Labelled {
        pub rejections: [Key; 4],
        pub transitions: [Key; 3],
    }

    #[inline]
    pub fn labelled(meta: &'static Meta) -> &'static Labelled {
        meta.labelled.get_or_init(|| build_labelled(meta))
    }

    #[cold]
    fn build_labelled(meta: &'static Meta) -> Labelled {
        use super::{Rejection, Transition};
        let key = |name, label, value| {
            let labels = vec![
                meta.labels[0].clone(),
                Label::from_static_parts(label, value),
            ];
            Key::from_parts(name, labels)
        };
        let rejection = |why: Rejection| key(super::REJECTIONS, "reason", why.as_str());
        let transition = |to: Transition| key(super::BREAKER_TRANSITIONS, "to", to.as_str());
        Labelled {
            rejections: [
                rejection(Rejection::Bulkhead),
                rejection(Rejection::RateLimit),
                rejection(Rejection::CircuitOpen),
                rejection(Rejection::ShuttingDown),
            ],
            transitions: [
                transition(Transition::Open),
                transition(Transition::HalfOpen),
                transition(Transition::Closed),
            ],
        }
    }
}

/// One more call of `meta`'s function.
#[inline]
pub fn call(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).calls, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

/// A call of `meta`'s function refused.
#[inline]
pub fn rejected(meta: &'static Meta, why: Rejection) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| {
        let key = &on::labelled(meta).rejections[why as usize];
        r.register_counter(key, &on::METADATA)
    })
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (meta, why);
}

/// A call of `meta`'s function timed out.
#[inline]
pub fn timed_out(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).timeouts, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

/// A run of `meta`'s function restarted by `#[supervised]`.
#[inline]
pub fn restarted(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).restarts, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

/// A run of `meta`'s function started again by `#[retry]`.
#[inline]
pub fn retried(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).retries, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

/// The circuit breaker of `meta`'s function changed state.
#[inline]
pub fn transition(meta: &'static Meta, to: Transition) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| {
        let key = &on::labelled(meta).transitions[to as usize];
        r.register_counter(key, &on::METADATA)
    })
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (meta, to);
}

/// A call of `meta`'s function took a permit after waiting `waited`.
#[inline]
pub fn permit_taken(meta: &'static Meta, waited: core::time::Duration) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| {
        r.register_histogram(&on::keys(meta).permit_wait, &on::METADATA)
            .record(waited.as_secs_f64());
        r.register_gauge(&on::keys(meta).in_use, &on::METADATA)
            .increment(1.0);
    });
    #[cfg(not(feature = "metrics"))]
    let _ = (meta, waited);
}

/// A call of `meta`'s function gave its permit back (called by the permit's `Drop`, which only
/// the feature adds).
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
#[inline]
pub fn permit_released(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| {
        r.register_gauge(&on::keys(meta).in_use, &on::METADATA)
            .decrement(1.0);
    });
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}
