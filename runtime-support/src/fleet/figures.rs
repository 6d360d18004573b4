//! The figures of a fleet limit: the counters a limit keeps, and what reading them gives.

use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;

/// The figures of a fleet limit in this process, read with
/// [`Bulkhead::fleet_figures`](crate::Bulkhead::fleet_figures) or
/// [`RateLimit::fleet_figures`](crate::RateLimit::fleet_figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FleetFigures {
    /// Calls admitted by Redis.
    pub admitted: u64,
    /// Of those, calls that waited (for a permit, or for their slot).
    pub waited: u64,
    /// Calls rejected because the limit was full for longer than they could wait.
    pub rejected: u64,
    /// Redis steps that failed or missed their deadline.
    pub redis_errors: u64,
    /// Calls that went ahead unlimited or under the local share because Redis did not answer.
    pub passed_unavailable: u64,
    /// Calls that failed with `Error::LimitUnavailable`.
    pub failed_unavailable: u64,
    /// Redis steps that answered, and their total and largest round trip in microseconds.
    pub steps: u64,
    /// The sum of the answered steps' round trips, in microseconds.
    pub latency_total_us: u64,
    /// The largest round trip of an answered step, in microseconds.
    pub latency_max_us: u64,
}

impl FleetFigures {
    /// The mean round trip of an answered step.
    #[must_use]
    pub fn mean_latency(&self) -> Duration {
        match self.steps {
            0 => Duration::ZERO,
            n => Duration::from_micros(self.latency_total_us / n),
        }
    }
}

/// The counters behind [`FleetFigures`], kept in a limit (`const`-constructible).
#[derive(Debug)]
pub(crate) struct Cells {
    pub(crate) admitted: AtomicU64,
    pub(crate) waited: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) redis_errors: AtomicU64,
    pub(crate) passed_unavailable: AtomicU64,
    pub(crate) failed_unavailable: AtomicU64,
    steps: AtomicU64,
    latency_total_us: AtomicU64,
    latency_max_us: AtomicU64,
}

impl Cells {
    pub(crate) const fn new() -> Self {
        Cells {
            admitted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            redis_errors: AtomicU64::new(0),
            passed_unavailable: AtomicU64::new(0),
            failed_unavailable: AtomicU64::new(0),
            steps: AtomicU64::new(0),
            latency_total_us: AtomicU64::new(0),
            latency_max_us: AtomicU64::new(0),
        }
    }

    pub(crate) fn answered(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.steps.fetch_add(1, Relaxed);
        self.latency_total_us.fetch_add(us, Relaxed);
        self.latency_max_us.fetch_max(us, Relaxed);
    }

    pub(crate) fn figures(&self) -> FleetFigures {
        FleetFigures {
            admitted: self.admitted.load(Relaxed),
            waited: self.waited.load(Relaxed),
            rejected: self.rejected.load(Relaxed),
            redis_errors: self.redis_errors.load(Relaxed),
            passed_unavailable: self.passed_unavailable.load(Relaxed),
            failed_unavailable: self.failed_unavailable.load(Relaxed),
            steps: self.steps.load(Relaxed),
            latency_total_us: self.latency_total_us.load(Relaxed),
            latency_max_us: self.latency_max_us.load(Relaxed),
        }
    }
}
