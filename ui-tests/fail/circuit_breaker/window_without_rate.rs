// `window` without `rate`: it belongs to the failure rate; the error is on `window`.
#[taskward::circuit_breaker(window = 50)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
