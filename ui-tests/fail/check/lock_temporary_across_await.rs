// A temporary guard lives until the end of its statement: `m.lock().unwrap()` inside the operand of
// an `.await` is held across it. The warning is on `lock`.
#![deny(warnings)]

use std::sync::Mutex;

#[taskward::check]
async fn publish(latest: &Mutex<String>, tx: &tokio::sync::mpsc::Sender<String>) {
    let _ = tx.send(latest.lock().unwrap().clone()).await;
}

fn main() {
    let (tx, _rx) = tokio::sync::mpsc::channel(1);
    drop(publish(&Mutex::new(String::new()), &tx));
}
