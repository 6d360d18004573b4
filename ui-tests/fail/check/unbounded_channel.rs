// An unbounded channel: a warning at `unbounded_channel`, which names the bounded one to write.
#![deny(warnings)]

#[taskward::check]
async fn events() -> tokio::sync::mpsc::UnboundedReceiver<u64> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let _ = tx.send(1);
    rx
}

fn main() {
    drop(events());
}
