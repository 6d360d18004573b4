//! `#[bounded(adaptive)]`: a limit that follows the latency of the calls, through the facade, on a
//! paused clock.
//!
//! The dependency of most tests is simulated: it serves `KNEE` calls at once in `BASE` each, and
//! past the knee each call takes longer in proportion to the calls in flight there (a server with
//! `KNEE` workers, whose extra calls queue): `BASE × max(1, in_flight / KNEE)`. Its throughput is
//! flat past the knee, so any limit above it only adds latency. Driven by 50 callers in a closed
//! loop, the limit must settle near the knee. Print the figures with
//! `cargo test --test bounded_adaptive -- --nocapture`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskward::{AdaptiveBulkhead, AdaptiveLimit, Algorithm, Error, bounded};
use tokio::time::{Instant, sleep};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const KNEE: usize = 10;
const BASE: Duration = Duration::from_millis(10);
const CALLERS: usize = 50;

/// The simulated dependency.
#[derive(Default)]
struct Dependency {
    in_flight: AtomicUsize,
    most: AtomicUsize,
}

impl Dependency {
    async fn call(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let latency = BASE * u32::try_from(now.max(KNEE)).unwrap() / u32::try_from(KNEE).unwrap();
        sleep(latency).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[bounded(adaptive, in = pool)]
async fn through(pool: &AdaptiveBulkhead, dependency: &Dependency) {
    dependency.call().await;
}

/// The limit every 100ms while `CALLERS` callers call `through` in a closed loop for `run`.
async fn drive(pool: &AdaptiveBulkhead, run: Duration) -> Vec<usize> {
    let dependency = Dependency::default();
    let end = Instant::now() + run;
    let callers = (0..CALLERS).map(|_| async {
        while Instant::now() < end {
            through(pool, &dependency).await;
        }
    });
    let watch = async {
        let mut limits = Vec::new();
        while Instant::now() < end {
            sleep(Duration::from_millis(100)).await;
            limits.push(pool.limit());
            assert!((pool.min()..=pool.max()).contains(&pool.limit()));
        }
        limits
    };
    let (limits, ()) = tokio::join!(watch, join_all(callers));
    limits
}

/// Runs the futures concurrently on this task (they borrow from the caller: no spawning).
async fn join_all<F: Future<Output = ()>>(futures: impl Iterator<Item = F>) {
    let mut futures: Vec<_> = futures.map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        futures.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futures.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

fn settle(name: &str, limits: &[usize]) -> (usize, usize, f64) {
    // The last half of the run.
    let settled = &limits[limits.len() / 2..];
    let low = *settled.iter().min().unwrap();
    let high = *settled.iter().max().unwrap();
    #[allow(clippy::cast_precision_loss)]
    let mean = settled.iter().sum::<usize>() as f64 / settled.len() as f64;
    println!(
        "{name}: knee {KNEE}; limit over the last half of the run: {low}..={high}, mean {mean:.1}; \
         the first second: {:?}",
        &limits[..10]
    );
    (low, high, mean)
}

#[tokio::test(start_paused = true)]
async fn aimd_settles_near_the_knee() {
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().min(1).max(100));
    let limits = drive(&pool, Duration::from_secs(20)).await;
    let (low, high, mean) = settle("aimd", &limits);
    // The latency reaches 1.5× the baseline at 1.5 × KNEE = 15 calls; the moving average lags a
    // little, so the sawtooth peaks a call or two above, and each decrease takes 10% off.
    assert!(low >= KNEE, "{low}");
    assert!(high <= KNEE * 3 / 2 + 2, "{high}");
    assert!((13.0..=16.0).contains(&mean), "{mean}");
}

/// Started well above the knee (40), the limit comes down to it: the first calls to end are
/// those that found the dependency below its knee, so the baseline is its latency unloaded.
#[tokio::test(start_paused = true)]
async fn started_past_the_knee_aimd_comes_down_to_it() {
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(40).max(100));
    let limits = drive(&pool, Duration::from_secs(20)).await;
    let (low, high, mean) = settle("aimd from 40", &limits);
    assert_eq!(pool.baseline(), Some(BASE));
    assert!(low >= KNEE, "{low}");
    assert!(high <= KNEE * 3 / 2 + 2, "{high}");
    assert!((13.0..=16.0).contains(&mean), "{mean}");
}

#[tokio::test(start_paused = true)]
async fn vegas_settles_a_few_calls_above_the_knee() {
    let pool = AdaptiveBulkhead::new(
        AdaptiveLimit::new()
            .min(1)
            .max(100)
            .algorithm(Algorithm::Vegas),
    );
    let limits = drive(&pool, Duration::from_secs(20)).await;
    // The knee plus a queue of 3 to 6 calls.
    let (low, high, _) = settle("vegas", &limits);
    assert!(low >= KNEE + 2, "{low}");
    assert!(high <= KNEE + 7, "{high}");
}

// ---------------------------------------------------------------------------------------------
// Growth, decrease, and running calls.

/// A dependency whose latency never rises: the limit grows to its `max` (while it is used).
#[tokio::test(start_paused = true)]
async fn the_limit_grows_while_there_is_room_and_stops_at_max() {
    #[bounded(adaptive, in = pool)]
    async fn flat(pool: &AdaptiveBulkhead) {
        sleep(BASE).await;
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().max(20));
    assert_eq!(pool.limit(), 1, "from `min`");
    let end = Instant::now() + Duration::from_secs(2);
    join_all((0..CALLERS).map(|_| async {
        while Instant::now() < end {
            flat(&pool).await;
        }
    }))
    .await;
    assert_eq!(pool.limit(), 20);
    assert_eq!(pool.in_flight(), 0);
    assert_eq!(pool.baseline(), Some(BASE));
}

/// A limit that is not used (fewer calls than half of it) does not grow: its latency says nothing
/// about more calls.
#[tokio::test(start_paused = true)]
async fn an_unused_limit_does_not_grow() {
    #[bounded(adaptive, in = pool)]
    async fn flat(pool: &AdaptiveBulkhead) {
        sleep(BASE).await;
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(10));
    for _ in 0..100 {
        join_all((0..4).map(|_| flat(&pool))).await;
    }
    assert_eq!(pool.limit(), 10);
}

#[derive(Debug, PartialEq)]
struct Failed;

/// Each failed call takes 10% off the limit, down to `min`, once per round trip: here the calls
/// run one after another, so each one is a round trip.
#[tokio::test(start_paused = true)]
async fn errors_bring_the_limit_down_to_min() {
    #[bounded(adaptive, in = pool)]
    async fn failing(pool: &AdaptiveBulkhead) -> Result<(), Failed> {
        sleep(BASE).await;
        Err(Failed)
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().min(2).initial(20));
    let mut limits = Vec::new();
    for _ in 0..30 {
        assert_eq!(failing(&pool).await, Err(Failed));
        limits.push(pool.limit());
    }
    // 20 × 0.9^n, rounded down, until min.
    assert_eq!(&limits[..6], [18, 16, 14, 13, 11, 10]);
    assert_eq!(limits.last(), Some(&2));
}

/// Calls that end together after one decrease do not each take 10% off: they were admitted
/// before the decrease, which answered them already.
#[tokio::test(start_paused = true)]
async fn one_decrease_per_round_trip() {
    #[bounded(adaptive, in = pool)]
    async fn failing(pool: &AdaptiveBulkhead) -> Result<(), Failed> {
        sleep(BASE).await;
        Err(Failed)
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(20));
    join_all((0..20).map(|_| async {
        let _ = failing(&pool).await;
    }))
    .await;
    assert_eq!(pool.limit(), 18);
}

/// A call dropped while it runs (an outer timeout, a caller gone) counts as a failure.
#[tokio::test(start_paused = true)]
async fn a_dropped_call_counts_as_a_failure() {
    #[bounded(adaptive, in = pool)]
    async fn slow(pool: &AdaptiveBulkhead) {
        sleep(Duration::from_secs(10)).await;
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(10));
    let cut = tokio::time::timeout(BASE, slow(&pool)).await;
    assert!(cut.is_err());
    assert_eq!((pool.limit(), pool.in_flight()), (9, 0));
}

/// A lower limit admits fewer calls next; the calls running go on to their end.
#[tokio::test(start_paused = true)]
async fn a_decrease_does_not_cut_running_calls() {
    #[bounded(adaptive, in = pool)]
    async fn work(pool: &AdaptiveBulkhead, ms: u64, ok: bool) -> Result<u64, Failed> {
        sleep(Duration::from_millis(ms)).await;
        if ok { Ok(ms) } else { Err(Failed) }
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().min(1).initial(4));
    let long = Duration::from_millis(1000);
    let started = Instant::now();
    let (running, failed, after) = tokio::join!(
        // 3 long calls hold 3 of the 4 permits.
        join_all_values((0..3).map(|_| work(&pool, 1000, true))),
        // A failing call: the limit goes down to 3, with 3 calls still running.
        work(&pool, 10, false),
        // A call that arrives once the limit is 3: it waits for one of the 3 to end.
        async {
            sleep(Duration::from_millis(20)).await;
            assert_eq!((pool.limit(), pool.in_flight()), (3, 3));
            let result = work(&pool, 1, true).await;
            (result, started.elapsed())
        },
    );
    assert_eq!(running, [Ok(1000), Ok(1000), Ok(1000)]);
    assert_eq!(failed, Err(Failed));
    assert_eq!(after, (Ok(1), long + Duration::from_millis(1)));
    assert_eq!(pool.in_flight(), 0);
}

/// A decrease below the calls in flight: the permits of the calls that end pay the difference
/// (they are not given back), so the next call is admitted only once in-flight is below the new
/// limit.
#[tokio::test(start_paused = true)]
async fn a_deep_decrease_is_paid_by_the_calls_that_end() {
    #[bounded(adaptive, in = pool)]
    async fn work(pool: &AdaptiveBulkhead, ms: u64, ok: bool) -> Result<u64, Failed> {
        sleep(Duration::from_millis(ms)).await;
        if ok { Ok(ms) } else { Err(Failed) }
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(30));
    let started = Instant::now();
    let (long, failed, waiting) = tokio::join!(
        // 29 long calls, ending at 100, 101, ... 128ms.
        join_all_values((0..29).map(|i| work(&pool, 100 + i, true))),
        // One short call fails at 10ms: 30 × 0.9 = 27, with 29 in flight.
        work(&pool, 10, false),
        // A call at 20ms waits until 26 are in flight: after the 3rd long call ends, at 102ms.
        async {
            sleep(Duration::from_millis(20)).await;
            assert_eq!((pool.limit(), pool.in_flight()), (27, 29));
            let admitted = pool.acquire().await;
            let at = started.elapsed();
            admitted.finish(true);
            at
        },
    );
    assert_eq!(long.len(), 29);
    assert_eq!(failed, Err(Failed));
    assert_eq!(waiting, Duration::from_millis(102));
    assert_eq!(pool.in_flight(), 0);
}

async fn join_all_values<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(f) = future {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *future = None;
                    }
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

// ---------------------------------------------------------------------------------------------
// The forms: a limit of the function's own, a shared `static`, an `Arc`, `wait`.

#[bounded(adaptive)]
async fn own(x: u32) -> u32 {
    x + 1
}

#[bounded(adaptive, min = 2, max = 4, initial = 3, algorithm = vegas)]
async fn own_with_settings(x: u32) -> u32 {
    x + 1
}

static SHARED: AdaptiveBulkhead = AdaptiveBulkhead::new(AdaptiveLimit::new().min(2).max(16));

#[bounded(adaptive, in = SHARED)]
async fn one_side() -> u32 {
    assert_eq!(SHARED.in_flight(), 1);
    1
}

#[bounded(adaptive, in = SHARED)]
async fn other_side() -> u32 {
    2
}

#[tokio::test]
async fn a_limit_of_its_own_or_a_shared_static() {
    assert_eq!(own(1).await, 2);
    assert_eq!(own_with_settings(1).await, 2);
    assert_eq!(one_side().await + other_side().await, 3);
    // Two calls: no baseline yet (it takes 10), so the limit is still its first, `min`.
    assert_eq!((SHARED.limit(), SHARED.in_flight()), (2, 0));
    assert_eq!((SHARED.min(), SHARED.max()), (2, 16));
    assert_eq!(SHARED.algorithm(), Algorithm::Aimd);
}

struct Client {
    pool: Arc<AdaptiveBulkhead>,
    sent: u32,
}

impl Client {
    #[bounded(adaptive, in = &self.pool)]
    async fn send(&mut self) -> u32 {
        self.sent += 1;
        self.sent
    }
}

#[tokio::test]
async fn an_arc_for_a_mut_self_method() {
    let mut client = Client {
        pool: Arc::new(AdaptiveBulkhead::new(AdaptiveLimit::new())),
        sent: 0,
    };
    assert_eq!(client.send().await, 1);
    assert_eq!(client.send().await, 2);
    assert_eq!(client.pool.in_flight(), 0);
}

/// With `wait`, a call that finds no permit within it fails with `Error::Rejected`, which names
/// the limit of that moment; the body does not run, and the limit does not move.
#[tokio::test(start_paused = true)]
async fn with_wait_a_call_is_rejected() {
    #[bounded(adaptive, in = pool, wait = "50ms")]
    async fn shed(pool: &AdaptiveBulkhead, ms: u64) -> u64 {
        sleep(Duration::from_millis(ms)).await;
        ms
    }
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().min(1).initial(1));
    let (first, second) = tokio::join!(shed(&pool, 100), async {
        tokio::task::yield_now().await;
        shed(&pool, 1).await
    });
    assert_eq!(first.unwrap(), 100);
    match second {
        Err(Error::Rejected { limit, waited, .. }) => {
            assert_eq!((limit, waited), (1, Duration::from_millis(50)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pool.limit(), 1);
}

// ---------------------------------------------------------------------------------------------
// The event of a change.

#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write;
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }
        if event.metadata().target() == "taskward" {
            let mut fields = Fields(format!("{}", event.metadata().level()));
            event.record(&mut fields);
            self.0.lock().unwrap().push(fields.0);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn each_change_is_a_debug_event_with_the_function_and_both_limits() {
    #[bounded(adaptive, in = pool)]
    async fn failing(pool: &AdaptiveBulkhead) -> Result<(), Failed> {
        sleep(BASE).await;
        Err(Failed)
    }
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(events.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let pool = AdaptiveBulkhead::new(AdaptiveLimit::new().initial(10));
    let _ = failing(&pool).await;
    let _ = failing(&pool).await;
    let events = events.0.lock().unwrap();
    assert_eq!(
        *events,
        [
            "DEBUG message=adaptive limit changed function=\"bounded_adaptive::failing\" from=10 to=9 latency=10ms succeeded=false",
            "DEBUG message=adaptive limit changed function=\"bounded_adaptive::failing\" from=9 to=8 latency=10ms succeeded=false",
        ]
    );
}
