//! The `service` example run as three replicas (three processes on three ports) sharing one fleet
//! rate limit on its partner dependency (`GET /partner`), against a real `redis-server`, under
//! load: together they keep to the partner's rate, not three times it.
//!
//! Needs the `redis` feature (on in `cargo test --workspace`, through `fleet-tests`) and the
//! example built by the same run (`cargo test` builds the examples); skipped, saying why, without
//! `redis-server` or the example's binary.
#![cfg(feature = "redis")]

// `port` and `restart` are for the fleet tests.
#[allow(dead_code)]
#[path = "../fleet-tests/src/server.rs"]
mod server;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// The example's `PARTNER_RATE`.
const PARTNER_RATE: u32 = 50;
const REPLICAS: usize = 3;
const CLIENTS_PER_REPLICA: usize = 6;

struct Replica {
    child: Child,
    port: u16,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One `GET /partner` over HTTP/1.0: the status and the time the partner call started.
async fn partner(port: u16) -> Option<(u16, u64)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    stream
        .write_all(b"GET /partner HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let status = response.get(9..12)?.parse().ok()?;
    let at = response
        .rsplit("partner call at ")
        .next()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    Some((status, at))
}

#[test]
fn three_replicas_of_the_service_share_the_partners_rate() {
    let Some(redis) = server::RedisServer::start() else {
        return;
    };
    let example = std::env::current_exe()
        .expect("the test's path")
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("examples").join("service"))
        .expect("the target directory");
    if !example.exists() {
        eprintln!(
            "skipped: the service example is not built (cargo test --workspace builds it; or cargo build --example service --features redis)"
        );
        return;
    }
    let prefix = format!("service-test-{}", std::process::id());
    let replicas: Vec<Replica> = (0..REPLICAS)
        .map(|_| {
            let port = free_port();
            let mut child = Command::new(&example)
                .env("PORT", port.to_string())
                .env("REDIS_URL", redis.url())
                .env("FLEET_PREFIX", &prefix)
                .env("RUST_LOG", "error")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("the example starts");
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok).unwrap_or_default();
            assert!(
                first.starts_with("fleet limits in redis://127.0.0.1"),
                "the example was built without the `redis` feature, or did not connect: {first:?}"
            );
            let second = lines.next().and_then(Result::ok).unwrap_or_default();
            assert!(second.starts_with("listening"), "{second:?}");
            // Keep reading, so that the replica never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            Replica { child, port }
        })
        .collect();

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let run = Duration::from_millis(3500);
    let results: Vec<(usize, u16, u64)> = runtime.block_on(async {
        let end = Instant::now() + run;
        let mut clients = Vec::new();
        for (i, replica) in replicas.iter().enumerate() {
            for _ in 0..CLIENTS_PER_REPLICA {
                let port = replica.port;
                clients.push(tokio::spawn(async move {
                    let mut seen = Vec::new();
                    while Instant::now() < end {
                        if let Some((status, at)) = partner(port).await {
                            seen.push((i, status, at));
                        }
                    }
                    seen
                }));
            }
        }
        let mut all = Vec::new();
        for client in clients {
            all.extend(client.await.expect("client"));
        }
        all
    });
    drop(replicas);

    let mut starts: Vec<u64> = results
        .iter()
        .filter(|(_, status, _)| *status == 200)
        .map(|&(_, _, at)| at)
        .collect();
    starts.sort_unstable();
    assert!(!starts.is_empty(), "no partner call succeeded");
    let per_replica: Vec<usize> = (0..REPLICAS)
        .map(|r| {
            results
                .iter()
                .filter(|(i, status, _)| *i == r && *status == 200)
                .count()
        })
        .collect();
    let from = starts[0] + 500_000;
    let window = Duration::from_millis(2500);
    let to = from + u64::try_from(window.as_micros()).expect("window");
    let counted = starts.iter().filter(|&&t| t >= from && t < to).count();
    let expected = window.as_secs_f64() * f64::from(PARTNER_RATE);
    let error = (counted as f64 - expected) / expected;
    eprintln!(
        "service x{REPLICAS} under load ({} clients): {counted} partner calls in {window:?} \
         (limit {PARTNER_RATE}/s for the fleet: {expected}); error {:+.2}%; per replica {per_replica:?}; \
         {} requests in all",
        REPLICAS * CLIENTS_PER_REPLICA,
        error * 100.0,
        results.len()
    );
    assert!(per_replica.iter().all(|&n| n > 0), "every replica served");
    assert!(error.abs() <= 0.02, "rate error {:+.2}%", error * 100.0);
}
