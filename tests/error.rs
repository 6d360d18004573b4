//! `taskward::Error` built by hand, as a user's mock builds it: each constructor gives the very
//! error a real call fails with, so a test can compare them, match them, or return them.

use std::time::Duration;

use taskward::{Error, Shutdown, bounded, graceful, supervised, with_timeout};
use tokio::time::sleep;

const MS: fn(u64) -> Duration = Duration::from_millis;

#[with_timeout("50ms")]
async fn slow() {
    sleep(MS(100)).await;
}

#[bounded(1, wait = "20ms")]
async fn one_at_a_time() {
    sleep(MS(100)).await;
}

#[supervised(restarts = 1, backoff = "1ms..1ms")]
async fn panics() {
    panic!("the disk is on fire");
}

struct Service {
    shutdown: Shutdown,
}

impl Service {
    #[graceful(cancel, in = &self.shutdown)]
    async fn stream(&self) {
        std::future::pending::<()>().await;
    }
}

#[tokio::test(start_paused = true)]
async fn each_constructor_gives_the_error_a_real_call_fails_with() {
    assert_eq!(slow().await, Err(Error::timeout("error::slow", MS(50))));

    let (first, second) = tokio::join!(one_at_a_time(), one_at_a_time());
    assert_eq!(first, Ok(()));
    assert_eq!(
        second,
        Err(Error::rejected("error::one_at_a_time", 1, MS(20)))
    );

    assert_eq!(
        panics().await,
        Err(Error::panicked("error::panics", "the disk is on fire"))
    );

    let service = Service {
        shutdown: Shutdown::new(),
    };
    let (cancelled, ()) = tokio::join!(service.stream(), async {
        tokio::task::yield_now().await;
        service.shutdown.trigger();
    });
    assert_eq!(cancelled, Err(Error::cancelled("error::stream")));
    assert_eq!(
        service.stream().await,
        Err(Error::shutting_down("error::stream"))
    );
}

#[test]
fn a_constructed_error_says_what_a_real_one_says() {
    let err = Error::circuit_open("app::fetch");
    assert_eq!(err.function(), "app::fetch");
    assert_eq!(
        err.to_string(),
        "`app::fetch` refused: circuit half-open, its probe calls running"
    );
    assert!(err.is_circuit_open());
    assert!(matches!(err, Error::CircuitOpen { until: None, .. }));

    let err = Error::timeout("app::fetch", Duration::from_secs(2));
    assert!(err.is_timeout());
    assert_eq!(err.to_string(), "`app::fetch` timed out after 2s");
    assert!(Error::shutting_down("app::fetch").is_shutdown());
    assert!(Error::cancelled("app::fetch").is_shutdown());
}
