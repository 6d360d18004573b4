// A deadline for the whole call and one for each run: the whole call's 150ms ends before the first
// restart (a run cut at 100ms, then a backoff of at least 100ms). The warning is on the outer one.
#![deny(deprecated)]

#[taskward::with_timeout("150ms")]
#[taskward::supervised(backoff = "100ms..1s")]
#[taskward::with_timeout("100ms")]
async fn poll() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {}
