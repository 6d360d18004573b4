// `window` above `Breaker::MAX_WINDOW`: the error is on the number.
#[taskward::circuit_breaker(rate = 0.5, window = 5000)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
