//! Per-call overhead of taskward's wrappers against the hand-written tokio code they replace, and
//! against tower's layers, on a trivial body that never yields (so the wrapper's cost dominates).
//!
//! Every case runs on a current-thread tokio runtime: one `block_on` per criterion sample, around
//! an inner loop of `iters` calls (`iter_custom`), so neither the runtime's entry nor the clock
//! read of the sample is in the figure. Groups pair the cases: `bounded/taskward` against
//! `bounded/hand_written`, and so on; `stack/tower` is the tower equivalent of `stack/*`, and
//! `retry/backon` the backon equivalent of `retry/*`.
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
// (h) blocking work on tokio's blocking pool: a call is a round trip to a pool thread, so the
// figure is mostly tokio's (the hand-off and the wake-up), the same on both sides

#[taskward::blocking]
fn blocking_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

async fn blocking_hand_written(x: u64) -> Result<u64, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || black_box(x) + 1).await
}

// (h) retry: the success path (the first attempt succeeds), with `#[retry]`'s defaults (3
// attempts, a backoff from 100ms doubling to 5s, jittered, the retry budget on), against the loop
// a service writes by hand and against backon

#[taskward::retry]
async fn retry_taskward(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x) + 1)
}

/// A retry loop with the same policy: up to 3 attempts, a backoff from 100ms doubling to 5s.
async fn retry_hand_written(x: u64) -> Result<u64, std::io::Error> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match async move { Ok::<_, std::io::Error>(black_box(x) + 1) }.await {
            Ok(value) => return Ok(value),
            Err(err) if attempt == 3 => return Err(err),
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
        }
    }
}

// (h) a rate limit, so high that no call waits: what each call pays for its slot. Against
// governor used by hand, with its default clock (quanta, read from the TSC, which a paused tokio
// clock does not drive) and with a clock over tokio's `Instant` (what a test on a paused clock
// needs, and what `#[rate_limited]` reads), both waiting on tokio's timer when a call is early.

#[taskward::rate_limited(1_000_000_000, per = "1s")]
async fn rate_limited_taskward(x: u64) -> u64 {
    black_box(x) + 1
}

mod by_hand {
    use std::num::NonZeroU32;
    use std::ops::Add;
    use std::sync::LazyLock;
    use std::time::Duration;

    use governor::clock::{Clock, Reference};
    use governor::middleware::NoOpMiddleware;
    use governor::nanos::Nanos;
    use governor::state::{InMemoryState, NotKeyed};
    use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

    /// A billion a second: as `#[rate_limited(1_000_000_000, per = "1s")]`.
    fn quota() -> Quota {
        Quota::per_second(NonZeroU32::new(1_000_000_000).expect("not zero"))
    }

    /// governor's default clock (quanta).
    pub static QUANTA: LazyLock<DefaultDirectRateLimiter> =
        LazyLock::new(|| RateLimiter::direct(quota()));

    /// An instant of tokio's clock, for governor.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub struct TokioInstant(tokio::time::Instant);

    impl Add<Nanos> for TokioInstant {
        type Output = Self;
        fn add(self, other: Nanos) -> Self {
            TokioInstant(self.0 + Duration::from(other))
        }
    }

    impl Reference for TokioInstant {
        fn duration_since(&self, earlier: Self) -> Nanos {
            self.0.saturating_duration_since(earlier.0).into()
        }
        fn saturating_sub(&self, duration: Nanos) -> Self {
            TokioInstant(self.0.checked_sub(duration.into()).unwrap_or(self.0))
        }
    }

    /// tokio's clock, which a paused test clock drives.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct TokioClock;

    impl Clock for TokioClock {
        type Instant = TokioInstant;
        fn now(&self) -> TokioInstant {
            TokioInstant(tokio::time::Instant::now())
        }
    }

    pub static TOKIO: LazyLock<
        RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>,
    > = LazyLock::new(|| RateLimiter::direct_with_clock(quota(), TokioClock));

    /// Waits until `limiter` lets a call through, sleeping on tokio's timer.
    pub async fn ready<C: Clock>(
        limiter: &RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
    ) where
        C::Instant: Reference,
    {
        while let Err(not_until) = limiter.check() {
            tokio::time::sleep(not_until.wait_time_from(limiter.clock().now())).await;
        }
    }
}

/// backon's `Retryable` with the same policy (`with_max_times` counts retries: 2 is 3 attempts),
/// sleeping on tokio's timer.
async fn retry_backon(x: u64) -> Result<u64, std::io::Error> {
    use backon::Retryable;
    let policy = backon::ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(2)
        .with_jitter();
    (|| async move { Ok::<_, std::io::Error>(black_box(x) + 1) })
        .retry(policy)
        .sleep(tokio::time::sleep)
        .await
}

async fn rate_limited_governor(x: u64) -> u64 {
    by_hand::ready(&by_hand::QUANTA).await;
    black_box(x) + 1
}

async fn rate_limited_governor_tokio_clock(x: u64) -> u64 {
    by_hand::ready(&by_hand::TOKIO).await;
    black_box(x) + 1
}

/// governor on tokio's clock that also counts the calls that start, as `RateLimit::started`
/// does: the same figures as `#[rate_limited]`, for one more atomic read-modify-write per call.
async fn rate_limited_governor_tokio_clock_counted(x: u64) -> u64 {
    static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    by_hand::ready(&by_hand::TOKIO).await;
    STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    black_box(x) + 1
}
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
        return Err(taskward::Error::circuit_open("overhead::breaker"));
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
    case_blocking_taskward => blocking_taskward;
    case_blocking_hand_written => blocking_hand_written;
    case_retry_taskward => retry_taskward;
    case_retry_hand_written => retry_hand_written;
    case_retry_backon => retry_backon;
    case_rate_limited_taskward => rate_limited_taskward;
    case_rate_limited_governor => rate_limited_governor;
    case_rate_limited_governor_tokio_clock => rate_limited_governor_tokio_clock;
    case_rate_limited_governor_tokio_clock_counted => rate_limited_governor_tokio_clock_counted;
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
    ("blocking", "taskward", case_blocking_taskward),
    ("blocking", "hand_written", case_blocking_hand_written),
    ("retry", "taskward", case_retry_taskward),
    ("retry", "hand_written", case_retry_hand_written),
    ("retry", "backon", case_retry_backon),
    ("rate_limited", "taskward", case_rate_limited_taskward),
    ("rate_limited", "governor", case_rate_limited_governor),
    (
        "rate_limited",
        "governor_tokio_clock",
        case_rate_limited_governor_tokio_clock,
    ),
    (
        "rate_limited",
        "governor_tokio_clock_counted",
        case_rate_limited_governor_tokio_clock_counted,
    ),
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
