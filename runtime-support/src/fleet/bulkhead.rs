//! A fleet bulkhead: permits as leases in a sorted set, with an expiry that the connection's
//! thread pushes back while the call runs, and that a dead process's leases reach by themselves.

use core::sync::atomic::AtomicUsize;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;
use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::{Cells, Fleet, Unavailable, scripts};
use crate::bounded::{Bulkhead, Permit};
use crate::duration::DisplayDuration;
use crate::error::Error;
use crate::meta::Meta;
use crate::metrics::{FleetKind, FleetMetrics, Outage};

/// What makes a [`Bulkhead`] a fleet one.
#[derive(Debug)]
pub(crate) struct BulkheadSpec {
    pub(crate) name: &'static str,
    pub(crate) lease: Duration,
    pub(crate) unavailable: Unavailable,
    key: OnceLock<Arc<str>>,
    /// What the leases of this process share with the connection's record of them.
    owner: OnceLock<Arc<Owner>>,
    pub(crate) cells: Cells,
    pub(crate) metrics: FleetMetrics,
}

/// The leases of a fleet bulkhead that this process holds, and the signal that one was given
/// back, reached from a lease's record (so that a permit holds no more than the lease's id).
#[derive(Debug, Default)]
pub(crate) struct Owner {
    held: AtomicUsize,
    /// A lease of this process given back: a waiting call tries again at once.
    released: Notify,
}

impl Owner {
    /// A lease given back.
    pub(crate) fn released(&self) {
        self.held.fetch_sub(1, Relaxed);
        self.released.notify_one();
    }
}

impl BulkheadSpec {
    pub(crate) const fn new(name: &'static str, lease: Duration, unavailable: Unavailable) -> Self {
        BulkheadSpec {
            name,
            lease,
            unavailable,
            key: OnceLock::new(),
            owner: OnceLock::new(),
            cells: Cells::new(),
            metrics: FleetMetrics::new(name, FleetKind::Bulkhead),
        }
    }

    fn owner(&self) -> &Arc<Owner> {
        self.owner.get_or_init(Arc::default)
    }

    /// The leases this process holds now.
    pub(crate) fn held(&self) -> usize {
        self.owner.get().map_or(0, |owner| owner.held.load(Relaxed))
    }
}

/// A lease of a fleet bulkhead (its id in the installed fleet), given back when dropped by the
/// connection's thread: the drop does not block. One word, so that a [`Permit`] is no larger
/// than a semaphore's.
#[derive(Debug)]
pub(crate) struct Lease(u64);

impl Lease {
    /// No lease: a call let through while Redis was away (`Unavailable::Allow`).
    pub(crate) const NONE: u64 = u64::MAX;

    pub(crate) fn none() -> Lease {
        Lease(Self::NONE)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.0 != Self::NONE
            && let Some(fleet) = Fleet::installed()
        {
            fleet.release(self.0);
        }
    }
}

enum Step {
    Taken(Lease),
    /// Full; the earliest lease expires in this long.
    Full(Duration),
    Down(&'static str),
}

/// A member that a step may have added when its answer is lost: removed on drop unless the step
/// answered.
struct Pending {
    fleet: &'static Fleet,
    key: Arc<str>,
    member: Option<String>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(member) = self.member.take() {
            self.fleet.forget(Arc::clone(&self.key), member);
        }
    }
}

async fn step(fleet: &'static Fleet, limit: usize, spec: &BulkheadSpec) -> Step {
    let key = Arc::clone(spec.key.get_or_init(|| fleet.key("bulkhead", spec.name)));
    let (id, member) = fleet.new_member();
    let mut pending = Pending {
        fleet,
        key: Arc::clone(&key),
        member: Some(member.clone()),
    };
    let lease_ms = u64::try_from(spec.lease.as_millis()).unwrap_or(u64::MAX);
    let mut conn = fleet.conn();
    let started = Instant::now();
    let mut invocation = scripts::acquire().prepare_invoke();
    invocation.key(&*key).arg(limit).arg(lease_ms).arg(&member);
    let call = invocation.invoke_async::<(i64, i64)>(&mut conn);
    match tokio::time::timeout(fleet.deadline(), call).await {
        Ok(Ok((taken, wait_ms))) => {
            let took = started.elapsed();
            spec.cells.answered(took);
            crate::metrics::fleet_round_trip(&spec.metrics, took);
            pending.member = None;
            if taken == 1 {
                let owner = spec.owner();
                owner.held.fetch_add(1, Relaxed);
                fleet.hold(id, key, member, spec.lease, Arc::clone(owner));
                Step::Taken(Lease(id))
            } else {
                Step::Full(Duration::from_millis(wait_ms.unsigned_abs().max(1)))
            }
        }
        Ok(Err(_)) => Step::Down("Redis answered with an error"),
        Err(_) => Step::Down("Redis did not answer within the deadline"),
    }
}

/// A pause of about `d`, jittered between half and all of it.
pub(crate) fn jitter(d: Duration) -> Duration {
    let half = d / 2;
    half + Duration::from_nanos(fastrand::u64(
        ..=u64::try_from(half.as_nanos()).unwrap_or(0),
    ))
}

/// Waits for a lease of a fleet bulkhead (`wait`: at most this long, then [`Error::Rejected`]).
/// A full bulkhead is tried again at the earliest of: the expiry of its earliest lease, a
/// backoff (2ms doubling to 100ms, jittered), a lease of this process given back, or the end of
/// the wait.
pub(crate) async fn acquire<'a>(
    bulkhead: &'a Bulkhead,
    spec: &'a BulkheadSpec,
    meta: &'static Meta,
    wait: Option<Duration>,
) -> Result<Permit<'a>, Error> {
    let started = Instant::now();
    let give_up = wait.map(|wait| started + wait);
    let mut backoff = Duration::from_millis(2);
    let mut down_backoff = Duration::from_millis(10);
    let mut waited = false;
    loop {
        let outcome = match Fleet::installed() {
            None => Step::Down("no fleet connection installed"),
            Some(fleet) => step(fleet, bulkhead.limit(), spec).await,
        };
        match outcome {
            Step::Taken(lease) => {
                spec.cells.admitted.fetch_add(1, Relaxed);
                if waited {
                    spec.cells.waited.fetch_add(1, Relaxed);
                    waited_event(spec, meta, started.elapsed());
                }
                return Ok(Permit::fleet(lease));
            }
            Step::Full(retry_in) => {
                let now = Instant::now();
                if give_up.is_some_and(|give_up| now >= give_up) {
                    return Err(rejected(bulkhead, spec, meta, started.elapsed()));
                }
                waited = true;
                let pause = retry_in.min(jitter(backoff));
                backoff = (backoff * 2).min(Duration::from_millis(100));
                let until = give_up.map_or(now + pause, |give_up| (now + pause).min(give_up));
                let owner = spec.owner();
                tokio::select! {
                    () = tokio::time::sleep_until(until) => {}
                    () = owner.released.notified() => {}
                }
            }
            Step::Down(reason) => {
                spec.cells.redis_errors.fetch_add(1, Relaxed);
                crate::metrics::fleet_error(&spec.metrics);
                down_event(spec.name, meta, reason, spec.unavailable);
                match spec.unavailable {
                    Unavailable::Fail => {
                        if wait.is_some() {
                            spec.cells.failed_unavailable.fetch_add(1, Relaxed);
                            crate::metrics::fleet_unavailable(&spec.metrics, Outage::Failed);
                            return Err(Error::limit_unavailable(meta.function, spec.name));
                        }
                        tokio::time::sleep(jitter(down_backoff)).await;
                        down_backoff = (down_backoff * 2).min(Duration::from_secs(1));
                    }
                    Unavailable::Allow => {
                        spec.cells.passed_unavailable.fetch_add(1, Relaxed);
                        crate::metrics::fleet_unavailable(&spec.metrics, Outage::Passed);
                        return Ok(Permit::fleet(Lease::none()));
                    }
                    Unavailable::Local(_) => {
                        spec.cells.passed_unavailable.fetch_add(1, Relaxed);
                        crate::metrics::fleet_unavailable(&spec.metrics, Outage::Passed);
                        return match give_up {
                            None => Ok(bulkhead.wait_for_permit().await),
                            Some(give_up) => {
                                match tokio::time::timeout_at(give_up, bulkhead.wait_for_permit())
                                    .await
                                {
                                    Ok(permit) => Ok(permit),
                                    Err(_) => {
                                        Err(rejected(bulkhead, spec, meta, started.elapsed()))
                                    }
                                }
                            }
                        };
                    }
                }
            }
        }
    }
}

#[cold]
fn waited_event(spec: &BulkheadSpec, meta: &Meta, waited: Duration) {
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        fleet_limit = spec.name,
        waited = %DisplayDuration(waited),
        "waited for a fleet permit"
    );
}

#[cold]
fn rejected(
    bulkhead: &Bulkhead,
    spec: &BulkheadSpec,
    meta: &'static Meta,
    waited: Duration,
) -> Error {
    spec.cells.rejected.fetch_add(1, Relaxed);
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        fleet_limit = spec.name,
        limit = bulkhead.limit(),
        held_here = spec.held(),
        waited = %DisplayDuration(waited),
        "rejected: no fleet permit free"
    );
    Error::rejected(meta.function, bulkhead.limit(), waited)
}

#[cold]
pub(crate) fn down_event(name: &'static str, meta: &Meta, reason: &'static str, then: Unavailable) {
    tracing::warn!(
        target: "taskward",
        function = meta.function,
        fleet_limit = name,
        reason,
        then = ?then,
        "fleet limit unavailable"
    );
}
