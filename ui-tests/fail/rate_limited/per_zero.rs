// A period of zero: the error is on the string.
#[taskward::rate_limited(10, per = "0s")]
async fn work() {}

fn main() {}
