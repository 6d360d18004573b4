//! The shutdown protocol, model-checked with loom: every interleaving of the threads below (up to
//! a bound on preemptions), under loom's model of the memory orderings.
//!
//! The protocol's core (`src/shutdown/state.rs`) is compiled here as is, with loom's atomics (see
//! `src/sync.rs`), and driven the way `Shutdown` drives it: `Coordinator` mirrors `Inner::enter`,
//! `Tracked::drop` and `Inner::wait_drained` line for line, with a model of `tokio::sync::Notify`
//! in place of the real one, which loom does not instrument.
//!
//! ```sh
//! # What CI runs (bound 3: 3 to 6 s of checking, after a cold release build of about 80 s):
//! LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg taskward_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p taskward-runtime --release --test loom_shutdown
//! # Deeper: LOOM_MAX_PREEMPTIONS=4 (about 25 s) or 5 (about 2 min), same command.
//! ```
//!
//! Without `LOOM_MAX_PREEMPTIONS`, the bound is [`DEFAULT_PREEMPTIONS`]. `taskward_loom` rather
//! than loom's usual `loom`: see `src/sync.rs`.
#![cfg(taskward_loom)]

#[path = "../src/sync.rs"]
mod sync;

#[path = "../src/shutdown/state.rs"]
mod state;

use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::{AcqRel, Acquire};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

use state::{Counts, Entry, State};

/// The preemption bound when `LOOM_MAX_PREEMPTIONS` is not set: the one CI uses.
const DEFAULT_PREEMPTIONS: usize = 3;

/// Runs `f` under every interleaving loom explores, within the preemption bound.
fn model(f: impl Fn() + Sync + Send + 'static) {
    // `Builder::new` reads `LOOM_MAX_PREEMPTIONS` (and loom's other variables).
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(DEFAULT_PREEMPTIONS);
    }
    builder.check(f);
}

/// The semantics of `tokio::sync::Notify` that `drain` relies on: `notify_waiters` wakes every
/// `Notified` created before it, polled yet or not, and stores no permit for later ones.
///
/// Modelled as tokio implements it: `Notify` counts its `notify_waiters` calls (incremented under
/// its waiter lock, with release); `notified()` records the count (`Acquire`); waiting ends once
/// the count differs from the recorded one, checked under the lock, so that a notification cannot
/// slip between the check and the sleep.
///
/// Not `loom::sync::Notify`: it stores a permit (a `notify` before the `wait` is not lost), which
/// would hide exactly the lost wake-up this checks for, and it allows one waiter only, where two
/// drains may wait at once.
struct NotifyWaiters {
    /// The number of `notify_waiters` calls so far.
    calls: AtomicUsize,
    waiters: Mutex<()>,
    wake: Condvar,
}

/// A `Notified`: the count of `notify_waiters` calls when it was created.
#[derive(Clone, Copy)]
struct Notified(usize);

impl NotifyWaiters {
    fn new() -> Self {
        NotifyWaiters {
            calls: AtomicUsize::new(0),
            waiters: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// `Notify::notified`.
    fn notified(&self) -> Notified {
        // Acquire: as tokio's `notified()`.
        Notified(self.calls.load(Acquire))
    }

    /// `Notified::await`: until a `notify_waiters` made after `notified` was created.
    fn wait(&self, notified: Notified) {
        let mut waiters = self.waiters.lock().unwrap();
        // Acquire: as tokio's poll of a `Notified`, which reloads the count under the lock.
        while self.calls.load(Acquire) == notified.0 {
            waiters = self.wake.wait(waiters).unwrap();
        }
    }

    /// `Notify::notify_waiters`.
    fn notify_waiters(&self) {
        let _waiters = self.waiters.lock().unwrap();
        // AcqRel: as tokio's `notify_waiters` when no task is registered yet.
        self.calls.fetch_add(1, AcqRel);
        self.wake.notify_all();
    }
}

/// What `drain` reports of the calls (`DrainReport` without the times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Report {
    in_flight: usize,
    finished: usize,
    cancelled: usize,
    refused: usize,
}

/// `Shutdown`'s `Inner`, as far as the protocol goes: the core and the notification a drain
/// waits on. The cancellation tokens are left out: they decide *when* a call ends (and whether it
/// ends cancelled, which a call here chooses), not how its end is counted. The grace deadline
/// likewise: after it, `drain` cancels the calls and waits again with the same `wait_drained`.
struct Coordinator {
    state: State,
    drained: NotifyWaiters,
}

impl Coordinator {
    fn new() -> Arc<Self> {
        Arc::new(Coordinator {
            state: State::new(),
            drained: NotifyWaiters::new(),
        })
    }

    /// `Inner::enter`: whether the call is admitted.
    fn enter(&self) -> bool {
        match self.state.enter() {
            Entry::Admitted => true,
            Entry::Refused { last } => {
                if last {
                    self.drained.notify_waiters();
                }
                false
            }
        }
    }

    /// `Tracked::drop`.
    fn exit(&self, finished: bool) {
        if self.state.exit(finished) {
            self.drained.notify_waiters();
        }
    }

    /// `Inner::wait_drained`, without its `enable()`: that registers the waiter early, which the
    /// semantics of `notify_waiters` make unnecessary; without it, the model assumes less.
    fn wait_drained(&self) {
        loop {
            let notified = self.drained.notified();
            if self.state.in_flight() == 0 {
                return;
            }
            self.drained.wait(notified);
        }
    }

    /// `Shutdown::drain` (the trigger, the waiting, the report), and what its trigger returned:
    /// the calls in flight at the trigger if this drain began shutdown.
    fn drain(&self) -> (Option<usize>, Report) {
        let at_trigger = self.state.trigger();
        self.wait_drained();
        (at_trigger, self.report())
    }

    /// The report as `drain` builds it.
    fn report(&self) -> Report {
        let Counts {
            finished,
            cancelled,
            refused,
        } = self.state.counts();
        Report {
            in_flight: finished + cancelled,
            finished,
            cancelled,
            refused,
        }
    }

    /// A call that ends `finished` or cancelled, if admitted. Returns whether it was admitted.
    fn call(&self, finished: bool) -> bool {
        // A call that starts after it has seen the trigger must be refused.
        let after_trigger = self.state.is_triggered();
        let admitted = self.enter();
        assert!(
            !(after_trigger && admitted),
            "a call started after the trigger was admitted"
        );
        if admitted {
            self.exit(finished);
        }
        admitted
    }

    /// Once every thread has ended: shutdown began, and the count of calls is back to zero.
    fn assert_quiet(&self) {
        assert!(self.state.is_triggered());
        assert_eq!(
            self.state.in_flight(),
            0,
            "the count did not return to zero"
        );
    }
}

/// The trigger races two calls, each starting and ending (one finishing, one cancelled): each
/// call in flight at the trigger is counted once, as what it was; each call that started after the
/// trigger is refused; the drain returns, with `in_flight` the calls in flight at its trigger.
#[test]
fn a_trigger_racing_calls_counts_each_call_in_flight_once() {
    model(|| {
        let c = Coordinator::new();
        let finishing = thread::spawn({
            let c = c.clone();
            move || c.call(true)
        });
        let cancelled = thread::spawn({
            let c = c.clone();
            move || c.call(false)
        });

        let (at_trigger, report) = c.drain();
        let at_trigger = at_trigger.expect("the only trigger");
        assert_eq!(report.in_flight, at_trigger, "{report:?}");
        assert_eq!(report.in_flight, report.finished + report.cancelled);

        let admitted = [finishing.join().unwrap(), cancelled.join().unwrap()];
        // Each counter has one possible source: a call counted twice, or as the other kind,
        // shows here.
        assert!(report.finished <= usize::from(admitted[0]), "{report:?}");
        assert!(report.cancelled <= usize::from(admitted[1]), "{report:?}");
        c.assert_quiet();
        let end = c.report();
        // Final when the drain returned: no call counted after it.
        assert_eq!(
            (end.finished, end.cancelled),
            (report.finished, report.cancelled)
        );
        // Every refused call is counted as refused, once.
        let refused = admitted.iter().filter(|admitted| !**admitted).count();
        assert_eq!(end.refused, refused, "{end:?}");
    });
}

/// Two drains of one coordinator while its last call ends: both return, with the same figures,
/// those of the calls in flight at the one trigger that began shutdown.
#[test]
fn concurrent_drains_both_return_with_the_same_report() {
    model(|| {
        let c = Coordinator::new();
        assert!(c.enter());
        let drains = [(); 2].map(|()| {
            let c = c.clone();
            thread::spawn(move || c.drain())
        });

        c.exit(true);

        let [(t1, r1), (t2, r2)] = drains.map(|drain| drain.join().unwrap());
        let at_trigger = match (t1, t2) {
            (Some(n), None) | (None, Some(n)) => n,
            both => panic!("shutdown began {both:?}"),
        };
        assert_eq!(r1, r2);
        assert_eq!(r1.in_flight, at_trigger, "{r1:?}");
        assert_eq!(r1.in_flight, r1.finished + r1.cancelled);
        assert_eq!(r1.refused, 0);
        c.assert_quiet();
    });
}

/// A drain waiting for the last two calls, which end at once (one finishing, one cancelled):
/// whichever ends last wakes it, whenever the drain starts waiting.
#[test]
fn the_last_call_to_end_wakes_the_drain() {
    model(|| {
        let c = Coordinator::new();
        assert!(c.enter());
        assert!(c.enter());
        assert_eq!(c.state.trigger(), Some(2));
        let ends = [true, false].map(|finished| {
            let c = c.clone();
            thread::spawn(move || c.exit(finished))
        });

        c.wait_drained();
        let report = c.report();
        assert_eq!(
            report,
            Report {
                in_flight: 2,
                finished: 1,
                cancelled: 1,
                refused: 0
            }
        );

        for end in ends {
            end.join().unwrap();
        }
        c.assert_quiet();
    });
}

/// A call refused during the drain registers for a moment (to find out it must be refused): when
/// the drain sees that registration, the refusal's withdrawal wakes it.
#[test]
fn a_refused_call_wakes_the_drain_that_saw_it() {
    model(|| {
        let c = Coordinator::new();
        assert!(c.enter());
        assert_eq!(c.state.trigger(), Some(1));
        let end = thread::spawn({
            let c = c.clone();
            move || c.exit(false)
        });
        let refused = thread::spawn({
            let c = c.clone();
            move || c.enter()
        });

        c.wait_drained();
        let report = c.report();
        assert_eq!((report.in_flight, report.cancelled), (1, 1), "{report:?}");

        end.join().unwrap();
        assert!(
            !refused.join().unwrap(),
            "a call started after the trigger was admitted"
        );
        c.assert_quiet();
        assert_eq!(c.report().refused, 1);
    });
}
