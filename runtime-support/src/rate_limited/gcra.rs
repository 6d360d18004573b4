//! The core of a rate limit: GCRA, the generic cell rate algorithm, on one atomic word. Synchronous
//! and free of tokio (time is a number of nanoseconds since the limit's epoch), so that
//! `tests/loom_rate_limit.rs` compiles this very file with loom's atomics and checks it under
//! every interleaving; [`RateLimit`] adds the clock, the sleep and the figures around it.
//!
//! # The algorithm
//!
//! A rate of `calls` per `per` is one call every `T = per / calls` (the *interval*), and a burst of
//! `b` lets a call start up to `τ = (b - 1) × T` (the *tolerance*) ahead of that schedule. The
//! state is one number, the *theoretical arrival time* (TAT): when the next call would start if
//! calls came exactly on schedule. A call made at `now` gets the slot
//!
//! ```text
//! slot = max(now, TAT - τ)          and the state becomes   TAT' = max(TAT, now) + T
//! ```
//!
//! and starts at its slot: at once when the slot is `now`, else after sleeping until it. Unlike
//! the test-and-set form of GCRA (which only says "not before" and leaves the caller to try
//! again), a waiting call *reserves* its slot: waiting calls start in the order they came, each at
//! a slot known when it came, so that a call can be rejected at once when its slot is further away
//! than it may wait.
//!
//! Whatever the interleaving, the slots given out satisfy: for any two of them `s_i <= s_j` with
//! `k` slots between, `s_j - s_i >= (k + 1 - (b - 1)) × T`. So a window of length `per` holds at
//! most `calls + b - 1` slots (`calls` with `b = 1`), and a long one `calls` per `per`.
//!
//! # Giving a slot back
//!
//! A waiting call that is dropped gives its slot back when no call has taken a later slot since
//! (the word still holds the TAT its reservation set): the word returns to what it was before
//! (`TAT - T`), as if the call had never come. Otherwise its slot stays unused: moving later slots earlier
//! would put two calls where the schedule has one. Reservations that stand only ever raise the
//! word, and a give-back restores exactly the value its reservation found, so the word holds a
//! reservation's TAT only while that reservation is the latest that stands (no ABA: a later
//! standing reservation keeps the word above it).
//!
//! # Orderings
//!
//! Every change of the word is a read-modify-write of that one word, so the changes happen one
//! after another (in its modification order), each seeing the last; nothing else is published
//! through it. `Relaxed` suffices, and costs nothing over it on any target.
//!
//! [`RateLimit`]: super::RateLimit

use core::sync::atomic::Ordering::Relaxed;

use crate::sync::atomic::AtomicU64;

/// The parameters of a rate, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gcra {
    /// `T`: the time between two calls at the sustained rate, at least 1.
    interval: u64,
    /// `τ`: how far ahead of the schedule a call may start, `(burst - 1) × T`.
    tolerance: u64,
}

/// A reserved slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// When the call may start, in nanoseconds since the epoch.
    pub(crate) at: u64,
    /// The word after the reservation, which giving the slot back looks for.
    pub(crate) after: u64,
}

impl Gcra {
    /// A rate of one call every `interval` nanoseconds (at least 1), up to `tolerance` nanoseconds
    /// ahead of the schedule.
    pub(crate) const fn new(interval: u64, tolerance: u64) -> Self {
        Gcra {
            interval,
            tolerance,
        }
    }

    pub(crate) const fn interval(&self) -> u64 {
        self.interval
    }

    /// Reserves the slot of a call made at `now`, unless the slot is more than `max_wait` after
    /// `now`: then the word is left as it is and the slot is returned as the error.
    #[inline]
    pub(crate) fn reserve(&self, tat: &AtomicU64, now: u64, max_wait: u64) -> Result<Slot, u64> {
        let mut before = tat.load(Relaxed);
        loop {
            let at = before.saturating_sub(self.tolerance).max(now);
            if at - now > max_wait {
                return Err(at);
            }
            let after = before.max(now).saturating_add(self.interval);
            // Weak: a spurious failure only goes round the loop once more.
            match tat.compare_exchange_weak(before, after, Relaxed, Relaxed) {
                Ok(_) => return Ok(Slot { at, after }),
                Err(current) => before = current,
            }
        }
    }

    /// Gives back a reserved slot whose call will not start, `after` being the word its
    /// reservation set. Returns whether it was given back (no later slot had been taken), or stays
    /// unused.
    ///
    /// The word goes back to `after - T`: what it was before the reservation of a call that waits
    /// (whose slot was ahead of it: `TAT - τ > now`, so `TAT >= now` and `after = TAT + T`). For a
    /// call that did not wait the word found might have been lower (a limit idle since); `after - T`
    /// is then its call's instant, which lets the same calls through after it.
    #[inline]
    pub(crate) fn give_back(&self, tat: &AtomicU64, after: u64) -> bool {
        tat.compare_exchange(after, after - self.interval, Relaxed, Relaxed)
            .is_ok()
    }

    /// The slot a call made at `now` would get, without taking it.
    #[inline]
    pub(crate) fn next_slot(&self, tat: &AtomicU64, now: u64) -> u64 {
        tat.load(Relaxed).saturating_sub(self.tolerance).max(now)
    }
}

#[cfg(all(test, not(taskward_loom)))]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    /// 10 per second, bursts of `burst`.
    fn ten_per_second(burst: u64) -> Gcra {
        Gcra::new(100 * MS, (burst - 1) * 100 * MS)
    }

    #[test]
    fn a_burst_at_once_then_one_slot_per_interval() {
        let gcra = ten_per_second(3);
        let tat = AtomicU64::new(0);
        let slots: Vec<u64> = (0..6)
            .map(|_| gcra.reserve(&tat, 0, u64::MAX).unwrap().at / MS)
            .collect();
        assert_eq!(slots, [0, 0, 0, 100, 200, 300]);
        // Idle for a while: the burst is back, and no more than the burst.
        let later = 10_000 * MS;
        let slots: Vec<u64> = (0..4)
            .map(|_| (gcra.reserve(&tat, later, u64::MAX).unwrap().at - later) / MS)
            .collect();
        assert_eq!(slots, [0, 0, 0, 100]);
    }

    #[test]
    fn a_slot_further_than_the_wait_is_refused_and_takes_nothing() {
        let gcra = ten_per_second(1);
        let tat = AtomicU64::new(0);
        for _ in 0..3 {
            gcra.reserve(&tat, 0, 200 * MS).unwrap();
        }
        let before = tat.load(Relaxed);
        assert_eq!(gcra.reserve(&tat, 0, 200 * MS), Err(300 * MS));
        assert_eq!(gcra.reserve(&tat, 0, 0), Err(300 * MS));
        assert_eq!(tat.load(Relaxed), before);
        assert_eq!(gcra.next_slot(&tat, 0), 300 * MS);
        // Exactly `max_wait` away is not further.
        assert_eq!(gcra.reserve(&tat, 100 * MS, 200 * MS).unwrap().at, 300 * MS);
    }

    #[test]
    fn the_latest_slot_is_given_back_an_earlier_one_is_not() {
        let gcra = ten_per_second(1);
        let tat = AtomicU64::new(0);
        let first = gcra.reserve(&tat, 0, u64::MAX).unwrap();
        let second = gcra.reserve(&tat, 0, u64::MAX).unwrap();
        let third = gcra.reserve(&tat, 0, u64::MAX).unwrap();
        assert_eq!((first.at, second.at, third.at), (0, 100 * MS, 200 * MS));
        // The second cannot: the third came after it.
        assert!(!gcra.give_back(&tat, second.after));
        // The third can, and the next call gets its slot.
        assert!(gcra.give_back(&tat, third.after));
        assert_eq!(gcra.reserve(&tat, 0, u64::MAX).unwrap().at, 200 * MS);
    }

    #[test]
    fn far_instants_saturate() {
        let gcra = Gcra::new(u64::MAX / 2, u64::MAX);
        let tat = AtomicU64::new(0);
        let now = u64::MAX - 10;
        assert_eq!(gcra.reserve(&tat, now, u64::MAX).unwrap().at, now);
        assert_eq!(tat.load(Relaxed), u64::MAX);
        assert_eq!(gcra.reserve(&tat, now, u64::MAX).unwrap().at, now);
    }
}
