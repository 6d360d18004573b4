// The number of calls as a string: the error is on it and writes the number.
#[taskward::rate_limited("10", per = "1s")]
async fn work() {}

fn main() {}
