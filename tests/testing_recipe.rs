// The service: its `#[graceful]` methods are tracked by the coordinator it owns.
use std::future::Future;
use std::time::Duration;

use taskward::{Error, Shutdown, graceful, supervised, with_timeout};

/// Where the exports go: a trait, so that a test can hand in a mock.
pub trait Remote: Sync {
    fn send(&self, rows: u64) -> impl Future<Output = Result<(), Error>> + Send;
}

pub struct Exporter {
    shutdown: Shutdown,
}

impl Exporter {
    /// The program passes `Shutdown::global().clone()`; each test, a `Shutdown::new()` of its own.
    pub fn new(shutdown: Shutdown) -> Self {
        Exporter { shutdown }
    }

    #[graceful(in = &self.shutdown)]
    #[with_timeout("2s")]
    pub async fn export(&self, rows: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(rows)).await;
        rows
    }

    #[graceful(in = &self.shutdown)]
    #[supervised(restarts = 5, backoff = "100ms..10s")]
    pub async fn deliver<R: Remote>(&self, remote: &R, rows: u64) -> Result<(), Error> {
        remote.send(rows).await
    }
}

// Its tests: each builds its own `Exporter`, so they run in parallel, in any order, any number of
// times.
#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use tokio::time::Instant;

    use super::*;

    /// A remote that fails its first `failures` sends (by panicking, with `panics`), then answers.
    struct Flaky {
        failures: AtomicU32,
        panics: bool,
    }

    impl Flaky {
        fn failing(failures: u32, panics: bool) -> Self {
            let failures = AtomicU32::new(failures);
            Flaky { failures, panics }
        }
    }

    impl Remote for Flaky {
        async fn send(&self, _rows: u64) -> Result<(), Error> {
            let left = self.failures.load(Ordering::SeqCst);
            if left == 0 {
                return Ok(());
            }
            self.failures.store(left - 1, Ordering::SeqCst);
            assert!(!self.panics, "the remote is gone");
            // The error a remote call under `#[with_timeout("2s")]` fails with.
            Err(Error::timeout("remote::send", Duration::from_secs(2)))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_export_times_out_after_exactly_2s() {
        let exporter = Exporter::new(Shutdown::new());
        let started = Instant::now();
        let slow = exporter.export(5_000).await;
        assert!(matches!(slow, Err(Error::Timeout { .. })), "{slow:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(2)); // exactly, and at once in real time
        assert_eq!(exporter.export(10).await, Ok(10));
    }

    #[tokio::test(start_paused = true)]
    async fn the_drain_lets_a_running_export_finish_then_refuses() {
        let exporter = Exporter::new(Shutdown::new());
        let (exported, report) = tokio::join!(exporter.export(500), async {
            tokio::task::yield_now().await; // the export is running
            exporter.shutdown.drain(Duration::from_secs(1)).await
        });
        assert_eq!(exported, Ok(500));
        assert_eq!((report.in_flight, report.finished), (1, 1));
        let refused = exporter.export(10).await;
        assert!(
            matches!(refused, Err(Error::ShuttingDown { .. })),
            "{refused:?}"
        );
    }

    /// How long a delivery to a remote that fails 3 times takes, after `seed_jitter(seed)`.
    async fn delivery_time(seed: u64) -> Duration {
        taskward::seed_jitter(seed);
        let exporter = Exporter::new(Shutdown::new());
        let started = Instant::now();
        exporter
            .deliver(&Flaky::failing(3, false), 10)
            .await
            .unwrap();
        started.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_remote_is_retried_with_reproducible_delays() {
        let took = delivery_time(7).await;
        assert_eq!(delivery_time(7).await, took);
        // 3 restarts: 100ms, then up to 200ms and 400ms.
        assert!(took >= Duration::from_millis(300) && took <= Duration::from_millis(700));
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_remote_is_restarted_quietly() {
        // The caught panics print nothing; a failing assertion still does.
        taskward::quiet_caught_panics();
        let exporter = Exporter::new(Shutdown::new());
        assert_eq!(exporter.deliver(&Flaky::failing(2, true), 10).await, Ok(()));
        let dead = Flaky::failing(100, true);
        assert_eq!(
            exporter.deliver(&dead, 10).await,
            Err(Error::panicked(
                "testing_recipe::deliver",
                "the remote is gone"
            ))
        );
    }
}
