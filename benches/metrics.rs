//! What the feature `metrics` costs a call: `#[bounded(8)]` and `#[with_timeout("1s")]` on a body
//! that never yields, built with the feature, with no recorder installed (the facade's no-op) and
//! with a recorder of atomic cells behind a map of its keys (what an exporter does per event: a
//! lookup, then an atomic add), against the hand-written equivalent in the same run.
//!
//! ```text
//! cargo bench --bench metrics --features metrics
//! cargo bench --bench overhead -- bounded                     # the same calls without the feature
//! cargo bench --bench overhead --features metrics -- bounded  # with it, no recorder
//! ```
//!
//! Cases as in `benches/overhead.rs`: a current-thread runtime, one `block_on` per sample around
//! `iters` calls.

use std::collections::HashMap;
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use taskward::{bounded, with_timeout};
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

#[bounded(8)]
async fn bounded_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

async fn bounded_hand_written(x: u64) -> u64 {
    static LIMIT: Semaphore = Semaphore::const_new(8);
    let _permit = LIMIT.acquire().await.expect("never closed");
    black_box(x) + 1
}

#[with_timeout("1s")]
async fn timeout_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

async fn timeout_hand_written(x: u64) -> Result<u64, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(1), async move { black_box(x) + 1 }).await
}

/// A counter, a gauge (`f64` bits) or a histogram (its count and the sum's bits).
#[derive(Default)]
struct Cell {
    value: AtomicU64,
    count: AtomicU64,
}

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        self.value.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.value.fetch_max(value, Ordering::Relaxed);
    }
}

impl Cell {
    fn add(&self, delta: f64) {
        let _ = self
            .value
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + delta).to_bits())
            });
    }
}

impl GaugeFn for Cell {
    fn increment(&self, value: f64) {
        self.add(value);
    }
    fn decrement(&self, value: f64) {
        self.add(-value);
    }
    fn set(&self, value: f64) {
        self.value.store(value.to_bits(), Ordering::Relaxed);
    }
}

impl HistogramFn for Cell {
    fn record(&self, value: f64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.add(value);
    }
}

/// The cells by key: a read lock and a lookup per event, a write on a key's first event.
#[derive(Default)]
struct Cells(RwLock<HashMap<Key, Arc<Cell>>>);

impl Cells {
    fn cell(&self, key: &Key) -> Arc<Cell> {
        if let Some(cell) = self.0.read().expect("not poisoned").get(key) {
            return Arc::clone(cell);
        }
        let mut cells = self.0.write().expect("not poisoned");
        Arc::clone(cells.entry(key.clone()).or_default())
    }
}

impl Recorder for Cells {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.cell(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.cell(key))
    }
}

async fn calls<F, Fut>(iters: u64, call: F) -> Duration
where
    F: Fn(u64) -> Fut,
    Fut: Future,
{
    let start = Instant::now();
    for i in 0..iters {
        black_box(call(black_box(i)).await);
    }
    start.elapsed()
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

fn cost(c: &mut Criterion) {
    let rt = runtime();
    let cells = Cells::default();
    let ran = std::cell::Cell::new(0);
    let recorded = |run: &dyn Fn() -> Duration| {
        ran.set(ran.get() + 1);
        metrics::with_local_recorder(&cells, run)
    };

    let mut group = c.benchmark_group("metrics_bounded");
    group.bench_function("hand_written", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, bounded_hand_written)));
    });
    group.bench_function("taskward_no_recorder", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, bounded_taskward)));
    });
    group.bench_function("taskward_recorder", |b| {
        b.iter_custom(|iters| recorded(&|| rt.block_on(calls(iters, bounded_taskward))));
    });
    group.finish();

    let mut group = c.benchmark_group("metrics_timeout");
    group.bench_function("hand_written", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, timeout_hand_written)));
    });
    group.bench_function("taskward_no_recorder", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, timeout_taskward)));
    });
    group.bench_function("taskward_recorder", |b| {
        b.iter_custom(|iters| recorded(&|| rt.block_on(calls(iters, timeout_taskward))));
    });
    group.finish();

    // The recorded cases did record: calls counted under the function's label.
    let cells = cells.0.read().expect("not poisoned");
    let counted: u64 = cells
        .iter()
        .filter(|(key, _)| key.name() == taskward::metrics::CALLS)
        .map(|(_, cell)| cell.value.load(Ordering::Relaxed))
        .sum();
    assert!(ran.get() == 0 || counted > 0, "the recorder saw no call");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .noise_threshold(0.03);
    targets = cost
}
criterion_main!(benches);
