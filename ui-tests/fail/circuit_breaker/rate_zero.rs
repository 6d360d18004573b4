// `rate = 0.0` is outside (0, 1]: the error points at the rate.
#[taskward::circuit_breaker(rate = 0.0)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
