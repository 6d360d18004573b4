// A signed suffix on the number of calls: the error is on the literal.
#[taskward::rate_limited(10i32, per = "1s")]
async fn work() {}

fn main() {}
