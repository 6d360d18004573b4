// An option given twice: the error points at the second key.
#[taskward::circuit_breaker(failures = 3, reset = "10s", failures = 4)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
