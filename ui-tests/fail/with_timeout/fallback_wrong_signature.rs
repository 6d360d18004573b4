// A fallback that does not take the function's arguments and error: the error is at the option.
async fn stale() -> u32 {
    0
}

#[taskward::with_timeout("1s", fallback = stale)]
async fn price(ticker: String) -> u32 {
    u32::try_from(ticker.len()).unwrap()
}

fn main() {}
