// A `std::sync::Mutex` guard alive across an `.await`: the warning is on the guard's binding, and
// its message names the line of the `.await`.
#![deny(warnings)]

use std::sync::Mutex;

#[taskward::check]
async fn record(hits: &Mutex<Vec<u64>>, n: u64) {
    let mut guard = hits.lock().unwrap();
    guard.push(n);
    tokio::task::yield_now().await;
    guard.push(n + 1);
}

fn main() {
    drop(record(&Mutex::new(Vec::new()), 1));
}
