//! The core of the shutdown protocol: which calls are admitted, which are counted, and when the
//! last one has ended. Synchronous and free of tokio, so that `tests/loom_shutdown.rs` compiles
//! this very file with loom's atomics and checks it under every interleaving; [`Shutdown`] adds
//! the waking (a `tokio::sync::Notify`) and the cancelling (two tokens) around it.
//!
//! # Orderings
//!
//! Counting needs no ordering: every change of [`State::word`] is a read-modify-write of that one
//! word, so the changes happen one after another (in its modification order), each seeing the
//! last. Whether a call is admitted or refused, and whether its exit is counted, is decided by where
//! its operation falls in that order relative to the trigger.
//!
//! Reading the counts needs one: a counted exit (and a refusal) increments its counter *before* it
//! decrements the word, and a drain reads the counters *after* it has seen the word's count at
//! zero. Each read-modify-write of the word is `AcqRel` and [`State::in_flight`] is `Acquire`, so
//! the read that sees zero comes after every decrement that led to it, through the chain of
//! read-modify-writes each acquiring its predecessor, and so after every increment of a counter
//! that preceded them. The counters themselves can then be `Relaxed`. (The chain would also hold
//! through `Relaxed` read-modify-writes, by the release-sequence rule; `AcqRel` on all of them keeps
//! the argument local, and costs no more than `SeqCst`.) Nothing here needs `SeqCst`: no step
//! relies on one order across this word and another atomic.
//!
//! Waking the drain is the other half of the protocol and lives with the `Notify`, in
//! `Inner::wait_drained`.
//!
//! [`Shutdown`]: super::Shutdown

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

use crate::sync::atomic::AtomicUsize;

/// The high bit of [`State::word`]: shutdown has begun. The other bits count the calls running.
const TRIGGERED: usize = 1 << (usize::BITS - 1);

/// The protocol's state: the trigger, the calls in flight, and the counts a drain reports.
pub(crate) struct State {
    /// [`TRIGGERED`] | the number of calls registered and not yet ended.
    word: AtomicUsize,
    /// Calls in flight at the trigger that ended with their body returning (or panicking).
    finished: AtomicUsize,
    /// Calls in flight at the trigger whose body was dropped before it ended.
    cancelled: AtomicUsize,
    /// Calls refused because shutdown had begun.
    refused: AtomicUsize,
}

/// What [`State::enter`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Registered: the call ends with exactly one [`State::exit`].
    Admitted,
    /// Refused: shutdown had begun. `last`: withdrawing the registration brought the count to zero,
    /// so a drain may be waiting for it: wake it.
    Refused { last: bool },
}

/// The counters of a drain's report (see [`State::counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) finished: usize,
    pub(crate) cancelled: usize,
    pub(crate) refused: usize,
}

impl State {
    /// Not triggered, no call in flight, nothing counted.
    pub(crate) fn new() -> Self {
        State {
            word: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            cancelled: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        }
    }

    /// Registers a call, or refuses it once shutdown has begun.
    #[inline]
    pub(crate) fn enter(&self) -> Entry {
        // Register first, then look at the flag: the same atomic operation does both, so a call is
        // either counted in flight at the trigger, or sees the trigger and is refused.
        // AcqRel: a link of the chain of read-modify-writes (module docs).
        let prev = self.word.fetch_add(1, AcqRel);
        if prev & TRIGGERED == 0 {
            return Entry::Admitted;
        }
        // Relaxed: published by the `AcqRel` decrement below (module docs).
        self.refused.fetch_add(1, Relaxed);
        // Withdraw the registration. AcqRel: releases the increment above to the drain that sees
        // zero (module docs).
        let last = self.word.fetch_sub(1, AcqRel) == TRIGGERED | 1;
        Entry::Refused { last }
    }

    /// Ends an admitted call, `finished` (its body returned or panicked) or not (its body was
    /// dropped). Counted only when shutdown began while it was in flight. Returns whether it was
    /// the last call in flight after the trigger: then a drain may be waiting for it: wake it.
    #[inline]
    pub(crate) fn exit(&self, finished: bool) -> bool {
        // Relaxed: only a guess for the compare-exchange, which checks it.
        let mut word = self.word.load(Relaxed);
        // Before the trigger: one compare-exchange, nothing to report. After it: the call was in
        // flight at the trigger; it is counted before it stops counting in flight, so a drain sees
        // final figures once the count reaches zero.
        while word & TRIGGERED == 0 {
            // AcqRel on success: a link of the chain (module docs). Relaxed on failure: the value
            // read only decides between retrying and the path below, whose decrement is `AcqRel`.
            match self
                .word
                .compare_exchange_weak(word, word - 1, AcqRel, Relaxed)
            {
                Ok(_) => return false,
                Err(now) => word = now,
            }
        }
        let counter = if finished {
            &self.finished
        } else {
            &self.cancelled
        };
        // Relaxed: published by the `AcqRel` decrement below (module docs).
        counter.fetch_add(1, Relaxed);
        // AcqRel: releases the increment above to the drain that sees zero (module docs).
        self.word.fetch_sub(1, AcqRel) == TRIGGERED | 1
    }

    /// Begins shutdown: from now on `enter` refuses. Returns the number of calls in flight at the
    /// trigger, or `None` if shutdown had begun already.
    pub(crate) fn trigger(&self) -> Option<usize> {
        // AcqRel: a link of the chain of read-modify-writes (module docs).
        let prev = self.word.fetch_or(TRIGGERED, AcqRel);
        (prev & TRIGGERED == 0).then_some(prev)
    }

    /// Whether shutdown has begun.
    pub(crate) fn is_triggered(&self) -> bool {
        // Acquire: like `in_flight`, which reads the same word.
        self.word.load(Acquire) & TRIGGERED != 0
    }

    /// The number of calls registered and not yet ended.
    pub(crate) fn in_flight(&self) -> usize {
        // Acquire: seeing zero here orders the increments of every exit that led to zero before
        // what the caller reads next: the counts (module docs).
        self.word.load(Acquire) & !TRIGGERED
    }

    /// The counts of a drain's report. `finished` and `cancelled` are final once `in_flight` has
    /// returned zero after the trigger (no call can start any more); `refused` goes on counting.
    pub(crate) fn counts(&self) -> Counts {
        // Relaxed (the three loads): read after `in_flight` saw zero, whose `Acquire` orders every
        // counted exit before them (module docs).
        Counts {
            finished: self.finished.load(Relaxed),
            cancelled: self.cancelled.load(Relaxed),
            refused: self.refused.load(Relaxed),
        }
    }
}
