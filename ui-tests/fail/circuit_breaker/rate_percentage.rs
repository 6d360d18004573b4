// `rate = "50%"`: the error points at the string and says to write `0.5`.
#[taskward::circuit_breaker(rate = "50%")]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
