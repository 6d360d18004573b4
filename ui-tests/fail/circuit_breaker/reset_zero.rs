// `reset = "0s"`: the breaker would never stay open; the error points at the string.
#[taskward::circuit_breaker(reset = "0s")]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
