// A period without the number of calls: the error is on `per` and shows the order.
#[taskward::rate_limited(per = "1s")]
async fn work() {}

fn main() {}
