//! Every shape of function the attributes promise to work on, under the strictest lints a user may
//! have: CI's clippy runs on this file, so the generated code is proven lint-clean.
#![deny(warnings, unused_qualifications, clippy::pedantic)]
#![allow(clippy::unused_async)]

use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use taskward::{Bulkhead, bounded, with_timeout};

static POOL: Bulkhead = Bulkhead::new(4);

#[bounded(2)]
#[with_timeout("1s")]
async fn free(x: u32) -> u32 {
    x + 1
}

#[bounded(2)]
async fn unit_infallible() {}

#[with_timeout("1s")]
async fn unit_fallible() {}

#[with_timeout("1s")]
#[bounded(in = POOL, wait = "10ms")]
async fn patterns((a, b): (u8, u8), mut v: Vec<u8>, [first, ..]: [u8; 3]) -> Vec<u8> {
    v.push(a);
    v.push(b);
    v.push(first);
    v
}

#[bounded(3)]
async fn generic<T>(t: T, u: impl Display + Send) -> String
where
    T: Display + Send,
{
    format!("{t}{u}")
}

mod shadowing {
    use taskward::{Error, with_timeout};

    /// `Error` in the signature is taskward's; the body's `use` must not change that.
    #[with_timeout("1s")]
    pub async fn uses_a_use_inside() -> Result<u8, Error> {
        use std::io::Error;
        let _ = Error::other("a name of the body");
        Ok(1)
    }
}
use shadowing::uses_a_use_inside;

#[with_timeout("1s")]
async fn io_result() -> std::io::Result<u8> {
    Ok(2)
}

mod errors {
    /// A crate's own alias, as many crates have.
    pub type Result<T> = core::result::Result<T, taskward::Error>;
}

#[with_timeout("1s")]
async fn alias_result() -> errors::Result<u8> {
    Ok(3)
}

/// An alias named otherwise, ending in `Result`: read as a `Result`, never wrapped twice.
type FetchResult<T> = std::io::Result<T>;

#[with_timeout("10ms")]
async fn fetch_result(wait: Duration) -> FetchResult<u8> {
    tokio::time::sleep(wait).await;
    Ok(6)
}

#[tracing::instrument]
#[bounded(2)]
async fn instrumented_above(x: u8) -> u8 {
    x
}

#[bounded(2)]
#[tracing::instrument(skip(x))]
async fn instrumented_below(x: u8) -> u8 {
    x
}

#[taskward::bounded(2)]
#[taskward::with_timeout("500ms")]
async fn qualified_paths() -> u8 {
    5
}

const LIMIT: usize = 2;

#[bounded(LIMIT)]
async fn const_limit() -> usize {
    LIMIT
}

// One-line bodies, under each attribute and a stack.
#[bounded(2)]
async fn one_line_bounded() -> u32 {
    1
}

#[with_timeout("1s")]
async fn one_line_timeout() -> u32 {
    2
}

#[taskward::supervised]
async fn one_line_supervised() -> Result<u32, taskward::Error> {
    Ok(3)
}

#[taskward::graceful]
#[bounded(2)]
#[with_timeout("1s")]
async fn one_line_stack() -> u32 {
    4
}

// `impl Trait` inside a `Result`, and the arguments a body that runs again copies for each run.
#[with_timeout("1s")]
async fn impl_in_result(x: u32) -> Result<impl Display + use<>, taskward::Error> {
    Ok(x)
}

#[taskward::supervised]
async fn rerun_arguments(
    mut bytes: &[u8],
    (a, b): &mut (u8, u8),
    #[cfg(any())] removed: u8,
    kept: u8,
) -> Result<usize, taskward::Error> {
    bytes = &bytes[1..];
    *a += 1;
    Ok(bytes.len() + usize::from(*a + *b + kept))
}

struct Service {
    calls: u32,
    timeout: Duration,
}

impl Service {
    #[bounded(8)]
    #[with_timeout("2s")]
    async fn by_ref(&self, x: u32) -> u32 {
        self.calls + x
    }

    #[bounded(8)]
    #[with_timeout(self.timeout)]
    async fn by_mut(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[with_timeout("2s")]
    async fn by_arc(self: Arc<Self>) -> u32 {
        self.calls
    }
}

trait Fetch {
    async fn fetch(&self, key: &str) -> Result<String, taskward::Error>;
}

impl Fetch for Service {
    #[bounded(2)]
    #[with_timeout("1s")]
    async fn fetch(&self, key: &str) -> Result<String, taskward::Error> {
        Ok(format!("{key}{}", self.calls))
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shape_runs_and_its_future_is_send() {
    assert_eq!(tokio::spawn(free(1)).await.unwrap(), Ok(2));
    tokio::spawn(unit_infallible()).await.unwrap();
    assert_eq!(tokio::spawn(unit_fallible()).await.unwrap(), Ok(()));
    assert_eq!(
        tokio::spawn(patterns((1, 2), vec![0], [9, 8, 7]))
            .await
            .unwrap(),
        Ok(vec![0, 1, 2, 9])
    );
    assert_eq!(
        tokio::spawn(generic("a", 1)).await.unwrap(),
        "a1".to_owned()
    );
    assert_eq!(tokio::spawn(uses_a_use_inside()).await.unwrap().unwrap(), 1);
    assert_eq!(tokio::spawn(io_result()).await.unwrap().unwrap(), 2);
    assert_eq!(tokio::spawn(alias_result()).await.unwrap(), Ok(3));
    assert_eq!(tokio::spawn(instrumented_above(4)).await.unwrap(), 4);
    assert_eq!(tokio::spawn(instrumented_below(4)).await.unwrap(), 4);
    assert_eq!(tokio::spawn(qualified_paths()).await.unwrap(), Ok(5));
    assert_eq!(fetch_result(Duration::ZERO).await.unwrap(), 6);
    let timed_out = fetch_result(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(timed_out.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(one_line_bounded().await, 1);
    assert_eq!(const_limit().await, 2);
    assert_eq!(one_line_timeout().await, Ok(2));
    assert_eq!(one_line_supervised().await, Ok(3));
    assert_eq!(one_line_stack().await, Ok(4));
    assert_eq!(impl_in_result(5).await.unwrap().to_string(), "5");
    let mut pair = (1, 2);
    assert_eq!(rerun_arguments(&[1, 2, 3], &mut pair, 4).await, Ok(2 + 8));
    assert_eq!(pair, (2, 2));

    let service = Arc::new(Service {
        calls: 1,
        timeout: Duration::from_secs(1),
    });
    let s = service.clone();
    assert_eq!(
        tokio::spawn(async move { s.by_ref(1).await })
            .await
            .unwrap(),
        Ok(2)
    );
    let s = service.clone();
    assert_eq!(tokio::spawn(s.by_arc()).await.unwrap(), Ok(1));
    let s = service.clone();
    assert_eq!(
        tokio::spawn(async move { s.fetch("k").await })
            .await
            .unwrap(),
        Ok("k1".to_owned())
    );
    let mut owned = Service {
        calls: 0,
        timeout: Duration::from_secs(1),
    };
    let by_mut = assert_send(async move { owned.by_mut().await });
    assert_eq!(tokio::spawn(by_mut).await.unwrap(), Ok(1));
}

// `#[blocking]`: plain `fn`s, alone and under the other attributes.
mod plain_fn {
    use std::fmt::Display;
    use std::sync::Arc;

    use taskward::{Error, blocking, bounded, graceful, supervised, with_timeout};

    #[blocking]
    fn free(x: u32) -> u32 {
        x + 1
    }

    #[blocking]
    fn unit() {}

    #[bounded(2)]
    #[with_timeout("1s")]
    #[blocking]
    fn result(text: String) -> Result<u32, Error> {
        if text.is_empty() {
            return Ok(0);
        }
        let n: u32 = text.parse().map_err(|_| Error::circuit_open("parse"))?;
        Ok(n)
    }

    #[graceful]
    #[blocking]
    fn patterns((a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        v.push(a);
        v.push(b);
        v
    }

    #[supervised]
    #[blocking]
    fn generic<T>(t: T, u: impl Display + Clone + Send + 'static) -> String
    where
        T: Display + Clone + Send + 'static,
    {
        format!("{t}{u}")
    }

    #[blocking]
    fn io_result(n: usize) -> std::io::Result<usize> {
        Ok(n)
    }

    #[blocking]
    #[tracing::instrument]
    fn instrumented_below(x: u8) -> u8 {
        x
    }

    struct Service {
        calls: u32,
    }

    impl Service {
        #[with_timeout("1s")]
        #[blocking]
        fn by_arc(self: Arc<Self>, x: u32) -> u32 {
            self.calls + x
        }

        #[blocking]
        fn by_value(self) -> u32 {
            self.calls
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_shape_runs_and_its_future_is_send() {
        assert_eq!(tokio::spawn(free(1)).await.unwrap(), Ok(2));
        assert_eq!(tokio::spawn(unit()).await.unwrap(), Ok(()));
        assert_eq!(tokio::spawn(result("7".into())).await.unwrap(), Ok(7));
        assert_eq!(
            tokio::spawn(patterns((1, 2), vec![0])).await.unwrap(),
            Ok(vec![0, 1, 2])
        );
        assert_eq!(
            tokio::spawn(generic("a", 1)).await.unwrap(),
            Ok("a1".to_owned())
        );
        assert_eq!(tokio::spawn(io_result(3)).await.unwrap().unwrap(), 3);
        assert_eq!(tokio::spawn(instrumented_below(4)).await.unwrap(), Ok(4));
        let service = Arc::new(Service { calls: 1 });
        assert_eq!(tokio::spawn(service.by_arc(1)).await.unwrap(), Ok(2));
        let service = Service { calls: 5 };
        assert_eq!(tokio::spawn(service.by_value()).await.unwrap(), Ok(5));
    }
}

// #[retry]: alone on a function of its own `Result`, with its filters; above a deadline per
// attempt on a function of another type; below a deadline that it reads; on methods.
mod retried {
    use std::sync::Arc;

    use taskward::{Error, retry, with_timeout};

    #[derive(Debug, PartialEq)]
    pub enum FetchError {
        Timeout,
        Io(u16),
        Taskward(Error),
    }

    impl FetchError {
        pub fn is_transient(&self) -> bool {
            !matches!(self, FetchError::Taskward(err) if err.is_shutdown())
        }
    }

    impl From<Error> for FetchError {
        fn from(err: Error) -> Self {
            FetchError::Taskward(err)
        }
    }

    #[retry(
        attempts = 4,
        backoff = "1ms..10ms",
        jitter = false,
        on = FetchError::Timeout | FetchError::Io(500..=599),
        when = FetchError::is_transient,
        total = "1s",
        budget = 0.5
    )]
    pub async fn filtered(mut tries: Vec<u8>, (a, b): (u8, u8)) -> Result<u8, FetchError> {
        tries.push(a + b);
        if a > b {
            Err(FetchError::Io(503))
        } else {
            Ok(tries[0])
        }
    }

    #[retry(attempts = 2, backoff = "1ms..1ms", on = Error::Timeout { .. })]
    #[with_timeout("1s")]
    pub async fn plain(x: u32) -> u32 {
        x + 1
    }

    #[with_timeout("5s")]
    #[retry(budget = false)]
    #[with_timeout("1s")]
    pub async fn deadlines(x: u32) -> Result<u32, FetchError> {
        Ok(x)
    }

    #[retry]
    pub async fn one_line() -> std::io::Result<u8> {
        Ok(1)
    }

    pub struct Client {
        pub calls: u32,
    }

    impl Client {
        #[retry(backoff = "1ms..1ms")]
        pub async fn by_mut(&mut self) -> Result<u32, FetchError> {
            self.calls += 1;
            if self.calls < 2 {
                Err(FetchError::Timeout)
            } else {
                Ok(self.calls)
            }
        }

        #[retry]
        pub async fn by_arc(self: Arc<Self>, key: &str) -> Result<usize, FetchError> {
            Ok(key.len() + self.calls as usize)
        }
    }
}

// `#[rate_limited]`: a rate of its own (literal and `const`), a shared `static`, a limit per
// instance (borrowed by `&self` and `&mut self` methods, an `Arc` cloned), an argument, `wait`.

static RATE: taskward::RateLimit =
    taskward::RateLimit::new(100, Duration::from_secs(1)).with_burst(10);

const RATE_CALLS: usize = 100;

#[taskward::rate_limited(100, per = "1s")]
async fn rate_own(x: u32) -> u32 {
    x + 1
}

#[taskward::rate_limited(RATE_CALLS, per = "1s", burst = 10)]
async fn rate_const() -> usize {
    RATE_CALLS
}

#[taskward::rate_limited(in = RATE, wait = "10ms")]
#[with_timeout("1s")]
async fn rate_shared(x: u32) -> u32 {
    x + 2
}

#[taskward::rate_limited(in = limit)]
async fn rate_argument(limit: &taskward::RateLimit, x: u32) -> u32 {
    x + u32::from(limit.burst() > 1)
}

struct Limited {
    limit: taskward::RateLimit,
    shared: Arc<taskward::RateLimit>,
    calls: u32,
}

impl Limited {
    #[taskward::rate_limited(in = &self.limit)]
    async fn by_ref(&self) -> u32 {
        self.calls
    }

    #[taskward::rate_limited(in = &self.limit)]
    async fn by_mut(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[taskward::rate_limited(in = &self.shared, wait = "0s")]
    async fn by_mut_shared(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_shapes_run_and_their_futures_are_send() {
    use retried::{Client, deadlines, filtered, one_line, plain};
    assert_eq!(tokio::spawn(filtered(vec![], (1, 2))).await.unwrap(), Ok(3));
    assert_eq!(tokio::spawn(plain(1)).await.unwrap(), Ok(2));
    assert_eq!(tokio::spawn(deadlines(3)).await.unwrap(), Ok(3));
    assert_eq!(tokio::spawn(one_line()).await.unwrap().unwrap(), 1);
    let mut client = Client { calls: 0 };
    let by_mut = assert_send(async move { client.by_mut().await });
    assert_eq!(tokio::spawn(by_mut).await.unwrap(), Ok(2));
    let client = Arc::new(Client { calls: 1 });
    assert_eq!(tokio::spawn(client.by_arc("ab")).await.unwrap(), Ok(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_shapes_run_and_their_futures_are_send() {
    assert_eq!(tokio::spawn(rate_own(1)).await.unwrap(), 2);
    assert_eq!(tokio::spawn(rate_const()).await.unwrap(), 100);
    assert_eq!(tokio::spawn(rate_shared(1)).await.unwrap(), Ok(3));
    let limit = taskward::RateLimit::new(5, Duration::from_secs(1));
    assert_eq!(rate_argument(&limit, 1).await, 2);
    let limited = Arc::new(Limited {
        limit: taskward::RateLimit::new(100, Duration::from_secs(1)),
        shared: Arc::new(taskward::RateLimit::new(100, Duration::from_secs(1))),
        calls: 0,
    });
    let by_ref = Arc::clone(&limited);
    assert_eq!(
        tokio::spawn(async move { by_ref.by_ref().await })
            .await
            .unwrap(),
        0
    );
    let mut owned = Arc::into_inner(limited).unwrap();
    let by_mut = assert_send(async move {
        let first = owned.by_mut().await;
        (first, owned.by_mut_shared().await)
    });
    assert_eq!(tokio::spawn(by_mut).await.unwrap(), (1, Ok(2)));
}

// `#[circuit_breaker]`: a breaker of its own, a shared one with a pattern and a deadline inside, a
// rate with a predicate, a breaker per instance on `&self` and `&mut self`.
mod breaker {
    use std::sync::Arc;

    use taskward::{Breaker, circuit_breaker, with_timeout};

    #[derive(Debug, PartialEq)]
    pub enum FetchError {
        Timeout,
        Status(u16),
        Taskward(taskward::Error),
    }

    impl From<taskward::Error> for FetchError {
        fn from(err: taskward::Error) -> Self {
            FetchError::Taskward(err)
        }
    }

    fn is_outage(err: &FetchError) -> bool {
        matches!(err, FetchError::Timeout | FetchError::Status(500..=599))
    }

    static PARTNER: Breaker = Breaker::new().failures(2);

    #[circuit_breaker]
    pub async fn own(x: u32) -> u32 {
        x + 1
    }

    #[circuit_breaker(in = PARTNER, on = FetchError::Timeout | FetchError::Status(500..))]
    #[with_timeout("1s")]
    pub async fn shared(code: u16) -> Result<u16, FetchError> {
        if code >= 400 {
            Err(FetchError::Status(code))
        } else {
            Ok(code)
        }
    }

    #[circuit_breaker(rate = 0.5, window = 10, when = is_outage)]
    pub async fn rated(code: u16) -> Result<u16, FetchError> {
        if code == 0 {
            Err(FetchError::Timeout)
        } else {
            Ok(code)
        }
    }

    #[derive(Default)]
    pub struct Upstream {
        breaker: Breaker,
        writes: Arc<Breaker>,
        sent: u32,
    }

    impl Upstream {
        #[circuit_breaker(in = &self.breaker)]
        pub async fn get(&self) -> Result<u32, taskward::Error> {
            Ok(self.sent)
        }

        #[circuit_breaker(in = &self.writes, on = FetchError::Timeout)]
        pub async fn post(&mut self) -> Result<u32, FetchError> {
            self.sent += 1;
            Ok(self.sent)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_breaker_shapes_run_and_their_futures_are_send() {
    assert_eq!(tokio::spawn(breaker::own(1)).await.unwrap(), Ok(2));
    assert_eq!(tokio::spawn(breaker::shared(200)).await.unwrap(), Ok(200));
    assert_eq!(
        tokio::spawn(breaker::shared(404)).await.unwrap(),
        Err(breaker::FetchError::Status(404))
    );
    assert_eq!(tokio::spawn(breaker::rated(3)).await.unwrap(), Ok(3));
    let upstream = Arc::new(breaker::Upstream::default());
    let shared = upstream.clone();
    assert_eq!(
        tokio::spawn(async move { shared.get().await })
            .await
            .unwrap(),
        Ok(0)
    );
    let mut owned = breaker::Upstream::default();
    let post = assert_send(async move { owned.post().await });
    assert_eq!(tokio::spawn(post).await.unwrap(), Ok(1));
}

// #[bounded(adaptive)]: a limit of its own, a shared `static`, one per value; a plain output, a
// `Result`, a generic function; each future `Send`.
mod adaptive {
    use std::fmt::Display;
    use std::sync::Arc;

    use taskward::{AdaptiveBulkhead, AdaptiveLimit, bounded, with_timeout};

    pub static DATABASE: AdaptiveBulkhead =
        AdaptiveBulkhead::new(AdaptiveLimit::new().min(2).max(32));

    #[bounded(adaptive)]
    pub async fn own(x: u32) -> u32 {
        x + 1
    }

    #[bounded(adaptive, min = 2, max = 64, algorithm = vegas, wait = "10ms")]
    #[with_timeout("1s")]
    pub async fn settings(x: u32) -> Result<u32, taskward::Error> {
        Ok(x)
    }

    #[bounded(adaptive, in = DATABASE)]
    pub async fn generic<T>(t: T, u: impl Display + Send) -> String
    where
        T: Display + Send,
    {
        format!("{t}{u}")
    }

    #[derive(Default)]
    pub struct Client {
        pub pool: Arc<AdaptiveBulkhead>,
        sent: u32,
    }

    /// A bulkhead by value, for `&self` methods.
    #[derive(Default)]
    pub struct AdaptivePool(pub AdaptiveBulkhead);

    impl Client {
        #[bounded(adaptive, in = &self.pool)]
        pub async fn send(&mut self) -> Result<u32, std::io::Error> {
            self.sent += 1;
            Ok(self.sent)
        }
    }

    impl AdaptivePool {
        #[bounded(adaptive, in = &self.0)]
        pub async fn get(&self, key: &str) -> usize {
            key.len()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_shapes_run_and_their_futures_are_send() {
    assert_eq!(tokio::spawn(adaptive::own(1)).await.unwrap(), 2);
    assert_eq!(
        tokio::spawn(adaptive::settings(3)).await.unwrap().unwrap(),
        3
    );
    assert_eq!(tokio::spawn(adaptive::generic(1, "a")).await.unwrap(), "1a");
    let mut client = adaptive::Client::default();
    let send = assert_send(async move { client.send().await.unwrap() });
    assert_eq!(tokio::spawn(send).await.unwrap(), 1);
    let pool = Arc::new(adaptive::AdaptivePool::default());
    let get = assert_send(async move { pool.get("key").await });
    assert_eq!(tokio::spawn(get).await.unwrap(), 3);
    assert_eq!(adaptive::DATABASE.in_flight(), 0);
}

// `#[hedged]`: shapes of its own (no `&mut`: two runs at once), each run on fresh copies, under
// the file's lints, spawned on a multi-threaded runtime (so `Send`), with a hedge that starts.
mod hedges {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use taskward::{Error, hedged, with_timeout};

    /// The first run of each call stalls for a second; the hedge answers.
    #[hedged(after = "5ms")]
    pub async fn patterns(runs: Arc<AtomicU32>, (a, b): (u8, u8), mut v: Vec<u8>) -> Vec<u8> {
        if runs.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        v.push(a);
        v.push(b);
        v
    }

    #[hedged(after = "p99", max = 3)]
    #[with_timeout("1s")]
    pub async fn percentile(x: u32) -> Result<u32, Error> {
        Ok(x + 1)
    }

    #[with_timeout("1s")]
    #[hedged(after = "10ms", max = 2)]
    pub async fn one_line() -> u8 {
        1
    }

    pub struct Replica {
        pub latency_ms: u64,
    }

    impl Replica {
        #[hedged(after = "5ms")]
        pub async fn by_ref(&self, key: &str) -> usize {
            tokio::time::sleep(Duration::from_millis(self.latency_ms)).await;
            key.len()
        }

        #[hedged(after = "5ms", max = 4)]
        pub async fn by_arc(self: Arc<Self>, key: String) -> usize {
            key.len() + usize::try_from(self.latency_ms).unwrap_or(0)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hedged_shapes_run_and_their_futures_are_send() {
    use hedges::{Replica, one_line, patterns, percentile};
    use std::sync::atomic::AtomicU32;
    let runs = Arc::new(AtomicU32::new(0));
    let out = tokio::spawn(patterns(runs.clone(), (1, 2), vec![0])).await;
    assert_eq!(out.unwrap(), [0, 1, 2]);
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(tokio::spawn(percentile(1)).await.unwrap(), Ok(2));
    assert_eq!(tokio::spawn(one_line()).await.unwrap(), Ok(1));
    let replica = Arc::new(Replica { latency_ms: 1 });
    let by_ref = {
        let replica = replica.clone();
        assert_send(async move { replica.by_ref("abc").await })
    };
    assert_eq!(tokio::spawn(by_ref).await.unwrap(), 3);
    assert_eq!(
        tokio::spawn(replica.by_arc("ab".to_owned())).await.unwrap(),
        3
    );
}

mod coalesced {
    use taskward::coalesce;

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct Order {
        pub id: u64,
        pub lines: Vec<String>,
    }

    #[coalesce]
    pub async fn free(x: u32) -> u32 {
        x + 1
    }

    #[coalesce]
    pub async fn unit() {}

    #[coalesce(key = order.id)]
    pub async fn total(
        order: Order,
        (tax, rounding): (u32, u32),
    ) -> Result<usize, taskward::Error> {
        Ok(order.lines.len() + tax as usize + rounding as usize)
    }

    #[coalesce]
    #[taskward::retry(attempts = 2, backoff = "10ms..20ms")]
    #[taskward::with_timeout("1s")]
    pub async fn stacked(order: Order) -> Result<u64, taskward::Error> {
        Ok(order.id)
    }

    pub struct Catalog;

    impl Catalog {
        #[coalesce]
        pub async fn price(sku: String) -> u32 {
            u32::try_from(sku.len()).unwrap_or(u32::MAX)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coalesce_shapes_run_and_their_futures_are_send() {
    let order = coalesced::Order {
        id: 7,
        lines: vec!["a".to_owned()],
    };
    assert_eq!(tokio::spawn(coalesced::free(1)).await.unwrap(), Ok(2));
    assert_eq!(tokio::spawn(coalesced::unit()).await.unwrap(), Ok(()));
    assert_eq!(
        tokio::spawn(coalesced::total(order.clone(), (1, 1)))
            .await
            .unwrap(),
        Ok(3)
    );
    assert_eq!(
        tokio::spawn(coalesced::stacked(order)).await.unwrap(),
        Ok(7)
    );
    assert_eq!(
        tokio::spawn(coalesced::Catalog::price("abc".to_owned()))
            .await
            .unwrap(),
        Ok(3)
    );
}

/// `#[check]`: the function as written, on every shape, under the same lints; the findings that
/// are meant, acknowledged per function and per statement.
mod checked {
    use std::sync::Mutex;
    use std::time::Duration;

    use taskward::check;

    #[check]
    pub async fn free(hits: &Mutex<u32>) -> u32 {
        *hits.lock().unwrap() += 1;
        tokio::task::yield_now().await;
        *hits.lock().unwrap()
    }

    #[check]
    pub fn plain(x: u32) -> u32 {
        std::thread::sleep(Duration::from_millis(1));
        x
    }

    #[check]
    pub const fn constant(x: u32) -> u32 {
        x + 1
    }

    #[derive(Default)]
    pub struct Service {
        pub hits: Mutex<u32>,
    }

    impl Service {
        #[check(allow(blocking))]
        pub async fn read_now(&self, path: &str) -> usize {
            std::fs::read_to_string(path).map_or(0, |text| text.len())
        }

        #[check]
        pub async fn paused(&self) -> u32 {
            #[check(allow(blocking))]
            std::thread::sleep(Duration::from_millis(1));
            *self.hits.lock().unwrap()
        }
    }
}

#[tokio::test]
async fn checked_shapes_run_as_written() {
    let hits = std::sync::Mutex::new(0);
    assert_eq!(checked::free(&hits).await, 1);
    assert_eq!(checked::plain(2), 2);
    assert_eq!(checked::constant(2), 3);
    let service = checked::Service::default();
    assert_eq!(service.read_now("/no/such/file").await, 0);
    assert_eq!(service.paused().await, 0);
}
