//! Tests of the coordinator: triggering, draining, and counting the calls exactly.

use super::*;
use crate::error::Error;
use crate::graceful::graceful;
use crate::meta::Meta;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

static META: Meta = Meta::new("app::work");

/// Counts its drops that happen while its call is still counted in flight: shows that a
/// body's destructors ran before the call was counted as ended.
pub(crate) struct DropCount(pub(crate) Arc<AtomicUsize>, pub(crate) Shutdown);
impl Drop for DropCount {
    fn drop(&mut self) {
        if self.1.in_flight() > 0 {
            self.0.fetch_add(1, SeqCst);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn drain_waits_for_finishers_and_cancels_the_rest_at_the_deadline() {
    let s = Shutdown::new();
    let drops = Arc::new(AtomicUsize::new(0));
    let mut calls = Vec::new();
    for secs in [1, 2, 3, 10, 20] {
        let (s2, guard) = (s.clone(), DropCount(drops.clone(), s.clone()));
        calls.push(tokio::spawn(async move {
            graceful(&s2, &META, false, async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(secs)).await;
                secs
            })
            .await
        }));
    }
    tokio::task::yield_now().await; // let every call start
    assert_eq!(s.in_flight(), 5);

    let t0 = Instant::now();
    let drain = tokio::spawn({
        let s = s.clone();
        async move { s.drain(Duration::from_secs(5)).await }
    });
    tokio::task::yield_now().await;
    assert!(s.is_triggered());
    // Not cancelled by the trigger itself: cancel = false.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.in_flight(), 4);
    // Refused while draining.
    for _ in 0..4 {
        assert!(
            graceful(&s, &META, false, async {})
                .await
                .unwrap_err()
                .is_shutdown()
        );
    }

    let report = drain.await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(5));
    assert_eq!(report.elapsed, Duration::from_secs(5));
    assert_eq!(
        (
            report.in_flight,
            report.finished,
            report.cancelled,
            report.refused
        ),
        (5, 3, 2, 4)
    );
    assert_eq!(
        report.to_string(),
        "drained in 5s: 5 in flight, 3 finished, 2 cancelled, 4 refused"
    );
    assert_eq!(
        drops.load(SeqCst),
        5,
        "every body dropped before drain returns"
    );
    assert_eq!(s.in_flight(), 0);

    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }
    let cancelled = Err(Error::Cancelled {
        function: "app::work",
    });
    assert_eq!(results, [Ok(1), Ok(2), Ok(3), cancelled.clone(), cancelled]);
}

#[tokio::test(start_paused = true)]
async fn triggered_resolves_on_trigger() {
    let s = Shutdown::default();
    let waiter = tokio::spawn(s.triggered());
    tokio::task::yield_now().await;
    assert!(!waiter.is_finished());
    s.clone().trigger();
    waiter.await.unwrap();
    s.triggered().await; // at once, now
    assert!(format!("{s:?}").contains("triggered: true"));
}

#[test]
fn global_is_one_coordinator() {
    assert!(std::ptr::eq(Shutdown::global(), Shutdown::global()));
    assert!(Arc::ptr_eq(
        &Shutdown::global().inner,
        &Shutdown::global().clone().inner
    ));
}

/// Many calls on several threads race with the trigger: every one is either refused or
/// counted exactly once, and the figures match what the callers saw.
#[test]
fn counters_are_exact_under_races() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for round in 0..20 {
        rt.block_on(async {
            let s = Shutdown::new();
            let mut calls = Vec::new();
            for i in 0..400u64 {
                let s2 = s.clone();
                calls.push(tokio::spawn(async move {
                    graceful(&s2, &META, i % 3 == 0, async move {
                        for _ in 0..(i % 4) {
                            tokio::task::yield_now().await;
                        }
                        if i % 5 == 0 {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    })
                    .await
                }));
                if i == 100 + round * 10 {
                    let s = s.clone();
                    tokio::spawn(async move { s.trigger() });
                }
            }
            let first = s.drain(Duration::from_millis(20)).await;
            let (mut ok, mut refused, mut cancelled) = (0, 0, 0);
            for call in calls {
                match call.await.unwrap() {
                    Ok(()) => ok += 1,
                    Err(Error::ShuttingDown { .. }) => refused += 1,
                    Err(Error::Cancelled { .. }) => cancelled += 1,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            assert_eq!(ok + refused + cancelled, 400);
            // Some tasks made their call only after the first drain: read the final figures.
            let report = s.drain(Duration::ZERO).await;
            assert_eq!(report.in_flight, first.in_flight);
            assert_eq!(report.cancelled, first.cancelled);
            assert_eq!(report.refused, refused);
            assert_eq!(report.cancelled, cancelled);
            assert_eq!(report.in_flight, report.finished + report.cancelled);
            assert!(report.finished <= ok);
            assert_eq!(s.in_flight(), 0);
        });
    }
}
