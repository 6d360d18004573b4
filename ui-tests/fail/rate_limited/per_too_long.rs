// A period longer than a `RateLimit` holds: the error is on the string.
#[taskward::rate_limited(1, per = "300000d")]
async fn work() {}

fn main() {}
