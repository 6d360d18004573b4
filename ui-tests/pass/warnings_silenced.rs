// The soft findings (order and latency budget) are warnings that `#[allow(deprecated)]` on the
// function silences, even under `#![deny(warnings)]`.
#![deny(warnings)]

#[allow(deprecated)]
#[taskward::bounded(2)]
#[taskward::supervised]
async fn holds_its_permit_on_purpose() -> Result<(), taskward::Error> {
    Ok(())
}

#[allow(deprecated)]
#[taskward::with_timeout("50ms")]
#[taskward::supervised(backoff = "100ms..1s")]
async fn one_run_only() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {
    drop(holds_its_permit_on_purpose());
    drop(one_run_only());
}
