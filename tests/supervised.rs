//! `#[supervised]`: restarts on `Err` and on panic, an exact restart budget over a sliding window,
//! backoff within its bounds, and fresh arguments for each run. `restart = "always"` (a worker that
//! ends at shutdown, under `#[graceful]`) and a deadline per run: see `stacks.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use taskward::{Error, supervised};
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Records when each run started, relative to the test's start.
#[derive(Default)]
struct Runs {
    starts: Mutex<Vec<Duration>>,
}

impl Runs {
    async fn record(&self, origin: Instant) -> usize {
        let mut starts = self.starts.lock().await;
        starts.push(origin.elapsed());
        starts.len()
    }
    async fn starts(&self) -> Vec<Duration> {
        self.starts.lock().await.clone()
    }
}

#[derive(Debug, PartialEq)]
struct Flaky(usize);

impl std::fmt::Display for Flaky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "flaky failure #{}", self.0)
    }
}

impl From<Error> for Flaky {
    fn from(_: Error) -> Self {
        Flaky(usize::MAX)
    }
}

#[supervised(restarts = 3, within = "10s", backoff = "100ms..1s", jitter = false)]
async fn fails_until(runs: Arc<Runs>, origin: Instant, ok_at: usize) -> Result<usize, Flaky> {
    let n = runs.record(origin).await;
    if n < ok_at { Err(Flaky(n)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn an_err_is_restarted_with_exponential_backoff_until_ok() {
    let runs = Arc::new(Runs::default());
    let origin = Instant::now();
    assert_eq!(fails_until(runs.clone(), origin, 4).await, Ok(4));
    // 3 restarts, after 100ms, 200ms, 400ms (no jitter: the upper end of each range)
    assert_eq!(runs.starts().await, [MS(0), MS(100), MS(300), MS(700)]);
}

#[tokio::test(start_paused = true)]
async fn the_budget_is_exact_and_giving_up_returns_the_last_err() {
    let runs = Arc::new(Runs::default());
    let origin = Instant::now();
    // restarts = 3: the 4th failure within 10s gives up with the body's own error
    assert_eq!(fails_until(runs.clone(), origin, 100).await, Err(Flaky(4)));
    assert_eq!(runs.starts().await.len(), 4);
}

#[supervised(restarts = 2, within = "1s", backoff = "600ms..600ms", jitter = false)]
async fn fails_always(runs: Arc<Runs>, origin: Instant, stop_at: usize) -> Result<(), Flaky> {
    let n = runs.record(origin).await;
    if n >= stop_at {
        return Ok(());
    }
    Err(Flaky(n))
}

#[tokio::test(start_paused = true)]
async fn the_window_slides() {
    // Failures 600ms apart: any 1s window holds at most 2 restarts, so it never gives up.
    let runs = Arc::new(Runs::default());
    let origin = Instant::now();
    assert_eq!(fails_always(runs.clone(), origin, 10).await, Ok(()));
    assert_eq!(runs.starts().await.len(), 10);
}

#[supervised(restarts = 2, within = "1m", backoff = "10ms..10ms")]
async fn panics_first(counter: Arc<AtomicU32>) -> u32 {
    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
    assert!(n >= 3, "run {n} panics");
    n
}

#[supervised(restarts = 1, within = "1m", backoff = "10ms..10ms")]
async fn always_panics() -> Result<u32, Error> {
    panic!("the disk is on fire")
}

#[tokio::test(start_paused = true)]
async fn panics_are_caught_restarted_and_reported() {
    let counter = Arc::new(AtomicU32::new(0));
    // a function that does not return a Result becomes Result<T, taskward::Error>
    assert_eq!(panics_first(counter.clone()).await, Ok(3));
    match always_panics().await {
        Err(Error::Panicked {
            message, function, ..
        }) => {
            assert_eq!(message, "the disk is on fire");
            assert!(function.ends_with("supervised::always_panics"));
        }
        other => panic!("expected Panicked, got {other:?}"),
    }
}

#[supervised(restarts = 20, within = "1h", backoff = "100ms..800ms")]
async fn jittered(runs: Arc<Runs>, origin: Instant) -> Result<(), Flaky> {
    let n = runs.record(origin).await;
    if n < 20 { Err(Flaky(n)) } else { Ok(()) }
}

#[tokio::test(start_paused = true)]
async fn jittered_delays_stay_within_their_bounds() {
    let runs = Arc::new(Runs::default());
    let origin = Instant::now();
    jittered(runs.clone(), origin).await.unwrap();
    let starts = runs.starts().await;
    for (k, pair) in starts.windows(2).enumerate() {
        let delay = pair[1] - pair[0];
        let upper = MS(100 * (1 << k.min(3)));
        assert!(delay >= MS(100) && delay <= upper, "delay {k}: {delay:?}");
    }
}

#[supervised(restarts = 10, within = "1h", backoff = "100ms..400ms", jitter = false)]
async fn stable_then_fails(
    runs: Arc<Runs>,
    origin: Instant,
    stable_run: usize,
) -> Result<(), Flaky> {
    let n = runs.record(origin).await;
    if n == stable_run {
        // runs for the stable period (the longest backoff) before failing
        sleep(MS(400)).await;
    }
    if n < 7 { Err(Flaky(n)) } else { Ok(()) }
}

#[tokio::test(start_paused = true)]
async fn the_backoff_resets_after_a_stable_period() {
    let runs = Arc::new(Runs::default());
    let origin = Instant::now();
    stable_then_fails(runs.clone(), origin, 4).await.unwrap();
    let starts = runs.starts().await;
    let delays: Vec<_> = starts.windows(2).map(|pair| pair[1] - pair[0]).collect();
    // runs 1..3 fail at once: 100, 200, 400; run 4 lasts 400ms (stable) so the next delay is
    // back to 100ms (plus the 400ms it ran); then 200ms, 400ms again.
    assert_eq!(
        delays,
        [MS(100), MS(200), MS(400), MS(500), MS(200), MS(400)]
    );
}

#[derive(Clone, Debug)]
struct Job {
    items: Vec<u32>,
}

#[supervised(restarts = 3, within = "1m", backoff = "1ms..1ms")]
async fn consumes(mut job: Job, seen: Arc<Mutex<Vec<Vec<u32>>>>) -> Result<(), Flaky> {
    // the body takes its argument apart: each run must get a fresh copy
    let item = job.items.pop();
    seen.lock().await.push(job.items.clone());
    drop(job);
    match item {
        Some(_) if seen.lock().await.len() < 3 => Err(Flaky(0)),
        _ => Ok(()),
    }
}

#[tokio::test(start_paused = true)]
async fn each_run_gets_fresh_arguments() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    consumes(
        Job {
            items: vec![1, 2, 3],
        },
        seen.clone(),
    )
    .await
    .unwrap();
    assert_eq!(*seen.lock().await, [vec![1, 2], vec![1, 2], vec![1, 2]]);
}

const A_YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

#[supervised(backoff = "200000000000000d..200000000000000d")]
async fn fails_then_backs_off_for_ages(runs: Arc<AtomicU32>) -> Result<(), Flaky> {
    runs.fetch_add(1, Ordering::SeqCst);
    Err(Flaky(0))
}

#[supervised(backoff = "200000000000000d..200000000000000d", restart = "always")]
async fn always_backs_off_for_ages(runs: Arc<AtomicU32>) {
    runs.fetch_add(1, Ordering::SeqCst);
}

/// A delay past the end of the clock (2·10^14 days: past what `Instant` holds) waits (as long as tokio's timers can) instead of panicking.
#[tokio::test(start_paused = true)]
async fn a_backoff_beyond_the_clock_waits_on_failure() {
    let runs = Arc::new(AtomicU32::new(0));
    let waited = tokio::time::timeout(A_YEAR, fails_then_backs_off_for_ages(runs.clone())).await;
    assert!(waited.is_err(), "the call ended: {waited:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one run, then the backoff");
}

#[tokio::test(start_paused = true)]
async fn a_backoff_beyond_the_clock_waits_after_a_success_with_restart_always() {
    let runs = Arc::new(AtomicU32::new(0));
    let waited = tokio::time::timeout(A_YEAR, always_backs_off_for_ages(runs.clone())).await;
    assert!(waited.is_err(), "the call ended: {waited:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one run, then the backoff");
}

#[supervised(restarts = 5, within = "1h", backoff = "100ms..10s")]
async fn restarts_with_jitter(runs: Arc<Runs>, origin: Instant) -> Result<(), Flaky> {
    let n = runs.record(origin).await;
    if n < 6 { Err(Flaky(n)) } else { Ok(()) }
}

/// When each run of a call began, after seeding the jitter with `seed`.
async fn run_starts_after_seeding(seed: u64) -> Vec<Duration> {
    taskward::seed_jitter(seed);
    let runs = Arc::new(Runs::default());
    restarts_with_jitter(runs.clone(), Instant::now())
        .await
        .unwrap();
    runs.starts().await
}

#[tokio::test(start_paused = true)]
async fn seeding_the_jitter_makes_the_restarts_reproducible() {
    let first = run_starts_after_seeding(7).await;
    assert_eq!(first.len(), 6);
    assert_eq!(run_starts_after_seeding(7).await, first);
    assert_ne!(run_starts_after_seeding(8).await, first);
}
