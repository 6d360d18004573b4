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
//! | `taskward_adaptive_limit` | gauge | `function` | the limit of `#[bounded(adaptive)]`, set when a call of the function changes it |
//! | `taskward_hedges_total` | counter | `function` | a hedge of `#[hedged]` started |
//! | `taskward_hedge_wins_total` | counter | `function` | a `#[hedged]` call answered by a hedge rather than its first run |
//! | `taskward_coalesced_total` | counter | `function` | a `#[coalesce]` call that joined the run in flight of its key |
//! | `taskward_fleet_errors_total` | counter | `limit`, `kind` | a Redis step of a fleet limit failed, missed its deadline, or found no fleet installed |
//! | `taskward_fleet_round_trip_seconds` | histogram | `limit`, `kind` | the round trip of each Redis step of a fleet limit that answered |
//! | `taskward_fleet_unavailable_total` | counter | `limit`, `kind`, `outcome` | a call through a fleet limit while Redis was unavailable: `passed` (`Allow`, `Local`), `failed` (`Fail`) |

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
/// `taskward_adaptive_limit`.
pub const ADAPTIVE_LIMIT: &str = "taskward_adaptive_limit";
/// `taskward_hedges_total`.
pub const HEDGES: &str = "taskward_hedges_total";
/// `taskward_hedge_wins_total`.
pub const HEDGE_WINS: &str = "taskward_hedge_wins_total";
/// `taskward_coalesced_total`.
pub const COALESCED: &str = "taskward_coalesced_total";
/// `taskward_fleet_errors_total`.
pub const FLEET_ERRORS: &str = "taskward_fleet_errors_total";
/// `taskward_fleet_round_trip_seconds`.
pub const FLEET_ROUND_TRIP: &str = "taskward_fleet_round_trip_seconds";
/// `taskward_fleet_unavailable_total`.
pub const FLEET_UNAVAILABLE: &str = "taskward_fleet_unavailable_total";

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

/// The kind of a fleet limit: the `kind` label of the fleet metrics.
#[cfg(feature = "redis")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FleetKind {
    /// `Bulkhead::fleet`.
    Bulkhead,
    /// `RateLimit::fleet`.
    RateLimit,
}

#[cfg(feature = "redis")]
impl FleetKind {
    /// The label's value.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            FleetKind::Bulkhead => "bulkhead",
            FleetKind::RateLimit => "rate_limit",
        }
    }
}

/// What a call through a fleet limit did while Redis was unavailable: the `outcome` label of
/// `taskward_fleet_unavailable_total`.
#[cfg(feature = "redis")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outage {
    /// It went ahead (`Unavailable::Allow`, or under the local share of `Unavailable::Local`).
    Passed,
    /// It failed with `Error::LimitUnavailable` (`Unavailable::Fail`).
    Failed,
}

#[cfg(feature = "redis")]
impl Outage {
    /// The label's value.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Outage::Passed => "passed",
            Outage::Failed => "failed",
        }
    }
}

/// The metrics of one fleet limit, kept in the limit: its name and kind (the labels), and the
/// keys built from them at its first event, so that an event allocates nothing. Empty without
/// the feature.
#[cfg(feature = "redis")]
#[derive(Debug)]
pub(crate) struct FleetMetrics {
    #[cfg(feature = "metrics")]
    name: &'static str,
    #[cfg(feature = "metrics")]
    kind: FleetKind,
    #[cfg(feature = "metrics")]
    keys: std::sync::OnceLock<on::FleetKeys>,
}

#[cfg(feature = "redis")]
impl FleetMetrics {
    /// The metrics of the fleet limit `name` of this kind.
    #[allow(unused_variables)]
    pub(crate) const fn new(name: &'static str, kind: FleetKind) -> Self {
        FleetMetrics {
            #[cfg(feature = "metrics")]
            name,
            #[cfg(feature = "metrics")]
            kind,
            #[cfg(feature = "metrics")]
            keys: std::sync::OnceLock::new(),
        }
    }

    #[cfg(feature = "metrics")]
    #[inline]
    fn keys(&self) -> &on::FleetKeys {
        self.keys
            .get_or_init(|| on::build_fleet(self.name, self.kind))
    }
}

#[cfg(feature = "metrics")]
pub(crate) use on::{Keys, Labelled};

#[cfg(feature = "metrics")]
mod on;

/// A Redis step of a fleet limit failed or did not answer within the deadline.
#[cfg(feature = "redis")]
#[inline]
pub(crate) fn fleet_error(limit: &FleetMetrics) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&limit.keys().errors, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = limit;
}

/// A Redis step of a fleet limit answered after `took`.
#[cfg(feature = "redis")]
#[inline]
pub(crate) fn fleet_round_trip(limit: &FleetMetrics, took: core::time::Duration) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_histogram(&limit.keys().round_trip, &on::METADATA))
        .record(took.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = (limit, took);
}

/// A call through a fleet limit passed or failed because Redis was unavailable.
#[cfg(feature = "redis")]
#[inline]
pub(crate) fn fleet_unavailable(limit: &FleetMetrics, outcome: Outage) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| {
        r.register_counter(&limit.keys().unavailable[outcome as usize], &on::METADATA)
    })
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (limit, outcome);
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

/// The adaptive limit of a bulkhead changed to `limit` at the end of a call of `meta`'s function.
#[inline]
pub fn adaptive_limit(meta: &'static Meta, limit: usize) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| {
        #[allow(clippy::cast_precision_loss)]
        r.register_gauge(&on::keys(meta).adaptive_limit, &on::METADATA)
            .set(limit as f64);
    });
    #[cfg(not(feature = "metrics"))]
    let _ = (meta, limit);
}

/// A call of `meta`'s function started a hedge.
#[inline]
pub fn hedge_started(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).hedges, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

/// A call of `meta`'s function took its output from a hedge.
#[inline]
pub fn hedge_won(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).hedge_wins, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

/// A call of `meta`'s function joined the run in flight of its key.
#[inline]
pub fn coalesced(meta: &'static Meta) {
    #[cfg(feature = "metrics")]
    ::metrics::with_recorder(|r| r.register_counter(&on::keys(meta).coalesced, &on::METADATA))
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = meta;
}

#[cfg(all(test, feature = "metrics", feature = "redis"))]
mod tests {
    use super::{FleetKind, FleetMetrics};

    fn parts(key: &::metrics::Key) -> (String, Vec<(String, String)>) {
        let labels = key
            .labels()
            .map(|label| (label.key().to_owned(), label.value().to_owned()))
            .collect();
        (key.name().to_owned(), labels)
    }

    fn labels(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        [("limit", "payments"), ("kind", "rate_limit")]
            .iter()
            .chain(extra)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_keys_of_a_fleet_limit_carry_its_name_and_kind_and_are_built_once() {
        let limit = FleetMetrics::new("payments", FleetKind::RateLimit);
        let keys = limit.keys();
        assert!(core::ptr::eq(keys, limit.keys()));
        let name = |name: &str| name.to_owned();
        assert_eq!(
            parts(&keys.errors),
            (name(super::FLEET_ERRORS), labels(&[]))
        );
        assert_eq!(
            parts(&keys.round_trip),
            (name(super::FLEET_ROUND_TRIP), labels(&[]))
        );
        assert_eq!(
            parts(&keys.unavailable[super::Outage::Passed as usize]),
            (
                name(super::FLEET_UNAVAILABLE),
                labels(&[("outcome", "passed")])
            )
        );
        assert_eq!(
            parts(&keys.unavailable[super::Outage::Failed as usize]),
            (
                name(super::FLEET_UNAVAILABLE),
                labels(&[("outcome", "failed")])
            )
        );
        assert_eq!(FleetKind::Bulkhead.as_str(), "bulkhead");
    }
}
