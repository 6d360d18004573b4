//! `fallback = path`: when the wrapper fails with an error of its own (a timeout, a rejection),
//! the call returns what the fallback returns, called with the same arguments and the error.

use std::sync::Arc;
use std::time::Duration;

use taskward::{Bulkhead, Error, bounded, with_timeout};
use tokio::time::{Instant, sleep};

/// The last known price, for when the live one is late.
async fn cached_price(item: String, work: Duration, err: Error) -> u32 {
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(work, Duration::from_secs(1));
    u32::try_from(item.len()).unwrap()
}

// The function cannot fail any more: its signature stays `u32`.
#[with_timeout("100ms", fallback = cached_price)]
async fn price(item: String, work: Duration) -> u32 {
    sleep(work).await;
    100 + u32::try_from(item.len()).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_timeout_returns_what_the_fallback_returns() {
    assert_eq!(
        price("apple".to_owned(), Duration::from_millis(10)).await,
        105
    );
    let t0 = Instant::now();
    assert_eq!(price("apple".to_owned(), Duration::from_secs(1)).await, 5);
    assert_eq!(t0.elapsed(), Duration::from_millis(100));
}

#[derive(Debug, PartialEq)]
enum FetchError {
    Taskward(String),
}

impl From<Error> for FetchError {
    fn from(err: Error) -> Self {
        FetchError::Taskward(err.to_string())
    }
}

struct Client {
    pool: Arc<Bulkhead>,
    served_cached: u32,
}

impl Client {
    /// The fallback of a method gets `&mut self`, the arguments and the function's own error.
    async fn cached(&mut self, key: &str, err: FetchError) -> Result<String, FetchError> {
        assert!(
            matches!(&err, FetchError::Taskward(msg) if msg.contains("rejected")),
            "{err:?}"
        );
        self.served_cached += 1;
        Ok(format!("cached {key}"))
    }

    #[bounded(in = &self.pool, wait = "0s", fallback = Self::cached)]
    async fn fetch(&mut self, key: &str) -> Result<String, FetchError> {
        Ok(format!("live {key}"))
    }
}

#[tokio::test]
async fn a_rejection_goes_to_the_fallback_with_the_functions_own_error() {
    let mut client = Client {
        pool: Arc::new(Bulkhead::new(1)),
        served_cached: 0,
    };
    assert_eq!(client.fetch("a").await, Ok("live a".to_owned()));
    let pool = Arc::clone(&client.pool);
    let held = pool.try_acquire().unwrap();
    assert_eq!(client.fetch("b").await, Ok("cached b".to_owned()));
    drop(held);
    assert_eq!(client.served_cached, 1);
    assert_eq!(client.fetch("c").await, Ok("live c".to_owned()));
}

async fn give_up((a, b): (u8, u8), err: Error) -> Result<u8, Error> {
    drop(err);
    Ok(a * b)
}

// A pattern argument: the fallback gets the whole argument.
#[with_timeout("10ms", fallback = give_up)]
async fn sum((a, b): (u8, u8)) -> Result<u8, Error> {
    sleep(Duration::from_secs(1)).await;
    Ok(a + b)
}

#[tokio::test(start_paused = true)]
async fn the_fallback_gets_the_whole_argument_of_a_pattern() {
    assert_eq!(sum((3, 4)).await, Ok(12));
}

async fn shed(id: u32, err: Error) -> Result<u32, Error> {
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    Ok(id + 1000)
}

// A rate limit that sheds past its wait: the shed calls go to the fallback.
#[taskward::rate_limited(1, per = "1s", burst = 1, wait = "0s", fallback = shed)]
async fn limited(id: u32) -> Result<u32, Error> {
    Ok(id)
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_call_past_its_wait_goes_to_the_fallback() {
    assert_eq!(limited(1).await, Ok(1));
    assert_eq!(limited(2).await, Ok(1002));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(limited(3).await, Ok(3));
}

static DOWN: taskward::Breaker = taskward::Breaker::new().failures(1);

async fn stale_quote(symbol: &str, err: Error) -> Result<String, Error> {
    assert!(err.is_circuit_open(), "{err:?}");
    Ok(format!("{symbol}: stale"))
}

// While the breaker is open, the call returns what the fallback returns; the body's own `Err`
// (which opened it) is returned as it is.
#[taskward::circuit_breaker(in = DOWN, fallback = stale_quote)]
async fn live_quote(symbol: &str) -> Result<String, Error> {
    if symbol == "down" {
        return Err(Error::timeout("upstream", Duration::from_secs(1)));
    }
    Ok(format!("{symbol}: live"))
}

#[tokio::test(start_paused = true)]
async fn an_open_breaker_goes_to_the_fallback() {
    assert_eq!(live_quote("a").await, Ok("a: live".to_owned()));
    assert!(live_quote("down").await.unwrap_err().is_timeout());
    assert_eq!(live_quote("b").await, Ok("b: stale".to_owned()));
}

static FLAKY_CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

async fn from_replica(key: String, err: std::io::Error) -> std::io::Result<String> {
    assert_eq!(err.to_string(), "attempt failed");
    Ok(format!("{key} from the replica"))
}

// When the retries give up, the fallback gets the arguments and the body's last `Err`.
#[taskward::retry(attempts = 3, backoff = "10ms..10ms", fallback = from_replica)]
async fn read(key: String) -> std::io::Result<String> {
    FLAKY_CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if key == "bad" {
        return Err(std::io::Error::other("attempt failed"));
    }
    Ok(format!("{key} from the primary"))
}

#[tokio::test(start_paused = true)]
async fn retries_that_give_up_go_to_the_fallback() {
    assert_eq!(read("a".to_owned()).await.unwrap(), "a from the primary");
    let before = FLAKY_CALLS.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        read("bad".to_owned()).await.unwrap(),
        "bad from the replica"
    );
    assert_eq!(
        FLAKY_CALLS.load(std::sync::atomic::Ordering::SeqCst) - before,
        3
    );
}
