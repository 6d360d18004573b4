// A rate of its own and `in`: the error is on the number of calls.
static LIMIT: taskward::RateLimit = taskward::RateLimit::new(10, std::time::Duration::from_secs(1));

#[taskward::rate_limited(10, per = "1s", in = LIMIT)]
async fn work() {}

fn main() {}
