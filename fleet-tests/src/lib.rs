//! What the fleet tests share: a real `redis-server` started on a free loopback port (and stopped
//! with the tests), the limits the processes share, and the annotated functions they call.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use taskward::fleet::Unavailable;
use taskward::{Bulkhead, RateLimit, bounded, rate_limited};

mod server;
pub use server::RedisServer;

/// The fleet rate limit that the runtimes and processes of a test share: 200 a second, evenly
/// spaced (burst 1), so that the rate over a window can be compared with the limit.
pub static RATE: RateLimit =
    RateLimit::fleet("shared-rate", RATE_PER_SECOND, Duration::from_secs(1)).with_burst(1);
/// Calls per second of [`RATE`].
pub const RATE_PER_SECOND: u32 = 200;

/// The fleet bulkhead they share: 5 permits, leases of 2s.
pub static BULK: Bulkhead = Bulkhead::fleet("shared-bulkhead", BULK_SIZE).with_lease(LEASE);
/// Permits of [`BULK`].
pub const BULK_SIZE: usize = 5;
/// The lease of [`BULK`].
pub const LEASE: Duration = Duration::from_secs(2);

/// Each option of what a call does when Redis is away, on a bulkhead of 2 (a local share of 1).
pub static OUTAGE_FAIL: Bulkhead = Bulkhead::fleet("outage-fail", 2);
/// As [`OUTAGE_FAIL`], going ahead unlimited.
pub static OUTAGE_ALLOW: Bulkhead =
    Bulkhead::fleet("outage-allow", 2).on_unavailable(Unavailable::Allow);
/// As [`OUTAGE_FAIL`], under a local share of 1.
pub static OUTAGE_LOCAL: Bulkhead =
    Bulkhead::fleet("outage-local", 2).on_unavailable(Unavailable::Local(1));
/// A fleet rate limit that fails when Redis is away.
pub static OUTAGE_RATE: RateLimit = RateLimit::fleet("outage-rate", 100, Duration::from_secs(1));

/// Microseconds since the Unix epoch: one clock for every process of the machine.
#[must_use]
pub fn unix_us() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros(),
    )
    .unwrap_or(u64::MAX)
}

/// One call of the shared rate limit: when it started.
#[rate_limited(in = RATE)]
pub async fn rate_call() -> u64 {
    unix_us()
}

/// One call holding a permit of the shared bulkhead for `hold`: when it started and ended, as the
/// body saw them.
#[bounded(in = BULK)]
pub async fn bulk_call(hold: Duration) -> (u64, u64) {
    let start = unix_us();
    tokio::time::sleep(hold).await;
    (start, unix_us())
}

/// The largest number of intervals `(start, end)` open at once.
#[must_use]
pub fn max_overlap(intervals: &[(u64, u64)]) -> usize {
    let mut events: Vec<(u64, i32)> = Vec::with_capacity(intervals.len() * 2);
    for &(start, end) in intervals {
        events.push((start, 1));
        events.push((end, -1));
    }
    // At equal times the end first: a permit given back before the next is taken.
    events.sort_unstable();
    let (mut now, mut max) = (0i64, 0i64);
    for (_, delta) in events {
        now += i64::from(delta);
        max = max.max(now);
    }
    usize::try_from(max).unwrap_or(0)
}
