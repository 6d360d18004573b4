//! `#[hedged]`: a run that has not finished after `after` is joined by another on fresh copies of
//! the arguments; the first to finish is the output, the others are dropped there and then. With
//! paused time, every instant is exact.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use taskward::{bounded, hedged, with_timeout};
use tokio::time::{Instant, sleep};

/// What the runs of one test did: each run's start and end (or drop), in order, relative to `t0`.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, t0: Instant, what: String) {
        let at = t0.elapsed().as_millis();
        self.0.lock().unwrap().push(format!("{at}ms {what}"));
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Records the drop of a run that did not finish.
struct DropGuard {
    log: Log,
    t0: Instant,
    run: u32,
    finished: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.log.push(self.t0, format!("run {} dropped", self.run));
        }
    }
}

/// Run `n` (from 0) of a call takes `delays[n]` milliseconds.
async fn run(log: &Log, t0: Instant, runs: &AtomicU32, delays: &[u64]) -> u32 {
    let n = runs.fetch_add(1, SeqCst);
    log.push(t0, format!("run {n} starts"));
    let mut guard = DropGuard {
        log: log.clone(),
        t0,
        run: n,
        finished: false,
    };
    sleep(Duration::from_millis(delays[n as usize])).await;
    guard.finished = true;
    log.push(t0, format!("run {n} ends"));
    n
}

#[hedged(after = "50ms")]
async fn one_hedge(log: Log, t0: Instant, runs: Arc<AtomicU32>, delays: &'static [u64]) -> u32 {
    run(&log, t0, &runs, delays).await
}

#[tokio::test(start_paused = true)]
async fn a_slow_first_run_is_overtaken_by_the_hedge_and_dropped() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let out = one_hedge(log.clone(), t0, runs.clone(), &[1000, 20]).await;
    assert_eq!(out, 1);
    assert_eq!(t0.elapsed(), Duration::from_millis(70));
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "70ms run 1 ends",
            "70ms run 0 dropped"
        ]
    );
    assert_eq!(runs.load(SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_first_run_that_ends_before_after_starts_no_hedge() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    assert_eq!(one_hedge(log.clone(), t0, runs.clone(), &[49, 1]).await, 0);
    assert_eq!(log.take(), ["0ms run 0 starts", "49ms run 0 ends"]);
    // Nothing starts later either.
    sleep(Duration::from_secs(1)).await;
    assert_eq!(runs.load(SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn the_first_run_wins_when_it_ends_before_the_hedge() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    assert_eq!(
        one_hedge(log.clone(), t0, runs.clone(), &[60, 100]).await,
        0
    );
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "60ms run 0 ends",
            "60ms run 1 dropped"
        ]
    );
}

#[hedged(after = "50ms", max = 2)]
async fn two_hedges(log: Log, t0: Instant, runs: Arc<AtomicU32>, delays: &'static [u64]) -> u32 {
    run(&log, t0, &runs, delays).await
}

#[tokio::test(start_paused = true)]
async fn with_max_reached_no_further_run_starts() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let out = two_hedges(log.clone(), t0, runs.clone(), &[1000, 1000, 1000, 1]).await;
    assert_eq!(out, 0);
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "100ms run 2 starts",
            "1000ms run 0 ends",
            "1000ms run 1 dropped",
            "1000ms run 2 dropped",
        ]
    );
    assert_eq!(runs.load(SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn the_second_hedge_can_win() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let out = two_hedges(log.clone(), t0, runs.clone(), &[1000, 1000, 5]).await;
    assert_eq!(out, 2);
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "100ms run 2 starts",
            "105ms run 2 ends",
            "105ms run 0 dropped",
            "105ms run 1 dropped",
        ]
    );
}

/// The first run to complete wins, `Ok` or `Err`.
#[hedged(after = "10ms")]
async fn fails_fast_second(runs: &AtomicU32) -> Result<u32, String> {
    let n = runs.fetch_add(1, SeqCst);
    if n == 0 {
        sleep(Duration::from_millis(100)).await;
        Ok(n)
    } else {
        Err(format!("run {n} failed"))
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_to_complete_wins_even_with_an_err() {
    let runs = AtomicU32::new(0);
    let t0 = Instant::now();
    assert_eq!(
        fails_fast_second(&runs).await,
        Err("run 1 failed".to_owned())
    );
    assert_eq!(t0.elapsed(), Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_call_drops_every_run() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let call = two_hedges(log.clone(), t0, runs.clone(), &[1000, 1000, 1000]);
    assert!(
        tokio::time::timeout(Duration::from_millis(120), call)
            .await
            .is_err()
    );
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "100ms run 2 starts",
            "120ms run 0 dropped",
            "120ms run 1 dropped",
            "120ms run 2 dropped",
        ]
    );
}

struct Replica {
    runs: AtomicU32,
    delays: Vec<u64>,
}

impl Replica {
    /// `&self` is shared by the runs.
    #[hedged(after = "30ms")]
    async fn get(&self, key: &str) -> String {
        let n = self.runs.fetch_add(1, SeqCst);
        sleep(Duration::from_millis(self.delays[n as usize])).await;
        format!("{key} from run {n}")
    }
}

#[tokio::test(start_paused = true)]
async fn a_method_of_self_is_hedged() {
    let replica = Replica {
        runs: AtomicU32::new(0),
        delays: vec![500, 10],
    };
    let t0 = Instant::now();
    assert_eq!(replica.get("k").await, "k from run 1");
    assert_eq!(t0.elapsed(), Duration::from_millis(40));
}

/// Owned arguments are cloned for each run.
#[hedged(after = "10ms")]
async fn owned(mut items: Vec<u32>, runs: &AtomicU32) -> Vec<u32> {
    let n = runs.fetch_add(1, SeqCst);
    items.push(n);
    if n == 0 {
        sleep(Duration::from_secs(1)).await;
    }
    items
}

#[tokio::test(start_paused = true)]
async fn each_run_gets_a_fresh_copy_of_the_arguments() {
    let runs = AtomicU32::new(0);
    assert_eq!(owned(vec![7], &runs).await, [7, 1]);
}

/// The whole call within 80ms, hedges included.
#[with_timeout("80ms")]
#[hedged(after = "50ms")]
async fn under_timeout(log: Log, t0: Instant, runs: Arc<AtomicU32>, delays: &'static [u64]) -> u32 {
    run(&log, t0, &runs, delays).await
}

#[tokio::test(start_paused = true)]
async fn a_timeout_above_cuts_every_run() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let out = under_timeout(log.clone(), t0, runs.clone(), &[1000, 1000]).await;
    assert!(
        matches!(out, Err(taskward::Error::Timeout { .. })),
        "{out:?}"
    );
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "80ms run 0 dropped",
            "80ms run 1 dropped"
        ]
    );
    // With a fast hedge, the call ends in time.
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    assert_eq!(under_timeout(log, t0, runs, &[1000, 10]).await.unwrap(), 1);
}

/// Each run within 40ms: a slow run fails with `Error::Timeout` before the hedge at 50ms, and that
/// failure is the call's output (the first run to complete).
#[hedged(after = "30ms")]
#[with_timeout("40ms")]
async fn per_run_timeout(
    log: Log,
    t0: Instant,
    runs: Arc<AtomicU32>,
    delays: &'static [u64],
) -> u32 {
    run(&log, t0, &runs, delays).await
}

#[tokio::test(start_paused = true)]
async fn a_timeout_below_applies_to_each_run() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let out = per_run_timeout(log.clone(), t0, runs.clone(), &[1000, 5]).await;
    assert_eq!(out.unwrap(), 1);
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "30ms run 1 starts",
            "35ms run 1 ends",
            "35ms run 0 dropped"
        ]
    );
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let out = per_run_timeout(log.clone(), t0, runs.clone(), &[1000, 1000]).await;
    assert!(
        matches!(out, Err(taskward::Error::Timeout { .. })),
        "{out:?}"
    );
    assert_eq!(t0.elapsed(), Duration::from_millis(40));
}

/// `#[bounded(1)]` outside: one permit for the call, whatever its runs.
#[bounded(1)]
#[hedged(after = "50ms")]
async fn bounded_outside(
    log: Log,
    t0: Instant,
    runs: Arc<AtomicU32>,
    delays: &'static [u64],
) -> u32 {
    run(&log, t0, &runs, delays).await
}

/// `#[bounded(1)]` inside: each run needs a permit, so the hedge waits for the first run's.
#[hedged(after = "50ms")]
#[bounded(1)]
async fn bounded_inside(
    log: Log,
    t0: Instant,
    runs: Arc<AtomicU32>,
    delays: &'static [u64],
) -> u32 {
    run(&log, t0, &runs, delays).await
}

#[tokio::test(start_paused = true)]
async fn bounded_outside_counts_calls_inside_counts_runs() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    assert_eq!(bounded_outside(log.clone(), t0, runs, &[1000, 20]).await, 1);
    assert_eq!(
        log.take(),
        [
            "0ms run 0 starts",
            "50ms run 1 starts",
            "70ms run 1 ends",
            "70ms run 0 dropped"
        ]
    );
    // Inside, the hedge starts at 50ms but waits for the permit the first run holds: the first
    // run ends first.
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    assert_eq!(
        bounded_inside(log.clone(), t0, runs.clone(), &[300, 20]).await,
        0
    );
    assert_eq!(log.take(), ["0ms run 0 starts", "300ms run 0 ends"]);
    assert_eq!(runs.load(SeqCst), 1);
}

/// A call takes 10ms, or 200ms when `slow` (its first run only: a hedge takes 10ms).
#[hedged(after = "p95", initial = "10s")]
async fn percentile(starts: &Mutex<Vec<Duration>>, t0: Instant, slow: bool) {
    let first = {
        let mut starts = starts.lock().unwrap();
        starts.push(t0.elapsed());
        starts.len() == 1
    };
    let ms = if slow && first { 200 } else { 10 };
    sleep(Duration::from_millis(ms)).await;
}

#[tokio::test(start_paused = true)]
async fn the_p95_delay_follows_the_observed_latency() {
    let call = |slow| async move {
        let starts = Mutex::new(Vec::new());
        let t0 = Instant::now();
        percentile(&starts, t0, slow).await;
        (t0.elapsed(), starts.into_inner().unwrap())
    };
    // Before 20 calls, the delay is `initial` (10s): the slow 20th call is not hedged.
    for i in 1..20 {
        assert_eq!(
            call(false).await,
            (Duration::from_millis(10), vec![Duration::ZERO]),
            "{i}"
        );
    }
    assert_eq!(
        call(true).await,
        (Duration::from_millis(200), vec![Duration::ZERO])
    );
    // 19 calls of 10ms and one of 200ms: the p95 is 10ms, in the bucket that ends at 10.24ms;
    // the timer fires at the next whole millisecond.
    for _ in 0..5 {
        for _ in 1..20 {
            assert_eq!(call(false).await.1.len(), 1);
        }
        assert_eq!(
            call(true).await,
            (
                Duration::from_millis(21),
                vec![Duration::ZERO, Duration::from_millis(11)]
            )
        );
    }
}

/// The delay counts from when the call is first polled, not from when its future was made.
#[tokio::test(start_paused = true)]
async fn the_delay_counts_from_the_first_poll() {
    let (log, runs, t0) = (Log::default(), Arc::new(AtomicU32::new(0)), Instant::now());
    let call = one_hedge(log.clone(), t0, runs.clone(), &[1000, 20]);
    sleep(Duration::from_millis(100)).await;
    assert_eq!(call.await, 1);
    assert_eq!(
        log.take(),
        [
            "100ms run 0 starts",
            "150ms run 1 starts",
            "170ms run 1 ends",
            "170ms run 0 dropped"
        ]
    );
}
