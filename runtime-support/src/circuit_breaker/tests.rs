//! The state machine step by step, on a clock of our own (the behaviour through the attribute, on
//! tokio's paused clock, is in the facade's `tests/circuit_breaker.rs`; every interleaving of
//! concurrent calls, in `tests/loom_breaker.rs`).

use super::state::{Admission, Cause, Change, Config, Core, Outcome, Phase};
use super::word::Ticket;
use super::{Breaker, BreakerState};

const MS: u64 = 1_000_000;

fn config() -> Config {
    Config {
        failures: 3,
        rate_ppm: 0,
        window: 1,
        min_calls: 1,
        reset_ms: 1_000,
        half_open: 1,
    }
}

fn with_rate(window: u32, min_calls: u32, rate_ppm: u32) -> Config {
    Config {
        failures: 0,
        rate_ppm,
        window,
        min_calls,
        ..config()
    }
}

/// A call admitted in a closed breaker.
fn call(core: &Core) -> Ticket {
    match core.admit(|| panic!("a closed breaker reads no clock")) {
        Admission::Call(ticket) => ticket,
        other => panic!("not admitted as a call: {other:?}"),
    }
}

/// A call at `now` (ms) admitted as a probe; whether it half-opened the breaker.
fn probe(core: &Core, now: u64) -> (Ticket, bool) {
    match core.admit(|| now * MS) {
        Admission::Probe {
            ticket,
            half_opened,
        } => (ticket, half_opened),
        other => panic!("not admitted as a probe: {other:?}"),
    }
}

fn refused(core: &Core, now: u64) -> Option<u64> {
    match core.admit(|| now * MS) {
        Admission::Refused { until } => until,
        other => panic!("not refused: {other:?}"),
    }
}

/// A closed call that ends with `outcome` at `now` (ms).
fn run(core: &Core, outcome: Outcome, now: u64) -> Change {
    let ticket = call(core);
    core.finish(ticket, outcome, || now * MS)
}

#[test]
fn consecutive_failures_open_it_and_a_success_starts_the_count_again() {
    let core = Core::new(config());
    assert_eq!(run(&core, Outcome::Failure, 0), Change::None);
    assert_eq!(run(&core, Outcome::Failure, 0), Change::None);
    assert_eq!(core.phase(), Phase::Closed { consecutive: 2 });
    assert_eq!(run(&core, Outcome::Success, 0), Change::None);
    assert_eq!(core.phase(), Phase::Closed { consecutive: 0 });
    assert_eq!(run(&core, Outcome::Failure, 5), Change::None);
    assert_eq!(run(&core, Outcome::Failure, 5), Change::None);
    assert_eq!(
        run(&core, Outcome::Failure, 7),
        Change::Opened {
            until: 1_007,
            cause: Cause::Consecutive(3)
        }
    );
    assert_eq!(core.phase(), Phase::Open { until: 1_007 });
    assert_eq!(core.times_opened(), 1);
}

#[test]
fn a_dropped_call_of_a_closed_breaker_counts_as_nothing() {
    let core = Core::new(config());
    run(&core, Outcome::Failure, 0);
    assert_eq!(run(&core, Outcome::Abandoned, 0), Change::None);
    assert_eq!(core.phase(), Phase::Closed { consecutive: 1 });
}

#[test]
fn open_refuses_until_its_until_then_the_first_call_is_the_probe() {
    let core = Core::new(config());
    for _ in 0..3 {
        run(&core, Outcome::Failure, 10);
    }
    assert_eq!(refused(&core, 10), Some(1_010));
    assert_eq!(refused(&core, 1_009), Some(1_010));
    // 1,009.999 ms is still before it.
    assert!(matches!(
        core.admit(|| 1_010 * MS - 1),
        Admission::Refused { .. }
    ));
    let (ticket, half_opened) = probe(&core, 1_010);
    assert!(half_opened && ticket.is_probe());
    assert_eq!(
        core.phase(),
        Phase::HalfOpen {
            admitted: 1,
            succeeded: 0
        }
    );
    // Every probe is out: refused, with no until.
    assert_eq!(refused(&core, 1_010), None);
    assert_eq!(core.finish(ticket, Outcome::Success, || 0), Change::Closed);
    assert_eq!(core.phase(), Phase::Closed { consecutive: 0 });
    call(&core);
}

#[test]
fn a_failed_probe_opens_it_again_from_its_own_end() {
    let core = Core::new(config());
    for _ in 0..3 {
        run(&core, Outcome::Failure, 0);
    }
    let (ticket, _) = probe(&core, 1_000);
    // 1,500.5 ms: rounded up, so the opening lasts at least `reset`.
    assert_eq!(
        core.finish(ticket, Outcome::Failure, || 1_500 * MS + MS / 2),
        Change::Opened {
            until: 2_501,
            cause: Cause::Probe
        }
    );
    assert_eq!(core.times_opened(), 2);
    assert_eq!(refused(&core, 2_500), Some(2_501));
    assert!(probe(&core, 2_501).1);
}

#[test]
fn half_open_two_lets_exactly_two_probes_through_and_closes_when_both_succeed() {
    let core = Core::new(Config {
        half_open: 2,
        ..config()
    });
    for _ in 0..3 {
        run(&core, Outcome::Failure, 0);
    }
    let (first, half_opened) = probe(&core, 1_000);
    assert!(half_opened);
    let (second, half_opened) = probe(&core, 1_000);
    assert!(!half_opened);
    assert_eq!(refused(&core, 1_000), None);
    assert_eq!(core.finish(first, Outcome::Success, || 0), Change::None);
    assert_eq!(
        core.phase(),
        Phase::HalfOpen {
            admitted: 2,
            succeeded: 1
        }
    );
    // A third call is still refused: two probes, not two at a time.
    assert_eq!(refused(&core, 1_001), None);
    assert_eq!(core.finish(second, Outcome::Success, || 0), Change::Closed);
}

#[test]
fn an_abandoned_probe_gives_its_place_back() {
    let core = Core::new(config());
    for _ in 0..3 {
        run(&core, Outcome::Failure, 0);
    }
    let (first, _) = probe(&core, 1_000);
    assert_eq!(refused(&core, 1_000), None);
    assert_eq!(core.finish(first, Outcome::Abandoned, || 0), Change::None);
    assert_eq!(
        core.phase(),
        Phase::HalfOpen {
            admitted: 0,
            succeeded: 0
        }
    );
    let (second, half_opened) = probe(&core, 1_000);
    assert!(!half_opened);
    assert_eq!(core.finish(second, Outcome::Success, || 0), Change::Closed);
}

#[test]
fn an_outcome_from_an_earlier_period_changes_nothing() {
    let core = Core::new(Config {
        half_open: 2,
        ..config()
    });
    let late_call = call(&core);
    for _ in 0..3 {
        run(&core, Outcome::Failure, 0);
    }
    // Admitted while closed, ended while open.
    assert_eq!(core.finish(late_call, Outcome::Failure, || 0), Change::None);
    let (slow_probe, _) = probe(&core, 1_000);
    let (failing_probe, _) = probe(&core, 1_000);
    core.finish(failing_probe, Outcome::Failure, || 1_000 * MS);
    let (new_probe, half_opened) = probe(&core, 2_000);
    assert!(half_opened);
    // A probe of the earlier half-open period ends now: neither a success nor a place given back.
    assert_eq!(
        core.finish(slow_probe, Outcome::Success, || 0),
        Change::None
    );
    assert_eq!(
        core.phase(),
        Phase::HalfOpen {
            admitted: 1,
            succeeded: 0
        }
    );
    assert_eq!(core.finish(new_probe, Outcome::Success, || 0), Change::None);
    assert_eq!(
        core.phase(),
        Phase::HalfOpen {
            admitted: 1,
            succeeded: 1
        }
    );
}

#[test]
fn a_rate_over_the_window_opens_it_once_there_are_min_calls() {
    // Half of the last 4 calls, once there are 4.
    let core = Core::new(with_rate(4, 4, 500_000));
    assert_eq!(run(&core, Outcome::Failure, 0), Change::None);
    assert_eq!(run(&core, Outcome::Failure, 0), Change::None);
    assert_eq!(run(&core, Outcome::Failure, 0), Change::None);
    assert_eq!(core.window(), (3, 3));
    // The call that brings the window to `min_calls` opens it, even a success: 3 of 4 failed.
    assert_eq!(
        run(&core, Outcome::Success, 3),
        Change::Opened {
            until: 1_003,
            cause: Cause::Rate {
                failures: 3,
                calls: 4
            }
        }
    );
    // The window is kept while open, and cleared when the breaker half-opens.
    assert_eq!(core.window(), (4, 3));
    let (ticket, _) = probe(&core, 1_003);
    assert_eq!(core.window(), (0, 0));
    assert_eq!(core.finish(ticket, Outcome::Success, || 0), Change::Closed);
    assert_eq!(core.window(), (0, 0));
}

#[test]
fn the_window_forgets_the_oldest_outcome() {
    let core = Core::new(with_rate(4, 4, 750_000));
    for _ in 0..2 {
        run(&core, Outcome::Failure, 0);
    }
    for _ in 0..2 {
        run(&core, Outcome::Success, 0);
    }
    assert_eq!(core.window(), (4, 2));
    // Each success pushes a failure out: 1 of 4, then 0 of 4.
    run(&core, Outcome::Success, 0);
    assert_eq!(core.window(), (4, 1));
    run(&core, Outcome::Success, 0);
    assert_eq!(core.window(), (4, 0));
    // Three failures: 3 of 4 is 75%.
    run(&core, Outcome::Failure, 0);
    run(&core, Outcome::Failure, 0);
    assert!(matches!(
        run(&core, Outcome::Failure, 0),
        Change::Opened {
            cause: Cause::Rate {
                failures: 3,
                calls: 4
            },
            ..
        }
    ));
}

#[test]
fn a_window_larger_than_a_word_counts_every_bit() {
    let core = Core::new(with_rate(200, 150, 1_000_000));
    for i in 0..149 {
        assert_eq!(run(&core, Outcome::Failure, 0), Change::None, "call {i}");
    }
    assert_eq!(core.window(), (149, 149));
    assert!(matches!(
        run(&core, Outcome::Failure, 0),
        Change::Opened { .. }
    ));
}

#[test]
fn with_both_rules_whichever_comes_first_opens_it() {
    let core = Core::new(Config {
        failures: 2,
        ..with_rate(10, 10, 500_000)
    });
    run(&core, Outcome::Failure, 0);
    assert_eq!(
        run(&core, Outcome::Failure, 0),
        Change::Opened {
            until: 1_000,
            cause: Cause::Consecutive(2)
        }
    );
}

#[test]
fn the_builder_resolves_the_options() {
    let defaults = Breaker::new();
    assert_eq!(
        defaults.core.config,
        Config {
            failures: 5,
            rate_ppm: 0,
            window: 1,
            min_calls: 1,
            reset_ms: 30_000,
            half_open: 1,
        }
    );
    // A rate alone turns the consecutive rule off; written too, it stays, in either order.
    assert_eq!(Breaker::new().rate(0.5, 20, 10).core.config.failures, 0);
    assert_eq!(
        Breaker::new()
            .failures(3)
            .rate(0.25, 20, 10)
            .core
            .config
            .failures,
        3
    );
    let both = Breaker::new().rate(0.25, 20, 10).failures(3);
    assert_eq!(
        (both.core.config.failures, both.core.config.rate_ppm),
        (3, 250_000)
    );
    // Rounded up to the millisecond.
    let reset = Breaker::new().reset(std::time::Duration::from_micros(1_500));
    assert_eq!(reset.core.config.reset_ms, 2);
    let tiny = Breaker::new().rate(1e-9, 1, 1);
    assert_eq!(tiny.core.config.rate_ppm, 1);
}

#[test]
#[should_panic(expected = "min_calls is between 1 and its window")]
fn min_calls_above_the_window_panics_at_run_time() {
    let _ = Breaker::new().rate(0.5, 5, 10);
}

#[test]
fn debug_shows_the_settings_and_the_figures() {
    let breaker = Breaker::new().rate(0.5, 20, 10);
    let debug = format!("{breaker:?}");
    assert!(
        debug.starts_with("Breaker { state: Closed, rate: 0.5, window: 20"),
        "{debug}"
    );
    assert!(!debug.contains("consecutive"), "{debug}");
    assert_eq!(breaker.state(), BreakerState::Closed);
}
