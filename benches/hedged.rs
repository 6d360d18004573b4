//! Per-call overhead of `#[hedged]` on a call that ends before its hedge (no hedge starts: the
//! cost every call pays), against the hand-written equivalent (a biased `select!` over the run and
//! a sleep, then over the two runs) and against tower-resilience's hedge layer, in the same run.
//!
//! Two bodies: one that is ready at once (`hedged`: the sleep is made but never polled, so never
//! registered with the timer), and one that is pending once (`hedged_yield`: the sleep is polled,
//! so registered with tokio's timer wheel, and removed from it when the call ends). Every case runs
//! on a current-thread runtime, one `block_on` per criterion sample around `iters` calls.
//!
//! ```text
//! cargo bench --bench hedged
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use taskward::hedged;
use tokio::runtime::Runtime;
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

const AFTER: Duration = Duration::from_secs(1);

async fn body(x: u64, pend: bool) -> u64 {
    if pend {
        tokio::task::yield_now().await;
    }
    black_box(x) + 1
}

async fn plain(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[hedged(after = "1s")]
async fn taskward_fixed(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

#[hedged(after = "p95")]
async fn taskward_p95(x: u64, pend: bool) -> u64 {
    body(x, pend).await
}

/// What `#[hedged(after = "1s")]` replaces: the first run against a sleep; if the sleep wins, the
/// first run against a second one.
async fn hand_written(x: u64, pend: bool) -> u64 {
    let mut first = std::pin::pin!(body(x, pend));
    let sleep = tokio::time::sleep(AFTER);
    tokio::select! {
        biased;
        value = &mut first => return value,
        () = sleep => {}
    }
    let second = body(x, pend);
    tokio::select! {
        biased;
        value = first => value,
        value = second => value,
    }
}

async fn calls<F, Fut>(iters: u64, pend: bool, f: F) -> Duration
where
    F: Fn(u64, bool) -> Fut,
    Fut: Future<Output = u64>,
{
    let start = Instant::now();
    for i in 0..iters {
        black_box(f(black_box(i), pend).await);
    }
    start.elapsed()
}

/// tower-resilience's hedge layer with the same policy (a hedge after 1s, two attempts in all),
/// driven as tower's callers do: `ready().await`, then `call()`.
fn tower_resilience(rt: &Runtime, iters: u64, pend: bool) -> Duration {
    use tower_resilience::hedge::HedgeLayer;
    rt.block_on(async {
        let layer = HedgeLayer::builder()
            .delay(AFTER)
            .max_hedged_attempts(2)
            .build();
        let mut service =
            ServiceBuilder::new()
                .layer(layer)
                .service(service_fn(move |x: u64| async move {
                    Ok::<_, Infallible>(body(x, pend).await)
                }));
        let start = Instant::now();
        for i in 0..iters {
            let ready = service.ready().await.expect("never fails");
            let _ = black_box(ready.call(black_box(i)).await);
        }
        start.elapsed()
    })
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

fn group(c: &mut Criterion, rt: &Runtime, name: &str, pend: bool) {
    let mut group = c.benchmark_group(name);
    group.bench_function("plain_async_fn", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, pend, plain)));
    });
    group.bench_function("taskward", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, pend, taskward_fixed)));
    });
    group.bench_function("taskward_p95", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, pend, taskward_p95)));
    });
    group.bench_function("hand_written", |b| {
        b.iter_custom(|iters| rt.block_on(calls(iters, pend, hand_written)));
    });
    group.bench_function("tower_resilience", |b| {
        b.iter_custom(|iters| tower_resilience(rt, iters, pend));
    });
    group.finish();
}

fn hedged_overhead(c: &mut Criterion) {
    let rt = runtime();
    group(c, &rt, "hedged", false);
    group(c, &rt, "hedged_yield", true);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .noise_threshold(0.03);
    targets = hedged_overhead
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
