// `wait` without a unit: the error is on the string and shows the units.
#[taskward::rate_limited(10, per = "1s", wait = "100")]
async fn work() {}

fn main() {}
