//! Per-call cost of `#[bounded(adaptive)]` against a fixed `#[bounded(8)]`, the hand-written
//! equivalents (a tokio `Semaphore` alone, and one with an AIMD update per call), and
//! tower-resilience's adaptive concurrency layer, in the same run, on a trivial body that never
//! yields (so the limit's cost dominates), uncontended.
//!
//! Every case runs on a current-thread tokio runtime: one `block_on` per criterion sample, around
//! an inner loop of `iters` calls (`iter_custom`), as `benches/overhead.rs` does.
//!
//! ```text
//! cargo bench --bench adaptive
//! ```
//!
//! What each call of `#[bounded(adaptive)]` does beyond a fixed limit: two clock reads (admission
//! and end) and one short lock (the sample, the limit moved, the permit given back). On the
//! machine it was written on, the clock reads were most of it: compare `taskward_aimd` with
//! `hand_written_aimd`, which does the same by hand.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use taskward::bounded;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

#[bounded(adaptive)]
async fn adaptive_aimd(x: u64) -> u64 {
    black_box(x) + 1
}

#[bounded(adaptive, algorithm = vegas)]
async fn adaptive_vegas(x: u64) -> u64 {
    black_box(x) + 1
}

#[bounded(8)]
async fn fixed(x: u64) -> u64 {
    black_box(x) + 1
}

async fn semaphore(x: u64) -> u64 {
    static LIMIT: Semaphore = Semaphore::const_new(8);
    let _permit = LIMIT.acquire().await.expect("never closed");
    black_box(x) + 1
}

/// What an adaptive limit written by hand does per call: a permit, the clock read at admission
/// and at the end, and an AIMD step under a lock (a moving average against its lowest, +1/limit
/// or ×0.9); the semaphore is not resized, the least a hand-written version could do.
async fn hand_written_aimd(x: u64) -> u64 {
    struct Aimd {
        limit: f64,
        smoothed: f64,
        baseline: f64,
    }
    static LIMIT: Semaphore = Semaphore::const_new(8);
    static STATE: Mutex<Aimd> = Mutex::new(Aimd {
        limit: 8.0,
        smoothed: 0.0,
        baseline: f64::INFINITY,
    });
    let permit = LIMIT.acquire().await.expect("never closed");
    let admitted = tokio::time::Instant::now();
    let value = black_box(x) + 1;
    #[allow(clippy::cast_precision_loss)]
    let latency = admitted.elapsed().as_nanos() as f64;
    {
        let mut state = STATE.lock().expect("never poisoned");
        state.smoothed += 0.1 * (latency.max(1e5) - state.smoothed);
        state.baseline = state.baseline.min(state.smoothed);
        if state.smoothed > 1.5 * state.baseline {
            state.limit = (state.limit * 0.9).max(1.0);
        } else {
            state.limit = (state.limit + 1.0 / state.limit).min(128.0);
        }
        black_box(state.limit);
    }
    drop(permit);
    value
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

macro_rules! cases {
    ($($case:ident => $call:path;)*) => {
        $(
            #[inline(never)]
            fn $case(rt: &Runtime, iters: u64) -> Duration {
                rt.block_on(calls(iters, $call))
            }
        )*
    };
}

cases! {
    case_taskward_aimd => adaptive_aimd;
    case_taskward_vegas => adaptive_vegas;
    case_taskward_fixed => fixed;
    case_semaphore => semaphore;
    case_hand_written_aimd => hand_written_aimd;
}

/// tower-resilience's `AdaptiveLimiterLayer` with AIMD, between 1 and 128 from 8 (as
/// `#[bounded(adaptive)]`'s defaults), driven as tower's callers do: `ready().await`, then
/// `call()`.
#[inline(never)]
fn case_tower_resilience(rt: &Runtime, iters: u64) -> Duration {
    use tower_resilience::adaptive::{AdaptiveLimiterLayer, Aimd};
    rt.block_on(async {
        let aimd = Aimd::builder()
            .initial_limit(8)
            .min_limit(1)
            .max_limit(128)
            .latency_threshold(Duration::from_millis(100))
            .build()
            .expect("a valid configuration");
        let mut service = ServiceBuilder::new()
            .layer(AdaptiveLimiterLayer::new(aimd))
            .service(service_fn(|x: u64| async move {
                Ok::<_, Infallible>(black_box(x) + 1)
            }));
        let start = Instant::now();
        for i in 0..iters {
            let ready = service.ready().await.expect("never fails");
            let _ = black_box(ready.call(black_box(i)).await);
        }
        start.elapsed()
    })
}

type Case = fn(&Runtime, u64) -> Duration;

const CASES: &[(&str, Case)] = &[
    ("taskward_aimd", case_taskward_aimd),
    ("taskward_vegas", case_taskward_vegas),
    ("taskward_fixed_8", case_taskward_fixed),
    ("semaphore", case_semaphore),
    ("hand_written_aimd", case_hand_written_aimd),
    ("tower_resilience", case_tower_resilience),
];

fn adaptive(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let mut group = c.benchmark_group("adaptive");
    for &(variant, case) in CASES {
        group.bench_function(variant, |b| b.iter_custom(|iters| case(&rt, iters)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .noise_threshold(0.03);
    targets = adaptive
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
