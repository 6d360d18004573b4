// A number of calls that does not fit in a `u32`: the error is on it and says what to do.
#[taskward::rate_limited(5_000_000_000, per = "1s")]
async fn work() {}

fn main() {}
