//! Redis stopped and started again while calls go on: each `Unavailable` option does what its
//! docs say, no call hangs, and nothing is left taken once Redis is back. A binary of its own:
//! stopping the server would disturb the other tests.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use taskward::fleet::Fleet;
use taskward::{Error, bounded, rate_limited, with_timeout};
use taskward_fleet_tests::{OUTAGE_ALLOW, OUTAGE_FAIL, OUTAGE_LOCAL, OUTAGE_RATE, RedisServer};

#[bounded(in = OUTAGE_FAIL, wait = "1s")]
async fn fail_within() {}

#[with_timeout("300ms")]
#[bounded(in = OUTAGE_FAIL)]
async fn fail_no_wait() {}

#[bounded(in = OUTAGE_ALLOW, wait = "1s")]
async fn allow() {}

static LOCAL_NOW: AtomicUsize = AtomicUsize::new(0);
static LOCAL_MAX: AtomicUsize = AtomicUsize::new(0);

#[bounded(in = OUTAGE_LOCAL)]
async fn local(hold: Duration) {
    let now = LOCAL_NOW.fetch_add(1, Relaxed) + 1;
    LOCAL_MAX.fetch_max(now, Relaxed);
    tokio::time::sleep(hold).await;
    LOCAL_NOW.fetch_sub(1, Relaxed);
}

#[rate_limited(in = OUTAGE_RATE, wait = "1s")]
async fn rate() {}

#[test]
fn each_option_does_what_it_says_while_redis_is_away() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let fleet = taskward::fleet::connect(server.url())
            .prefix("outage")
            .install()
            .await
            .expect("the fleet connects");

        // Up: every limit through Redis.
        fail_within().await.expect("Redis is up");
        allow().await.expect("Redis is up");
        local(Duration::ZERO).await;
        rate().await.expect("Redis is up");
        assert_eq!(OUTAGE_FAIL.fleet_figures().unwrap().admitted, 1);

        server.stop();

        // Fail, with a wait: an error of its own, within a deadline or two.
        let t = Instant::now();
        let err = fail_within().await.expect_err("Redis is away");
        assert!(matches!(err, Error::LimitUnavailable { limit: "outage-fail", .. }), "{err}");
        let fail_took = t.elapsed();
        assert!(fail_took < Duration::from_millis(500), "{fail_took:?}");
        let err = rate().await.expect_err("Redis is away");
        assert!(err.is_limit_unavailable(), "{err}");
        // Fail, without a wait: waits for Redis, and its cancellation ends it.
        let t = Instant::now();
        let err = fail_no_wait().await.expect_err("cut by its timeout");
        assert!(err.is_timeout(), "{err}");
        assert!(t.elapsed() < Duration::from_millis(600), "{:?}", t.elapsed());

        // Allow: the call goes ahead.
        allow().await.expect("unlimited while Redis is away");
        assert_eq!(OUTAGE_ALLOW.fleet_figures().unwrap().passed_unavailable, 1);

        // Local(1): the share of this process, one at a time.
        let t = Instant::now();
        tokio::join!(
            local(Duration::from_millis(100)),
            local(Duration::from_millis(100)),
            local(Duration::from_millis(100))
        );
        assert_eq!(LOCAL_MAX.load(Relaxed), 1);
        assert!(t.elapsed() >= Duration::from_millis(300));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        eprintln!(
            "Redis away: Fail failed in {fail_took:?}; Allow passed; Local(1) ran 3 calls one at a time in {:?}",
            t.elapsed()
        );

        server.restart();

        // Back: through Redis again once the connection is made anew.
        let t = Instant::now();
        loop {
            if fail_within().await.is_ok() {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "Redis back, still failing");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let back = t.elapsed();
        let admitted = OUTAGE_LOCAL.fleet_figures().unwrap().admitted;
        local(Duration::ZERO).await;
        assert_eq!(OUTAGE_LOCAL.fleet_figures().unwrap().admitted, admitted + 1);
        allow().await.expect("Redis is up");
        rate().await.expect("Redis is up");
        eprintln!("Redis back: calls through it again after {back:?}");

        // Nothing left taken: in this process, and in Redis once the releases are sent.
        for bulkhead in [&OUTAGE_FAIL, &OUTAGE_ALLOW, &OUTAGE_LOCAL] {
            assert_eq!(bulkhead.in_flight(), 0);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        for name in ["outage-fail", "outage-allow", "outage-local"] {
            assert_eq!(fleet.bulkhead_in_use(name).await, Ok(0), "{name}");
        }
        let f = OUTAGE_FAIL.fleet_figures().unwrap();
        eprintln!("figures of outage-fail: {f:?}");
        assert!(f.redis_errors >= 2 && f.failed_unavailable >= 1);
        assert!(Fleet::installed().is_some());
    });
}
