// `std::thread::sleep` in an `async fn` under #[check] alone: a warning at `sleep`, made an error by
// `#![deny(warnings)]`; the message names `tokio::time::sleep`.
#![deny(warnings)]

use std::time::Duration;

#[taskward::check]
async fn poll_until_ready(ready: &std::sync::atomic::AtomicBool) {
    while !ready.load(std::sync::atomic::Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn main() {
    drop(poll_until_ready(&std::sync::atomic::AtomicBool::new(true)));
}
