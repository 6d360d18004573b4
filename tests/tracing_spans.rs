//! Where taskward's own events land relative to the user's `#[tracing::instrument]` span, in each
//! order. Below the taskward attributes (the documented order), the span covers the whole call and
//! taskward's events are inside it; above them, a `#[supervised]` body gets a new span per run and
//! taskward's restart events fall outside every one (the `span_per_restart` lint says so).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use taskward::supervised;
use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// What the subscriber saw: the spans named `job` created, and for each of taskward's events the
/// names of the spans it was inside.
#[derive(Default)]
struct Seen {
    job_spans: u32,
    taskward_events: Vec<Vec<String>>,
}

#[derive(Clone, Default)]
struct Record(Arc<Mutex<Seen>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Record {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        if attrs.metadata().name() == "job" {
            self.0.lock().unwrap().job_spans += 1;
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "taskward" {
            return;
        }
        let spans = ctx
            .event_scope(event)
            .map(|scope| scope.map(|span| span.name().to_owned()).collect())
            .unwrap_or_default();
        self.0.lock().unwrap().taskward_events.push(spans);
    }
}

/// Runs `call` under a recording subscriber, on this thread.
async fn recorded<F: std::future::Future>(call: F) -> (F::Output, Seen) {
    let record = Record::default();
    let subscriber = tracing_subscriber::registry().with(record.clone());
    let guard = tracing::subscriber::set_default(subscriber);
    let output = call.await;
    drop(guard);
    let seen = std::mem::take(&mut *record.0.lock().unwrap());
    (output, seen)
}

static BELOW_RUNS: AtomicU32 = AtomicU32::new(0);

#[supervised(restarts = 5, backoff = "10ms..10ms", jitter = false)]
#[tracing::instrument(name = "job", skip_all)]
async fn instrument_below() -> std::io::Result<u32> {
    let run = BELOW_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run < 3 {
        Err(std::io::Error::other(format!("run {run} failed")))
    } else {
        Ok(run)
    }
}

static ABOVE_RUNS: AtomicU32 = AtomicU32::new(0);

#[tracing::instrument(name = "job", skip_all)]
#[supervised(
    restarts = 5,
    backoff = "10ms..10ms",
    jitter = false,
    allow(span_per_restart)
)]
async fn instrument_above() -> std::io::Result<u32> {
    let run = ABOVE_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run < 3 {
        Err(std::io::Error::other(format!("run {run} failed")))
    } else {
        Ok(run)
    }
}

#[tokio::test(start_paused = true)]
async fn below_one_span_over_the_whole_call_with_taskwards_events_inside() {
    let (result, seen) = recorded(instrument_below()).await;
    assert_eq!(result.unwrap(), 3);
    assert_eq!(seen.job_spans, 1);
    assert_eq!(seen.taskward_events.len(), 2, "two restarts");
    for spans in &seen.taskward_events {
        assert_eq!(spans, &["job"]);
    }
}

#[tokio::test(start_paused = true)]
async fn above_a_span_per_run_with_taskwards_events_outside() {
    let (result, seen) = recorded(instrument_above()).await;
    assert_eq!(result.unwrap(), 3);
    assert_eq!(seen.job_spans, 3);
    assert_eq!(seen.taskward_events.len(), 2, "two restarts");
    for spans in &seen.taskward_events {
        assert!(spans.is_empty(), "{spans:?}");
    }
}
