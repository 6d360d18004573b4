// `#[rate_limited(0, ..)]`: the error is on the `0` and says at least 1.
#[taskward::rate_limited(0, per = "1s")]
async fn work() {}

fn main() {}
