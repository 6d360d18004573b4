//! Per-call overhead of taskward's wrappers against the hand-written tokio code they replace, and
//! against tower's layers, on a trivial body that never yields (so the wrapper's cost dominates).
//!
//! Every case runs on a current-thread tokio runtime: one `block_on` per criterion sample, around
//! an inner loop of `iters` calls (`iter_custom`), so neither the runtime's entry nor the clock
//! read of the sample is in the figure. Groups pair the cases: `bounded/taskward` against
//! `bounded/hand_written`, and so on; `stack/tower` is the tower equivalent of `stack/*`, and
//! `breaker/tower_resilience` the circuit breaker of the tower-resilience crate.
//!
//! ```text
//! cargo bench --bench overhead                       # wall time, about a minute
//! cargo bench --bench overhead -- supervised         # one group
//! ```
//!
//! Wall time on a busy machine is noisy; instruction counts are not. With the environment variable
//! `OVERHEAD_CALLGRIND=<calls>` the binary skips criterion and runs each case once for `<calls>`
//! calls, each case in a function of its own (`overhead::case_<group>_<variant>`), for callgrind.
//! Collecting one case at a time gives its instructions per call (total / `<calls>`):
//!
//! ```text
//! cargo bench --bench overhead --no-run   # prints the binary's path
//! OVERHEAD_CALLGRIND=100000 valgrind --tool=callgrind --toggle-collect='overhead::case_graceful_taskward' \
//!     --callgrind-out-file=graceful_taskward.cg target/release/deps/overhead-<hash>
//! callgrind_annotate graceful_taskward.cg | head -30   # PROGRAM TOTALS / 100000
//! ```
//!
//! Instruction counts miss what costs more than an instruction: an uncontended atomic
//! read-modify-write is one instruction of some 20 cycles, a clock read (vDSO) some 20 ns. Compare
//! both figures.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use taskward::{bounded, graceful, supervised, with_timeout};
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

const SECOND: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------------
// (a) no wrapper

async fn plain(x: u64) -> u64 {
    black_box(x) + 1
}

// ---------------------------------------------------------------------------------------------
// (b) a concurrency limit

#[bounded(8)]
async fn bounded_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

async fn bounded_hand_written(x: u64) -> u64 {
    static LIMIT: Semaphore = Semaphore::const_new(8);
    let _permit = LIMIT.acquire().await.expect("never closed");
    black_box(x) + 1
}

// ---------------------------------------------------------------------------------------------
// (c) a deadline

#[with_timeout("1s")]
async fn timeout_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

async fn timeout_hand_written(x: u64) -> Result<u64, tokio::time::error::Elapsed> {
    tokio::time::timeout(SECOND, async move { black_box(x) + 1 }).await
}

// ---------------------------------------------------------------------------------------------
// (d) both, the permit taken outside the deadline; (e) tower's equivalent

#[bounded(8)]
#[with_timeout("1s")]
async fn stack_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

async fn stack_hand_written(x: u64) -> Result<u64, tokio::time::error::Elapsed> {
    static LIMIT: Semaphore = Semaphore::const_new(8);
    let _permit = LIMIT.acquire().await.expect("never closed");
    tokio::time::timeout(SECOND, async move { black_box(x) + 1 }).await
}

// ---------------------------------------------------------------------------------------------
// (f) graceful shutdown: refused once shutdown begins, tracked while running, cancelled at the
// grace deadline

#[graceful]
async fn graceful_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

/// What a service writes by hand: a process-wide token and tracker (as `Shutdown::global()`).
struct Coordinator {
    deadline: CancellationToken,
    tracker: TaskTracker,
}

static COORDINATOR: LazyLock<Coordinator> = LazyLock::new(|| Coordinator {
    deadline: CancellationToken::new(),
    tracker: TaskTracker::new(),
});

#[derive(Debug)]
enum Refused {
    ShuttingDown,
    Cancelled,
}

async fn graceful_hand_written(x: u64) -> Result<u64, Refused> {
    let coordinator = &*COORDINATOR;
    // Registered first, then the flag read: a call is either waited for or refused.
    let _tracked = coordinator.tracker.token();
    if coordinator.tracker.is_closed() {
        return Err(Refused::ShuttingDown);
    }
    // `biased`: the body first, as taskward. (Not `deadline.run_until_cancelled(body)`, an
    // `async fn` that keeps the body's future twice in its state.)
    tokio::select! {
        biased;
        value = async move { black_box(x) + 1 } => Ok(value),
        () = coordinator.deadline.cancelled() => Err(Refused::Cancelled),
    }
}

// ---------------------------------------------------------------------------------------------
// (g) supervision: the success path (the first run succeeds)

#[supervised]
async fn supervised_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

/// A restart loop with the same policy as `#[supervised]`'s defaults (5 restarts, backoff from
/// 100ms doubling to 10s), catching panics of any poll as taskward does.
async fn supervised_hand_written(x: u64) -> Result<u64, String> {
    let mut restarts = 0_u32;
    let mut delay = Duration::from_millis(100);
    loop {
        let mut run = pin!(async move { black_box(x) + 1 });
        let caught = poll_fn(
            |cx| match catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(cx))) {
                Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(payload) => Poll::Ready(Err(payload)),
            },
        )
        .await;
        match caught {
            Ok(value) => return Ok(value),
            Err(_) if restarts < 5 => {
                restarts += 1;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            Err(payload) => {
                return Err(payload
                    .downcast_ref::<&str>()
                    .map_or_else(|| "panicked".to_owned(), |s| (*s).to_owned()));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (h) a circuit breaker, closed: the path of every call while the dependency is healthy

#[taskward::circuit_breaker]
async fn breaker_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

/// What a service writes by hand: a count of failures in a row in an atomic, checked before the
/// call (open at 5) and cleared after a success, only when there is something to clear; failing
/// with the same error as the annotated function.
static HAND_FAILURES: AtomicU32 = AtomicU32::new(0);

async fn breaker_hand_written(x: u64) -> Result<u64, taskward::Error> {
    if HAND_FAILURES.load(Ordering::Acquire) >= 5 {
        return Err(taskward::Error::circuit_open("overhead::breaker", None));
    }
    let value = async move { black_box(x) + 1 }.await;
    if HAND_FAILURES.load(Ordering::Acquire) != 0 {
        HAND_FAILURES.store(0, Ordering::Release);
    }
    Ok(value)
}

/// The same with an error of no size: what the 48 bytes of `Result<u64, taskward::Error>` cost.
async fn breaker_hand_written_small_error(x: u64) -> Result<u64, CircuitOpen> {
    if HAND_FAILURES.load(Ordering::Acquire) >= 5 {
        return Err(CircuitOpen);
    }
    let value = async move { black_box(x) + 1 }.await;
    if HAND_FAILURES.load(Ordering::Acquire) != 0 {
        HAND_FAILURES.store(0, Ordering::Release);
    }
    Ok(value)
}

#[derive(Debug)]
struct CircuitOpen;

// ---------------------------------------------------------------------------------------------
// The cases: `iters` calls inside one `block_on`, timed inside it.

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
    case_plain_async_fn => plain;
    case_bounded_taskward => bounded_taskward;
    case_bounded_hand_written => bounded_hand_written;
    case_timeout_taskward => timeout_taskward;
    case_timeout_hand_written => timeout_hand_written;
    case_stack_taskward => stack_taskward;
    case_stack_hand_written => stack_hand_written;
    case_graceful_taskward => graceful_taskward;
    case_graceful_hand_written => graceful_hand_written;
    case_supervised_taskward => supervised_taskward;
    case_supervised_hand_written => supervised_hand_written;
    case_breaker_taskward => breaker_taskward;
    case_breaker_hand_written => breaker_hand_written;
    case_breaker_hand_written_small_error => breaker_hand_written_small_error;
}

/// `ServiceBuilder::new().concurrency_limit(8).timeout(1s)`, driven as tower's callers do:
/// `ready().await`, then `call()`.
#[inline(never)]
fn case_stack_tower(rt: &Runtime, iters: u64) -> Duration {
    rt.block_on(async {
        let mut service = ServiceBuilder::new()
            .concurrency_limit(8)
            .timeout(SECOND)
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

/// tower-resilience's circuit breaker with the same policy as `#[circuit_breaker]`'s defaults (5
/// failures in a row, open for 30s, 1 probe), driven as tower's callers do.
#[inline(never)]
fn case_breaker_tower_resilience(rt: &Runtime, iters: u64) -> Duration {
    use tower_resilience::circuitbreaker::CircuitBreakerLayer;
    rt.block_on(async {
        let breaker = CircuitBreakerLayer::builder()
            .consecutive_failures(5)
            .wait_duration_in_open(Duration::from_secs(30))
            .permitted_calls_in_half_open(1)
            .build()
            .expect("a valid configuration");
        let mut service =
            ServiceBuilder::new()
                .layer(breaker)
                .service(service_fn(|x: u64| async move {
                    Ok::<_, Infallible>(black_box(x) + 1)
                }));
        let start = Instant::now();
        for i in 0..iters {
            let ready = service.ready().await.expect("closed");
            let _ = black_box(ready.call(black_box(i)).await);
        }
        start.elapsed()
    })
}

type Case = fn(&Runtime, u64) -> Duration;

const CASES: &[(&str, &str, Case)] = &[
    ("plain", "async_fn", case_plain_async_fn),
    ("bounded", "taskward", case_bounded_taskward),
    ("bounded", "hand_written", case_bounded_hand_written),
    ("timeout", "taskward", case_timeout_taskward),
    ("timeout", "hand_written", case_timeout_hand_written),
    ("stack", "taskward", case_stack_taskward),
    ("stack", "hand_written", case_stack_hand_written),
    ("stack", "tower", case_stack_tower),
    ("graceful", "taskward", case_graceful_taskward),
    ("graceful", "hand_written", case_graceful_hand_written),
    ("supervised", "taskward", case_supervised_taskward),
    ("supervised", "hand_written", case_supervised_hand_written),
    ("breaker", "taskward", case_breaker_taskward),
    ("breaker", "hand_written", case_breaker_hand_written),
    (
        "breaker",
        "hand_written_small_error",
        case_breaker_hand_written_small_error,
    ),
    ("breaker", "tower_resilience", case_breaker_tower_resilience),
];

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

fn overhead(c: &mut Criterion) {
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
    targets = overhead
}

/// Each case once, `calls` calls, for callgrind (see the module's docs).
fn callgrind(calls: u64) {
    let rt = runtime();
    for &(name, variant, case) in CASES {
        let elapsed = case(&rt, calls);
        #[allow(clippy::cast_precision_loss)]
        let per_call = elapsed.as_secs_f64() * 1e9 / calls as f64;
        println!("{name}/{variant}: {per_call:.1} ns/call");
    }
}

fn main() {
    if let Some(calls) = std::env::var_os("OVERHEAD_CALLGRIND") {
        let calls = calls
            .to_str()
            .and_then(|calls| calls.parse().ok())
            .expect("OVERHEAD_CALLGRIND=<number of calls>");
        callgrind(calls);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
