//! `#[coalesce]` against a hand-written single flight and against tower-resilience's coalesce
//! layer, in the same run.
//!
//! - `coalesce_alone/*`: the per-call cost with no concurrency (every call starts and ends a run of
//!   its own) on a body that never yields, so the single flight's own cost dominates.
//! - `coalesce_shared/*`: 100 callers of one key, polled together in one task, on a body that
//!   yields once (so that the other 99 join the first one's run); the figure is per batch of 100.
//!
//! Every case runs on a current-thread tokio runtime, `iters` calls (or batches) inside one
//! `block_on`, timed inside it.
//!
//! ```text
//! cargo bench --bench coalesce
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use tokio::runtime::Runtime;
use tokio::sync::OnceCell;
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

/// The callers of one key in the shared case.
const CALLERS: usize = 100;

async fn body(x: u64, pend: bool) -> u64 {
    if pend {
        tokio::task::yield_now().await;
    }
    black_box(x) + 1
}

#[taskward::coalesce]
async fn taskward_alone(x: u64) -> u64 {
    body(x, false).await
}

#[taskward::coalesce]
async fn taskward_shared(x: u64) -> u64 {
    body(x, true).await
}

/// A single flight as it is commonly written by hand: a map from the key to a `OnceCell` that the
/// callers share; the first to reach it runs the body, the others wait for the cell; the entry
/// is removed after. (It differs from `#[coalesce]` in what a cancelled first caller does: the
/// next waiter runs the body again from the start.)
macro_rules! hand_written {
    ($name:ident, $pend:expr) => {
        async fn $name(x: u64) -> u64 {
            static IN_FLIGHT: LazyLock<Mutex<HashMap<u64, Arc<OnceCell<u64>>>>> =
                LazyLock::new(|| Mutex::new(HashMap::new()));
            let cell = {
                let mut map = IN_FLIGHT.lock().unwrap();
                Arc::clone(map.entry(x).or_default())
            };
            let value = *cell.get_or_init(|| body(x, $pend)).await;
            let mut map = IN_FLIGHT.lock().unwrap();
            if map.get(&x).is_some_and(|entry| Arc::ptr_eq(entry, &cell)) {
                map.remove(&x);
            }
            value
        }
    };
}

hand_written!(hand_written_alone, false);
hand_written!(hand_written_shared, true);

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

/// Polls every future in one task until all are done.
async fn join_all<F: Future>(futures: &mut [Pin<&mut F>]) {
    let mut done = vec![false; futures.len()];
    poll_fn(|cx| {
        let mut pending = false;
        for (future, done) in futures.iter_mut().zip(done.iter_mut()) {
            if !*done {
                match future.as_mut().poll(cx) {
                    Poll::Ready(output) => {
                        black_box(output);
                        *done = true;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}

/// `iters` batches of `CALLERS` concurrent calls with one key (a new key for each batch).
async fn batches<F, Fut>(iters: u64, call: F) -> Duration
where
    F: Fn(u64) -> Fut,
    Fut: Future,
{
    let start = Instant::now();
    for i in 0..iters {
        let mut futures: Vec<Pin<Box<Fut>>> =
            (0..CALLERS).map(|_| Box::pin(call(black_box(i)))).collect();
        let mut pinned: Vec<Pin<&mut Fut>> = futures.iter_mut().map(Pin::as_mut).collect();
        join_all(&mut pinned).await;
    }
    start.elapsed()
}

fn case_alone_taskward(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(calls(iters, taskward_alone))
}

fn case_alone_hand_written(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(calls(iters, hand_written_alone))
}

fn case_alone_plain(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(calls(iters, |x| body(x, false)))
}

fn case_shared_taskward(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(batches(iters, taskward_shared))
}

fn case_shared_hand_written(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(batches(iters, hand_written_shared))
}

fn case_shared_plain(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(batches(iters, |x| body(x, true)))
}

/// tower-resilience's coalesce layer keyed on the request, over the same body, driven as tower's
/// callers do: `ready().await`, then `call()`.
fn tower_resilience(
    pend: bool,
) -> impl Service<u64, Response = u64, Future: Send, Error: std::fmt::Debug> + Clone {
    use tower_resilience::coalesce::CoalesceLayer;
    ServiceBuilder::new()
        .layer(CoalesceLayer::new(|x: &u64| *x))
        .service(service_fn(move |x: u64| async move {
            Ok::<_, Infallible>(body(x, pend).await)
        }))
}

fn case_alone_tower_resilience(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(async {
        let mut service = tower_resilience(false);
        let start = Instant::now();
        for i in 0..iters {
            let ready = service.ready().await.expect("never fails");
            let _ = black_box(ready.call(black_box(i)).await);
        }
        start.elapsed()
    })
}

fn case_shared_tower_resilience(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(async {
        let mut service = tower_resilience(true);
        let start = Instant::now();
        for i in 0..iters {
            let mut futures = Vec::with_capacity(CALLERS);
            for _ in 0..CALLERS {
                let ready = service.ready().await.expect("never fails");
                futures.push(Box::pin(ready.call(black_box(i))));
            }
            let mut pinned: Vec<_> = futures.iter_mut().map(Pin::as_mut).collect();
            join_all(&mut pinned).await;
        }
        start.elapsed()
    })
}

type Case = fn(&Runtime, u64) -> Duration;

const CASES: &[(&str, &str, Case)] = &[
    ("coalesce_alone", "plain", case_alone_plain),
    ("coalesce_alone", "taskward", case_alone_taskward),
    ("coalesce_alone", "hand_written", case_alone_hand_written),
    (
        "coalesce_alone",
        "tower_resilience",
        case_alone_tower_resilience,
    ),
    ("coalesce_shared", "plain", case_shared_plain),
    ("coalesce_shared", "taskward", case_shared_taskward),
    ("coalesce_shared", "hand_written", case_shared_hand_written),
    (
        "coalesce_shared",
        "tower_resilience",
        case_shared_tower_resilience,
    ),
];

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

fn coalesce(c: &mut Criterion) {
    let rt = runtime();
    let mut cases = CASES.iter().peekable();
    while let Some(&&(name, _, _)) = cases.peek() {
        let mut group = c.benchmark_group(name);
        while let Some(&(_, variant, case)) = cases.next_if(|(group, _, _)| *group == name) {
            group.bench_function(variant, |b| b.iter_custom(|iters| case(&rt, iters)));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .noise_threshold(0.03);
    targets = coalesce
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
