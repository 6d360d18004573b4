//! A rate limit for the whole fleet (feature `redis`): its constructor and builders. Its calls
//! are in `crate::fleet::rate`.

use core::sync::atomic::{AtomicU64, AtomicUsize};
use core::time::Duration;
use std::sync::OnceLock;

use super::gcra::Gcra;
use super::{RateLimit, tolerance};

impl RateLimit {
    /// A rate limit of `calls` per `per` for the whole fleet, kept in Redis under `name` (the
    /// key is `{prefix}:rate:{name}`): every process that names it shares the rate. GCRA, one
    /// atomic script per call on the server's clock; the call sleeps until the slot the script
    /// gives. Bursts of up to `calls` (see [`with_burst`](Self::with_burst)). Used through
    /// `in = NAME` as any rate limit; see the crate's fleet page. [`try_acquire`](Self::try_acquire)
    /// and [`next_slot_in`](Self::next_slot_in), which cannot wait for Redis, read the local
    /// share's schedule (what applies while Redis is away); [`started`](Self::started),
    /// [`waited`](Self::waited) and [`waiting`](Self::waiting) count this process's calls, and
    /// [`fleet_figures`](Self::fleet_figures) what Redis answered.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskward::{RateLimit, rate_limited};
    ///
    /// static PARTNER_API: RateLimit = RateLimit::fleet("partner-api", 100, Duration::from_secs(1));
    ///
    /// #[rate_limited(in = PARTNER_API)]
    /// async fn quote(item: u32) -> u32 {
    ///     item
    /// }
    /// assert_eq!(PARTNER_API.interval(), Duration::from_millis(10));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new), or for an interval under a microsecond (a compile error in a
    /// `static`).
    #[must_use]
    pub const fn fleet(name: &'static str, calls: u32, per: Duration) -> Self {
        Self::build_fleet(name, calls, per, calls, crate::fleet::Unavailable::Fail)
    }

    pub(super) const fn build_fleet(
        name: &'static str,
        calls: u32,
        per: Duration,
        burst: u32,
        unavailable: crate::fleet::Unavailable,
    ) -> Self {
        // The local share, for when Redis is away.
        let local = match unavailable {
            crate::fleet::Unavailable::Local(n) => {
                assert!(n > 0, "a local share of a fleet limit must be at least 1");
                n
            }
            _ => calls,
        };
        let local_burst = if burst < local { burst } else { local };
        // The local share's GCRA, checked as `new` checks a limit.
        let local_limit = Self::build(local, per, local_burst);
        let local_interval = local_limit.gcra.interval();
        let gcra = Gcra::new(local_interval, tolerance(local_interval, local_burst));
        core::mem::forget(local_limit);
        let interval_us = per.as_micros().div_ceil(calls as u128);
        assert!(
            interval_us > 0 && interval_us <= u64::MAX as u128,
            "a fleet RateLimit's interval (per / calls) must be at least a microsecond"
        );
        #[allow(clippy::cast_possible_truncation)] // checked just above
        let interval_us = interval_us as u64;
        let tolerance_us = match interval_us.checked_mul(burst as u64 - 1) {
            Some(t) => t,
            None => panic!("the burst of a RateLimit times its interval is too long"),
        };
        RateLimit {
            tat: AtomicU64::new(0),
            gcra,
            epoch: OnceLock::new(),
            calls,
            per,
            burst,
            started: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            fleet: Some(crate::fleet::rate::RateSpec::new(
                name,
                interval_us,
                tolerance_us,
                unavailable,
            )),
        }
    }

    /// The same fleet rate limit, doing `unavailable` when Redis does not answer (default
    /// [`Unavailable::Fail`](crate::fleet::Unavailable::Fail)); with
    /// [`Local(n)`](crate::fleet::Unavailable::Local), `n` calls per period in this process.
    ///
    /// # Panics
    ///
    /// On a limit that is not a fleet one, or a local share of zero.
    #[must_use]
    pub const fn on_unavailable(self, unavailable: crate::fleet::Unavailable) -> Self {
        let name = match &self.fleet {
            Some(spec) => spec.name,
            None => panic!("on_unavailable is for a fleet RateLimit (RateLimit::fleet)"),
        };
        let (calls, per, burst) = (self.calls, self.per, self.burst);
        core::mem::forget(self);
        Self::build_fleet(name, calls, per, burst, unavailable)
    }

    /// The name of a fleet rate limit (`None` for a local one).
    #[must_use]
    pub const fn fleet_name(&self) -> Option<&'static str> {
        match &self.fleet {
            Some(spec) => Some(spec.name),
            None => None,
        }
    }

    /// The figures of a fleet rate limit in this process (`None` for a local one).
    #[must_use]
    pub fn fleet_figures(&self) -> Option<crate::fleet::FleetFigures> {
        self.fleet.as_ref().map(|spec| spec.cells.figures())
    }
}
