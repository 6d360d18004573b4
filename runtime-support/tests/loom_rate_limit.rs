//! The rate limit's core, model-checked with loom: every interleaving of the threads below (up to
//! a bound on preemptions) of reservations and give-backs on the one atomic word.
//!
//! The core (`src/rate_limited/gcra.rs`) is compiled here as is, with loom's atomics (see
//! `src/sync.rs`). Time does not pass inside a model: each thread reserves at an instant of its
//! own, which is what threads that read the clock at different moments do.
//!
//! ```sh
//! # What CI runs (a few seconds of checking, after a cold release build):
//! LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg taskward_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p taskward-runtime --release --test loom_rate_limit
//! ```
//!
//! What every model checks of the slots that stand at the end (reserved and not given back),
//! sorted: any `k` of them span at least `(k - burst) × interval` (so no window of `per` holds
//! more than `calls + burst - 1`), and the word holds the reservation of the latest of them (or
//! its first value, when none stands): a give-back never rolls back a later reservation.
#![cfg(taskward_loom)]

#[path = "../src/sync.rs"]
mod sync;

// `next_slot` and `interval` are the limit's, for its figures; not needed here.
#[allow(dead_code)]
#[path = "../src/rate_limited/gcra.rs"]
mod gcra;

use core::sync::atomic::Ordering::Relaxed;

use loom::sync::Arc;
use loom::sync::atomic::AtomicU64;
use loom::thread;

use gcra::{Gcra, Slot};

/// The preemption bound when `LOOM_MAX_PREEMPTIONS` is not set: the one CI uses.
const DEFAULT_PREEMPTIONS: usize = 3;

const INTERVAL: u64 = 100;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(DEFAULT_PREEMPTIONS);
    }
    builder.check(f);
}

/// A limit of one call per [`INTERVAL`] with bursts of `burst`, its word at `tat`.
struct Limit {
    gcra: Gcra,
    burst: u64,
    tat: AtomicU64,
    first: u64,
}

impl Limit {
    fn new(burst: u64, tat: u64) -> Arc<Self> {
        Arc::new(Limit {
            gcra: Gcra::new(INTERVAL, (burst - 1) * INTERVAL),
            burst,
            tat: AtomicU64::new(tat),
            first: tat,
        })
    }

    fn reserve(&self, now: u64) -> Slot {
        self.gcra
            .reserve(&self.tat, now, u64::MAX)
            .expect("no wait limit")
    }

    fn give_back(&self, slot: Slot) -> bool {
        self.gcra.give_back(&self.tat, slot.after)
    }

    /// The checks of the module's docs, on the slots that stand.
    fn check(&self, standing: &[Slot]) {
        let mut at: Vec<u64> = standing.iter().map(|slot| slot.at).collect();
        at.sort_unstable();
        for i in 0..at.len() {
            for j in i + 1..at.len() {
                let k = (j - i + 1) as u64;
                let least = k.saturating_sub(self.burst) * INTERVAL;
                assert!(
                    at[j] - at[i] >= least,
                    "{k} slots within {} (burst {}): {at:?}",
                    at[j] - at[i],
                    self.burst
                );
            }
        }
        let word = self.tat.load(Relaxed);
        let latest = standing.iter().map(|slot| slot.after).max();
        assert_eq!(
            word,
            latest.unwrap_or(self.first),
            "the word against {standing:?}"
        );
    }
}

#[test]
fn concurrent_reservations_keep_the_spacing() {
    model(|| {
        let limit = Limit::new(2, 0);
        let threads: Vec<_> = [0, 0, 50]
            .into_iter()
            .map(|now| {
                let limit = limit.clone();
                thread::spawn(move || limit.reserve(now))
            })
            .collect();
        let slots: Vec<Slot> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        limit.check(&slots);
    });
}

#[test]
fn a_give_back_never_undoes_a_later_reservation() {
    model(|| {
        // Busy: every call waits.
        let limit = Limit::new(1, 1_000);
        let dropped = {
            let limit = limit.clone();
            thread::spawn(move || {
                let slot = limit.reserve(0);
                (slot, limit.give_back(slot))
            })
        };
        let other = {
            let limit = limit.clone();
            thread::spawn(move || limit.reserve(0))
        };
        let (slot, given_back) = dropped.join().unwrap();
        let other = other.join().unwrap();
        let mut standing = vec![other];
        if !given_back {
            standing.push(slot);
        }
        // One more call after both: it must not land on a slot that stands.
        standing.push(limit.reserve(0));
        limit.check(&standing);
    });
}

#[test]
fn two_give_backs_and_a_reservation() {
    model(|| {
        let limit = Limit::new(1, 1_000);
        let droppers: Vec<_> = (0..2)
            .map(|_| {
                let limit = limit.clone();
                thread::spawn(move || {
                    let slot = limit.reserve(0);
                    (slot, limit.give_back(slot))
                })
            })
            .collect();
        let other = {
            let limit = limit.clone();
            thread::spawn(move || limit.reserve(0))
        };
        let mut standing = vec![other.join().unwrap()];
        for dropper in droppers {
            let (slot, given_back) = dropper.join().unwrap();
            if !given_back {
                standing.push(slot);
            }
        }
        limit.check(&standing);
    });
}
