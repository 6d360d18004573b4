// `burst` with `in`: the burst is the shared limit's; the error is on `burst`.
static LIMIT: taskward::RateLimit = taskward::RateLimit::new(10, std::time::Duration::from_secs(1));

#[taskward::rate_limited(in = LIMIT, burst = 2)]
async fn work() {}

fn main() {}
