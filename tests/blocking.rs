//! `#[blocking]`: the body runs on tokio's blocking pool, its output or its panic comes back, the
//! executor is not stalled, and the layers above (`#[bounded]`, `#[with_timeout]`, `#[graceful]`,
//! `#[supervised]`) wrap the blocking call as documented.
//!
//! A body on the blocking pool runs on a real thread, and tokio's paused clock does not advance
//! while one runs: the tests about time use real time, with bounds far from the figures they check
//! (a deadline of 50ms against a body that waits for a gate the test opens only afterwards), and
//! observe what happens with gates and counters rather than with sleeps where they can.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use taskward::{Error, Shutdown, blocking, bounded, graceful, supervised, with_timeout};

/// How long a test waits for something that should happen at once before it fails.
const PATIENCE: Duration = Duration::from_secs(10);

#[blocking]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[blocking]
fn which_thread() -> ThreadId {
    thread::current().id()
}

#[tokio::test(flavor = "current_thread")]
async fn the_output_comes_back_from_another_thread() {
    assert_eq!(add(1, 2).await, Ok(3));
    let pool = which_thread().await.unwrap();
    assert_ne!(pool, thread::current().id());
}

#[blocking]
fn explode(message: String) -> u32 {
    panic!("{message}")
}

#[blocking]
fn explode_static() -> u32 {
    panic!("a static message")
}

#[tokio::test(flavor = "current_thread")]
async fn a_panic_is_an_error_with_its_message() {
    let err = explode("the disk is on fire".to_owned()).await.unwrap_err();
    match &err {
        Error::Panicked {
            function, message, ..
        } => {
            assert_eq!(*function, "blocking::explode");
            assert_eq!(message, "the disk is on fire");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "`blocking::explode` panicked: the disk is on fire"
    );
    let err = explode_static().await.unwrap_err();
    assert!(matches!(err, Error::Panicked { ref message, .. } if message == "a static message"));
}

#[derive(Debug, PartialEq, thiserror::Error)]
enum ParseError {
    #[error("empty")]
    Empty,
    #[error(transparent)]
    Number(#[from] std::num::ParseIntError),
    #[error(transparent)]
    Taskward(#[from] Error),
}

/// `?` and `return` in the body return from the body, with the function's own error type.
#[blocking]
fn parse(text: String) -> Result<u32, ParseError> {
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    let n: u32 = text.parse()?;
    assert!(n != 13, "unlucky");
    Ok(n * 2)
}

#[tokio::test(flavor = "current_thread")]
async fn return_and_question_mark_keep_the_functions_error_type() {
    assert_eq!(parse("21".to_owned()).await, Ok(42));
    assert_eq!(parse(String::new()).await, Err(ParseError::Empty));
    assert!(matches!(
        parse("x".to_owned()).await,
        Err(ParseError::Number(_))
    ));
    assert!(matches!(
        parse("13".to_owned()).await,
        Err(ParseError::Taskward(Error::Panicked { ref message, .. })) if message == "unlucky"
    ));
}

struct Index {
    words: Vec<&'static str>,
}

impl Index {
    #[blocking]
    fn count(self: Arc<Self>, prefix: String) -> usize {
        self.words.iter().filter(|w| w.starts_with(&prefix)).count()
    }

    #[blocking]
    fn into_words(self) -> Vec<&'static str> {
        self.words
    }
}

#[tokio::test(flavor = "current_thread")]
async fn methods_take_an_arc_or_self_by_value() {
    let index = Arc::new(Index {
        words: vec!["tokio", "tower", "serde"],
    });
    assert_eq!(index.clone().count("to".to_owned()).await, Ok(2));
    let index = Arc::try_unwrap(index).ok().unwrap();
    assert_eq!(index.into_words().await.unwrap().len(), 3);
}

// ---------------------------------------------------------------------------------------------
// The executor is not stalled.

/// Sleeps the thread for `ms`, then says whether `fired` was set meanwhile.
#[blocking]
fn sleep_then_look(ms: u64, fired: Arc<AtomicBool>) -> bool {
    thread::sleep(Duration::from_millis(ms));
    fired.load(Ordering::SeqCst)
}

/// The same body without `#[blocking]`: it holds the executor thread.
async fn sleep_then_look_inline(ms: u64, fired: Arc<AtomicBool>) -> bool {
    thread::sleep(Duration::from_millis(ms));
    fired.load(Ordering::SeqCst)
}

/// A timer of 20ms in another task, on the same current-thread runtime, while a body sleeps its
/// thread for 1s: the time at which the timer fired, and whether the body saw it fire.
async fn timer_during(
    body: impl AsyncFnOnce(u64, Arc<AtomicBool>) -> bool,
) -> (Duration, Duration, bool) {
    let fired = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let timer = tokio::spawn({
        let fired = fired.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            fired.store(true, Ordering::SeqCst);
            start.elapsed()
        }
    });
    // The timer task is registered before the body starts.
    tokio::task::yield_now().await;
    let saw = body(1_000, fired).await;
    let body_took = start.elapsed();
    (timer.await.unwrap(), body_took, saw)
}

#[tokio::test(flavor = "current_thread")]
async fn blocking_work_does_not_stall_the_runtime() {
    let (fired_at, body_took, saw) =
        timer_during(async |ms, fired| sleep_then_look(ms, fired).await.unwrap()).await;
    assert!(body_took >= Duration::from_secs(1), "{body_took:?}");
    // The timer fired while the body slept (the body saw it), long before the body ended.
    assert!(saw, "the timer did not fire while the body slept");
    assert!(
        fired_at < Duration::from_millis(750),
        "the timer of 20ms fired after {fired_at:?}"
    );
}

/// The control: the same body inline stalls the timer until it ends, so the test above can fail.
#[tokio::test(flavor = "current_thread")]
async fn the_same_body_inline_stalls_the_runtime() {
    let (fired_at, _, saw) = timer_during(sleep_then_look_inline).await;
    assert!(!saw);
    assert!(fired_at >= Duration::from_secs(1), "{fired_at:?}");
}

// ---------------------------------------------------------------------------------------------
// #[bounded] limits the blocking work.

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

/// Counts the bodies running at once; each waits (up to `PATIENCE`) until another one runs
/// beside it or none is left to come, so that two permits are surely used at once.
#[bounded(2)]
#[blocking]
fn counted(left: Arc<AtomicUsize>) {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    MOST.fetch_max(now, Ordering::SeqCst);
    let start = Instant::now();
    while RUNNING.load(Ordering::SeqCst) < 2
        && left.load(Ordering::SeqCst) > 1
        && start.elapsed() < PATIENCE
    {
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(10));
    left.fetch_sub(1, Ordering::SeqCst);
    RUNNING.fetch_sub(1, Ordering::SeqCst);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_limits_the_bodies_running_at_once() {
    let left = Arc::new(AtomicUsize::new(6));
    let calls: Vec<_> = (0..6)
        .map(|_| tokio::spawn(counted(left.clone())))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(MOST.load(Ordering::SeqCst), 2);
    assert_eq!(left.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------------------------
// #[with_timeout] abandons a body, which runs on to its end.

/// Waits until `gate` opens (or `PATIENCE`), then reports `value` on `done`.
#[with_timeout("50ms")]
#[blocking]
fn waits_for_the_gate(
    gate: mpsc::Receiver<()>,
    done: tokio::sync::oneshot::Sender<u32>,
    value: u32,
) -> u32 {
    let opened = gate.recv_timeout(PATIENCE).is_ok();
    let _ = done.send(if opened { value } else { 0 });
    value
}

#[tokio::test(flavor = "current_thread")]
async fn with_timeout_abandons_the_body_which_runs_on_to_its_end() {
    let (open, gate) = mpsc::channel();
    let (done, mut finished) = tokio::sync::oneshot::channel();
    let start = Instant::now();
    let err = waits_for_the_gate(gate, done, 7).await.unwrap_err();
    // The call returned at its deadline, while its body still waits for the gate.
    assert!(matches!(err, Error::Timeout { limit, .. } if limit == Duration::from_millis(50)));
    assert!(start.elapsed() < PATIENCE / 2, "{:?}", start.elapsed());
    assert!(
        finished.try_recv().is_err(),
        "the body ended before the gate opened"
    );
    // The body runs on: opened now, it ends.
    open.send(()).unwrap();
    assert_eq!(finished.await, Ok(7));
}

// #[bounded] above #[with_timeout]: the permit is the call's, so an abandoned body no longer
// holds it (documented).

static HOGGING: AtomicUsize = AtomicUsize::new(0);
static HOGGED_MOST: AtomicUsize = AtomicUsize::new(0);

#[bounded(1)]
#[with_timeout("50ms")]
#[blocking]
fn hog(gate: mpsc::Receiver<()>, started: mpsc::Sender<()>) {
    let now = HOGGING.fetch_add(1, Ordering::SeqCst) + 1;
    HOGGED_MOST.fetch_max(now, Ordering::SeqCst);
    started.send(()).unwrap();
    let _ = gate.recv_timeout(PATIENCE);
    HOGGING.fetch_sub(1, Ordering::SeqCst);
}

#[tokio::test(flavor = "current_thread")]
async fn an_abandoned_body_no_longer_holds_the_permit_of_its_call() {
    let (open_first, first_gate) = mpsc::channel();
    let (open_second, second_gate) = mpsc::channel();
    let (started, starts) = mpsc::channel();
    let first = hog(first_gate, started.clone()).await;
    assert!(matches!(first, Err(Error::Timeout { .. })));
    starts.recv_timeout(PATIENCE).unwrap();
    // The first body still runs, and the second call takes the permit and runs beside it.
    let second = hog(second_gate, started).await;
    assert!(matches!(second, Err(Error::Timeout { .. })));
    starts.recv_timeout(PATIENCE).unwrap();
    assert_eq!(HOGGED_MOST.load(Ordering::SeqCst), 2);
    open_first.send(()).unwrap();
    open_second.send(()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// #[graceful]: tracked while running, refused (never started) after the trigger, and `cancel`
// abandons the body.

static TRACKER: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);
static STARTED: AtomicU32 = AtomicU32::new(0);

#[graceful(in = &TRACKER)]
#[blocking]
fn tracked(gate: mpsc::Receiver<()>) -> u32 {
    STARTED.fetch_add(1, Ordering::SeqCst);
    gate.recv_timeout(PATIENCE).map_or(0, |()| 1)
}

#[tokio::test(flavor = "current_thread")]
async fn graceful_tracks_a_blocking_call_and_refuses_new_ones_before_their_body_starts() {
    let (open, gate) = mpsc::channel();
    let running = tokio::spawn(tracked(gate));
    while STARTED.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(TRACKER.in_flight(), 1);
    TRACKER.trigger();
    let (_never, gate) = mpsc::channel();
    assert!(matches!(
        tracked(gate).await,
        Err(Error::ShuttingDown { .. })
    ));
    let drain = tokio::spawn(TRACKER.drain(PATIENCE));
    tokio::task::yield_now().await;
    assert!(!drain.is_finished(), "the drain did not wait for the body");
    open.send(()).unwrap();
    let report = drain.await.unwrap();
    assert_eq!((report.finished, report.cancelled), (1, 0));
    assert_eq!(running.await.unwrap(), Ok(1));
    // The refused call's body never started.
    assert_eq!(STARTED.load(Ordering::SeqCst), 1);
}

static CANCELLER: LazyLock<Shutdown> = LazyLock::new(Shutdown::new);

#[graceful(cancel, in = &CANCELLER)]
#[blocking]
fn cancellable(gate: mpsc::Receiver<()>, done: tokio::sync::oneshot::Sender<()>) {
    let _ = gate.recv_timeout(PATIENCE);
    let _ = done.send(());
}

#[tokio::test(flavor = "current_thread")]
async fn graceful_cancel_abandons_the_body() {
    let (open, gate) = mpsc::channel();
    let (done, finished) = tokio::sync::oneshot::channel();
    let call = tokio::spawn(cancellable(gate, done));
    while CANCELLER.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    CANCELLER.trigger();
    assert!(matches!(call.await.unwrap(), Err(Error::Cancelled { .. })));
    let report = CANCELLER.drain(PATIENCE).await;
    assert_eq!(report.cancelled, 1);
    // The body was not stopped: it ends once its gate opens.
    open.send(()).unwrap();
    assert_eq!(finished.await, Ok(()));
}

// ---------------------------------------------------------------------------------------------
// #[supervised]: each run on the pool; a panicking run is restarted.

#[supervised(restarts = 3, backoff = "1ms..1ms")]
#[blocking]
fn flaky(runs: Arc<AtomicU32>) -> Result<u32, Error> {
    let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
    assert!(run >= 3, "run {run} fails");
    Ok(run)
}

#[tokio::test(flavor = "current_thread")]
async fn supervised_restarts_a_panicking_blocking_body() {
    let runs = Arc::new(AtomicU32::new(0));
    assert_eq!(flaky(runs.clone()).await, Ok(3));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

// ---------------------------------------------------------------------------------------------
// tracing: the body runs in the caller's span; a panic is an `error` event.

mod events {
    use super::*;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id};
    use tracing::{Event, Subscriber};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;

    /// One event: its message, its `panic` field, and the name of the span it is in.
    type Seen = (String, String, Option<String>);

    /// The events seen.
    #[derive(Clone, Default)]
    struct Record(Arc<Mutex<Vec<Seen>>>);

    #[derive(Default)]
    struct Fields {
        message: String,
        panic: String,
    }

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            match field.name() {
                "message" => self.message = format!("{value:?}"),
                "panic" => self.panic = format!("{value:?}"),
                _ => {}
            }
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            match field.name() {
                "message" => self.message = value.to_owned(),
                "panic" => self.panic = value.to_owned(),
                _ => {}
            }
        }
    }

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Record {
        fn on_new_span(&self, _: &Attributes<'_>, _: &Id, _: Context<'_, S>) {}

        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            let mut fields = Fields::default();
            event.record(&mut fields);
            let span = ctx.event_span(event).map(|span| span.name().to_owned());
            self.0
                .lock()
                .unwrap()
                .push((fields.message, fields.panic, span));
        }
    }

    #[blocking]
    fn reports(n: u32) -> u32 {
        tracing::info!("inside the body");
        assert!(n > 0, "zero");
        n
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_body_runs_in_the_callers_span_and_a_panic_is_an_error_event() {
        let record = Record::default();
        let subscriber = tracing_subscriber::registry().with(record.clone());
        let _guard = tracing::subscriber::set_default(subscriber);
        let request = tracing::info_span!("request");
        let entered = request.enter();
        assert_eq!(reports(1).await, Ok(1));
        assert!(reports(0).await.is_err());
        drop(entered);
        let seen = record.0.lock().unwrap().clone();
        let request = Some("request".to_owned());
        assert!(
            seen.contains(&("inside the body".to_owned(), String::new(), request.clone())),
            "{seen:?}"
        );
        assert!(
            seen.contains(&(
                "panicked on the blocking pool".to_owned(),
                "zero".to_owned(),
                request
            )),
            "{seen:?}"
        );
    }
}
