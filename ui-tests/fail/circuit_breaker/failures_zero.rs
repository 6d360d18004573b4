// `failures = 0` would open the breaker before any call failed: the error points at `0`.
#[taskward::circuit_breaker(failures = 0)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
