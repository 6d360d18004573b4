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

// `#[blocking]`: no body future, a closure with the arguments. The annotated future keeps the
// arguments twice (as every attribute does: the function's own copy, and the closure's, kept until
// the first poll hands it to the pool, so that a layer above can refuse the call before the body
// starts), a `&'static Meta` and the function that hands the body over: against a hand-written
// `spawn_blocking(move || ..).await`, which moves the closure to the pool at once, that is the
// arguments once more and two words.
mod blocking_sizes {
    use super::*;
    use taskward::blocking;

    /// The arguments once more, two words, and a state tag.
    const BLOCKING_SLACK: usize = 2 * size_of::<usize>() + 8;

    #[blocking]
    fn small(x: u64) -> u64 {
        x + 1
    }

    async fn hand_small(x: u64) -> u64 {
        tokio::task::spawn_blocking(move || x + 1).await.unwrap()
    }

    #[blocking]
    fn large(x: [u8; 1024]) -> u64 {
        u64::from(x[7])
    }

    async fn hand_large(x: [u8; 1024]) -> u64 {
        tokio::task::spawn_blocking(move || u64::from(x[7]))
            .await
            .unwrap()
    }

    #[bounded(8)]
    #[with_timeout("1s")]
    #[blocking]
    fn stack(x: u64) -> u64 {
        x + 1
    }

    async fn hand_stack(x: u64) -> Result<u64, Elapsed> {
        let _permit = SEM.acquire().await.unwrap();
        tokio::time::timeout(Duration::from_secs(1), async move {
            tokio::task::spawn_blocking(move || x + 1).await.unwrap()
        })
        .await
    }

    #[test]
    fn blocking_keeps_the_arguments_until_the_first_poll_and_two_words() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _runtime = rt.enter();
        // (what, annotated, hand-written, the arguments, what the layers above add: for
        // `#[with_timeout]`, its `&'static Meta` and its limit, as in `figures` above)
        let rows = [
            (
                "#[blocking] (x: u64)",
                size_of_val(&small(1)),
                size_of_val(&hand_small(1)),
                size_of::<u64>(),
                0,
            ),
            (
                "#[blocking] (x: [u8; 1024])",
                size_of_val(&large([0; 1024])),
                size_of_val(&hand_large([0; 1024])),
                1024,
                0,
            ),
            (
                "#[bounded] #[with_timeout] #[blocking] (x: u64)",
                size_of_val(&stack(1)),
                size_of_val(&hand_stack(1)),
                size_of::<u64>(),
                24,
            ),
        ];
        for (what, annotated, hand, args, above) in rows {
            println!(
                "  {what:<48} annotated {annotated:>5}  hand-written {hand:>5}  excess {:>+5}",
                annotated.cast_signed() - hand.cast_signed()
            );
            let bound = hand + args + BLOCKING_SLACK + above;
            assert!(annotated <= bound, "{what}: {annotated} > {bound}");
        }
    }
}

// #[retry]: what it adds to the body's future against a hand-written retry loop, for the same two
// bodies. The loop needs the body's future, the backoff's `Sleep` and the retry's state
// (`Retry`: its policy, the attempt, the deadline, the backoff), not alive at once but summed,
// as everywhere here; the body's future is stored once.
macro_rules! retry_suite {
    ($name:ident, $n:expr) => {
        mod $name {
            use super::*;

            pub async fn plain(x: u64) -> Result<u64, std::io::Error> {
                Ok(body!(x, $n))
            }

            #[taskward::retry]
            pub async fn retry(x: u64) -> Result<u64, std::io::Error> {
                Ok(body!(x, $n))
            }

            pub async fn hand_retry(x: u64) -> Result<u64, std::io::Error> {
                let mut delay = Duration::from_millis(100);
                let mut attempt = 1;
                loop {
                    match async move { Ok::<_, std::io::Error>(body!(x, $n)) }.await {
                        Ok(value) => return Ok(value),
                        Err(err) if attempt == 3 => return Err(err),
                        Err(_) => {
                            tokio::time::sleep(delay).await;
                            delay = (delay * 2).min(Duration::from_secs(5));
                            attempt += 1;
                        }
                    }
                }
            }

            /// (plain, annotated, hand-written)
            pub fn sizes() -> (usize, usize, usize) {
                (
                    size_of_val(&plain(1)),
                    size_of_val(&retry(1)),
                    size_of_val(&hand_retry(1)),
                )
            }
        }
    };
}

retry_suite!(retry_small, 32);
retry_suite!(retry_large, 1024);

#[test]
fn retry_figures_and_bounds() {
    let state = size_of::<private::retry::Retry>();
    let sleep = size_of::<Sleep>();
    let (small, large) = (retry_small::sizes(), retry_large::sizes());
    for (name, (plain, annotated, hand)) in [("small", small), ("large", large)] {
        let bound = plain + state + sleep + SLACK;
        println!(
            "body {name}: plain future {plain} B; #[retry] annotated {annotated}  hand-written \
             {hand}  plain+Retry+Sleep+slack {bound}  vs hand-written {:+} (Retry {state}, Sleep {sleep})",
            annotated.cast_signed() - hand.cast_signed()
        );
        assert!(
            annotated <= bound,
            "#[retry] ({name}): {annotated} > {bound}"
        );
    }
    // The body is stored once: what #[retry] adds does not grow with the body.
    assert!(
        large.1 - large.0 <= small.1 - small.0 + 8,
        "{small:?} {large:?}"
    );
}

// `#[rate_limited]`: the body, and what a call that waits for its slot holds: tokio's `Sleep`.
// The hand-written version reserves its slot and sleeps until it on a limit of its own.

mod rate_limited {
    use super::*;
    use taskward::{RateLimit, rate_limited};

    static LIMIT: RateLimit = RateLimit::new(10, Duration::from_secs(1));

    /// A limit written by hand: a slot every 100ms (no burst), slept until.
    static NEXT: std::sync::Mutex<Option<tokio::time::Instant>> = std::sync::Mutex::new(None);

    fn next_slot() -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        let mut next = NEXT.lock().unwrap();
        let slot = next.map_or(now, |next| next.max(now));
        *next = Some(slot + Duration::from_millis(100));
        slot
    }

    macro_rules! rate_suite {
        ($name:ident, $n:expr) => {
            pub mod $name {
                use super::*;

                pub async fn plain(x: u64) -> u64 {
                    body!(x, $n)
                }

                #[rate_limited(10, per = "1s")]
                pub async fn annotated(x: u64) -> u64 {
                    body!(x, $n)
                }

                #[rate_limited(in = LIMIT, wait = "1s")]
                pub async fn shared_wait(x: u64) -> u64 {
                    body!(x, $n)
                }

                pub async fn hand_written(x: u64) -> u64 {
                    tokio::time::sleep_until(next_slot()).await;
                    body!(x, $n)
                }

                /// (plain, annotated, with `in` and `wait`, hand-written, the runtime's helper)
                pub fn sizes() -> (usize, usize, usize, usize, usize) {
                    (
                        size_of_val(&plain(1)),
                        size_of_val(&annotated(1)),
                        size_of_val(&shared_wait(1)),
                        size_of_val(&hand_written(1)),
                        size_of_val(&private::rate_limited::acquire(&LIMIT, &META)),
                    )
                }
            }
        };
    }

    rate_suite!(small, 32);
    rate_suite!(large, 1024);

    #[test]
    fn rate_limited_figures_and_bounds() {
        let sleep = size_of::<Sleep>();
        let mut added = Vec::new();
        for (name, (plain, annotated, shared_wait, hand, helper)) in
            [("small", small::sizes()), ("large", large::sizes())]
        {
            let bound = plain + sleep + SLACK;
            println!(
                "body {name}: plain {plain} B; #[rate_limited] annotated {annotated}, with in/wait \
                 {shared_wait}, hand-written {hand}, plain+Sleep+slack {bound}; \
                 __private::rate_limited::acquire {helper} (alone)"
            );
            assert!(hand <= bound, "hand-written ({name}): {hand} > {bound}");
            assert!(
                annotated <= bound,
                "annotated ({name}): {annotated} > {bound}"
            );
            assert!(
                shared_wait <= bound,
                "in/wait ({name}): {shared_wait} > {bound}"
            );
            // No more than the helper's own state and the slack.
            assert!(annotated <= plain + helper + SLACK);
            added.push(annotated - plain);
        }
        // Stored once: what the wrapper adds does not grow with the body.
        assert!(added[1] <= added[0] + 8, "{added:?}");
    }
}

// `#[bounded(adaptive)]`: the body, and what a call holds: the wait for a permit (tokio's
// `Semaphore::acquire()`, inside the helper) and the permit, which keeps the admission instant for
// the latency sample. The hand-written version holds a `Semaphore` permit and an `Instant`.
mod bounded_adaptive {
    use super::*;
    use taskward::{AdaptiveBulkhead, AdaptiveLimit, AdaptivePermit, bounded};

    static POOL: AdaptiveBulkhead = AdaptiveBulkhead::new(AdaptiveLimit::new());
    static SEMAPHORE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

    macro_rules! adaptive_suite {
        ($name:ident, $n:expr) => {
            pub mod $name {
                use super::*;

                pub async fn plain(x: u64) -> u64 {
                    body!(x, $n)
                }

                #[bounded(adaptive)]
                pub async fn annotated(x: u64) -> u64 {
                    body!(x, $n)
                }

                #[bounded(adaptive, in = POOL, wait = "1s")]
                pub async fn shared_wait(x: u64) -> u64 {
                    body!(x, $n)
                }

                #[bounded(8, wait = "1s")]
                pub async fn fixed_wait(x: u64) -> u64 {
                    body!(x, $n)
                }

                pub async fn hand_written(x: u64) -> u64 {
                    let _permit = SEMAPHORE.acquire().await;
                    let admitted = tokio::time::Instant::now();
                    let value = body!(x, $n);
                    black_box(admitted.elapsed());
                    value
                }

                /// (plain, annotated, with `in` and `wait`, a fixed `#[bounded]` with `wait`,
                /// hand-written, the runtime's helper)
                pub fn sizes() -> (usize, usize, usize, usize, usize, usize) {
                    (
                        size_of_val(&plain(1)),
                        size_of_val(&annotated(1)),
                        size_of_val(&shared_wait(1)),
                        size_of_val(&fixed_wait(1)),
                        size_of_val(&hand_written(1)),
                        size_of_val(&private::bounded_adaptive::acquire(&POOL, &META)),
                    )
                }
            }
        };
    }

    adaptive_suite!(small, 32);
    adaptive_suite!(large, 1024);

    #[test]
    fn bounded_adaptive_figures_and_bounds() {
        let acquire = size_of_val(&SEMAPHORE.acquire());
        let permit = size_of::<AdaptivePermit<'static>>();
        let mut added = Vec::new();
        for (name, (plain, annotated, shared_wait, fixed_wait, hand, helper)) in
            [("small", small::sizes()), ("large", large::sizes())]
        {
            let bound = plain + acquire + permit + SLACK;
            println!(
                "body {name}: plain {plain} B; #[bounded(adaptive)] annotated {annotated}, with \
                 in/wait {shared_wait} (#[bounded(8, wait)] {fixed_wait}), hand-written {hand}, \
                 plain+acquire+AdaptivePermit+slack {bound}; \
                 __private::bounded_adaptive::acquire {helper} (alone), AdaptivePermit {permit}"
            );
            assert!(hand <= bound, "hand-written ({name}): {hand} > {bound}");
            assert!(
                annotated <= bound,
                "annotated ({name}): {annotated} > {bound}"
            );
            // With `wait`: what the fixed limit's `wait` holds, with the larger permit.
            let wait_bound = fixed_wait + permit - size_of::<SemaphorePermit<'static>>();
            assert!(
                shared_wait <= wait_bound,
                "in/wait ({name}): {shared_wait} > {wait_bound}"
            );
            assert!(annotated <= plain + helper + permit + SLACK);
            added.push(annotated - plain);
        }
        // Stored once: what the wrapper adds does not grow with the body.
        assert!(added[1] <= added[0] + 8, "{added:?}");
    }
}

// `#[hedged]`: the call holds a slot for each run (the first and `max` hedges: two here), each
// with the body's future, the hedge's `Sleep`, the closure that makes a run (the arguments), the
// delay and the start. The hand-written version selects over the first run and a sleep, then over
// the two runs: the same pieces.
macro_rules! hedged_suite {
    ($name:ident, $n:expr) => {
        mod $name {
            use super::*;

            pub async fn plain(x: u64) -> u64 {
                body!(x, $n)
            }

            #[taskward::hedged(after = "50ms")]
            pub async fn hedged(x: u64) -> u64 {
                body!(x, $n)
            }

            pub async fn hand_hedged(x: u64) -> u64 {
                let first = async move { body!(x, $n) };
                let mut first = std::pin::pin!(first);
                let sleep = tokio::time::sleep(Duration::from_millis(50));
                tokio::select! {
                    biased;
                    value = &mut first => return value,
                    () = sleep => {}
                }
                let second = async move { body!(x, $n) };
                tokio::select! {
                    biased;
                    value = first => value,
                    value = second => value,
                }
            }

            /// (plain, annotated, hand-written)
            pub fn sizes() -> (usize, usize, usize) {
                (
                    size_of_val(&plain(1)),
                    size_of_val(&hedged(1)),
                    size_of_val(&hand_hedged(1)),
                )
            }
        }
    };
}

hedged_suite!(hedged_small, 32);
hedged_suite!(hedged_large, 1024);

#[test]
fn hedged_figures_and_bounds() {
    let sleep = size_of::<Sleep>();
    // The start `Instant` and the delay.
    let own = size_of::<tokio::time::Instant>() + size_of::<Duration>();
    let (small, large) = (hedged_small::sizes(), hedged_large::sizes());
    for (name, (plain, annotated, hand)) in [("small", small), ("large", large)] {
        let bound = 2 * plain + sleep + own + SLACK;
        println!(
            "body {name}: plain future {plain} B; #[hedged(max = 1)] annotated {annotated}  \
             hand-written {hand}  2·plain+Sleep+{own}+slack {bound}  vs hand-written {:+}",
            annotated.cast_signed() - hand.cast_signed()
        );
        assert!(
            annotated <= bound,
            "#[hedged] ({name}): {annotated} > {bound}"
        );
    }
    // One body per run: what #[hedged] adds grows with two bodies, not more.
    assert!(
        large.1 - small.1 <= 2 * (large.0 - small.0) + 8,
        "{small:?} {large:?}"
    );
}

/// `#[coalesce]`: the body's future lives in the shared run (boxed), not in the call's future,
/// which holds the arguments until its first poll, then the key and the caller's share of the run.
mod coalesce_sizes {
    use super::*;

    #[taskward::coalesce]
    pub async fn small(x: u64) -> u64 {
        body!(x, 32)
    }

    #[taskward::coalesce]
    pub async fn large(x: u64) -> u64 {
        body!(x, 1024)
    }

    async fn plain_small(x: u64) -> u64 {
        body!(x, 32)
    }

    #[test]
    fn coalesce_keeps_the_body_out_of_the_call() {
        let (small, large) = (size_of_val(&small(1)), size_of_val(&large(1)));
        let plain = size_of_val(&plain_small(1));
        let join = size_of::<taskward::__private::coalesce::Join<(u64,), u64>>();
        println!(
            "#[coalesce]: call {small} B (body of 32 B), {large} B (body of 1024 B); \
             plain body {plain} B; Join {join} B"
        );
        assert_eq!(small, large, "the body is not stored in the call");
        assert!(small <= ARGS + join + 16, "{small}");
    }
}

/// `#[check]` adds no wrapper: the future is the plain one, byte for byte.
mod checked {
    use std::mem::size_of_val;

    async fn plain(x: u64) -> u64 {
        let buf = [x as u8; 64];
        tokio::task::yield_now().await;
        u64::from(buf[usize::try_from(x % 64).unwrap_or(0)])
    }

    #[taskward::check]
    async fn checked(x: u64) -> u64 {
        let buf = [x as u8; 64];
        tokio::task::yield_now().await;
        u64::from(buf[usize::try_from(x % 64).unwrap_or(0)])
    }

    #[test]
    fn check_adds_nothing_to_the_future() {
        let (plain, checked) = (size_of_val(&plain(1)), size_of_val(&checked(1)));
        println!("#[check]: plain {plain} B, checked {checked} B");
        assert_eq!(plain, checked);
    }
}
