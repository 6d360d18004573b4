// `wait` is an option of #[bounded], not of #[circuit_breaker]: the error on the key says so.
#[taskward::circuit_breaker(wait = "10ms")]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
