// A burst that reaches further ahead than a `RateLimit` holds: the error is on the burst.
#[taskward::rate_limited(1, per = "100d", burst = 4000000000)]
async fn work() {}

fn main() {}
