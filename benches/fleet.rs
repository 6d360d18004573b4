//! What a call through a fleet limit costs on loopback, against the same call through a local
//! limit, in the same run: `cargo bench --bench fleet --features redis`. Against a
//! `redis-server` that the bench starts on a free port (skipped, saying why, without one).
//!
//! - `fleet_rate`: `#[rate_limited(in = ..)]` with a rate no call waits for (a billion a second),
//!   local (`RateLimit::new`) and fleet (`RateLimit::fleet`: one script per call).
//! - `fleet_bulkhead`: `#[bounded(in = ..)]` with more permits than calls at once, local and fleet
//!   (one script per call, and a release that the connection's thread sends in batches).
//!
//! Then, outside criterion, what one key sustains: 64 calls at once on one fleet rate limit for
//! two seconds, and the calls a second that Redis admitted (printed).

#[allow(dead_code)]
#[path = "../fleet-tests/src/server.rs"]
mod server;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use taskward::{Bulkhead, RateLimit, bounded, rate_limited};
use tokio::runtime::Runtime;

static LOCAL_RATE: RateLimit = RateLimit::new(1_000_000_000, Duration::from_secs(1));
static FLEET_RATE: RateLimit = RateLimit::fleet("bench-rate", 1_000_000, Duration::from_secs(1));
static LOCAL_BULKHEAD: Bulkhead = Bulkhead::new(1_000);
static FLEET_BULKHEAD: Bulkhead = Bulkhead::fleet("bench-bulkhead", 1_000);
static SUSTAINED: RateLimit =
    RateLimit::fleet("bench-sustained", 1_000_000, Duration::from_secs(1));

#[rate_limited(in = LOCAL_RATE)]
async fn rate_local(x: u64) -> u64 {
    black_box(x)
}

#[rate_limited(in = FLEET_RATE)]
async fn rate_fleet(x: u64) -> u64 {
    black_box(x)
}

#[bounded(in = LOCAL_BULKHEAD)]
async fn bulkhead_local(x: u64) -> u64 {
    black_box(x)
}

#[bounded(in = FLEET_BULKHEAD)]
async fn bulkhead_fleet(x: u64) -> u64 {
    black_box(x)
}

#[rate_limited(in = SUSTAINED)]
async fn sustained() {}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

macro_rules! case {
    ($rt:expr, $iters:expr, $call:ident) => {
        $rt.block_on(async {
            let start = std::time::Instant::now();
            for i in 0..$iters {
                black_box($call(i).await);
            }
            start.elapsed()
        })
    };
}

fn fleet(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("fleet_rate");
    group.bench_function("local", |b| b.iter_custom(|n| case!(rt, n, rate_local)));
    group.bench_function("fleet", |b| b.iter_custom(|n| case!(rt, n, rate_fleet)));
    group.finish();
    let mut group = c.benchmark_group("fleet_bulkhead");
    group.bench_function("local", |b| b.iter_custom(|n| case!(rt, n, bulkhead_local)));
    group.bench_function("fleet", |b| b.iter_custom(|n| case!(rt, n, bulkhead_fleet)));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = fleet
}

/// 64 calls at once on one key for two seconds: the calls a second one key sustains.
fn sustained_per_key() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let calls = rt.block_on(async {
        let end = tokio::time::Instant::now() + Duration::from_secs(2);
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while tokio::time::Instant::now() < end {
                        sustained().await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut calls = 0;
        for task in tasks {
            calls += task.await.expect("task");
        }
        calls
    });
    let figures = SUSTAINED.fleet_figures().expect("a fleet limit");
    println!(
        "one key, 64 calls at once from one process for 2s: {} calls a second admitted by Redis \
         (mean round trip {:?}, largest {}us)",
        calls / 2,
        figures.mean_latency(),
        figures.latency_max_us
    );
}

fn main() {
    let Some(redis) = server::RedisServer::start() else {
        return;
    };
    runtime()
        .block_on(
            taskward::fleet::connect(redis.url())
                .prefix("bench")
                .deadline(Duration::from_secs(1))
                .install(),
        )
        .expect("the fleet connects");
    benches();
    sustained_per_key();
    Criterion::default().configure_from_args().final_summary();
    drop(redis);
}
