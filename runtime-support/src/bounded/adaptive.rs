//! `#[bounded(adaptive)]`: a concurrency limit that finds itself from the latency of the calls it
//! lets through ([`AdaptiveBulkhead`]), and the waits for its permits that generated code makes.
//!
//! The permits are those of a tokio [`Semaphore`] whose size follows the limit: it grows with
//! `add_permits`, and shrinks by forgetting free permits, then, for the rest, by not giving back
//! the permits of the calls that end (a debt), so a running call is never cut. Each call reports
//! its latency when its permit is dropped, under one lock that also gives the permit back.

use core::time::Duration;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::{Semaphore, TryAcquireError};
use tokio::time::Instant;

use crate::duration::DisplayDuration;
use crate::meta::Meta;

mod algorithm;
mod call;

pub use algorithm::Algorithm;
use algorithm::{Estimator, Sample};
pub use call::{AdaptiveSource, acquire, acquire_within, handle};

/// The settings of an [`AdaptiveBulkhead`]: the bounds of its limit, where it starts, and the
/// algorithm that moves it. A `const` builder, for a `static`:
///
/// ```
/// use taskward::{AdaptiveBulkhead, AdaptiveLimit, Algorithm};
///
/// static DATABASE: AdaptiveBulkhead =
///     AdaptiveBulkhead::new(AdaptiveLimit::new().min(2).max(64).algorithm(Algorithm::Vegas));
/// assert_eq!(DATABASE.limit(), 2); // from `min`, doubling per round trip while there is room
/// assert_eq!((DATABASE.min(), DATABASE.max()), (2, 64));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveLimit {
    min: usize,
    max: usize,
    initial: Option<usize>,
    algorithm: Algorithm,
}

impl AdaptiveLimit {
    /// The default lowest limit: 1, so a struggling dependency still sees calls (and the limit
    /// can find out that it has recovered).
    pub const DEFAULT_MIN: usize = 1;
    /// The default highest limit: 128, a cap on what a dependency whose latency never rises
    /// (a fast, CPU-bound body) lets the limit grow to.
    pub const DEFAULT_MAX: usize = 128;
    /// The defaults: `min` 1, `max` 128, starting at `min`, AIMD.
    #[must_use]
    pub const fn new() -> Self {
        AdaptiveLimit {
            min: Self::DEFAULT_MIN,
            max: Self::DEFAULT_MAX,
            initial: None,
            algorithm: Algorithm::Aimd,
        }
    }

    /// The lowest the limit goes (at least 1).
    #[must_use]
    pub const fn min(mut self, min: usize) -> Self {
        self.min = min;
        self
    }

    /// The highest the limit goes (at most [`AdaptiveBulkhead::MAX_LIMIT`]).
    #[must_use]
    pub const fn max(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// The limit to start at, within `[min, max]` (default: `min`, from where the limit doubles
    /// per round trip until the latency rises: the baseline is learned under little load).
    #[must_use]
    pub const fn initial(mut self, initial: usize) -> Self {
        self.initial = Some(initial);
        self
    }

    /// The algorithm that moves the limit (default: [`Algorithm::Aimd`]).
    #[must_use]
    pub const fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
}

impl Default for AdaptiveLimit {
    fn default() -> Self {
        Self::new()
    }
}

/// A concurrency limit that adapts to the latency of the calls it lets through, between a `min`
/// and a `max`: what `#[bounded(adaptive)]` gives a function, and what `in = NAME` shares.
///
/// A call takes a permit when fewer calls than the limit are in flight, and otherwise waits for
/// one (FIFO). When it ends, its latency from admission to end, and whether it failed or was
/// dropped, move the limit (see [`Algorithm`]); a lower limit admits fewer calls next and never
/// cuts a running one. Each change is a `debug` event `adaptive limit changed` on target
/// `taskward`.
///
/// ```
/// use taskward::{AdaptiveBulkhead, AdaptiveLimit};
///
/// static POOL: AdaptiveBulkhead = AdaptiveBulkhead::new(AdaptiveLimit::new().min(2).max(32));
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let permit = POOL.acquire().await;
/// assert_eq!(POOL.in_flight(), 1);
/// permit.finish(true); // succeeded: its latency is a sample (a permit dropped is a failure)
/// assert_eq!(POOL.in_flight(), 0);
/// assert!((2..=32).contains(&POOL.limit()));
/// # }
/// ```
#[derive(Debug)]
pub struct AdaptiveBulkhead {
    semaphore: Semaphore,
    /// The limit now, mirrored out of `state` to be read without the lock.
    limit: AtomicUsize,
    min: usize,
    max: usize,
    algorithm: Algorithm,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    estimator: Estimator,
    /// Permits to take out of circulation as the calls holding them end: what a decrease could
    /// not take from the free permits.
    debt: usize,
    /// When the limit last went down: calls admitted before it do not bring it down again.
    last_decrease: Option<Instant>,
}

impl AdaptiveBulkhead {
    /// The largest `max` an adaptive bulkhead takes: tokio's `Semaphore::MAX_PERMITS`, as
    /// [`Bulkhead::MAX_LIMIT`](crate::Bulkhead::MAX_LIMIT).
    pub const MAX_LIMIT: usize = Semaphore::MAX_PERMITS;

    /// An adaptive bulkhead with these settings.
    ///
    /// # Panics
    ///
    /// If `min` is 0, `min > max`, `max` is above [`Self::MAX_LIMIT`], or `initial` is outside
    /// `[min, max]`. In a `static` this is a compile error, not a run-time panic:
    ///
    /// ```compile_fail
    /// use taskward::{AdaptiveBulkhead, AdaptiveLimit};
    /// static NONE: AdaptiveBulkhead = AdaptiveBulkhead::new(AdaptiveLimit::new().min(0));
    /// ```
    #[must_use]
    pub const fn new(settings: AdaptiveLimit) -> Self {
        let AdaptiveLimit {
            min,
            max,
            initial,
            algorithm,
        } = settings;
        assert!(min > 0, "an adaptive limit needs a `min` of at least 1");
        assert!(min <= max, "an adaptive limit needs `min <= max`");
        assert!(
            max <= Semaphore::MAX_PERMITS,
            "the `max` of an adaptive limit must not exceed tokio's Semaphore::MAX_PERMITS"
        );
        let initial = match initial {
            Some(initial) => {
                assert!(
                    min <= initial && initial <= max,
                    "the `initial` limit must be within `[min, max]`"
                );
                initial
            }
            None => min,
        };
        AdaptiveBulkhead {
            semaphore: Semaphore::const_new(initial),
            limit: AtomicUsize::new(initial),
            min,
            max,
            algorithm,
            state: Mutex::new(State {
                estimator: Estimator::new(algorithm, min, initial, max),
                debt: 0,
                last_decrease: None,
            }),
        }
    }

    /// The limit now: how many calls may run at once.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// The lowest the limit goes.
    #[must_use]
    pub const fn min(&self) -> usize {
        self.min
    }

    /// The highest the limit goes.
    #[must_use]
    pub const fn max(&self) -> usize {
        self.max
    }

    /// The algorithm that moves the limit.
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The number of calls holding a permit now. After a decrease it may be above
    /// [`limit`](Self::limit) for a while: running calls are not cut.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        let state = self.lock();
        self.held(&state)
    }

    /// The lowest moving average of the latency seen, which the algorithms compare the latency
    /// with; `None` until the first 10 calls have succeeded.
    #[must_use]
    pub fn baseline(&self) -> Option<Duration> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.lock()
            .estimator
            .baseline()
            .map(|nanos| Duration::from_nanos(nanos as u64))
    }

    /// Waits for a permit, for code that is not annotated. Report the call's outcome with
    /// [`AdaptivePermit::finish`]; a permit dropped without it counts as a failed call.
    pub async fn acquire(&self) -> AdaptivePermit<'_> {
        static BY_HAND: Meta = Meta::new("AdaptiveBulkhead::acquire");
        self.wait_for_permit(&BY_HAND).await
    }

    /// Takes a permit if one is free now.
    #[must_use]
    pub fn try_acquire(&self) -> Option<AdaptivePermit<'_>> {
        static BY_HAND: Meta = Meta::new("AdaptiveBulkhead::try_acquire");
        self.try_permit(&BY_HAND)
    }

    #[inline]
    fn try_permit(&self, meta: &'static Meta) -> Option<AdaptivePermit<'_>> {
        match self.semaphore.try_acquire() {
            Ok(permit) => {
                permit.forget();
                Some(self.admitted(meta))
            }
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => None,
        }
    }

    async fn wait_for_permit(&self, meta: &'static Meta) -> AdaptivePermit<'_> {
        match self.semaphore.acquire().await {
            Ok(permit) => permit.forget(),
            // The semaphore is private and never closed.
            Err(_) => unreachable!("an AdaptiveBulkhead's semaphore is never closed"),
        }
        self.admitted(meta)
    }

    /// The permit of a call admitted now (its semaphore permit forgotten: the permit's drop
    /// gives it back, or pays a debt with it).
    #[inline]
    fn admitted(&self, meta: &'static Meta) -> AdaptivePermit<'_> {
        AdaptivePermit {
            bulkhead: self,
            meta,
            admitted: Instant::now(),
            succeeded: false,
            #[cfg(feature = "metrics")]
            counted: false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it; a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The permits held by calls: the semaphore's permits (`limit + debt`) less the free ones.
    fn held(&self, state: &State) -> usize {
        (self.limit() + state.debt).saturating_sub(self.semaphore.available_permits())
    }

    /// A call admitted at `admitted` ended: its sample moves the limit, and its permit goes back
    /// (`counted`: a call of an annotated function, whose metrics record it).
    fn ended(&self, meta: &'static Meta, admitted: Instant, succeeded: bool, counted: bool) {
        if counted {
            crate::metrics::permit_released(meta);
        }
        let now = Instant::now();
        let latency = now.saturating_duration_since(admitted);
        let change = {
            let mut state = self.lock();
            let before = self.limit();
            #[allow(clippy::cast_precision_loss)]
            let sample = Sample {
                latency: latency.as_nanos() as f64,
                in_flight: self.held(&state),
                dropped: !succeeded,
                fresh: state.last_decrease.is_none_or(|at| admitted >= at),
            };
            if state.estimator.sample(sample) {
                state.last_decrease = Some(now);
            }
            let after = state.estimator.limit();
            if after > before {
                let grow = after - before;
                let paid = grow.min(state.debt);
                state.debt -= paid;
                self.semaphore.add_permits(grow - paid);
            } else if after < before {
                let shrink = before - after;
                let forgotten = self.semaphore.forget_permits(shrink);
                state.debt += shrink - forgotten;
            }
            self.limit.store(after, Ordering::Relaxed);
            // This call's permit.
            if state.debt > 0 {
                state.debt -= 1;
            } else {
                self.semaphore.add_permits(1);
            }
            (after != before).then_some((before, after))
        };
        if let Some((before, after)) = change {
            limit_changed(meta, before, after, latency, succeeded, counted);
        }
    }
}

impl Default for AdaptiveBulkhead {
    /// The default settings: [`AdaptiveLimit::new`].
    fn default() -> Self {
        AdaptiveBulkhead::new(AdaptiveLimit::new())
    }
}

/// A permit of an [`AdaptiveBulkhead`]: the call it guards counts as in flight until it is
/// dropped, and its latency (from admission to drop) is a sample of the limit.
#[derive(Debug)]
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct AdaptivePermit<'a> {
    bulkhead: &'a AdaptiveBulkhead,
    meta: &'static Meta,
    admitted: Instant,
    succeeded: bool,
    /// Taken by generated code: counted in the function's metrics until dropped.
    #[cfg(feature = "metrics")]
    counted: bool,
}

impl AdaptivePermit<'_> {
    /// Ends the call: `succeeded` (its latency a sample), or failed (a congestion signal, as a
    /// permit dropped without `finish` is).
    #[inline]
    pub fn finish(mut self, succeeded: bool) {
        self.succeeded = succeeded;
    }

    /// The permit of a call of `meta`'s function that waited `waited` for it, counted in the
    /// function's metrics until it is dropped.
    #[inline]
    #[allow(unused_mut)]
    fn taken(mut self, waited: Duration) -> Self {
        crate::metrics::permit_taken(self.meta, waited);
        #[cfg(feature = "metrics")]
        {
            self.counted = true;
        }
        self
    }
}

impl Drop for AdaptivePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        let counted = self.counted;
        #[cfg(not(feature = "metrics"))]
        let counted = false;
        self.bulkhead
            .ended(self.meta, self.admitted, self.succeeded, counted);
    }
}

#[cold]
fn limit_changed(
    meta: &'static Meta,
    from: usize,
    to: usize,
    latency: Duration,
    succeeded: bool,
    counted: bool,
) {
    if counted {
        crate::metrics::adaptive_limit(meta, to);
    }
    tracing::debug!(
        target: "taskward",
        function = meta.function,
        from,
        to,
        latency = %DisplayDuration(latency),
        succeeded,
        "adaptive limit changed"
    );
}
