//! Methods of an `#[async_trait]` impl: the trait fixes the signature, so the wrapper goes inside
//! the boxed future that `#[async_trait]` makes.
#![deny(warnings, unused_qualifications, clippy::pedantic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use taskward::{Error, bounded, supervised, with_timeout};
use tokio::time::{Instant, sleep};

#[async_trait]
trait Store: Send + Sync {
    async fn get(&self, key: &str, work: Duration) -> Result<String, Error>;
    async fn count(&self) -> u32;
    async fn flaky(&self, fail_first: u32) -> Result<u32, Error>;
}

struct Memory {
    calls: AtomicU32,
}

#[async_trait]
impl Store for Memory {
    #[bounded(2)]
    #[with_timeout("100ms")]
    async fn get(&self, key: &str, work: Duration) -> Result<String, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        sleep(work).await;
        Ok(key.to_uppercase())
    }

    #[bounded(1)]
    async fn count(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    #[supervised(restarts = 5, within = "1m", backoff = "10ms..10ms")]
    async fn flaky(&self, fail_first: u32) -> Result<u32, Error> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(n > fail_first, "run {n} fails");
        Ok(n)
    }
}

#[tokio::test(start_paused = true)]
async fn attributes_work_inside_async_trait_methods() {
    let store: Box<dyn Store> = Box::new(Memory {
        calls: AtomicU32::new(0),
    });
    assert_eq!(store.get("a", Duration::ZERO).await.unwrap(), "A");
    let started = Instant::now();
    assert!(matches!(
        store.get("b", Duration::from_secs(1)).await,
        Err(Error::Timeout { .. })
    ));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(store.count().await, 2);

    // the third run succeeds, after two caught panics and two 10ms pauses
    let started = Instant::now();
    assert_eq!(store.flaky(4).await.unwrap(), 5);
    assert_eq!(started.elapsed(), Duration::from_millis(20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_boxed_future_stays_send() {
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(Memory {
        calls: AtomicU32::new(0),
    });
    let s = store.clone();
    let got = tokio::spawn(async move { s.get("x", Duration::ZERO).await }).await;
    assert_eq!(got.unwrap().unwrap(), "X");
}

// `#[circuit_breaker]` on a method of an `#[async_trait]` impl, with a breaker per instance.
#[async_trait]
trait Quotes: Send + Sync {
    async fn quote(&self, fail: bool) -> Result<u32, Error>;
}

struct Pricing {
    breaker: taskward::Breaker,
}

#[async_trait]
impl Quotes for Pricing {
    #[taskward::circuit_breaker(in = &self.breaker, on = Error::Timeout { .. })]
    async fn quote(&self, fail: bool) -> Result<u32, Error> {
        if fail {
            Err(Error::timeout("pricing", Duration::from_secs(1)))
        } else {
            Ok(7)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_circuit_breaker_works_inside_async_trait_methods() {
    let pricing: Box<dyn Quotes> = Box::new(Pricing {
        breaker: taskward::Breaker::new().failures(1),
    });
    assert_eq!(pricing.quote(false).await, Ok(7));
    assert!(pricing.quote(true).await.unwrap_err().is_timeout());
    assert!(pricing.quote(false).await.unwrap_err().is_circuit_open());
}

// `#[hedged]`, `#[bounded(adaptive)]` and `#[check]` on methods of an `#[async_trait]` impl.
#[async_trait]
trait Replicas: Send + Sync {
    async fn read(&self, key: String) -> usize;
    async fn query(&self, n: u32) -> u32;
    async fn checked(&self) -> u32;
}

struct Cluster {
    runs: AtomicU32,
}

#[async_trait]
impl Replicas for Cluster {
    /// The first run stalls for a second; the hedge, 50ms later, answers at once.
    #[taskward::hedged(after = "50ms")]
    async fn read(&self, key: String) -> usize {
        if self.runs.fetch_add(1, Ordering::SeqCst) == 0 {
            sleep(Duration::from_secs(1)).await;
        }
        key.len()
    }

    #[bounded(adaptive, min = 2, max = 8)]
    async fn query(&self, n: u32) -> u32 {
        sleep(Duration::from_millis(10)).await;
        n * 2
    }

    #[taskward::check]
    async fn checked(&self) -> u32 {
        sleep(Duration::from_millis(1)).await;
        self.runs.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn hedged_adaptive_and_check_work_inside_async_trait_methods() {
    let cluster = Cluster {
        runs: AtomicU32::new(0),
    };
    let started = Instant::now();
    assert_eq!(cluster.read("abc".to_owned()).await, 3);
    assert_eq!(started.elapsed(), Duration::from_millis(50));
    assert_eq!(cluster.runs.load(Ordering::SeqCst), 2);
    let (a, b, c) = tokio::join!(cluster.query(1), cluster.query(2), cluster.query(3));
    assert_eq!((a, b, c), (2, 4, 6));
    assert_eq!(cluster.checked().await, 2);
    let boxed: std::pin::Pin<Box<dyn Future<Output = usize> + Send + '_>> =
        cluster.read("x".to_owned());
    assert_eq!(boxed.await, 1);
}
