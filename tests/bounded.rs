//! `#[bounded]`: the limit holds, permits come back on every path, `wait` rejects on time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskward::{Bulkhead, Error, bounded};
use tokio::time::{Instant, sleep};

/// Counts calls in flight and remembers the most seen at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    high: AtomicUsize,
}

impl Gauge {
    fn enter(&self) -> impl Drop + '_ {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.high.fetch_max(now, Ordering::SeqCst);
        Leave(self)
    }
}

struct Leave<'a>(&'a Gauge);
impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

static EIGHT: Gauge = Gauge {
    now: AtomicUsize::new(0),
    high: AtomicUsize::new(0),
};

#[bounded(8)]
async fn eight_at_once(work: Duration) -> u32 {
    let _in = EIGHT.enter();
    sleep(work).await;
    1
}

#[tokio::test(start_paused = true)]
async fn a_thousand_callers_never_exceed_the_limit() {
    let started = Instant::now();
    let calls: Vec<_> = (0..1000)
        .map(|_| tokio::spawn(eight_at_once(Duration::from_millis(10))))
        .collect();
    let mut done = 0;
    for call in calls {
        done += call.await.unwrap();
    }
    assert_eq!(done, 1000);
    assert_eq!(EIGHT.high.load(Ordering::SeqCst), 8);
    // 1000 calls, 8 at a time, 10ms each: exactly 125 rounds.
    assert_eq!(started.elapsed(), Duration::from_millis(1250));
}

static ONE: Bulkhead = Bulkhead::new(1);

#[bounded(in = ONE)]
async fn holds_one(work: Duration, panic: bool) {
    sleep(work).await;
    assert!(!panic, "asked to panic");
}

#[tokio::test(start_paused = true)]
async fn permits_come_back_after_panic_and_cancellation() {
    // a panic inside the body
    let panicked = tokio::spawn(holds_one(Duration::from_millis(5), true)).await;
    assert!(panicked.unwrap_err().is_panic());
    assert_eq!(ONE.in_flight(), 0);

    // dropped mid-body
    let mid_body = tokio::spawn(holds_one(Duration::from_secs(60), false));
    sleep(Duration::from_millis(1)).await;
    assert_eq!(ONE.in_flight(), 1);
    // dropped mid-wait: queued behind the first
    let mid_wait = tokio::spawn(holds_one(Duration::from_secs(60), false));
    sleep(Duration::from_millis(1)).await;
    mid_wait.abort();
    assert!(mid_wait.await.unwrap_err().is_cancelled());
    mid_body.abort();
    assert!(mid_body.await.unwrap_err().is_cancelled());
    assert_eq!(ONE.in_flight(), 0);
    assert_eq!(ONE.available(), 1);

    // and the limit still works afterwards
    holds_one(Duration::from_millis(1), false).await;
}

#[bounded(2, wait = "100ms")]
async fn shed_after_100ms(work: Duration) -> usize {
    sleep(work).await;
    7
}

#[tokio::test(start_paused = true)]
async fn wait_rejects_at_the_right_time() {
    let busy: Vec<_> = (0..2)
        .map(|_| tokio::spawn(shed_after_100ms(Duration::from_secs(1))))
        .collect();
    tokio::task::yield_now().await;
    let started = Instant::now();
    let err = shed_after_100ms(Duration::ZERO).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    match &err {
        Error::Rejected { limit, waited, .. } => {
            assert_eq!(*limit, 2);
            assert_eq!(*waited, Duration::from_millis(100));
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert!(err.function().ends_with("::shed_after_100ms"));
    for call in busy {
        assert_eq!(call.await.unwrap(), Ok(7));
    }
    // a permit freed within the wait is taken
    let busy = tokio::spawn(shed_after_100ms(Duration::from_millis(50)));
    let busy2 = tokio::spawn(shed_after_100ms(Duration::from_millis(50)));
    tokio::task::yield_now().await;
    assert_eq!(shed_after_100ms(Duration::ZERO).await, Ok(7));
    assert_eq!(busy.await.unwrap(), Ok(7));
    assert_eq!(busy2.await.unwrap(), Ok(7));
}

#[bounded(1, wait = "0s")]
async fn shed_at_once() -> Result<(), std::io::Error> {
    sleep(Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn wait_zero_rejects_at_once_through_the_users_error_type() {
    let busy = tokio::spawn(shed_at_once());
    tokio::task::yield_now().await;
    let started = Instant::now();
    let err = shed_at_once().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(err.kind(), std::io::ErrorKind::ResourceBusy);
    let inner = err.get_ref().unwrap().downcast_ref::<Error>().unwrap();
    assert!(matches!(inner, Error::Rejected { limit: 1, .. }));
    busy.await.unwrap().unwrap();
}

const LIMIT: usize = 3;
static SHARED_SEEN: Gauge = Gauge {
    now: AtomicUsize::new(0),
    high: AtomicUsize::new(0),
};
static SHARED: Bulkhead = Bulkhead::new(LIMIT);

#[bounded(in = SHARED)]
async fn shared_a() {
    let _in = SHARED_SEEN.enter();
    sleep(Duration::from_millis(10)).await;
}

#[bounded(in = SHARED)]
async fn shared_b() {
    let _in = SHARED_SEEN.enter();
    sleep(Duration::from_millis(10)).await;
}

#[tokio::test(start_paused = true)]
async fn functions_in_one_bulkhead_share_its_limit() {
    let mut calls = Vec::new();
    for _ in 0..20 {
        calls.push(tokio::spawn(shared_a()));
        calls.push(tokio::spawn(shared_b()));
    }
    tokio::task::yield_now().await;
    assert_eq!(SHARED.in_flight(), LIMIT);
    for call in calls {
        call.await.unwrap();
    }
    assert_eq!(SHARED_SEEN.high.load(Ordering::SeqCst), LIMIT);
    assert_eq!(SHARED.in_flight(), 0);
}

#[bounded(LIMIT)]
async fn const_limit(counter: Arc<AtomicUsize>) {
    counter.fetch_add(1, Ordering::SeqCst);
}

#[tokio::test]
async fn a_const_limit_works() {
    let counter = Arc::new(AtomicUsize::new(0));
    const_limit(counter.clone()).await;
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

// `in = EXPR`: a bulkhead per instance, with a limit read at run time.

/// A client whose concurrency limit comes from configuration, one bulkhead per client: tests
/// that build their own client share nothing.
struct Client {
    slots: Bulkhead,
    shared: Arc<Bulkhead>,
    gauge: Gauge,
    calls: usize,
}

impl Client {
    fn new(limit: usize) -> Self {
        Client {
            slots: Bulkhead::new(limit),
            shared: Arc::new(Bulkhead::new(limit)),
            gauge: Gauge::default(),
            calls: 0,
        }
    }

    #[bounded(in = &self.slots)]
    async fn get(&self, work: Duration) {
        let _in = self.gauge.enter();
        sleep(work).await;
    }

    // A `&mut self` method keeps its bulkhead in an `Arc`: the call holds a clone of it and
    // borrows nothing of `self`.
    #[bounded(in = &self.shared, wait = "0s")]
    async fn count(&mut self) -> usize {
        self.calls += 1;
        self.calls
    }
}

#[tokio::test(start_paused = true)]
async fn a_bulkhead_per_instance_with_a_run_time_limit() {
    let limit = "3".parse::<usize>().unwrap(); // as read from configuration
    let client = Arc::new(Client::new(limit));
    let mut calls = Vec::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.push(tokio::spawn(async move {
            client.get(Duration::from_millis(10)).await;
        }));
    }
    tokio::task::yield_now().await;
    assert_eq!(client.slots.in_flight(), 3);
    for call in calls {
        call.await.unwrap();
    }
    assert_eq!(client.gauge.high.load(Ordering::SeqCst), 3);
    assert_eq!(client.slots.in_flight(), 0);

    // A second client has its own limit.
    let other = Client::new(1);
    let (a, b) = tokio::join!(
        other.get(Duration::from_millis(10)),
        client.get(Duration::from_millis(10))
    );
    let ((), ()) = (a, b);
}

#[tokio::test]
async fn a_mut_self_method_with_an_arc_bulkhead() {
    let mut client = Client::new(1);
    assert_eq!(client.count().await, Ok(1));
    // While the only permit is held elsewhere, the call is rejected at once.
    let shared = Arc::clone(&client.shared);
    let held = shared.try_acquire().unwrap();
    assert!(matches!(client.count().await, Err(Error::Rejected { .. })));
    drop(held);
    assert_eq!(client.count().await, Ok(2));
}

#[bounded(in = pool)]
async fn through_an_argument(pool: &Bulkhead, x: u32) -> u32 {
    assert_eq!(pool.in_flight(), 1);
    x
}

#[tokio::test]
async fn a_bulkhead_passed_as_an_argument() {
    let pool = Bulkhead::new(2);
    assert_eq!(through_an_argument(&pool, 7).await, 7);
    assert_eq!(pool.in_flight(), 0);
}

const SMALL_LIMIT: u32 = 2;

#[bounded(SMALL_LIMIT)]
async fn u32_const_limit() -> u32 {
    SMALL_LIMIT
}

#[bounded(3u8)]
async fn suffixed_limit() -> u8 {
    3
}

#[tokio::test]
async fn any_unsigned_integer_limit() {
    assert_eq!(u32_const_limit().await, 2);
    assert_eq!(suffixed_limit().await, 3);
}
