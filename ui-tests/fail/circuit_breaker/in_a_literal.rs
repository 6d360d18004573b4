// `in = "partner"`: a literal is not a breaker; the error is on it and says what `in` takes.
#[taskward::circuit_breaker(in = "partner")]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
