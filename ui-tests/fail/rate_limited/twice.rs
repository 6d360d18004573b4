// `#[rate_limited]` twice on one function: the error is on the second and says to keep one.
#[taskward::rate_limited(10, per = "1s")]
#[taskward::rate_limited(5, per = "1s")]
async fn work() {}

fn main() {}
