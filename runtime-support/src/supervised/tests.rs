//! Tests of the supervisor: driven exactly as generated code drives it, on paused time.

use super::*;
use crate::error::Error;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

const MS: fn(u64) -> Duration = Duration::from_millis;
static META: Meta = Meta::new("app::worker");

const fn policy(restarts: u32, within_ms: u64, min_ms: u64, max_ms: u64) -> SupervisePolicy {
    SupervisePolicy {
        restarts,
        within: Duration::from_millis(within_ms),
        backoff_min: Duration::from_millis(min_ms),
        backoff_max: Duration::from_millis(max_ms),
        jitter: false,
        always: false,
    }
}

/// Drives `body` exactly as the generated code does, returning the result and the run count.
async fn supervise<T, E: fmt::Display, F: Future<Output = Result<T, E>>>(
    policy: &'static SupervisePolicy,
    shutdown: &Shutdown,
    mut body: impl FnMut() -> F,
) -> (Result<T, Result<E, Error>>, u32) {
    let mut sup = Supervisor::new(&META, policy, shutdown);
    let result = loop {
        let run = body();
        match sup.run(run).await {
            Ok(Ok(v)) => {
                if sup.restart_after_ok().await {
                    continue;
                }
                break Ok(v);
            }
            Ok(Err(e)) => {
                if sup.restart_after_error(&e).await {
                    continue;
                }
                break Err(Ok(e));
            }
            Err(panic) => {
                if sup.restart_after_panic(&panic).await {
                    continue;
                }
                break Err(Err(panic.into_error()));
            }
        }
    };
    (result, sup.runs())
}

#[test]
fn generated_pattern_is_send() {
    fn is_send<T: Send>(_: T) {}
    static P: SupervisePolicy = policy(3, 1000, 10, 100);
    is_send(async {
        let (r, _) = supervise(&P, Shutdown::global(), move || async move {
            tokio::task::yield_now().await;
            Err::<(), String>("e".into())
        })
        .await;
        r
    });
}

#[tokio::test(start_paused = true)]
async fn restarts_after_errors_with_backoff_until_success() {
    static P: SupervisePolicy = policy(5, 60_000, 100, 1000);
    let n = &AtomicU32::new(0);
    let t0 = Instant::now();
    let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
        if n.fetch_add(1, SeqCst) < 3 {
            Err("not yet")
        } else {
            Ok("done")
        }
    })
    .await;
    assert_eq!(result, Ok("done"));
    assert_eq!(runs, 4);
    assert_eq!(t0.elapsed(), MS(100 + 200 + 400));
}

#[tokio::test(start_paused = true)]
async fn gives_up_with_the_last_error_when_the_budget_is_spent() {
    static P: SupervisePolicy = policy(3, 10_000, 100, 1000);
    let n = &AtomicU32::new(0);
    let t0 = Instant::now();
    let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
        Err::<(), _>(format!("failure {}", n.fetch_add(1, SeqCst) + 1))
    })
    .await;
    assert_eq!(result, Err(Ok("failure 4".to_owned())));
    assert_eq!(runs, 4, "3 restarts, then the 4th failure gives up");
    assert_eq!(t0.elapsed(), MS(100 + 200 + 400));
}

#[tokio::test(start_paused = true)]
async fn failures_spaced_wider_than_the_window_never_give_up() {
    // 2 restarts per 1s; each run lasts 500ms and the delay is 100ms: one failure per 600ms.
    static P: SupervisePolicy = policy(2, 1000, 100, 100);
    let n = &AtomicU32::new(0);
    let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
        tokio::time::sleep(MS(500)).await;
        if n.fetch_add(1, SeqCst) < 50 {
            Err("again")
        } else {
            Ok(())
        }
    })
    .await;
    assert_eq!(result, Ok(()));
    assert_eq!(runs, 51);

    // Runs of 300ms: one failure per 400ms, the 3rd within a second gives up.
    let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
        tokio::time::sleep(MS(300)).await;
        Err::<(), _>("again")
    })
    .await;
    assert_eq!(result, Err(Ok("again")));
    assert_eq!(runs, 3);
}

#[tokio::test(start_paused = true)]
async fn panics_are_caught_with_their_message() {
    static P: SupervisePolicy = policy(2, 60_000, 10, 100);
    let n = &AtomicU32::new(0);
    let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
        let i = n.fetch_add(1, SeqCst);
        tokio::task::yield_now().await;
        assert!(i != 0, "static message");
        assert!(i >= 10, "boom {i}");
        Ok::<(), String>(())
    })
    .await;
    assert_eq!(runs, 3);
    let Err(Err(err)) = result else {
        panic!("expected a panic error")
    };
    assert_eq!(
        err,
        Error::Panicked {
            function: "app::worker",
            message: "boom 2".into()
        }
    );

    // A panic then a success.
    let n = &AtomicU32::new(0);
    let (result, runs) = supervise(&P, &Shutdown::new(), move || async move {
        if n.fetch_add(1, SeqCst) == 0 {
            std::panic::panic_any(42_u8);
        }
        Ok::<_, String>(5)
    })
    .await;
    assert_eq!((result, runs), (Ok(5), 2));

    let mut sup = Supervisor::new(&META, &P, Shutdown::global());
    let panic = sup
        .run(async { std::panic::panic_any(42_u8) })
        .await
        .unwrap_err();
    assert_eq!(panic.message(), "Box<dyn Any>");
    assert_eq!(panic.to_string(), "panicked: Box<dyn Any>");
}

#[tokio::test(start_paused = true)]
async fn backoff_resets_after_a_stable_period() {
    static P: SupervisePolicy = policy(100, 60_000, 100, 1000);
    let starts = &std::sync::Mutex::new(Vec::new());
    let t0 = Instant::now();
    let (result, _) = supervise(&P, &Shutdown::new(), move || async move {
        let i = {
            let mut starts = starts.lock().unwrap();
            starts.push(t0.elapsed());
            starts.len()
        };
        match i {
            4 => tokio::time::sleep(MS(1000)).await, // stable: exactly backoff_max
            7 => tokio::time::sleep(MS(999)).await,  // not stable
            10 => return Ok(()),
            _ => {}
        }
        Err("e")
    })
    .await;
    assert_eq!(result, Ok(()));
    // Delays: 100, 200, 400 | run 4 lasts 1s -> reset: 100, 200, 400 | run 7 lasts 999ms: 800, 1000
    let expected = [0, 100, 300, 700, 1800, 2000, 2400, 4199, 5199, 6199].map(MS);
    assert_eq!(*starts.lock().unwrap(), expected);
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_restarts_and_ends_the_backoff_early() {
    static P: SupervisePolicy = policy(100, 60_000, 10_000, 60_000);
    let s = Shutdown::new();
    let trigger = tokio::spawn({
        let s = s.clone();
        async move {
            tokio::time::sleep(MS(1500)).await;
            s.trigger();
        }
    });
    let t0 = Instant::now();
    let (result, n) = supervise(&P, &s, move || async move { Err::<(), _>("e") }).await;
    trigger.await.unwrap();
    assert_eq!((result, n), (Err(Ok("e")), 1));
    assert_eq!(
        t0.elapsed(),
        MS(1500),
        "the 10s backoff ended at the trigger"
    );

    // A failure after shutdown began is not restarted at all.
    let t0 = Instant::now();
    let (result, n) = supervise(&P, &s, move || async move { Err::<(), _>("e") }).await;
    assert_eq!((result, n), (Err(Ok("e")), 1));
    assert_eq!(t0.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn always_restarts_after_success_without_spending_the_budget() {
    static Q: SupervisePolicy = policy(1, 60_000, 100, 1000);
    static P: SupervisePolicy = SupervisePolicy {
        always: true,
        ..policy(1, 60_000, 100, 1000)
    };
    let s = &Shutdown::new();
    let n = &AtomicU32::new(0);
    let t0 = Instant::now();
    let (result, runs) = supervise(&P, s, move || async move {
        let i = n.fetch_add(1, SeqCst) + 1;
        match i {
            // One failure in the middle: the budget of 1 allows it; successes do not count.
            3 => Err("e"),
            10 => {
                s.trigger();
                Ok(i)
            }
            _ => Ok(i),
        }
    })
    .await;
    assert_eq!((result, runs), (Ok(10), 10));
    // 9 restarts: 8 after a success (100ms), 1 after the failure (100ms: k reset by the success).
    assert_eq!(t0.elapsed(), MS(900));

    // Without always, a success ends the call.
    let (result, runs) = supervise(
        &Q,
        &Shutdown::new(),
        move || async move { Ok::<_, &str>(1) },
    )
    .await;
    assert_eq!((result, runs), (Ok(1), 1));
}
