//! The circuit breaker's state machine, model-checked with loom: every interleaving of the threads
//! below (up to a bound on preemptions), under loom's model of the memory orderings.
//!
//! The core (`src/circuit_breaker/state.rs`, with the encoding of its word in `word.rs`) is
//! compiled here as is, with loom's atomics (see `src/sync.rs`), and driven the way `Breaker`
//! drives it: each call is admitted once and, if admitted, ends with exactly one `finish` (a
//! success, a failure, or abandoned when its future is dropped). The clock is a number passed in,
//! as `Breaker` passes tokio's.
//!
//! ```sh
//! # What CI runs (bound 3: under a second of checking, after the release build that the
//! # shutdown model's step has made in the same target dir):
//! LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg taskward_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p taskward-runtime --release --test loom_breaker
//! # Deeper, same command: LOOM_MAX_PREEMPTIONS=5 (about 1 s), 6 (about 45 s), 8 (about 2 min).
//! ```
//!
//! Without `LOOM_MAX_PREEMPTIONS`, the bound is [`DEFAULT_PREEMPTIONS`]. `taskward_loom` rather
//! than loom's usual `loom`: see `src/sync.rs`.
#![cfg(taskward_loom)]

#[path = "../src/sync.rs"]
mod sync;

// The library uses all of it; a model, not every part.
#[allow(dead_code)]
#[path = "../src/circuit_breaker/state.rs"]
mod state;

// The encoding of the state word, which `state.rs` uses (as `super::word`).
#[allow(dead_code)]
#[path = "../src/circuit_breaker/word.rs"]
mod word;

use loom::sync::Arc;
use loom::thread;

use state::{Admission, Cause, Change, Config, Core, Outcome, Phase};
use word::Ticket;

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

const MS: u64 = 1_000_000;
/// `reset`, in milliseconds.
const RESET: u64 = 1_000;

fn config(failures: u32, half_open: u32) -> Config {
    Config {
        failures,
        rate_ppm: 0,
        window: 1,
        min_calls: 1,
        reset_ms: RESET,
        half_open,
    }
}

/// A breaker opened at 0 by `failures` failures in a row.
fn opened(config: Config) -> Arc<Core> {
    let core = Arc::new(Core::new(config));
    for _ in 0..config.failures {
        let Admission::Call(ticket) = core.admit(|| 0) else {
            panic!("closed: admitted");
        };
        core.finish(ticket, Outcome::Failure, || 0);
    }
    assert_eq!(core.phase(), Phase::Open { until: RESET });
    core
}

/// The probe admitted at `RESET`, when the breaker is open until then.
fn probe(core: &Core) -> (Ticket, bool) {
    match core.admit(|| RESET * MS) {
        Admission::Probe {
            ticket,
            half_opened,
        } => (ticket, half_opened),
        other => panic!("not a probe: {other:?}"),
    }
}

/// A call at `now` that ends with `outcome` if admitted: what it was told, and what its end did.
fn call(core: &Core, now: u64, outcome: Outcome) -> (Admission, Change) {
    let admission = core.admit(|| now);
    let change = match admission {
        Admission::Call(ticket) | Admission::Probe { ticket, .. } => {
            core.finish(ticket, outcome, || now)
        }
        Admission::Refused { .. } => Change::None,
    };
    (admission, change)
}

fn spawn_call(
    core: &Arc<Core>,
    now: u64,
    outcome: Outcome,
) -> thread::JoinHandle<(Admission, Change)> {
    let core = core.clone();
    thread::spawn(move || call(&core, now, outcome))
}

/// Three failures at once, where two open it: it opens exactly once, for `reset` from then, and
/// a failure admitted before it opened and ending after changes nothing.
#[test]
fn concurrent_failures_open_it_exactly_once() {
    model(|| {
        let core = Arc::new(Core::new(config(2, 1)));
        let others = [
            spawn_call(&core, 0, Outcome::Failure),
            spawn_call(&core, 0, Outcome::Failure),
        ];
        let mut changes = vec![call(&core, 0, Outcome::Failure).1];
        changes.extend(others.map(|other| other.join().unwrap().1));
        let openings = changes
            .iter()
            .filter(|change| {
                **change
                    == Change::Opened {
                        until: RESET,
                        cause: Cause::Consecutive(2),
                    }
            })
            .count();
        assert_eq!(openings, 1, "{changes:?}");
        assert_eq!(core.phase(), Phase::Open { until: RESET });
        assert_eq!(core.times_opened(), 1);
    });
}

/// A success and a failure end together after one failure: the count is never lost. Either the
/// failure came first (two in a row: open), or the success reset the count before it (one).
#[test]
fn a_success_racing_a_failure_loses_no_count() {
    model(|| {
        let core = Arc::new(Core::new(config(2, 1)));
        call(&core, 0, Outcome::Failure);
        let success = spawn_call(&core, 0, Outcome::Success);
        call(&core, 0, Outcome::Failure);
        success.join().unwrap();
        let phase = core.phase();
        assert!(
            phase == Phase::Open { until: RESET } || phase == Phase::Closed { consecutive: 1 },
            "{phase:?}"
        );
    });
}

/// Two calls after `reset`, with one probe: exactly one makes the breaker half-open and runs as its
/// probe; the other is refused while the probe runs, or runs as a call once it has closed.
#[test]
fn one_call_half_opens_it_and_probes() {
    model(|| {
        let core = opened(config(1, 1));
        let other = spawn_call(&core, RESET * MS, Outcome::Success);
        let mine = call(&core, RESET * MS, Outcome::Success);
        let admissions = [mine.0, other.join().unwrap().0];
        let half_opened = admissions
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Admission::Probe {
                        half_opened: true,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(half_opened, 1, "{admissions:?}");
        for admission in admissions {
            assert!(
                matches!(
                    admission,
                    Admission::Probe {
                        half_opened: true,
                        ..
                    } | Admission::Refused { until: None }
                        | Admission::Call(_)
                ),
                "{admissions:?}"
            );
        }
        assert_eq!(core.phase(), Phase::Closed { consecutive: 0 });
        assert_eq!(core.times_opened(), 1);
    });
}

/// Three calls after `reset`, with two probes: never more than two run as probes; the third is
/// refused, or runs as a call once both probes have closed the breaker.
#[test]
fn half_open_two_admits_two_probes_and_no_third() {
    model(|| {
        let core = opened(config(1, 2));
        let others = [
            spawn_call(&core, RESET * MS, Outcome::Success),
            spawn_call(&core, RESET * MS, Outcome::Success),
        ];
        let mut calls = vec![call(&core, RESET * MS, Outcome::Success)];
        calls.extend(others.map(|other| other.join().unwrap()));
        let probes = calls
            .iter()
            .filter(|(admission, _)| matches!(admission, Admission::Probe { .. }))
            .count();
        let closings = calls
            .iter()
            .filter(|(_, change)| *change == Change::Closed)
            .count();
        assert!(probes <= 2, "{calls:?}");
        // Three successes: the breaker closes once both probes have succeeded, if two were let
        // through; with one (the others refused meanwhile), it stays half-open.
        assert_eq!(closings, usize::from(probes == 2), "{calls:?}");
        if probes == 2 {
            assert_eq!(core.phase(), Phase::Closed { consecutive: 0 });
        }
    });
}

/// The only probe is dropped while another call arrives: that call is refused (the probe still
/// held its place) or probes instead; either way the breaker is not left half-open with no probe,
/// and a call after both closes it.
#[test]
fn a_dropped_probe_never_wedges_it() {
    model(|| {
        let core = opened(config(1, 1));
        let (dropped, half_opened) = probe(&core);
        assert!(half_opened);
        let drop = {
            let core = core.clone();
            thread::spawn(move || core.finish(dropped, Outcome::Abandoned, || 0))
        };
        let (admission, _) = call(&core, RESET * MS, Outcome::Success);
        assert_eq!(drop.join().unwrap(), Change::None);
        match admission {
            Admission::Probe {
                half_opened: false, ..
            } => {}
            Admission::Refused { until: None } => {
                // The probe's place is free now: this call probes, and closes it.
                let (admission, change) = call(&core, RESET * MS, Outcome::Success);
                assert!(
                    matches!(admission, Admission::Probe { .. }),
                    "{admission:?}"
                );
                assert_eq!(change, Change::Closed);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(core.phase(), Phase::Closed { consecutive: 0 });
    });
}

/// Two probes, one succeeding and one failing at once, and a call of the closed period before
/// failing late: the failed probe opens it again, whatever the order; the success never closes
/// it, and the late call changes nothing.
#[test]
fn a_failed_probe_wins_over_a_successful_one() {
    model(|| {
        let core = Arc::new(Core::new(config(1, 2)));
        let Admission::Call(late) = core.admit(|| 0) else {
            panic!("closed: admitted");
        };
        call(&core, 0, Outcome::Failure);
        let (first, _) = probe(&core);
        let (second, _) = probe(&core);
        let success = {
            let core = core.clone();
            thread::spawn(move || core.finish(first, Outcome::Success, || RESET * MS))
        };
        let stale = {
            let core = core.clone();
            thread::spawn(move || core.finish(late, Outcome::Failure, || RESET * MS))
        };
        let failure = core.finish(second, Outcome::Failure, || RESET * MS);
        assert_eq!(
            failure,
            Change::Opened {
                until: 2 * RESET,
                cause: Cause::Probe
            }
        );
        assert_eq!(success.join().unwrap(), Change::None);
        assert_eq!(stale.join().unwrap(), Change::None);
        assert_eq!(core.phase(), Phase::Open { until: 2 * RESET });
        assert_eq!(core.times_opened(), 2);
    });
}

/// Two failures at once that together make the rate (both of a window of 2): whichever records
/// last sees the other's, and opens the breaker, exactly once.
#[test]
fn failures_that_reach_the_rate_together_open_it() {
    model(|| {
        let core = Arc::new(Core::new(Config {
            failures: 0,
            rate_ppm: 1_000_000,
            window: 2,
            min_calls: 2,
            reset_ms: RESET,
            half_open: 1,
        }));
        let other = spawn_call(&core, 0, Outcome::Failure);
        let mine = call(&core, 0, Outcome::Failure).1;
        let changes = [mine, other.join().unwrap().1];
        let openings = changes
            .iter()
            .filter(|change| matches!(change, Change::Opened { .. }))
            .count();
        assert_eq!(openings, 1, "{changes:?}");
        assert_eq!(core.phase(), Phase::Open { until: RESET });
        assert_eq!(core.window(), (2, 2));
    });
}

/// Outcomes recorded at once in two words of the ring are all counted once the calls are done.
#[test]
fn a_window_over_two_words_counts_every_outcome() {
    model(|| {
        let core = Arc::new(Core::new(Config {
            failures: 0,
            rate_ppm: 1_000_000,
            window: 65,
            min_calls: 65,
            reset_ms: RESET,
            half_open: 1,
        }));
        for _ in 0..63 {
            call(&core, 0, Outcome::Success);
        }
        // Positions 63 (the first word's last bit) and 64 (the second word's first).
        let other = spawn_call(&core, 0, Outcome::Failure);
        call(&core, 0, Outcome::Failure);
        other.join().unwrap();
        assert_eq!(core.window(), (65, 2));
        assert_eq!(core.phase(), Phase::Closed { consecutive: 2 });
    });
}
