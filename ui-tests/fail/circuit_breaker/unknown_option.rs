// An unknown option of #[circuit_breaker]: the error points at the key and lists the options.
#[taskward::circuit_breaker(failure = 3)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
