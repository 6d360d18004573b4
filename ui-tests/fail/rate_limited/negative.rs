// A negative number of calls: the error is on it.
#[taskward::rate_limited(-1, per = "1s")]
async fn work() {}

fn main() {}
