//! The size of an annotated function's future against its body's future and the state of the
//! wrappers (the tokio pieces a hand-written version holds). Nothing is boxed, so every byte of a
//! wrapper is inline in the caller's future: this is what each call costs in memory.
//!
//! Print the figures with `cargo test --test size -- --nocapture`.
//!
//! Two bodies, both holding a buffer across an await: `small` (32 bytes) and `large` (1 KiB).
//!
//! - `the_body_is_stored_once`: what a wrapper adds (annotated - plain) does not grow with the
//!   body. (A runtime helper written as an `async fn` taking the body's future keeps it in its
//!   state as an argument *and* moves it into the future it awaits: the body twice.)
//! - `within_the_tokio_pieces`: for `#[bounded]`, `#[with_timeout]`, both, and `#[graceful]`,
//!
//!   ```text
//!   annotated <= plain + Σ pieces + SLACK
//!   ```
//!
//!   with the pieces `Semaphore::acquire()` + `SemaphorePermit` for `#[bounded]`, `Sleep` for
//!   `#[with_timeout]` (`Timeout<F>` is `F` + `Sleep`), a `WaitForCancellationFuture` and a tracker
//!   token for `#[graceful]`: what the hand-written versions hold (they are checked too). `SLACK`
//!   is documented at its definition.
//! - `within_the_runtime_helpers`: the expansion adds nothing of its own to the runtime's helper
//!   futures (no boxing, no layer nested twice), `#[supervised]` included.
//!
//! `#[supervised]` is not held to tokio pieces: its fixed state (the `Supervisor`, the restart
//! futures, the failure kept across the backoff) is printed, not bounded.
//!
//! `#[circuit_breaker]` has no tokio piece: its hand-written version (a count of failures in a
//! `static`) holds nothing besides the body, so it is held to the body plus the slack; its own
//! state is a reference to its `Breaker`, the `Meta` and the call's admission.

use std::future::Future;
use std::hint::black_box;
use std::mem::{size_of, size_of_val};
use std::sync::LazyLock;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use taskward::__private::{self as private, Meta};
use taskward::{Bulkhead, Shutdown, bounded, graceful, supervised, with_timeout};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::error::Elapsed;
use tokio::time::{Sleep, Timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TaskTrackerToken;

/// The size of the arguments of the functions below (`x: u64`).
const ARGS: usize = size_of::<u64>();
/// The arguments (the outer future keeps its own copy of them beside the copy moved into the
/// body's future), two state tags of 8 bytes (aligned: the function's and the wrapper's), and 24
/// bytes of a wrapper's own bookkeeping (its `&'static Meta` and its limit, or its flags).
const SLACK: usize = ARGS + 16 + 24;

static SEM: Semaphore = Semaphore::const_new(8);
static META: Meta = Meta::new("size::pieces");
static BULKHEAD: Bulkhead = Bulkhead::new(8);
static BREAKER: taskward::Breaker = taskward::Breaker::new();
/// A hand-written shutdown coordinator, process-wide as `Shutdown::global()`.
static COORDINATOR: LazyLock<(CancellationToken, TaskTracker)> =
    LazyLock::new(|| (CancellationToken::new(), TaskTracker::new()));

fn timeout_size<F: Future>(_: &F) -> usize {
    size_of::<Timeout<F>>()
}

/// The figures of one body.
#[derive(Debug)]
struct Sizes {
    name: &'static str,
    plain: usize,
    // annotated, hand-written
    bounded: (usize, usize),
    timeout: (usize, usize),
    both: (usize, usize),
    graceful: (usize, usize),
    supervised: (usize, usize),
    // the runtime's helper futures around the plain body (what the expansion nests)
    helper_acquire: usize,
    helper_timeout: usize,
    helper_graceful: usize,
    helper_supervisor: usize,
    /// `Supervisor` itself, and the largest future of its `restart_after_*` methods.
    supervisor: usize,
    helper_restart: usize,
    /// `#[circuit_breaker]` (annotated, hand-written), and `__private::circuit_breaker::call`
    /// around the plain body.
    breaker: (usize, usize),
    helper_breaker: usize,
}

macro_rules! body {
    ($x:expr, $n:expr) => {{
        let buf = [$x as u8; $n];
        tokio::task::yield_now().await;
        black_box(&buf);
        u64::from(buf[7]) + $x
    }};
}

macro_rules! suite {
    ($name:ident, $n:expr) => {
        mod $name {
            use super::*;

            pub async fn plain(x: u64) -> u64 {
                body!(x, $n)
            }

            #[bounded(8)]
            pub async fn bounded(x: u64) -> u64 {
                body!(x, $n)
            }

            pub async fn hand_bounded(x: u64) -> u64 {
                let _permit = SEM.acquire().await.unwrap();
                body!(x, $n)
            }

            #[with_timeout("1s")]
            pub async fn timeout(x: u64) -> u64 {
                body!(x, $n)
            }

            pub async fn hand_timeout(x: u64) -> Result<u64, Elapsed> {
                tokio::time::timeout(Duration::from_secs(1), async move { body!(x, $n) }).await
            }

            #[bounded(8)]
            #[with_timeout("1s")]
            pub async fn both(x: u64) -> u64 {
                body!(x, $n)
            }

            pub async fn hand_both(x: u64) -> Result<u64, Elapsed> {
                let _permit = SEM.acquire().await.unwrap();
                tokio::time::timeout(Duration::from_secs(1), async move { body!(x, $n) }).await
            }

            #[graceful]
            pub async fn graceful(x: u64) -> u64 {
                body!(x, $n)
            }

            pub async fn hand_graceful(x: u64) -> Option<u64> {
                let (token, tracker) = &*COORDINATOR;
                let _tracked = tracker.token();
                if tracker.is_closed() {
                    return None;
                }
                // Not `token.run_until_cancelled(body)`: an `async fn` of tokio-util that stores
                // the body's future twice, as taskward's helpers do.
                tokio::select! {
                    biased;
                    value = async move { body!(x, $n) } => Some(value),
                    () = token.cancelled() => None,
                }
            }

            #[supervised]
            pub async fn supervised(x: u64) -> u64 {
                body!(x, $n)
            }

            pub async fn hand_supervised(x: u64) -> Option<u64> {
                use std::panic::{AssertUnwindSafe, catch_unwind};
                use std::task::Poll;
                let mut delay = Duration::from_millis(100);
                for _ in 0..6 {
                    let mut run = std::pin::pin!(async move { body!(x, $n) });
                    let caught = std::future::poll_fn(|cx| {
                        match catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(cx))) {
                            Ok(Poll::Ready(value)) => Poll::Ready(Some(value)),
                            Ok(Poll::Pending) => Poll::Pending,
                            Err(_) => Poll::Ready(None),
                        }
                    })
                    .await;
                    if caught.is_some() {
                        return caught;
                    }
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                None
            }

            #[taskward::circuit_breaker]
            pub async fn breaker(x: u64) -> u64 {
                body!(x, $n)
            }

            /// A breaker by hand: a count of failures in a row, checked before the call.
            pub async fn hand_breaker(x: u64) -> Option<u64> {
                static FAILURES: AtomicU32 = AtomicU32::new(0);
                if FAILURES.load(Relaxed) >= 5 {
                    return None;
                }
                let value = async move { body!(x, $n) }.await;
                FAILURES.store(0, Relaxed);
                Some(value)
            }

            pub fn sizes() -> Sizes {
                // Some futures start their timer when created, not when first polled.
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let _runtime = rt.enter();
                let shutdown = Shutdown::new();
                static POLICY: private::supervised::SupervisePolicy =
                    private::supervised::SupervisePolicy {
                        restarts: 5,
                        within: Duration::from_secs(60),
                        backoff_min: Duration::from_millis(100),
                        backoff_max: Duration::from_secs(10),
                        jitter: true,
                        always: false,
                    };
                let mut supervisor =
                    private::supervised::Supervisor::new(&META, &POLICY, &shutdown);
                let helper_supervisor = size_of_val(&supervisor.run(plain(1)));
                let restart_ok = size_of_val(&supervisor.restart_after_ok());
                let restart_err = size_of_val(&supervisor.restart_after_error(&"an error"));
                let helper_restart = restart_ok.max(restart_err);
                Sizes {
                    name: stringify!($name),
                    plain: size_of_val(&plain(1)),
                    bounded: (size_of_val(&bounded(1)), size_of_val(&hand_bounded(1))),
                    timeout: (size_of_val(&timeout(1)), size_of_val(&hand_timeout(1))),
                    both: (size_of_val(&both(1)), size_of_val(&hand_both(1))),
                    graceful: (size_of_val(&graceful(1)), size_of_val(&hand_graceful(1))),
                    supervised: (
                        size_of_val(&supervised(1)),
                        size_of_val(&hand_supervised(1)),
                    ),
                    helper_acquire: size_of_val(&private::bounded::acquire(&BULKHEAD, &META)),
                    helper_timeout: size_of_val(&private::with_timeout::timeout(
                        &META,
                        Duration::from_secs(1),
                        plain(1),
                    )),
                    helper_graceful: size_of_val(&private::graceful::graceful(
                        &shutdown,
                        &META,
                        false,
                        plain(1),
                    )),
                    helper_supervisor,
                    supervisor: size_of::<private::supervised::Supervisor<'static>>(),
                    helper_restart,
                    breaker: (size_of_val(&breaker(1)), size_of_val(&hand_breaker(1))),
                    helper_breaker: size_of_val(&private::circuit_breaker::call(
                        || (&BREAKER, &META),
                        plain(1),
                        |_| false,
                    )),
                }
            }
        }
    };
}

suite!(small, 32);
suite!(large, 1024);

/// The tokio pieces a hand-written version holds besides its body.
struct Pieces {
    acquire: usize,
    permit: usize,
    sleep: usize,
    cancelled: usize,
    tracker_token: usize,
}

fn pieces() -> Pieces {
    let token = CancellationToken::new();
    Pieces {
        acquire: size_of_val(&SEM.acquire()),
        permit: size_of::<SemaphorePermit<'static>>(),
        sleep: size_of::<Sleep>(),
        cancelled: size_of_val(&token.cancelled()),
        tracker_token: size_of::<TaskTrackerToken>(),
    }
}

/// Each attribute (and the stack): its sizes (annotated, hand-written), the sum of its tokio
/// pieces, and the sum of the runtime helpers' own state (their futures minus the body's).
fn rows(s: &Sizes) -> [(&'static str, (usize, usize), usize, usize); 6] {
    let p = pieces();
    let permit = p.permit;
    let acquire = s.helper_acquire + permit;
    let timeout = s.helper_timeout - s.plain;
    let graceful = s.helper_graceful - s.plain;
    // The supervisor's own state, its run and its restart futures (not alive at once: summed
    // anyway, as everywhere here).
    let supervised = s.supervisor + (s.helper_supervisor - s.plain) + s.helper_restart;
    [
        ("#[bounded(8)]", s.bounded, p.acquire + permit, acquire),
        ("#[with_timeout(\"1s\")]", s.timeout, p.sleep, timeout),
        (
            "#[bounded] #[with_timeout]",
            s.both,
            p.acquire + permit + p.sleep,
            acquire + timeout,
        ),
        (
            "#[graceful]",
            s.graceful,
            p.cancelled + p.tracker_token,
            graceful,
        ),
        // What a supervisor with a budget, a backoff and a shutdown-aware sleep must keep.
        (
            "#[supervised]",
            s.supervised,
            s.supervisor + p.sleep + p.cancelled,
            supervised,
        ),
        // No tokio piece: the hand-written breaker keeps its count in a `static`.
        (
            "#[circuit_breaker]",
            s.breaker,
            0,
            s.helper_breaker - s.plain,
        ),
    ]
}

#[test]
fn figures() {
    let p = pieces();
    println!(
        "pieces: Semaphore::acquire() {}, SemaphorePermit {}, Sleep {}, Timeout<small::plain> {}, \
         WaitForCancellationFuture {}, TaskTrackerToken {}; slack {SLACK}",
        p.acquire,
        p.permit,
        p.sleep,
        timeout_size(&small::plain(1)),
        p.cancelled,
        p.tracker_token
    );
    assert_eq!(
        timeout_size(&small::plain(1)),
        small::sizes().plain + p.sleep
    );
    for s in [small::sizes(), large::sizes()] {
        println!("body {}: plain future {} B", s.name, s.plain);
        for (what, (annotated, hand), pieces, _) in rows(&s) {
            let bound = s.plain + pieces + SLACK;
            println!(
                "  {what:<27} annotated {annotated:>5}  hand-written {hand:>5}  \
                 plain+pieces+slack {bound:>5}  excess {:>+5}  vs hand-written {:>+5}",
                annotated.cast_signed() - bound.cast_signed(),
                annotated.cast_signed() - hand.cast_signed()
            );
        }
        println!(
            "  runtime helpers around the plain body: __private::bounded::acquire {} (alone), \
             __private::with_timeout::timeout {}, __private::graceful::graceful {}, Supervisor::run {}; \
             Supervisor {}, restart_after_* {}",
            s.helper_acquire,
            s.helper_timeout,
            s.helper_graceful,
            s.helper_supervisor,
            s.supervisor,
            s.helper_restart
        );
    }
}

/// What a wrapper adds to the body's future does not depend on the body: it is stored once.
#[test]
fn the_body_is_stored_once() {
    let (small, large) = (small::sizes(), large::sizes());
    for (s, l) in rows(&small).into_iter().zip(rows(&large)) {
        let (what, (small_annotated, _), _, _) = s;
        let (_, (large_annotated, _), _, _) = l;
        let added_small = small_annotated - small.plain;
        let added_large = large_annotated - large.plain;
        assert!(
            added_large <= added_small + 8,
            "{what} adds {added_small} B to a {} B body but {added_large} B to a {} B body",
            small.plain,
            large.plain
        );
    }
}

/// The annotated future is the body's future plus the runtime helpers' own state, plus the slack:
/// the expansion adds nothing of its own.
#[test]
fn within_the_runtime_helpers() {
    for s in [small::sizes(), large::sizes()] {
        for (what, (annotated, _), _, helpers) in rows(&s) {
            let bound = s.plain + helpers + SLACK;
            assert!(
                annotated <= bound,
                "{what} ({}): {annotated} > {bound}",
                s.name
            );
        }
    }
}

/// No bigger than the body plus the tokio pieces (and the slack), as the hand-written versions.
#[test]
fn within_the_tokio_pieces() {
    let mut failures = Vec::new();
    for s in [small::sizes(), large::sizes()] {
        for (what, (annotated, hand), pieces, _) in rows(&s) {
            if what == "#[supervised]" {
                continue;
            }
            let bound = s.plain + pieces + SLACK;
            assert!(
                hand <= bound,
                "hand-written {what} ({}): {hand} > {bound}",
                s.name
            );
            if annotated > bound {
                failures.push(format!("{what} ({}): {annotated} > {bound}", s.name));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
