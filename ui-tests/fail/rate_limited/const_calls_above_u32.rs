// A `const` number of calls above `u32::MAX`: the `static` fails to evaluate, at the constant.
const CALLS: u64 = 5_000_000_000;

#[taskward::rate_limited(CALLS, per = "1s")]
async fn work() {}

fn main() {}
