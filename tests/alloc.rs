//! No heap allocation per call: once warmed up, a call of an annotated function that succeeds
//! allocates nothing, for every attribute and the usual stacks, whether its body completes at
//! once or is pending once (a yield) before it completes.
//!
//! The allocations are counted by a `#[global_allocator]` around `std::alloc::System`, per thread
//! (tests run in parallel on other threads), and only while the measured region is open.

// `unsafe impl GlobalAlloc` cannot be written without `unsafe`: this file alone allows it (the
// package denies `unsafe_code` in Cargo.toml; the library itself keeps `#![forbid(unsafe_code)]`).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;

use taskward::{bounded, graceful, supervised, with_timeout};

struct Counting;

thread_local! {
    /// Whether this thread's allocations are being counted now.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// The allocations (and reallocations) of this thread while counting.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn record() {
    // `try_with`: never panic inside the allocator, even during thread teardown.
    let _ = COUNTING.try_with(|counting| {
        if counting.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; counting
// touches only const-initialised thread-locals without destructors, and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record();
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations of this thread while `f` runs.
fn allocations_during(f: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

const CALLS: u64 = 1000;

/// Warms `call` up, then counts the allocations of `CALLS` more calls, all inside one `block_on`
/// of a current-thread runtime (the runtime and `block_on` itself are not measured). Even `i`
/// are pending once before they complete.
fn allocations_per_call<F, Fut>(call: F) -> u64
where
    F: Fn(u64, bool) -> Fut,
    Fut: Future,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // First calls: lazy statics (the global `Shutdown`), the runtime's queues.
        for i in 0..16 {
            black_box(call(i, i % 2 == 0).await);
        }
        let mut total = 0;
        for i in 0..CALLS {
            // Counted: the call, and what the runtime does while it is pending; not the loop.
            let fut = call(black_box(i), i % 2 == 0);
            let mut fut = std::pin::pin!(fut);
            ALLOCATIONS.with(|n| n.set(0));
            COUNTING.with(|c| c.set(true));
            let output = fut.as_mut().await;
            COUNTING.with(|c| c.set(false));
            total += ALLOCATIONS.with(Cell::get);
            black_box(output);
        }
        total
    })
}

async fn body(x: u64, pend: bool) -> u64 {
    if pend {
        tokio::task::yield_now().await;
    }
    black_box(x) + 1
}

async fn plain(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[bounded(8)]
async fn bounded_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[with_timeout("1s")]
async fn timeout_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[bounded(8)]
#[with_timeout("1s")]
async fn bounded_then_timeout(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[graceful]
async fn graceful_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[supervised]
async fn supervised_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[graceful]
#[supervised]
async fn graceful_supervised(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

/// An annotated function whose body allocates once per call: the counter must see every one.
#[bounded(8)]
#[with_timeout("1s")]
async fn allocating(x: u64, pend: bool) -> u64 {
    let boxed = black_box(Box::new(x));
    body(*boxed, pend).await
}

#[test]
fn the_counter_counts() {
    // Directly...
    assert_eq!(allocations_during(|| drop(black_box(Box::new(1_u64)))), 1);
    assert_eq!(allocations_during(|| drop(black_box(vec![1_u8; 3]))), 1);
    assert_eq!(allocations_during(|| ()), 0);
    // ... and through the same harness as the real measurements, inside an annotated call.
    assert_eq!(allocations_per_call(allocating), CALLS);
    assert_eq!(allocations_per_call(plain), 0);
}

#[test]
fn bounded_does_not_allocate() {
    assert_eq!(allocations_per_call(bounded_only), 0);
}

#[test]
fn with_timeout_does_not_allocate() {
    assert_eq!(allocations_per_call(timeout_only), 0);
}

#[test]
fn bounded_with_timeout_does_not_allocate() {
    assert_eq!(allocations_per_call(bounded_then_timeout), 0);
}

#[test]
fn graceful_does_not_allocate() {
    assert_eq!(allocations_per_call(graceful_only), 0);
}

#[test]
fn supervised_does_not_allocate_when_the_first_run_succeeds() {
    assert_eq!(allocations_per_call(supervised_only), 0);
}

#[test]
fn graceful_supervised_does_not_allocate() {
    assert_eq!(allocations_per_call(graceful_supervised), 0);
}

// `#[blocking]`: `spawn_blocking` allocates the task it hands to the pool (tokio's, on the calling
// thread), once per call; taskward adds nothing to it. The body runs on another thread, whose
// allocations this per-thread count does not see (the body here allocates nothing). The pool has
// one thread, started in the warm-up, and its queue and the scheduler's list of deferred wakers
// are grown in the warm-up too: tokio allocates for those the first time it needs them (another
// pool thread when a call comes before the last one's thread is idle again; the queue when a call
// finds that thread busy; the list when a task's cooperative budget runs out), at some call or
// other, hand-written or annotated, which would blur the count.

/// [`allocations_per_call`] on a runtime whose blocking pool has one thread.
fn blocking_allocations_per_call<F, Fut>(call: F) -> u64
where
    F: Fn(u64, bool) -> Fut,
    Fut: Future,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        for i in 0..16 {
            black_box(call(i, false).await);
        }
        // The pool's queue, which a call finds non-empty now and then (its thread not idle yet):
        // grown here once, by tasks that wait their turn.
        let queued: Vec<_> = (0..4).map(|_| tokio::task::spawn_blocking(|| ())).collect();
        for task in queued {
            task.await.unwrap();
        }
        // The scheduler's list of deferred wakers, which a join handle joins when the task's
        // cooperative budget runs out (every so many joins that were ready at once): grown here
        // once, by spending the budget.
        for _ in 0..256 {
            tokio::task::consume_budget().await;
        }
        let mut total = 0;
        for i in 0..CALLS {
            let fut = call(black_box(i), false);
            let mut fut = std::pin::pin!(fut);
            ALLOCATIONS.with(|n| n.set(0));
            COUNTING.with(|c| c.set(true));
            let output = fut.as_mut().await;
            COUNTING.with(|c| c.set(false));
            total += ALLOCATIONS.with(Cell::get);
            black_box(output);
        }
        total
    })
}

#[taskward::blocking]
fn blocking_only(x: u64, _pend: bool) -> u64 {
    black_box(x) + 1
}

/// The hand-written equivalent.
async fn blocking_hand_written(x: u64, _pend: bool) -> u64 {
    tokio::task::spawn_blocking(move || black_box(x) + 1)
        .await
        .expect("the body does not panic")
}

#[bounded(8)]
#[with_timeout("1s")]
#[taskward::blocking]
fn blocking_stack(x: u64, _pend: bool) -> u64 {
    black_box(x) + 1
}

#[test]
fn blocking_allocates_what_spawn_blocking_needs_and_nothing_more() {
    let hand_written = blocking_allocations_per_call(blocking_hand_written);
    let taskward = blocking_allocations_per_call(blocking_only);
    let stack = blocking_allocations_per_call(blocking_stack);
    println!(
        "allocations in {CALLS} calls: spawn_blocking by hand {hand_written}, #[blocking] {taskward}, #[bounded] #[with_timeout] #[blocking] {stack}"
    );
    assert_eq!(hand_written, CALLS, "tokio's task: one allocation per call");
    assert_eq!(taskward, hand_written);
    assert_eq!(stack, hand_written);
}

// #[retry]: the success path (the first attempt succeeds), alone, with every option, and between
// a deadline for the whole call and one per attempt.
#[taskward::retry]
async fn retry_only(x: u64, pend: bool) -> Result<u64, std::io::Error> {
    Ok(body(x, pend).await)
}

#[taskward::retry(
    attempts = 5,
    jitter = false,
    on = std::io::ErrorKind::TimedOut,
    total = "10s",
    budget = 0.1
)]
async fn retry_options(x: u64, pend: bool) -> Result<u64, std::io::ErrorKind> {
    Ok(body(x, pend).await)
}

#[with_timeout("10s")]
#[taskward::retry]
#[with_timeout("1s")]
async fn deadline_retry_deadline(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

// `#[rate_limited]`: a rate so high that no call waits (the fast path), and one low enough that
// every call after the first few waits for its slot on tokio's timer (the slow path), alone and
// in a stack.

#[taskward::rate_limited(1_000_000_000, per = "1s")]
async fn rate_limited_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

/// One call every 10ms, waited for on tokio's timer (on a paused clock: see below).
static EVERY_10MS: taskward::RateLimit =
    taskward::RateLimit::new(1, std::time::Duration::from_millis(10)).with_burst(1);

#[taskward::rate_limited(in = EVERY_10MS)]
async fn rate_limited_waiting(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[taskward::rate_limited(1_000_000_000, per = "1s", wait = "1s")]
#[bounded(8)]
#[with_timeout("1s")]
async fn rate_limited_stack(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[test]
fn retry_does_not_allocate_when_the_first_attempt_succeeds() {
    assert_eq!(allocations_per_call(retry_only), 0);
    assert_eq!(allocations_per_call(retry_options), 0);
    assert_eq!(allocations_per_call(deadline_retry_deadline), 0);
}

static FAILURES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Fails every other attempt: each call that fails first is retried once.
#[taskward::retry(backoff = "1ns..1ns", budget = false)]
async fn retried_once(x: u64, pend: bool) -> Result<u64, std::io::ErrorKind> {
    let value = body(x, pend).await;
    if FAILURES
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .is_multiple_of(2)
    {
        return Err(std::io::ErrorKind::TimedOut);
    }
    Ok(value)
}

#[test]
fn a_retry_does_not_allocate_either() {
    assert_eq!(allocations_per_call(retried_once), 0);
    assert!(FAILURES.load(std::sync::atomic::Ordering::Relaxed) >= 2 * CALLS);
}

#[test]
fn rate_limited_does_not_allocate() {
    assert_eq!(allocations_per_call(rate_limited_only), 0);
    assert_eq!(allocations_per_call(rate_limited_stack), 0);
}

#[test]
fn rate_limited_does_not_allocate_when_calls_wait() {
    // The clock paused by the first call, so that the test takes no time: every call after it
    // waits for its slot (a wake-up is late by at most the timer's millisecond or two, which
    // leaves the next slot 10ms later still ahead).
    static PAUSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let calls = |x, pend| async move {
        if !PAUSED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tokio::time::pause();
        }
        rate_limited_waiting(x, pend).await
    };
    assert_eq!(allocations_per_call(calls), 0);
    // Every call but the first waited for its slot.
    assert_eq!(EVERY_10MS.waited(), 16 + CALLS - 1);
}

// `#[circuit_breaker]`: a closed breaker of its own, one with a rate and a deadline inside, and an
// open one that refuses every call.
#[taskward::circuit_breaker]
async fn breaker_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[taskward::circuit_breaker(rate = 0.5, window = 20, failures = 1_000_000)]
#[with_timeout("1s")]
async fn breaker_rate_timeout(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

/// Fails, and so opens its breaker for an hour at the first call (a warm-up call): every measured
/// call is refused.
#[taskward::circuit_breaker(failures = 1, reset = "1h")]
async fn breaker_open(x: u64, pend: bool) -> Result<u64, taskward::Error> {
    body(x, pend).await;
    Err(taskward::Error::timeout(
        "alloc::breaker_open",
        std::time::Duration::ZERO,
    ))
}

#[test]
fn circuit_breaker_does_not_allocate() {
    assert_eq!(allocations_per_call(breaker_only), 0);
    assert_eq!(allocations_per_call(breaker_rate_timeout), 0);
}

#[test]
fn an_open_circuit_breaker_refuses_without_allocating() {
    assert_eq!(allocations_per_call(breaker_open), 0);
}

// #[bounded(adaptive)]: the sample and the give-back of each call allocate nothing either, nor
// do the changes of the limit they make (the calls here move it).

#[bounded(adaptive)]
async fn adaptive_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[bounded(adaptive, min = 2, max = 64, algorithm = vegas, wait = "10ms")]
#[with_timeout("1s")]
async fn adaptive_wait_timeout(x: u64, pend: bool) -> Result<u64, taskward::Error> {
    Ok(body(x, pend).await)
}

#[test]
fn bounded_adaptive_does_not_allocate() {
    assert_eq!(allocations_per_call(adaptive_only), 0);
    assert_eq!(allocations_per_call(adaptive_wait_timeout), 0);
}

// `#[hedged]`: the path of a call that ends before its hedge (a fixed delay, and a percentile
// read from the function's histogram, recorded at every call), alone and in a stack.
#[taskward::hedged(after = "1s")]
async fn hedged_only(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[taskward::hedged(after = "p95", max = 4)]
async fn hedged_percentile(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[with_timeout("10s")]
#[taskward::hedged(after = "1s", max = 2)]
#[bounded(8)]
async fn hedged_stack(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[test]
fn hedged_does_not_allocate() {
    assert_eq!(allocations_per_call(hedged_only), 0);
    assert_eq!(allocations_per_call(hedged_percentile), 0);
    assert_eq!(allocations_per_call(hedged_stack), 0);
}

/// A call whose hedge starts (the first run waits for a `Notify` that nothing wakes; the hedge
/// ends at once), on a paused clock: the hedge's timer and its second run allocate nothing.
#[taskward::hedged(after = "1ms")]
async fn hedged_firing(
    gate: &'static tokio::sync::Notify,
    runs: &'static std::sync::atomic::AtomicU64,
) -> u64 {
    if runs
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .is_multiple_of(2)
    {
        gate.notified().await;
    }
    1
}

#[test]
fn a_hedge_that_starts_does_not_allocate() {
    static GATE: tokio::sync::Notify = tokio::sync::Notify::const_new();
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let allocations = rt.block_on(async {
        for _ in 0..16 {
            black_box(hedged_firing(&GATE, &RUNS).await);
        }
        let mut total = 0;
        for _ in 0..CALLS {
            let fut = hedged_firing(&GATE, &RUNS);
            let mut fut = std::pin::pin!(fut);
            ALLOCATIONS.with(|n| n.set(0));
            COUNTING.with(|c| c.set(true));
            let output = fut.as_mut().await;
            COUNTING.with(|c| c.set(false));
            total += ALLOCATIONS.with(Cell::get);
            black_box(output);
        }
        total
    });
    assert_eq!(allocations, 0);
    assert_eq!(
        RUNS.load(std::sync::atomic::Ordering::Relaxed),
        2 * (16 + CALLS)
    );
}

// `#[coalesce]`: a call that starts a run allocates the shared entry and the body's boxed future
// (the `static` map of runs cannot name the body's type); a call that joins a run allocates
// nothing but its share of the growth of the run's list of wakers.

#[taskward::coalesce]
async fn coalesced(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[test]
fn coalesce_allocates_two_blocks_for_a_run_of_its_own() {
    assert_eq!(allocations_per_call(coalesced), 2 * CALLS);
}

static GATE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A body that waits until the test lets it go.
#[taskward::coalesce]
async fn held(x: u64) -> u64 {
    GATE.notified().await;
    x
}

#[test]
fn coalesce_callers_that_join_a_run_allocate_only_the_growth_of_the_waker_list() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        // The first caller starts the run (pending at its yield); the others join it.
        let mut calls: Vec<_> = (0..CALLS).map(|_| Box::pin(held(7))).collect();
        let first = held(7);
        let mut first = std::pin::pin!(first);
        assert!(first.as_mut().poll(&mut cx).is_pending());
        let joined = allocations_during(|| {
            for call in &mut calls {
                assert!(call.as_mut().poll(&mut cx).is_pending());
            }
        });
        println!("#[coalesce]: {joined} allocations for {CALLS} callers joining one run");
        // A `Vec` that doubles: about log2(CALLS) growths for CALLS callers.
        assert!(
            joined <= 12,
            "{joined} allocations for {CALLS} joining callers"
        );
        // Every caller leaves: the run is dropped.
        drop(calls);
    });
}
