// `in = EXPR` whose value is not a rate limit: the error is on the expression.
struct Client {
    limit: u32,
}

impl Client {
    #[taskward::rate_limited(in = &self.limit)]
    async fn send(&self) -> u32 {
        self.limit
    }
}

fn main() {}
