//! Fleet limits shared by several runtimes in this process and by several processes (the
//! `fleet-worker` binary), against a real `redis-server` that the tests start. Skipped, with the
//! reason printed, where `redis-server` is not installed.
//!
//! The windows are short for CI; `TASKWARD_FLEET_WINDOW_SECS` makes them longer.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use taskward::fleet::{Fleet, FleetErrorKind};
use taskward::{Bulkhead, bounded};
use taskward_fleet_tests::{
    BULK, BULK_SIZE, LEASE, RATE, RATE_PER_SECOND, RedisServer, bulk_call, max_overlap, rate_call,
    unix_us,
};

/// The server and the prefix that this test binary's fleet uses (one fleet per process).
struct Shared {
    server: RedisServer,
    prefix: String,
}

fn shared() -> Option<&'static Shared> {
    static SHARED: OnceLock<Option<Shared>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let server = RedisServer::start()?;
            let prefix = format!("test-{:x}", unix_us());
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime
                .block_on(
                    taskward::fleet::connect(server.url())
                        .prefix(prefix.as_str())
                        .deadline(Duration::from_secs(1))
                        .install(),
                )
                .expect("the fleet connects");
            Some(Shared { server, prefix })
        })
        .as_ref()
}

fn window() -> Duration {
    let secs = std::env::var("TASKWARD_FLEET_WINDOW_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    Duration::from_secs_f64(secs)
}

fn worker(shared: &Shared, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
        .arg(shared.server.url())
        .arg(&shared.prefix)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("fleet-worker starts")
}

/// Runs `tasks` tasks on each of `runtimes` runtimes of this process, each repeating `call`
/// until `run` has passed; what each call returned.
fn in_runtimes<T: Send + 'static, F: std::future::Future<Output = T> + Send + 'static>(
    runtimes: usize,
    tasks: usize,
    run: Duration,
    call: fn() -> F,
) -> Vec<T> {
    let end = Instant::now() + run;
    let threads: Vec<_> = (0..runtimes)
        .map(|_| {
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    let tasks: Vec<_> = (0..tasks)
                        .map(|_| {
                            tokio::spawn(async move {
                                let mut out = Vec::new();
                                while Instant::now() < end {
                                    out.push(call().await);
                                }
                                out
                            })
                        })
                        .collect();
                    let mut out = Vec::new();
                    for task in tasks {
                        out.extend(task.await.expect("task"));
                    }
                    out
                })
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect()
}

#[test]
fn a_fleet_rate_limit_holds_across_runtimes_and_processes() {
    let Some(shared) = shared() else { return };
    let window = window();
    // Half a second to start the processes and fill the queue, the window, and a margin.
    let run = window + Duration::from_millis(1000);
    let run_ms = run.as_millis().to_string();
    let workers: Vec<_> = (0..2)
        .map(|_| worker(shared, &["rate", "4", &run_ms]))
        .collect();
    let mut starts = in_runtimes(2, 4, run, rate_call);
    for w in workers {
        let out = w.wait_with_output().expect("worker ends");
        assert!(out.status.success());
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(us) = line.strip_prefix("start ") {
                starts.push(us.parse().expect("a time"));
            }
        }
    }
    starts.sort_unstable();
    let first = starts[0];
    let from = first + 500_000;
    let to = from + u64::try_from(window.as_micros()).expect("window");
    let counted = starts.iter().filter(|&&t| t >= from && t < to).count();
    let expected = window.as_secs_f64() * f64::from(RATE_PER_SECOND);
    let error = (counted as f64 - expected) / expected;
    eprintln!(
        "fleet rate: {counted} calls started in {window:?} across 2 runtimes and 2 processes \
         (limit {RATE_PER_SECOND}/s: {expected}); error {:+.3}%; {} calls in all",
        error * 100.0,
        starts.len()
    );
    assert!(error.abs() <= 0.01, "rate error {:+.3}%", error * 100.0);
    let figures = RATE.fleet_figures().expect("a fleet limit");
    eprintln!(
        "fleet rate figures in this process: {figures:?}, mean round trip {:?}",
        figures.mean_latency()
    );
    assert_eq!(figures.redis_errors, 0);
}

#[test]
fn a_fleet_bulkhead_is_never_above_its_size() {
    let Some(shared) = shared() else { return };
    // Not at once with the other test of the shared bulkhead.
    let _guard = BULK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let run = window();
    let run_ms = run.as_millis().to_string();
    let workers: Vec<_> = (0..2)
        .map(|_| worker(shared, &["bulkhead", "4", &run_ms]))
        .collect();
    let mut spans = in_runtimes(2, 4, run, || bulk_call(Duration::from_millis(5)));
    for w in workers {
        let out = w.wait_with_output().expect("worker ends");
        assert!(out.status.success());
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut parts = line.split_whitespace().skip(1);
            let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                continue;
            };
            spans.push((a.parse().expect("a time"), b.parse().expect("a time")));
        }
    }
    let max = max_overlap(&spans);
    eprintln!(
        "fleet bulkhead: {} calls of 2 runtimes and 2 processes (16 tasks) over {run:?}; \
         at most {max} in their bodies at once (size {BULK_SIZE})",
        spans.len()
    );
    assert!(max <= BULK_SIZE, "{max} calls at once, above {BULK_SIZE}");
    assert_eq!(max, BULK_SIZE, "the load should fill the bulkhead");
    assert_eq!(BULK.in_flight(), 0);
}

#[test]
fn permits_of_a_killed_process_come_back_within_the_lease() {
    let Some(shared) = shared() else { return };
    // Not at once with the other test of the shared bulkhead.
    let _guard = BULK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let fleet = Fleet::installed().expect("installed");
    let mut child = worker(shared, &["hold", &BULK_SIZE.to_string()]);
    let mut line = String::new();
    {
        use std::io::BufRead;
        let stdout = child.stdout.as_mut().expect("stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("a line");
    }
    assert_eq!(line.trim(), format!("held {BULK_SIZE}"));
    let full = runtime
        .block_on(fleet.bulkhead_in_use("shared-bulkhead"))
        .expect("Redis answers");
    assert!(full == BULK_SIZE as u64, "{full} leases before the kill");
    // Held past half a lease: renewed, not expired.
    std::thread::sleep(LEASE);
    let still = runtime
        .block_on(fleet.bulkhead_in_use("shared-bulkhead"))
        .expect("Redis answers");
    assert_eq!(still, BULK_SIZE as u64, "renewed while the process lives");
    let killed = Instant::now();
    // kill -9: no destructor, no release.
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let back = loop {
        let in_use = runtime
            .block_on(fleet.bulkhead_in_use("shared-bulkhead"))
            .expect("Redis answers");
        if in_use == 0 {
            break killed.elapsed();
        }
        assert!(
            killed.elapsed() < LEASE + Duration::from_secs(1),
            "{in_use} leases still taken {:?} after the kill",
            killed.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!(
        "kill -9 of a process holding {BULK_SIZE} permits: all back after {back:?} (lease {LEASE:?})"
    );
    assert!(back <= LEASE + Duration::from_millis(200));
    // And a call of this process takes one at once.
    let taken = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(1), bulk_call(Duration::ZERO)).await
    });
    assert!(taken.is_ok());
}

/// The tests of the shared bulkhead, one at a time.
static BULK_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

static LONG: Bulkhead = Bulkhead::fleet("long-call", 1).with_lease(Duration::from_millis(600));

#[bounded(in = LONG)]
async fn long_call(hold: Duration) {
    tokio::time::sleep(hold).await;
}

#[bounded(in = LONG, wait = "0s")]
async fn try_long() {}

#[test]
fn a_call_longer_than_its_lease_keeps_it() {
    let Some(_shared) = shared() else { return };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let long = tokio::spawn(long_call(Duration::from_millis(2000)));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // Two and a half leases in: still held.
        let err = try_long().await.expect_err("the permit is held");
        assert!(matches!(err, taskward::Error::Rejected { .. }), "{err}");
        long.await.expect("the call ends");
        // Given back by the connection's thread: taken again within a moment.
        let taken = tokio::time::timeout(Duration::from_secs(1), async {
            loop {
                if try_long().await.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(taken.is_ok(), "released after the call");
    });
}

#[test]
fn a_malformed_url_or_a_refused_login_is_an_error_without_the_password() {
    let Some(shared) = shared() else { return };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let err = taskward::fleet::connect("http://user:hunter22@[nope")
            .connect()
            .await
            .expect_err("not a Redis URL");
        assert_eq!(err.kind, FleetErrorKind::InvalidUrl, "{err}");
        assert!(!err.to_string().contains("hunter22"), "{err}");
        let url = format!("redis://nobody:hunter22@127.0.0.1:{}", shared.server.port());
        let builder = format!("{:?}", taskward::fleet::connect(url.as_str()));
        assert!(!builder.contains("hunter22"), "{builder}");
        let err = taskward::fleet::connect(url)
            .connect()
            .await
            .expect_err("no such user");
        eprintln!("a refused login: {err}");
        assert_eq!(err.kind, FleetErrorKind::Refused, "{err}");
        assert!(!err.to_string().contains("hunter22"), "{err}");
        assert!(!format!("{err:?}").contains("hunter22"), "{err:?}");
        assert!(
            err.to_string().contains("redis://nobody:***@127.0.0.1"),
            "{err}"
        );
    });
}

/// The future of a function through a fleet limit is `Send` (a compile-time check).
#[test]
fn calls_through_fleet_limits_are_send() {
    fn send<T: Send>(_: &T) {}
    send(&rate_call());
    send(&bulk_call(Duration::ZERO));
    send(&long_call(Duration::ZERO));
    send(&try_long());
}

/// An ACL user in the URL logs in, and the prefix with the user's key pattern keeps a service to
/// its own limits: the same user under another prefix is refused by Redis.
#[test]
fn an_acl_user_reaches_the_keys_of_its_prefix_only() {
    let Some(server) = RedisServer::start_with(&[
        "--user",
        "default",
        "off",
        "--user",
        "billing",
        "on",
        ">s3cret-pw",
        "~billing:*",
        // What the fleet's steps run (the docs list it), and nothing else.
        "+evalsha",
        "+eval",
        "+script|load",
        "+ping",
        "+zrem",
        "+time",
        "+zremrangebyscore",
        "+zcard",
        "+zadd",
        "+zrange",
        "+zscore",
        "+pttl",
        "+pexpire",
        "+get",
        "+set",
    ]) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let url = format!("redis://billing:s3cret-pw@127.0.0.1:{}", server.port());
        let fleet = taskward::fleet::connect(url.as_str())
            .prefix("billing")
            .connect()
            .await
            .expect("the ACL user logs in");
        assert_eq!(
            fleet.url(),
            format!("redis://billing:***@127.0.0.1:{}", server.port())
        );
        assert_eq!(fleet.bulkhead_in_use("reports-db").await, Ok(0));
        // Every step as this user, in a replica: a rate limit's, and a permit taken, renewed past
        // its lease, and given back.
        let replica = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
                .arg(&url)
                .arg("billing")
                .args(args)
                .stdout(Stdio::piped())
                .spawn()
                .expect("fleet-worker starts")
        };
        let rate = replica(&["rate", "1", "300"])
            .wait_with_output()
            .expect("ends");
        assert!(rate.status.success());
        assert!(String::from_utf8_lossy(&rate.stdout).lines().count() > 0);
        let bulkhead = replica(&["bulkhead", "2", "300"])
            .wait_with_output()
            .expect("ends");
        assert!(bulkhead.status.success());
        assert!(String::from_utf8_lossy(&bulkhead.stdout).lines().count() > 0);
        // Given back by `ZREM` (flushed before the replica exited), not by expiry.
        assert_eq!(fleet.bulkhead_in_use("shared-bulkhead").await, Ok(0));
        let mut holder = replica(&["hold", "1"]);
        {
            use std::io::BufRead;
            let mut line = String::new();
            let stdout = holder.stdout.as_mut().expect("stdout");
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .expect("a line");
            assert_eq!(line.trim(), "held 1");
        }
        tokio::time::sleep(LEASE + Duration::from_millis(500)).await;
        assert_eq!(
            fleet.bulkhead_in_use("shared-bulkhead").await,
            Ok(1),
            "renewed"
        );
        holder.kill().expect("kill");
        holder.wait().expect("reaped");
        let other = taskward::fleet::connect(url.as_str())
            .prefix("search")
            .connect()
            .await
            .expect("the ACL user logs in");
        let refused = other.bulkhead_in_use("reports-db").await;
        eprintln!("another service's prefix: {refused:?}");
        assert!(refused.is_err_and(|e| e.contains("NoPerm") && !e.contains("s3cret")));
        let wrong = format!("redis://billing:wrong-pw@127.0.0.1:{}", server.port());
        let err = taskward::fleet::connect(wrong)
            .connect()
            .await
            .expect_err("wrong password");
        assert_eq!(err.kind, FleetErrorKind::Refused, "{err}");
        assert!(!err.to_string().contains("wrong-pw"), "{err}");
    });
}
