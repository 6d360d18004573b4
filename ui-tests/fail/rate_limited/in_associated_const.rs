// `in = Self::LIMIT`: an associated `const` rate limit would be a new one at every use.
struct Client;

impl Client {
    const LIMIT: taskward::RateLimit =
        taskward::RateLimit::new(10, std::time::Duration::from_secs(1));

    #[taskward::rate_limited(in = Self::LIMIT)]
    async fn send(&self) {}
}

fn main() {}
