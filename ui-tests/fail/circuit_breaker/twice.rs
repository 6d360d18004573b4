// #[circuit_breaker] twice on one function: the error is on the second.
#[taskward::circuit_breaker(failures = 3)]
#[taskward::circuit_breaker(reset = "10s")]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
