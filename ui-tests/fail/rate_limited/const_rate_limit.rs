// `in = LIMIT` with a `const` rate limit: a new limit at every use would limit nothing; the
// compiler's error is on `LIMIT` and says to make it a `static`.
const LIMIT: taskward::RateLimit = taskward::RateLimit::new(10, std::time::Duration::from_secs(1));

#[taskward::rate_limited(in = LIMIT)]
async fn work() {}

fn main() {}
