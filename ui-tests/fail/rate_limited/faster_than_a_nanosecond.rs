// More than one call per nanosecond: the error is on the number of calls.
#[taskward::rate_limited(10, per = "5ns")]
async fn work() {}

fn main() {}
