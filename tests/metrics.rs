//! Metrics (feature `metrics`; `.ci/run` runs this file with
//! `cargo test --features metrics --test metrics`): what each wrapper records through the
//! `metrics` facade, read back from a recorder of the test's own, installed for the whole binary.
//!
//! Each test reads the metrics of functions of its own: the tests of this file run at once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use taskward::metrics::{
    ADAPTIVE_LIMIT, BREAKER_TRANSITIONS, CALLS, COALESCED, HEDGE_WINS, HEDGES, PERMIT_WAIT,
    PERMITS_IN_USE, REJECTIONS, RESTARTS, RETRIES, TIMEOUTS,
};
use taskward::{
    AdaptiveBulkhead, AdaptiveLimit, Error, Shutdown, bounded, circuit_breaker, coalesce, graceful,
    hedged, rate_limited, retry, supervised, with_timeout,
};
use tokio::time::sleep;

const MS: fn(u64) -> Duration = Duration::from_millis;

/// One metric: a counter's count, a gauge's value, a histogram's values.
#[derive(Default)]
struct Cell {
    count: Mutex<u64>,
    gauge: Mutex<f64>,
    values: Mutex<Vec<f64>>,
}

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        *self.count.lock().unwrap() += value;
    }
    fn absolute(&self, value: u64) {
        *self.count.lock().unwrap() = value;
    }
}

impl GaugeFn for Cell {
    fn increment(&self, value: f64) {
        *self.gauge.lock().unwrap() += value;
    }
    fn decrement(&self, value: f64) {
        *self.gauge.lock().unwrap() -= value;
    }
    fn set(&self, value: f64) {
        *self.gauge.lock().unwrap() = value;
    }
}

impl HistogramFn for Cell {
    fn record(&self, value: f64) {
        self.values.lock().unwrap().push(value);
    }
}

/// The metrics recorded, by `name{label=value,..}` (labels in the order given).
#[derive(Default)]
struct Store(Mutex<BTreeMap<String, Arc<Cell>>>);

impl Store {
    fn cell(&self, key: &Key) -> Arc<Cell> {
        let labels: Vec<String> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        Arc::clone(self.0.lock().unwrap().entry(name).or_default())
    }

    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<Arc<Cell>> {
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let name = format!("{name}{{{}}}", labels.join(","));
        self.0.lock().unwrap().get(&name).cloned()
    }
}

struct Recording(&'static Store);

impl Recorder for Recording {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.0.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.0.cell(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.0.cell(key))
    }
}

static STORE: LazyLock<&'static Store> = LazyLock::new(|| {
    let store: &'static Store = Box::leak(Box::default());
    metrics::set_global_recorder(Recording(store)).expect("the only recorder of this binary");
    store
});

fn function(name: &str) -> String {
    format!("{}::{name}", module_path!())
}

/// A counter of `name`'s function, 0 when nothing was recorded.
fn count(metric: &str, name: &str, extra: Option<(&str, &str)>) -> u64 {
    let function = function(name);
    let mut labels = vec![("function", function.as_str())];
    labels.extend(extra);
    STORE
        .get(metric, &labels)
        .map_or(0, |cell| *cell.count.lock().unwrap())
}

fn gauge(metric: &str, name: &str) -> f64 {
    let function = function(name);
    STORE
        .get(metric, &[("function", &function)])
        .map_or(0.0, |cell| *cell.gauge.lock().unwrap())
}

fn values(metric: &str, name: &str) -> Vec<f64> {
    let function = function(name);
    STORE
        .get(metric, &[("function", &function)])
        .map_or(Vec::new(), |cell| cell.values.lock().unwrap().clone())
}

#[bounded(1)]
async fn one_at_a_time(work: Duration) {
    sleep(work).await;
}

#[tokio::test(start_paused = true)]
async fn a_bounded_call_is_counted_with_its_permit_wait_and_the_permits_in_use() {
    LazyLock::force(&STORE);
    let first = tokio::spawn(one_at_a_time(MS(100)));
    let second = tokio::spawn(one_at_a_time(MS(50)));
    sleep(MS(10)).await;
    assert_eq!(count(CALLS, "one_at_a_time", None), 2);
    assert_eq!(gauge(PERMITS_IN_USE, "one_at_a_time"), 1.0);
    first.await.unwrap();
    second.await.unwrap();
    assert_eq!(gauge(PERMITS_IN_USE, "one_at_a_time"), 0.0);
    // The first took its permit at once, the second waited for the first to end.
    assert_eq!(values(PERMIT_WAIT, "one_at_a_time"), [0.0, 0.1]);
}

#[bounded(1, wait = "20ms")]
async fn shed(work: Duration) -> Result<(), Error> {
    sleep(work).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_call_shed_by_a_bulkhead_is_a_rejection() {
    LazyLock::force(&STORE);
    let running = tokio::spawn(shed(MS(100)));
    sleep(MS(1)).await;
    assert!(matches!(shed(MS(1)).await, Err(Error::Rejected { .. })));
    running.await.unwrap().unwrap();
    assert_eq!(count(CALLS, "shed", None), 2);
    let bulkhead = Some(("reason", "bulkhead"));
    assert_eq!(count(REJECTIONS, "shed", bulkhead), 1);
    // The rejected call never held a permit; the wait of the one that did is recorded.
    assert_eq!(values(PERMIT_WAIT, "shed"), [0.0]);
    assert_eq!(gauge(PERMITS_IN_USE, "shed"), 0.0);
}

#[with_timeout("50ms")]
async fn slow(work: Duration) {
    sleep(work).await;
}

#[tokio::test(start_paused = true)]
async fn a_call_cut_by_its_deadline_is_a_timeout() {
    LazyLock::force(&STORE);
    slow(MS(10)).await.unwrap();
    slow(MS(100)).await.unwrap_err();
    slow(MS(100)).await.unwrap_err();
    assert_eq!(count(CALLS, "slow", None), 3);
    assert_eq!(count(TIMEOUTS, "slow", None), 2);
}

static FLAKY_RUNS: AtomicU32 = AtomicU32::new(0);

#[retry(attempts = 4, backoff = "10ms..100ms")]
async fn flaky() -> Result<u32, String> {
    let run = FLAKY_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run < 3 {
        Err(format!("run {run}"))
    } else {
        Ok(run)
    }
}

#[tokio::test(start_paused = true)]
async fn each_run_again_is_a_retry() {
    LazyLock::force(&STORE);
    assert_eq!(flaky().await, Ok(3));
    assert_eq!(count(CALLS, "flaky", None), 1);
    assert_eq!(count(RETRIES, "flaky", None), 2);
}

static WORKER_RUNS: AtomicU32 = AtomicU32::new(0);

#[supervised(restarts = 5, within = "10s", backoff = "10ms..100ms")]
async fn worker() -> Result<u32, Error> {
    let run = WORKER_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    assert!(run != 2, "run 2 panics");
    if run < 4 {
        Err(Error::cancelled("worker"))
    } else {
        Ok(run)
    }
}

#[tokio::test(start_paused = true)]
async fn each_run_again_of_a_supervised_call_is_a_restart() {
    LazyLock::force(&STORE);
    taskward::quiet_caught_panics();
    assert_eq!(worker().await, Ok(4));
    assert_eq!(count(CALLS, "worker", None), 1);
    // After an `Err`, a panic, an `Err`.
    assert_eq!(count(RESTARTS, "worker", None), 3);
}

#[circuit_breaker(failures = 2, reset = "1s")]
async fn upstream(fail: bool) -> Result<u32, Error> {
    if fail {
        Err(Error::cancelled("upstream"))
    } else {
        Ok(1)
    }
}

#[tokio::test(start_paused = true)]
async fn a_breaker_records_its_transitions_and_its_refusals() {
    LazyLock::force(&STORE);
    let to = |state| count(BREAKER_TRANSITIONS, "upstream", Some(("to", state)));
    upstream(true).await.unwrap_err();
    upstream(true).await.unwrap_err();
    assert_eq!((to("open"), to("half_open"), to("closed")), (1, 0, 0));
    assert!(upstream(false).await.unwrap_err().is_circuit_open());
    assert!(upstream(false).await.unwrap_err().is_circuit_open());
    let refused = Some(("reason", "circuit_open"));
    assert_eq!(count(REJECTIONS, "upstream", refused), 2);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(upstream(false).await, Ok(1));
    assert_eq!((to("open"), to("half_open"), to("closed")), (1, 1, 1));
    assert_eq!(count(CALLS, "upstream", None), 5);
}

#[rate_limited(1, per = "1s", wait = "0s")]
async fn limited() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_call_over_the_rate_is_a_rejection() {
    LazyLock::force(&STORE);
    limited().await.unwrap();
    limited().await.unwrap_err();
    assert_eq!(
        count(REJECTIONS, "limited", Some(("reason", "rate_limit"))),
        1
    );
}

static JOBS: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

#[graceful(in = &JOBS)]
async fn job() -> u32 {
    1
}

#[tokio::test(start_paused = true)]
async fn a_call_refused_at_shutdown_is_a_rejection() {
    LazyLock::force(&STORE);
    assert_eq!(job().await, Ok(1));
    JOBS.trigger();
    assert!(job().await.unwrap_err().is_shutdown());
    assert_eq!(
        count(REJECTIONS, "job", Some(("reason", "shutting_down"))),
        1
    );
    assert_eq!(count(CALLS, "job", None), 2);
}

static ADAPTIVE: AdaptiveBulkhead = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(2).max(2));

#[bounded(adaptive, in = ADAPTIVE)]
async fn adaptive_patient(work: Duration, fail: bool) -> Result<(), Error> {
    sleep(work).await;
    if fail {
        Err(Error::cancelled("adaptive_patient"))
    } else {
        Ok(())
    }
}

#[bounded(adaptive, in = ADAPTIVE, wait = "20ms")]
async fn adaptive_impatient() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn an_adaptive_bulkhead_records_its_permits_its_rejections_and_its_limit() {
    LazyLock::force(&STORE);
    // The limit starts at 2: the third call waits.
    let failing = tokio::spawn(adaptive_patient(MS(100), true));
    let long = tokio::spawn(adaptive_patient(MS(200), false));
    let waiting = tokio::spawn(adaptive_patient(MS(50), false));
    sleep(MS(10)).await;
    assert_eq!(gauge(PERMITS_IN_USE, "adaptive_patient"), 2.0);
    assert!(matches!(
        adaptive_impatient().await,
        Err(Error::Rejected { .. })
    ));
    let bulkhead = Some(("reason", "bulkhead"));
    assert_eq!(count(REJECTIONS, "adaptive_impatient", bulkhead), 1);
    // Not changed yet: the gauge is set at the first change.
    assert_eq!(gauge(ADAPTIVE_LIMIT, "adaptive_patient"), 0.0);
    failing.await.unwrap().unwrap_err();
    // A failed call is a sign of congestion: the limit went down (2 × 0.9, in whole calls), and
    // the failed call's permit left circulation, so the third call still waits.
    assert_eq!(ADAPTIVE.limit(), 1);
    assert_eq!(gauge(ADAPTIVE_LIMIT, "adaptive_patient"), 1.0);
    assert_eq!(gauge(PERMITS_IN_USE, "adaptive_patient"), 1.0);
    long.await.unwrap().unwrap();
    waiting.await.unwrap().unwrap();
    assert_eq!(gauge(PERMITS_IN_USE, "adaptive_patient"), 0.0);
    // The third waited for the long call to end, at 200ms.
    assert_eq!(values(PERMIT_WAIT, "adaptive_patient"), [0.0, 0.0, 0.2]);
    assert_eq!(count(CALLS, "adaptive_patient", None), 3);
    // The rejected call never held a permit.
    assert!(values(PERMIT_WAIT, "adaptive_impatient").is_empty());
    assert_eq!(gauge(PERMITS_IN_USE, "adaptive_impatient"), 0.0);
}

static HEDGED_RUNS: AtomicU32 = AtomicU32::new(0);
static HEDGED_DELAYS: Mutex<&[u64]> = Mutex::new(&[]);

/// Run `k` of a call takes the `k`th of the delays set for the call.
#[hedged(after = "50ms", max = 2)]
async fn hedgy() -> usize {
    let run = HEDGED_RUNS.fetch_add(1, Ordering::SeqCst) as usize;
    let delay = HEDGED_DELAYS.lock().unwrap()[run];
    sleep(MS(delay)).await;
    run
}

async fn hedgy_with(delays: &'static [u64]) -> usize {
    HEDGED_RUNS.store(0, Ordering::SeqCst);
    *HEDGED_DELAYS.lock().unwrap() = delays;
    hedgy().await
}

#[tokio::test(start_paused = true)]
async fn each_hedge_started_is_counted_and_so_is_a_call_a_hedge_answers() {
    LazyLock::force(&STORE);
    // Done before the first hedge.
    assert_eq!(hedgy_with(&[10]).await, 0);
    assert_eq!(count(HEDGES, "hedgy", None), 0);
    // One hedge; the first run still wins.
    assert_eq!(hedgy_with(&[60, 1000]).await, 0);
    assert_eq!(count(HEDGES, "hedgy", None), 1);
    assert_eq!(count(HEDGE_WINS, "hedgy", None), 0);
    // Two hedges; the second answers.
    assert_eq!(hedgy_with(&[1000, 1000, 5]).await, 2);
    assert_eq!(count(HEDGES, "hedgy", None), 3);
    assert_eq!(count(HEDGE_WINS, "hedgy", None), 1);
    assert_eq!(count(CALLS, "hedgy", None), 3);
}

static SHARED_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn shared(n: u64) -> u64 {
    SHARED_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(MS(100)).await;
    n * 2
}

#[tokio::test(start_paused = true)]
async fn each_call_that_joins_a_run_in_flight_is_counted() {
    LazyLock::force(&STORE);
    // Five calls of key 1 and two of key 2 at once: two runs, five joins.
    let calls: Vec<_> = [1, 1, 1, 2, 1, 2, 1]
        .into_iter()
        .map(|n| tokio::spawn(shared(n)))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(SHARED_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(count(COALESCED, "shared", None), 5);
    // After the runs: a call of its own.
    assert_eq!(shared(1).await, Ok(2));
    assert_eq!(SHARED_RUNS.load(Ordering::SeqCst), 3);
    assert_eq!(count(COALESCED, "shared", None), 5);
}
