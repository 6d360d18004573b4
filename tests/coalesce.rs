//! `#[coalesce]`: concurrent calls with equal keys share one run of the body; a caller that leaves
//! does not cancel the run for the others, the last one does; a panic reaches every caller; the
//! map of runs is emptied as they end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use taskward::{Error, coalesce};
use tokio::time::{Instant, sleep};

static RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn square(n: u64) -> u64 {
    RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(100)).await;
    n * n
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_calls_with_ten_keys_run_the_body_ten_times() {
    let started = Instant::now();
    let calls: Vec<_> = (0..1000u64).map(|i| tokio::spawn(square(i % 10))).collect();
    for (i, call) in (0..1000u64).zip(calls) {
        assert_eq!(call.await.unwrap(), Ok((i % 10) * (i % 10)));
    }
    assert_eq!(RUNS.load(Ordering::SeqCst), 10);
    // They all waited for one run of 100ms.
    assert_eq!(started.elapsed(), Duration::from_millis(100));
}

static JOINED_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn joined(n: u32) -> u32 {
    JOINED_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(10)).await;
    n + 1
}

#[tokio::test(start_paused = true)]
async fn calls_joined_in_one_task_share_the_run_too() {
    let calls = (0..100).map(|i| joined(i % 2));
    let outputs = futures_join_all(calls).await;
    assert_eq!(JOINED_RUNS.load(Ordering::SeqCst), 2);
    for (i, output) in (0..100).zip(outputs) {
        assert_eq!(output, Ok(i % 2 + 1));
    }
}

/// Polls every future in one task until all are done (what `futures::future::join_all` does).
async fn futures_join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

static SEQUENTIAL_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn sequential(n: u32) -> u32 {
    SEQUENTIAL_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(10)).await;
    n
}

#[tokio::test(start_paused = true)]
async fn calls_one_after_the_other_each_run_the_body() {
    for _ in 0..3 {
        assert_eq!(sequential(7).await, Ok(7));
    }
    assert_eq!(SEQUENTIAL_RUNS.load(Ordering::SeqCst), 3);
}

static CANCEL_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn slow_fetch(id: u32) -> String {
    CANCEL_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(100)).await;
    format!("item {id}")
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_caller_does_not_cancel_the_run_of_the_others() {
    let started = Instant::now();
    let first = tokio::spawn(slow_fetch(1));
    tokio::task::yield_now().await;
    let others: Vec<_> = (0..3).map(|_| tokio::spawn(slow_fetch(1))).collect();
    sleep(Duration::from_millis(50)).await;
    // The caller that started the run (and polled it so far) leaves.
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    for other in others {
        assert_eq!(other.await.unwrap(), Ok("item 1".to_owned()));
    }
    assert_eq!(CANCEL_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(started.elapsed(), Duration::from_millis(100));
}

static STARTED: AtomicU32 = AtomicU32::new(0);
static DROPPED: AtomicU32 = AtomicU32::new(0);

struct CountDrop;
impl Drop for CountDrop {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

#[coalesce]
async fn abandoned(id: u32) -> u32 {
    STARTED.fetch_add(1, Ordering::SeqCst);
    let _guard = CountDrop;
    sleep(Duration::from_secs(60)).await;
    id
}

#[tokio::test(start_paused = true)]
async fn when_every_caller_leaves_the_run_is_dropped() {
    let calls: Vec<_> = (0..3).map(|_| tokio::spawn(abandoned(5))).collect();
    sleep(Duration::from_millis(10)).await;
    assert_eq!(STARTED.load(Ordering::SeqCst), 1);
    calls[0].abort();
    calls[1].abort();
    sleep(Duration::from_millis(10)).await;
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        0,
        "one caller is still there"
    );
    calls[2].abort();
    sleep(Duration::from_millis(10)).await;
    assert_eq!(DROPPED.load(Ordering::SeqCst), 1, "the last caller left");
    // The next call starts a run of its own.
    let next = tokio::spawn(abandoned(5));
    sleep(Duration::from_millis(10)).await;
    assert_eq!(STARTED.load(Ordering::SeqCst), 2);
    next.abort();
}

static PANIC_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn explodes(id: u32) -> u32 {
    PANIC_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(10)).await;
    assert!(id != 13, "unlucky {id}");
    id
}

#[tokio::test(start_paused = true)]
async fn a_panic_reaches_every_caller_as_panicked() {
    taskward::quiet_caught_panics();
    let calls: Vec<_> = (0..5).map(|_| tokio::spawn(explodes(13))).collect();
    for call in calls {
        match call.await.unwrap() {
            Err(Error::Panicked { message, .. }) => assert_eq!(message, "unlucky 13"),
            other => panic!("expected Error::Panicked, got {other:?}"),
        }
    }
    assert_eq!(PANIC_RUNS.load(Ordering::SeqCst), 1);
    // The panic is not kept: the next call runs the body again.
    assert_eq!(explodes(1).await, Ok(1));
}

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: u64,
    name: String,
}

static KEYED_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce(key = user.id)]
async fn greeting(user: User, polite: bool) -> String {
    KEYED_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(10)).await;
    if polite {
        format!("Good day, {}", user.name)
    } else {
        format!("Hi {}", user.name)
    }
}

#[tokio::test(start_paused = true)]
async fn calls_with_the_same_key_share_the_run_whatever_their_other_arguments() {
    let ada = User {
        id: 1,
        name: "Ada".to_owned(),
    };
    let (a, b, c) = tokio::join!(
        greeting(ada.clone(), true),
        greeting(ada.clone(), false),
        greeting(
            User {
                id: 2,
                name: "Bob".to_owned()
            },
            false
        ),
    );
    // The second call joined the run of the first: it gets its output.
    assert_eq!(a, Ok("Good day, Ada".to_owned()));
    assert_eq!(b, Ok("Good day, Ada".to_owned()));
    assert_eq!(c, Ok("Hi Bob".to_owned()));
    assert_eq!(KEYED_RUNS.load(Ordering::SeqCst), 2);
}

/// A key that counts its live copies: the map of runs keeps one while a run lasts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Tracked(Arc<str>);

#[coalesce]
async fn tracked(key: Tracked) -> usize {
    sleep(Duration::from_millis(10)).await;
    key.0.len()
}

#[tokio::test(start_paused = true)]
async fn the_map_keeps_nothing_once_the_runs_end() {
    let key = Tracked(Arc::from("abc"));
    let calls: Vec<_> = (0..10)
        .map(|_| tokio::spawn(tracked(key.clone())))
        .collect();
    sleep(Duration::from_millis(5)).await;
    // Ten callers' arguments, the run's key and the body's argument, and ours.
    assert!(Arc::strong_count(&key.0) > 1);
    for call in calls {
        assert_eq!(call.await.unwrap(), Ok(3));
    }
    assert_eq!(Arc::strong_count(&key.0), 1, "the map let go of the key");
    // Abandoned runs too.
    let call = tokio::spawn(tracked(key.clone()));
    sleep(Duration::from_millis(5)).await;
    call.abort();
    let _ = call.await;
    assert_eq!(Arc::strong_count(&key.0), 1, "the map let go of the key");
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum FetchError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Taskward(#[from] Error),
}

static RESULT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[coalesce]
#[taskward::with_timeout("50ms")]
async fn lookup(id: u32, wait: Duration) -> Result<u32, FetchError> {
    RESULT_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(wait).await;
    if id == 0 {
        Err(FetchError::NotFound)
    } else {
        Ok(id)
    }
}

#[tokio::test(start_paused = true)]
async fn errors_and_the_deadline_of_the_shared_run_reach_every_caller() {
    let (a, b) = tokio::join!(
        lookup(0, Duration::from_millis(10)),
        lookup(0, Duration::from_millis(10))
    );
    assert_eq!(
        (a, b),
        (Err(FetchError::NotFound), Err(FetchError::NotFound))
    );
    assert_eq!(RESULT_RUNS.load(Ordering::SeqCst), 1);

    let started = Instant::now();
    let (a, b) = tokio::join!(
        lookup(1, Duration::from_millis(80)),
        lookup(1, Duration::from_millis(80))
    );
    assert!(matches!(
        a,
        Err(FetchError::Taskward(Error::Timeout { .. }))
    ));
    assert!(matches!(
        b,
        Err(FetchError::Taskward(Error::Timeout { .. }))
    ));
    assert_eq!(started.elapsed(), Duration::from_millis(50));
    assert_eq!(RESULT_RUNS.load(Ordering::SeqCst), 2);
}

static UNIT_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn refresh() {
    UNIT_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(10)).await;
}

#[tokio::test(start_paused = true)]
async fn with_no_arguments_every_concurrent_call_shares_one_run() {
    let (a, b, c) = tokio::join!(refresh(), refresh(), refresh());
    assert_eq!((a, b, c), (Ok(()), Ok(()), Ok(())));
    assert_eq!(UNIT_RUNS.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_threads_many_keys() {
    static RUNS_MT: AtomicU32 = AtomicU32::new(0);
    #[coalesce]
    async fn work(n: u32) -> u32 {
        RUNS_MT.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        n
    }
    let calls: Vec<_> = (0..2000u32).map(|i| tokio::spawn(work(i % 7))).collect();
    for (i, call) in (0..2000u32).zip(calls) {
        assert_eq!(call.await.unwrap(), Ok(i % 7));
    }
    // Calls that come after a run ended start another: at least one run per key.
    assert!(RUNS_MT.load(Ordering::SeqCst) >= 7);
}

static FLAKY_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
#[taskward::retry(attempts = 3, backoff = "100ms..100ms")]
async fn flaky(id: u32) -> Result<u32, Error> {
    let run = FLAKY_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(10)).await;
    if run == 0 {
        Err(Error::panicked("flaky", "the first run fails"))
    } else {
        Ok(id)
    }
}

#[tokio::test(start_paused = true)]
async fn over_retry_the_callers_share_the_retries_too() {
    let started = Instant::now();
    let calls: Vec<_> = (0..5).map(|_| tokio::spawn(flaky(3))).collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), Ok(3));
    }
    // One failed run, one backoff, one good run, for all five.
    assert_eq!(FLAKY_RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(started.elapsed(), Duration::from_millis(120));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_that_leave_at_random_never_strand_the_others() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    #[coalesce]
    async fn work(n: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        n
    }
    let deadline = Duration::from_secs(20);
    tokio::time::timeout(deadline, async {
        for round in 0..20u32 {
            let calls: Vec<_> = (0..100u32)
                .map(|i| tokio::spawn(work(round * 10 + i % 4)))
                .collect();
            tokio::time::sleep(Duration::from_micros(150)).await;
            for (i, call) in calls.iter().enumerate() {
                if i % 3 == 0 {
                    call.abort();
                }
            }
            for (i, call) in (0u32..).zip(calls) {
                match call.await {
                    Ok(output) => assert_eq!(output, Ok(round * 10 + i % 4)),
                    Err(err) => assert!(err.is_cancelled() && i % 3 == 0),
                }
            }
        }
    })
    .await
    .expect("every caller that stayed got its output");
    assert!(RUNS.load(Ordering::SeqCst) >= 20 * 4);
}

static YIELD_RUNS: AtomicU32 = AtomicU32::new(0);

#[coalesce]
async fn yields(n: u32) -> u32 {
    YIELD_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    n
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_joins_does_not_poll_a_body_that_was_not_woken() {
    // The second caller's first poll comes before the body's waker fires: polling the body then
    // would finish it early, and the callers after it would start runs of their own.
    let outputs = futures_join_all((0..100).map(|_| yields(4))).await;
    assert!(outputs.iter().all(|output| *output == Ok(4)));
    assert_eq!(YIELD_RUNS.load(Ordering::SeqCst), 1);
}

static GENERIC_RUNS: AtomicU32 = AtomicU32::new(0);

struct Repo<T>(std::marker::PhantomData<T>);

impl<T: From<u8> + Clone + Send + 'static> Repo<T> {
    // The attribute does not see the impl's generics: the instances share the function's map, each
    // output type with a map of its own.
    #[coalesce]
    async fn load(id: u8) -> T {
        GENERIC_RUNS.fetch_add(1, Ordering::SeqCst);
        sleep(Duration::from_millis(10)).await;
        T::from(id)
    }
}

#[tokio::test(start_paused = true)]
async fn in_a_generic_impl_each_output_type_has_runs_of_its_own() {
    let (a, b, c) = tokio::join!(
        Repo::<u16>::load(3),
        Repo::<u16>::load(3),
        Repo::<u64>::load(3)
    );
    assert_eq!((a, b, c), (Ok(3u16), Ok(3u16), Ok(3u64)));
    assert_eq!(GENERIC_RUNS.load(Ordering::SeqCst), 2);
}

static SLOW_RUNS: AtomicU32 = AtomicU32::new(0);

async fn cached_quote(symbol: String, _err: Error) -> Result<u32, Error> {
    Ok(u32::try_from(symbol.len()).unwrap_or(0))
}

#[coalesce]
#[taskward::with_timeout("50ms", fallback = cached_quote)]
async fn live_quote(symbol: String) -> Result<u32, Error> {
    SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_secs(1)).await;
    Ok(u32::from(symbol.is_empty()))
}

#[tokio::test(start_paused = true)]
async fn over_a_fallback_the_callers_share_what_it_returns() {
    let started = Instant::now();
    let (a, b) = tokio::join!(live_quote("ACME".to_owned()), live_quote("ACME".to_owned()));
    assert_eq!((a, b), (Ok(4), Ok(4)));
    assert_eq!(SLOW_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(started.elapsed(), Duration::from_millis(50));
}
