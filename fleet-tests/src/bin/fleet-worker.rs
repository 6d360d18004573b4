//! A replica of the fleet tests: connects to the Redis given, then calls the shared limits and
//! prints what its calls saw, one line each.
//!
//! `fleet-worker URL PREFIX rate TASKS RUN_MS`: `start US` per call of the shared rate limit.
//! `fleet-worker URL PREFIX bulkhead TASKS RUN_MS`: `in US OUT_US` per call holding a permit.
//! `fleet-worker URL PREFIX hold K`: takes K permits of the shared bulkhead, prints `held`, and
//! sleeps until it is killed.

use std::io::Write;
use std::time::{Duration, Instant};

use taskward_fleet_tests::{BULK, bulk_call, rate_call};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, prefix, mode) = (&args[1], &args[2], args[3].as_str());
    taskward::fleet::connect(url.as_str())
        .prefix(prefix.as_str())
        .deadline(Duration::from_secs(1))
        .install()
        .await
        .expect("the fleet connects");
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    match mode {
        "rate" | "bulkhead" => {
            let tasks: usize = args[4].parse().expect("tasks");
            let run = Duration::from_millis(args[5].parse().expect("run ms"));
            let end = Instant::now() + run;
            let mut handles = Vec::new();
            for i in 0..tasks {
                let out = out.clone();
                let rate = mode == "rate";
                handles.push(tokio::spawn(async move {
                    let mut n = i as u64;
                    while Instant::now() < end {
                        let line = if rate {
                            format!("start {}", rate_call().await)
                        } else {
                            n = n
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            let hold = Duration::from_millis(2 + (n >> 60));
                            let (a, b) = bulk_call(hold).await;
                            format!("in {a} {b}")
                        };
                        out.lock().unwrap().push(line);
                    }
                }));
            }
            for h in handles {
                h.await.expect("task");
            }
        }
        "hold" => {
            let k: usize = args[4].parse().expect("k");
            let mut permits = Vec::new();
            for _ in 0..k {
                permits.push(BULK.acquire().await);
            }
            println!("held {k}");
            std::io::stdout().flush().expect("flush");
            std::future::pending::<()>().await;
        }
        other => panic!("unknown mode {other}"),
    }
    // The last permits given back at once, not when their leases expire.
    taskward::fleet::Fleet::installed()
        .expect("installed")
        .flush()
        .await;
    let out = out.lock().unwrap();
    let mut stdout = std::io::stdout().lock();
    for line in out.iter() {
        writeln!(stdout, "{line}").expect("write");
    }
}
