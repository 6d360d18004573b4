// The stack lints (order and latency budget) are warnings, acknowledged one by one with
// `allow(name)` among the options of the attribute they are on (or of any attribute of the
// stack), or all at once by `#[allow(deprecated)]` on the function, even under
// `#![deny(warnings)]`.
#![deny(warnings)]

#[taskward::bounded(2, allow(permit_held_across_restarts))]
#[taskward::supervised]
async fn holds_its_permit_on_purpose() -> Result<(), taskward::Error> {
    Ok(())
}

#[taskward::with_timeout("50ms", allow(deadline_before_first_restart))]
#[taskward::supervised(backoff = "100ms..1s")]
async fn one_run_only() -> Result<(), taskward::Error> {
    Ok(())
}

#[taskward::graceful(cancel, allow(permit_held_across_restarts))]
#[taskward::bounded(in = POOL)]
#[taskward::supervised]
async fn acknowledged_on_another_attribute() -> Result<(), taskward::Error> {
    Ok(())
}

static POOL: taskward::Bulkhead = taskward::Bulkhead::new(2);

#[allow(deprecated)]
#[taskward::bounded(2)]
#[taskward::supervised]
async fn all_silenced() -> Result<(), taskward::Error> {
    Ok(())
}

fn main() {
    drop(holds_its_permit_on_purpose());
    drop(one_run_only());
    drop(acknowledged_on_another_attribute());
    drop(all_silenced());
}
