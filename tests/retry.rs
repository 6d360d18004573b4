//! `#[retry]`: exact attempt counts (`attempts` counts calls), delays within their bounds and
//! exactly doubling without jitter, `on` and `when` filtering, `total` and an outer deadline
//! capping the backoff, the retry budget refusing retries under sustained failure and allowing
//! them again, panics not retried, fresh arguments and `self` re-borrowed for each attempt, and
//! the events it emits.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskward::{Error, retry, with_timeout};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// The instants (from `origin`) at which the attempts of calls began.
#[derive(Default)]
struct Attempts {
    starts: Mutex<Vec<Duration>>,
}

impl Attempts {
    /// Records an attempt; its number, from 1.
    fn record(&self, origin: Instant) -> u32 {
        let mut starts = self.starts.lock().unwrap();
        starts.push(origin.elapsed());
        u32::try_from(starts.len()).unwrap()
    }

    fn starts(&self) -> Vec<Duration> {
        self.starts.lock().unwrap().clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum FetchError {
    Timeout(u32),
    Io(u32),
    NotFound(u32),
    Wrapped(Error),
}

impl FetchError {
    fn is_transient(&self) -> bool {
        !matches!(self, FetchError::NotFound(_))
    }

    fn attempt(&self) -> u32 {
        match self {
            FetchError::Timeout(n) | FetchError::Io(n) | FetchError::NotFound(n) => *n,
            FetchError::Wrapped(_) => 0,
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<Error> for FetchError {
    fn from(err: Error) -> Self {
        FetchError::Wrapped(err)
    }
}

/// A failure for attempt `n` from a script: `t` a timeout, `i` an I/O error, `n` not found, and
/// anything else (or the end of the script) a success.
fn scripted(script: &str, n: u32) -> Result<u32, FetchError> {
    match script.as_bytes().get(n as usize - 1) {
        Some(b't') => Err(FetchError::Timeout(n)),
        Some(b'i') => Err(FetchError::Io(n)),
        Some(b'n') => Err(FetchError::NotFound(n)),
        _ => Ok(n),
    }
}

#[retry(attempts = 4, backoff = "100ms..1s", jitter = false, budget = false)]
async fn four_attempts(
    attempts: Arc<Attempts>,
    origin: Instant,
    script: &str,
) -> Result<u32, FetchError> {
    scripted(script, attempts.record(origin))
}

#[tokio::test(start_paused = true)]
async fn attempts_counts_calls_and_giving_up_returns_the_last_err() {
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    // 4 calls, 3 retries; the last `Err` of the body itself.
    assert_eq!(
        four_attempts(attempts.clone(), origin, "tttttt").await,
        Err(FetchError::Timeout(4))
    );
    assert_eq!(attempts.starts(), [0, 100, 300, 700].map(MS));

    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(four_attempts(attempts.clone(), origin, "ti").await, Ok(3));
    assert_eq!(attempts.starts(), [0, 100, 300].map(MS));

    let attempts = Arc::new(Attempts::default());
    assert_eq!(four_attempts(attempts.clone(), origin, "").await, Ok(1));
    assert_eq!(attempts.starts().len(), 1);
}

#[retry(attempts = 1)]
async fn one_attempt(attempts: Arc<Attempts>, origin: Instant) -> Result<u32, FetchError> {
    scripted("t", attempts.record(origin))
}

#[tokio::test(start_paused = true)]
async fn one_attempt_never_retries() {
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        one_attempt(attempts.clone(), Instant::now()).await,
        Err(FetchError::Timeout(1))
    );
    assert_eq!(attempts.starts().len(), 1);
}

#[retry(attempts = 8, backoff = "100ms..1s", jitter = false)]
async fn doubling(attempts: Arc<Attempts>, origin: Instant) -> Result<u32, FetchError> {
    scripted("tttttttt", attempts.record(origin))
}

#[tokio::test(start_paused = true)]
async fn without_jitter_the_delays_double_exactly_up_to_the_cap() {
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(
        doubling(attempts.clone(), origin).await,
        Err(FetchError::Timeout(8))
    );
    let starts = attempts.starts();
    let delays: Vec<_> = starts.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert_eq!(delays, [100, 200, 400, 800, 1000, 1000, 1000].map(MS));
}

#[retry(attempts = 10, backoff = "100ms..800ms")]
async fn jittered(attempts: Arc<Attempts>, origin: Instant) -> Result<u32, FetchError> {
    scripted("ttttttttt", attempts.record(origin))
}

/// When each attempt of a call began, after seeding the jitter with `seed`.
async fn jittered_starts(seed: u64) -> Vec<Duration> {
    taskward::seed_jitter(seed);
    let attempts = Arc::new(Attempts::default());
    assert_eq!(jittered(attempts.clone(), Instant::now()).await, Ok(10));
    attempts.starts()
}

#[tokio::test(start_paused = true)]
async fn jittered_delays_stay_within_their_bounds_and_are_reproducible() {
    let mut distinct = std::collections::HashSet::new();
    for seed in 0..20 {
        let starts = jittered_starts(seed).await;
        assert_eq!(starts.len(), 10);
        for (k, pair) in starts.windows(2).enumerate() {
            let delay = pair[1] - pair[0];
            let upper = MS(100 << k.min(3));
            assert!(delay >= MS(100) && delay <= upper, "delay {k}: {delay:?}");
            distinct.insert(delay);
        }
        assert_eq!(jittered_starts(seed).await, starts);
    }
    // Drawn, not fixed: far more than the 4 upper bounds.
    assert!(distinct.len() > 100, "{}", distinct.len());
}

#[retry(attempts = 5, backoff = "10ms..10ms", on = FetchError::Timeout(_) | FetchError::Io(_))]
async fn on_pattern(
    attempts: Arc<Attempts>,
    origin: Instant,
    script: &str,
) -> Result<u32, FetchError> {
    scripted(script, attempts.record(origin))
}

#[tokio::test(start_paused = true)]
async fn on_retries_only_the_errors_that_match_its_pattern() {
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(on_pattern(attempts.clone(), origin, "ti").await, Ok(3));
    assert_eq!(attempts.starts().len(), 3);
    // Not found: returned at once, no retry.
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        on_pattern(attempts.clone(), origin, "tnt").await,
        Err(FetchError::NotFound(2))
    );
    assert_eq!(attempts.starts().len(), 2);
}

#[retry(attempts = 5, backoff = "10ms..10ms", when = FetchError::is_transient)]
async fn when_method(
    attempts: Arc<Attempts>,
    origin: Instant,
    script: &str,
) -> Result<u32, FetchError> {
    scripted(script, attempts.record(origin))
}

/// Retries the first two attempts' errors only.
fn early(err: &FetchError) -> bool {
    err.attempt() <= 2
}

#[retry(attempts = 5, backoff = "10ms..10ms", when = early)]
async fn when_function(
    attempts: Arc<Attempts>,
    origin: Instant,
    script: &str,
) -> Result<u32, FetchError> {
    scripted(script, attempts.record(origin))
}

#[retry(attempts = 5, backoff = "10ms..10ms", when = |err| err.attempt() <= 2)]
async fn when_closure(
    attempts: Arc<Attempts>,
    origin: Instant,
    script: &str,
) -> Result<u32, FetchError> {
    scripted(script, attempts.record(origin))
}

#[tokio::test(start_paused = true)]
async fn when_retries_only_the_errors_its_predicate_accepts() {
    let origin = Instant::now();
    let attempts = Arc::new(Attempts::default());
    assert_eq!(when_method(attempts.clone(), origin, "itt").await, Ok(4));
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        when_method(attempts.clone(), origin, "itnt").await,
        Err(FetchError::NotFound(3))
    );
    assert_eq!(attempts.starts().len(), 3);
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        when_function(attempts.clone(), origin, "tttt").await,
        Err(FetchError::Timeout(3))
    );
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        when_closure(attempts.clone(), origin, "tttt").await,
        Err(FetchError::Timeout(3))
    );
}

#[retry(
    attempts = 5,
    backoff = "10ms..10ms",
    on = FetchError::Timeout(_) | FetchError::NotFound(_),
    when = early
)]
async fn on_and_when(
    attempts: Arc<Attempts>,
    origin: Instant,
    script: &str,
) -> Result<u32, FetchError> {
    scripted(script, attempts.record(origin))
}

#[tokio::test(start_paused = true)]
async fn with_on_and_when_both_must_hold() {
    let origin = Instant::now();
    // Matches `on`, and `early`: retried twice, then `early` refuses the third.
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        on_and_when(attempts.clone(), origin, "tnt").await,
        Err(FetchError::Timeout(3))
    );
    // `early` accepts it, but an I/O error does not match `on`.
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        on_and_when(attempts.clone(), origin, "ti").await,
        Err(FetchError::Io(2))
    );
}

#[retry(
    attempts = 10,
    backoff = "300ms..10s",
    jitter = false,
    total = "1s",
    allow(total_shorter_than_retries)
)]
async fn capped(attempts: Arc<Attempts>, origin: Instant, busy: u64) -> Result<u32, FetchError> {
    let n = attempts.record(origin);
    sleep(MS(busy)).await;
    scripted("tttttttttt", n)
}

#[tokio::test(start_paused = true)]
async fn total_lets_no_attempt_begin_at_or_past_it() {
    // Delays 300ms, 600ms, 1200ms: the 3rd attempt begins at 900ms; a 4th would begin at
    // 2100ms, past the cap, so the call gives up at 900ms with the 3rd `Err`, without sleeping.
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(
        capped(attempts.clone(), origin, 0).await,
        Err(FetchError::Timeout(3))
    );
    assert_eq!(attempts.starts(), [0, 300, 900].map(MS));
    assert_eq!(origin.elapsed(), MS(900));
    // The attempts' own time counts: 150ms each, attempts begin at 0, 450ms; a 3rd would begin
    // at 600 + 600ms.
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(
        capped(attempts.clone(), origin, 150).await,
        Err(FetchError::Timeout(2))
    );
    assert_eq!(attempts.starts(), [0, 450].map(MS));
    assert_eq!(origin.elapsed(), MS(600));
}

#[with_timeout("1s", allow(deadline_shorter_than_retries))]
#[retry(attempts = 10, backoff = "300ms..10s", jitter = false)]
async fn under_a_deadline(
    attempts: Arc<Attempts>,
    origin: Instant,
    busy: u64,
) -> Result<u32, FetchError> {
    let n = attempts.record(origin);
    sleep(MS(busy)).await;
    scripted("tttttttttt", n)
}

#[tokio::test(start_paused = true)]
async fn an_outer_deadline_caps_the_backoff_at_run_time() {
    // As `total`: the backoff never sleeps into the deadline; the call gives up at 900ms with
    // the body's last `Err`, not with a timeout at 1s.
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(
        under_a_deadline(attempts.clone(), origin, 0).await,
        Err(FetchError::Timeout(3))
    );
    assert_eq!(attempts.starts(), [0, 300, 900].map(MS));
    assert_eq!(origin.elapsed(), MS(900));
    // An attempt in progress at the deadline is cut by it: attempts at 0 and 500ms, the 2nd
    // runs until 700ms, its retry would begin at 1300ms: gives up at 700ms.
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(
        under_a_deadline(attempts.clone(), origin, 200).await,
        Err(FetchError::Timeout(2))
    );
    assert_eq!(origin.elapsed(), MS(700));
    // An attempt that runs past the deadline is cut by it, as with any `#[with_timeout]`.
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    let err = under_a_deadline(attempts.clone(), origin, 2000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Wrapped(Error::Timeout { .. })),
        "{err:?}"
    );
    assert_eq!(origin.elapsed(), MS(1000));
}

#[retry(attempts = 3, backoff = "100ms..100ms", on = FetchError::Wrapped(Error::Timeout { .. }))]
#[with_timeout("1s")]
async fn per_attempt_deadline(attempts: Arc<Attempts>, origin: Instant) -> Result<u32, FetchError> {
    let n = attempts.record(origin);
    if n < 3 {
        sleep(MS(5000)).await;
    }
    Ok(n)
}

#[retry(attempts = 2, backoff = "100ms..100ms")]
#[with_timeout("1s")]
async fn plain_output(slow: bool) -> u32 {
    if slow {
        sleep(MS(5000)).await;
    }
    7
}

#[tokio::test(start_paused = true)]
async fn an_attempt_cut_by_its_own_deadline_is_retried() {
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    assert_eq!(per_attempt_deadline(attempts.clone(), origin).await, Ok(3));
    assert_eq!(attempts.starts(), [0, 1100, 2200].map(MS));
    // A function of another type: its `Err` is the `taskward::Error`, the last of them.
    assert_eq!(plain_output(false).await, Ok(7));
    let origin = Instant::now();
    assert!(plain_output(true).await.unwrap_err().is_timeout());
    assert_eq!(origin.elapsed(), MS(2100));
}

#[retry(attempts = 2, backoff = "1ms..1ms", jitter = false, budget = 0.5)]
async fn budgeted(calls: Arc<AtomicU32>) -> Result<(), FetchError> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    Err(FetchError::Timeout(n))
}

/// A call of `budgeted`, which always fails: whether it was retried.
async fn budgeted_retried() -> bool {
    let calls = Arc::new(AtomicU32::new(0));
    let result = budgeted(calls.clone()).await;
    let made = calls.load(Ordering::SeqCst);
    assert_eq!(result, Err(FetchError::Timeout(made)));
    made == 2
}

#[tokio::test(start_paused = true)]
async fn the_budget_refuses_retries_under_sustained_failure_and_allows_them_again() {
    // The budget starts with 100 retries. The first call takes one; each later one deposits half
    // a retry, is credited 0.01 of the floor (10 a second) for the 1ms backoff before it, and
    // takes one: 0.49 a call. The 204th call finds 0.53 of a retry and is refused.
    let mut calls = 1;
    while budgeted_retried().await {
        calls += 1;
    }
    assert_eq!(calls, 204);
    // Sustained failure: about one retry for two calls (the deposits), a little more (the floor).
    let mut retried = 0;
    for _ in 0..100 {
        retried += u32::from(budgeted_retried().await);
    }
    assert_eq!(retried, 51);
    // Ten seconds without a call: the floor fills the budget again.
    sleep(MS(10_000)).await;
    for _ in 0..100 {
        assert!(budgeted_retried().await);
    }
}

#[retry(attempts = 2, backoff = "1ms..1ms", budget = false)]
async fn unbudgeted(calls: Arc<AtomicU32>) -> Result<(), FetchError> {
    calls.fetch_add(1, Ordering::SeqCst);
    Err(FetchError::Timeout(0))
}

#[tokio::test(start_paused = true)]
async fn without_a_budget_every_call_retries() {
    let calls = Arc::new(AtomicU32::new(0));
    for _ in 0..1000 {
        let _ = unbudgeted(calls.clone()).await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2000);
}

#[retry(attempts = 3, backoff = "10ms..10ms")]
async fn panics(calls: Arc<AtomicU32>) -> Result<(), FetchError> {
    calls.fetch_add(1, Ordering::SeqCst);
    panic!("the parser is broken");
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_not_retried_and_unwinds_through() {
    let calls = Arc::new(AtomicU32::new(0));
    let joined = tokio::spawn(panics(calls.clone())).await;
    let panic = joined.unwrap_err().into_panic();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the parser is broken"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_during_the_backoff_ends_it() {
    let attempts = Arc::new(Attempts::default());
    let origin = Instant::now();
    // Cut during the 2nd backoff sleep (100ms, then 200ms from 100ms).
    let cut = tokio::time::timeout(MS(250), four_attempts(attempts.clone(), origin, "tttt")).await;
    assert!(cut.is_err());
    sleep(MS(10_000)).await;
    assert_eq!(attempts.starts(), [0, 100].map(MS));
}

#[derive(Clone, Debug)]
struct Job {
    items: Vec<u32>,
}

#[retry(attempts = 3, backoff = "1ms..1ms")]
async fn consumes(mut job: Job, seen: Arc<Mutex<Vec<Vec<u32>>>>) -> Result<(), FetchError> {
    // The body takes its argument apart: each attempt must get a fresh copy.
    job.items.pop();
    let mut seen = seen.lock().unwrap();
    seen.push(job.items);
    if seen.len() < 3 {
        Err(FetchError::Io(0))
    } else {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn each_attempt_gets_fresh_arguments() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let job = Job {
        items: vec![1, 2, 3],
    };
    assert_eq!(consumes(job, seen.clone()).await, Ok(()));
    assert_eq!(*seen.lock().unwrap(), [vec![1, 2], vec![1, 2], vec![1, 2]]);
}

struct Client {
    calls: u32,
    fail_until: u32,
}

impl Client {
    #[retry(attempts = 5, backoff = "1ms..1ms")]
    async fn get_mut(&mut self, key: &str) -> Result<String, FetchError> {
        self.calls += 1;
        if self.calls < self.fail_until {
            return Err(FetchError::Io(self.calls));
        }
        Ok(format!("{key} after {} calls", self.calls))
    }

    #[retry(attempts = 5, backoff = "1ms..1ms")]
    async fn get(&self, attempts: &Attempts, origin: Instant) -> Result<u32, FetchError> {
        scripted("ii", attempts.record(origin)).map(|n| n + self.calls)
    }

    #[retry(attempts = 5, backoff = "1ms..1ms", on = FetchError::Io(_))]
    async fn get_arc(self: Arc<Self>, attempts: Arc<Attempts>) -> Result<u32, FetchError> {
        scripted("it", attempts.record(Instant::now())).map(|n| n + self.fail_until)
    }
}

#[tokio::test(start_paused = true)]
async fn methods_reborrow_self_for_each_attempt() {
    let mut client = Client {
        calls: 0,
        fail_until: 3,
    };
    assert_eq!(client.get_mut("k").await, Ok("k after 3 calls".to_owned()));
    assert_eq!(client.calls, 3);
    let attempts = Attempts::default();
    assert_eq!(client.get(&attempts, Instant::now()).await, Ok(6));
    let client = Arc::new(client);
    let attempts = Arc::new(Attempts::default());
    assert_eq!(
        client.clone().get_arc(attempts.clone()).await,
        Err(FetchError::Timeout(2))
    );
    assert_eq!(Arc::strong_count(&client), 1);
}

/// What the subscriber saw of taskward's events: the message and the fields, as text.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        #[derive(Default)]
        struct Fields {
            message: String,
            figures: String,
        }
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                match field.name() {
                    "message" => self.message = format!("{value:?}"),
                    "function" => {}
                    name => self.figures.push_str(&format!(" {name}={value:?}")),
                }
            }
        }
        if event.metadata().target() == "taskward" {
            let mut fields = Fields::default();
            event.record(&mut fields);
            let level = event.metadata().level();
            let line = format!("{level} {}:{}", fields.message, fields.figures);
            self.0.lock().unwrap().push(line);
        }
    }
}

#[retry(attempts = 3, backoff = "100ms..100ms", on = FetchError::Timeout(_))]
async fn observed(attempts: Arc<Attempts>, script: &str) -> Result<u32, FetchError> {
    scripted(script, attempts.record(Instant::now()))
}

#[tokio::test(start_paused = true)]
async fn an_event_for_each_retry_and_for_giving_up() {
    use tracing_subscriber::layer::SubscriberExt;
    let events = Events::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(events.clone()));
    let seen = || std::mem::take(&mut *events.0.lock().unwrap());

    let _ = observed(Arc::new(Attempts::default()), "tt").await;
    assert_eq!(
        seen(),
        [
            "WARN failed: retrying: attempt=1 attempts=3 error=Timeout(1) delay=100ms",
            "WARN failed: retrying: attempt=2 attempts=3 error=Timeout(2) delay=100ms",
        ]
    );
    let _ = observed(Arc::new(Attempts::default()), "ttt").await;
    assert_eq!(
        seen().last().map(String::as_str),
        Some("WARN failed: attempts spent, giving up: attempt=3 attempts=3 error=Timeout(3)")
    );
    let _ = observed(Arc::new(Attempts::default()), "n").await;
    assert_eq!(
        seen(),
        ["DEBUG failed with an error that is not retried: attempt=1 error=NotFound(1)"]
    );
}
