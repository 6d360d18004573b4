// The latency budget: an outer deadline that ends before the first restart is a warning (here
// denied), pointing at the deadline.
#![deny(deprecated)]

#[taskward::with_timeout("500ms")]
#[taskward::supervised(backoff = "1s..10s")]
async fn sync_orders() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
