// `in = EXPR` whose value is not a breaker: the error is on the expression.
struct Client {
    retries: u32,
}

impl Client {
    #[taskward::circuit_breaker(in = &self.retries)]
    async fn fetch(&self) -> Result<u32, taskward::Error> {
        Ok(self.retries)
    }
}

fn main() {}
