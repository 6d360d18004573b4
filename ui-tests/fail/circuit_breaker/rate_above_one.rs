// `rate = 50` is a percentage, above 1: the error points at it and says to write `0.5`.
#[taskward::circuit_breaker(rate = 50)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
