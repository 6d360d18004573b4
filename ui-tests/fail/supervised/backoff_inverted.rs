// An inverted backoff range: the error points at `"10s..1s"` and shows the right order.
#[taskward::supervised(backoff = "10s..1s")]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
