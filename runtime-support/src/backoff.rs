//! Exponential backoff with jitter: the delays between the runs of a body, shared by
//! `#[supervised]` and `#[retry]`.

use core::cell::Cell;
use std::time::Duration;

std::thread_local! {
    /// The jitter source of this thread: taskward's own, so that nothing else drawing random
    /// numbers on the thread moves it. Seeded at random, or by [`seed_jitter`].
    static JITTER: Cell<fastrand::Rng> = Cell::new(fastrand::Rng::new());
}

/// Seeds the jitter of the backoff delays drawn on the current thread, so that tests with paused
/// time see the same delays on every run.
///
/// Every `#[supervised]` and `#[retry]` delay with `jitter = true` (the default) is drawn from a
/// generator of the thread that runs the call. On a current-thread runtime, the default of
/// `#[tokio::test]`, every call runs on the test's thread: after `seed_jitter(seed)`, the same
/// calls restart (or retry) at exactly the same instants, and another seed gives other instants.
/// On a multi-thread runtime a call may move between threads, so the delays are not reproducible
/// that way.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// use tokio::time::Instant;
///
/// #[taskward::supervised(restarts = 3, backoff = "100ms..10s")]
/// async fn flaky(runs: &AtomicU32) -> std::io::Result<()> {
///     if runs.fetch_add(1, Ordering::SeqCst) < 3 {
///         return Err(std::io::Error::other("down"));
///     }
///     Ok(())
/// }
///
/// /// How long a call that fails 3 times takes, its delays drawn after `seed_jitter(seed)`.
/// async fn took(seed: u64) -> Duration {
///     taskward::seed_jitter(seed);
///     let started = Instant::now();
///     flaky(&AtomicU32::new(0)).await.unwrap();
///     started.elapsed()
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // in a `#[tokio::test(start_paused = true)]`:
/// assert_eq!(took(42).await, took(42).await);
/// # }
/// ```
pub fn seed_jitter(seed: u64) {
    JITTER.with(|rng| rng.set(fastrand::Rng::with_seed(seed)));
}

/// A number drawn uniformly from `lo..=hi` by the jitter source of this thread.
fn draw(lo: u128, hi: u128) -> u128 {
    JITTER
        .try_with(|cell| {
            let mut rng = cell.replace(fastrand::Rng::with_seed(0));
            let drawn = rng.u128(lo..=hi);
            cell.set(rng);
            drawn
        })
        // While the thread's locals are being destroyed.
        .unwrap_or_else(|_| fastrand::u128(lo..=hi))
}

/// Exponential backoff: the k-th delay is within `[min, min(max, min·2^k)]`, drawn with
/// [`seed_jitter`]'s generator.
///
/// ```
/// use std::time::Duration;
/// use taskward::__private::Backoff;
///
/// let ms = Duration::from_millis;
/// let mut backoff = Backoff::new(ms(100), ms(1000), false);
/// let delays: Vec<_> = (0..6).map(|_| backoff.next_delay()).collect();
/// assert_eq!(delays, [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
/// backoff.reset();
/// assert_eq!(backoff.next_delay(), ms(100));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    jitter: bool,
    /// The number of consecutive delays given since the last reset.
    step: u32,
}

impl Backoff {
    /// A backoff from `min` to `max` (a `max` below `min` is taken as `min`).
    #[must_use]
    pub const fn new(min: Duration, max: Duration, jitter: bool) -> Self {
        let max = if max.as_nanos() < min.as_nanos() {
            min
        } else {
            max
        };
        Backoff {
            min,
            max,
            jitter,
            step: 0,
        }
    }

    /// The number of delays given since the last reset (the `k` of the next delay).
    #[must_use]
    pub const fn step(&self) -> u32 {
        self.step
    }

    /// Starts again from the smallest delay.
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// The upper bound of the `k`-th delay: `min·2^k` capped at `max`, without overflow.
    #[must_use]
    pub fn upper_bound(&self, k: u32) -> Duration {
        1u32.checked_shl(k)
            .and_then(|factor| self.min.checked_mul(factor))
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The next delay, drawn within its bounds with jitter, else its upper bound.
    pub fn next_delay(&mut self) -> Duration {
        let upper = self.upper_bound(self.step);
        self.step = self.step.saturating_add(1);
        if !self.jitter || upper <= self.min {
            return upper;
        }
        let (lo, hi) = (self.min.as_nanos(), upper.as_nanos());
        let nanos = draw(lo, hi);
        let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        #[allow(clippy::cast_possible_truncation)] // below 10^9
        let sub = (nanos % 1_000_000_000) as u32;
        Duration::new(secs, sub).clamp(self.min, upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn backoff_without_jitter_doubles_to_the_cap() {
        let mut b = Backoff::new(MS(100), MS(2000), false);
        let delays: Vec<_> = (0..8).map(|_| b.next_delay()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 2000, 2000, 2000].map(MS));
        assert_eq!(b.step(), 8);
        b.reset();
        assert_eq!(b.next_delay(), MS(100));
    }

    #[test]
    fn backoff_never_overflows() {
        let b = Backoff::new(MS(100), MS(2000), false);
        for k in [31, 32, 33, 64, 1000, u32::MAX] {
            assert_eq!(b.upper_bound(k), MS(2000));
        }
        let huge = Backoff::new(Duration::MAX / 2, Duration::MAX, true);
        assert_eq!(huge.upper_bound(0), Duration::MAX / 2);
        assert_eq!(huge.upper_bound(1), (Duration::MAX / 2) * 2);
        assert_eq!(huge.upper_bound(2), Duration::MAX);
        assert_eq!(huge.upper_bound(40), Duration::MAX);
        let mut huge = huge;
        for _ in 0..100 {
            assert!(huge.next_delay() >= Duration::MAX / 2);
        }
        let mut stuck = Backoff {
            step: u32::MAX,
            ..Backoff::new(MS(1), MS(5), true)
        };
        assert!(stuck.next_delay() <= MS(5));
        assert_eq!(stuck.step(), u32::MAX);
        // max below min: min.
        assert_eq!(Backoff::new(MS(10), MS(1), false).next_delay(), MS(10));
    }

    #[test]
    fn backoff_with_jitter_stays_in_bounds_and_spreads() {
        let (min, max) = (MS(100), MS(2000));
        for k in 0..10u32 {
            let upper = (min * 2u32.pow(k)).min(max);
            let (mut low_half, mut high_half) = (0, 0);
            for _ in 0..2000 {
                let mut b = Backoff::new(min, max, true);
                b.step = k;
                let d = b.next_delay();
                assert!(
                    d >= min && d <= upper,
                    "k={k}: {d:?} outside [{min:?}, {upper:?}]"
                );
                if k > 0 {
                    if d < (min + upper) / 2 {
                        low_half += 1;
                    } else {
                        high_half += 1;
                    }
                }
            }
            if k > 0 {
                // Uniform: each half gets about 1000 of 2000 draws.
                assert!(
                    (800..=1200).contains(&low_half),
                    "k={k}: {low_half}/{high_half}"
                );
            } else {
                assert_eq!((low_half, high_half), (0, 0));
            }
        }
    }
}
