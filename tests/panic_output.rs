//! `taskward::quiet_caught_panics()`: a panic caught by a supervised run (or of a `#[blocking]`
//! body) reaches no panic hook (no message, no backtrace printed), every other panic reaches the
//! hook that was there before. Its own test binary: a panic hook is process-wide.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once};

use taskward::{Error, supervised};

/// The messages of the panics that reached the recording hook.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Installs a hook that records each panic's message, then taskward's on top of it (twice: the
/// second call does nothing).
fn install_hooks() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            SEEN.lock().unwrap().push(message);
        }));
        taskward::quiet_caught_panics();
        taskward::quiet_caught_panics();
    });
}

fn seen(message: &str) -> bool {
    SEEN.lock().unwrap().iter().any(|seen| seen == message)
}

#[supervised(restarts = 2, within = "1m", backoff = "1ms..1ms")]
async fn panics_twice(runs: &AtomicU32) -> u32 {
    let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
    if run < 3 {
        panic!("caught in run {run}");
    }
    run
}

#[supervised(restarts = 1, within = "1m", backoff = "1ms..1ms")]
async fn always_panics() {
    panic!("caught until the budget is spent");
}

#[supervised(restarts = 1, within = "1m", backoff = "1ms..1ms")]
async fn crashes_another_thread() {
    // Another thread is not within this run: its panic is a crash like any other. Joined on the
    // runtime's thread on purpose: the test needs the panic to have happened before it goes on.
    #[check(allow(blocking))]
    let crashed = std::thread::spawn(|| panic!("a crash on another thread")).join();
    assert!(crashed.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_panic_caught_by_a_supervised_run_reaches_no_hook() {
    install_hooks();
    let runs = AtomicU32::new(0);
    assert_eq!(panics_twice(&runs).await, Ok(3));
    assert!(!seen("caught in run 1"));
    assert!(!seen("caught in run 2"));

    // The last one too: the call returns it.
    assert_eq!(
        always_panics().await,
        Err(Error::panicked(
            "panic_output::always_panics",
            "caught until the budget is spent"
        ))
    );
    assert!(!seen("caught until the budget is spent"));
}

#[tokio::test(start_paused = true)]
async fn a_panic_on_another_thread_during_a_supervised_run_reaches_the_previous_hook() {
    install_hooks();
    assert_eq!(crashes_another_thread().await, Ok(()));
    assert!(seen("a crash on another thread"));
}

#[test]
fn a_panic_outside_a_supervised_run_reaches_the_previous_hook() {
    install_hooks();
    let crashed = std::panic::catch_unwind(|| panic!("a crash outside"));
    assert!(crashed.is_err());
    assert!(seen("a crash outside"));
}

// `#[blocking]`: a panic of its body, caught by the blocking task and returned as an error, reaches
// no hook either; a panic of another task on the same pool does.

#[taskward::blocking]
fn blocking_panics() -> u32 {
    panic!("caught on the blocking pool")
}

#[tokio::test(flavor = "current_thread")]
async fn a_panic_of_a_blocking_body_reaches_no_hook_and_another_on_the_pool_does() {
    install_hooks();
    assert_eq!(
        blocking_panics().await,
        Err(Error::panicked(
            "panic_output::blocking_panics",
            "caught on the blocking pool"
        ))
    );
    assert!(!seen("caught on the blocking pool"));
    let crashed = tokio::task::spawn_blocking(|| panic!("a crash on the pool, by hand")).await;
    assert!(crashed.is_err());
    assert!(seen("a crash on the pool, by hand"));
}
