//! The metrics of the fleet limits (feature `metrics`; `.ci/run` runs this file with
//! `cargo test -p taskward-fleet-tests --features metrics`), read back from a recorder of the
//! test's own: first with no fleet installed (no Redis needed), then against a real
//! `redis-server` with a password, up and then stopped. A binary of its own: the recorder and the
//! installed fleet are the process's.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use taskward::fleet::{FleetFigures, Unavailable};
use taskward::metrics::{FLEET_ERRORS, FLEET_ROUND_TRIP, FLEET_UNAVAILABLE};
use taskward::{Bulkhead, Error, RateLimit, bounded, rate_limited};
use taskward_fleet_tests::RedisServer;

/// One metric: a counter's count, a histogram's values.
#[derive(Default)]
struct Cell {
    count: Mutex<u64>,
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
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, _: f64) {}
}

impl HistogramFn for Cell {
    fn record(&self, value: f64) {
        self.values.lock().unwrap().push(value);
    }
}

/// The metrics recorded, by `name{label=value,..}`.
#[derive(Default)]
struct Store(Mutex<BTreeMap<String, Arc<Cell>>>);

fn render(name: &str, labels: impl Iterator<Item = String>) -> String {
    format!("{name}{{{}}}", labels.collect::<Vec<_>>().join(","))
}

impl Store {
    fn cell(&self, key: &Key) -> Arc<Cell> {
        let labels = key.labels().map(|l| format!("{}={}", l.key(), l.value()));
        let name = render(key.name(), labels);
        Arc::clone(self.0.lock().unwrap().entry(name).or_default())
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

fn cell(metric: &str, limit: &str, kind: &str, outcome: Option<&str>) -> Option<Arc<Cell>> {
    let mut labels = vec![format!("limit={limit}"), format!("kind={kind}")];
    labels.extend(outcome.map(|o| format!("outcome={o}")));
    let name = render(metric, labels.into_iter());
    STORE.0.lock().unwrap().get(&name).cloned()
}

/// What the metrics of one fleet limit say, in the shape of its [`FleetFigures`].
#[derive(Debug, PartialEq, Eq)]
struct Read {
    errors: u64,
    passed: u64,
    failed: u64,
    round_trips: u64,
}

fn read(limit: &str, kind: &str) -> Read {
    let count = |metric, outcome| {
        cell(metric, limit, kind, outcome).map_or(0, |c| *c.count.lock().unwrap())
    };
    let round_trips = cell(FLEET_ROUND_TRIP, limit, kind, None)
        .map_or(0, |c| c.values.lock().unwrap().len() as u64);
    Read {
        errors: count(FLEET_ERRORS, None),
        passed: count(FLEET_UNAVAILABLE, Some("passed")),
        failed: count(FLEET_UNAVAILABLE, Some("failed")),
        round_trips,
    }
}

fn figures(f: FleetFigures) -> Read {
    Read {
        errors: f.redis_errors,
        passed: f.passed_unavailable,
        failed: f.failed_unavailable,
        round_trips: f.steps,
    }
}

static FAILING: Bulkhead = Bulkhead::fleet("metered-fail", 2);
static PASSING: Bulkhead = Bulkhead::fleet("metered-allow", 2).on_unavailable(Unavailable::Allow);
static RATE: RateLimit = RateLimit::fleet("metered-rate", 100, Duration::from_secs(1));

#[bounded(in = FAILING, wait = "1s")]
async fn failing() {}

#[bounded(in = PASSING, wait = "1s")]
async fn passing() {}

#[rate_limited(in = RATE, wait = "1s")]
async fn rate() {}

const PASSWORD: &str = "metered-secret";

#[test]
fn the_fleet_limits_record_redis_errors_round_trips_and_the_calls_of_an_outage() {
    LazyLock::force(&STORE);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let read_all = || {
        [
            read("metered-fail", "bulkhead"),
            read("metered-allow", "bulkhead"),
            read("metered-rate", "rate_limit"),
        ]
    };
    let expect = |errors, passed, failed, round_trips| Read {
        errors,
        passed,
        failed,
        round_trips,
    };

    // No fleet installed: each step fails at once.
    runtime.block_on(async {
        let err = failing().await.expect_err("no fleet");
        assert!(
            matches!(
                err,
                Error::LimitUnavailable {
                    limit: "metered-fail",
                    ..
                }
            ),
            "{err}"
        );
        passing().await.expect("Allow goes ahead");
        rate().await.expect_err("no fleet");
    });
    assert_eq!(
        read_all(),
        [expect(1, 0, 1, 0), expect(1, 1, 0, 0), expect(1, 0, 1, 0)]
    );

    let Some(mut server) = RedisServer::start_with(&["--requirepass", PASSWORD]) else {
        return;
    };
    let url = format!("redis://:{PASSWORD}@127.0.0.1:{}", server.port());
    runtime.block_on(async {
        taskward::fleet::connect(url)
            .prefix("metered")
            .install()
            .await
            .expect("the fleet connects");
        // Up: one round trip per call, no error.
        for _ in 0..3 {
            failing().await.expect("Redis is up");
        }
        passing().await.expect("Redis is up");
        rate().await.expect("Redis is up");
        rate().await.expect("Redis is up");
    });
    assert_eq!(
        read_all(),
        [expect(1, 0, 1, 3), expect(1, 1, 0, 1), expect(1, 0, 1, 2)]
    );
    // The round trips are those the limit's figures sum (in whole microseconds there).
    let trips = cell(FLEET_ROUND_TRIP, "metered-fail", "bulkhead", None).unwrap();
    let trips = trips.values.lock().unwrap().clone();
    let kept = FAILING.fleet_figures().unwrap();
    let total_us: f64 = trips.iter().map(|s| s * 1e6).sum();
    #[allow(clippy::cast_precision_loss)]
    let (kept_total, kept_max) = (kept.latency_total_us as f64, kept.latency_max_us as f64);
    assert!(
        total_us >= kept_total && total_us < kept_total + 3.0,
        "{trips:?} {kept:?}"
    );
    let max_us = trips.iter().fold(0.0f64, |a, &s| a.max(s * 1e6));
    assert!(
        max_us >= kept_max && max_us < kept_max + 1.0,
        "{trips:?} {kept:?}"
    );

    // Stopped: one failed step per call, then the call's outcome.
    server.stop();
    runtime.block_on(async {
        failing().await.expect_err("Redis is away");
        passing().await.expect("Allow goes ahead");
        passing().await.expect("Allow goes ahead");
        rate().await.expect_err("Redis is away");
    });
    assert_eq!(
        read_all(),
        [expect(2, 0, 2, 3), expect(3, 3, 0, 1), expect(2, 0, 2, 2)]
    );

    // The metrics agree with the figures the limits keep, and no label holds the URL or its
    // password.
    let kept = [&FAILING, &PASSING].map(|b| figures(b.fleet_figures().unwrap()));
    assert_eq!(read_all()[..2], kept);
    assert_eq!(read_all()[2], figures(RATE.fleet_figures().unwrap()));
    for name in STORE.0.lock().unwrap().keys() {
        assert!(
            !name.contains(PASSWORD) && !name.contains("127.0.0.1"),
            "{name}"
        );
    }
}
