//! The core of the circuit breaker: its state machine, in one atomic word, and its window of
//! outcomes. Synchronous and free of tokio (the time is passed in, as nanoseconds since the
//! breaker's first reading of the clock), so that `tests/loom_breaker.rs` compiles this very file
//! (and `word.rs`, the encoding of the word) with loom's atomics and checks it under every
//! interleaving; [`Breaker`] adds the clock, the events and the future around it.
//!
//! # The state word
//!
//! Everything that decides whether a call runs is in one `u64`, changed only by compare-exchange,
//! so that each transition is one atomic step and no two calls can make conflicting ones:
//!
//! ```text
//! bits 18..64  payload   closed: consecutive failures
//!                        open: until when, in milliseconds since the base
//!                        half-open: probes admitted (bits 18..41), probes succeeded (41..64)
//! bits 2..18   epoch     incremented by every transition (wrapping at 2^16)
//! bits 0..2    phase     closed, open, half-open
//! ```
//!
//! A call carries the epoch it was admitted in (its [`Ticket`]), and its outcome counts only if
//! the breaker is still in that epoch: a call admitted before the breaker opened, or a probe of an
//! earlier half-open period, that ends late changes nothing. (After 2^16 transitions during one
//! call the epoch would come round again; each opening lasts at least `reset`, so that takes at
//! least 2^15 openings while the call runs.)
//!
//! The until of an open breaker is in the word itself, not beside it: a call that sees the breaker
//! open sees when it opens again in the same load, and a reopening cannot be mixed with an older
//! until.
//!
//! # The window
//!
//! With a failure rate, each outcome of a closed period is also a bit of a ring of
//! [`MAX_WINDOW`] bits (a failure sets its bit, a success clears it) at the position a counter
//! hands out, modulo the window; the failures in the window are the bits set. The half-open
//! transition clears the ring for the next closed period.
//!
//! # Orderings
//!
//! The decisions need no ordering beyond the state word's own modification order: each is a
//! compare-exchange of that one word, against the value it read. The loads of the word are
//! `Acquire` and its read-modify-writes `AcqRel` for the window only: the half-open transition
//! clears the ring after its compare-exchange, and a closed period begins with a compare-exchange
//! that comes after the last operation of that transition's own probe in the word's modification
//! order, so a call of the new period, which loads the word with `Acquire`, sees the cleared ring.
//!
//! The ring and its counter are `SeqCst`: a call increments the counter, then reads or writes its
//! bit, then (when its outcome may open the breaker) reads the counter and the ring. In the one
//! order of all those operations, the call whose bit comes last reads every increment and every bit
//! before it: calls that end together do not each miss the others' outcomes, and the one that
//! completes a rate opens the breaker. (On x86 these cost what relaxed ones would: a
//! read-modify-write is a locked instruction either way, a load a plain one.) The clearing of the
//! ring and the count of openings are `Relaxed`: the one is ordered by the state word (above), the
//! other is a figure.
//!
//! [`Breaker`]: super::Breaker

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, SeqCst};

use crate::sync::atomic::AtomicU64;
use crate::sync::{const_unless_loom, zeroed};

use super::word::{CLOSED, HALF_OPEN, Now, OPEN, PAYLOAD_MAX, Ticket, Word, probes};

/// The largest failure-rate window, in calls.
pub(crate) const MAX_WINDOW: u32 = 1024;

/// The most probe calls a half-open breaker lets through.
pub(crate) const MAX_PROBES: u32 = 65_535;

/// The words of the ring of outcomes.
const RING_WORDS: usize = MAX_WINDOW as usize / 64;

/// A breaker's resolved settings, checked by its constructor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// The consecutive failures that open a closed breaker; 0: that rule is off.
    pub(crate) failures: u32,
    /// The failure rate that opens it, in millionths of the calls in the window; 0: that rule is
    /// off.
    pub(crate) rate_ppm: u32,
    /// The calls the rate is computed over, at most [`MAX_WINDOW`].
    pub(crate) window: u32,
    /// The calls in the window before the rate may open the breaker.
    pub(crate) min_calls: u32,
    /// How long an opening lasts, in milliseconds.
    pub(crate) reset_ms: u64,
    /// The probe calls of a half-open breaker, at most [`MAX_PROBES`].
    pub(crate) half_open: u32,
}

/// The state machine and the window of one breaker.
pub(crate) struct Core {
    /// The state word (module docs).
    word: AtomicU64,
    /// The outcomes recorded in the window since the last half-open transition.
    cursor: AtomicU64,
    /// The ring of outcomes: a bit set for each failure.
    ring: [AtomicU64; RING_WORDS],
    /// The times the breaker has opened.
    opened: AtomicU64,
    pub(crate) config: Config,
}

/// What [`Core::admit`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Closed: the call runs; it ends with one [`Core::finish`].
    Call(Ticket),
    /// Half-open: the call runs as a probe; it ends with one [`Core::finish`]. `half_opened`: this
    /// call's admission moved the breaker from open to half-open.
    Probe { ticket: Ticket, half_opened: bool },
    /// Refused: open until `until` (milliseconds since the base), or half-open with every probe
    /// admitted (`None`).
    Refused { until: Option<u64> },
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    /// Dropped before it ended: neither a success nor a failure. A probe gives its place back.
    Abandoned,
}

/// A transition that [`Core::finish`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    None,
    /// Opened until `until` (milliseconds since the base).
    Opened {
        until: u64,
        cause: Cause,
    },
    /// Closed: every probe succeeded.
    Closed,
}

/// Why a breaker opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// This many consecutive failures.
    Consecutive(u32),
    /// `failures` of the last `calls` calls failed.
    Rate { failures: u32, calls: u32 },
    /// A probe failed.
    Probe,
}

/// The phase of a breaker, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Closed {
        consecutive: u32,
    },
    /// Until when, in milliseconds since the base.
    Open {
        until: u64,
    },
    HalfOpen {
        admitted: u32,
        succeeded: u32,
    },
}

impl Core {
    const_unless_loom! {
        /// Closed, nothing counted.
        pub(crate) fn new(config: Config) -> Self {
            Core {
                word: AtomicU64::new(Word::new(CLOSED, 0, 0).0),
                cursor: AtomicU64::new(0),
                ring: zeroed(),
                opened: AtomicU64::new(0),
                config,
            }
        }
    }

    /// Whether a call may run. A closed breaker admits with one load and no clock reading; `now`
    /// (nanoseconds since the base) is read only when the breaker is open.
    #[inline]
    pub(crate) fn admit(&self, now: impl FnOnce() -> u64) -> Admission {
        // Acquire: a closed period's calls see the window cleared (module docs).
        let word = Word(self.word.load(Acquire));
        if word.phase() == CLOSED {
            return Admission::Call(Ticket::call(word, self.config.rate_ppm == 0));
        }
        self.admit_open(word, now)
    }

    /// [`admit`](Self::admit) when the breaker was not closed.
    #[inline(never)]
    fn admit_open(&self, mut word: Word, now: impl FnOnce() -> u64) -> Admission {
        let mut now = Now::new(now);
        loop {
            let next = match word.phase() {
                CLOSED => {
                    return Admission::Call(Ticket::call(word, self.config.rate_ppm == 0));
                }
                OPEN => {
                    let until = word.payload();
                    if !now.reached(until) {
                        return Admission::Refused { until: Some(until) };
                    }
                    // This call is the first probe.
                    word.next(HALF_OPEN, probes(1, 0))
                }
                _ => {
                    let (admitted, succeeded) = word.probes();
                    if admitted >= self.config.half_open {
                        return Admission::Refused { until: None };
                    }
                    word.with_payload(probes(admitted + 1, succeeded))
                }
            };
            // AcqRel on success: the window (module docs). Acquire on failure: the word read
            // again, as by the load above.
            match self
                .word
                .compare_exchange_weak(word.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => {
                    let half_opened = word.phase() == OPEN;
                    if half_opened {
                        self.clear_window();
                    }
                    return Admission::Probe {
                        ticket: Ticket::probe(next),
                        half_opened,
                    };
                }
                Err(current) => word = Word(current),
            }
        }
    }

    /// Records how an admitted call ended, and makes the transition that follows, if any. `now` is
    /// read only when the breaker opens.
    #[inline]
    pub(crate) fn finish(
        &self,
        ticket: Ticket,
        outcome: Outcome,
        now: impl FnOnce() -> u64,
    ) -> Change {
        // The common case, a success in a closed period with no failure to forget and no window
        // to record: one load, one comparison (see `Ticket`).
        // Acquire: as in `admit`.
        if outcome == Outcome::Success && self.word.load(Acquire) == ticket.0 {
            return Change::None;
        }
        self.finish_other(ticket, outcome, now)
    }

    /// [`finish`](Self::finish) in the other cases.
    #[inline(never)]
    fn finish_other(&self, ticket: Ticket, outcome: Outcome, now: impl FnOnce() -> u64) -> Change {
        if ticket.is_probe() {
            return self.finish_probe(ticket, outcome, now);
        }
        let failed = match outcome {
            Outcome::Success => false,
            Outcome::Failure => true,
            // A call of a closed period that was dropped tells nothing.
            Outcome::Abandoned => return Change::None,
        };
        // Acquire: as in `admit`.
        let word = Word(self.word.load(Acquire));
        if !word.is(CLOSED, ticket) {
            // The breaker opened since the call began: its outcome belongs to a past period.
            return Change::None;
        }
        let rate_due = if self.config.rate_ppm == 0 {
            false
        } else {
            let calls = self.record(failed);
            // A success never raises the rate, but the call that brings the window to
            // `min_calls` makes the rate count for the first time.
            failed || calls == u64::from(self.config.min_calls)
        };
        if !failed && word.payload() == 0 && !rate_due {
            // A success after a success.
            return Change::None;
        }
        self.settle_closed(word, ticket, failed, rate_due, now)
    }

    /// The consecutive count after a closed call, and the opening if a rule says so.
    fn settle_closed(
        &self,
        mut word: Word,
        ticket: Ticket,
        failed: bool,
        rate_due: bool,
        now: impl FnOnce() -> u64,
    ) -> Change {
        let mut now = Now::new(now);
        let rate = if rate_due { self.rate_exceeded() } else { None };
        loop {
            if !word.is(CLOSED, ticket) {
                return Change::None;
            }
            let consecutive = if failed {
                word.payload().saturating_add(1).min(PAYLOAD_MAX)
            } else {
                0
            };
            let cause =
                if self.config.failures != 0 && consecutive >= u64::from(self.config.failures) {
                    Some(Cause::Consecutive(self.config.failures))
                } else {
                    rate.map(|(failures, calls)| Cause::Rate { failures, calls })
                };
            let next = match cause {
                Some(_) => word.next(OPEN, now.until(self.config.reset_ms)),
                None => word.with_payload(consecutive),
            };
            if next == word {
                return Change::None;
            }
            // AcqRel and Acquire: as in `admit_open`.
            match self
                .word
                .compare_exchange_weak(word.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => {
                    return match cause {
                        Some(cause) => self.opened(next, cause),
                        None => Change::None,
                    };
                }
                Err(current) => word = Word(current),
            }
        }
    }

    /// The end of a probe: a success counts towards closing, a failure opens again, an abandoned
    /// probe gives its place back.
    fn finish_probe(&self, ticket: Ticket, outcome: Outcome, now: impl FnOnce() -> u64) -> Change {
        let mut now = Now::new(now);
        // Acquire: as in `admit`.
        let mut word = Word(self.word.load(Acquire));
        loop {
            if !word.is(HALF_OPEN, ticket) {
                // Another probe has settled this half-open period.
                return Change::None;
            }
            let (admitted, succeeded) = word.probes();
            let (next, change) = match outcome {
                Outcome::Success if succeeded + 1 >= self.config.half_open => {
                    (word.next(CLOSED, 0), Change::Closed)
                }
                Outcome::Success => (
                    word.with_payload(probes(admitted, succeeded + 1)),
                    Change::None,
                ),
                Outcome::Failure => {
                    let next = word.next(OPEN, now.until(self.config.reset_ms));
                    (
                        next,
                        Change::Opened {
                            until: next.payload(),
                            cause: Cause::Probe,
                        },
                    )
                }
                Outcome::Abandoned => (
                    word.with_payload(probes(admitted.saturating_sub(1), succeeded)),
                    Change::None,
                ),
            };
            // AcqRel and Acquire: as in `admit_open`.
            match self
                .word
                .compare_exchange_weak(word.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => {
                    return match change {
                        Change::Opened { cause, .. } => self.opened(next, cause),
                        other => other,
                    };
                }
                Err(current) => word = Word(current),
            }
        }
    }

    /// Counts an opening that `next` made.
    fn opened(&self, next: Word, cause: Cause) -> Change {
        // Relaxed: a figure (module docs).
        self.opened.fetch_add(1, Relaxed);
        Change::Opened {
            until: next.payload(),
            cause,
        }
    }

    /// Records an outcome in the window; returns the outcomes recorded in this closed period so
    /// far.
    fn record(&self, failed: bool) -> u64 {
        // SeqCst (the counter, then the bit): the last to record sees every record (module docs).
        let position = self.cursor.fetch_add(1, SeqCst);
        let slot = position % u64::from(self.config.window);
        // Below `MAX_WINDOW` by the modulo.
        #[allow(clippy::cast_possible_truncation)]
        let word = &self.ring[(slot / 64) as usize];
        let bit = 1 << (slot % 64);
        // Read first: a success after a success (the common case) writes nothing.
        let set = word.load(SeqCst) & bit != 0;
        if failed && !set {
            word.fetch_or(bit, SeqCst);
        } else if !failed && set {
            word.fetch_and(!bit, SeqCst);
        }
        position + 1
    }

    /// The failures and the calls of the window, if the rate opens the breaker.
    fn rate_exceeded(&self) -> Option<(u32, u32)> {
        let (calls, failures) = self.window();
        let exceeded = calls >= self.config.min_calls
            && u64::from(failures) * 1_000_000
                >= u64::from(self.config.rate_ppm) * u64::from(calls);
        exceeded.then_some((failures, calls))
    }

    /// Empties the window, for the next closed period.
    fn clear_window(&self) {
        if self.config.rate_ppm == 0 {
            return;
        }
        // Relaxed: ordered before the next closed period by the state word (module docs).
        self.cursor.store(0, Relaxed);
        for word in &self.ring[..self.ring_words()] {
            word.store(0, Relaxed);
        }
    }

    fn ring_words(&self) -> usize {
        self.config.window.div_ceil(64) as usize
    }

    /// The calls and the failures in the window (both zero without a rate).
    pub(crate) fn window(&self) -> (u32, u32) {
        if self.config.rate_ppm == 0 {
            return (0, 0);
        }
        // SeqCst: after this call's own record (module docs).
        let recorded = self.cursor.load(SeqCst);
        // At most the window, a `u32`.
        #[allow(clippy::cast_possible_truncation)]
        let calls = recorded.min(u64::from(self.config.window)) as u32;
        let failures: u32 = self.ring[..self.ring_words()]
            .iter()
            .map(|word| word.load(SeqCst).count_ones())
            .sum();
        (calls, failures.min(calls))
    }

    /// The phase now.
    pub(crate) fn phase(&self) -> Phase {
        let word = Word(self.word.load(Acquire));
        match word.phase() {
            CLOSED => Phase::Closed {
                consecutive: u32::try_from(word.payload()).unwrap_or(u32::MAX),
            },
            OPEN => Phase::Open {
                until: word.payload(),
            },
            _ => {
                let (admitted, succeeded) = word.probes();
                Phase::HalfOpen {
                    admitted,
                    succeeded,
                }
            }
        }
    }

    /// The times the breaker has opened.
    pub(crate) fn times_opened(&self) -> u64 {
        // Relaxed: a figure (module docs).
        self.opened.load(Relaxed)
    }
}
