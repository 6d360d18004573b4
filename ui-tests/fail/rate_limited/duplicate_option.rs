// An option given twice: the error is on the second.
#[taskward::rate_limited(10, per = "1s", per = "1m")]
async fn work() {}

fn main() {}
