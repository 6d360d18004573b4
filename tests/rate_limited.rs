//! `#[rate_limited]`: the rate holds over long windows and short ones, bursts are as wide as
//! `burst`, `wait` rejects exactly when the slot is further away, `in` shares one limit, and a
//! waiting call that is dropped gives its slot back when no later call has taken one.
//!
//! Every test runs on a paused clock: the starts are at exact instants. Each test has functions
//! (and so rate limits) of its own: a `static` limit used from two test runtimes would see two
//! clocks.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskward::{Error, RateLimit, rate_limited};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// When each call started, after the test's first instant.
struct Starts {
    at: Mutex<Vec<Duration>>,
    zero: Mutex<Option<Instant>>,
}

impl Starts {
    const fn new() -> Self {
        Starts {
            at: Mutex::new(Vec::new()),
            zero: Mutex::new(None),
        }
    }

    /// Takes now as the test's first instant.
    fn begin(&self) -> Instant {
        let now = Instant::now();
        *self.zero.lock().unwrap() = Some(now);
        now
    }

    fn record(&self) {
        let zero = self.zero.lock().unwrap().expect("begin() first");
        self.at.lock().unwrap().push(zero.elapsed());
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut at = self.at.lock().unwrap().clone();
        at.sort();
        at
    }
}

/// The most starts in any window `[t, t + len)`: a window that holds the most starts can begin at
/// one of them.
fn most_in_a_window(starts: &[Duration], len: Duration) -> usize {
    starts
        .iter()
        .enumerate()
        .map(|(i, &from)| starts[i..].iter().take_while(|&&t| t < from + len).count())
        .max()
        .unwrap_or(0)
}

/// Calls `call` from `workers` tasks, each again as soon as its last call has started, for
/// `minute` of virtual time; returns once every call made has ended.
async fn keep_calling<F, Fut>(workers: usize, until: Duration, call: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let end = Instant::now() + until;
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                while Instant::now() < end {
                    call().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

// The rate over a long window, with the default burst (`n`) and with `burst = 1`.

static TEN: Starts = Starts::new();

#[rate_limited(10, per = "1s")]
async fn ten_per_second() {
    TEN.record();
}

#[tokio::test(start_paused = true)]
async fn ten_per_second_over_a_minute() {
    TEN.begin();
    keep_calling(50, Duration::from_secs(60), ten_per_second).await;
    let starts = TEN.sorted();
    let minute: Vec<_> = starts
        .iter()
        .copied()
        .filter(|&t| t < Duration::from_secs(60))
        .collect();
    // The burst of 10 at once, then one every 100ms: 600 + the burst - 1.
    assert_eq!(minute.len(), 609);
    assert!(minute[..10].iter().all(|&t| t == Duration::ZERO));
    for (k, &t) in minute[10..].iter().enumerate() {
        assert_eq!(t, MS(100) * (k as u32 + 1), "start {}", k + 10);
    }
    // No second holds more than n + burst - 1 starts, and the first one does.
    assert_eq!(most_in_a_window(&starts, Duration::from_secs(1)), 19);
    // After the first second, every second holds exactly 10.
    assert_eq!(most_in_a_window(&minute[10..], Duration::from_secs(1)), 10);
}

static SPACED: Starts = Starts::new();

#[rate_limited(10, per = "1s", burst = 1)]
async fn ten_per_second_spaced() {
    SPACED.record();
}

#[tokio::test(start_paused = true)]
async fn burst_one_never_more_than_n_in_any_period() {
    SPACED.begin();
    keep_calling(50, Duration::from_secs(60), ten_per_second_spaced).await;
    let starts = SPACED.sorted();
    let minute = starts
        .iter()
        .filter(|&&t| t < Duration::from_secs(60))
        .count();
    assert_eq!(minute, 600);
    for (k, &t) in starts.iter().enumerate() {
        assert_eq!(t, MS(100) * k as u32);
    }
    assert_eq!(most_in_a_window(&starts, Duration::from_secs(1)), 10);
}

// Bursts.

static BURSTS: Starts = Starts::new();

#[rate_limited(10, per = "1s", burst = 3)]
async fn bursts_of_three() {
    BURSTS.record();
}

#[tokio::test(start_paused = true)]
async fn a_burst_is_as_wide_as_burst_and_comes_back_with_idle_time() {
    let zero = BURSTS.begin();
    let calls: Vec<_> = (0..5).map(|_| tokio::spawn(bursts_of_three())).collect();
    for call in calls {
        call.await.unwrap();
    }
    assert_eq!(BURSTS.sorted(), [MS(0), MS(0), MS(0), MS(100), MS(200)]);

    // 150ms after the last slot's schedule (300ms): one slot and a half came back; one call
    // starts at once, the next at the following interval.
    tokio::time::sleep_until(zero + MS(450)).await;
    BURSTS.at.lock().unwrap().clear();
    let calls: Vec<_> = (0..3).map(|_| tokio::spawn(bursts_of_three())).collect();
    for call in calls {
        call.await.unwrap();
    }
    assert_eq!(BURSTS.sorted(), [MS(450), MS(450), MS(500)]);

    // Idle for a long while: the whole burst, and no more.
    tokio::time::sleep_until(zero + Duration::from_secs(10)).await;
    BURSTS.at.lock().unwrap().clear();
    let calls: Vec<_> = (0..4).map(|_| tokio::spawn(bursts_of_three())).collect();
    for call in calls {
        call.await.unwrap();
    }
    let ten = Duration::from_secs(10);
    assert_eq!(BURSTS.sorted(), [ten, ten, ten, ten + MS(100)]);
}

// `wait`.

#[rate_limited(10, per = "1s", burst = 1, wait = "200ms")]
async fn waits_up_to_200ms() -> u32 {
    7
}

#[tokio::test(start_paused = true)]
async fn wait_rejects_exactly_when_the_slot_is_further_away() {
    let zero = Instant::now();
    let accepted: Vec<_> = (0..3).map(|_| tokio::spawn(waits_up_to_200ms())).collect();
    tokio::task::yield_now().await;
    // Slots at 0, 100ms and 200ms are taken (200ms away is not further than the wait); the next is
    // 300ms away: rejected at once, and it takes nothing, so the one after is too.
    for _ in 0..2 {
        let err = waits_up_to_200ms().await.unwrap_err();
        assert_eq!(zero.elapsed(), Duration::ZERO);
        match &err {
            Error::Rejected {
                limit,
                waited,
                per,
                retry_after,
                ..
            } => {
                assert_eq!(*limit, 10);
                assert_eq!(*waited, Duration::ZERO);
                assert_eq!(*per, Some(Duration::from_secs(1)));
                assert_eq!(*retry_after, Some(MS(300)));
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        assert!(err.to_string().ends_with(
            "::waits_up_to_200ms` rejected: over its rate of 10 calls per 1s; next slot in 300ms"
        ));
    }
    for call in accepted {
        assert_eq!(call.await.unwrap(), Ok(7));
    }
    assert_eq!(zero.elapsed(), MS(200));
    // At 200ms the next slot (300ms) is 100ms away: taken, and waited for.
    assert_eq!(waits_up_to_200ms().await, Ok(7));
    assert_eq!(zero.elapsed(), MS(300));
}

#[rate_limited(1, per = "100ms", wait = "0s")]
async fn at_once_or_not() -> std::io::Result<u8> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn wait_zero_rejects_unless_a_slot_is_free_now() {
    assert_eq!(at_once_or_not().await.unwrap(), 1);
    let err = at_once_or_not().await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ResourceBusy);
    let inner = err.get_ref().unwrap().downcast_ref::<Error>().unwrap();
    assert!(matches!(
        inner,
        Error::Rejected {
            retry_after: Some(d),
            ..
        } if *d == MS(100)
    ));
    sleep(MS(99)).await;
    assert!(at_once_or_not().await.is_err());
    sleep(MS(1)).await;
    assert_eq!(at_once_or_not().await.unwrap(), 1);
}

// `in`: shared limits.

static PARTNER: RateLimit = RateLimit::new(2, Duration::from_secs(1)).with_burst(1);
static PARTNER_STARTS: Starts = Starts::new();

#[rate_limited(in = PARTNER)]
async fn partner_quote() -> &'static str {
    PARTNER_STARTS.record();
    "quote"
}

#[rate_limited(in = PARTNER, wait = "1s")]
async fn partner_stock() -> &'static str {
    PARTNER_STARTS.record();
    "stock"
}

#[tokio::test(start_paused = true)]
async fn functions_in_one_limit_share_its_slots() {
    PARTNER_STARTS.begin();
    let (a, b, c, d) = tokio::join!(
        partner_quote(),
        partner_stock(),
        partner_quote(),
        partner_stock()
    );
    assert_eq!((a, b, c), ("quote", Ok("stock"), "quote"));
    // The fourth call's slot was 1.5s away, more than its wait.
    assert!(matches!(d, Err(Error::Rejected { .. })));
    assert_eq!(PARTNER_STARTS.sorted(), [MS(0), MS(500), MS(1000)]);
    assert_eq!((PARTNER.started(), PARTNER.rejected()), (3, 1));
    assert_eq!(PARTNER.to_string(), "2 per 1s (burst 1)");
}

/// A client whose rate comes from configuration: one limit per client, so tests that build their
/// own share nothing.
struct Client {
    limit: RateLimit,
    shared: Arc<RateLimit>,
    sent: u32,
}

impl Client {
    fn new(per_second: u32) -> Self {
        Client {
            limit: RateLimit::new(per_second, Duration::from_secs(1)).with_burst(1),
            shared: Arc::new(RateLimit::new(per_second, Duration::from_secs(1)).with_burst(1)),
            sent: 0,
        }
    }

    #[rate_limited(in = &self.limit)]
    async fn get(&self) -> Instant {
        Instant::now()
    }

    // A `&mut self` method borrows its limit only until the call starts, so a field works too;
    // an `Arc` is cloned.
    #[rate_limited(in = &self.limit)]
    async fn send(&mut self) -> u32 {
        self.sent += 1;
        self.sent
    }

    #[rate_limited(in = &self.shared, wait = "0s")]
    async fn ping(&mut self) -> u32 {
        self.sent += 1;
        self.sent
    }
}

#[rate_limited(in = limit)]
async fn through_an_argument(limit: &RateLimit, x: u32) -> u32 {
    x
}

#[tokio::test(start_paused = true)]
async fn a_limit_per_instance_with_a_run_time_rate() {
    let zero = Instant::now();
    let per_second = "4".parse().unwrap(); // as read from configuration
    let mut client = Client::new(per_second);
    let other = Client::new(1);
    let (a, b, c) = tokio::join!(client.get(), client.get(), other.get());
    let mut got = [a - zero, b - zero];
    got.sort();
    assert_eq!(got, [MS(0), MS(250)]);
    // The other client's limit is its own.
    assert_eq!(c - zero, MS(0));

    assert_eq!(client.send().await, 1);
    assert_eq!(zero.elapsed(), MS(500));
    assert_eq!(client.ping().await, Ok(2));
    assert!(matches!(client.ping().await, Err(Error::Rejected { .. })));
    assert_eq!(client.limit.started(), 3);
    assert_eq!(client.shared.started(), 1);

    let limit = RateLimit::new(1, Duration::from_secs(1));
    assert_eq!(through_an_argument(&limit, 1).await, 1);
    assert_eq!(through_an_argument(&limit, 2).await, 2);
    assert_eq!(zero.elapsed(), Duration::from_millis(1500));
}

// Cancellation: a waiting call that is dropped.

static DROPPED: RateLimit = RateLimit::new(10, Duration::from_secs(1)).with_burst(1);
static DROPPED_STARTS: Starts = Starts::new();

#[rate_limited(in = DROPPED)]
async fn may_be_dropped(name: &'static str) -> &'static str {
    DROPPED_STARTS.record();
    name
}

#[tokio::test(start_paused = true)]
async fn a_dropped_waiting_call_gives_its_slot_back_when_it_is_the_latest() {
    let zero = DROPPED_STARTS.begin();
    assert_eq!(may_be_dropped("first").await, "first");
    // The latest slot (100ms) is dropped while waiting for it: given back, the next call has it.
    let dropped = tokio::spawn(may_be_dropped("dropped"));
    tokio::task::yield_now().await;
    assert_eq!(DROPPED.waiting(), 1);
    assert_eq!(DROPPED.next_slot_in(), MS(200));
    dropped.abort();
    assert!(dropped.await.unwrap_err().is_cancelled());
    assert_eq!(DROPPED.waiting(), 0);
    assert_eq!(DROPPED.next_slot_in(), MS(100));
    assert_eq!(may_be_dropped("second").await, "second");
    assert_eq!(zero.elapsed(), MS(100));

    // Two waiting (slots at 200ms and 300ms); the earlier one is dropped: a later slot stands, so
    // its slot stays unused, and the next call comes after the later one.
    let early = tokio::spawn(may_be_dropped("early"));
    let late = tokio::spawn(may_be_dropped("late"));
    tokio::task::yield_now().await;
    assert_eq!(DROPPED.waiting(), 2);
    early.abort();
    assert!(early.await.unwrap_err().is_cancelled());
    assert_eq!(DROPPED.waiting(), 1);
    assert_eq!(may_be_dropped("next").await, "next");
    assert_eq!(zero.elapsed(), MS(400));
    assert_eq!(late.await.unwrap(), "late");
    assert_eq!(DROPPED_STARTS.sorted(), [MS(0), MS(100), MS(300), MS(400)]);
    assert_eq!(DROPPED.started(), 4);
}

// A panic in the body: the slot was spent when the call started; nothing else changes.

static PANICS: AtomicU32 = AtomicU32::new(0);

#[rate_limited(1, per = "1s")]
async fn panics_once() -> u32 {
    if PANICS.fetch_add(1, Ordering::SeqCst) == 0 {
        panic!("asked to panic");
    }
    2
}

#[tokio::test(start_paused = true)]
async fn a_panic_spends_the_slot_and_nothing_else() {
    let zero = Instant::now();
    assert!(tokio::spawn(panics_once()).await.unwrap_err().is_panic());
    assert_eq!(panics_once().await, 2);
    assert_eq!(zero.elapsed(), Duration::from_secs(1));
}

// The events: a call that waits says how long; a rejected call, how far its slot was.

mod events {
    use std::sync::{Arc, Mutex};

    use taskward::rate_limited;
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    /// `level message key=value ...` of each of taskward's events.
    #[derive(Clone, Default)]
    struct Record(Arc<Mutex<Vec<String>>>);

    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{} {value:?}", self.0);
            } else {
                self.0.push_str(&format!(" {}={value:?}", field.name()));
            }
        }
    }

    impl<S: tracing::Subscriber> Layer<S> for Record {
        fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
            if event.metadata().target() != "taskward" {
                return;
            }
            let mut line = Line(event.metadata().level().to_string());
            event.record(&mut line);
            self.0.lock().unwrap().push(line.0);
        }
    }

    #[rate_limited(2, per = "1s", wait = "600ms")]
    async fn quote() -> u32 {
        1
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_and_a_rejection_are_told_with_their_figures() {
        let record = Record::default();
        let _guard =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(record.clone()));
        // A burst of 2, then slots at 500ms (waited for) and 1s (further than 600ms: rejected).
        let (a, b, c, d) = tokio::join!(quote(), quote(), quote(), quote());
        assert_eq!((a, b, c), (Ok(1), Ok(1), Ok(1)));
        assert!(d.is_err());
        let lines = record.0.lock().unwrap().clone();
        let function = "function=\"rate_limited::events::quote\"";
        assert_eq!(
            lines,
            [
                format!(
                    "DEBUG waits for its slot {function} wait=500ms rate=2 per 1s (burst 2) waiting=1"
                ),
                format!(
                    "WARN rejected: its slot is further away than it may wait {function} slot_in=1s wait=600ms rate=2 per 1s (burst 2) waiting=1"
                ),
            ]
        );
    }
}
