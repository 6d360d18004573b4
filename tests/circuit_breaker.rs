//! `#[circuit_breaker]`: every transition at its exact instant on tokio's paused clock (closed to
//! open by consecutive failures and by rate, open failing fast without running the body, half-open
//! after `reset`, a probe that closes it or opens it again, `half_open = 2`), a dropped probe that
//! gives its place back, a panic that counts and goes on unwinding, `on` and `when`, a breaker
//! shared by two functions, a deadline inside, and the events of the transitions.
//!
//! Most tests give each call site a breaker of its own (`in = &self.breaker`), so that no two
//! tests, each on its own paused runtime, share one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use taskward::{Breaker, BreakerState, Error, circuit_breaker, with_timeout};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;
const SECS: fn(u64) -> Duration = Duration::from_secs;

#[derive(Debug, Clone, PartialEq)]
enum UpstreamError {
    Timeout,
    NotFound,
    Status(u16),
    Taskward(Error),
}

impl From<Error> for UpstreamError {
    fn from(err: Error) -> Self {
        UpstreamError::Taskward(err)
    }
}

/// What the body does on one call.
#[derive(Debug, Clone, Copy)]
enum Step {
    Ok,
    Err(Kind),
    /// Succeeds after this long.
    Slow(Duration),
    Panic,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Timeout,
    NotFound,
    Status(u16),
}

/// A dependency behind a breaker of its own, counting the runs of its body.
struct Upstream {
    breaker: Breaker,
    runs: AtomicU32,
}

/// Whether an error is one of an outage (for `when`).
fn is_outage(err: &UpstreamError) -> bool {
    matches!(
        err,
        UpstreamError::Timeout | UpstreamError::Status(500..=599)
    )
}

impl Upstream {
    fn new(breaker: Breaker) -> Self {
        Upstream {
            breaker,
            runs: AtomicU32::new(0),
        }
    }

    async fn body(&self, step: Step) -> Result<u32, UpstreamError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        match step {
            Step::Ok => Ok(run),
            Step::Err(Kind::Timeout) => Err(UpstreamError::Timeout),
            Step::Err(Kind::NotFound) => Err(UpstreamError::NotFound),
            Step::Err(Kind::Status(code)) => Err(UpstreamError::Status(code)),
            Step::Slow(work) => {
                sleep(work).await;
                Ok(run)
            }
            Step::Panic => panic!("the upstream exploded"),
        }
    }

    /// Every `Err` counts.
    #[circuit_breaker(in = &self.breaker)]
    async fn call(&self, step: Step) -> Result<u32, UpstreamError> {
        self.body(step).await
    }

    /// Timeouts and 5xx count; the other errors do not.
    #[circuit_breaker(in = &self.breaker, on = UpstreamError::Timeout | UpstreamError::Status(500..=599))]
    async fn call_on(&self, step: Step) -> Result<u32, UpstreamError> {
        self.body(step).await
    }

    /// The same, chosen by a function.
    #[circuit_breaker(in = &self.breaker, when = is_outage)]
    async fn call_when(&self, step: Step) -> Result<u32, UpstreamError> {
        self.body(step).await
    }

    /// A deadline inside the breaker: a timed-out call is a failure.
    #[circuit_breaker(in = &self.breaker)]
    #[with_timeout("1s")]
    async fn call_with_deadline(&self, step: Step) -> Result<u32, UpstreamError> {
        self.body(step).await
    }

    fn runs(&self) -> u32 {
        self.runs.load(Ordering::SeqCst)
    }
}

fn err(kind: Kind) -> Step {
    Step::Err(kind)
}

/// The `until` of a refusal.
fn refused_until(result: Result<u32, UpstreamError>) -> Option<Instant> {
    match result {
        Err(UpstreamError::Taskward(Error::CircuitOpen { until, .. })) => until,
        other => panic!("not refused by the breaker: {other:?}"),
    }
}

fn open_until(breaker: &Breaker) -> Instant {
    match breaker.state() {
        BreakerState::Open { until } => until,
        other => panic!("not open: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn consecutive_failures_open_it_and_it_then_fails_fast_without_running_the_body() {
    let upstream = Upstream::new(Breaker::new().failures(3).reset(SECS(10)));
    assert_eq!(
        upstream.call(err(Kind::Timeout)).await,
        Err(UpstreamError::Timeout)
    );
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    assert_eq!(upstream.breaker.consecutive_failures(), 2);
    // A success starts the count again.
    assert_eq!(upstream.call(Step::Ok).await, Ok(3));
    assert_eq!(upstream.breaker.consecutive_failures(), 0);
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);

    sleep(MS(1_234)).await;
    let opened = Instant::now();
    // The third failure in a row returns its own error, and opens the breaker.
    assert_eq!(
        upstream.call(err(Kind::Timeout)).await,
        Err(UpstreamError::Timeout)
    );
    assert_eq!(open_until(&upstream.breaker), opened + SECS(10));
    assert_eq!(upstream.breaker.times_opened(), 1);
    assert_eq!(upstream.runs(), 6);

    // Open: refused at once, the body not run, with the instant it lets a probe through.
    let refused = upstream.call(Step::Ok).await;
    assert_eq!(refused_until(refused.clone()), Some(opened + SECS(10)));
    assert_eq!(upstream.runs(), 6);
    assert_eq!(Instant::now(), opened, "no time passes");
    let Err(UpstreamError::Taskward(refusal)) = refused else {
        unreachable!()
    };
    assert_eq!(
        refusal.to_string(),
        "`circuit_breaker::call` refused: circuit open for another 10s"
    );
    assert!(refusal.is_circuit_open());

    sleep(SECS(10) - MS(1)).await;
    assert_eq!(
        refused_until(upstream.call(Step::Ok).await),
        Some(opened + SECS(10))
    );
    assert_eq!(upstream.runs(), 6);
}

#[tokio::test(start_paused = true)]
async fn half_open_after_reset_a_probe_that_succeeds_closes_it() {
    let upstream = Arc::new(Upstream::new(Breaker::new().failures(1).reset(SECS(30))));
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    let until = open_until(&upstream.breaker);
    sleep(SECS(30)).await;
    assert_eq!(Instant::now(), until);
    // Still `Open` until a call comes; that call is the probe.
    assert!(matches!(
        upstream.breaker.state(),
        BreakerState::Open { .. }
    ));
    let probe = tokio::spawn({
        let upstream = upstream.clone();
        async move { upstream.call(Step::Slow(SECS(1))).await }
    });
    tokio::task::yield_now().await;
    assert_eq!(
        upstream.breaker.state(),
        BreakerState::HalfOpen {
            admitted: 1,
            succeeded: 0
        }
    );
    // While the probe runs, the others are refused, with no instant to come back at.
    assert_eq!(refused_until(upstream.call(Step::Ok).await), None);
    assert_eq!(probe.await.unwrap(), Ok(2));
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);
    assert_eq!(upstream.call(Step::Ok).await, Ok(3));
    assert_eq!(upstream.breaker.times_opened(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_probe_that_fails_opens_it_again_for_another_reset() {
    let upstream = Upstream::new(Breaker::new().failures(2).reset(SECS(5)));
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    sleep(SECS(5)).await;
    let probed = Instant::now();
    assert_eq!(
        upstream.call(err(Kind::Status(503))).await,
        Err(UpstreamError::Status(503))
    );
    assert_eq!(open_until(&upstream.breaker), probed + SECS(5));
    assert_eq!(upstream.breaker.times_opened(), 2);
    assert_eq!(
        refused_until(upstream.call(Step::Ok).await),
        Some(probed + SECS(5))
    );
    assert_eq!(upstream.runs(), 3);
    // A single failed probe opens it again: no count of consecutive failures when half-open.
    sleep(SECS(5)).await;
    assert_eq!(upstream.call(Step::Ok).await, Ok(4));
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn half_open_two_lets_exactly_two_probes_through() {
    let upstream = Arc::new(Upstream::new(
        Breaker::new().failures(1).reset(SECS(1)).half_open(2),
    ));
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    sleep(SECS(1)).await;
    let started = Instant::now();
    let probes: Vec<_> = [SECS(1), SECS(2)]
        .into_iter()
        .map(|work| {
            let upstream = upstream.clone();
            tokio::spawn(async move { upstream.call(Step::Slow(work)).await })
        })
        .collect();
    tokio::task::yield_now().await;
    assert_eq!(
        upstream.breaker.state(),
        BreakerState::HalfOpen {
            admitted: 2,
            succeeded: 0
        }
    );
    assert_eq!(refused_until(upstream.call(Step::Ok).await), None);
    sleep(MS(1_500)).await;
    // One probe succeeded: not closed yet, and still no third probe.
    assert_eq!(
        upstream.breaker.state(),
        BreakerState::HalfOpen {
            admitted: 2,
            succeeded: 1
        }
    );
    assert_eq!(refused_until(upstream.call(Step::Ok).await), None);
    let mut outputs = Vec::new();
    for probe in probes {
        outputs.push(probe.await.unwrap());
    }
    assert_eq!(outputs, [Ok(2), Ok(3)]);
    assert_eq!(started.elapsed(), SECS(2));
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);
    assert_eq!(upstream.runs(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_probe_dropped_by_its_caller_gives_its_place_back() {
    let upstream = Upstream::new(Breaker::new().failures(1).reset(SECS(1)));
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    sleep(SECS(1)).await;
    // The caller gives up on the probe after 100ms: the probe is dropped.
    let gave_up = tokio::time::timeout(MS(100), upstream.call(Step::Slow(SECS(3600)))).await;
    assert!(gave_up.is_err());
    assert_eq!(
        upstream.breaker.state(),
        BreakerState::HalfOpen {
            admitted: 0,
            succeeded: 0
        }
    );
    // Neither a success nor a failure: the next call is the probe.
    assert_eq!(upstream.call(Step::Ok).await, Ok(3));
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);
    assert_eq!(upstream.breaker.times_opened(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_call_of_a_closed_breaker_counts_as_nothing() {
    let upstream = Upstream::new(Breaker::new().failures(2));
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    let gave_up = tokio::time::timeout(MS(100), upstream.call(Step::Slow(SECS(1)))).await;
    assert!(gave_up.is_err());
    assert_eq!(upstream.breaker.consecutive_failures(), 1);
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    assert!(matches!(
        upstream.breaker.state(),
        BreakerState::Open { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn a_panic_counts_as_a_failure_and_goes_on_unwinding() {
    let upstream = Arc::new(Upstream::new(Breaker::new().failures(2)));
    for _ in 0..2 {
        let call = tokio::spawn({
            let upstream = upstream.clone();
            async move { upstream.call(Step::Panic).await }
        });
        let panic = call.await.unwrap_err().into_panic();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"the upstream exploded"));
    }
    assert!(matches!(
        upstream.breaker.state(),
        BreakerState::Open { .. }
    ));
    assert_eq!(upstream.runs(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failure_rate_opens_it_once_the_window_holds_min_calls() {
    let upstream = Upstream::new(Breaker::new().rate(0.5, 10, 6).reset(SECS(10)));
    // Five failures in a row: below `min_calls`, and a rate alone has no consecutive rule.
    for _ in 0..5 {
        upstream.call(err(Kind::Timeout)).await.unwrap_err();
    }
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);
    assert_eq!(upstream.breaker.consecutive_failures(), 5);
    assert_eq!(
        (
            upstream.breaker.window_calls(),
            upstream.breaker.window_failures()
        ),
        (5, 5)
    );
    // The sixth call makes the rate count: 5 of 6 failed. It succeeded, and still opens it.
    let opened = Instant::now();
    assert_eq!(upstream.call(Step::Ok).await, Ok(6));
    assert_eq!(open_until(&upstream.breaker), opened + SECS(10));
    assert_eq!(
        (
            upstream.breaker.window_calls(),
            upstream.breaker.window_failures()
        ),
        (6, 5)
    );
}

#[circuit_breaker(rate = 0.5, window = 4, reset = "10s")]
async fn rated(fail: bool) -> Result<(), UpstreamError> {
    if fail {
        Err(UpstreamError::Timeout)
    } else {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_rate_written_as_options_with_min_calls_the_window_when_it_is_smaller() {
    // `min_calls` is 10 by default, the window 4: at most the window, 4.
    for fail in [false, true, false] {
        let _ = rated(fail).await;
    }
    assert_eq!(rated(false).await, Ok(()), "1 of 4 failed");
    assert_eq!(rated(true).await, Err(UpstreamError::Timeout));
    // The window is the last 4 calls: 2 of 4.
    let refused = rated(false).await;
    assert!(
        matches!(
            refused,
            Err(UpstreamError::Taskward(Error::CircuitOpen { .. }))
        ),
        "{refused:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn on_counts_the_errors_it_matches_and_the_others_are_successes() {
    let upstream = Upstream::new(Breaker::new().failures(2));
    upstream.call_on(err(Kind::Timeout)).await.unwrap_err();
    // Not a failure: the upstream answered. A success, so the run of failures starts again.
    assert_eq!(
        upstream.call_on(err(Kind::NotFound)).await,
        Err(UpstreamError::NotFound)
    );
    upstream.call_on(err(Kind::Status(404))).await.unwrap_err();
    assert_eq!(upstream.breaker.consecutive_failures(), 0);
    upstream.call_on(err(Kind::Status(502))).await.unwrap_err();
    assert_eq!(upstream.breaker.state(), BreakerState::Closed);
    upstream.call_on(err(Kind::Timeout)).await.unwrap_err();
    assert!(matches!(
        upstream.breaker.state(),
        BreakerState::Open { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn when_counts_the_errors_its_function_picks() {
    let upstream = Upstream::new(Breaker::new().failures(2));
    upstream
        .call_when(err(Kind::Status(500)))
        .await
        .unwrap_err();
    upstream.call_when(err(Kind::NotFound)).await.unwrap_err();
    assert_eq!(upstream.breaker.consecutive_failures(), 0);
    upstream
        .call_when(err(Kind::Status(599)))
        .await
        .unwrap_err();
    upstream.call_when(err(Kind::Timeout)).await.unwrap_err();
    assert!(matches!(
        upstream.breaker.state(),
        BreakerState::Open { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn a_timeout_inside_is_a_failure() {
    let upstream = Upstream::new(Breaker::new().failures(2));
    for _ in 0..2 {
        let started = Instant::now();
        let timed_out = upstream.call_with_deadline(Step::Slow(SECS(5))).await;
        assert!(
            matches!(&timed_out, Err(UpstreamError::Taskward(err)) if err.is_timeout()),
            "{timed_out:?}"
        );
        assert_eq!(started.elapsed(), SECS(1));
    }
    assert!(matches!(
        upstream.breaker.state(),
        BreakerState::Open { .. }
    ));
    // An open breaker refuses before the deadline starts.
    let refused = upstream.call_with_deadline(Step::Ok).await;
    assert!(refused_until(refused).is_some());
}

/// One breaker for every call to a partner, whichever function makes it.
static PARTNER: Breaker = Breaker::new().failures(2).reset(Duration::from_secs(60));

#[circuit_breaker(in = PARTNER)]
async fn partner_quote(fail: bool) -> Result<u32, UpstreamError> {
    if fail {
        Err(UpstreamError::Status(503))
    } else {
        Ok(100)
    }
}

#[circuit_breaker(in = PARTNER)]
async fn partner_order(runs: &AtomicU32) -> Result<u32, UpstreamError> {
    Ok(runs.fetch_add(1, Ordering::SeqCst) + 1)
}

#[tokio::test(start_paused = true)]
async fn functions_in_one_breaker_share_its_failures() {
    let orders = AtomicU32::new(0);
    assert_eq!(partner_order(&orders).await, Ok(1));
    partner_quote(true).await.unwrap_err();
    partner_quote(true).await.unwrap_err();
    let refused = partner_order(&orders).await;
    assert!(refused_until(refused).is_some());
    assert_eq!(orders.load(Ordering::SeqCst), 1);
    let Err(UpstreamError::Taskward(refusal)) = partner_order(&orders).await else {
        panic!("not refused")
    };
    // The refusal names the function called.
    assert_eq!(refusal.function(), "circuit_breaker::partner_order");
    sleep(SECS(60)).await;
    assert_eq!(partner_quote(false).await, Ok(100));
    assert_eq!(partner_order(&orders).await, Ok(2));
}

/// A breaker in an `Arc`, for a `&mut self` method.
struct Client {
    breaker: Arc<Breaker>,
    sent: u32,
}

impl Client {
    #[circuit_breaker(in = &self.breaker)]
    async fn send(&mut self, ok: bool) -> Result<u32, UpstreamError> {
        self.sent += 1;
        if ok {
            Ok(self.sent)
        } else {
            Err(UpstreamError::Timeout)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_mut_self_method_with_an_arc_breaker() {
    let mut client = Client {
        breaker: Arc::new(Breaker::new().failures(1)),
        sent: 0,
    };
    assert_eq!(client.send(true).await, Ok(1));
    client.send(false).await.unwrap_err();
    assert!(refused_until(client.send(true).await).is_some());
    assert_eq!(client.sent, 2);
}

#[circuit_breaker(failures = 1, reset = "1s")]
async fn answer(panic: bool) -> u32 {
    assert!(!panic, "no answer");
    42
}

#[tokio::test(start_paused = true)]
async fn a_plain_return_becomes_a_result_and_only_a_panic_fails() {
    assert_eq!(answer(false).await, Ok(42));
    let panicked = tokio::spawn(answer(true)).await.unwrap_err();
    assert!(panicked.is_panic());
    assert!(matches!(
        answer(false).await,
        Err(Error::CircuitOpen { until: Some(_), .. })
    ));
    sleep(SECS(1)).await;
    assert_eq!(answer(false).await, Ok(42));
}

std::thread_local! {
    /// The events of taskward seen on this thread while capturing (level and message).
    static CAPTURED: std::cell::RefCell<Option<Vec<(tracing::Level, String)>>> =
        const { std::cell::RefCell::new(None) };
}

/// The process-wide subscriber of this test binary: it records taskward's events into
/// [`CAPTURED`] on the threads that capture. One global subscriber rather than one per test
/// (`set_default`): the tests of this binary run at once on other threads, and each event's
/// interest is cached per call site for the whole process.
struct Capture;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        if event.metadata().target() != "taskward" {
            return;
        }
        CAPTURED.with(|captured| {
            if let Some(events) = captured.borrow_mut().as_mut() {
                let mut message = Message(String::new());
                event.record(&mut message);
                events.push((*event.metadata().level(), message.0));
            }
        });
    }
}

/// Starts capturing taskward's events on this thread.
fn capture_events() {
    use tracing_subscriber::layer::SubscriberExt;
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture))
            .expect("the only global subscriber of this test binary");
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
}

/// The events captured on this thread since [`capture_events`].
fn captured_events() -> Vec<(tracing::Level, String)> {
    CAPTURED.with(|captured| captured.borrow_mut().take().unwrap_or_default())
}

#[tokio::test(start_paused = true)]
async fn every_transition_is_an_event() {
    capture_events();
    let upstream = Upstream::new(Breaker::new().failures(2).reset(SECS(1)));
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    upstream.call(Step::Ok).await.unwrap_err();
    sleep(SECS(1)).await;
    upstream.call(err(Kind::Timeout)).await.unwrap_err();
    sleep(SECS(1)).await;
    upstream.call(Step::Ok).await.unwrap();
    use tracing::Level;
    assert_eq!(
        captured_events(),
        [
            (
                Level::WARN,
                "circuit breaker opened: 2 consecutive failures".to_owned()
            ),
            (Level::DEBUG, "refused: circuit open".to_owned()),
            (
                Level::INFO,
                "circuit breaker half-open: letting probe calls through".to_owned()
            ),
            (
                Level::WARN,
                "circuit breaker opened again: a probe call failed".to_owned()
            ),
            (
                Level::INFO,
                "circuit breaker half-open: letting probe calls through".to_owned()
            ),
            (
                Level::INFO,
                "circuit breaker closed: the probe calls succeeded".to_owned()
            ),
        ]
    );
}

// With other attributes: a `#[bounded]` outside or inside, a `#[supervised]` outside.

/// A gate of one permit in front of a breaker, or behind it.
struct Gate {
    breaker: Breaker,
    slots: taskward::Bulkhead,
}

impl Gate {
    fn new() -> Self {
        Gate {
            breaker: Breaker::new().failures(1),
            slots: taskward::Bulkhead::new(1),
        }
    }

    #[taskward::bounded(in = &self.slots, wait = "0s")]
    #[circuit_breaker(in = &self.breaker)]
    async fn bounded_outside(&self, work: Duration) -> Result<(), UpstreamError> {
        sleep(work).await;
        Ok(())
    }

    #[circuit_breaker(in = &self.breaker)]
    #[taskward::bounded(in = &self.slots, wait = "0s")]
    async fn bounded_inside(&self, work: Duration) -> Result<(), UpstreamError> {
        sleep(work).await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_rejection_by_a_bounded_outside_never_reaches_the_breaker_one_inside_counts() {
    let gate = Gate::new();
    let (held, rejected) = tokio::join!(gate.bounded_outside(SECS(1)), async {
        tokio::task::yield_now().await;
        gate.bounded_outside(MS(1)).await
    });
    assert_eq!(held, Ok(()));
    assert!(
        matches!(
            rejected,
            Err(UpstreamError::Taskward(Error::Rejected { .. }))
        ),
        "{rejected:?}"
    );
    assert_eq!(gate.breaker.state(), BreakerState::Closed);
    assert_eq!(gate.breaker.consecutive_failures(), 0);

    let gate = Gate::new();
    let (held, rejected) = tokio::join!(gate.bounded_inside(SECS(1)), async {
        tokio::task::yield_now().await;
        gate.bounded_inside(MS(1)).await
    });
    assert_eq!(held, Ok(()));
    assert!(
        matches!(
            rejected,
            Err(UpstreamError::Taskward(Error::Rejected { .. }))
        ),
        "{rejected:?}"
    );
    // Inside, the rejection is a failure of the layers below the breaker: it opened.
    assert!(matches!(gate.breaker.state(), BreakerState::Open { .. }));
}

impl Upstream {
    /// Each run goes through the breaker: once it is open, the runs are refused and restarted.
    #[taskward::supervised(restarts = 4, within = "1m", backoff = "100ms..100ms", jitter = false)]
    #[circuit_breaker(in = &self.breaker)]
    async fn supervised_runs(&self) -> Result<u32, UpstreamError> {
        self.body(err(Kind::Timeout)).await
    }
}

#[tokio::test(start_paused = true)]
async fn inside_a_layer_that_runs_the_body_again_each_run_counts() {
    let upstream = Upstream::new(Breaker::new().failures(2).reset(SECS(60)));
    let started = Instant::now();
    let result = upstream.supervised_runs().await;
    // Two runs failed and opened the breaker; the three after were refused without running the
    // body, each after its 100ms backoff, until the restart budget was spent.
    assert_eq!(upstream.runs(), 2);
    assert_eq!(refused_until(result), Some(started + MS(100) + SECS(60)));
    assert_eq!(started.elapsed(), MS(400));
    assert_eq!(upstream.breaker.times_opened(), 1);
}
