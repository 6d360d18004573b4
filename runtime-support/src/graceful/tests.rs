//! Tests of a `#[graceful]` call: run, refused, cancelled or dropped, panicking, and counted.

use super::*;
use crate::shutdown::DrainReport;
use crate::shutdown::tests::DropCount;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use tokio::time::Instant;

static META: Meta = Meta::new("app::work");

fn is_send<T: Send>(_: &T) {}

#[tokio::test(start_paused = true)]
async fn runs_and_returns_before_shutdown() {
    let s = Shutdown::new();
    let fut = graceful(&s, &META, false, async { 7 });
    is_send(&fut);
    assert_eq!(fut.await, Ok(7));
    assert_eq!(s.in_flight(), 0);
    assert!(!s.is_triggered());
    // Calls that ended before shutdown are not in the report.
    let report = s.drain(Duration::from_secs(1)).await;
    assert_eq!(
        report,
        DrainReport {
            in_flight: 0,
            finished: 0,
            cancelled: 0,
            refused: 0,
            elapsed: Duration::ZERO
        }
    );
}

#[tokio::test(start_paused = true)]
async fn calls_after_trigger_are_refused_and_counted() {
    let s = Shutdown::new();
    s.trigger();
    for _ in 0..3 {
        let started = Arc::new(AtomicUsize::new(0));
        let st = started.clone();
        let result = graceful(&s, &META, false, async move {
            st.fetch_add(1, SeqCst);
        })
        .await;
        assert_eq!(
            result,
            Err(Error::ShuttingDown {
                function: "app::work"
            })
        );
        assert_eq!(started.load(SeqCst), 0, "the body never starts");
    }
    let report = s.drain(Duration::from_secs(1)).await;
    assert_eq!((report.in_flight, report.refused), (0, 3));
    assert_eq!(
        report.to_string(),
        "drained in 0s: 0 in flight, 0 finished, 0 cancelled, 3 refused"
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_true_cancels_as_soon_as_shutdown_begins() {
    let s = Shutdown::new();
    let drops = Arc::new(AtomicUsize::new(0));
    let call = tokio::spawn({
        let (s, guard) = (s.clone(), DropCount(drops.clone(), s.clone()));
        async move {
            graceful(&s, &META, true, async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            })
            .await
        }
    });
    tokio::task::yield_now().await;
    assert_eq!(s.in_flight(), 1);
    let t0 = Instant::now();
    s.trigger();
    assert_eq!(
        call.await.unwrap(),
        Err(Error::Cancelled {
            function: "app::work"
        })
    );
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(drops.load(SeqCst), 1);
    let report = s.drain(Duration::from_secs(10)).await;
    assert_eq!(
        (report.in_flight, report.finished, report.cancelled),
        (1, 0, 1)
    );
    assert_eq!(report.elapsed, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_by_its_caller_counts_as_cancelled() {
    let s = Shutdown::new();
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCount(drops.clone(), s.clone());
    let mut call = Box::pin(graceful(&s, &META, false, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    // Poll it once: it is in flight.
    assert!(
        tokio::time::timeout(Duration::from_millis(1), &mut call)
            .await
            .is_err()
    );
    assert_eq!(s.in_flight(), 1);
    s.trigger();
    drop(call);
    assert_eq!(drops.load(SeqCst), 1);
    let report = s.drain(Duration::from_secs(1)).await;
    assert_eq!(
        (report.in_flight, report.finished, report.cancelled),
        (1, 0, 1)
    );
    assert_eq!(report.elapsed, Duration::ZERO);

    // Dropped before shutdown: not in the report, but no longer in flight.
    let s = Shutdown::new();
    let mut call = Box::pin(graceful(&s, &META, false, std::future::pending::<()>()));
    assert!(
        tokio::time::timeout(Duration::from_millis(1), &mut call)
            .await
            .is_err()
    );
    drop(call);
    assert_eq!(s.in_flight(), 0);
    assert_eq!(s.drain(Duration::from_secs(1)).await.in_flight, 0);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_body_counts_as_finished() {
    let s = Shutdown::new();
    let go = Arc::new(tokio::sync::Notify::new());
    let drops = Arc::new(AtomicUsize::new(0));
    let call = tokio::spawn({
        let (s, go, guard) = (s.clone(), go.clone(), DropCount(drops.clone(), s.clone()));
        async move {
            graceful(&s, &META, false, async move {
                let _guard = guard;
                go.notified().await;
                panic!("boom");
            })
            .await
        }
    });
    tokio::task::yield_now().await;
    s.trigger();
    go.notify_one();
    assert!(call.await.unwrap_err().is_panic());
    assert_eq!(drops.load(SeqCst), 1);
    let report = s.drain(Duration::from_secs(1)).await;
    assert_eq!(
        (report.in_flight, report.finished, report.cancelled),
        (1, 1, 0)
    );
    assert_eq!(s.in_flight(), 0);
}
