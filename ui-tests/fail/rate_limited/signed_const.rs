// A `const` number of calls of a signed type: the error is on the constant and names the types.
const CALLS: i32 = 10;

#[taskward::rate_limited(CALLS, per = "1s")]
async fn work() {}

fn main() {}
