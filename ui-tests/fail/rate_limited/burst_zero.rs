// `burst = 0`: the error is on the `0` and says at least 1.
#[taskward::rate_limited(10, per = "1s", burst = 0)]
async fn work() {}

fn main() {}
