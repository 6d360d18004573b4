// `per` with `in`: the period is the shared limit's; the error is on `per`.
static LIMIT: taskward::RateLimit = taskward::RateLimit::new(10, std::time::Duration::from_secs(1));

#[taskward::rate_limited(in = LIMIT, per = "1s")]
async fn work() {}

fn main() {}
