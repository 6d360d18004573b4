//! A fleet rate limit: GCRA on one key, one script per call, the wait slept by the caller.

use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;
use std::sync::{Arc, OnceLock};

use tokio::time::Instant;

use super::bulkhead::{down_event, jitter};
use super::{Cells, Fleet, Unavailable, scripts};
use crate::duration::DisplayDuration;
use crate::meta::Meta;
use crate::metrics::{FleetKind, FleetMetrics, Outage};
use crate::rate_limited::RateLimit;
use crate::rate_limited::wait::{Rejected, reserve_local};

/// What makes a [`RateLimit`] a fleet one: its name and its fleet-wide GCRA (in microseconds).
#[derive(Debug)]
pub(crate) struct RateSpec {
    pub(crate) name: &'static str,
    pub(crate) interval_us: u64,
    pub(crate) tolerance_us: u64,
    pub(crate) unavailable: Unavailable,
    key: OnceLock<Arc<str>>,
    pub(crate) cells: Cells,
    pub(crate) metrics: FleetMetrics,
}

impl RateSpec {
    pub(crate) const fn new(
        name: &'static str,
        interval_us: u64,
        tolerance_us: u64,
        unavailable: Unavailable,
    ) -> Self {
        RateSpec {
            name,
            interval_us,
            tolerance_us,
            unavailable,
            key: OnceLock::new(),
            cells: Cells::new(),
            metrics: FleetMetrics::new(name, FleetKind::RateLimit),
        }
    }
}

enum Step {
    /// The slot is taken; it starts in this long.
    Taken(Duration),
    /// The slot is further than the call may wait, this far.
    TooFar(Duration),
    Down(&'static str),
}

async fn step(fleet: &'static Fleet, spec: &RateSpec, max_wait_us: u64) -> Step {
    let key = Arc::clone(spec.key.get_or_init(|| fleet.key("rate", spec.name)));
    let mut conn = fleet.conn();
    let started = Instant::now();
    let mut invocation = scripts::gcra().prepare_invoke();
    invocation
        .key(&*key)
        .arg(spec.interval_us)
        .arg(spec.tolerance_us)
        .arg(max_wait_us);
    let call = invocation.invoke_async::<(i64, i64)>(&mut conn);
    match tokio::time::timeout(fleet.deadline(), call).await {
        Ok(Ok((taken, wait_us))) => {
            let took = started.elapsed();
            spec.cells.answered(took);
            crate::metrics::fleet_round_trip(&spec.metrics, took);
            let wait = Duration::from_micros(wait_us.unsigned_abs());
            if taken == 1 {
                Step::Taken(wait)
            } else {
                Step::TooFar(wait)
            }
        }
        Ok(Err(_)) => Step::Down("Redis answered with an error"),
        Err(_) => Step::Down("Redis did not answer within the deadline"),
    }
}

/// Counts a call as waiting while it sleeps until its slot.
struct Waiting<'a>(&'a RateLimit);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Relaxed);
    }
}

/// The slot of a call of a fleet rate limit: one script takes it (or says it is too far), then
/// the call sleeps until it. A call dropped while it sleeps does not give its slot back (the
/// fleet's rate errs on the low side).
pub(crate) async fn reserve(
    limit: &RateLimit,
    spec: &RateSpec,
    meta: &'static Meta,
    max_wait_ns: u64,
) -> Result<(), Rejected> {
    let max_wait_us = max_wait_ns / 1000;
    let mut down_backoff = Duration::from_millis(10);
    loop {
        let outcome = match Fleet::installed() {
            None => Step::Down("no fleet connection installed"),
            Some(fleet) => step(fleet, spec, max_wait_us).await,
        };
        match outcome {
            Step::Taken(wait) => {
                if !wait.is_zero() {
                    limit.waiting.fetch_add(1, Relaxed);
                    let waiting = Waiting(limit);
                    waits(spec, meta, wait);
                    tokio::time::sleep(wait).await;
                    drop(waiting);
                    limit.waited.fetch_add(1, Relaxed);
                    spec.cells.waited.fetch_add(1, Relaxed);
                }
                limit.started.fetch_add(1, Relaxed);
                spec.cells.admitted.fetch_add(1, Relaxed);
                return Ok(());
            }
            Step::TooFar(wait) => {
                spec.cells.rejected.fetch_add(1, Relaxed);
                let ns = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX - 1);
                return Err(Rejected::after(ns.min(u64::MAX - 1)));
            }
            Step::Down(reason) => {
                spec.cells.redis_errors.fetch_add(1, Relaxed);
                crate::metrics::fleet_error(&spec.metrics);
                down_event(spec.name, meta, reason, spec.unavailable);
                match spec.unavailable {
                    Unavailable::Fail => {
                        if max_wait_ns != u64::MAX {
                            spec.cells.failed_unavailable.fetch_add(1, Relaxed);
                            crate::metrics::fleet_unavailable(&spec.metrics, Outage::Failed);
                            return Err(Rejected::UNAVAILABLE);
                        }
                        tokio::time::sleep(jitter(down_backoff)).await;
                        down_backoff = (down_backoff * 2).min(Duration::from_secs(1));
                    }
                    Unavailable::Allow => {
                        spec.cells.passed_unavailable.fetch_add(1, Relaxed);
                        crate::metrics::fleet_unavailable(&spec.metrics, Outage::Passed);
                        limit.started.fetch_add(1, Relaxed);
                        return Ok(());
                    }
                    Unavailable::Local(_) => {
                        spec.cells.passed_unavailable.fetch_add(1, Relaxed);
                        crate::metrics::fleet_unavailable(&spec.metrics, Outage::Passed);
                        return reserve_local(limit, meta, max_wait_ns).await;
                    }
                }
            }
        }
    }
}

#[cold]
fn waits(spec: &RateSpec, meta: &Meta, wait: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        fleet_limit = spec.name,
        wait = %DisplayDuration(wait),
        "waits for its fleet slot"
    );
}
