//! Fault injection (feature `fault-injection`; `.ci/run` runs this file with
//! `cargo test --features fault-injection --test faults`): a test makes an annotated function fail,
//! panic or wait, by name, and the stack handles the fault as it handles the body's own.
//!
//! Each test injects into functions of its own: the tests of this file run at once.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use taskward::faults::{Fault, inject};
use taskward::{Error, Shutdown, blocking, graceful, retry, supervised, with_timeout};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

#[derive(Debug, PartialEq)]
enum FetchError {
    Taskward(Error),
    Down,
}

impl From<Error> for FetchError {
    fn from(err: Error) -> Self {
        FetchError::Taskward(err)
    }
}

/// A path's last segment is enough to name the function.
fn path(function: &str) -> String {
    format!("{}::{function}", module_path!())
}

static RETRIED_RUNS: AtomicU32 = AtomicU32::new(0);

#[retry(attempts = 3, backoff = "100ms..1s", jitter = false)]
async fn retried() -> Result<u32, FetchError> {
    Ok(RETRIED_RUNS.fetch_add(1, Ordering::SeqCst) + 1)
}

#[tokio::test(start_paused = true)]
async fn a_failure_injected_into_the_first_run_is_retried_away() {
    let injection = inject(&path("retried"), Fault::fail().on_call(1));
    let started = Instant::now();
    // The first run fails before the body starts; the retry after 100ms runs the body once.
    assert_eq!(retried().await, Ok(1));
    assert_eq!(started.elapsed(), MS(100));
    assert_eq!((injection.runs(), injection.hits()), (2, 1));
    assert_eq!(RETRIED_RUNS.load(Ordering::SeqCst), 1);
}

#[retry(attempts = 3, backoff = "100ms..1s", jitter = false)]
async fn always_failing() -> Result<u32, FetchError> {
    Ok(7)
}

#[tokio::test(start_paused = true)]
async fn a_failure_on_every_run_exhausts_the_attempts_with_the_injected_error() {
    let _injection = inject("always_failing", Fault::fail());
    let started = Instant::now();
    let err = always_failing().await.unwrap_err();
    let FetchError::Taskward(err) = err else {
        panic!("expected the injected error, got {err:?}")
    };
    assert!(err.is_injected());
    assert!(matches!(err, Error::Injected { run: 3, .. }));
    assert_eq!(err.function(), path("always_failing"));
    assert_eq!(
        err.to_string(),
        format!(
            "`{}` failed: fault injected (run 3)",
            path("always_failing")
        )
    );
    assert_eq!(started.elapsed(), MS(100 + 200));
}

#[with_timeout("1s")]
async fn lookup() -> u32 {
    sleep(MS(10)).await;
    7
}

#[tokio::test(start_paused = true)]
async fn an_injected_delay_counts_against_the_timeout() {
    assert_eq!(lookup().await, Ok(7));
    let injection = inject("lookup", Fault::delay(Duration::from_secs(2)).on_call(1));
    let started = Instant::now();
    assert!(lookup().await.unwrap_err().is_timeout());
    assert_eq!(started.elapsed(), MS(1_000));
    // The second call after the injection is not delayed.
    assert_eq!(lookup().await, Ok(7));
    assert_eq!(started.elapsed(), MS(1_010));
    assert_eq!((injection.runs(), injection.hits()), (2, 1));
}

static WORKER_RUNS: AtomicU32 = AtomicU32::new(0);

#[supervised(restarts = 3, within = "10s", backoff = "100ms..1s", jitter = false)]
async fn worker() -> Result<u32, FetchError> {
    Ok(WORKER_RUNS.fetch_add(1, Ordering::SeqCst) + 1)
}

#[tokio::test(start_paused = true)]
async fn an_injected_panic_is_caught_and_restarted_by_the_supervisor() {
    taskward::quiet_caught_panics();
    let injection = inject("worker", Fault::panic().first(2));
    let started = Instant::now();
    assert_eq!(worker().await, Ok(1));
    // Two panics, restarted after 100ms and 200ms; the third run is the body's first.
    assert_eq!(started.elapsed(), MS(300));
    assert_eq!((injection.runs(), injection.hits()), (3, 2));
}

#[tokio::test]
async fn an_injected_panic_unwinds_to_the_caller_of_an_unsupervised_function() {
    #[with_timeout("1s")]
    async fn parse() -> u32 {
        1
    }
    let _injection = inject("parse", Fault::panic());
    let panic = tokio::spawn(parse()).await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        &format!("injected panic in `{}` (run 1)", path("parse"))
    );
}

#[with_timeout("1s")]
async fn sampled(n: u32) -> Result<u32, FetchError> {
    Ok(n)
}

/// The runs of `sampled` that fail, of 1000, with `p` and `seed`.
async fn failing_runs(p: f64, seed: u64) -> Vec<u32> {
    let injection = inject("sampled", Fault::fail().probability(p).seed(seed));
    let mut failed = Vec::new();
    for n in 1..=1_000 {
        match sampled(n).await {
            Ok(m) => assert_eq!(m, n),
            Err(FetchError::Taskward(Error::Injected { run, .. })) => {
                assert_eq!(u32::try_from(run).unwrap(), n);
                failed.push(n);
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(injection.runs(), 1_000);
    assert_eq!(injection.hits(), failed.len() as u64);
    failed
}

#[tokio::test]
async fn a_probability_with_a_seed_fails_the_same_runs_each_time() {
    let first = failing_runs(0.2, 42).await;
    // About one run in five, and the same ones again with the same seed.
    assert!((150..250).contains(&first.len()), "{}", first.len());
    assert_eq!(failing_runs(0.2, 42).await, first);
    assert_ne!(failing_runs(0.2, 43).await, first);
    assert!(failing_runs(0.0, 42).await.is_empty());
    assert_eq!(failing_runs(1.0, 42).await.len(), 1_000);
}

#[with_timeout("1s")]
async fn guarded() -> Result<u32, FetchError> {
    Ok(1)
}

#[tokio::test]
async fn dropping_the_guard_removes_the_injection() {
    let injection = inject("guarded", Fault::fail());
    assert!(matches!(guarded().await, Err(FetchError::Taskward(_))));
    drop(injection);
    assert_eq!(guarded().await, Ok(1));
    {
        let _other = inject("guarded", Fault::fail().on_call(2));
        assert_eq!(guarded().await, Ok(1));
        assert!(guarded().await.is_err());
        assert_eq!(guarded().await, Ok(1));
    }
    assert_eq!(guarded().await, Ok(1));
}

#[retry(attempts = 2, backoff = "100ms..1s", jitter = false)]
async fn untouched(fail: bool) -> Result<u32, FetchError> {
    if fail { Err(FetchError::Down) } else { Ok(3) }
}

#[tokio::test(start_paused = true)]
async fn with_nothing_injected_into_it_a_function_behaves_as_without_the_feature() {
    // An injection into another function, and one whose name is a tail of no path.
    let _other = inject("retried_not", Fault::fail());
    let _partial = inject("ntouched", Fault::panic());
    let started = Instant::now();
    assert_eq!(untouched(false).await, Ok(3));
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(untouched(true).await, Err(FetchError::Down));
    assert_eq!(started.elapsed(), MS(100));
}

mod a {
    #[taskward::with_timeout("1s")]
    pub async fn twin() -> u32 {
        1
    }
}

mod b {
    #[taskward::with_timeout("1s")]
    pub async fn twin() -> u32 {
        2
    }
}

#[tokio::test]
async fn a_name_that_matches_two_functions_panics_with_both_paths() {
    let _by_path = inject("b::twin", Fault::delay(MS(1)));
    assert_eq!(a::twin().await, Ok(1));
    let _ambiguous = inject("twin", Fault::delay(MS(1)));
    assert_eq!(a::twin().await, Ok(1));
    let panic = tokio::spawn(b::twin()).await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        &format!(
            "the fault injected into `twin` matches both `{}` and `{}`: write more of the path",
            path("a::twin"),
            path("b::twin"),
        )
    );
}

#[derive(Debug)]
struct OwnError;

#[retry(attempts = 2)]
async fn own_error() -> Result<u32, OwnError> {
    Ok(1)
}

#[with_timeout("1s")]
async fn plain() -> u32 {
    1
}

#[tokio::test]
async fn a_failure_that_the_function_cannot_return_panics_and_says_why() {
    let _own = inject("own_error", Fault::fail());
    let panic = tokio::spawn(own_error()).await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.ends_with("its error type has no `From<taskward::Error>`; inject `Fault::panic()` or `Fault::delay(..)` instead, or implement the conversion"),
        "{message}"
    );

    let _plain = inject("plain", Fault::fail());
    let panic = tokio::spawn(plain()).await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.ends_with(
            "it returns no `Result`; inject `Fault::panic()` or `Fault::delay(..)` instead"
        ),
        "{message}"
    );
}

#[blocking]
fn parse_port(text: String) -> Result<u16, FetchError> {
    text.parse().map_err(|_| FetchError::Down)
}

#[tokio::test]
async fn a_blocking_body_fails_or_panics_on_the_pool() {
    let _fail = inject("parse_port", Fault::fail().on_call(1));
    assert!(matches!(
        parse_port("80".into()).await,
        Err(FetchError::Taskward(Error::Injected { run: 1, .. }))
    ));
    assert_eq!(parse_port("80".into()).await, Ok(80));
    let _panic = inject("parse_port", Fault::panic());
    // `#[blocking]` catches the body's panic: the call fails with `Error::Panicked`.
    assert!(matches!(
        parse_port("80".into()).await,
        Err(FetchError::Taskward(Error::Panicked { .. }))
    ));
}

static JOBS: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

#[graceful(in = &JOBS, cancel)]
async fn job() -> u32 {
    sleep(MS(10)).await;
    1
}

#[tokio::test(start_paused = true)]
async fn a_call_slowed_down_by_an_injected_delay_is_cancelled_by_shutdown() {
    let _slow = inject("job", Fault::delay(Duration::from_secs(60)).on_call(2));
    let fast = tokio::spawn(job());
    let slow = tokio::spawn(job());
    sleep(MS(100)).await;
    assert_eq!(fast.await.unwrap(), Ok(1));
    assert_eq!(JOBS.in_flight(), 1);
    let report = JOBS.drain(MS(500)).await;
    assert_eq!((report.in_flight, report.cancelled), (1, 1));
    assert!(matches!(slow.await.unwrap(), Err(Error::Cancelled { .. })));
}
