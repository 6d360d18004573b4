// A number of calls without its period: the error is on the number and shows `per`.
#[taskward::rate_limited(10)]
async fn work() {}

fn main() {}
