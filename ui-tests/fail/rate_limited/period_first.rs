// The period where the number of calls goes: the error is on it and shows the order.
#[taskward::rate_limited("1s")]
async fn work() {}

fn main() {}
