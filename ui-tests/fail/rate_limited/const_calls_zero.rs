// A `const` number of calls of zero: the `static` fails to evaluate, at the constant.
const CALLS: u32 = 0;

#[taskward::rate_limited(CALLS, per = "1s")]
async fn work() {}

fn main() {}
