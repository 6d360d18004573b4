// A negative `failures`: the error is on `-3`.
#[taskward::circuit_breaker(failures = -3)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
