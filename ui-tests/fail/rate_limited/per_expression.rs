// `per` as an expression: the period makes a `static`, so it is a literal; the error says how to
// get a period known at run time.
#[taskward::rate_limited(10, per = std::time::Duration::from_secs(1))]
async fn work() {}

fn main() {}
