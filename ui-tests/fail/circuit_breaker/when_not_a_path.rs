// `when` takes the path of a function, not a closure: the error is on the closure.
#[taskward::circuit_breaker(when = |err: &std::io::Error| err.raw_os_error().is_some())]
async fn fetch() -> std::io::Result<u8> {
    Ok(1)
}

fn main() {}
