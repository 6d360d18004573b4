//! What the fleet tests share: a real `redis-server` started on a free loopback port (and stopped
//! with the tests), the limits the processes share, and the annotated functions they call.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use taskward::fleet::Unavailable;
use taskward::{Bulkhead, RateLimit, bounded, rate_limited};

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

/// A `redis-server` of the tests' own, on 127.0.0.1 at a free port, without persistence; killed
/// when dropped, or when the test process ends (a watchdog shell).
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    watchdog: Option<Child>,
}

impl RedisServer {
    /// Starts one, or prints why the test is skipped and returns `None` when `redis-server` is not
    /// on the `PATH`.
    #[must_use]
    pub fn start() -> Option<RedisServer> {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            eprintln!("skipped: redis-server not found (install it: apt-get install redis-server)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut server = RedisServer {
            child: None,
            port,
            watchdog: None,
        };
        server.spawn();
        Some(server)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "while kill -0 {} 2>/dev/null && kill -0 {} 2>/dev/null; do sleep 0.5; done; kill -9 {} 2>/dev/null",
                std::process::id(),
                child.id(),
                child.id()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        self.child = Some(child);
        self.watchdog = watchdog;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if ping(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not answer PING on port {}", self.port);
    }

    /// `redis://127.0.0.1:{port}`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it (`kill -9`: the data is gone, as after a crash).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether a server answers `PING` on the port (RESP by hand: no client needed).
fn ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
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
