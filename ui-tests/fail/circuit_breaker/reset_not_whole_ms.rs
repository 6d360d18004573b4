// `reset = "1500us"`: a breaker keeps whole milliseconds; the error on the string says what to write.
#[taskward::circuit_breaker(reset = "1500us")]
async fn fetch() -> Result<u8, taskward::Error> {
    Ok(1)
}

fn main() {}
