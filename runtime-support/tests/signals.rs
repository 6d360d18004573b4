//! `Shutdown::on_signals` turns a real SIGTERM into shutdown, and a second signal during the drain
//! into an exit at once (its own test binary: the signal handler, once installed, stays for the
//! whole process). A process that exits cannot report to its own test: each second-signal case
//! runs in a child process, this binary run again with [`CHILD`] naming the case.
#![cfg(unix)]

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use taskward_runtime::{SecondSignal, Shutdown};

#[tokio::test]
async fn sigterm_triggers_shutdown() {
    let shutdown = Shutdown::new();
    let listener = shutdown.on_signals();
    assert!(!shutdown.is_triggered());

    kill("TERM", std::process::id());

    tokio::time::timeout(Duration::from_secs(10), shutdown.triggered())
        .await
        .expect("SIGTERM did not trigger shutdown");
    assert!(shutdown.is_triggered());
    // Still listening, for a second signal.
    assert!(!listener.is_finished());
    listener.abort();
    let report = shutdown.drain(Duration::from_secs(1)).await;
    assert_eq!(report.in_flight, 0);
}

/// Names the case a child process runs: `"<how it listens> <first signal> <second signal>"`.
const CHILD: &str = "TASKWARD_SIGNALS_CHILD";

/// Sends `signal` (`"TERM"`, `"INT"`) to the process `pid`.
fn kill(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("run `kill`");
    assert!(status.success(), "kill -{signal} {pid}: {status}");
}

/// Runs `case` in a child process and returns what it did; kills it after a minute.
fn run_child(case: &str) -> Output {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, case)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the child");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            kill("KILL", pid);
            panic!("the child of case {case:?} still ran after 60s");
        }
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

struct Service {
    shutdown: Shutdown,
}

impl Service {
    /// A call in flight, which the drain waits for.
    #[taskward::graceful(in = &self.shutdown)]
    async fn work(&self, time: Duration) {
        tokio::time::sleep(time).await;
    }
}

/// Not a test by itself: the body of a child process run by the tests below. Without [`CHILD`] it
/// does nothing.
#[test]
fn child_process() {
    let Ok(case) = std::env::var(CHILD) else {
        return;
    };
    let [listen, first, second] = case.split(' ').collect::<Vec<_>>()[..] else {
        panic!("bad case {case:?}");
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let service = Arc::new(Service {
                shutdown: Shutdown::new(),
            });
            // A call that outlasts the test unless the second signal ends the process.
            let work = match listen {
                "default" => {
                    service.shutdown.on_signals();
                    Duration::from_secs(30)
                }
                "exit" => {
                    service.shutdown.on_signals_with(SecondSignal::Exit);
                    Duration::from_secs(30)
                }
                "ignore" => {
                    service.shutdown.on_signals_with(SecondSignal::Ignore);
                    Duration::from_millis(200)
                }
                _ => panic!("bad case {case:?}"),
            };
            let call = tokio::spawn({
                let service = service.clone();
                async move { service.work(work).await }
            });
            tokio::task::yield_now().await;
            assert_eq!(service.shutdown.in_flight(), 1);

            kill(first, std::process::id());
            tokio::time::timeout(Duration::from_secs(10), service.shutdown.triggered())
                .await
                .expect("the first signal did not trigger shutdown");
            kill(second, std::process::id());
            let report = service.shutdown.drain(Duration::from_secs(60)).await;
            println!("{report}");
            assert_eq!(call.await.unwrap(), Ok(()));
        });
}

#[test]
fn a_second_sigterm_during_the_drain_exits_at_once_with_143() {
    let output = run_child("default TERM TERM");
    assert_eq!(output.status.code(), Some(143), "{}", describe(&output));
}

#[test]
fn the_status_is_the_one_of_the_second_signal() {
    let output = run_child("exit TERM INT");
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let output = run_child("exit INT INT");
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
}

#[test]
fn with_ignore_a_second_signal_lets_the_drain_end_by_itself() {
    let output = run_child("ignore TERM TERM");
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("1 in flight, 1 finished, 0 cancelled"),
        "{}",
        describe(&output)
    );
}
