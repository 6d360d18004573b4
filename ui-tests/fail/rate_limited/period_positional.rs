// The period written without its key: the error is on it and writes `per = ...`.
#[taskward::rate_limited(10, "1s")]
async fn work() {}

fn main() {}
