// The latency budget of #[retry]: 3 attempts, each cut at 1s, and at least 200ms of backoff need
// 3.2s, more than the outer deadline of 2s (made an error by `#![deny(deprecated)]`).
#![deny(deprecated)]

#[taskward::with_timeout("2s")]
#[taskward::retry(attempts = 3)]
#[taskward::with_timeout("1s")]
async fn fetch() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
