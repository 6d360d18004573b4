// `burst` as a string: the error is on it and writes the number.
#[taskward::rate_limited(10, per = "1s", burst = "5")]
async fn work() {}

fn main() {}
