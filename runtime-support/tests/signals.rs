//! `Shutdown::on_signals` turns a real SIGTERM into shutdown (its own test binary: the signal
//! handler, once installed, stays for the whole process).
#![cfg(unix)]

use std::time::Duration;

use taskward_runtime::Shutdown;

#[tokio::test]
async fn sigterm_triggers_shutdown() {
    let shutdown = Shutdown::new();
    let listener = shutdown.on_signals();
    assert!(!shutdown.is_triggered());

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run `kill`");
    assert!(status.success());

    tokio::time::timeout(Duration::from_secs(10), shutdown.triggered())
        .await
        .expect("SIGTERM did not trigger shutdown");
    assert!(shutdown.is_triggered());
    listener.await.unwrap();
    let report = shutdown.drain(Duration::from_secs(1)).await;
    assert_eq!(report.in_flight, 0);
}
