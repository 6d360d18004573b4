// `on` and `when` together: keep one; the error is on the second.
fn is_outage(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::TimedOut
}

#[taskward::circuit_breaker(on = std::io::ErrorKind::TimedOut, when = is_outage)]
async fn fetch() -> std::io::Result<u8> {
    Ok(1)
}

fn main() {}
