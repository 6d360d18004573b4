// A zero duration in a backoff range: the error points at `"0s..1s"`.
#[taskward::supervised(backoff = "0s..1s")]
async fn work() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
