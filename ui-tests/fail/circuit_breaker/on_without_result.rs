// `on` on a function that returns no `Result`: there is no `Err` to choose; the error is on `on`.
#[taskward::circuit_breaker(on = std::io::ErrorKind::TimedOut)]
async fn fetch() -> u8 {
    1
}

fn main() {}
