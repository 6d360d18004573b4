// `half_open = 0` would never let a probe through, so the breaker would never close: the error points at `0`.
#[taskward::circuit_breaker(half_open = 0)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
