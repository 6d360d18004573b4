// `min_calls` above `window`: the window never holds that many calls; the error is on `min_calls`'s value.
#[taskward::circuit_breaker(rate = 0.5, window = 5, min_calls = 8)]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
