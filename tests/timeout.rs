//! `#[with_timeout]`: the deadline fires on time, the body is dropped, and stacked with
//! `#[bounded]` the written order decides whether the deadline covers the wait for a permit.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use taskward::{Bulkhead, Error, bounded, with_timeout};
use tokio::time::{Instant, sleep};

static DROPPED: AtomicBool = AtomicBool::new(false);

struct SetOnDrop(&'static AtomicBool);
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[with_timeout("250ms")]
async fn slow(work: Duration) -> u32 {
    let _guard = SetOnDrop(&DROPPED);
    sleep(work).await;
    42
}

#[tokio::test(start_paused = true)]
async fn the_deadline_fires_on_time_and_drops_the_body() {
    assert_eq!(slow(Duration::from_millis(249)).await, Ok(42));
    DROPPED.store(false, Ordering::SeqCst);

    let started = Instant::now();
    let err = slow(Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_millis(250));
    assert!(
        DROPPED.load(Ordering::SeqCst),
        "the body was dropped at the deadline"
    );
    match &err {
        Error::Timeout {
            function, limit, ..
        } => {
            assert!(function.ends_with("timeout::slow"), "{function}");
            assert_eq!(*limit, Duration::from_millis(250));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(
        err.to_string().ends_with("slow` timed out after 250ms"),
        "{err}"
    );
}

#[derive(Debug, PartialEq)]
enum FetchError {
    NotFound,
    Taskward(Error),
}

impl From<Error> for FetchError {
    fn from(err: Error) -> Self {
        FetchError::Taskward(err)
    }
}

#[with_timeout("1s")]
async fn fetch(key: &str) -> Result<String, FetchError> {
    if key == "slow" {
        sleep(Duration::from_secs(5)).await;
    }
    let found = lookup(key)?; // `?` works as without the macro
    if found.is_empty() {
        return Err(FetchError::NotFound); // and so does `return`
    }
    Ok(found)
}

fn lookup(key: &str) -> Result<String, FetchError> {
    match key {
        "missing" => Err(FetchError::NotFound),
        "empty" => Ok(String::new()),
        other => Ok(other.to_uppercase()),
    }
}

#[tokio::test(start_paused = true)]
async fn a_result_function_keeps_its_error_type() {
    assert_eq!(fetch("abc").await, Ok("ABC".to_owned()));
    assert_eq!(fetch("missing").await, Err(FetchError::NotFound));
    assert_eq!(fetch("empty").await, Err(FetchError::NotFound));
    assert!(matches!(
        fetch("slow").await,
        Err(FetchError::Taskward(Error::Timeout { .. }))
    ));
}

struct Client {
    limit: Duration,
}

impl Client {
    #[with_timeout(self.limit)]
    async fn call(&self, work: Duration) -> std::io::Result<()> {
        sleep(work).await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn the_limit_can_be_an_expression() {
    let client = Client {
        limit: Duration::from_millis(30),
    };
    client.call(Duration::from_millis(20)).await.unwrap();
    let started = Instant::now();
    let err = client.call(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(started.elapsed(), Duration::from_millis(30));
}

// Deadline outside the bound: the deadline covers the wait for a permit.
static OUTER_POOL: AtomicUsize = AtomicUsize::new(0);
#[with_timeout("100ms")]
#[bounded(1)]
async fn deadline_covers_wait(work: Duration) {
    OUTER_POOL.fetch_add(1, Ordering::SeqCst);
    sleep(work).await;
}

// Bound outside the deadline: the deadline starts once the permit is held.
#[bounded(1)]
#[with_timeout("100ms")]
async fn deadline_after_permit(work: Duration) {
    sleep(work).await;
}

#[tokio::test(start_paused = true)]
async fn written_order_decides_what_the_deadline_covers() {
    // Each: one call holds the only permit for 80ms; a second call needs 50ms of work.
    let holder = tokio::spawn(deadline_covers_wait(Duration::from_millis(80)));
    tokio::task::yield_now().await;
    let started = Instant::now();
    let second = deadline_covers_wait(Duration::from_millis(50)).await;
    // waited 80ms for the permit, then 20ms of its 50ms of work: cut at 100ms from the call
    assert!(matches!(second, Err(Error::Timeout { .. })));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    holder.await.unwrap().unwrap();

    let holder = tokio::spawn(deadline_after_permit(Duration::from_millis(80)));
    tokio::task::yield_now().await;
    let started = Instant::now();
    let second = deadline_after_permit(Duration::from_millis(50)).await;
    // waited 80ms for the permit, then its 50ms of work within its own 100ms
    assert_eq!(second, Ok(()));
    assert_eq!(started.elapsed(), Duration::from_millis(130));
    holder.await.unwrap().unwrap();
}

static GATE: Bulkhead = Bulkhead::new(1);

#[bounded(in = GATE, wait = "10ms")]
#[with_timeout("1s")]
async fn shed_or_cut(work: Duration) -> Result<(), Error> {
    sleep(work).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn rejected_and_timed_out_are_told_apart() {
    let holder = tokio::spawn(shed_or_cut(Duration::from_secs(5)));
    tokio::task::yield_now().await;
    assert!(matches!(
        shed_or_cut(Duration::ZERO).await,
        Err(Error::Rejected { .. })
    ));
    assert!(matches!(holder.await.unwrap(), Err(Error::Timeout { .. })));
    assert_eq!(GATE.in_flight(), 0);
}
