//! `#[with_timeout]`: the deadline fires on time, the body is dropped, the function keeps its error
//! type, and the limit can be an expression. Stacked with `#[bounded]`: see `stacks.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use taskward::{Error, with_timeout};
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
