//! Attributes together: what a stack does that none of its attributes does alone, decided by the
//! written order (outermost first). Each attribute alone is tested in its own file (`bounded.rs`,
//! `timeout.rs`, `supervised.rs`, `graceful.rs`).
//!
//! - `#[with_timeout]` and `#[bounded]`: outside, the deadline covers the wait for a permit; inside,
//!   only the work; a `wait` that sheds the call and a deadline that cuts it are told apart.
//! - `#[with_timeout]` inside `#[supervised]`: a deadline per run, each timed-out run restarted; a
//!   panic while a run is dropped counts as a failed run; with a `#[with_timeout]` outside too, a
//!   deadline for the whole call that ends the restarts.
//! - `#[graceful]` outside `#[supervised]`: a `restart = "always"` worker ends after its run at
//!   shutdown, no restart begins once shutdown has begun, and a backoff ends at the trigger.
//! - `#[graceful]` outside `#[bounded]`: calls waiting for a permit are tracked too.
//! - `#[retry]` with `#[bounded]`: inside, the permit is given back before each backoff; outside,
//!   held through it; `#[graceful]` outside `#[retry]` tracks the call, backoff included (its
//!   interplay with `#[with_timeout]` is in `retry.rs`).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskward::{Bulkhead, Error, Shutdown, bounded, graceful, supervised, with_timeout};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

// `#[with_timeout]` and `#[bounded]`.

// Deadline outside the bound: the deadline covers the wait for a permit.
static OUTER_POOL: AtomicUsize = AtomicUsize::new(0);
#[with_timeout("100ms")]
#[bounded(1)]
async fn deadline_covers_wait(work: Duration) {
    OUTER_POOL.fetch_add(1, Ordering::SeqCst);
    sleep(work).await;
}

// Bound outside the deadline: the deadline starts once the permit is held.
#[bounded(1)]
#[with_timeout("100ms")]
async fn deadline_after_permit(work: Duration) {
    sleep(work).await;
}

#[tokio::test(start_paused = true)]
async fn written_order_decides_what_the_deadline_covers() {
    // Each: one call holds the only permit for 80ms; a second call needs 50ms of work.
    let holder = tokio::spawn(deadline_covers_wait(Duration::from_millis(80)));
    tokio::task::yield_now().await;
    let started = Instant::now();
    let second = deadline_covers_wait(Duration::from_millis(50)).await;
    // waited 80ms for the permit, then 20ms of its 50ms of work: cut at 100ms from the call
    assert!(matches!(second, Err(Error::Timeout { .. })));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    holder.await.unwrap().unwrap();

    let holder = tokio::spawn(deadline_after_permit(Duration::from_millis(80)));
    tokio::task::yield_now().await;
    let started = Instant::now();
    let second = deadline_after_permit(Duration::from_millis(50)).await;
    // waited 80ms for the permit, then its 50ms of work within its own 100ms
    assert_eq!(second, Ok(()));
    assert_eq!(started.elapsed(), Duration::from_millis(130));
    holder.await.unwrap().unwrap();
}

static GATE: Bulkhead = Bulkhead::new(1);

#[bounded(in = GATE, wait = "10ms")]
#[with_timeout("1s")]
async fn shed_or_cut(work: Duration) -> Result<(), Error> {
    sleep(work).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn rejected_and_timed_out_are_told_apart() {
    let holder = tokio::spawn(shed_or_cut(Duration::from_secs(5)));
    tokio::task::yield_now().await;
    assert!(matches!(
        shed_or_cut(Duration::ZERO).await,
        Err(Error::Rejected { .. })
    ));
    assert!(matches!(holder.await.unwrap(), Err(Error::Timeout { .. })));
    assert_eq!(GATE.in_flight(), 0);
}

// A worker: `#[graceful]` outside `#[supervised]`, and `#[with_timeout]` inside it.

struct Worker {
    runs: u32,
    shutdown: Shutdown,
}

impl Worker {
    #[graceful(in = &self.shutdown)]
    #[supervised(restart = "always", backoff = "50ms..1s")]
    async fn run_forever(&mut self) -> Result<(), Error> {
        self.runs += 1;
        sleep(MS(100)).await;
        Ok(())
    }

    #[supervised(restarts = 2, within = "1m", backoff = "1ms..1ms")]
    #[with_timeout("100ms")]
    async fn per_run_timeout(&self, work: Duration) -> Result<u32, Error> {
        sleep(work).await;
        Ok(self.runs)
    }
}

#[tokio::test(start_paused = true)]
async fn restart_always_keeps_a_worker_alive_until_shutdown() {
    let shutdown = Shutdown::new();
    let mut worker = Worker {
        runs: 0,
        shutdown: shutdown.clone(),
    };
    let origin = Instant::now();
    let handle = tokio::spawn(async move {
        let result = worker.run_forever().await;
        (result, worker.runs)
    });
    sleep(MS(1000)).await;
    shutdown.trigger();
    let (result, runs) = handle.await.unwrap();
    // each cycle: 100ms of work + 50ms pause; at 1000ms the 7th run is in its work
    assert_eq!(runs, 7);
    // the running call is not cancelled (no `cancel`): it ends after its run, with no restart
    assert_eq!(result, Ok(()));
    assert_eq!(origin.elapsed(), MS(1000));
}

#[tokio::test(start_paused = true)]
async fn with_timeout_inside_is_a_deadline_per_run() {
    let worker = Worker {
        runs: 9,
        shutdown: Shutdown::new(),
    };
    assert_eq!(worker.per_run_timeout(MS(90)).await, Ok(9));
    let started = Instant::now();
    let err = worker.per_run_timeout(MS(150)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    // three runs cut at 100ms each, two 1ms pauses
    assert_eq!(started.elapsed(), MS(302));
}

/// A guard whose cleanup fails: it panics when dropped (unless already unwinding).
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("cleanup failed");
        }
    }
}

#[supervised(restarts = 2, within = "1m", backoff = "1ms..1ms")]
#[with_timeout("10ms")]
async fn cut_while_holding_a_guard(runs: &AtomicUsize) -> std::io::Result<()> {
    runs.fetch_add(1, Ordering::SeqCst);
    let _guard = PanicsOnDrop;
    sleep(MS(100)).await; // past the deadline: the run is cut, and its guard dropped
    Ok(())
}

#[supervised(restarts = 2, within = "1m", backoff = "1ms..1ms")]
#[with_timeout("10ms")]
async fn fails_while_holding_a_guard(runs: &AtomicUsize) -> std::io::Result<()> {
    runs.fetch_add(1, Ordering::SeqCst);
    let _guard = PanicsOnDrop;
    sleep(MS(1)).await;
    Err(std::io::Error::other("failed"))
}

/// The error a supervised call gave up with, as a `taskward::Error`.
fn taskward_error(err: std::io::Error) -> Error {
    *err.into_inner().unwrap().downcast::<Error>().unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_panic_dropping_a_run_cut_by_its_deadline_is_a_failed_run() {
    let runs = AtomicUsize::new(0);
    let started = Instant::now();
    // A panic that escaped the supervisor would unwind into this test and fail it.
    let err = cut_while_holding_a_guard(&runs).await.unwrap_err();
    match taskward_error(err) {
        Error::Panicked { message, .. } => assert_eq!(message, "cleanup failed"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3, "the budget: 2 restarts");
    // three runs cut at 10ms each, two 1ms pauses
    assert_eq!(started.elapsed(), MS(32));
}

#[tokio::test(start_paused = true)]
async fn a_panic_dropping_a_run_that_returned_err_is_a_failed_run() {
    let runs = AtomicUsize::new(0);
    let started = Instant::now();
    let err = fails_while_holding_a_guard(&runs).await.unwrap_err();
    match taskward_error(err) {
        Error::Panicked { message, .. } => assert_eq!(message, "cleanup failed"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3, "the budget: 2 restarts");
    assert_eq!(started.elapsed(), MS(5));
}

// `#[graceful]` outside `#[supervised]`.

static WORKERS: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);
static RUNS: AtomicUsize = AtomicUsize::new(0);

#[graceful(in = &WORKERS)]
#[supervised(restarts = 100, within = "1m", backoff = "1s..1s")]
async fn failing_worker() -> std::io::Result<()> {
    let run = RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(MS(100)).await;
    Err(std::io::Error::other(format!("disk full (run {run})")))
}

#[tokio::test(start_paused = true)]
async fn no_restart_once_shutdown_has_begun_and_the_backoff_ends_early() {
    let worker = tokio::spawn(failing_worker());
    // run 1 fails at 100ms, backs off 1s; run 2 at 1100ms fails at 1200ms; backoff until 2200ms
    sleep(MS(1_500)).await;
    let started = Instant::now();
    let report = WORKERS.drain(MS(10_000)).await;
    // the backoff sleep ended at the trigger and no restart began
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(
        (report.in_flight, report.finished, report.cancelled),
        (1, 1, 0)
    );
    // the call returns the last Err of its body
    let err = worker.await.unwrap().unwrap_err();
    assert_eq!(err.to_string(), "disk full (run 2)");
}

// `#[graceful]` outside `#[bounded]`.

static LIMITED: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

#[graceful(in = &LIMITED)]
#[bounded(1)]
async fn tracked_while_waiting(work: Duration) {
    sleep(work).await;
}

#[tokio::test(start_paused = true)]
async fn graceful_outside_bounded_tracks_the_wait_for_a_permit() {
    let calls: Vec<_> = (0..3)
        .map(|_| tokio::spawn(tracked_while_waiting(MS(100))))
        .collect();
    tokio::task::yield_now().await;
    // one runs, two wait for the permit: all three are in flight for the coordinator
    assert_eq!(LIMITED.in_flight(), 3);
    let report = LIMITED.drain(MS(150)).await;
    assert_eq!((report.finished, report.cancelled), (1, 2));
    let results: Vec<_> = futures_lite(calls).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
}

async fn futures_lite<T>(calls: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for call in calls {
        out.push(call.await.unwrap());
    }
    out
}

// A deadline for the whole call above `#[supervised]` and one for each run below it.

static WHOLE_CALL_RUNS: AtomicUsize = AtomicUsize::new(0);

#[with_timeout("1s")]
#[supervised(restarts = 10, backoff = "100ms..100ms", jitter = false)]
#[with_timeout("300ms")]
async fn hangs_every_run() -> Result<(), Error> {
    WHOLE_CALL_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_deadline_per_run_and_one_for_the_whole_call() {
    let t0 = Instant::now();
    let err = hangs_every_run().await.unwrap_err();
    // Runs at 0, 400ms and 800ms (each cut at 300ms, then 100ms of backoff); the third is cut by
    // the whole call's deadline at 1s.
    assert_eq!(t0.elapsed(), MS(1000));
    assert_eq!(WHOLE_CALL_RUNS.load(Ordering::SeqCst), 3);
    assert!(
        matches!(err, Error::Timeout { limit, .. } if limit == MS(1000)),
        "{err:?}"
    );
}

// `#[retry]` with `#[bounded]` and `#[graceful]`: inside the retry, each attempt takes a permit and
// gives it back before the backoff; outside, the permit is held through the backoff (the
// `permit_held_across_retries` lint says so); `#[graceful]` outside tracks the call, backoff
// included.
static PER_ATTEMPT: Bulkhead = Bulkhead::new(1);
static THROUGH_BACKOFF: Bulkhead = Bulkhead::new(1);
static RETRIED: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

#[taskward::retry(attempts = 2, backoff = "100ms..100ms")]
#[bounded(in = PER_ATTEMPT)]
async fn permit_per_attempt() -> std::io::Result<()> {
    sleep(MS(10)).await;
    Err(std::io::Error::other("down"))
}

#[bounded(in = THROUGH_BACKOFF, allow(permit_held_across_retries))]
#[taskward::retry(attempts = 2, backoff = "100ms..100ms")]
async fn permit_through_backoff() -> std::io::Result<()> {
    sleep(MS(10)).await;
    Err(std::io::Error::other("down"))
}

#[graceful(in = &RETRIED)]
#[taskward::retry(attempts = 2, backoff = "100ms..100ms")]
async fn tracked_through_backoff() -> std::io::Result<()> {
    sleep(MS(10)).await;
    Err(std::io::Error::other("down"))
}

#[tokio::test(start_paused = true)]
async fn retry_gives_a_permit_back_before_its_backoff_when_outside_bounded() {
    let calls = [
        tokio::spawn(permit_per_attempt()),
        tokio::spawn(permit_through_backoff()),
        tokio::spawn(tracked_through_backoff()),
    ];
    // During the first attempt (0..10ms), then during the backoff (10..110ms).
    sleep(MS(5)).await;
    assert_eq!(
        (PER_ATTEMPT.in_flight(), THROUGH_BACKOFF.in_flight()),
        (1, 1)
    );
    assert_eq!(RETRIED.in_flight(), 1);
    sleep(MS(50)).await;
    assert_eq!(
        (PER_ATTEMPT.in_flight(), THROUGH_BACKOFF.in_flight()),
        (0, 1)
    );
    assert_eq!(RETRIED.in_flight(), 1);
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap_err().to_string(), "down");
    }
    assert_eq!(
        (PER_ATTEMPT.in_flight(), THROUGH_BACKOFF.in_flight()),
        (0, 0)
    );
    assert_eq!(RETRIED.in_flight(), 0);
}

// `#[rate_limited]` with the others.
//
// - Inside `#[supervised]`, each run takes a slot (what a partner's quota needs); outside it,
//   the call takes one slot for all its runs (the limit is on calls, not on runs).
// - Under `#[with_timeout]`, the deadline covers the wait for the slot; a call cut while it waits
//   gives its slot back when no later call has taken one.

mod rate_limited_stacks {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use taskward::{Error, RateLimit, rate_limited, supervised, with_timeout};
    use tokio::time::Instant;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    static PER_RUN: RateLimit = RateLimit::new(1, Duration::from_secs(1)).with_burst(1);
    static PER_RUN_RUNS: AtomicUsize = AtomicUsize::new(0);

    #[supervised(restarts = 5, backoff = "10ms..10ms", jitter = false)]
    #[rate_limited(in = PER_RUN)]
    async fn each_run_takes_a_slot() -> Result<usize, Error> {
        let run = PER_RUN_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
        if run < 3 {
            return Err(Error::cancelled("a failed run"));
        }
        Ok(run)
    }

    static PER_CALL: RateLimit = RateLimit::new(1, Duration::from_secs(1)).with_burst(1);
    static PER_CALL_RUNS: AtomicUsize = AtomicUsize::new(0);

    #[rate_limited(in = PER_CALL)]
    #[supervised(restarts = 5, backoff = "10ms..10ms", jitter = false)]
    async fn one_slot_for_all_runs() -> Result<usize, Error> {
        let run = PER_CALL_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
        if run < 3 {
            return Err(Error::cancelled("a failed run"));
        }
        Ok(run)
    }

    #[tokio::test(start_paused = true)]
    async fn inside_a_rerun_each_run_takes_a_slot_outside_the_call_takes_one() {
        let zero = Instant::now();
        // Three runs, a slot each: the second and the third wait a second for theirs (the 10ms
        // backoff is within it).
        assert_eq!(each_run_takes_a_slot().await, Ok(3));
        assert_eq!(zero.elapsed(), Duration::from_secs(2));
        assert_eq!(PER_RUN.started(), 3);

        let zero = Instant::now();
        // Three runs, one slot: only the backoffs.
        assert_eq!(one_slot_for_all_runs().await, Ok(3));
        assert_eq!(zero.elapsed(), MS(20));
        assert_eq!(PER_CALL.started(), 1);
    }

    static UNDER_DEADLINE: RateLimit = RateLimit::new(10, Duration::from_secs(1)).with_burst(1);

    #[with_timeout("150ms")]
    #[rate_limited(in = UNDER_DEADLINE)]
    async fn deadline_covers_the_wait() -> u32 {
        1
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_outside_covers_the_wait_and_a_cut_call_gives_its_slot_back() {
        let zero = Instant::now();
        // Slots at 0, 100ms, 200ms: the third call's slot is past the deadline.
        let (a, b, c) = tokio::join!(
            deadline_covers_the_wait(),
            deadline_covers_the_wait(),
            deadline_covers_the_wait()
        );
        assert_eq!((a, b), (Ok(1), Ok(1)));
        assert!(matches!(c, Err(Error::Timeout { .. })));
        assert_eq!(zero.elapsed(), MS(150));
        // The cut call had the latest slot (200ms): given back, the next call has it.
        assert_eq!(UNDER_DEADLINE.next_slot_in(), MS(50));
        assert_eq!(deadline_covers_the_wait().await, Ok(1));
        assert_eq!(zero.elapsed(), MS(200));
        assert_eq!(UNDER_DEADLINE.started(), 3);
    }
}
