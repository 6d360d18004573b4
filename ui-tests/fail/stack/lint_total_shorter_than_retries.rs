// `total` against the attempts: 5 attempts without jitter need 100 + 200 + 400 + 800ms of backoff
// before the last, more than `total` (made an error by `#![deny(deprecated)]`).
#![deny(deprecated)]

#[taskward::retry(attempts = 5, jitter = false, total = "1s")]
async fn fetch() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
